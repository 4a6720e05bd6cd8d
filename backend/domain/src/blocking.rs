//! Bounded CPU work on tokio's blocking pool. Each kind of heavy work (password hashing,
//! reading people's files) has its own fixed number of slots, so that a burst waits for a
//! slot instead of filling the blocking pool that uploads and certificates share, and never
//! runs on the async executor. A slot goes with the work: a request dropped while its work
//! runs does not free the slot early.

use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

/// A fixed number of slots for one kind of work.
pub struct Slots {
    semaphore: Semaphore,
    count: u32,
}

/// Why work did not run to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Every slot stayed busy for the whole wait.
    Busy,
    /// The work panicked.
    Panicked,
}

impl Slots {
    pub fn new(slots: usize) -> Self {
        let count = u32::try_from(slots.max(1)).unwrap_or(u32::MAX);
        Self {
            semaphore: Semaphore::new(count as usize),
            count,
        }
    }

    /// Runs `work` on the blocking pool once a slot is free, waiting at most `wait` for it
    /// (for ever with None). The slots live as long as the process (a `static`), so that the
    /// pool's thread can hold one.
    pub async fn run<T, F>(&'static self, wait: Option<Duration>, work: F) -> Result<T, Refused>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = match wait {
            Some(wait) => tokio::time::timeout(wait, self.semaphore.acquire())
                .await
                .map_err(|_| Refused::Busy)?,
            None => self.semaphore.acquire().await,
        }
        .map_err(|_| Refused::Busy)?;
        tokio::task::spawn_blocking(move || {
            let _slot = permit;
            work()
        })
        .await
        .map_err(|_| Refused::Panicked)
    }

    /// Takes every slot until the permit is dropped (for tests that fill them).
    pub async fn hold_all(&self) -> SemaphorePermit<'_> {
        self.semaphore
            .acquire_many(self.count)
            .await
            .expect("slots are never closed")
    }
}
