//! Learning: watched intervals merged on the server, quiz attempts graded on the server
//! (limits, time limits, idempotent submission), completion, the event log, and the canary:
//! no answer reaches a learner before they submit.

use http::StatusCode;
use lms_domain::Role;
use lms_domain::learning::token::ProgressClaims;
use lms_tests::fixtures::{ModuleSpec, published_course};
use lms_tests::{Session, TestApp};
use serde_json::{Value, json};

/// Two questions with ids q1 and q2: a single choice (right: "Năm 1982") and a short answer.
const GIFT: &str = "// [id:q1]\n::q1:: Việt Nam gia nhập ICCPR năm nào? {=Năm 1982 ~Năm 1990 ~Năm 2000}\n\n// [id:q2]\n::q2:: CEDAW bảo vệ quyền của ai? {=phụ nữ}\n";

async fn learner_in(app: &TestApp, course_id: i64) -> Session {
    let s = app.user_with(&[]).await;
    app.post(&format!("/api/v1/courses/{course_id}/enrol"))
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::CREATED);
    s
}

async fn module_view(app: &TestApp, s: &Session, slug: &str, n: usize) -> Value {
    app.get(&format!("/api/v1/learn/{slug}/modules/{n}"))
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json()
}

async fn beat(app: &TestApp, token: &str, intervals: Value) -> Value {
    app.post("/api/v1/progress")
        .json(&json!({"token": token, "intervals": intervals, "position": 12.5}))
        .send()
        .await
        .expect(StatusCode::OK)
        .json()
}

/// As if `seconds` had passed since the learner's reports: their playback allowance on every
/// module fills as it would have meanwhile (up to its cap), since the server's clock cannot be
/// moved.
async fn time_passes(app: &TestApp, user_id: i64, seconds: i64) {
    use lms_domain::entities::module_progress;
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
    let rows = module_progress::Entity::find()
        .filter(module_progress::Column::UserId.eq(user_id))
        .all(&app.db)
        .await
        .unwrap();
    for row in rows {
        let from = row.budget_from - chrono::TimeDelta::seconds(seconds);
        let mut row = row.into_active_model();
        row.budget_from = Set(from);
        row.update(&app.db).await.unwrap();
    }
}

async fn start(app: &TestApp, s: &Session, slug: &str) -> Value {
    let res = app
        .post(&format!("/api/v1/learn/{slug}/modules/1/attempts"))
        .bearer(&s.access_token)
        .send()
        .await;
    assert!(
        res.status == StatusCode::CREATED || res.status == StatusCode::OK,
        "{}",
        res.text()
    );
    res.json()
}

async fn submit(
    app: &TestApp,
    s: &Session,
    attempt: i64,
    key: &str,
    answers: Value,
) -> (StatusCode, Value) {
    let res = app
        .post(&format!("/api/v1/attempts/{attempt}/submit"))
        .bearer(&s.access_token)
        .header("Idempotency-Key", key)
        .json(&json!({"responses": answers}))
        .send()
        .await;
    (res.status, res.json())
}

