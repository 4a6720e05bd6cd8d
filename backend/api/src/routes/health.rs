//! Liveness, readiness and metrics for operators and load balancers.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use sea_orm::ConnectionTrait;
use serde::Serialize;

use crate::state::AppState;

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

#[derive(Serialize)]
struct Readiness {
    ready: bool,
    database: &'static str,
    storage: &'static str,
    redis: &'static str,
    pending_migrations: Vec<String>,
}

/// Ready to serve: database reachable and migrated, storage writable, Redis (if configured)
/// answering.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let database = match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => "ok",
        Err(_) => "unreachable",
    };
    let pending = lms_domain::db::pending_migrations(&state.db)
        .await
        .unwrap_or_default();
    let storage = match storage_writable(&state).await {
        Ok(()) => "ok",
        Err(_) => "not writable",
    };
    let redis = match &state.redis {
        None => "not configured",
        Some(conn) => {
            let mut conn = conn.clone();
            match redis::cmd("PING").query_async::<String>(&mut conn).await {
                Ok(_) => "ok",
                Err(_) => "unreachable",
            }
        }
    };
    let ready = database == "ok" && storage == "ok" && redis != "unreachable" && pending.is_empty();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Readiness {
            ready,
            database,
            storage,
            redis,
            pending_migrations: pending,
        }),
    )
}

async fn storage_writable(state: &AppState) -> lms_storage::StorageResult<()> {
    state.storage.check_writable().await
}

/// Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
