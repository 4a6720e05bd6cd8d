//! The JSON API under `/api/v1`: one module per resource, one file per action where the
//! actions are many. Handlers parse, authorize, call one domain function, shape the answer.

pub mod auth;
pub mod health;
pub mod me;
pub mod organisations;
pub mod users;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// Every API route, with its OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth::register::register))
        .routes(routes!(auth::verify::verify))
        .routes(routes!(auth::login::login))
        .routes(routes!(auth::refresh::refresh))
        .routes(routes!(auth::logout::logout))
        .routes(routes!(auth::password_reset::request))
        .routes(routes!(auth::password_reset::confirm))
        .routes(routes!(me::me))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::update))
        .routes(routes!(organisations::list, organisations::create))
        .routes(routes!(organisations::provinces))
}