fn right_answers(attempt: &Value) -> Value {
    let q1 = attempt["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == "q1")
        .unwrap();
    let right = q1["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["text"] == "Năm 1982")
        .unwrap()["id"]
        .clone();
    json!({
        "q1": {"type": "single_choice", "option_id": right},
        "q2": {"type": "short_answer", "text": "Phụ nữ"},
    })
}

#[tokio::test]
async fn watching_counts_each_second_once_and_completion_needs_the_quiz() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let (c, slug) = published_course(
        &app,
        &t,
        "Công ước ICCPR",
        &[ModuleSpec {
            title: "Giới thiệu",
            video_s: 240.0,
            gift: Some(GIFT),
            rules: json!({}),
        }],
    )
    .await;
    let s = learner_in(&app, c).await;
    let view = module_view(&app, &s, &slug, 1).await;
    assert_eq!(view["progress"]["state"], "not_started");
    let tok = app.backdated(view["progress_token"].as_str().unwrap(), 3600);

    let a = beat(&app, &tok, json!([[0, 100]])).await;
    assert_eq!(a["watched_s"], 100.0);
    // The same report again, and reordered overlapping ones: nothing counts twice.
    assert_eq!(beat(&app, &tok, json!([[0, 100]])).await["added_s"], 0.0);
    time_passes(&app, s.user_id, 60).await;
    let a = beat(&app, &tok, json!([[50, 150], [0, 20]])).await;
    assert_eq!(
        (a["watched_s"].as_f64(), a["added_s"].as_f64()),
        (Some(150.0), Some(50.0))
    );
    // Skipping to the end counts only what was played there; past the end is clipped.
    let a = beat(&app, &tok, json!([[230, 300]])).await;
    assert_eq!(a["watched_s"], 160.0);
    assert_eq!(a["video_complete"], false);
    time_passes(&app, s.user_id, 60).await;
    let a = beat(&app, &tok, json!([[150, 230]])).await;
    assert_eq!(a["watched_s"], 240.0);
    assert_eq!(a["watched_percent"], 100.0);
    assert_eq!(a["video_complete"], true);
    assert_eq!(a["module_complete"], false, "the quiz is not passed yet");

    // Bad input: a forged or garbled token, intervals the wrong way round.
    let forged = format!("{}x", &tok[..tok.len() - 1]);
    let res = app
        .post("/api/v1/progress")
        .json(&json!({"token": forged, "intervals": [[0, 10]]}))
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(res.error_code(), "invalid_progress_token");
    app.post("/api/v1/progress")
        .json(&json!({"token": tok, "intervals": [[10, 5]]}))
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);

    // A report faster than real time at 2× is capped: a fresh page cannot claim the video.
    let other = learner_in(&app, c).await;
    let fresh = module_view(&app, &other, &slug, 1).await["progress_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = beat(&app, &fresh, json!([[0, 240]])).await;
    assert!(a["added_s"].as_f64().unwrap() <= 8.0, "{a}");
    assert!(a["refused_s"].as_f64().unwrap() >= 230.0, "{a}");

    // The quiz: a failed attempt, then a passed one completes the module and the course.
    let attempt = start(&app, &s, &slug).await;
    let (status, failed) = submit(
        &app,
        &s,
        attempt["id"].as_i64().unwrap(),
        "k1",
        json!({"q2": {"type": "short_answer", "text": "trẻ em"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{failed}");
    assert_eq!(failed["passed"], false);
    assert_eq!(failed["outcome"]["score_percent"], 0.0);
    let attempt = start(&app, &s, &slug).await;
    assert_eq!(attempt["number"], 2);
    let (_, passed) = submit(
        &app,
        &s,
        attempt["id"].as_i64().unwrap(),
        "k2",
        right_answers(&attempt),
    )
    .await;
    assert_eq!(passed["passed"], true, "{passed}");
    assert_eq!(passed["outcome"]["score_percent"], 100.0);
    assert_eq!(passed["module_complete"], true);
    assert_eq!(passed["course_complete"], true);

    let view = module_view(&app, &s, &slug, 1).await;
    assert_eq!(view["progress"]["state"], "complete");
    assert_eq!(view["progress"]["best_score_percent"], 100.0);
    let mine = app
        .get("/api/v1/me/learning")
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(mine[0]["percent"], 100.0);
    assert!(mine[0]["completed_at"].is_string());

    // Completion only moves forward: a later failed attempt changes nothing.
    let attempt = start(&app, &s, &slug).await;
    let (_, again) = submit(&app, &s, attempt["id"].as_i64().unwrap(), "k3", json!({})).await;
    assert_eq!(again["passed"], false);
    assert_eq!(again["module_complete"], true);
    assert_eq!(
        module_view(&app, &s, &slug, 1).await["progress"]["state"],
        "complete"
    );

    // Every learning event is in the log, as xAPI-like statements.
    let statements = app
        .get("/api/v1/me/statements?limit=1000")
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let verbs: Vec<&str> = statements
        .as_array()
        .unwrap()
        .iter()
        .map(|st| st["verb"]["display"]["en"].as_str().unwrap())
        .collect();
    let count = |v: &str| verbs.iter().filter(|x| **x == v).count();
    assert_eq!(count("played"), 5, "{verbs:?}");
    assert_eq!(count("attempted"), 3);
    assert_eq!(count("failed"), 2);
    assert_eq!(count("passed"), 1);
    assert_eq!(count("completed"), 2, "the module and the course");
    let completed_course = statements
        .as_array()
        .unwrap()
        .iter()
        .find(|st| st["object"]["definition"]["type"] == "course")
        .unwrap();
    assert_eq!(
        completed_course["actor"]["account"]["name"],
        s.user_id.to_string()
    );
    assert_eq!(
        completed_course["verb"]["id"],
        "http://adlnet.gov/expapi/verbs/completed"
    );
    // The log is append-only.
    let backend = app.db.get_database_backend();
    use sea_orm::ConnectionTrait;
    assert!(
        app.db
            .execute_raw(sea_orm::Statement::from_string(
                backend,
                "DELETE FROM learning_events"
            ))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn attempts_are_limited_timed_and_graded_once_per_key() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let (c, slug) = published_course(
        &app,
        &t,
        "Công ước CEDAW",
        &[ModuleSpec {
            title: "CEDAW",
            video_s: 200.0,
            gift: Some(GIFT),
            rules: json!({"max_attempts": 2, "quiz_time_limit_min": 10}),
        }],
    )
    .await;
    let s = learner_in(&app, c).await;
    let first = start(&app, &s, &slug).await;
    assert!(first["deadline_at"].is_string());
    // Starting again resumes the attempt in progress, with the same questions.
    let again = start(&app, &s, &slug).await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["questions"], first["questions"]);

    // Someone else cannot read or submit it.
    let intruder = learner_in(&app, c).await;
    let id = first["id"].as_i64().unwrap();
    app.get(&format!("/api/v1/attempts/{id}"))
        .bearer(&intruder.access_token)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    let (status, _) = submit(&app, &intruder, id, "x", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The same key returns the same result and grades once; another key is refused.
    let (s1, r1) = submit(&app, &s, id, "same-key", right_answers(&first)).await;
    let (s2, r2) = submit(&app, &s, id, "same-key", json!({})).await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    assert_eq!(r1, r2);
    assert_eq!(r1["passed"], true);
    let (s3, _) = submit(&app, &s, id, "other-key", json!({})).await;
    assert_eq!(s3, StatusCode::CONFLICT);
    assert_eq!(
        app.count("learning_events WHERE verb IN ('passed', 'failed')")
            .await,
        1
    );

    // The second attempt runs out of time: the late answers do not count.
    let second = start(&app, &s, &slug).await;
    assert_eq!(second["number"], 2);
    let backend = app.db.get_database_backend();
    use sea_orm::ConnectionTrait;
    let past = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    app.db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DatabaseBackend::Postgres => {
                    "UPDATE quiz_attempts SET deadline_at = $1::timestamptz WHERE id = $2"
                }
                _ => "UPDATE quiz_attempts SET deadline_at = ? WHERE id = ?",
            },
            [past.into(), second["id"].as_i64().unwrap().into()],
        ))
        .await
        .unwrap();
    let (_, late) = submit(
        &app,
        &s,
        second["id"].as_i64().unwrap(),
        "late",
        right_answers(&second),
    )
    .await;
    assert_eq!(late["expired"], true);
    assert_eq!(late["passed"], false);
    assert_eq!(late["outcome"]["score_percent"], 0.0);

    // Two attempts allowed: a third is refused.
    let res = app
        .post(&format!("/api/v1/learn/{slug}/modules/1/attempts"))
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::CONFLICT);
    assert!(res.text().contains("attempts"), "{}", res.text());
    // The learner can review both.
    let list = app
        .get(&format!("/api/v1/learn/{slug}/modules/1/attempts"))
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["result"]["passed"], true);
    assert!(list[0]["questions"].is_null());
}

#[tokio::test]
async fn concurrent_reports_are_merged_exactly() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let (c, slug) = published_course(
        &app,
        &t,
        "Công ước CRC",
        &[ModuleSpec {
            title: "CRC",
            video_s: 300.0,
            gift: None,
            rules: json!({"min_watched_percent": 50}),
        }],
    )
    .await;
    let s = learner_in(&app, c).await;
    let tok = app.backdated(
        module_view(&app, &s, &slug, 1).await["progress_token"]
            .as_str()
            .unwrap(),
        3600,
    );
    // 55 reports of overlapping 10-second windows every 2 seconds, sent all at once, each
    // twice, in a scrambled order (118 s: less than a full playback allowance holds).
    let mut windows: Vec<(i64, i64)> = (0..55).map(|i| (i * 2, i * 2 + 10)).collect();
    windows.extend(windows.clone());
    windows.sort_by_key(|(s, _)| (s * 7919) % 113);
    let futures = windows.iter().map(|(a, b)| {
        let tok = tok.clone();
        let app = &app;
        async move { beat(app, &tok, json!([[a, b]])).await }
    });
    let acks = futures_util::future::join_all(futures).await;
    let added: f64 = acks.iter().map(|a| a["added_s"].as_f64().unwrap()).sum();
    assert!((added - 118.0).abs() < 1e-6, "added {added}");
    let view = module_view(&app, &s, &slug, 1).await;
    assert!((view["progress"]["watched_percent"].as_f64().unwrap() - 118.0 / 3.0).abs() < 1e-6);
    assert_eq!(
        app.count("learning_events WHERE verb = 'played'").await,
        110
    );
    // No quiz and 39 % of the video watched with 50 % required: not complete yet.
    assert_eq!(view["progress"]["state"], "in_progress");
    time_passes(&app, s.user_id, 60).await;
    let a = beat(&app, &tok, json!([[118, 160]])).await;
    assert_eq!(a["module_complete"], true);
    assert_eq!(a["course_complete"], true);
}

