//! Certificate pages: the public verification page a QR code opens, the learner's "My
//! certificates", and HR's search with revocation and bulk export.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lms_domain::DomainError;
use lms_domain::certificates::{self, Status};
use lms_domain::coverage::Scope;
use lms_domain::entities::course;
use sea_orm::{EntityTrait, QueryOrder};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Page;
use super::hr::HrUser;
use crate::auth::ClientIp;
use crate::error::AppError;
use crate::extract::Query;
use crate::routes::certificates::{SearchParams, export_status, verification, view};
use crate::state::AppState;

fn day(d: chrono::DateTime<chrono::Utc>) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The public verification page.
pub async fn verify_page(
    State(state): State<AppState>,
    page: Page,
    axum::Extension(ClientIp(ip)): axum::Extension<ClientIp>,
    Path(code): Path<String>,
) -> Response {
    let v = match verification(&state, &ip, &code).await {
        Ok(v) => v,
        Err(AppError::RateLimited { .. }) => {
            return page.error(&state, StatusCode::TOO_MANY_REQUESTS, "error-rate-limited");
        }
        Err(e) => return e.into_response(),
    };
    page.render(
        &state,
        StatusCode::OK,
        "pages/certificates/verify",
        "page-title-verify-certificate",
        json!({
            "valid": v.status == Status::Valid,
            "revoked": v.status == Status::Revoked,
            "unknown": v.status == Status::Unknown,
            "full_name": v.full_name,
            "course_title": v.course_title,
            "serial": v.serial,
            "completed_on": v.completed_at.map(day),
            "revoked_on": v.revoked_at.map(day),
        }),
    )
}

/// The learner's certificates with download and share links.
pub async fn mine(State(state): State<AppState>, page: Page) -> Response {
    let Some(me) = page.user.clone() else {
        let next: String = url::form_urlencoded::byte_serialize(page.path.as_bytes()).collect();
        return Redirect::to(&format!("/login?next={next}")).into_response();
    };
    let list = match certificates::of_learner(&state.db, me.user.id).await {
        Ok(l) => l,
        Err(e) => return AppError::from(e).into_response(),
    };
    let mut cards = Vec::new();
    for c in list {
        match view(&state, c).await {
            Ok(v) => cards.push(json!({
                "course_title": v.course_title, "serial": v.serial,
                "completed_on": day(v.completed_at), "revoked_at": v.revoked_at.map(day),
                "pdf_url": v.pdf_url, "verify_url": v.verify_url,
            })),
            Err(e) => return e.into_response(),
        }
    }
    page.render(
        &state,
        StatusCode::OK,
        "pages/certificates/mine",
        "page-title-my-certificates",
        json!({ "certificates": cards }),
    )
}

