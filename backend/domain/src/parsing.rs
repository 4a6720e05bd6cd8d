//! Reading people's files (rosters, quizzes, captions) off the async executor, a few at a
//! time. A parse is CPU work that may hold tens of MB for a moment (each format bounds it:
//! see `limits` in `roster::file`, `quiz::import` and `captions`); run on the executor it
//! would stall every other request on that worker thread, and a burst of uploads parsed at
//! once could exhaust memory. So parses run on tokio's blocking pool in slots of their own
//! ([`crate::blocking::Slots`]), and an upload that finds every slot taken for [`WAIT`] is
//! refused as busy.

use std::sync::OnceLock;
use std::time::Duration;

use crate::blocking::{Refused, Slots};

/// How long a file waits for a free parsing slot before it is refused as busy.
pub const WAIT: Duration = Duration::from_secs(10);

/// Files parsed at once in this process: one per core, at most 4.
pub fn max_concurrent() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, 4)
}

fn slots() -> &'static Slots {
    static SLOTS: OnceLock<Slots> = OnceLock::new();
    SLOTS.get_or_init(|| Slots::new(max_concurrent()))
}

/// Why a file was not parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseRefused {
    /// Every slot stayed busy for [`WAIT`].
    #[error("the server is busy reading other files; try again in a moment")]
    Busy,
    /// The parser panicked (a bug, or a file it could not cope with).
    #[error("the file could not be read")]
    Failed,
}

/// Runs `parse` on the blocking pool once a slot is free. The slot is held until the parse
/// ends, even when the request that asked for it is dropped meanwhile.
pub async fn off_executor<T, F>(parse: F) -> Result<T, ParseRefused>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    slots()
        .run(Some(WAIT), parse)
        .await
        .map_err(|refused| match refused {
            Refused::Busy => ParseRefused::Busy,
            Refused::Panicked => {
                tracing::warn!("a file parser panicked");
                ParseRefused::Failed
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn parses_run_off_the_executor_and_never_more_than_the_slots_at_once() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        // The test's runtime runs on this thread only: a parse here would be on the executor.
        let executor = std::thread::current().id();
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..max_concurrent() * 3)
            .map(|_| {
                let (running, peak) = (running.clone(), peak.clone());
                tokio::spawn(off_executor(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    // A blocking sleep: on the executor this would stall the runtime.
                    std::thread::sleep(Duration::from_millis(30));
                    running.fetch_sub(1, Ordering::SeqCst);
                    std::thread::current().id() != executor
                }))
            })
            .collect();
        for t in tasks {
            assert_eq!(
                t.await.unwrap(),
                Ok(true),
                "parsed on the executor's thread"
            );
        }
        assert!(peak.load(Ordering::SeqCst) <= max_concurrent());
    }

    #[tokio::test]
    async fn a_panicking_parser_is_an_error_not_a_crash() {
        let r: Result<(), _> = off_executor(|| panic!("hostile file")).await;
        assert_eq!(r, Err(ParseRefused::Failed));
        // The slot was given back.
        assert_eq!(off_executor(|| 7).await, Ok(7));
    }
}
