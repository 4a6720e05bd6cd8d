//! HR pages: the roster import screen and the coverage dashboard (groups against their
//! targets, the monthly trend, provinces ranked, exports and reminders).

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use lms_domain::Role;
use lms_domain::coverage::{self, By, Scope};
use serde_json::json;

use super::Page;
use crate::auth::AuthSession;
use crate::error::AppError;
use crate::state::AppState;

/// A signed-in HR user or admin; others get 403, visitors the login page.
pub struct HrUser(pub Arc<AuthSession>);

impl FromRequestParts<AppState> for HrUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        super::signed_in_as(parts, state, |g| g.has(Role::Hr) || g.is_admin())
            .await
            .map(HrUser)
    }
}

/// The roster import screen (the file goes to the API from the browser).
pub async fn roster(State(state): State<AppState>, page: Page, _hr: HrUser) -> Response {
    page.render(
        &state,
        StatusCode::OK,
        "pages/hr/roster",
        "page-title-roster",
        json!({}),
    )
}

/// The last day of each of the `n` months up to this one (oldest first).
fn month_ends(n: u32) -> Vec<NaiveDate> {
    let today = Utc::now().date_naive();
    let mut out = Vec::new();
    let (mut y, mut m) = (today.year(), today.month());
    for _ in 0..n {
        let first_next = if m == 12 {
            NaiveDate::from_ymd_opt(y + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(y, m + 1, 1)
        };
        if let Some(d) = first_next {
            out.push((d - Duration::days(1)).min(today));
        }
        if m == 1 {
            y -= 1;
            m = 12;
        } else {
            m -= 1;
        }
    }
    out.reverse();
    out
}

/// The dashboard: each group against its target, with its monthly trend.
pub async fn coverage_page(State(state): State<AppState>, page: Page, hr: HrUser) -> Response {
    let scope = match Scope::of(&hr.0.grants) {
        Ok(s) => s,
        Err(e) => return AppError::from(e).into_response(),
    };
    let now = Utc::now();
    let groups = match coverage::groups(&state.db, &scope, now).await {
        Ok(g) => g,
        Err(e) => return AppError::from(e).into_response(),
    };
    let mut trend: Vec<(NaiveDate, Vec<coverage::CoverageLine>)> = Vec::new();
    for end in month_ends(6) {
        let at = end.and_hms_opt(23, 59, 59).map_or(now, |d| d.and_utc());
        match coverage::lines(&state.db, &scope, By::Group, at).await {
            Ok(l) => trend.push((end, l)),
            Err(e) => return AppError::from(e).into_response(),
        }
    }
    let en = page.lang == "en";
    let cards: Vec<_> = groups
        .iter()
        .map(|g| {
            json!({
                "code": g.code,
                "name": if en && !g.name_en.is_empty() { &g.name_en } else { &g.name },
                "members": g.members,
                "completed": g.completed,
                "percent": (g.percent * 10.0).round() / 10.0,
                "bar": g.percent.round() as i64,
                "target": g.target_percent,
                "gap": g.gap,
                "deadline": g.deadline.format("%d/%m/%Y").to_string(),
                "on_track": g.on_track,
                "has_members": g.members > 0,
                "projected": g.projected_percent.round() as i64,
                "trend": trend.iter().map(|(end, lines)| {
                    let p = lines.iter().find(|l| l.group_code == g.code).map_or(0.0, |l| l.percent);
                    json!({"month": end.format("%m/%y").to_string(), "percent": p.round() as i64})
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    page.render(
        &state,
        StatusCode::OK,
        "pages/hr/coverage",
        "page-title-coverage",
        json!({"groups": cards, "as_of": now.format("%d/%m/%Y").to_string()}),
    )
}

/// One group: provinces ranked, organisations, and who is not complete yet.
pub async fn coverage_group(
    State(state): State<AppState>,
    page: Page,
    hr: HrUser,
    Path(code): Path<String>,
) -> Response {
    let scope = match Scope::of(&hr.0.grants) {
        Ok(s) => s,
        Err(e) => return AppError::from(e).into_response(),
    };
    let now = Utc::now();
    let g = match coverage::group(&state.db, &scope, now, &code).await {
        Ok(g) => g,
        Err(lms_domain::DomainError::NotFound(_)) => {
            return page.error(&state, StatusCode::NOT_FOUND, "error-not-found");
        }
        Err(e) => return AppError::from(e).into_response(),
    };
    let (provinces, organisations) = match (
        ranked(&state, &scope, By::Province, &code).await,
        ranked(&state, &scope, By::Organisation, &code).await,
    ) {
        (Ok(p), Ok(o)) => (p, o),
        (Err(e), _) | (_, Err(e)) => return AppError::from(e).into_response(),
    };
    let incomplete = match coverage::incomplete(&state.db, &scope, &g.code).await {
        Ok(i) => i,
        Err(e) => return AppError::from(e).into_response(),
    };
    let en = page.lang == "en";
    page.render(
        &state,
        StatusCode::OK,
        "pages/hr/coverage_group",
        "page-title-coverage",
        json!({
            "group": {
                "code": g.code, "name": if en && !g.name_en.is_empty() { g.name_en.clone() } else { g.name.clone() },
                "percent": (g.percent * 10.0).round() / 10.0, "target": g.target_percent,
                "members": g.members, "completed": g.completed, "gap": g.gap,
            },
            "provinces": provinces,
            "organisations": organisations,
            "incomplete": incomplete,
        }),
    )
}

/// A group's lines by province or organisation, best coverage first.
async fn ranked(
    state: &AppState,
    scope: &Scope,
    by: By,
    code: &str,
) -> Result<Vec<serde_json::Value>, lms_domain::DomainError> {
    let mut lines = coverage::lines_of(&state.db, scope, by, Utc::now(), Some(code)).await?;
    lines.sort_by(|a, b| b.percent.total_cmp(&a.percent));
    Ok(lines
        .into_iter()
        .map(|l| {
            json!({
                "code": l.key, "name": l.name, "members": l.members, "completed": l.completed,
                "percent": (l.percent * 10.0).round() / 10.0, "bar": l.percent.round() as i64,
            })
        })
        .collect())
}

/// Sends the reminders of a group from the dashboard, then shows the group again.
pub async fn send_reminders(
    State(state): State<AppState>,
    page: Page,
    hr: HrUser,
    Path(code): Path<String>,
) -> Response {
    let scope = match Scope::of(&hr.0.grants) {
        Ok(s) => s,
        Err(e) => return AppError::from(e).into_response(),
    };
    match coverage::send_reminders(
        &state.db,
        &scope,
        hr.0.user.id,
        &code,
        &state.config.public_url,
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/hr/coverage/{code}")).into_response(),
        Err(lms_domain::DomainError::NotFound(_)) => {
            page.error(&state, StatusCode::NOT_FOUND, "error-not-found")
        }
        Err(e) => AppError::from(e).into_response(),
    }
}
