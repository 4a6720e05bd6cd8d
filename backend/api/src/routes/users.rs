//! Users as admins (everyone) and HR officers (people of their organisations) see them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lms_domain::Role;
use lms_domain::users::{self, NewUser, UserChanges, UserView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{Json as JsonBody, Query};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub locale: String,
    pub email_verified: bool,
    pub is_active: bool,
    pub organisation_id: Option<i64>,
    /// learner, trainer, hr, admin
    pub roles: Vec<String>,
    /// Organisations an HR user acts within.
    pub hr_organisation_ids: Vec<i64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<UserView> for UserResponse {
    fn from(v: UserView) -> Self {
        Self {
            id: v.id,
            email: v.email,
            display_name: v.display_name,
            locale: v.locale,
            email_verified: v.email_verified,
            is_active: v.is_active,
            organisation_id: v.organisation_id,
            roles: v.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            hr_organisation_ids: v.hr_organisation_ids,
            created_at: v.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserResponse>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageParams {
    /// 1-based page number.
    pub page: Option<u64>,
    /// Items per page (1 to 200, default 50).
    pub per_page: Option<u64>,
}

fn parse_roles(raw: &[String]) -> AppResult<Vec<Role>> {
    raw.iter()
        .map(|r| {
            Role::parse(r).ok_or_else(|| {
                crate::error::validation(vec![lms_domain::FieldError::new(
                    "roles",
                    "unknown",
                    format!("unknown role {r:?}: use learner, trainer, hr or admin"),
                )])
            })
        })
        .collect()
}

/// List users: admins see everyone, HR officers the people of their organisations.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(PageParams),
    responses((status = 200, body = UserPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Query(p): Query<PageParams>,
) -> AppResult<Json<UserPage>> {
    let page = p.page.unwrap_or(1).max(1);
    let per_page = p.per_page.unwrap_or(50).clamp(1, 200);
    let (items, total) = users::list(&state.db, &me.grants, page, per_page).await?;
    Ok(Json(UserPage {
        items: items.into_iter().map(Into::into).collect(),
        total,
        page,
        per_page,
    }))
}

/// Read one user the caller may see (others answer 404).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path)),
    responses((status = 200, body = UserResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<UserResponse>> {
    if !me.grants.is_admin() && !me.grants.has(Role::Hr) {
        return Err(AppError::forbidden());
    }
    Ok(Json(users::get(&state.db, &me.grants, id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUserParams {
    pub email: String,
    pub display_name: String,
    /// The initial password (at least 10 characters); the account counts as verified.
    pub password: String,
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub organisation_id: Option<i64>,
    /// Roles besides learner (admins only may grant them).
    #[serde(default)]
    pub roles: Vec<String>,
}

/// Create an account (admins; HR officers create learners in their organisations).
#[utoipa::path(post, path = "/api/v1/users", tag = "users",
    request_body = CreateUserParams,
    responses((status = 201, body = UserResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    JsonBody(p): JsonBody<CreateUserParams>,
) -> AppResult<(StatusCode, Json<UserResponse>)> {
    let roles = parse_roles(&p.roles)?;
    let created = users::create(
        &state.db,
        me.user.id,
        &me.grants,
        NewUser {
            email: p.email,
            display_name: p.display_name,
            password: p.password,
            locale: p.locale.unwrap_or_default(),
            organisation_id: p.organisation_id,
            roles,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateUserParams {
    pub display_name: Option<String>,
    pub is_active: Option<bool>,
    /// Set to null to detach the user from any organisation.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub organisation_id: Option<Option<i64>>,
    /// The full set of roles (learner is always kept). Admins only.
    pub roles: Option<Vec<String>>,
    /// Organisations an HR user acts within. Admins only.
    pub hr_organisation_ids: Option<Vec<i64>>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
        Ok(Some(Option::<i64>::deserialize(d)?))
    }
}

/// Change a user's name, state, organisation, roles or HR scope.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path)),
    request_body = UpdateUserParams,
    responses((status = 200, body = UserResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    JsonBody(p): JsonBody<UpdateUserParams>,
) -> AppResult<Json<UserResponse>> {
    if !me.grants.is_admin() && !me.grants.has(Role::Hr) {
        return Err(AppError::forbidden());
    }
    let roles = p.roles.as_deref().map(parse_roles).transpose()?;
    let updated = users::update(
        &state.db,
        me.user.id,
        &me.grants,
        id,
        UserChanges {
            display_name: p.display_name,
            is_active: p.is_active,
            organisation_id: p.organisation_id,
            roles,
            hr_organisation_ids: p.hr_organisation_ids,
        },
    )
    .await?;
    Ok(Json(updated.into()))
}
