//! The progress token: issued with the module page, it lets the player report watched
//! intervals without a database read to authorise each heartbeat. It names the learner, the
//! module and the completion rules in force, expires, and is signed (HMAC-SHA256 with the
//! server secret over "progress:" and the claims, so that no other signature of ours passes
//! as one). It travels in the request body, never in a cookie, so a cross-site page cannot
//! make a learner's browser send one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// How long a token is accepted: a long lecture day on one page load.
pub const TOKEN_TTL_S: i64 = 12 * 3600;

/// What a progress token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressClaims {
    #[serde(rename = "u")]
    pub user_id: i64,
    #[serde(rename = "c")]
    pub course_id: i64,
    #[serde(rename = "m")]
    pub module_uid: String,
    /// The video's length.
    #[serde(rename = "d")]
    pub duration_ms: i64,
    /// Share of the video to watch for completion, percent.
    #[serde(rename = "w")]
    pub min_watched_percent: i32,
    /// Whether the module has a quiz to pass.
    #[serde(rename = "q")]
    pub quiz_required: bool,
    /// Issued at (unix seconds): when the learner's playback allowance on the module starts
    /// filling, if this page view is the first to report on it.
    #[serde(rename = "i")]
    pub issued_at: i64,
    /// Expires at (unix seconds).
    #[serde(rename = "e")]
    pub expires_at: i64,
}

/// The key that signs progress tokens, prepared once: HMAC-SHA256 keyed with the server
/// secret and already fed the "progress:" prefix, so that checking a heartbeat's token
/// hashes only that token, not the key's pads again.
#[derive(Clone)]
pub struct ProgressKey(Hmac<Sha256>);

impl ProgressKey {
    pub fn new(secret: &[u8]) -> Self {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"progress:");
        Self(mac)
    }

    fn mac(&self, payload: &str) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        mac.update(payload.as_bytes());
        mac
    }

    /// `<base64url(json)>.<signature>`.
    pub fn issue(&self, claims: &ProgressClaims) -> String {
        let json = serde_json::to_vec(claims).expect("claims serialise");
        let payload = URL_SAFE_NO_PAD.encode(json);
        let sig = URL_SAFE_NO_PAD.encode(self.mac(&payload).finalize().into_bytes());
        format!("{payload}.{sig}")
    }

    /// Checks the signature (in constant time) and the expiry (`now`, unix seconds).
    pub fn verify(&self, token: &str, now: i64) -> Result<ProgressClaims, TokenError> {
        let (payload, sig) = token.split_once('.').ok_or(TokenError::Malformed)?;
        if payload.len() > 2048 || sig.len() > 64 {
            return Err(TokenError::Malformed);
        }
        let sig = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| TokenError::BadSignature)?;
        self.mac(payload)
            .verify_slice(&sig)
            .map_err(|_| TokenError::BadSignature)?;
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Malformed)?;
        let claims: ProgressClaims =
            serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)?;
        if claims.expires_at < now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

impl std::fmt::Debug for ProgressKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressKey(..)")
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    BadSignature,
    Expired,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> ProgressClaims {
        ProgressClaims {
            user_id: 7,
            course_id: 3,
            module_uid: "0b6c…".into(),
            duration_ms: 180_000,
            min_watched_percent: 90,
            quiz_required: true,
            issued_at: 1_000,
            expires_at: 2_000,
        }
    }

    #[test]
    fn round_trip_and_refusals() {
        let key = ProgressKey::new(b"0123456789abcdef0123456789abcdef");
        let t = key.issue(&claims());
        assert_eq!(key.verify(&t, 1_500), Ok(claims()));
        assert_eq!(key.verify(&t, 2_001), Err(TokenError::Expired));
        assert_eq!(
            ProgressKey::new(b"another-key-another-key-another!").verify(&t, 1_500),
            Err(TokenError::BadSignature)
        );
        // A learner editing their own claims (say, another user id) breaks the signature.
        let (payload, sig) = t.split_once('.').unwrap();
        let mut forged = claims();
        forged.user_id = 8;
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert_ne!(forged_payload, payload);
        assert_eq!(
            key.verify(&format!("{forged_payload}.{sig}"), 1_500),
            Err(TokenError::BadSignature)
        );
        assert_eq!(key.verify("nonsense", 1_500), Err(TokenError::Malformed));
        // A signature cut short, or not base64 at all, is refused like a wrong one.
        assert_eq!(
            key.verify(&format!("{payload}.{}", &sig[..20]), 1_500),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            key.verify(&format!("{payload}.!!!"), 1_500),
            Err(TokenError::BadSignature)
        );
    }
}