/// A quiz whose secrets are unique strings: none may appear in anything a learner can fetch
/// before submitting.
const CANARY_GIFT: &str = "// [id:c1]\n::c1:: Câu hỏi một {=Đáp án A#CANARY-FEEDBACK-RIGHT ~Đáp án B#CANARY-FEEDBACK-WRONG ####CANARY-GENERAL}\n\n// [id:c2]\n::c2:: Câu hỏi hai {=CANARY-SHORT-ANSWER =%50%CANARY-HALF-ANSWER}\n\n// [id:c3]\n::c3:: Câu hỏi ba {T#CANARY-TF-WRONG#CANARY-TF-RIGHT}\n\n// [id:c4]\n::c4:: Câu hỏi bốn {#31415.9265:0.0001}\n";
const CANARIES: &[&str] = &[
    "CANARY-FEEDBACK-RIGHT",
    "CANARY-FEEDBACK-WRONG",
    "CANARY-GENERAL",
    "CANARY-SHORT-ANSWER",
    "CANARY-HALF-ANSWER",
    "CANARY-TF-WRONG",
    "CANARY-TF-RIGHT",
    "31415.9265",
    "weight",
    "accepted",
];

#[tokio::test]
async fn no_answer_reaches_the_learner_before_submitting() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let (c, slug) = published_course(
        &app,
        &t,
        "Khóa học canary",
        &[ModuleSpec {
            title: "Canary",
            video_s: 200.0,
            gift: Some(CANARY_GIFT),
            rules: json!({}),
        }],
    )
    .await;
    let s = learner_in(&app, c).await;
    let attempt = start(&app, &s, &slug).await;
    let id = attempt["id"].as_i64().unwrap();
    let mut seen = vec![("start attempt".to_owned(), attempt.to_string())];
    for path in [
        format!("/api/v1/attempts/{id}"),
        format!("/api/v1/learn/{slug}/modules/1"),
        format!("/api/v1/learn/{slug}/modules/1/attempts"),
        format!("/api/v1/courses/{slug}"),
        "/api/v1/me/learning".to_owned(),
        "/api/v1/me/statements".to_owned(),
    ] {
        let res = app
            .get(&path)
            .bearer(&s.access_token)
            .send()
            .await
            .expect(StatusCode::OK);
        seen.push((path, res.text()));
    }
    // The pages, as the browser gets them.
    let base = app.serve().await;
    let (client, _) = lms_tests::browser_login(&base, &s).await;
    for path in [
        format!("/courses/{slug}"),
        format!("/learn/{slug}/1"),
        format!("/learn/{slug}/1/attempts/{id}"),
        "/my".to_owned(),
    ] {
        let res = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        seen.push((path, res.text().await.unwrap()));
    }
    for (what, body) in &seen {
        for canary in CANARIES {
            assert!(!body.contains(canary), "{canary} leaked in {what}");
        }
    }
    // The questions are there (so the check above looked at real content).
    assert!(seen.iter().any(|(_, b)| b.contains("Câu hỏi bốn")));
    assert!(
        seen.iter()
            .any(|(w, b)| w.contains("/attempts/") && b.contains("Đáp án B"))
    );

    // The learner JSON of a question holds no authored option id.
    let c1 = attempt["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == "c1")
        .unwrap();
    for o in c1["options"].as_array().unwrap() {
        assert!(!["a", "b"].contains(&o["id"].as_str().unwrap()), "{c1}");
    }

    // A failed attempt (the default policy, no attempt limit): the score, nothing else.
    let wrong = option_id(&attempt, "c1", "Đáp án B");
    let (_, graded) = submit(
        &app,
        &s,
        id,
        "k",
        json!({"c1": {"type": "single_choice", "option_id": wrong}}),
    )
    .await;
    assert_eq!(graded["passed"], false);
    assert_eq!(graded["correctness_shown"], false);
    for canary in CANARIES {
        assert!(!graded.to_string().contains(canary), "{canary}: {graded}");
    }
}

