//! Password hashing with Argon2id (OWASP parameters), always off the async executor, and at
//! most one hash per core at once (see [`slots`]): a burst of requests waits for a slot
//! instead of filling the blocking pool that uploads and certificates share.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{DomainError, DomainResult};

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 256;

fn argon2() -> Argon2<'static> {
    // 19 MiB, 2 iterations, 1 lane: OWASP's first recommended Argon2id setting.
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 params");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks the length rules a new password must meet.
pub fn validate(password: &str) -> DomainResult<()> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(DomainError::validation(
            "password",
            "too_short",
            format!("the password needs at least {MIN_LEN} characters"),
        ));
    }
    if len > MAX_LEN {
        return Err(DomainError::validation(
            "password",
            "too_long",
            format!("the password may have at most {MAX_LEN} characters"),
        ));
    }
    Ok(())
}

/// The hashing slots: at most one Argon2 computation per core runs at once (each holds
/// 19 MiB), whatever the number of requests; the others wait for a slot. Public so that
/// tests can take every slot.
pub fn slots() -> &'static crate::blocking::Slots {
    static SLOTS: std::sync::OnceLock<crate::blocking::Slots> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| crate::blocking::Slots::new(slot_count()))
}

/// How many hashes may run at once: the number of cores.
pub fn slot_count() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

#[cfg(test)]
mod in_flight {
    //! Counts the Argon2 computations running at once, and the most seen, for the tests.
    use std::sync::atomic::{AtomicUsize, Ordering};

    static NOW: AtomicUsize = AtomicUsize::new(0);
    pub static PEAK: AtomicUsize = AtomicUsize::new(0);

    pub struct Guard;

    pub fn enter() -> Guard {
        let n = NOW.fetch_add(1, Ordering::SeqCst) + 1;
        PEAK.fetch_max(n, Ordering::SeqCst);
        Guard
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            NOW.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Hashes a password into a PHC string.
pub async fn hash(password: String) -> DomainResult<String> {
    in_a_slot(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| DomainError::Internal(format!("hashing failed: {e}")))
    })
    .await?
}

/// Runs `work` on the blocking pool once a hashing slot is free, however long that takes.
async fn in_a_slot<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> DomainResult<T> {
    slots()
        .run(None, move || {
            #[cfg(test)]
            let _counted = in_flight::enter();
            work()
        })
        .await
        .map_err(|e| DomainError::Internal(format!("password hashing: {e:?}")))
}

/// A hash verified against when the account does not exist, so that unknown and known
/// emails take the same time. Made once per process with the same parameters.
fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
            argon2()
                .hash_password(b"no account has this password", &salt)
                .expect("hashing a constant")
                .to_string()
        })
        .clone()
}

/// Verifies a password against a stored hash (or the dummy hash when there is none).
pub async fn verify(password: String, stored: Option<String>) -> DomainResult<bool> {
    let has_account = stored.is_some();
    in_a_slot(move || {
        let stored = stored.unwrap_or_else(dummy_hash);
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && has_account
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let a = hash("correct horse battery".into()).await.unwrap();
        let b = hash("correct horse battery".into()).await.unwrap();
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(
            verify("correct horse battery".into(), Some(a.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse battery".into(), Some(a)).await.unwrap());
        assert!(!verify("anything at all".into(), None).await.unwrap());
    }

    /// Issue #23: every request's hash went straight to the blocking pool (shared with
    /// uploads and certificates), so a burst ran as many 19 MiB hashes as requests. Now at
    /// most one per core runs at once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn hashing_runs_at_most_one_per_core_at_once() {
        let tasks: Vec<_> = (0..slot_count() * 3 + 2)
            .map(|i| {
                tokio::spawn(async move {
                    if i % 2 == 0 {
                        hash("correct horse battery".into()).await.map(|_| ())
                    } else {
                        verify("correct horse battery".into(), None)
                            .await
                            .map(|_| ())
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let peak = in_flight::PEAK.load(std::sync::atomic::Ordering::SeqCst);
        assert!(
            (1..=slot_count()).contains(&peak),
            "{peak} hashes ran at once on {} cores",
            slot_count()
        );
    }

    #[test]
    fn length_rules() {
        assert!(validate("short").is_err());
        assert!(validate("long enough pw").is_ok());
        assert!(validate(&"x".repeat(MAX_LEN + 1)).is_err());
    }
}
