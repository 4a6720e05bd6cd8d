//! Account pages: register, verify, log in, log out, forgotten and reset password, and
//! confirming a mailed request to join an organisation's roster.
//! Forms post back to the same path; failures re-render the form with a translated message.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use lms_domain::DomainError;
use lms_domain::accounts::{self, Registration};
use serde::Deserialize;
use serde_json::json;

use super::{Page, notice_key, safe_next};
use crate::auth::{ClientIp, append_cookies, cleared_session_cookies, session_cookies};
use crate::error::AppError;
use crate::routes::auth::{limit_account, limit_login};
use crate::state::AppState;

/// The translation key for a domain error shown on a form.
fn error_key(err: &DomainError) -> &'static str {
    match err {
        DomainError::Validation(fields) => match fields.first().map(|f| f.field) {
            Some("email") => "error-email-invalid",
            Some("password") => "error-password-too-short",
            Some("display_name") => "error-display-name-required",
            _ => "error-internal",
        },
        DomainError::InvalidCredentials => "error-invalid-credentials",
        DomainError::InvalidToken => "error-token-invalid",
        DomainError::Forbidden => "error-forbidden",
        _ => "error-internal",
    }
}

fn error_status(err: &DomainError) -> StatusCode {
    AppError::from(match err {
        DomainError::Validation(v) => DomainError::Validation(v.clone()),
        DomainError::InvalidCredentials => DomainError::InvalidCredentials,
        DomainError::InvalidToken => DomainError::InvalidToken,
        _ => DomainError::Internal(String::new()),
    })
    .status()
}

/// A form shown again over a rate limit says when to try again, as the API does.
fn with_retry_after(mut res: Response, secs: u64) -> Response {
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
    res
}

fn log_unexpected(err: &DomainError) {
    if matches!(err, DomainError::Db(_) | DomainError::Internal(_)) {
        tracing::error!(error = %err, "account page failed");
    }
}

#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[derive(Debug, Deserialize)]
pub struct RegisterQuery {
    /// Pre-filled from an invitation link.
    email: Option<String>,
}

pub async fn register_form(
    State(state): State<AppState>,
    page: Page,
    axum::extract::Query(q): axum::extract::Query<RegisterQuery>,
) -> Response {
    page.render(
        &state,
        StatusCode::OK,
        "pages/register",
        "page-title-register",
        json!({"form": {"email": q.email.map(|e| e.chars().take(254).collect::<String>())}}),
    )
}