/// The id the attempt shows for the option of question `q` whose text is `text`.
fn option_id(attempt: &Value, q: &str, text: &str) -> Value {
    let question = attempt["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == q)
        .unwrap_or_else(|| panic!("no question {q} in {attempt}"));
    question["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["text"] == text)
        .unwrap_or_else(|| panic!("no option {text} in {question}"))["id"]
        .clone()
}

async fn start_module(app: &TestApp, s: &Session, slug: &str, n: usize) -> Value {
    let res = app
        .post(&format!("/api/v1/learn/{slug}/modules/{n}/attempts"))
        .bearer(&s.access_token)
        .send()
        .await;
    assert!(
        res.status == StatusCode::CREATED || res.status == StatusCode::OK,
        "{}",
        res.text()
    );
    res.json()
}

/// Every option and matching prompt id an attempt shows.
fn shown_ids(attempt: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    for q in attempt["questions"].as_array().unwrap() {
        for list in ["options", "prompts"] {
            for o in q[list].as_array().into_iter().flatten() {
                ids.push(o["id"].as_str().unwrap().to_owned());
            }
        }
    }
    ids
}

async fn set_show_correctness(app: &TestApp, course_id: i64, policy: &str) {
    use sea_orm::ConnectionTrait;
    let backend = app.db.get_database_backend();
    app.db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DatabaseBackend::Postgres => {
                    "UPDATE courses SET show_correctness = $1 WHERE id = $2"
                }
                _ => "UPDATE courses SET show_correctness = ? WHERE id = ?",
            },
            [policy.into(), course_id.into()],
        ))
        .await
        .unwrap();
}

/// The demo course's trainers put the right answer first in most choice questions, and the
/// options' ids were "a", "b", ... in authoring order: answering "a" everywhere passed.
#[tokio::test]
async fn answering_the_authored_first_option_does_not_pass_the_demo_course() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../courses/human-rights-treaties/quizzes");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.to_string_lossy().ends_with(".en.gift"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 8);
    let gifts: Vec<String> = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let specs: Vec<ModuleSpec> = gifts
        .iter()
        .enumerate()
        .map(|(i, g)| ModuleSpec {
            title: ["Một", "Hai", "Ba", "Bốn", "Năm", "Sáu", "Bảy", "Tám"][i],
            video_s: 200.0,
            gift: Some(g),
            rules: json!({}),
        })
        .collect();
    let (c, slug) = published_course(&app, &t, "Bảy công ước", &specs).await;
    let s = learner_in(&app, c).await;
    let authored: Vec<String> = (0..26).map(lms_domain::quiz::model::option_id).collect();
    let mut choice_questions = 0;
    for n in 1..=8 {
        let attempt = start_module(&app, &s, &slug, n).await;
        let ids = shown_ids(&attempt);
        let mut answers = serde_json::Map::new();
        for q in attempt["questions"].as_array().unwrap() {
            let answer = match q["type"].as_str().unwrap() {
                "single_choice" => json!({"type": "single_choice", "option_id": "a"}),
                "multiple_choice" => json!({"type": "multiple_choice", "option_ids": ["a"]}),
                _ => continue,
            };
            choice_questions += 1;
            answers.insert(q["id"].as_str().unwrap().to_owned(), answer);
        }
        let (status, graded) = submit(
            &app,
            &s,
            attempt["id"].as_i64().unwrap(),
            &format!("a-{n}"),
            Value::Object(answers),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{graded}");
        assert_eq!(graded["passed"], false, "module {n}: {graded}");
        assert_eq!(
            graded["outcome"]["score_percent"], 0.0,
            "module {n}: {graded}"
        );
        assert!(
            ids.iter().all(|id| !authored.contains(id)),
            "module {n} shows authored ids: {ids:?}"
        );

        // The next attempt shows other ids.
        let next = start_module(&app, &s, &slug, n).await;
        assert_ne!(next["id"], attempt["id"]);
        let next_ids = shown_ids(&next);
        assert!(!next_ids.is_empty());
        assert!(
            next_ids.iter().all(|id| !ids.contains(id)),
            "module {n}: {ids:?} {next_ids:?}"
        );
    }
    assert!(choice_questions >= 30, "{choice_questions}");
}

