//! lms-api: the HTTP server (JSON API, pages, health, metrics, OpenAPI) and the `lms`
//! command. Handlers stay thin; the rules live in lms-domain.

pub mod app;
pub mod asset_events;
pub mod auth;
pub mod background;
pub mod certificates;
pub mod cli;
pub mod config;
pub mod demo_video;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod mail;
pub mod markdown;
pub mod middleware;
pub mod openapi;
pub mod pages;
pub mod progress_writer;
pub mod rate_limit;
pub mod resumable;
pub mod routes;
pub mod state;
pub mod static_files;
pub mod templates;

pub use app::router;
pub use config::Config;
pub use error::{AppError, AppResult};
pub use state::AppState;
