//! The JSON API under `/api/v1`: one module per resource, one file per action where the
//! actions are many. Handlers parse, authorize, call one domain function, shape the answer.

pub mod assets;
pub mod auth;
pub mod cadre_groups;
pub mod certificates;
pub mod courses;
pub mod coverage;
pub mod health;
pub mod learning;
pub mod me;
pub mod media;
pub mod organisations;
pub mod roster;
pub mod roster_join;
pub mod uploads;
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
        .routes(routes!(cadre_groups::list))
        .routes(routes!(cadre_groups::update))
        .routes(routes!(roster::import))
        .routes(routes!(roster_join::confirm))
        .routes(routes!(coverage::groups))
        .routes(routes!(coverage::breakdown))
        .routes(routes!(coverage::export))
        .routes(routes!(coverage::incomplete))
        .routes(routes!(coverage::reminders))
        .routes(routes!(certificates::verify))
        .routes(routes!(certificates::mine))
        .routes(routes!(certificates::pdf))
        .routes(routes!(certificates::search))
        .routes(routes!(certificates::revoke))
        .routes(routes!(certificates::start_export))
        .routes(routes!(certificates::export))
        .routes(routes!(certificates::download))
        .routes(routes!(
            courses::catalogue::list,
            courses::authoring::create
        ))
        .routes(routes!(
            courses::catalogue::show,
            courses::authoring::update,
            courses::authoring::delete
        ))
        .routes(routes!(courses::authoring::draft))
        .routes(routes!(courses::authoring::publish))
        .routes(routes!(courses::authoring::unpublish))
        .routes(routes!(courses::authoring::add_author))
        .routes(routes!(courses::authoring::mine))
        .routes(routes!(courses::modules::list, courses::modules::create))
        .routes(routes!(
            courses::modules::show,
            courses::modules::update,
            courses::modules::delete
        ))
        .routes(routes!(courses::modules::reorder))
        .routes(routes!(courses::modules::set_video))
        .routes(routes!(courses::modules::set_slides))
        .routes(routes!(courses::authoring::set_cover))
        .routes(routes!(courses::quiz::set))
        .routes(routes!(courses::quiz::export))
        .routes(routes!(courses::quiz::preview_import))
        .routes(routes!(courses::enrolment::enrol))
        .routes(routes!(courses::enrolment::mine))
        .routes(routes!(assets::show, assets::delete))
        .routes(routes!(assets::cancel))
        .routes(routes!(assets::add_caption))
        .routes(routes!(assets::events))
        .routes(routes!(media::playback))
        .routes(routes!(uploads::show))
        .routes(routes!(learning::modules::show))
        .routes(routes!(learning::attempts::start, learning::attempts::list))
        .routes(routes!(learning::attempts::show))
        .routes(routes!(learning::attempts::submit))
        .routes(routes!(learning::overview::learning))
        .routes(routes!(learning::overview::statements))
}

/// Progress heartbeats: outside the session-authenticated stack (see `app::router`).
pub fn heartbeat_api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(learning::progress::report))
}