/// Under the default policy a failed attempt that leaves attempts tells only the score; the
/// last attempt, or passing, shows everything. The course may show it after every attempt,
/// or never.
#[tokio::test]
async fn correctness_is_shown_only_when_the_course_allows_it() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let (c, slug) = published_course(
        &app,
        &t,
        "Khóa học đáp án",
        &[ModuleSpec {
            title: "Đáp án",
            video_s: 200.0,
            gift: Some(CANARY_GIFT),
            rules: json!({"max_attempts": 2}),
        }],
    )
    .await;
    let s = learner_in(&app, c).await;
    let base = app.serve().await;
    let (client, _) = lms_tests::browser_login(&base, &s).await;
    let page_of = |id: i64| {
        let client = client.clone();
        let url = format!("{base}/learn/{slug}/1/attempts/{id}");
        async move {
            let res = client.get(url).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            res.text().await.unwrap()
        }
    };
    let wrong_answers = |attempt: &Value| {
        json!({
            "c1": {"type": "single_choice", "option_id": option_id(attempt, "c1", "Đáp án B")},
            "c2": {"type": "short_answer", "text": "sai"},
            "c3": {"type": "true_false", "answer": false},
        })
    };

    let first = start(&app, &s, &slug).await;
    let first_id = first["id"].as_i64().unwrap();
    let (_, graded) = submit(&app, &s, first_id, "k1", wrong_answers(&first)).await;
    assert_eq!(graded["passed"], false);
    assert_eq!(graded["correctness_shown"], false);
    assert_eq!(graded["attempts_left"], 1);
    assert_eq!(graded["outcome"]["outcomes"], json!([]));
    assert_eq!(graded["outcome"]["score_percent"], 0.0);
    let shown = app
        .get(&format!("/api/v1/attempts/{first_id}"))
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .text();
    let listed = app
        .get(&format!("/api/v1/learn/{slug}/modules/1/attempts"))
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .text();
    let page = page_of(first_id).await;
    assert!(page.contains("quiz-correctness-hidden"), "{page}");
    for (what, body) in [
        ("submit", graded.to_string()),
        ("show", shown),
        ("list", listed),
        ("page", page),
    ] {
        for canary in CANARIES {
            assert!(!body.contains(canary), "{canary} in {what}: {body}");
        }
        for flag in ["\"correct\"", "question-outcome", "feedback\""] {
            assert!(!body.contains(flag), "{flag} in {what}: {body}");
        }
    }

    // The last attempt: now the learner sees what was right, in both attempts.
    let second = start(&app, &s, &slug).await;
    let (_, graded) = submit(
        &app,
        &s,
        second["id"].as_i64().unwrap(),
        "k2",
        wrong_answers(&second),
    )
    .await;
    assert_eq!(graded["attempts_left"], 0);
    assert_eq!(graded["correctness_shown"], true, "{graded}");
    assert_eq!(graded["outcome"]["outcomes"][0]["correct"], false);
    assert!(graded.to_string().contains("CANARY-FEEDBACK-WRONG"));
    let first_again = app
        .get(&format!("/api/v1/attempts/{first_id}"))
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(first_again["result"]["correctness_shown"], true);
    assert!(page_of(first_id).await.contains("CANARY-FEEDBACK-WRONG"));

    // A course that shows correctness after every attempt.
    set_show_correctness(&app, c, "after_each_attempt").await;
    let other = learner_in(&app, c).await;
    let attempt = start(&app, &other, &slug).await;
    let (_, graded) = submit(
        &app,
        &other,
        attempt["id"].as_i64().unwrap(),
        "k",
        wrong_answers(&attempt),
    )
    .await;
    assert_eq!(graded["attempts_left"], 1);
    assert_eq!(graded["correctness_shown"], true);
    assert!(graded.to_string().contains("CANARY-FEEDBACK-WRONG"));

    // A course that never shows it, even after passing.
    set_show_correctness(&app, c, "never").await;
    let third = learner_in(&app, c).await;
    let attempt = start(&app, &third, &slug).await;
    let (_, graded) = submit(
        &app,
        &third,
        attempt["id"].as_i64().unwrap(),
        "k",
        json!({
            "c1": {"type": "single_choice", "option_id": option_id(&attempt, "c1", "Đáp án A")},
            "c2": {"type": "short_answer", "text": "CANARY-SHORT-ANSWER"},
            "c3": {"type": "true_false", "answer": true},
            "c4": {"type": "numeric", "value": 31415.9265},
        }),
    )
    .await;
    assert_eq!(graded["passed"], true, "{graded}");
    assert_eq!(graded["correctness_shown"], false);
    assert_eq!(graded["outcome"]["outcomes"], json!([]));
    assert!(!graded.to_string().contains("CANARY-FEEDBACK-RIGHT"));
}

/// course.yaml says when learners see which answers were right; the default is after passing
/// or the last attempt, and a value it does not know is a problem of course.yaml.
#[tokio::test]
async fn course_yaml_sets_when_correctness_is_shown() {
    use lms_domain::courses::ShowCorrectness;
    use lms_domain::courses::files::{apply, read_folder};
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    let src =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../courses/human-rights-treaties");
    let folder = read_folder(&src).unwrap();
    assert_eq!(
        folder.show_correctness,
        ShowCorrectness::AfterPassingOrLastAttempt
    );
    let (_, c) = apply(&app.db, &folder, admin.user_id).await.unwrap();
    assert_eq!(c.show_correctness, "after_passing_or_last_attempt");

    let copy = app.data_dir().join("course-policy");
    copy_dir(&src, &copy);
    let yaml = copy.join("course.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, format!("{text}show_correctness: never\n")).unwrap();
    let edited = read_folder(&copy).unwrap();
    assert_eq!(edited.show_correctness, ShowCorrectness::Never);
    let (_, c) = apply(&app.db, &edited, admin.user_id).await.unwrap();
    assert_eq!(c.show_correctness, "never");

    std::fs::write(&yaml, format!("{text}show_correctness: always\n")).unwrap();
    let problems = read_folder(&copy).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.file == "course.yaml" && p.message.contains("always")),
        "{problems:?}"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A repeat of a submission with the same Idempotency-Key gets exactly the first body, also
/// when the first one completed the module and the course.
#[tokio::test]
async fn a_repeated_submission_returns_the_first_body_byte_for_byte() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let (c, slug) = published_course(
        &app,
        &t,
        "Khóa học lặp lại",
        &[ModuleSpec {
            title: "Lặp lại",
            video_s: 240.0,
            gift: Some(GIFT),
            rules: json!({}),
        }],
    )
    .await;
    let s = learner_in(&app, c).await;
    let view = module_view(&app, &s, &slug, 1).await;
    let tok = app.backdated(view["progress_token"].as_str().unwrap(), 3600);
    // The allowance holds at most about two minutes of playback: watch in two halves.
    beat(&app, &tok, json!([[0, 120]])).await;
    time_passes(&app, s.user_id, 60).await;
    assert_eq!(
        beat(&app, &tok, json!([[120, 240]])).await["video_complete"],
        true
    );

    let attempt = start(&app, &s, &slug).await;
    let id = attempt["id"].as_i64().unwrap();
    let send = |answers: Value| {
        app.post(&format!("/api/v1/attempts/{id}/submit"))
            .bearer(&s.access_token)
            .header("Idempotency-Key", "once")
            .json(&json!({"responses": answers}))
            .send()
    };
    let first = send(right_answers(&attempt)).await.expect(StatusCode::OK);
    let first_body = first.text();
    let graded = first.json();
    assert_eq!(graded["module_complete"], true, "{graded}");
    assert_eq!(graded["course_complete"], true, "{graded}");
    for _ in 0..2 {
        let again = send(json!({})).await.expect(StatusCode::OK);
        assert_eq!(again.text(), first_body);
    }
    // Looking the attempt up later still tells that it completed the module.
    let shown = app
        .get(&format!("/api/v1/attempts/{id}"))
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(shown["result"]["module_complete"], true);
    assert_eq!(shown["result"]["course_complete"], true);
}

