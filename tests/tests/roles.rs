//! Authorization on the server: roles and HR scopes decide who sees and changes whom.

use http::StatusCode;
use lms_domain::Role;
use lms_tests::{PASSWORD, TestApp};
use serde_json::json;

async fn organisation(app: &TestApp, admin: &str, code: &str) -> i64 {
    app.post("/api/v1/organisations")
        .bearer(admin)
        .json(&json!({"code": code, "name": format!("Sở {code}"), "kind": "provincial_committee"}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn anonymous_callers_are_refused() {
    let app = TestApp::new().await;
    for path in ["/api/v1/me", "/api/v1/users", "/api/v1/organisations"] {
        let res = app.get(path).send().await.expect(StatusCode::UNAUTHORIZED);
        assert_eq!(res.error_code(), "unauthorized");
    }
    // Public reference data stays public.
    app.get("/api/v1/provinces")
        .send()
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn learners_and_trainers_cannot_manage_people() {
    let app = TestApp::new().await;
    for roles in [vec![], vec![Role::Trainer]] {
        let s = app.user_with(&roles).await;
        app.get("/api/v1/users")
            .bearer(&s.access_token)
            .send()
            .await
            .expect(StatusCode::FORBIDDEN);
        app.get(&format!("/api/v1/users/{}", s.user_id))
            .bearer(&s.access_token)
            .send()
            .await
            .expect(StatusCode::FORBIDDEN);
        app.patch(&format!("/api/v1/users/{}", s.user_id))
            .bearer(&s.access_token)
            .json(&json!({"roles": ["admin"]}))
            .send()
            .await
            .expect(StatusCode::FORBIDDEN);
        app.post("/api/v1/organisations")
            .bearer(&s.access_token)
            .json(&json!({"code": "X", "name": "X", "kind": "ministry"}))
            .send()
            .await
            .expect(StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn admins_create_users_grant_roles_and_deactivate() {
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    let email = TestApp::unique_email("trainer");
    let created = app
        .post("/api/v1/users")
        .bearer(&admin.access_token)
        .json(&json!({"email": email, "display_name": "Lê Minh", "password": PASSWORD, "roles": ["trainer"]}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(created["roles"], json!(["learner", "trainer"]));
    assert!(created.get("password_hash").is_none());
    let id = created["id"].as_i64().unwrap();

    let dup = app
        .post("/api/v1/users")
        .bearer(&admin.access_token)
        .json(&json!({"email": email, "display_name": "Again", "password": PASSWORD}))
        .send()
        .await
        .expect(StatusCode::CONFLICT);
    assert_eq!(dup.json()["details"]["field"], "email");

    let bad = app
        .patch(&format!("/api/v1/users/{id}"))
        .bearer(&admin.access_token)
        .json(&json!({"roles": ["emperor"]}))
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_code(), "validation");

    let trainer = app.login(&email, PASSWORD, id).await;
    app.patch(&format!("/api/v1/users/{id}"))
        .bearer(&admin.access_token)
        .json(&json!({"is_active": false}))
        .send()
        .await
        .expect(StatusCode::OK);
    // Deactivation ends the user's logins at once and blocks new ones.
    app.get("/api/v1/me")
        .bearer(&trainer.access_token)
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);
    app.post("/api/v1/auth/login")
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);

    let list = app
        .get("/api/v1/users?per_page=1")
        .bearer(&admin.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(list["total"], 2);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn admins_cannot_lock_themselves_out() {
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    app.patch(&format!("/api/v1/users/{}", admin.user_id))
        .bearer(&admin.access_token)
        .json(&json!({"roles": ["learner"]}))
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    app.patch(&format!("/api/v1/users/{}", admin.user_id))
        .bearer(&admin.access_token)
        .json(&json!({"is_active": false}))
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn hr_officers_act_only_within_their_organisations() {
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    let hanoi = organisation(&app, &admin.access_token, "HN").await;
    let hue = organisation(&app, &admin.access_token, "HUE").await;

    let hr = app.user_with(&[Role::Hr]).await;
    app.patch(&format!("/api/v1/users/{}", hr.user_id))
        .bearer(&admin.access_token)
        .json(&json!({"hr_organisation_ids": [hanoi]}))
        .send()
        .await
        .expect(StatusCode::OK);

    // HR creates a learner in Hà Nội, but not in Huế, and grants no roles.
    let in_scope = app
        .post("/api/v1/users")
        .bearer(&hr.access_token)
        .json(&json!({"email": TestApp::unique_email("hn"), "display_name": "Phạm Hà", "password": PASSWORD, "organisation_id": hanoi}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json();
    app.post("/api/v1/users")
        .bearer(&hr.access_token)
        .json(&json!({"email": TestApp::unique_email("hue"), "display_name": "Hồ Huế", "password": PASSWORD, "organisation_id": hue}))
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    app.post("/api/v1/users")
        .bearer(&hr.access_token)
        .json(&json!({"email": TestApp::unique_email("x"), "display_name": "X", "password": PASSWORD, "organisation_id": hanoi, "roles": ["admin"]}))
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);

    // Somebody in Huế, created by the admin, is invisible to the Hà Nội HR officer.
    let outsider = app
        .post("/api/v1/users")
        .bearer(&admin.access_token)
        .json(&json!({"email": TestApp::unique_email("hue"), "display_name": "Hồ Huế", "password": PASSWORD, "organisation_id": hue}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json();
    let list = app
        .get("/api/v1/users")
        .bearer(&hr.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![in_scope["id"].as_i64().unwrap()]);
    let outsider_id = outsider["id"].as_i64().unwrap();
    app.get(&format!("/api/v1/users/{outsider_id}"))
        .bearer(&hr.access_token)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    app.patch(&format!("/api/v1/users/{outsider_id}"))
        .bearer(&hr.access_token)
        .json(&json!({"display_name": "Hijacked"}))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    // Nor may HR move their own people out of scope or widen their own powers.
    app.patch(&format!("/api/v1/users/{}", in_scope["id"]))
        .bearer(&hr.access_token)
        .json(&json!({"organisation_id": hue}))
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    app.patch(&format!("/api/v1/users/{}", in_scope["id"]))
        .bearer(&hr.access_token)
        .json(&json!({"roles": ["learner", "hr"]}))
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
}

/// An HR officer manages the learners of their organisations, never its staff: an
/// administrator, trainer or fellow HR officer of the same organisation keeps their roles,
/// state and name whatever the HR officer sends (issue #23: `{"roles":["learner"]}` stripped
/// an administrator).
#[tokio::test]
async fn hr_officers_cannot_change_the_staff_of_their_organisation() {
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    let hanoi = organisation(&app, &admin.access_token, "HN").await;
    let hr = app.user_with(&[Role::Hr]).await;
    app.patch(&format!("/api/v1/users/{}", hr.user_id))
        .bearer(&admin.access_token)
        .json(&json!({"hr_organisation_ids": [hanoi], "organisation_id": hanoi}))
        .send()
        .await
        .expect(StatusCode::OK);
    let mut staff = Vec::new();
    for role in ["admin", "trainer", "hr"] {
        let created = app
            .post("/api/v1/users")
            .bearer(&admin.access_token)
            .json(&json!({"email": TestApp::unique_email(role), "display_name": "Cán bộ", "password": PASSWORD, "organisation_id": hanoi, "roles": [role]}))
            .send()
            .await
            .expect(StatusCode::CREATED)
            .json();
        staff.push((created["id"].as_i64().unwrap(), created["roles"].clone()));
    }
    for (id, roles) in &staff {
        for change in [
            json!({"roles": ["learner"]}),
            json!({"is_active": false}),
            json!({"display_name": "Đổi tên"}),
            json!({"hr_organisation_ids": []}),
        ] {
            let refused = app
                .patch(&format!("/api/v1/users/{id}"))
                .bearer(&hr.access_token)
                .json(&change)
                .send()
                .await
                .expect(StatusCode::FORBIDDEN);
            assert_eq!(refused.error_code(), "forbidden", "{change}");
        }
        let after = app
            .get(&format!("/api/v1/users/{id}"))
            .bearer(&admin.access_token)
            .send()
            .await
            .expect(StatusCode::OK)
            .json();
        assert_eq!(&after["roles"], roles);
        assert_eq!(after["is_active"], true);
        assert_eq!(after["display_name"], "Cán bộ");
    }
    // HR may not touch themselves either (they hold more than the learner role).
    app.patch(&format!("/api/v1/users/{}", hr.user_id))
        .bearer(&hr.access_token)
        .json(&json!({"hr_organisation_ids": []}))
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);

    // The learners of the organisation remain theirs to manage.
    let learner = app
        .post("/api/v1/users")
        .bearer(&hr.access_token)
        .json(&json!({"email": TestApp::unique_email("hn"), "display_name": "Phạm Hà", "password": PASSWORD, "organisation_id": hanoi}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json();
    let changed = app
        .patch(&format!("/api/v1/users/{}", learner["id"]))
        .bearer(&hr.access_token)
        .json(&json!({"display_name": "Phạm Thu Hà", "is_active": false}))
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(changed["is_active"], false);
    assert_eq!(changed["display_name"], "Phạm Thu Hà");
}
