//! Coverage figures equal an independent computation over the raw tables, on randomly
//! generated rosters, group requirements and completions (several seeds), per group, per
//! province and per organisation, as of random dates; and only HR and admins read them.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use http::StatusCode;
use lms_domain::Role;
use lms_domain::coverage::{self, By, Scope};
use lms_domain::entities::{
    cadre_group, cadre_group_course, coverage_member, enrolment, organisation, province,
    roster_member, roster_member_group, user,
};
use lms_tests::fixtures::{ModuleSpec, published_course};
use lms_tests::{Session, TestApp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, DatabaseConnection, EntityTrait, QueryOrder, Set,
    TransactionTrait,
};
use serde_json::json;

type Figures = BTreeMap<(String, By, Option<String>), (i64, i64)>;

/// Members and completed members per group, and per group and province or organisation, as
/// of `as_of`: computed here from every raw row (roster, memberships, required courses,
/// enrolments), independently of the summary the reports read.
async fn independent(db: &DatabaseConnection, as_of: DateTime<Utc>) -> Figures {
    let groups = cadre_group::Entity::find().all(db).await.unwrap();
    let members = roster_member::Entity::find().all(db).await.unwrap();
    let links = roster_member_group::Entity::find().all(db).await.unwrap();
    let required = cadre_group_course::Entity::find().all(db).await.unwrap();
    let enrolments = enrolment::Entity::find().all(db).await.unwrap();
    let prov_code: HashMap<i64, String> = province::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.code))
        .collect();
    let org_code: HashMap<i64, String> = organisation::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| (o.id, o.code))
        .collect();
    let mut expected = Figures::new();
    for link in &links {
        let m = members.iter().find(|m| m.id == link.member_id).unwrap();
        if !m.active {
            continue;
        }
        let g = groups.iter().find(|g| g.id == link.group_id).unwrap();
        let needed: Vec<i64> = required
            .iter()
            .filter(|r| r.group_id == g.id)
            .map(|r| r.course_id)
            .collect();
        let complete = !needed.is_empty()
            && needed.iter().all(|c| {
                enrolments.iter().any(|e| {
                    Some(e.user_id) == m.user_id
                        && e.course_id == *c
                        && e.completed_at.is_some_and(|d| d <= as_of)
                })
            });
        for (by, key) in [
            (By::Group, None),
            (By::Province, m.province_id.map(|p| prov_code[&p].clone())),
            (By::Organisation, Some(org_code[&m.organisation_id].clone())),
        ] {
            let e = expected.entry((g.code.clone(), by, key)).or_default();
            e.0 += 1;
            e.1 += i64::from(complete);
        }
    }
    expected
}

/// The same figures as the reports give them.
async fn reported(db: &DatabaseConnection, as_of: DateTime<Utc>) -> Figures {
    let mut actual = Figures::new();
    for by in [By::Group, By::Province, By::Organisation] {
        for l in coverage::lines(db, &Scope::Everyone, by, as_of)
            .await
            .unwrap()
        {
            actual.insert(
                (l.group_code.clone(), by, l.key.clone()),
                (l.members, l.completed),
            );
            assert!((l.percent - l.completed as f64 * 100.0 / l.members as f64).abs() < 1e-9);
        }
    }
    actual
}

/// The summary as it is, and as a rebuild from the raw tables would make it (the rebuild is
/// rolled back).
async fn summary_and_rebuilt(
    db: &DatabaseConnection,
) -> (Vec<coverage_member::Model>, Vec<coverage_member::Model>) {
    let kept = coverage_member::Entity::find()
        .order_by_asc(coverage_member::Column::MemberId)
        .order_by_asc(coverage_member::Column::GroupId)
        .all(db)
        .await
        .unwrap();
    let txn = db.begin().await.unwrap();
    coverage::summary::rebuild(&txn).await.unwrap();
    let rebuilt = coverage_member::Entity::find()
        .order_by_asc(coverage_member::Column::MemberId)
        .order_by_asc(coverage_member::Column::GroupId)
        .all(&txn)
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    (kept, rebuilt)
}

