//! Authorization on the server: roles and HR scopes decide who sees and changes whom, and
//! the role × route matrix (`roles_matrix.txt`) holds what each of eight callers gets from
//! every route.

use http::StatusCode;
use lms_domain::Role;
use lms_tests::{PASSWORD, Session, TestApp};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
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

// ---------------------------------------------------------------------------------------
// The role × route matrix: every route of the OpenAPI document, called by each of eight
// callers, against the status committed in `roles_matrix.txt`.

/// The committed table: `METHOD PATH` then the expected status for each caller in
/// [`CALLERS`] order; `//` starts a comment.
const MATRIX: &str = include_str!("roles_matrix.txt");

/// The eight callers, in the table's column order.
const CALLERS: [&str; 8] = [
    "anonymous",
    "unverified",
    "learner",
    "trainer (other)",
    "trainer (owner)",
    "HR (other org)",
    "HR (own org)",
    "admin",
];

const MATRIX_GIFT: &str =
    "// [id:q1]\n::q1:: Việt Nam gia nhập ICCPR năm nào? {=Năm 1982 ~Năm 1990}\n";

struct MatrixRow {
    line: usize,
    method: http::Method,
    path: String,
    expected: [u16; 8],
}

fn matrix_rows() -> Vec<MatrixRow> {
    let mut rows = Vec::new();
    for (i, raw) in MATRIX.lines().enumerate() {
        let text = raw.split("//").next().unwrap_or("").trim();
        if text.is_empty() {
            continue;
        }
        let cols: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(
            cols.len(),
            10,
            "roles_matrix.txt:{}: METHOD PATH and 8 statuses",
            i + 1
        );
        let mut expected = [0u16; 8];
        for (e, c) in expected.iter_mut().zip(&cols[2..]) {
            *e = c
                .parse()
                .unwrap_or_else(|_| panic!("roles_matrix.txt:{}: bad status {c}", i + 1));
        }
        rows.push(MatrixRow {
            line: i + 1,
            method: cols[0].parse().expect("method"),
            path: cols[1].to_owned(),
            expected,
        });
    }
    rows
}

/// The tus 1.0 routes, mounted beside the documented API (see `app::router`): rows too.
const TUS_ROUTES: [(&str, &str); 5] = [
    ("OPTIONS", "/api/v1/uploads"),
    ("POST", "/api/v1/uploads"),
    ("HEAD", "/api/v1/uploads/{id}"),
    ("PATCH", "/api/v1/uploads/{id}"),
    ("DELETE", "/api/v1/uploads/{id}"),
];

/// Every (method, path) of the OpenAPI document, and the tus routes.
fn documented_routes() -> std::collections::BTreeSet<(String, String)> {
    let doc = serde_json::to_value(lms_api::app::openapi()).expect("openapi json");
    let mut out = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in [
            "get", "put", "post", "patch", "delete", "head", "options", "trace",
        ] {
            if item.get(m).is_some() {
                out.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    out.extend(
        TUS_ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string())),
    );
    out
}

/// The objects a row's path names: a course, module, video and upload of "trainer
/// (owner)", the learner's attempt and certificate (the learner is on the roster of "HR
/// (own)"'s organisation), and an export started by "HR (own)".
#[derive(Clone)]
struct Targets {
    course: i64,
    slug: String,
    module: i64,
    asset: i64,
    upload: String,
    attempt: i64,
    certificate: i64,
}

struct World {
    sessions: Vec<Option<Session>>,
    learner: Session,
    owner: Session,
    trainer: Session,
    org_own: i64,
    org_own_code: String,
    shared: Targets,
    export: i64,
    verify_code: String,
}

