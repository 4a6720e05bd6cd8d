//! The one error type of the HTTP layer.
//!
//! Policy (as crates.io writes it down): every handler returns `AppResult<T>`. Client errors
//! carry a stable machine code, a human message and optional details, shaped
//! `{"error": code, "message": text, "details": ...}` with the matching status. Server errors
//! answer a bare 500 `internal` and never leak internals: the cause travels to the logging
//! middleware in a response extension and is logged there with the request id.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lms_domain::{DomainError, FieldError};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    Client {
        status: StatusCode,
        code: &'static str,
        message: String,
        details: Option<Value>,
    },
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

/// The JSON body of every error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `validation`, `not_found`.
    pub error: String,
    /// Human-readable explanation.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

/// The cause of a 500, handed to the logging middleware.
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

impl AppError {
    pub fn client(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::Client {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::client(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn unauthorized() -> Self {
        Self::client(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "authentication required",
        )
    }
    pub fn forbidden() -> Self {
        Self::client(
            StatusCode::FORBIDDEN,
            "forbidden",
            "you are not allowed to do this",
        )
    }
    pub fn csrf() -> Self {
        Self::client(
            StatusCode::FORBIDDEN,
            "csrf",
            "missing or invalid CSRF token; reload the page",
        )
    }
    pub fn not_found(what: &str) -> Self {
        Self::client(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Client { status, .. } => *status,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Client { code, .. } => code,
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Internal(_) => "internal",
        }
    }
}

impl From<DomainError> for AppError {
    fn from(err: DomainError) -> Self {
        use StatusCode as S;
        match err {
            DomainError::NotFound(what) => AppError::not_found(what),
            DomainError::Forbidden => AppError::forbidden(),
            DomainError::Conflict { field, message } => AppError::Client {
                status: S::CONFLICT,
                code: "conflict",
                message,
                details: Some(serde_json::json!({ "field": field })),
            },
            DomainError::Validation(fields) => validation(fields),
            DomainError::InvalidCredentials => AppError::client(
                S::UNAUTHORIZED,
                "invalid_credentials",
                "invalid email or password",
            ),
            DomainError::InvalidToken => AppError::client(
                S::UNAUTHORIZED,
                "invalid_token",
                "the token is invalid, expired or already used",
            ),
            DomainError::EmailNotVerified => AppError::client(
                S::FORBIDDEN,
                "email_not_verified",
                "verify your email address first",
            ),
            DomainError::TooLarge(message) => {
                AppError::client(S::PAYLOAD_TOO_LARGE, "too_large", message)
            }
            DomainError::Db(e) => {
                if DomainError::is_unique_violation(&e) {
                    AppError::client(S::CONFLICT, "conflict", "a record with these values exists")
                } else {
                    AppError::Internal(e.to_string())
                }
            }
            DomainError::Internal(msg) => AppError::Internal(msg),
        }
    }
}

/// A 422 listing every invalid field.
pub fn validation(fields: Vec<FieldError>) -> AppError {
    let message = fields
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect::<Vec<_>>()
        .join("; ");
    AppError::Client {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: "validation",
        message,
        details: Some(serde_json::json!({ "fields": fields })),
    }
}

/// A file the server would not parse: 503 when every parsing slot is busy, 400 when the
/// parser failed on it.
impl From<lms_domain::parsing::ParseRefused> for AppError {
    fn from(e: lms_domain::parsing::ParseRefused) -> Self {
        use lms_domain::parsing::ParseRefused;
        match e {
            ParseRefused::Busy => {
                AppError::client(StatusCode::SERVICE_UNAVAILABLE, "busy", e.to_string())
            }
            ParseRefused::Failed => {
                AppError::client(StatusCode::BAD_REQUEST, "unreadable_file", e.to_string())
            }
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        DomainError::from(e).into()
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = self.code().to_owned();
        match self {
            AppError::Client {
                message, details, ..
            } => (
                status,
                Json(ErrorBody {
                    error: code,
                    message,
                    details,
                }),
            )
                .into_response(),
            AppError::RateLimited { retry_after_secs } => {
                let mut res = (
                    status,
                    Json(ErrorBody {
                        error: code,
                        message: format!("too many attempts; try again in {retry_after_secs} s"),
                        details: None,
                    }),
                )
                    .into_response();
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                res
            }
            AppError::Internal(cause) => {
                let mut res = (
                    status,
                    Json(ErrorBody {
                        error: code,
                        message: "something went wrong on our side; it has been logged".into(),
                        details: None,
                    }),
                )
                    .into_response();
                res.extensions_mut().insert(InternalCause(cause));
                res
            }
        }
    }
}