#[tokio::test]
async fn coverage_equals_an_independent_computation_on_random_rosters() {
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    let mut courses = Vec::new();
    for title in ["Khóa A", "Khóa B", "Khóa C"] {
        courses.push(
            app.post("/api/v1/courses")
                .bearer(&admin.access_token)
                .json(&json!({"title": title}))
                .send()
                .await
                .expect(StatusCode::CREATED)
                .json()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let groups = cadre_group::Entity::find().all(&app.db).await.unwrap();
    let orgs: Vec<organisation::Model> = organisation::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| ["ubnd-01", "ubnd-79", "vtv", "hoi-lhpn"].contains(&o.code.as_str()))
        .collect();
    let provinces: Vec<province::Model> = province::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.is_current)
        .take(5)
        .collect();
    let now = Utc::now();

    for seed in 0..5u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        // Requirements: each group a random subset of the courses (maybe none).
        cadre_group_course::Entity::delete_many()
            .exec(&app.db)
            .await
            .unwrap();
        for g in &groups {
            for c in &courses {
                if rng.random_bool(0.5) {
                    cadre_group_course::ActiveModel {
                        group_id: Set(g.id),
                        course_id: Set(*c),
                        created_at: Set(now),
                    }
                    .insert(&app.db)
                    .await
                    .unwrap();
                }
            }
        }
        // People: some with accounts, some inactive, in random groups, orgs and provinces.
        for i in 0..30 {
            let account = if rng.random_bool(0.8) {
                let u = user::ActiveModel {
                    id: NotSet,
                    email: Set(format!("seed{seed}-{i}@example.test")),
                    password_hash: Set(None),
                    display_name: Set(format!("Người {i}")),
                    locale: Set("vi".into()),
                    email_verified_at: Set(Some(now)),
                    is_active: Set(true),
                    organisation_id: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&app.db)
                .await
                .unwrap();
                for c in &courses {
                    if rng.random_bool(0.7) {
                        let done = rng.random_bool(0.6);
                        enrolment::ActiveModel {
                            id: NotSet,
                            user_id: Set(u.id),
                            course_id: Set(*c),
                            source: Set("assigned".into()),
                            due_at: Set(None),
                            enrolled_at: Set(now - Duration::days(300)),
                            completed_at: Set(done.then(|| {
                                now - Duration::days(rng.random_range(0..200))
                                    - Duration::seconds(rng.random_range(0..86_400))
                            })),
                        }
                        .insert(&app.db)
                        .await
                        .unwrap();
                    }
                }
                Some(u.id)
            } else {
                None
            };
            let m = roster_member::ActiveModel {
                id: NotSet,
                organisation_id: Set(orgs[rng.random_range(0..orgs.len())].id),
                employee_id: Set(format!("S{seed}-{i}")),
                full_name: Set(format!("Người {i}")),
                email: Set(None),
                province_id: Set(rng
                    .random_bool(0.9)
                    .then(|| provinces[rng.random_range(0..provinces.len())].id)),
                position: Set(String::new()),
                active: Set(rng.random_bool(0.9)),
                user_id: Set(account),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&app.db)
            .await
            .unwrap();
            for g in &groups {
                if rng.random_bool(0.4) {
                    roster_member_group::ActiveModel {
                        member_id: Set(m.id),
                        group_id: Set(g.id),
                    }
                    .insert(&app.db)
                    .await
                    .unwrap();
                }
            }
        }

        // Raw rows bypass the domain: recompute the summary the reports read.
        coverage::summary::rebuild(&app.db).await.unwrap();
        let as_of = now - Duration::days(rng.random_range(0..150));
        let expected = independent(&app.db, as_of).await;
        let actual = reported(&app.db, as_of).await;
        assert_eq!(actual, expected, "seed {seed}, as of {as_of}");
        // One group computed alone gives that group's lines of the full computation.
        for g in &groups {
            let alone = coverage::lines_of(
                &app.db,
                &Scope::Everyone,
                By::Province,
                as_of,
                Some(&g.code),
            )
            .await
            .unwrap();
            let all: Vec<_> = coverage::lines(&app.db, &Scope::Everyone, By::Province, as_of)
                .await
                .unwrap()
                .into_iter()
                .filter(|l| l.group_code == g.code)
                .collect();
            assert_eq!(alone, all, "seed {seed}, group {}", g.code);
        }
    }

    // The API: admins and HR read it, learners do not.
    let report = app
        .get("/api/v1/coverage")
        .bearer(&admin.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(report.as_array().unwrap().len(), 4);
    let g = &report[0];
    let (members, completed, target) = (
        g["members"].as_i64().unwrap(),
        g["completed"].as_i64().unwrap(),
        g["target_percent"].as_i64().unwrap(),
    );
    assert_eq!(
        g["gap"].as_i64().unwrap(),
        ((target * members + 99) / 100 - completed).max(0)
    );
    app.get("/api/v1/coverage/hr-officers/province?as_of=2027-01-01")
        .bearer(&admin.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
    // Exports: CSV with a BOM and formulas defused, XLSX that opens.
    app.patch("/api/v1/cadre-groups/hr-officers")
        .bearer(&admin.access_token)
        .json(&json!({"name": "=HYPERLINK(\"http://evil.example\")"}))
        .send()
        .await
        .expect(StatusCode::OK);
    let csv = app
        .get("/api/v1/coverage/export.csv?by=province")
        .bearer(&admin.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    let text = csv.text();
    assert!(text.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    assert!(
        text.contains("Mã tỉnh") && text.contains("'=HYPERLINK"),
        "{text}"
    );
    assert!(!text.contains(",=HYPERLINK") && !text.contains("\n=HYPERLINK"));
    let xlsx = app
        .get("/api/v1/coverage/export.xlsx?lang=en")
        .bearer(&admin.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(xlsx.body.to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.get((0, 0)).unwrap().to_string(), "Cadre group");
    assert_eq!(sheet.height(), 5, "a header and the four groups");
    assert!(
        matches!(sheet.get((1, 1)), Some(calamine::Data::Float(_))),
        "numbers stay numbers"
    );

    let learner = app.user_with(&[]).await;
    app.get("/api/v1/coverage")
        .bearer(&learner.access_token)
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
}

/// The learner watches the whole video of the course's only module, which completes it.
async fn watch(app: &TestApp, s: &Session, slug: &str) {
    let view = app
        .get(&format!("/api/v1/learn/{slug}/modules/1"))
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let token = app.backdated(view["progress_token"].as_str().unwrap(), 3600);
    let beat = app
        .post("/api/v1/progress")
        .json(&json!({"token": token, "intervals": [[0, 120]], "position": 120.0}))
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(beat["module_complete"], true, "{beat}");
}

/// The summary equals a rebuild from the raw tables, and the reports equal the independent
/// computation.
async fn check(app: &TestApp, step: &str) {
    let (kept, rebuilt) = summary_and_rebuilt(&app.db).await;
    assert_eq!(kept, rebuilt, "after {step}");
    let now = Utc::now();
    assert_eq!(
        reported(&app.db, now).await,
        independent(&app.db, now).await,
        "after {step}"
    );
}

async fn completed(app: &TestApp, group: &str) -> (i64, i64) {
    let g = coverage::group(&app.db, &Scope::Everyone, Utc::now(), group)
        .await
        .unwrap();
    (g.members, g.completed)
}

async fn import(app: &TestApp, s: &Session, query: &str, csv: String) -> serde_json::Value {
    app.post(&format!("/api/v1/roster/imports?{query}"))
        .bearer(&s.access_token)
        .raw("text/csv", csv.into_bytes())
        .send()
        .await
        .expect(StatusCode::OK)
        .json()
}

/// No rebuild here: the roster import, courses completed by watching, a group's required
/// courses changed, a full re-import that deactivates someone and an account linked later
/// keep the summary up to date themselves, in their own transactions.
#[tokio::test]
async fn the_summary_follows_imports_completions_and_group_changes() {
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    let trainer = app.user_with(&[Role::Trainer]).await;
    let one = |title| ModuleSpec {
        title,
        video_s: 120.0,
        gift: None,
        rules: json!({}),
    };
    let (c1, slug1) = published_course(&app, &trainer, "Khóa một", &[one("Một")]).await;
    let (c2, slug2) = published_course(&app, &trainer, "Khóa hai", &[one("Hai")]).await;
    for (group, courses) in [
        ("hr-officers", json!([c1, c2])),
        ("info-comm-managers", json!([c1])),
    ] {
        app.patch(&format!("/api/v1/cadre-groups/{group}"))
            .bearer(&admin.access_token)
            .json(&json!({"course_ids": courses}))
            .send()
            .await
            .expect(StatusCode::OK);
    }
    let a = app.user_with(&[]).await;
    let b = app.user_with(&[]).await;
    let later = TestApp::unique_email("sau");
    let header =
        "employee id,full name,email,organisation code,province code,cadre groups,position\n";
    let report = import(
        &app,
        &admin,
        "",
        format!(
            "{header}P1,Người Một,{},ubnd-01,01,hr-officers,\n\
             P2,Người Hai,{},ubnd-79,79,\"hr-officers,info-comm-managers\",\n\
             P3,Người Ba,{later},ubnd-79,79,info-comm-managers,\n\
             P4,Người Bốn,,ubnd-01,01,hr-officers,\n",
            a.email, b.email
        ),
    )
    .await;
    assert_eq!(report["created"], 4, "{report}");
    check(&app, "the import").await;
    assert_eq!(completed(&app, "hr-officers").await, (3, 0));

    watch(&app, &a, &slug1).await;
    check(&app, "a first course").await;
    assert_eq!(completed(&app, "hr-officers").await, (3, 0));
    watch(&app, &a, &slug2).await;
    check(&app, "the last required course").await;
    assert_eq!(completed(&app, "hr-officers").await, (3, 1));
    watch(&app, &b, &slug1).await;
    check(&app, "another learner's course").await;
    assert_eq!(completed(&app, "info-comm-managers").await, (2, 1));
    assert_eq!(completed(&app, "hr-officers").await, (3, 1));

    // The group now requires the first course only: the second learner is complete too.
    app.patch("/api/v1/cadre-groups/hr-officers")
        .bearer(&admin.access_token)
        .json(&json!({"course_ids": [c1]}))
        .send()
        .await
        .expect(StatusCode::OK);
    check(&app, "the group's requirements changed").await;
    assert_eq!(completed(&app, "hr-officers").await, (3, 2));

    // A full re-import of ubnd-01: P4 is missing (inactive), P1 moves and joins a group.
    let report = import(
        &app,
        &admin,
        "full=true",
        format!(
            "{header}P1,Người Một,{},ubnd-01,79,\"hr-officers,info-comm-managers\",\n",
            a.email
        ),
    )
    .await;
    assert_eq!(report["deactivated"], 1, "{report}");
    check(&app, "a full re-import").await;
    assert_eq!(completed(&app, "hr-officers").await, (2, 2));
    assert_eq!(completed(&app, "info-comm-managers").await, (3, 2));

    // The third person signs up later: the account is linked, the course assigned, watched.
    let c = app.user_with(&[]).await;
    let txn = lms_domain::db::begin_write(&app.db).await.unwrap();
    lms_domain::roster::link_account(&txn, c.user_id, &later)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    check(&app, "an account linked").await;
    watch(&app, &c, &slug1).await;
    check(&app, "the linked account's course").await;
    assert_eq!(completed(&app, "info-comm-managers").await, (3, 3));
}