/// Reports of `user_id` on `module_uid` (a 300 s video), as the player sends them, received
/// now by a page opened a day ago (a full playback allowance: up to 126 s are counted).
fn reports_of(
    user_id: i64,
    course_id: i64,
    module_uid: &str,
    intervals: &[(f64, f64)],
) -> Vec<lms_domain::learning::progress::Report> {
    let now = chrono::Utc::now();
    let claims = ProgressClaims {
        user_id,
        course_id,
        module_uid: module_uid.into(),
        duration_ms: 300_000,
        min_watched_percent: 90,
        quiz_required: true,
        issued_at: now.timestamp() - 86_400,
        expires_at: now.timestamp() + 86_400,
    };
    intervals
        .iter()
        .map(|&(s, e)| {
            lms_domain::learning::progress::Report::from_seconds(claims.clone(), &[(s, e)], e, now)
                .unwrap()
        })
        .collect()
}

async fn progress_row(app: &TestApp, user_id: i64, module_uid: &str) -> (String, i64, i32) {
    use lms_domain::entities::module_progress;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let row = module_progress::Entity::find()
        .filter(module_progress::Column::UserId.eq(user_id))
        .filter(module_progress::Column::ModuleUid.eq(module_uid))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a progress row");
    (row.intervals, row.watched_ms, row.reports)
}

/// The claims of a page view of `module_uid` (a 240 s video) opened at `opened`.
fn page_view(
    user_id: i64,
    course_id: i64,
    module_uid: &str,
    opened: chrono::DateTime<chrono::Utc>,
) -> ProgressClaims {
    ProgressClaims {
        user_id,
        course_id,
        module_uid: module_uid.into(),
        duration_ms: 240_000,
        min_watched_percent: 90,
        quiz_required: true,
        issued_at: opened.timestamp(),
        expires_at: opened.timestamp() + 12 * 3600,
    }
}

/// Applies, alone in its batch, the report of `claims` playing `from`–`to` (seconds) received
/// at `at`; the clock of these reports is the test's.
async fn report_at(
    app: &TestApp,
    claims: &ProgressClaims,
    (from, to): (f64, f64),
    at: chrono::DateTime<chrono::Utc>,
) -> lms_domain::learning::progress::Ack {
    let report =
        lms_domain::learning::progress::Report::from_seconds(claims.clone(), &[(from, to)], to, at)
            .unwrap();
    lms_domain::learning::progress::apply(&app.db, &[report])
        .await
        .unwrap()
        .remove(0)
}

/// A whole second a while ago, so that the reports' clock (`report_at`) runs ahead freely.
fn a_while_ago() -> chrono::DateTime<chrono::Utc> {
    let t = chrono::Utc::now() - chrono::TimeDelta::days(3);
    chrono::DateTime::from_timestamp(t.timestamp(), 0).unwrap()
}

#[tokio::test]
async fn two_page_views_share_one_playback_allowance() {
    use chrono::TimeDelta;
    use lms_domain::learning::allowance::{MAX_PLAYBACK_RATE, SLACK_MS};
    let app = TestApp::new().await;
    let (course_id, s) = course_and_learner(&app, "Hai trang").await;
    // Two page views of the module, a second apart; then their tokens take turns, 40
    // reports within a second, each claiming the next 6 s of the video (as in the report
    // of the bypass: 100 % of a 240 s video in 0.9 s).
    let t0 = a_while_ago();
    let views = [
        page_view(s.user_id, course_id, "two-views", t0),
        page_view(
            s.user_id,
            course_id,
            "two-views",
            t0 + TimeDelta::seconds(1),
        ),
    ];
    let mut last = t0;
    let mut ack = None;
    for k in 0..40 {
        last = t0 + TimeDelta::seconds(1) + TimeDelta::milliseconds(25 * k);
        let from = 6.0 * k as f64;
        ack = Some(report_at(&app, &views[k as usize % 2], (from, from + 6.0), last).await);
    }
    let ack = ack.unwrap();
    // No more than the first page view's wall-clock time at 2× allows, with the slack.
    let allowed = SLACK_MS + ((last - t0).num_milliseconds() as f64 * MAX_PLAYBACK_RATE) as i64;
    assert!(
        ack.watched_ms <= allowed,
        "{} ms watched in {:?}, at most {allowed} allowed",
        ack.watched_ms,
        last - t0
    );
    assert!(!ack.video_complete);
    // A third page view opened later adds nothing either.
    let later = page_view(s.user_id, course_id, "two-views", last);
    let more = report_at(&app, &later, (0.0, 240.0), last).await;
    assert_eq!(more.added_ms, 0, "{more:?}");
}