pub async fn register(
    State(state): State<AppState>,
    page: Page,
    axum::Extension(ClientIp(ip)): axum::Extension<ClientIp>,
    Form(f): Form<RegisterForm>,
) -> Response {
    match limit_account(&state, &ip, Some(&f.email)).await {
        Ok(()) => {}
        Err(AppError::RateLimited { retry_after_secs }) => {
            let res = page.render(
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                "pages/register",
                "page-title-register",
                json!({
                    "error_message": page.t("error-rate-limited"),
                    "form": { "display_name": f.display_name, "email": f.email },
                }),
            );
            return with_retry_after(res, retry_after_secs);
        }
        Err(e) => return e.into_response(),
    }
    let input = Registration {
        email: f.email.clone(),
        password: f.password,
        display_name: f.display_name.clone(),
        locale: page.lang.to_owned(),
    };
    match accounts::register(&state.db, &state.accounts, input).await {
        Ok(()) => page.render(
            &state,
            StatusCode::OK,
            "pages/register_done",
            "page-title-register",
            json!({ "email": f.email.trim() }),
        ),
        Err(e) => {
            log_unexpected(&e);
            page.render(
                &state,
                error_status(&e),
                "pages/register",
                "page-title-register",
                json!({
                    "error_message": page.t(error_key(&e)),
                    "form": { "display_name": f.display_name, "email": f.email },
                }),
            )
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

pub async fn verify(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> Response {
    let result = match q.token.as_deref() {
        Some(t) => accounts::verify_email(&state.db, t).await,
        None => Err(DomainError::InvalidToken),
    };
    let verified = result.is_ok();
    if let Err(e) = &result {
        log_unexpected(e);
    }
    let mut extra = json!({ "verified": verified });
    if verified {
        extra["notice_message"] = json!(page.t("notice-verified"));
    }
    let status = if verified {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    page.render(&state, status, "pages/verify", "page-title-verify", extra)
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    notice: Option<String>,
}

pub async fn login_form(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<LoginQuery>,
) -> Response {
    let mut extra = json!({ "next": safe_next(q.next.as_deref()) });
    if let Some(key) = notice_key(q.notice.as_deref()) {
        extra["notice_message"] = json!(page.t(key));
    }
    page.render(
        &state,
        StatusCode::OK,
        "pages/login",
        "page-title-login",
        extra,
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    page: Page,
    axum::Extension(ClientIp(ip)): axum::Extension<ClientIp>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let fail = |status: StatusCode, key: &str| {
        page.render(
            &state,
            status,
            "pages/login",
            "page-title-login",
            json!({ "error_message": page.t(key), "next": next, "form": { "email": f.email } }),
        )
    };
    match limit_login(&state, &ip, &f.email).await {
        Ok(()) => {}
        Err(AppError::RateLimited { .. }) => {
            return fail(StatusCode::TOO_MANY_REQUESTS, "error-rate-limited");
        }
        Err(e) => return e.into_response(),
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    match accounts::login(&state.db, &state.accounts, &f.email, &f.password, ua).await {
        Ok(issued) => {
            let mut res = Redirect::to(&next).into_response();
            append_cookies(res.headers_mut(), &session_cookies(&state, &issued));
            res
        }
        Err(e) => {
            log_unexpected(&e);
            fail(error_status(&e), error_key(&e))
        }
    }
}

pub async fn logout(State(state): State<AppState>, page: Page) -> Response {
    if let Some(s) = &page.user
        && let Err(e) = accounts::logout(&state.db, s.user.id, &s.session_id).await
    {
        return AppError::from(e).into_response();
    }
    let mut res = Redirect::to("/login?notice=logged_out").into_response();
    append_cookies(res.headers_mut(), &cleared_session_cookies());
    res
}

pub async fn forgot_form(State(state): State<AppState>, page: Page) -> Response {
    page.render(
        &state,
        StatusCode::OK,
        "pages/forgot_password",
        "page-title-forgot",
        json!({}),
    )
}

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub async fn forgot(
    State(state): State<AppState>,
    page: Page,
    axum::Extension(ClientIp(ip)): axum::Extension<ClientIp>,
    Form(f): Form<ForgotForm>,
) -> Response {
    match limit_account(&state, &ip, Some(&f.email)).await {
        Ok(()) => {}
        Err(AppError::RateLimited { retry_after_secs }) => {
            let res = page.render(
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                "pages/forgot_password",
                "page-title-forgot",
                json!({ "error_message": page.t("error-rate-limited") }),
            );
            return with_retry_after(res, retry_after_secs);
        }
        Err(e) => return e.into_response(),
    }
    if let Err(e) = accounts::request_password_reset(&state.db, &f.email).await {
        return AppError::from(e).into_response();
    }
    page.render(
        &state,
        StatusCode::OK,
        "pages/forgot_password",
        "page-title-forgot",
        json!({ "notice_message": page.t("notice-reset-sent") }),
    )
}

pub async fn reset_form(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> Response {
    match q.token {
        Some(token) => page.render(
            &state,
            StatusCode::OK,
            "pages/reset_password",
            "page-title-reset",
            json!({ "token": token }),
        ),
        None => page.error(&state, StatusCode::BAD_REQUEST, "error-token-invalid"),
    }
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn reset(
    State(state): State<AppState>,
    page: Page,
    axum::Extension(ClientIp(ip)): axum::Extension<ClientIp>,
    Form(f): Form<ResetForm>,
) -> Response {
    let again = |status: StatusCode, key: &str| {
        page.render(
            &state,
            status,
            "pages/reset_password",
            "page-title-reset",
            json!({ "token": f.token, "error_message": page.t(key) }),
        )
    };
    if f.password != f.password_confirm {
        return again(StatusCode::UNPROCESSABLE_ENTITY, "error-passwords-differ");
    }
    match limit_account(&state, &ip, None).await {
        Ok(()) => {}
        Err(AppError::RateLimited { retry_after_secs }) => {
            let res = again(StatusCode::TOO_MANY_REQUESTS, "error-rate-limited");
            return with_retry_after(res, retry_after_secs);
        }
        Err(e) => return e.into_response(),
    }
    match accounts::reset_password(&state.db, &f.token, &f.password).await {
        Ok(()) => {
            let mut res = Redirect::to("/login?notice=password_changed").into_response();
            append_cookies(res.headers_mut(), &cleared_session_cookies());
            res
        }
        Err(e) => {
            log_unexpected(&e);
            again(error_status(&e), error_key(&e))
        }
    }
}

/// `/roster/join?token=`: the mailed request to join an organisation's roster, asked again
/// on the page (following the link changes nothing: mail scanners follow links too).
pub async fn join_form(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> Response {
    let found = match q.token.as_deref() {
        Some(t) => lms_domain::roster::join_request(&state.db, t).await,
        None => Err(DomainError::InvalidToken),
    };
    match found {
        Ok(request) => page.render(
            &state,
            StatusCode::OK,
            "pages/roster_join",
            "page-title-roster-join",
            json!({ "token": q.token, "organisation": request.organisation_name }),
        ),
        Err(e) => {
            log_unexpected(&e);
            page.render(
                &state,
                error_status(&e),
                "pages/roster_join",
                "page-title-roster-join",
                json!({}),
            )
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    token: String,
}

/// The person confirms joining the roster.
pub async fn join(State(state): State<AppState>, page: Page, Form(f): Form<JoinForm>) -> Response {
    match lms_domain::roster::confirm_join(&state.db, &f.token).await {
        Ok(joined) => page.render(
            &state,
            StatusCode::OK,
            "pages/roster_join",
            "page-title-roster-join",
            json!({ "joined": true, "organisation": joined.organisation_name }),
        ),
        Err(e) => {
            log_unexpected(&e);
            page.render(
                &state,
                error_status(&e),
                "pages/roster_join",
                "page-title-roster-join",
                json!({}),
            )
        }
    }
}
