//! Tokens: short-lived JWT access tokens (HS256 only, fixed issuer and audience) and opaque
//! random tokens (refresh, email verification, password reset) that are stored only as their
//! SHA-256 digest.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{DomainError, DomainResult};

pub const ISSUER: &str = "lms";
pub const AUDIENCE: &str = "lms-api";
const TOKEN_TYPE_ACCESS: &str = "access";

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    /// The user id.
    pub sub: String,
    /// The login session (refresh-token family) the token belongs to.
    pub sid: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// Always "access": a token of another kind is never accepted as one.
    pub typ: String,
}

impl AccessClaims {
    pub fn user_id(&self) -> DomainResult<i64> {
        self.sub.parse().map_err(|_| DomainError::InvalidToken)
    }
}

/// Signing keys and lifetimes for the tokens of one deployment.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Keys the derivation of a refresh token's successor (see [`TokenKeys::successor_of`]).
    successor_key: [u8; 32],
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("secret", &"[redacted]")
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .finish()
    }
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl: Duration, refresh_ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            successor_key: Sha256::new()
                .chain_update(b"lms refresh-token successor\0")
                .chain_update(secret)
                .finalize()
                .into(),
            access_ttl,
            refresh_ttl,
        }
    }

    /// The refresh token that replaces `token` when it is swapped: a keyed hash of it, so
    /// that two requests racing with the same token (two tabs) are handed the same successor
    /// without the successor ever being stored in clear. Without the deployment's secret it
    /// cannot be computed from `token`.
    pub fn successor_of(&self, token: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.successor_key)
            .expect("HMAC takes a key of any length");
        mac.update(token.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Issues an access token for a user's session.
    pub fn issue_access(&self, user_id: i64, session_id: &str) -> DomainResult<String> {
        let now = Utc::now();
        let claims = AccessClaims {
            sub: user_id.to_string(),
            sid: session_id.to_owned(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now.timestamp(),
            exp: (now + self.access_ttl).timestamp(),
            typ: TOKEN_TYPE_ACCESS.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| DomainError::Internal(format!("signing failed: {e}")))
    }

    /// Checks signature, algorithm, issuer, audience, expiry and token type.
    pub fn verify_access(&self, token: &str) -> DomainResult<AccessClaims> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|_| DomainError::InvalidToken)?;
        if data.claims.typ != TOKEN_TYPE_ACCESS {
            return Err(DomainError::InvalidToken);
        }
        Ok(data.claims)
    }
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A fresh opaque token: 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The form in which an opaque token is stored: hex SHA-256.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(
            b"0123456789abcdef0123456789abcdef",
            Duration::minutes(15),
            Duration::days(30),
        )
    }

    #[test]
    fn access_token_round_trip() {
        let k = keys();
        let t = k.issue_access(42, "s1").unwrap();
        let c = k.verify_access(&t).unwrap();
        assert_eq!(c.user_id().unwrap(), 42);
        assert_eq!(c.sid, "s1");
    }

    #[test]
    fn successor_is_stable_for_a_token_and_secret() {
        let k = keys();
        let t = random_token();
        assert_eq!(k.successor_of(&t), k.successor_of(&t));
        assert_ne!(k.successor_of(&t), k.successor_of(&random_token()));
        assert_ne!(k.successor_of(&t), t);
        let other = TokenKeys::new(
            b"another-secret-another-secret-xx",
            Duration::minutes(1),
            Duration::days(1),
        );
        assert_ne!(other.successor_of(&t), k.successor_of(&t));
        // As long as a random token, and as URL-safe.
        assert_eq!(k.successor_of(&t).len(), t.len());
    }

    #[test]
    fn other_key_is_rejected() {
        let t = keys().issue_access(1, "s").unwrap();
        let other = TokenKeys::new(
            b"another-secret-another-secret-xx",
            Duration::minutes(1),
            Duration::days(1),
        );
        assert!(other.verify_access(&t).is_err());
    }

    #[test]
    fn random_tokens_differ_and_digest_is_stable() {
        let a = random_token();
        assert_ne!(a, random_token());
        assert_eq!(digest(&a), digest(&a));
        assert_eq!(digest(&a).len(), 64);
    }
}
