//! Password hashing with Argon2id (OWASP parameters), always off the async executor.

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

/// Hashes a password into a PHC string.
pub async fn hash(password: String) -> DomainResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| DomainError::Internal(format!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| DomainError::Internal(e.to_string()))?
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
    tokio::task::spawn_blocking(move || {
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
    .map_err(|e| DomainError::Internal(e.to_string()))
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

    #[test]
    fn length_rules() {
        assert!(validate("short").is_err());
        assert!(validate("long enough pw").is_ok());
        assert!(validate(&"x".repeat(MAX_LEN + 1)).is_err());
    }
}
