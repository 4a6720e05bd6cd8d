//! Who is calling, and may they? One middleware resolves the caller for every request:
//!
//! - `Authorization: Bearer <access JWT>` (API clients). A bad bearer token is a 401, never
//!   silently anonymous.
//! - Otherwise the HttpOnly cookies of the browser pages: `lms_access` (the same JWT) and
//!   `lms_refresh` (rotated transparently when the access token has expired).
//!
//! The session behind a token is checked on every request, so logout and deactivation take
//! effect at once. Cookie-authenticated requests that change state must carry a CSRF token
//! (header `X-CSRF-Token` or form field `csrf_token`): an HMAC of the `lms_csrf` cookie under
//! the server secret, so a planted cookie is useless without the secret.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use hmac::{Hmac, Mac};
use lms_domain::accounts::{self, IssuedTokens};
use lms_domain::entities::user;
use lms_domain::{Grants, Role, users};
use sha2::Sha256;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub const ACCESS_COOKIE: &str = "lms_access";
pub const REFRESH_COOKIE: &str = "lms_refresh";
pub const CSRF_COOKIE: &str = "lms_csrf";
pub const LANG_COOKIE: &str = "lms_lang";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf_token";

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVia {
    Bearer,
    Cookie,
}

/// An authenticated caller: the user, their grants and their login session.
#[derive(Debug, Clone)]
pub struct AuthSession {
    pub user: user::Model,
    pub grants: Grants,
    pub session_id: String,
    pub via: AuthVia,
}

impl AuthSession {
    /// Refuses unless the user holds `role` (admins hold every role's powers).
    pub fn require(&self, role: Role) -> AppResult<()> {
        if self.grants.has(role) || self.grants.is_admin() {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }
}

/// What the middleware found out about the caller (a request extension).
#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous,
    Authenticated(Arc<AuthSession>),
    /// Credentials were presented but are not valid.
    Invalid,
}

/// The CSRF token for forms on the page being rendered (a request extension).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// The client's address (the peer, or the last proxy hop when LMS_TRUST_PROXY is set).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

/// Extractor: an authenticated caller, or 401.
pub struct CurrentUser(pub Arc<AuthSession>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Caller>() {
            Some(Caller::Authenticated(s)) => Ok(CurrentUser(s.clone())),
            _ => Err(AppError::unauthorized()),
        }
    }
}

/// Extractor: the caller if authenticated (pages render for everyone).
pub struct MaybeUser(pub Option<Arc<AuthSession>>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(match parts.extensions.get::<Caller>() {
            Some(Caller::Authenticated(s)) => Some(s.clone()),
            _ => None,
        }))
    }
}

fn csrf_expected(state: &AppState, cookie_value: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(state.config.jwt_secret.0.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(b"csrf:");
    mac.update(cookie_value.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn bearer(headers: &HeaderMap) -> Option<Result<String, ()>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let text = value.to_str().map_err(|_| ());
    Some(text.and_then(|t| {
        let (scheme, token) = t.split_once(' ').ok_or(())?;
        if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() {
            Ok(token.trim().to_owned())
        } else {
            Err(())
        }
    }))
}

fn client_ip(state: &AppState, req: &Request) -> String {
    if state.config.trust_proxy
        && let Some(last) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
    {
        return last.trim().to_owned();
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

async fn session_for(
    state: &AppState,
    token: &str,
    via: AuthVia,
) -> AppResult<Option<AuthSession>> {
    let Ok(claims) = state.accounts.keys.verify_access(token) else {
        return Ok(None);
    };
    let user_id = claims.user_id()?;
    let Some(user) = accounts::session_user(&state.db, user_id, &claims.sid).await? else {
        return Ok(None);
    };
    let grants = users::grants_of(&state.db, user.id).await?;
    Ok(Some(AuthSession {
        user,
        grants,
        session_id: claims.sid,
        via,
    }))
}

/// Cookies that carry a fresh login to the browser.
pub fn session_cookies(state: &AppState, issued: &IssuedTokens) -> Vec<Cookie<'static>> {
    let secure = state.config.cookie_secure;
    vec![
        Cookie::build((ACCESS_COOKIE, issued.access_token.clone()))
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax)
            .path("/")
            .max_age(time_secs(issued.expires_in))
            .build(),
        Cookie::build((REFRESH_COOKIE, issued.refresh_token.clone()))
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax)
            .path("/")
            .max_age(time_secs(state.accounts.keys.refresh_ttl.num_seconds()))
            .build(),
    ]
}

/// Cookies that end the browser's login.
pub fn cleared_session_cookies() -> Vec<Cookie<'static>> {
    [ACCESS_COOKIE, REFRESH_COOKIE]
        .into_iter()
        .map(|name| {
            Cookie::build((name, ""))
                .path("/")
                .max_age(time_secs(0))
                .build()
        })
        .collect()
}

