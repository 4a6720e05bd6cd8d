//! lms-domain: the learning platform's entities and rules, free of HTTP and FFmpeg.
//! The API server and the media worker both build on it.

pub mod accounts;
pub mod audit;
pub mod blocking;
pub mod cadre_groups;
pub mod captions;
pub mod certificates;
pub mod courses;
pub mod coverage;
pub mod db;
pub mod delivery;
pub mod entities;
pub mod error;
pub mod jobs;
pub mod learning;
pub mod mail;
pub mod media;
pub mod organisations;
pub mod parsing;
pub mod passwords;
pub mod quiz;
pub mod reference;
pub mod reminders;
pub mod roles;
pub mod roster;
pub mod text;
pub mod tokens;
pub mod uploads;
pub mod users;

pub use error::{DomainError, DomainResult, FieldError};
pub use roles::{Grants, Role};
