//! The OpenAPI 3.1 document (generated from the handlers' annotations) and its viewer.

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Human-rights learning platform API",
        description = "Courses of short video modules with quizzes, completion tracking and coverage reports. \
Errors are JSON `{error, message, details}`. Authenticate with `Authorization: Bearer <access token>` from /api/v1/auth/login.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Registration, login, tokens, password reset"),
        (name = "users", description = "Accounts as admins and HR officers manage them"),
        (name = "reference data", description = "Organisations and provinces"),
        (name = "courses", description = "The public catalogue and course syllabi"),
        (name = "authoring", description = "Trainers build courses, modules and quizzes, and publish them"),
        (name = "learning", description = "Enrolment and progress"),
        (name = "media", description = "Resumable uploads (tus 1.0) and media assets"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}