fn time_secs(secs: i64) -> time::Duration {
    time::Duration::seconds(secs)
}

pub fn append_cookies(headers: &mut HeaderMap, cookies: &[Cookie<'static>]) {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
            headers.append(header::SET_COOKIE, v);
        }
    }
}

/// Reads `csrf_token` out of a urlencoded form body, leaving the body intact for the handler.
async fn form_csrf(req: Request, limit: usize) -> Result<(Request, Option<String>), AppError> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((req, None));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        AppError::client(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the form is too large",
        )
    })?;
    let token = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned());
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

/// The middleware: CSRF check, caller resolution, transparent refresh for pages.
pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match authenticate_inner(&state, req).await {
        Ok((req, set_cookies)) => {
            let mut res = next.run(req).await;
            append_cookies(res.headers_mut(), &set_cookies);
            res
        }
        Err(e) => e.into_response(),
    }
}

async fn authenticate_inner(
    state: &AppState,
    mut req: Request,
) -> AppResult<(Request, Vec<Cookie<'static>>)> {
    let mut set_cookies = Vec::new();
    let ip = client_ip(state, &req);
    req.extensions_mut().insert(ClientIp(ip));
    let jar = CookieJar::from_headers(req.headers());
    let bearer = bearer(req.headers());

    // CSRF: every page visitor gets a CSRF cookie; unsafe cookie-borne requests must prove it.
    let csrf_cookie = jar.get(CSRF_COOKIE).map(|c| c.value().to_owned());
    let csrf_cookie = match csrf_cookie {
        Some(v) if v.len() >= 32 => v,
        _ => {
            let v = lms_domain::tokens::random_token();
            set_cookies.push(
                Cookie::build((CSRF_COOKIE, v.clone()))
                    .http_only(true)
                    .secure(state.config.cookie_secure)
                    .same_site(SameSite::Lax)
                    .path("/")
                    .build(),
            );
            v
        }
    };
    let expected = csrf_expected(state, &csrf_cookie);
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let has_session_cookies = jar.get(ACCESS_COOKIE).is_some() || jar.get(REFRESH_COOKIE).is_some();
    let is_api = req.uri().path().starts_with("/api/");
    if unsafe_method && bearer.is_none() && (!is_api || has_session_cookies) {
        let header_token = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (r, form_token) = match header_token {
            Some(t) => (req, Some(t)),
            None => form_csrf(req, state.config.max_body_bytes).await?,
        };
        req = r;
        let fresh_cookie = jar.get(CSRF_COOKIE).is_none_or(|c| c.value().len() < 32);
        if fresh_cookie
            || !form_token.is_some_and(|t| lms_domain::tokens::constant_time_eq(&t, &expected))
        {
            return Err(AppError::csrf());
        }
    }
    req.extensions_mut().insert(CsrfToken(expected));

    let caller = match bearer {
        Some(Ok(token)) => match session_for(state, &token, AuthVia::Bearer).await? {
            Some(s) => Caller::Authenticated(Arc::new(s)),
            None => Caller::Invalid,
        },
        Some(Err(())) => Caller::Invalid,
        None => {
            let from_access = match jar.get(ACCESS_COOKIE) {
                Some(c) => session_for(state, c.value(), AuthVia::Cookie).await?,
                None => None,
            };
            match (from_access, jar.get(REFRESH_COOKIE)) {
                (Some(s), _) => Caller::Authenticated(Arc::new(s)),
                (None, Some(refresh)) => {
                    match accounts::refresh(&state.db, &state.accounts, refresh.value()).await {
                        Ok(issued) => {
                            set_cookies.extend(session_cookies(state, &issued));
                            match session_for(state, &issued.access_token, AuthVia::Cookie).await? {
                                Some(s) => Caller::Authenticated(Arc::new(s)),
                                None => Caller::Anonymous,
                            }
                        }
                        Err(lms_domain::DomainError::InvalidToken) => {
                            set_cookies.extend(cleared_session_cookies());
                            Caller::Anonymous
                        }
                        Err(other) => return Err(other.into()),
                    }
                }
                (None, None) => Caller::Anonymous,
            }
        }
    };
    if matches!(caller, Caller::Invalid) && is_api {
        return Err(AppError::client(
            axum::http::StatusCode::UNAUTHORIZED,
            "invalid_token",
            "the access token is invalid or expired",
        ));
    }
    req.extensions_mut().insert(caller);
    Ok((req, set_cookies))
}