/// HR's certificate search, with revocation and the export button.
pub async fn hr_search(
    State(state): State<AppState>,
    page: Page,
    hr: HrUser,
    Query(p): Query<SearchParams>,
) -> Response {
    match hr_search_inner(&state, &page, &hr, &p).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn hr_search_inner(
    state: &AppState,
    page: &Page,
    hr: &HrUser,
    p: &SearchParams,
) -> Result<Response, AppError> {
    let scope = Scope::of(&hr.0.grants)?;
    let found = certificates::search(&state.db, &scope, &p.filter(), p.before, 50).await?;
    let next_page = (found.len() == 50).then(|| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("person", &p.person),
            ("course", &p.course),
            ("group", &p.group),
            ("province", &p.province),
            ("organisation", &p.organisation),
        ] {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
        if let Some(d) = p.from {
            q.append_pair("from", &d.to_string());
        }
        if let Some(d) = p.to {
            q.append_pair("to", &d.to_string());
        }
        q.append_pair("before", &found.last().map_or(0, |c| c.id).to_string());
        format!("/hr/certificates?{}", q.finish())
    });
    let rows: Vec<Value> = found
        .into_iter()
        .map(|c| {
            json!({
                "id": c.id, "serial": c.serial, "full_name": c.full_name,
                "course_title": c.course_title, "completed_on": day(c.completed_at),
                "revoked_on": c.revoked_at.map(day), "revoked_reason": c.revoked_reason,
                "pdf_url": format!("/api/v1/certificates/{}/pdf", c.id),
            })
        })
        .collect();
    let en = page.lang == "en";
    let courses: Vec<Value> = course::Entity::find()
        .order_by_asc(course::Column::Title)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| json!({"slug": c.slug, "title": c.title, "selected": p.course.as_deref() == Some(c.slug.as_str())}))
        .collect();
    let groups: Vec<Value> = lms_domain::cadre_groups::list(&state.db)
        .await?
        .into_iter()
        .map(|g| {
            let g = g.group;
            let name = if en && !g.name_en.is_empty() { g.name_en.clone() } else { g.name.clone() };
            json!({"code": g.code, "name": name, "selected": p.group.as_deref() == Some(g.code.as_str())})
        })
        .collect();
    let provinces: Vec<Value> = lms_domain::organisations::list_provinces(&state.db, false)
        .await?
        .into_iter()
        .map(|pr| json!({"code": pr.code, "name": pr.name, "selected": p.province.as_deref() == Some(pr.code.as_str())}))
        .collect();
    Ok(page.render(
        state,
        StatusCode::OK,
        "pages/hr/certificates",
        "page-title-hr-certificates",
        json!({
            "certificates": rows,
            "next_page": next_page,
            "courses": courses,
            "groups": groups,
            "provinces": provinces,
            "filter": {
                "person": p.person, "course": p.course, "group": p.group, "province": p.province,
                "organisation": p.organisation, "from": p.from, "to": p.to,
            },
        }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    pub reason: String,
}

/// Revokes from the search page, then shows the page again.
pub async fn hr_revoke(
    State(state): State<AppState>,
    page: Page,
    hr: HrUser,
    Path(id): Path<i64>,
    Form(form): Form<RevokeForm>,
) -> Response {
    let scope = match Scope::of(&hr.0.grants) {
        Ok(s) => s,
        Err(e) => return AppError::from(e).into_response(),
    };
    match certificates::revoke(
        &state.db,
        &scope,
        hr.0.user.id,
        id,
        &form.reason,
        chrono::Utc::now(),
    )
    .await
    {
        Ok(c) => Redirect::to(&format!(
            "/hr/certificates?person={}",
            url::form_urlencoded::byte_serialize(c.serial.as_bytes()).collect::<String>()
        ))
        .into_response(),
        Err(DomainError::NotFound(_)) => {
            page.error(&state, StatusCode::NOT_FOUND, "error-not-found")
        }
        Err(e) => AppError::from(e).into_response(),
    }
}

/// The export form's fields (empty fields mean "any").
#[derive(Debug, Deserialize)]
pub struct ExportForm {
    #[serde(default)]
    person: String,
    #[serde(default)]
    course: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn some(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Starts an export of what the search shows and opens its progress page.
pub async fn hr_export(
    State(state): State<AppState>,
    hr: HrUser,
    Form(f): Form<ExportForm>,
) -> Response {
    let scope = match Scope::of(&hr.0.grants) {
        Ok(s) => s,
        Err(e) => return AppError::from(e).into_response(),
    };
    let filter = certificates::Filter {
        person: some(f.person),
        course: some(f.course),
        group: some(f.group),
        province: some(f.province),
        organisation: some(f.organisation),
        from: some(f.from).and_then(|d| d.parse().ok()),
        to: some(f.to).and_then(|d| d.parse().ok()),
        include_revoked: None,
    };
    match certificates::start_export(&state.db, &scope, hr.0.user.id, filter).await {
        Ok(id) => Redirect::to(&format!("/hr/certificates/exports/{id}")).into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

/// An export's progress page (the script follows the progress; the page works without it
/// on reload).
pub async fn hr_export_page(
    State(state): State<AppState>,
    page: Page,
    hr: HrUser,
    Path(id): Path<i64>,
) -> Response {
    let job =
        match certificates::export_job(&state.db, hr.0.user.id, hr.0.grants.is_admin(), id).await {
            Ok((job, _)) => job,
            Err(DomainError::NotFound(_)) => {
                return page.error(&state, StatusCode::NOT_FOUND, "error-not-found");
            }
            Err(e) => return AppError::from(e).into_response(),
        };
    let status = export_status(&job);
    let message = match status.status.as_str() {
        "done" => page.t("hr-export-done"),
        "failed" => page.t("hr-export-failed"),
        _ => page.t("hr-export-running"),
    };
    page.render(
        &state,
        StatusCode::OK,
        "pages/hr/certificate_export",
        "page-title-hr-export",
        json!({
            "export": status,
            "percent": (job.progress * 100.0).round() as i64,
            "message": message,
        }),
    )
}
