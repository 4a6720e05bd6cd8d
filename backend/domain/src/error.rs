//! Errors of the domain layer. Each variant is a distinct answer the HTTP layer maps to a
//! status; database failures stay opaque (`Db`) and become a logged 500.

use serde::Serialize;

/// One invalid input field, with a machine code and a human-readable message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            code,
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("not allowed")]
    Forbidden,
    #[error("{message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("the token is invalid, expired or already used")]
    InvalidToken,
    #[error("the email address has not been verified yet")]
    EmailNotVerified,
    #[error("{0}")]
    TooLarge(String),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn validation(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    /// True when the database refused a row because of a unique key.
    pub fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
        matches!(
            err.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        )
    }
}

pub type DomainResult<T> = Result<T, DomainError>;