#[tokio::test]
async fn a_learner_back_after_a_long_pause_counts_no_more_than_the_cap() {
    use chrono::TimeDelta;
    use lms_domain::learning::allowance::ALLOWANCE_CAP_MS;
    let app = TestApp::new().await;
    let (course_id, s) = course_and_learner(&app, "Quay lại").await;
    let t0 = a_while_ago();
    // A minute at 1× with heartbeats every 10 s, all of it counted.
    let view = page_view(s.user_id, course_id, "pause", t0);
    for k in 1..=6 {
        let at = t0 + TimeDelta::seconds(10 * k);
        let ack = report_at(&app, &view, ((10 * k - 10) as f64, (10 * k) as f64), at).await;
        assert_eq!((ack.added_ms, ack.refused_ms), (10_000, 0), "{k}");
    }
    // A day later, the rest at once, from the old page view or a new one: the cap, no more.
    let back = t0 + TimeDelta::days(1);
    let ack = report_at(&app, &view, (60.0, 240.0), back).await;
    assert_eq!(ack.added_ms, ALLOWANCE_CAP_MS);
    assert_eq!(ack.refused_ms, 180_000 - ALLOWANCE_CAP_MS);
    let new_view = page_view(s.user_id, course_id, "pause", back);
    let ack = report_at(&app, &new_view, (60.0, 240.0), back).await;
    assert_eq!(ack.added_ms, 0, "{ack:?}");
    // Then 2× the wall-clock time, as for anyone.
    let ack = report_at(
        &app,
        &new_view,
        (60.0, 240.0),
        back + TimeDelta::seconds(10),
    )
    .await;
    assert_eq!(ack.added_ms, 20_000, "{ack:?}");

    // A first report from a page opened a day ago: the cap too.
    let other = app.user_with(&[]).await;
    let old_view = page_view(other.user_id, course_id, "pause", t0);
    let ack = report_at(&app, &old_view, (0.0, 240.0), back).await;
    assert_eq!(ack.added_ms, ALLOWANCE_CAP_MS);
}

#[tokio::test]
async fn page_views_taking_turns_count_no_faster_than_one() {
    use lms_domain::learning::allowance::{MAX_PLAYBACK_RATE, SLACK_MS};
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let (c, slug) = published_course(
        &app,
        &t,
        "Hai thẻ",
        &[ModuleSpec {
            title: "Hai thẻ",
            video_s: 240.0,
            gift: None,
            rules: json!({}),
        }],
    )
    .await;
    let s = learner_in(&app, c).await;
    // The token's issue time is a whole second: the page views may date from a second back.
    let started = chrono::Utc::now() - chrono::TimeDelta::seconds(1);
    let mut tokens = Vec::new();
    for second in 0..2 {
        if second > 0 {
            // Tokens are issued in whole seconds: the second page view in the next one.
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        }
        let view = module_view(&app, &s, &slug, 1).await;
        tokens.push(view["progress_token"].as_str().unwrap().to_owned());
    }
    let mut a = Value::Null;
    for k in 0..40 {
        a = beat(&app, &tokens[k % 2], json!([[6 * k, 6 * k + 6]])).await;
    }
    let wall_ms = (chrono::Utc::now() - started).num_milliseconds();
    let allowed_s = (SLACK_MS as f64 + wall_ms as f64 * MAX_PLAYBACK_RATE) / 1000.0;
    let watched_s = a["watched_s"].as_f64().unwrap();
    assert!(
        watched_s <= allowed_s,
        "{watched_s} s watched in {wall_ms} ms, at most {allowed_s} s allowed: {a}"
    );
    assert_eq!(a["video_complete"], false, "{a}");
}

#[tokio::test]
async fn honest_playback_at_1x_and_2x_is_counted_in_full() {
    use chrono::TimeDelta;
    let app = TestApp::new().await;
    let (course_id, s) = course_and_learner(&app, "Xem thật").await;
    for (rate, module_uid) in [(1, "at-1x"), (2, "at-2x")] {
        // One page view; playback starts at once, a heartbeat every 10 s, one at the end.
        let t0 = a_while_ago();
        let view = page_view(s.user_id, course_id, module_uid, t0);
        let step = 10.0 * rate as f64;
        let mut played = 0.0;
        let mut at = t0;
        while played < 240.0 {
            at += TimeDelta::seconds(10);
            let to = (played + step).min(240.0);
            let ack = report_at(&app, &view, (played, to), at).await;
            assert_eq!(
                (ack.added_ms, ack.refused_ms),
                (((to - played) * 1000.0) as i64, 0),
                "{rate}× at {played} s"
            );
            played = to;
            if played >= 240.0 {
                assert!(ack.video_complete);
                assert_eq!(ack.watched_ms, 240_000);
            }
        }
    }
}

/// Another server writes `sql` in a transaction that stays open while this server applies
/// `reports`; nothing either wrote may be lost.
async fn apply_during(
    app: &TestApp,
    sql: &str,
    reports: Vec<lms_domain::learning::progress::Report>,
) -> Vec<lms_domain::learning::progress::Ack> {
    use sea_orm::ConnectionTrait;
    let other = lms_domain::db::begin_write(&app.db).await.unwrap();
    other.execute_unprepared(sql).await.unwrap();
    let db = app.db.clone();
    let applying =
        tokio::spawn(async move { lms_domain::learning::progress::apply(&db, &reports).await });
    // Long enough for the batch to read the row as it was and block on the other write.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        !applying.is_finished(),
        "the batch must wait for the other writer"
    );
    other.commit().await.unwrap();
    applying.await.unwrap().expect("the batch is applied")
}

