//! Coverage figures equal an independent computation over the raw tables, on randomly
//! generated rosters, group requirements and completions (several seeds), per group, per
//! province and per organisation, as of random dates; and only HR and admins read them.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, Utc};
use http::StatusCode;
use lms_domain::Role;
use lms_domain::coverage::{self, By, Scope};
use lms_domain::entities::{
    cadre_group, cadre_group_course, enrolment, organisation, province, roster_member,
    roster_member_group, user,
};
use lms_tests::TestApp;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, EntityTrait, Set};
use serde_json::json;

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

        let as_of = now - Duration::days(rng.random_range(0..150));
        // The independent computation, over every raw row.
        let members = roster_member::Entity::find().all(&app.db).await.unwrap();
        let links = roster_member_group::Entity::find()
            .all(&app.db)
            .await
            .unwrap();
        let required = cadre_group_course::Entity::find()
            .all(&app.db)
            .await
            .unwrap();
        let enrolments = enrolment::Entity::find().all(&app.db).await.unwrap();
        let prov_code: HashMap<i64, String> =
            provinces.iter().map(|p| (p.id, p.code.clone())).collect();
        let org_code: HashMap<i64, String> = orgs.iter().map(|o| (o.id, o.code.clone())).collect();
        let mut expected: BTreeMap<(String, By, Option<String>), (i64, i64)> = BTreeMap::new();
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
        let mut actual: BTreeMap<(String, By, Option<String>), (i64, i64)> = BTreeMap::new();
        for by in [By::Group, By::Province, By::Organisation] {
            for l in coverage::lines(&app.db, &Scope::Everyone, by, as_of)
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
