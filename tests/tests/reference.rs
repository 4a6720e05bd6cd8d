//! Reference data shipped with the platform: the 34 provinces in force since July 2025 and
//! the former codes mapped to them, a starting organisation tree, and the cadre groups with
//! their targets, which admins (only) edit and which reloading never overwrites.

use http::StatusCode;
use lms_domain::Role;
use lms_tests::TestApp;
use serde_json::{Value, json};

#[tokio::test]
async fn provinces_resolve_former_codes_to_the_units_in_force() {
    let app = TestApp::new().await;
    let s = app.user_with(&[]).await;
    let current = app
        .get("/api/v1/provinces")
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(current.as_array().unwrap().len(), 34);
    let all = app
        .get("/api/v1/provinces?include_former=true")
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        all.as_array().unwrap().len(),
        63,
        "every pre-2025 code is known"
    );
    let by_code = |code: &str| -> Value {
        all.as_array()
            .unwrap()
            .iter()
            .find(|p| p["code"] == code)
            .cloned()
            .unwrap()
    };
    // Bình Dương (74) is now part of Ho Chi Minh City (79).
    assert_eq!(by_code("74")["is_current"], false);
    assert_eq!(by_code("74")["replaced_by_id"], by_code("79")["id"]);
    // Code 15 now names Lào Cai; before 2025 it was Yên Bái.
    assert_eq!(by_code("15")["name"], "Lào Cai");
    assert_eq!(by_code("15")["former_name"], "Yên Bái");
    for (old, new) in [("74", "79"), ("30", "31"), ("10", "15"), ("79", "79")] {
        let p = lms_domain::reference::current_province(&app.db, old)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.code, new, "{old}");
    }
    assert!(
        lms_domain::reference::current_province(&app.db, "99")
            .await
            .unwrap()
            .is_none()
    );

    let orgs = app
        .get("/api/v1/organisations")
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let hcm = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "ubnd-79")
        .expect("the People's Committee of Ho Chi Minh City");
    assert_eq!(hcm["kind"], "provincial_committee");
    assert_eq!(hcm["province_id"], by_code("79")["id"]);
}

#[tokio::test]
async fn admins_set_group_targets_and_courses_and_reloading_keeps_them() {
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    let hr = app.user_with(&[Role::Hr]).await;
    let groups = app
        .get("/api/v1/cadre-groups")
        .bearer(&hr.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let targets: Vec<i64> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["target_percent"].as_i64().unwrap())
        .collect();
    assert_eq!(targets, vec![100, 100, 100, 70]);
    assert!(
        groups
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["deadline"] == "2028-12-31")
    );

    let course = app
        .post("/api/v1/courses")
        .bearer(&admin.access_token)
        .json(&json!({"title": "Nhân quyền cơ bản"}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json()["id"]
        .as_i64()
        .unwrap();
    let change = json!({"target_percent": 90, "course_ids": [course, course]});
    app.patch("/api/v1/cadre-groups/hr-officers")
        .bearer(&hr.access_token)
        .json(&change)
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    let bad = app
        .patch("/api/v1/cadre-groups/hr-officers")
        .bearer(&admin.access_token)
        .json(&json!({"target_percent": 0, "course_ids": [999_999]}))
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text().contains("target_percent") && bad.text().contains("999999"),
        "{}",
        bad.text()
    );
    let updated = app
        .patch("/api/v1/cadre-groups/hr-officers")
        .bearer(&admin.access_token)
        .json(&change)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(updated["target_percent"], 90);
    assert_eq!(updated["course_ids"], json!([course]));
    app.patch("/api/v1/cadre-groups/no-such-group")
        .bearer(&admin.access_token)
        .json(&change)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);

    // Loading the shipped files again adds nothing and keeps the admin's edits.
    let loaded = lms_domain::reference::load(&app.db).await.unwrap();
    assert_eq!(loaded, lms_domain::reference::Loaded::default());
    let groups = app
        .get("/api/v1/cadre-groups")
        .bearer(&hr.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(groups[0]["target_percent"], 90);
    assert_eq!(groups[0]["course_ids"], json!([course]));
    assert_eq!(
        app.count("audit_log WHERE action = 'cadre_group.updated'")
            .await,
        1
    );
}
