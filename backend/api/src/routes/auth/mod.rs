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

/// How many clients' worth of attempts ([`Config::login_max_per_email`] each) an address
/// takes before it is limited for every client.
///
/// [`Config::login_max_per_email`]: crate::config::Config::login_max_per_email
pub const LOGIN_CLIENTS_PER_EMAIL: u32 = 10;

/// Counts a login attempt against the client, the address from that client, and the address
/// from all clients together; 429 past a limit. The address's own limit is per client, so
/// someone guessing from one place cannot lock its holder out; only attempts from many
/// clients ([`LOGIN_CLIENTS_PER_EMAIL`] times the limit) close it everywhere, against
/// guessing spread over many addresses. Unknown and known emails are counted alike.
pub async fn limit_login(state: &AppState, ip: &str, email: &str) -> AppResult<()> {
    let email = email_key(email);
    let per_email = state.config.login_max_per_email;
    let checks = [
        (format!("login:ip:{ip}"), state.config.login_max_per_ip),
        (format!("login:email-client:{email}:{ip}"), per_email),
        (
            format!("login:email:{email}"),
            per_email.saturating_mul(LOGIN_CLIENTS_PER_EMAIL),
        ),
    ];
    hit_all(state, &checks, "login_rate_limited_total").await
}

/// Counts an unauthenticated account request (registration, password-reset request or
/// confirmation: each hashes a password or sends mail) against the client and, when the
/// request names one, the email address; 429 past the limits. Known and unknown emails
/// are counted alike, and all three requests share the client's count.
pub async fn limit_account(state: &AppState, ip: &str, email: Option<&str>) -> AppResult<()> {
    let mut checks = vec![(format!("account:ip:{ip}"), state.config.account_max_per_ip)];
    if let Some(email) = email {
        checks.push((
            format!("account:email:{}", email_key(email)),
            state.config.account_max_per_email,
        ));
    }
    hit_all(state, &checks, "account_rate_limited_total").await
}

/// An email as typed, as a counter key: trimmed, lowercased, at most 254 characters.
fn email_key(email: &str) -> String {
    email.trim().to_lowercase().chars().take(254).collect()
}

async fn hit_all(
    state: &AppState,
    checks: &[(String, u32)],
    metric: &'static str,
) -> AppResult<()> {
    let window = Duration::from_secs(state.config.login_window_secs);
    for (key, max) in checks {
        match state.limiter.hit(key, *max, window).await {
            Ok(Verdict::Allowed) => {}
            Ok(Verdict::Limited { retry_after_secs }) => {
                metrics::counter!(metric).increment(1);
                return Err(AppError::RateLimited { retry_after_secs });
            }
            Err(e) => return Err(AppError::Internal(format!("rate limiter: {e}"))),
        }
    }
    Ok(())
}
