//! Accounts over the API: register, verify, login, refresh, logout, password reset.

pub mod login;
pub mod logout;
pub mod password_reset;
pub mod refresh;
pub mod register;
pub mod verify;

use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use crate::rate_limit::Verdict;
use crate::state::AppState;

/// Tokens handed to an API client after login or refresh.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    /// Always "Bearer".
    pub token_type: &'static str,
    /// Lifetime of the access token in seconds.
    pub expires_in: i64,
}

impl From<lms_domain::accounts::IssuedTokens> for TokenResponse {
    fn from(t: lms_domain::accounts::IssuedTokens) -> Self {
        Self {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            token_type: "Bearer",
            expires_in: t.expires_in,
        }
    }
}

/// A plain acknowledgement.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    pub status: &'static str,
}

/// Counts a login attempt against the address and the client; 429 past the limits.
/// Unknown and known emails are counted alike.
pub async fn limit_login(state: &AppState, ip: &str, email: &str) -> AppResult<()> {
    let window = Duration::from_secs(state.config.login_window_secs);
    let email = email.trim().to_lowercase();
    let checks = [
        (format!("login:ip:{ip}"), state.config.login_max_per_ip),
        (
            format!("login:email:{email}"),
            state.config.login_max_per_email,
        ),
    ];
    for (key, max) in checks {
        match state.limiter.hit(&key, max, window).await {
            Ok(Verdict::Allowed) => {}
            Ok(Verdict::Limited { retry_after_secs }) => {
                metrics::counter!("login_rate_limited_total").increment(1);
                return Err(AppError::RateLimited { retry_after_secs });
            }
            Err(e) => return Err(AppError::Internal(format!("rate limiter: {e}"))),
        }
    }
    Ok(())
}
