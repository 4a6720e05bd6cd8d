use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::Page;
use crate::state::AppState;

pub async fn home(State(state): State<AppState>, page: Page) -> Response {
    page.render(
        &state,
        StatusCode::OK,
        "pages/home",
        "page-title-home",
        json!({}),
    )
}
