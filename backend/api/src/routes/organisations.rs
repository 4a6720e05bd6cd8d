//! Reference data over the API: the organisation tree and provinces.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use lms_domain::Role;
use lms_domain::entities::{organisation, province};
use lms_domain::organisations::{self, NewOrganisation};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json as JsonBody, Query};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationResponse {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// ministry, provincial_committee, press_agency, political_social_org, other
    pub kind: String,
    pub parent_id: Option<i64>,
    pub province_id: Option<i64>,
}

impl From<organisation::Model> for OrganisationResponse {
    fn from(o: organisation::Model) -> Self {
        Self {
            id: o.id,
            code: o.code,
            name: o.name,
            kind: o.kind,
            parent_id: o.parent_id,
            province_id: o.province_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProvinceResponse {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub is_current: bool,
    /// For a former unit: the unit that replaced it.
    pub replaced_by_id: Option<i64>,
    pub name_en: Option<String>,
    /// For a current unit whose code a pre-2025 province used: that province's name.
    pub former_name: Option<String>,
}

impl From<province::Model> for ProvinceResponse {
    fn from(p: province::Model) -> Self {
        Self {
            id: p.id,
            code: p.code,
            name: p.name,
            is_current: p.is_current,
            replaced_by_id: p.replaced_by_id,
            name_en: p.name_en,
            former_name: p.former_name,
        }
    }
}

/// The organisation tree (flat, with parent ids). Any signed-in user may read it.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "reference data",
    responses((status = 200, body = Vec<OrganisationResponse>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    _caller: CurrentUser,
) -> AppResult<Json<Vec<OrganisationResponse>>> {
    Ok(Json(
        organisations::list(&state.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateOrganisationParams {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub province_id: Option<i64>,
}

/// Add an organisation (admins).
#[utoipa::path(post, path = "/api/v1/organisations", tag = "reference data",
    request_body = CreateOrganisationParams,
    responses((status = 201, body = OrganisationResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    JsonBody(p): JsonBody<CreateOrganisationParams>,
) -> AppResult<(StatusCode, Json<OrganisationResponse>)> {
    me.require(Role::Admin)?;
    let created = organisations::create(
        &state.db,
        me.user.id,
        NewOrganisation {
            code: p.code,
            name: p.name,
            kind: p.kind,
            parent_id: p.parent_id,
            province_id: p.province_id,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ProvinceParams {
    /// Also list the former (pre-2025) units.
    pub include_former: Option<bool>,
}

/// Provincial-level units. Public reference data.
#[utoipa::path(get, path = "/api/v1/provinces", tag = "reference data", params(ProvinceParams),
    responses((status = 200, body = Vec<ProvinceResponse>)))]
pub async fn provinces(
    State(state): State<AppState>,
    Query(p): Query<ProvinceParams>,
) -> AppResult<Json<Vec<ProvinceResponse>>> {
    let rows = organisations::list_provinces(&state.db, p.include_former.unwrap_or(false)).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}
