//! Server-rendered pages (handlebars, no inline script): the public face of the platform.
//! Every page gets the same base context: language, the other language for the switch,
//! the current path, the CSRF token for forms and the signed-in user.

pub mod account;
pub mod certificates;
pub mod courses;
pub mod home;
pub mod hr;
pub mod lang;
pub mod learn;
pub mod redirect;
pub mod teach;

use std::sync::Arc;

pub use redirect::safe_next;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde_json::{Map, Value, json};

use crate::auth::{AuthSession, Caller, CsrfToken, LANG_COOKIE};
use crate::error::AppError;
use crate::i18n;
use crate::state::AppState;

/// Translation keys looked up from Rust code (checked by a test in both languages).
pub const KEYS_USED_BY_CODE: &[&str] = &[
    "app-name",
    "error-invalid-credentials",
    "error-rate-limited",
    "error-email-invalid",
    "error-password-too-short",
    "error-display-name-required",
    "error-passwords-differ",
    "error-token-invalid",
    "error-csrf",
    "error-not-found",
    "error-internal",
    "error-forbidden",
    "notice-registered",
    "notice-verified",
    "notice-reset-sent",
    "notice-password-changed",
    "notice-logged-out",
    "page-title-home",
    "page-title-register",
    "page-title-login",
    "page-title-verify",
    "page-title-forgot",
    "page-title-reset",
    "page-title-error",
    "page-title-catalogue",
    "page-title-course",
    "page-title-teach",
    "page-title-new-course",
    "page-title-edit-course",
    "page-title-edit-module",
    "lang-name-vi",
    "lang-name-en",
    "visibility-public",
    "visibility-restricted",
    "status-draft",
    "status-published",
    "status-archived",
    "notice-enrolled",
    "notice-course-created",
    "notice-course-saved",
    "notice-module-added",
    "notice-module-saved",
    "notice-module-deleted",
    "notice-quiz-saved",
    "notice-published",
    "notice-unpublished",
    "notice-publish-blocked",
    "error-enrol-verify",
    "error-not-allowed-course",
    "catalogue-all",
    "question-type-single_choice",
    "question-type-multiple_choice",
    "question-type-true_false",
    "question-type-short_answer",
    "question-type-numeric",
    "question-type-matching",
    "page-title-learn",
    "page-title-quiz",
    "page-title-my-learning",
    "page-title-roster",
    "page-title-coverage",
    "learn-state-not-started",
    "learn-state-in-progress",
    "learn-state-complete",
    "error-no-attempts-left",
    "quiz-correct",
    "quiz-partly-correct",
    "quiz-incorrect",
    "page-title-verify-certificate",
    "page-title-my-certificates",
    "page-title-hr-certificates",
    "page-title-hr-export",
    "hr-export-done",
    "hr-export-failed",
    "hr-export-running",
    "certificate-issuer",
    "certificate-title",
    "certificate-certifies",
    "certificate-completed",
    "certificate-date",
    "certificate-study-time",
    "certificate-serial",
    "certificate-verify",
    "certificate-scan",
];

/// The base context of a page request.
pub struct Page {
    pub lang: &'static str,
    pub path: String,
    pub csrf_token: String,
    pub user: Option<Arc<AuthSession>>,
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let user = match parts.extensions.get::<Caller>() {
            Some(Caller::Authenticated(s)) => Some(s.clone()),
            _ => None,
        };
        let jar = CookieJar::from_headers(&parts.headers);
        let lang = i18n::pick(
            jar.get(LANG_COOKIE)
                .map(|c| c.value().to_owned())
                .or_else(|| user.as_ref().map(|u| u.user.locale.clone()))
                .as_deref(),
        );
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
            .to_owned();
        let csrf_token = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        Ok(Page {
            lang,
            path,
            csrf_token,
            user,
        })
    }
}

impl Page {
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    /// Renders `template` inside the layout with the base context plus `extra`.
    pub fn render(
        &self,
        state: &AppState,
        status: StatusCode,
        template: &str,
        title_key: &str,
        extra: Value,
    ) -> Response {
        let mut ctx = Map::new();
        ctx.insert("lang".into(), json!(self.lang));
        ctx.insert("other_lang".into(), json!(i18n::other(self.lang)));
        let encoded: String = url::form_urlencoded::byte_serialize(self.path.as_bytes()).collect();
        ctx.insert("path".into(), json!(encoded));
        ctx.insert("csrf_token".into(), json!(self.csrf_token));
        ctx.insert("title".into(), json!(self.t(title_key)));
        if let Some(s) = &self.user {
            ctx.insert(
                "user".into(),
                json!({
                    "display_name": s.user.display_name,
                    "email": s.user.email,
                    "email_verified": s.user.email_verified_at.is_some(),
                    "roles": s.grants.roles,
                    "is_trainer": s.grants.has(lms_domain::Role::Trainer) || s.grants.is_admin(),
                    "is_hr": s.grants.has(lms_domain::Role::Hr) || s.grants.is_admin(),
                }),
            );
        }
        if let Value::Object(extra) = extra {
            ctx.extend(extra);
        }
        match state.templates.html.render(template, &Value::Object(ctx)) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => AppError::Internal(format!("rendering {template}: {e}")).into_response(),
        }
    }

    /// The error page.
    pub fn error(&self, state: &AppState, status: StatusCode, message_key: &str) -> Response {
        self.render(
            state,
            status,
            "pages/error",
            "page-title-error",
            json!({ "status": status.as_u16(), "message": self.t(message_key) }),
        )
    }
}

/// Notices a page may be asked to show through `?notice=` (a closed list: no reflected text).
/// The signed-in user when `allowed` holds for their roles; otherwise the answer to give
/// instead: the login page for visitors, 403 for other users. For role-gated page extractors.
pub async fn signed_in_as(
    parts: &mut Parts,
    state: &AppState,
    allowed: fn(&lms_domain::Grants) -> bool,
) -> Result<Arc<AuthSession>, Response> {
    let page = Page::from_request_parts(parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    match page.user.clone() {
        Some(s) if allowed(&s.grants) => Ok(s),
        Some(_) => Err(page.error(state, StatusCode::FORBIDDEN, "error-forbidden")),
        None => {
            let next: String = url::form_urlencoded::byte_serialize(page.path.as_bytes()).collect();
            Err(axum::response::Redirect::to(&format!("/login?next={next}")).into_response())
        }
    }
}

pub fn notice_key(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "password_changed" => "notice-password-changed",
        "logged_out" => "notice-logged-out",
        "verified" => "notice-verified",
        "enrolled" => "notice-enrolled",
        "course_created" => "notice-course-created",
        "course_saved" => "notice-course-saved",
        "module_added" => "notice-module-added",
        "module_saved" => "notice-module-saved",
        "module_deleted" => "notice-module-deleted",
        "media_deleted" => "notice-media-deleted",
        "quiz_saved" => "notice-quiz-saved",
        "published" => "notice-published",
        "unpublished" => "notice-unpublished",
        _ => return None,
    })
}

/// The HTML answer for unknown paths (API paths answer JSON).
pub async fn not_found(
    state: axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> Response {
    if req.uri().path().starts_with("/api/") {
        return AppError::not_found("route").into_response();
    }
    let (mut parts, _) = req.into_parts();
    match Page::from_request_parts(&mut parts, &()).await {
        Ok(page) => page.error(&state, StatusCode::NOT_FOUND, "error-not-found"),
        Err(e) => e.into_response(),
    }
}