async fn targets(app: &TestApp, w_owner: &Session, learner: &Session, n: usize) -> Targets {
    use lms_tests::fixtures::{ModuleSpec, published_course, ready_video};
    let (course, slug) = published_course(
        app,
        w_owner,
        &format!("Ma trận quyền {n}"),
        &[ModuleSpec {
            title: "Bài 1",
            video_s: 30.0,
            gift: Some(MATRIX_GIFT),
            rules: json!({}),
        }],
    )
    .await;
    let module = app
        .get(&format!("/api/v1/courses/{course}/modules"))
        .bearer(&w_owner.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json()[0]["id"]
        .as_i64()
        .unwrap();
    let asset = ready_video(app, w_owner, 12.0).await;
    let upload = lms_domain::uploads::create(
        &app.db,
        w_owner.user_id,
        1000,
        "lecture.mp4",
        "video/mp4",
        lms_domain::uploads::UploadLimits {
            max_size: 10 << 20,
            quota_per_user: 1 << 30,
        },
    )
    .await
    .expect("upload")
    .id;
    app.post(&format!("/api/v1/courses/{course}/enrol"))
        .bearer(&learner.access_token)
        .send()
        .await
        .expect(StatusCode::CREATED);
    let started = app
        .post(&format!("/api/v1/learn/{slug}/modules/1/attempts"))
        .bearer(&learner.access_token)
        .send()
        .await;
    assert!(started.status.is_success(), "start: {}", started.text());
    let attempt = started.json()["id"].as_i64().expect("attempt id");
    let model = lms_domain::entities::course::Entity::find_by_id(course)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let certificate =
        lms_domain::certificates::issue(&app.db, learner.user_id, &model, chrono::Utc::now())
            .await
            .unwrap()
            .expect("a new certificate")
            .id;
    Targets {
        course,
        slug,
        module,
        asset,
        upload,
        attempt,
        certificate,
    }
}

async fn matrix_world(app: &TestApp) -> World {
    let admin = app.user_with(&[Role::Admin]).await;
    let owner = app.user_with(&[Role::Trainer]).await;
    let trainer = app.user_with(&[Role::Trainer]).await;
    let learner = app.user_with(&[]).await;
    let hr_own = app.user_with(&[Role::Hr]).await;
    let hr_other = app.user_with(&[Role::Hr]).await;
    let email = TestApp::unique_email("unverified");
    let registered = app
        .post("/api/v1/auth/register")
        .json(&json!({"email": email, "password": PASSWORD, "display_name": "Chưa Xác Minh"}))
        .send()
        .await;
    assert!(
        registered.status.is_success(),
        "register: {}",
        registered.text()
    );
    let unverified_id = lms_domain::entities::user::Entity::find()
        .filter(lms_domain::entities::user::Column::Email.eq(email.clone()))
        .one(&app.db)
        .await
        .unwrap()
        .expect("registered user")
        .id;
    let unverified = app.login(&email, PASSWORD, unverified_id).await;

    // The learner is on the roster of "ubnd-79" (HR own's), somebody else on "ubnd-01".
    let csv = format!(
        "employee id,full name,email,organisation code,province code,cadre groups,position\n\
         E1,Lê Văn Ước,{},ubnd-79,79,hr-officers,Chuyên viên\n",
        learner.email
    );
    app.post("/api/v1/roster/imports")
        .bearer(&admin.access_token)
        .raw("text/csv", csv.into_bytes())
        .send()
        .await
        .expect(StatusCode::OK);
    let orgs = app
        .get("/api/v1/organisations")
        .bearer(&admin.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let org = |code: &str| {
        orgs.as_array()
            .unwrap()
            .iter()
            .find(|o| o["code"] == code)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (org_own, org_other) = (org("ubnd-79"), org("ubnd-01"));
    // The roster's link names the learner's person record; the account joins the
    // organisation too, so that "HR (own)" manages the account itself.
    app.patch(&format!("/api/v1/users/{}", learner.user_id))
        .bearer(&admin.access_token)
        .json(&json!({"organisation_id": org_own}))
        .send()
        .await
        .expect(StatusCode::OK);
    for (hr, o) in [(&hr_own, org_own), (&hr_other, org_other)] {
        app.patch(&format!("/api/v1/users/{}", hr.user_id))
            .bearer(&admin.access_token)
            .json(&json!({"hr_organisation_ids": [o]}))
            .send()
            .await
            .expect(StatusCode::OK);
    }
    let shared = targets(app, &owner, &learner, 0).await;
    let verify_code = app
        .get("/api/v1/me/certificates")
        .bearer(&learner.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json()[0]["verify_url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let export = app
        .post("/api/v1/certificates/exports")
        .bearer(&hr_own.access_token)
        .json(&json!({}))
        .send()
        .await
        .expect(StatusCode::ACCEPTED)
        .json()["id"]
        .as_i64()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let s = app
            .get(&format!("/api/v1/certificates/exports/{export}"))
            .bearer(&hr_own.access_token)
            .send()
            .await
            .expect(StatusCode::OK)
            .json();
        if s["status"] == "done" {
            break;
        }
        assert!(
            s["status"] != "failed" && std::time::Instant::now() < deadline,
            "{s}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    World {
        sessions: vec![
            None,
            Some(unverified),
            Some(learner.clone()),
            Some(trainer.clone()),
            Some(owner.clone()),
            Some(hr_other),
            Some(hr_own),
            Some(admin),
        ],
        learner,
        owner,
        trainer,
        org_own,
        org_own_code: "ubnd-79".into(),
        shared,
        export,
        verify_code,
    }
}

/// Whether a cell acts on objects of its own (it changes the ones it names, or the caller's
/// login): the shared objects stay as the read-only rows expect them.
fn needs_fresh(method: &http::Method, path: &str) -> bool {
    method != http::Method::GET && path.contains('{')
}

/// A body of the right shape that the route's rules refuse (empty names, unknown ids, …):
/// for the rows where a caller with the right to act would get a 422.
fn invalid_body(method: &http::Method, path: &str, w: &World) -> Option<serde_json::Value> {
    Some(match (method.as_str(), path) {
        ("POST", "/api/v1/users") => {
            json!({"email": "not-an-address", "display_name": "", "password": "x", "organisation_id": w.org_own})
        }
        ("PATCH", "/api/v1/users/{id}") => json!({"display_name": ""}),
        ("POST", "/api/v1/organisations") => json!({"code": "", "name": "", "kind": "other"}),
        ("PATCH", "/api/v1/cadre-groups/{code}") => json!({"target_percent": 1000}),
        ("POST", "/api/v1/courses") => json!({"title": "", "summary": ""}),
        ("PATCH", "/api/v1/courses/{id}") => json!({"title": ""}),
        ("POST", "/api/v1/courses/{id}/authors") => json!({"user_id": -1}),
        ("PUT", "/api/v1/courses/{id}/cover") => json!({"asset_id": -1}),
        ("POST", "/api/v1/courses/{id}/modules") => json!({"title": ""}),
        ("POST", "/api/v1/courses/{id}/modules/order") => json!({"module_ids": [-1]}),
        ("PATCH", "/api/v1/modules/{id}") => json!({"title": ""}),
        ("PUT", "/api/v1/modules/{id}/video" | "/api/v1/modules/{id}/slides") => {
            json!({"asset_id": -1})
        }
        ("PUT", "/api/v1/modules/{id}/quiz") => json!({"gift": "::q:: {"}),
        ("POST", "/api/v1/quizzes/import") => json!({"format": "gift", "source": ""}),
        ("POST", "/api/v1/assets/{id}/captions") => json!({"language": "", "content": ""}),
        ("POST", "/api/v1/certificates/{id}/revoke") => json!({"reason": ""}),
        ("POST", "/api/v1/certificates/exports") => {
            json!({"from": "2030-01-01", "to": "2020-01-01"})
        }
        _ => return None,
    })
}

/// Sends the row's smallest valid request as caller `c` (or, `malformed`, one with an
/// [`invalid_body`]; rows without one answer as expected); returns the status and body.
async fn matrix_cell(
    app: &TestApp,
    w: &World,
    row: &MatrixRow,
    c: usize,
    n: usize,
    malformed: bool,
) -> (u16, String) {
    let t = if needs_fresh(&row.method, &row.path) && !malformed {
        targets(app, &w.owner, &w.learner, n).await
    } else {
        w.shared.clone()
    };
    let mut session = w.sessions[c].clone();
    if row.path == "/api/v1/auth/logout" {
        // Logging out ends the session: use a login of its own.
        if let Some(s) = &session {
            session = Some(app.login(&s.email, PASSWORD, s.user_id).await);
        }
    }
    let p = &row.path;
    let id = if p.starts_with("/api/v1/users/") {
        w.learner.user_id.to_string()
    } else if p.starts_with("/api/v1/courses/") {
        t.course.to_string()
    } else if p.starts_with("/api/v1/modules/") {
        t.module.to_string()
    } else if p.starts_with("/api/v1/assets/") {
        t.asset.to_string()
    } else if p.starts_with("/api/v1/uploads/") {
        t.upload.clone()
    } else if p.starts_with("/api/v1/attempts/") {
        t.attempt.to_string()
    } else if p.starts_with("/api/v1/certificates/exports/") {
        w.export.to_string()
    } else if p.starts_with("/api/v1/certificates/") {
        t.certificate.to_string()
    } else {
        String::new()
    };
    let uri = p
        .replace("{id}", &id)
        .replace("{slug}", &t.slug)
        .replace("{number}", "1")
        .replace("{group}", "hr-officers")
        .replace(
            "{code}",
            if p.starts_with("/api/v1/verify/") {
                &w.verify_code
            } else {
                "hr-officers"
            },
        )
        .replace("{by}", "province")
        .replace("{format}", "csv");
    assert!(!uri.contains('{'), "no value for a parameter of {p}");
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let body: Option<serde_json::Value> = match (row.method.as_str(), p.as_str()) {
        ("POST", "/api/v1/auth/register") => Some(
            json!({"email": TestApp::unique_email("reg"), "password": PASSWORD, "display_name": "Mới"}),
        ),
        ("POST", "/api/v1/auth/verify") => Some(json!({"token": "not-a-token"})),
        ("POST", "/api/v1/roster/join") => Some(json!({"token": "not-a-token"})),
        ("POST", "/api/v1/auth/login") => {
            Some(json!({"email": TestApp::unique_email("nobody"), "password": PASSWORD}))
        }
        ("POST", "/api/v1/auth/refresh") => Some(json!({"refresh_token": "not-a-token"})),
        ("POST", "/api/v1/auth/password-reset") => {
            Some(json!({"email": TestApp::unique_email("nobody")}))
        }
        ("POST", "/api/v1/auth/password-reset/confirm") => {
            Some(json!({"token": "not-a-token", "password": PASSWORD}))
        }
        ("POST", "/api/v1/users") => Some(
            json!({"email": TestApp::unique_email("new"), "display_name": "Mới", "password": PASSWORD, "organisation_id": w.org_own}),
        ),
        ("POST", "/api/v1/organisations") => {
            Some(json!({"code": format!("m-{}", &unique[..10]), "name": "Sở mới", "kind": "other"}))
        }
        ("POST", "/api/v1/courses") => {
            Some(json!({"title": format!("Khoá {unique}"), "summary": "Tóm tắt"}))
        }
        ("POST", "/api/v1/courses/{id}/authors") => Some(json!({"user_id": w.trainer.user_id})),
        ("PUT", "/api/v1/courses/{id}/cover") => Some(json!({"asset_id": null})),
        ("POST", "/api/v1/courses/{id}/modules") => Some(json!({"title": "Bài mới"})),
        ("POST", "/api/v1/courses/{id}/modules/order") => Some(json!({"module_ids": [t.module]})),
        ("PUT", "/api/v1/modules/{id}/video") => Some(json!({"asset_id": t.asset})),
        ("PUT", "/api/v1/modules/{id}/slides") => Some(json!({"asset_id": null})),
        ("PUT", "/api/v1/modules/{id}/quiz") => Some(json!({"gift": MATRIX_GIFT})),
        ("POST", "/api/v1/quizzes/import") => {
            Some(json!({"format": "gift", "source": MATRIX_GIFT}))
        }
        ("POST", "/api/v1/assets/{id}/captions") => Some(
            json!({"language": "vi", "content": "WEBVTT\n\n00:00.000 --> 00:01.000\nXin chào\n"}),
        ),
        ("POST", "/api/v1/certificates/{id}/revoke") => Some(json!({"reason": "cấp nhầm"})),
        ("POST", "/api/v1/certificates/exports") => Some(json!({})),
        ("POST", "/api/v1/attempts/{id}/submit") => Some(json!({"responses": {}})),
        ("POST", "/api/v1/progress") => {
            Some(json!({"token": "not-a-token", "intervals": [[0.0, 1.0]], "position": 1.0}))
        }
        ("PATCH", _) => Some(json!({})),
        _ => None,
    };
    let mut req = app.request(row.method.clone(), &uri);
    if let Some(s) = &session {
        req = req.bearer(&s.access_token);
    }
    req = if p.starts_with("/api/v1/uploads") && row.method != http::Method::GET {
        let req = req.header("tus-resumable", "1.0.0");
        match row.method.as_str() {
            "POST" => req.header("upload-length", "1000").header(
                "upload-metadata",
                "filename bGVjdHVyZS5tcDQ=,filetype dmlkZW8vbXA0",
            ),
            "PATCH" => req
                .header("upload-offset", "0")
                .raw("application/offset+octet-stream", vec![0u8; 10]),
            _ => req,
        }
    } else if p == "/api/v1/roster/imports" {
        let csv = format!(
            "employee id,full name,email,organisation code,province code,cadre groups,position\n\
             E{unique},Người Mới,{},{},79,hr-officers,Chuyên viên\n",
            TestApp::unique_email("roster"),
            w.org_own_code
        );
        let csv = if malformed {
            "\u{feff};;\n\"".to_owned()
        } else {
            csv
        };
        req.raw("text/csv", csv.into_bytes())
    } else if malformed {
        match invalid_body(&row.method, p, w) {
            Some(b) => req.json(&b),
            None => return (row.expected[c], String::new()),
        }
    } else if let Some(b) = &body {
        req.json(b)
    } else {
        req
    };
    let res = req.send().await;
    (res.status.as_u16(), res.text())
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_matrix_says() {
    use futures_util::StreamExt;
    let rows = matrix_rows();

    // The table and the OpenAPI document name the same routes.
    let documented = documented_routes();
    let tabled: std::collections::BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.method.to_string(), r.path.clone()))
        .collect();
    let missing: Vec<_> = documented.difference(&tabled).collect();
    let gone: Vec<_> = tabled.difference(&documented).collect();
    assert!(
        missing.is_empty() && gone.is_empty() && tabled.len() == rows.len(),
        "roles_matrix.txt is out of step with the OpenAPI document.\n\
         Routes without a row: {missing:#?}\nRows without a route: {gone:#?}\n({} rows, {} distinct)",
        rows.len(),
        tabled.len()
    );

    let app = TestApp::new().await;
    let w = matrix_world(&app).await;
    let cells: Vec<(usize, usize)> = (0..rows.len())
        .flat_map(|r| (0..CALLERS.len()).map(move |c| (r, c)))
        .collect();
    let results: Vec<(usize, usize, u16, String)> = futures_util::stream::iter(cells)
        .enumerate()
        .map(|(n, (r, c))| {
            let (app, w, rows) = (&app, &w, &rows);
            async move {
                let (status, body) = matrix_cell(app, w, &rows[r], c, n + 1, false).await;
                (r, c, status, body)
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;

    let mut observed = vec![[0u16; 8]; rows.len()];
    let mut mismatches = Vec::new();
    // Nobody but the learner, their HR officer and the admin ever reads the learner's
    // address, in any answer.
    let outsiders = [0, 1, 3, 4, 5];
    for (r, c, status, body) in results {
        observed[r][c] = status;
        let short: String = body.chars().take(160).collect();
        if status != rows[r].expected[c] {
            mismatches.push(format!(
                "roles_matrix.txt:{} {} {} as {}: expected {}, got {status} {short}",
                rows[r].line, rows[r].method, rows[r].path, CALLERS[c], rows[r].expected[c]
            ));
        }
        if outsiders.contains(&c) && body.contains(&w.learner.email) {
            mismatches.push(format!(
                "roles_matrix.txt:{} {} {} as {}: the answer holds the learner's email",
                rows[r].line, rows[r].method, rows[r].path, CALLERS[c]
            ));
        }
    }

    // Authorization comes before validation: a caller refused with a valid body is refused
    // the same way with a body the route's rules refuse (and learns nothing from a 422).
    let refused: Vec<(usize, usize)> = (0..rows.len())
        .filter(|&r| rows[r].method != http::Method::GET && rows[r].method != http::Method::DELETE)
        .flat_map(|r| (0..CALLERS.len()).map(move |c| (r, c)))
        .filter(|&(r, c)| matches!(rows[r].expected[c], 401 | 403 | 404))
        .collect();
    let refusals: Vec<(usize, usize, u16, String)> = futures_util::stream::iter(refused)
        .enumerate()
        .map(|(n, (r, c))| {
            let (app, w, rows) = (&app, &w, &rows);
            async move {
                let (status, body) = matrix_cell(app, w, &rows[r], c, 100_000 + n, true).await;
                (r, c, status, body)
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    for (r, c, status, body) in refusals {
        let body: String = body.chars().take(160).collect();
        if status != rows[r].expected[c] {
            mismatches.push(format!(
                "roles_matrix.txt:{} {} {} as {} with a malformed body: expected {}, got {status} {body}",
                rows[r].line, rows[r].method, rows[r].path, CALLERS[c], rows[r].expected[c]
            ));
        }
    }

    mismatches.sort();
    if !mismatches.is_empty() {
        let mut answered = String::new();
        for (row, got) in rows.iter().zip(&observed) {
            if got != &row.expected {
                let cols: Vec<String> = got.iter().map(|s| format!("{s:>4}")).collect();
                answered.push_str(&format!(
                    "{:<6} {:<48} {}\n",
                    row.method,
                    row.path,
                    cols.join(" ")
                ));
            }
        }
        panic!(
            "{} cells differ from roles_matrix.txt:\n{}\n\nThose rows as answered today:\n{answered}",
            mismatches.len(),
            mismatches.join("\n")
        );
    }
}

/// The teaching pages call the domain without the JSON API's own look-up first: there too,
/// a module that is not the caller's answers "not found" before its input is judged.
#[tokio::test]
async fn module_rules_are_judged_only_for_authors() {
    use lms_domain::DomainError;
    use lms_domain::courses::authoring::{self, ModuleInput};
    let app = TestApp::new().await;
    let owner = app.user_with(&[Role::Trainer]).await;
    let other = app.user_with(&[Role::Trainer]).await;
    let course = app
        .post("/api/v1/courses")
        .bearer(&owner.access_token)
        .json(&json!({"title": "Của người khác", "summary": "Tóm tắt"}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json()["id"]
        .as_i64()
        .unwrap();
    let module = app
        .post(&format!("/api/v1/courses/{course}/modules"))
        .bearer(&owner.access_token)
        .json(&json!({"title": "Bài 1"}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json()["id"]
        .as_i64()
        .unwrap();
    let grants = lms_domain::users::grants_of(&app.db, other.user_id)
        .await
        .unwrap();
    let empty = ModuleInput::default();
    let updated =
        authoring::update_module(&app.db, other.user_id, &grants, module, empty.clone()).await;
    assert!(
        matches!(updated, Err(DomainError::NotFound(_))),
        "{updated:?}"
    );
    let added = authoring::add_module(&app.db, other.user_id, &grants, course, empty).await;
    assert!(matches!(added, Err(DomainError::NotFound(_))), "{added:?}");
    // The author still hears about the empty title.
    let grants = lms_domain::users::grants_of(&app.db, owner.user_id)
        .await
        .unwrap();
    let own = authoring::update_module(
        &app.db,
        owner.user_id,
        &grants,
        module,
        ModuleInput::default(),
    )
    .await;
    assert!(matches!(own, Err(DomainError::Validation(_))), "{own:?}");
}