/// A draft course of a new trainer's (its id), and a learner.
async fn course_and_learner(app: &TestApp, title: &str) -> (i64, Session) {
    let t = app.user_with(&[Role::Trainer]).await;
    let course: Value = app
        .post("/api/v1/courses")
        .bearer(&t.access_token)
        .json(&json!({"title": title, "summary": "Tóm tắt"}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json();
    (course["id"].as_i64().unwrap(), app.user_with(&[]).await)
}

#[tokio::test]
async fn a_batch_that_meets_another_servers_write_loses_neither() {
    let app = TestApp::new().await;
    let (course_id, s) = course_and_learner(&app, "Đồng thời").await;

    // The row exists (0–10 s watched). Another server merges 100–110 s into it while this
    // server merges 10–20 s: written over a stale read, one of the two would vanish.
    let first = reports_of(s.user_id, course_id, "race-update", &[(0.0, 10.0)]);
    lms_domain::learning::progress::apply(&app.db, &first)
        .await
        .unwrap();
    let acks = apply_during(
        &app,
        &format!(
            "UPDATE module_progress SET intervals = '[[0,10000],[100000,110000]]', \
             watched_ms = 20000, reports = reports + 1 \
             WHERE user_id = {} AND module_uid = 'race-update'",
            s.user_id
        ),
        reports_of(s.user_id, course_id, "race-update", &[(10.0, 20.0)]),
    )
    .await;
    assert_eq!(acks[0].watched_ms, 30_000);
    assert_eq!(acks[0].added_ms, 10_000);
    assert_eq!(
        progress_row(&app, s.user_id, "race-update").await,
        ("[[0,20000],[100000,110000]]".into(), 30_000, 3)
    );

    // No row yet: another server creates it (50–60 s, its allowance long full) while this
    // server's first report on the module (0–10 s) is being applied.
    let acks = apply_during(
        &app,
        &format!(
            "INSERT INTO module_progress (user_id, course_id, module_uid, duration_ms, \
               min_watched_percent, quiz_required, quiz_passed, intervals, watched_ms, \
               position_ms, reports, last_report_at, budget_from, budget_used_ms, created_at, \
               updated_at) \
             VALUES ({}, {course_id}, 'race-create', 300000, 90, true, false, '[[50000,60000]]', \
               10000, 60000, 1, CURRENT_TIMESTAMP, '2026-01-01 00:00:00', 10000, \
               CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            s.user_id
        ),
        reports_of(s.user_id, course_id, "race-create", &[(0.0, 10.0)]),
    )
    .await;
    assert_eq!(acks[0].watched_ms, 20_000);
    assert_eq!(
        progress_row(&app, s.user_id, "race-create").await,
        ("[[0,10000],[50000,60000]]".into(), 20_000, 2)
    );
}

#[tokio::test]
async fn a_writer_whose_connection_broke_takes_a_new_one() {
    use lms_domain::learning::progress::{WriterState, apply_cached};
    use sea_orm::ConnectionTrait;
    let app = TestApp::new().await;
    // SQLite: every batch is a transaction on the shared pool; no connection is held.
    if app.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    let (course_id, s) = course_and_learner(&app, "Kết nối bị ngắt").await;
    let mut state = WriterState::new(100);
    let report = |from: f64, to: f64| reports_of(s.user_id, course_id, "cut", &[(from, to)]);
    apply_cached(&app.db, &report(0.0, 10.0), &mut state)
        .await
        .unwrap();

    // The writer's connection is cut (PostgreSQL restarted, a network fault, an
    // administrator): every other connection to the test database is terminated.
    app.db
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await
        .unwrap();

    // The batch sent on it fails and applies nothing (the player sends its intervals
    // again); the writer then takes a new connection and the next batch is applied.
    assert!(
        apply_cached(&app.db, &report(10.0, 20.0), &mut state)
            .await
            .is_err()
    );
    assert_eq!(
        progress_row(&app, s.user_id, "cut").await,
        ("[[0,10000]]".into(), 10_000, 1)
    );
    let acks = apply_cached(&app.db, &report(10.0, 20.0), &mut state)
        .await
        .unwrap();
    assert_eq!((acks[0].watched_ms, acks[0].added_ms), (20_000, 10_000));
    assert_eq!(
        progress_row(&app, s.user_id, "cut").await,
        ("[[0,20000]]".into(), 20_000, 2)
    );
}

#[tokio::test]
async fn a_writers_cached_row_written_meanwhile_is_read_again() {
    use lms_domain::learning::progress::{WriterState, apply_cached};
    use sea_orm::ConnectionTrait;
    let app = TestApp::new().await;
    let (course_id, s) = course_and_learner(&app, "Bộ nhớ đệm").await;
    let postgres = app.db.get_database_backend() == sea_orm::DbBackend::Postgres;

    // The writer keeps the row it created (PostgreSQL; SQLite always reads).
    let mut state = WriterState::new(100);
    let report = |from: f64, to: f64| reports_of(s.user_id, course_id, "cached", &[(from, to)]);
    apply_cached(&app.db, &report(0.0, 10.0), &mut state)
        .await
        .unwrap();
    assert_eq!(state.rows.len(), usize::from(postgres));

    // Someone else (a quiz, another server) writes the row: the writer's copy is stale.
    app.db
        .execute_unprepared(&format!(
            "UPDATE module_progress SET intervals = '[[0,10000],[100000,110000]]', \
             watched_ms = 20000, reports = reports + 1 \
             WHERE user_id = {} AND module_uid = 'cached'",
            s.user_id
        ))
        .await
        .unwrap();
    let acks = apply_cached(&app.db, &report(10.0, 20.0), &mut state)
        .await
        .unwrap();
    assert_eq!((acks[0].watched_ms, acks[0].added_ms), (30_000, 10_000));
    assert_eq!(
        state.rows.hits(),
        u64::from(postgres),
        "the stale copy was used"
    );
    assert_eq!(
        progress_row(&app, s.user_id, "cached").await,
        ("[[0,20000],[100000,110000]]".into(), 30_000, 3)
    );

    // The batch that found the copy stale was written under locks; the next one reads the
    // row again and is cached again.
    let acks = apply_cached(&app.db, &report(20.0, 30.0), &mut state)
        .await
        .unwrap();
    assert_eq!(acks[0].watched_ms, 40_000);
    assert_eq!(state.rows.len(), usize::from(postgres));
    let acks = apply_cached(&app.db, &report(30.0, 40.0), &mut state)
        .await
        .unwrap();
    assert_eq!(acks[0].watched_ms, 50_000);
    assert_eq!(state.rows.hits(), 2 * u64::from(postgres));
    assert_eq!(
        progress_row(&app, s.user_id, "cached").await,
        ("[[0,40000],[100000,110000]]".into(), 50_000, 5)
    );
}
