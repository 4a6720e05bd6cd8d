//! Assembles the router: API (with its OpenAPI document), pages, static files, health, and
//! the layers every request passes through (outermost first): request id, tracing, metrics,
//! security headers, timeout, body limit, authentication + CSRF.

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::http::{HeaderName, Request};
use axum::middleware;
use axum::routing::{get, head, options, post};
use tower::ServiceBuilder;
use tower::util::MapResponseLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::openapi::ApiDoc;
use crate::pages::{self, account, teach};
use crate::state::AppState;
use crate::{auth, middleware as mw, routes, static_files};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The OpenAPI document of every API route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::api())
        .merge(routes::heartbeat_api())
        .split_for_parts();
    api
}

pub fn router(state: AppState) -> Router {
    let (api, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::api())
        .split_for_parts();
    let (heartbeats, heartbeat_doc) = routes::heartbeat_api().split_for_parts();
    let mut doc = doc;
    doc.merge(heartbeat_doc);

    let pages = Router::new()
        .route("/", get(pages::home::home))
        .route(
            "/register",
            get(account::register_form).post(account::register),
        )
        .route("/verify", get(account::verify))
        .route("/login", get(account::login_form).post(account::login))
        .route("/logout", post(account::logout))
        .route(
            "/password/forgot",
            get(account::forgot_form).post(account::forgot),
        )
        .route(
            "/password/reset",
            get(account::reset_form).post(account::reset),
        )
        .route("/roster/join", get(account::join_form).post(account::join))
        .route("/lang/{code}", get(pages::lang::switch))
        .route("/courses", get(pages::courses::catalogue))
        .route("/courses/{slug}", get(pages::courses::course))
        .route("/courses/{slug}/enrol", post(pages::courses::enrol))
        .route("/my", get(pages::learn::my_learning_page))
        .route("/verify/{code}", get(pages::certificates::verify_page))
        .route("/my/certificates", get(pages::certificates::mine))
        .route("/hr/certificates", get(pages::certificates::hr_search))
        .route(
            "/hr/certificates/{id}/revoke",
            post(pages::certificates::hr_revoke),
        )
        .route(
            "/hr/certificates/export",
            post(pages::certificates::hr_export),
        )
        .route(
            "/hr/certificates/exports/{id}",
            get(pages::certificates::hr_export_page),
        )
        .route("/hr/roster", get(pages::hr::roster))
        .route("/hr/coverage", get(pages::hr::coverage_page))
        .route("/hr/coverage/{code}", get(pages::hr::coverage_group))
        .route(
            "/hr/coverage/{code}/reminders",
            post(pages::hr::send_reminders),
        )
        .route("/learn/{slug}", get(pages::learn::resume))
        .route("/learn/{slug}/{number}", get(pages::learn::module))
        .route(
            "/learn/{slug}/{number}/quiz",
            post(pages::learn::start_quiz),
        )
        .route(
            "/learn/{slug}/{number}/attempts/{id}",
            get(pages::learn::attempt).post(pages::learn::submit),
        )
        .route("/teach", get(teach::index))
        .route(
            "/teach/courses/new",
            get(teach::new_form).post(teach::create),
        )
        .route("/teach/courses/{id}", get(teach::edit).post(teach::save))
        .route("/teach/courses/{id}/modules", post(teach::add_module))
        .route("/teach/courses/{id}/publish", post(teach::publish))
        .route("/teach/courses/{id}/unpublish", post(teach::unpublish))
        .route("/teach/courses/{id}/preview", get(teach::preview))
        .route(
            "/teach/modules/{id}",
            get(teach::edit_module).post(teach::save_module),
        )
        .route("/teach/modules/{id}/quiz", post(teach::save_quiz))
        .route("/teach/modules/{id}/move", post(teach::move_module))
        .route("/teach/modules/{id}/delete", post(teach::delete_module))
        .route("/teach/media", get(teach::media_library))
        .route("/teach/media/{id}/delete", post(teach::delete_media));

    // Resumable uploads stream large bodies: no limit but the upload's own length, and one
    // PATCH carries one chunk (the browser sends 8 MiB), so ten minutes is generous.
    let uploads = Router::new()
        .route(
            "/api/v1/uploads",
            options(routes::uploads::options).post(routes::uploads::create),
        )
        .route(
            "/api/v1/uploads/{id}",
            head(routes::uploads::head)
                .patch(routes::uploads::patch)
                .delete(routes::uploads::delete),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(DefaultBodyLimit::disable())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(600),
        ));

    // Authentication (and CSRF) applies to pages and API, not to static files or probes.
    let body_limit = state.config.max_body_bytes;
    let authenticated = Router::new()
        .merge(pages)
        .merge(api)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(RequestBodyLimitLayer::new(body_limit.max(1024 * 1024)))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .merge(uploads);

    // Progress heartbeats carry their own signed token (no cookies, no session lookup), so
    // that they stay cheap and `sendBeacon` can send them; their bodies are small.
    let progress =
        heartbeats
            .layer(DefaultBodyLimit::max(64 * 1024))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                Duration::from_secs(30),
            ));

    Router::new()
        .merge(authenticated)
        .merge(progress)
        .merge(
            Router::from(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", doc))
                .layer(MapResponseLayer::new(mw::docs_policy)),
        )
        .route("/static/{*path}", get(static_files::serve))
        .route("/media/{expires}/{signature}/{*path}", get(routes::media::serve))
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/metrics", get(routes::health::metrics))
        .fallback(pages::not_found)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, mw::MakeRequestIds))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                    let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), request_id = %id)
                }))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(middleware::from_fn(mw::observe))
                .layer(MapResponseLayer::new(mw::security_headers))

        )
        .with_state(state)
}
