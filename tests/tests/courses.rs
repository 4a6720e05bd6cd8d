//! Courses: authoring rights, publishing with validation, revisions, the public catalogue,
//! free enrolment, and courses imported from files.

use http::StatusCode;
use lms_domain::Role;
use lms_tests::fixtures::ready_video;
use lms_tests::{Session, TestApp};
use serde_json::{Value, json};

const GIFT: &str = "::q1:: Việt Nam gia nhập ICCPR năm nào? {#1982}\n\n::q2:: CEDAW bảo vệ quyền của ai? {=Phụ nữ ~Trẻ em ~Người cao tuổi}\n";

async fn course(app: &TestApp, trainer: &Session, title: &str) -> i64 {
    app.post("/api/v1/courses")
        .bearer(&trainer.access_token)
        .json(&json!({"title": title, "summary": "Tóm tắt khóa học", "topics": ["quyen-con-nguoi"], "translations": {"en": {"title": "Human rights basics", "summary": "A summary"}}}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json()["id"]
        .as_i64()
        .unwrap()
}

async fn module(app: &TestApp, trainer: &Session, course_id: i64, title: &str) -> i64 {
    app.post(&format!("/api/v1/courses/{course_id}/modules"))
        .bearer(&trainer.access_token)
        .json(&json!({"title": title, "objectives": ["Hiểu công ước"], "slides_markdown": "## Mở đầu {t=0:00}\n\nNội dung"}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json()["id"]
        .as_i64()
        .unwrap()
}

async fn publishable(app: &TestApp, trainer: &Session, title: &str) -> (i64, i64) {
    let c = course(app, trainer, title).await;
    let m = module(app, trainer, c, "Giới thiệu").await;
    let v = ready_video(app, trainer, 240.0).await;
    app.request(http::Method::PUT, &format!("/api/v1/modules/{m}/video"))
        .bearer(&trainer.access_token)
        .json(&json!({"asset_id": v}))
        .send()
        .await
        .expect(StatusCode::OK);
    let res = app
        .request(http::Method::PUT, &format!("/api/v1/modules/{m}/quiz"))
        .bearer(&trainer.access_token)
        .json(&json!({"gift": GIFT}))
        .send()
        .await
        .expect(StatusCode::OK);
    assert_eq!(res.json()["problems"], json!([]));
    (c, m)
}

async fn catalogue(app: &TestApp, query: &str, token: Option<&str>) -> Value {
    let mut req = app.get(&format!("/api/v1/courses?{query}"));
    if let Some(t) = token {
        req = req.bearer(t);
    }
    req.send().await.expect(StatusCode::OK).json()
}

#[tokio::test]
async fn only_trainers_author_and_only_their_own_courses() {
    let app = TestApp::new().await;
    let learner = app.user_with(&[]).await;
    app.post("/api/v1/courses")
        .bearer(&learner.access_token)
        .json(&json!({"title": "X"}))
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);

    let owner = app.user_with(&[Role::Trainer]).await;
    let other = app.user_with(&[Role::Trainer]).await;
    let c = course(&app, &owner, "Quyền con người").await;
    let m = module(&app, &owner, c, "Mở đầu").await;
    // Another trainer cannot see, edit, publish or touch the modules: 404, as if absent.
    for (method, path, body) in [
        (
            http::Method::GET,
            format!("/api/v1/courses/{c}/draft"),
            None,
        ),
        (
            http::Method::PATCH,
            format!("/api/v1/courses/{c}"),
            Some(json!({"title": "Hijacked"})),
        ),
        (
            http::Method::POST,
            format!("/api/v1/courses/{c}/publish"),
            None,
        ),
        (http::Method::GET, format!("/api/v1/modules/{m}"), None),
        (
            http::Method::PATCH,
            format!("/api/v1/modules/{m}"),
            Some(json!({"title": "Hijacked"})),
        ),
        (http::Method::DELETE, format!("/api/v1/modules/{m}"), None),
        (
            http::Method::PUT,
            format!("/api/v1/modules/{m}/quiz"),
            Some(json!({"gift": GIFT})),
        ),
    ] {
        let mut req = app
            .request(method.clone(), &path)
            .bearer(&other.access_token);
        if let Some(b) = &body {
            req = req.json(b);
        }
        let res = req.send().await;
        assert_eq!(
            res.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            res.text()
        );
    }
    // A co-author may edit; an admin may edit anything.
    app.post(&format!("/api/v1/courses/{c}/authors"))
        .bearer(&owner.access_token)
        .json(&json!({"user_id": other.user_id}))
        .send()
        .await
        .expect(StatusCode::NO_CONTENT);
    app.patch(&format!("/api/v1/courses/{c}"))
        .bearer(&other.access_token)
        .json(&json!({"summary": "Sửa bởi đồng tác giả"}))
        .send()
        .await
        .expect(StatusCode::OK);
    let admin = app.user_with(&[Role::Admin]).await;
    app.get(&format!("/api/v1/courses/{c}/draft"))
        .bearer(&admin.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
    let mine = app
        .get("/api/v1/me/courses")
        .bearer(&other.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn publishing_lists_every_problem_then_freezes_a_revision() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let c = course(&app, &t, "Khóa học rỗng").await;
    let res = app
        .post(&format!("/api/v1/courses/{c}/publish"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .json();
    assert_eq!(res["published"], false);
    assert!(
        res["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "no_modules")
    );

    let m = module(&app, &t, c, "Không có video").await;
    let short = ready_video(&app, &t, 60.0).await;
    let res = app
        .post(&format!("/api/v1/courses/{c}/publish"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .json();
    let codes: Vec<&str> = res["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"no_video") && codes.contains(&"no_quiz"),
        "{codes:?}"
    );

    // A one-minute video is only a warning; an invalid quiz is refused with every problem.
    app.request(http::Method::PUT, &format!("/api/v1/modules/{m}/video"))
        .bearer(&t.access_token)
        .json(&json!({"asset_id": short}))
        .send()
        .await
        .expect(StatusCode::OK);
    let bad = app
        .request(http::Method::PUT, &format!("/api/v1/modules/{m}/quiz"))
        .bearer(&t.access_token)
        .json(&json!({"gift": "::a:: Câu hỏi hỏng {=\n\n::b:: Đúng hay sai? {T}\n"}))
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(bad["problems"][0]["line"], 1, "{bad}");
    let res = app
        .post(&format!("/api/v1/courses/{c}/publish"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(res["revision"], 1);
    assert!(
        res["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "video_length" && p["severity"] == "warning")
    );
}

#[tokio::test]
async fn learners_see_the_published_revision_until_the_next_publish() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let (c, m) = publishable(&app, &t, "Quyền con người cơ bản").await;
    app.post(&format!("/api/v1/courses/{c}/publish"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
    let before = app
        .get(&format!("/api/v1/courses/{c}"))
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let uid = before["modules"][0]["uid"].as_str().unwrap().to_owned();

    app.patch(&format!("/api/v1/modules/{m}"))
        .bearer(&t.access_token)
        .json(&json!({"title": "Tiêu đề mới"}))
        .send()
        .await
        .expect(StatusCode::OK);
    app.patch(&format!("/api/v1/courses/{c}"))
        .bearer(&t.access_token)
        .json(&json!({"title": "Bản nháp chưa xuất bản"}))
        .send()
        .await
        .expect(StatusCode::OK);
    let during = app
        .get(&format!("/api/v1/courses/{c}"))
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(during["title"], before["title"]);
    assert_eq!(during["modules"][0]["title"], "Giới thiệu");
    assert!(
        catalogue(&app, "q=ban+nhap", None).await["items"]
            .as_array()
            .unwrap()
            .is_empty(),
        "draft text is not searchable"
    );

    app.post(&format!("/api/v1/courses/{c}/publish"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
    let after = app
        .get(&format!("/api/v1/courses/{c}"))
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(after["revision"], 2);
    assert_eq!(after["modules"][0]["title"], "Tiêu đề mới");
    assert_eq!(
        after["modules"][0]["uid"], uid,
        "module identity survives a republish"
    );
}

#[tokio::test]
async fn the_catalogue_is_public_and_ignores_diacritics() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let (c, _) = publishable(&app, &t, "Quyền con người trong báo chí").await;
    app.post(&format!("/api/v1/courses/{c}/publish"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
    let draft = course(&app, &t, "Quyền con người bản nháp").await;

    for q in [
        "quyen+con+nguoi",
        "QUYEN+CON",
        "Quy%E1%BB%81n",
        "bao+chi",
        "human+rights",
    ] {
        let found = catalogue(&app, &format!("q={q}"), None).await;
        let ids: Vec<i64> = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![c], "query {q}");
    }
    assert_eq!(catalogue(&app, "q=cedaw+zzz", None).await["total"], 0);
    assert_eq!(catalogue(&app, "language=en", None).await["total"], 1);
    assert_eq!(catalogue(&app, "language=fr", None).await["total"], 0);
    assert_eq!(
        catalogue(&app, "topic=quyen-con-nguoi", None).await["total"],
        1
    );
    let en = catalogue(&app, "lang=en", None).await;
    assert_eq!(en["items"][0]["title"], "Human rights basics");
    // Drafts never reach the public.
    app.get(&format!("/api/v1/courses/{draft}"))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn restricted_courses_are_invisible_to_people_not_assigned() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let (c, _) = publishable(&app, &t, "Khóa học nội bộ").await;
    app.patch(&format!("/api/v1/courses/{c}"))
        .bearer(&t.access_token)
        .json(&json!({"visibility": "restricted"}))
        .send()
        .await
        .expect(StatusCode::OK);
    app.post(&format!("/api/v1/courses/{c}/publish"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
    let learner = app.user_with(&[]).await;
    assert_eq!(catalogue(&app, "", None).await["total"], 0);
    assert_eq!(
        catalogue(&app, "", Some(&learner.access_token)).await["total"],
        0
    );
    app.get(&format!("/api/v1/courses/{c}"))
        .bearer(&learner.access_token)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    app.post(&format!("/api/v1/courses/{c}/enrol"))
        .bearer(&learner.access_token)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);

    lms_domain::courses::enrolment::assign(&app.db, None, learner.user_id, c, None)
        .await
        .unwrap();
    assert_eq!(
        catalogue(&app, "", Some(&learner.access_token)).await["total"],
        1
    );
    let page = app
        .get(&format!("/api/v1/courses/{c}"))
        .bearer(&learner.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(page["enrolled"], true);
}

#[tokio::test]
async fn enrolment_is_free_instant_and_needs_a_verified_account() {
    let app = TestApp::builder().with_smtp().build().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let (c, _) = publishable(&app, &t, "Công ước về quyền trẻ em").await;
    app.post(&format!("/api/v1/courses/{c}/publish"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK);

    // A fresh, unverified registration may log in but not enrol.
    let email = TestApp::unique_email("new");
    app.post("/api/v1/auth/register")
        .json(&json!({"email": email, "password": lms_tests::PASSWORD, "display_name": "Học viên"}))
        .send()
        .await
        .expect(StatusCode::ACCEPTED);
    let s = app.login(&email, lms_tests::PASSWORD, 0).await;
    let refused = app
        .post(&format!("/api/v1/courses/{c}/enrol"))
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    assert_eq!(refused.error_code(), "email_not_verified");

    let verified = app.user_with(&[]).await;
    let slug = app.get(&format!("/api/v1/courses/{c}")).send().await.json()["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = app
        .post(&format!("/api/v1/courses/{slug}/enrol"))
        .bearer(&verified.access_token)
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(first["source"], "self");
    app.post(&format!("/api/v1/courses/{c}/enrol"))
        .bearer(&verified.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
    let mine = app
        .get("/api/v1/me/enrolments")
        .bearer(&verified.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    app.post(&format!("/api/v1/courses/{c}/enrol"))
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn quiz_answers_never_reach_the_public_syllabus() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let (c, m) = publishable(&app, &t, "Bài kiểm tra bí mật").await;
    let canary = "ĐÁPÁNBÍMẬT-7f3a";
    app.request(http::Method::PUT, &format!("/api/v1/modules/{m}/quiz"))
        .bearer(&t.access_token)
        .json(&json!({"gift": format!("::s1:: Mật khẩu là gì? {{={canary} ~sai}}\n")}))
        .send()
        .await
        .expect(StatusCode::OK);
    app.post(&format!("/api/v1/courses/{c}/publish"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
    let learner = app.user_with(&[]).await;
    for (path, token) in [
        (format!("/api/v1/courses/{c}"), None),
        (format!("/api/v1/courses/{c}"), Some(&learner.access_token)),
        ("/api/v1/courses".to_owned(), None),
    ] {
        let mut req = app.get(&path);
        if let Some(tok) = token {
            req = req.bearer(tok);
        }
        let body = req.send().await.expect(StatusCode::OK).text();
        assert!(!body.contains(canary), "{path} leaks the answer");
    }
    let base = app.serve().await;
    let slug = app.get(&format!("/api/v1/courses/{c}")).send().await.json()["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let html = reqwest::get(format!("{base}/courses/{slug}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Bài kiểm tra bí mật") && !html.contains(canary));
}

#[tokio::test]
async fn the_demo_course_imports_idempotently_and_updates_in_place() {
    use lms_domain::courses::files::{ImportOutcome, apply, read_folder};
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    let src =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../courses/human-rights-treaties");
    let folder = read_folder(&src).unwrap_or_else(|p| panic!("demo course has problems: {p:?}"));
    assert_eq!(folder.modules.len(), 8);
    assert!(
        folder
            .modules
            .iter()
            .all(|m| m.quiz.as_ref().is_some_and(|q| q.questions.len() >= 8))
    );
    assert!(
        folder
            .modules
            .iter()
            .all(|m| m.translations.contains_key("en") && m.quiz_translations.contains_key("en"))
    );

    let (first, c) = apply(&app.db, &folder, admin.user_id).await.unwrap();
    assert_eq!(first, ImportOutcome::Created);
    let audit_rows = app.count("audit_log").await;
    let (second, _) = apply(&app.db, &folder, admin.user_id).await.unwrap();
    assert_eq!(second, ImportOutcome::Unchanged);
    assert_eq!(
        app.count("audit_log").await,
        audit_rows,
        "a second import writes nothing"
    );
    let draft = app
        .get(&format!("/api/v1/courses/{}/draft", c.id))
        .bearer(&admin.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let uids: Vec<String> = draft["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["uid"].as_str().unwrap().to_owned())
        .collect();

    // Edit one file in a copy: the course is updated in place, modules keep their identity.
    let copy = app.data_dir().join("course-copy");
    copy_dir(&src, &copy);
    let intro = copy.join("modules/01-gioi-thieu.md");
    let text = std::fs::read_to_string(&intro).unwrap();
    std::fs::write(&intro, text.replacen("title: ", "title: \"Đã sửa\" #", 1)).unwrap();
    let edited = read_folder(&copy).unwrap();
    let (third, _) = apply(&app.db, &edited, admin.user_id).await.unwrap();
    assert_eq!(third, ImportOutcome::Updated);
    let draft = app
        .get(&format!("/api/v1/courses/{}/draft", c.id))
        .bearer(&admin.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(draft["modules"][0]["title"], "Đã sửa");
    let after: Vec<String> = draft["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["uid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(after, uids);
    assert_eq!(app.count("courses").await, 1);
}

#[tokio::test]
async fn import_reports_every_problem_with_file_and_line() {
    let app = TestApp::new().await;
    let src =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../courses/human-rights-treaties");
    let copy = app.data_dir().join("broken");
    copy_dir(&src, &copy);
    std::fs::write(
        copy.join("quizzes/02-iccpr.gift"),
        "// broken\n\n::x:: Câu hỏi? {=a ~b\n\n::y:: Tốt {T}\n",
    )
    .unwrap();
    let m3 = copy.join("modules/03-icescr.md");
    std::fs::write(
        &m3,
        std::fs::read_to_string(&m3)
            .unwrap()
            .replacen("title:", "titel:", 1),
    )
    .unwrap();
    let problems = lms_domain::courses::files::read_folder(&copy).unwrap_err();
    let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert!(
        shown
            .iter()
            .any(|p| p.starts_with("quizzes/02-iccpr.gift:3:")),
        "{shown:#?}"
    );
    assert!(
        shown
            .iter()
            .any(|p| p.starts_with("modules/03-icescr.md:2:") && p.contains("titel")),
        "{shown:#?}"
    );
    assert_eq!(app.count("courses").await, 0);
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

#[tokio::test]
async fn trainer_pages_are_for_trainers_only() {
    let app = TestApp::new().await;
    let anonymous = app
        .get("/teach/courses/new")
        .send()
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(
        anonymous.headers["location"],
        "/login?next=%2Fteach%2Fcourses%2Fnew"
    );
    let learner = app.user_with(&[]).await;
    let page = app
        .get("/teach")
        .header("cookie", &format!("lms_access={}", learner.access_token))
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    assert!(page.text().contains("<html"));
    let t = app.user_with(&[Role::Trainer]).await;
    let other = app.user_with(&[Role::Trainer]).await;
    let c = course(&app, &t, "Khóa học riêng").await;
    app.get(&format!("/teach/courses/{c}"))
        .header("cookie", &format!("lms_access={}", t.access_token))
        .send()
        .await
        .expect(StatusCode::OK);
    app.get(&format!("/teach/courses/{c}"))
        .header("cookie", &format!("lms_access={}", other.access_token))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    app.get(&format!("/teach/courses/{c}/preview"))
        .header("cookie", &format!("lms_access={}", other.access_token))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
}

/// Logs a browser-like client in through the login form; returns it with its CSRF token.
#[tokio::test]
async fn the_quiz_editor_saves_gift_with_a_pool_size_and_reports_bad_lines() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let c = course(&app, &t, "Ngân hàng câu hỏi").await;
    let m = module(&app, &t, c, "Học phần").await;
    let base = app.serve().await;
    let (client, csrf) = lms_tests::browser_login(&base, &t).await;

    let post = |gift: &str, draw: &str| {
        client
            .post(format!("{base}/teach/modules/{m}/quiz"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("gift", gift),
                ("gift_en", ""),
                ("draw", draw),
            ])
            .send()
    };
    let saved = post(GIFT, "1").await.unwrap();
    assert_eq!(
        saved.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        saved.text().await
    );
    let module_json = app
        .get(&format!("/api/v1/modules/{m}"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(module_json["quiz"]["draw"], 1);
    assert_eq!(
        module_json["quiz"]["questions"].as_array().unwrap().len(),
        2
    );

    // Drawing more questions than the pool has is refused, and nothing changes.
    let refused = post(GIFT, "5").await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A broken question is reported with its line; the valid ones are kept.
    let partial = post("::ok:: Đúng? {T}\n\n::bad:: Hỏng {=a ~b\n", "")
        .await
        .unwrap();
    assert_eq!(partial.status(), StatusCode::OK);
    let html = partial.text().await.unwrap();
    assert!(html.contains('3'), "the page names the bad line");
    let module_json = app
        .get(&format!("/api/v1/modules/{m}"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(
        module_json["quiz"]["questions"].as_array().unwrap().len(),
        1
    );
    assert!(module_json["quiz"]["draw"].is_null());
}

/// Quiz sources past the importers' limits are refused as a whole (422, with the line) and a
/// Moodle XML document type (entities) is never expanded; only a module's editors get their
/// source parsed.
#[tokio::test]
async fn quiz_sources_past_their_limits_or_with_entities_are_refused() {
    let app = TestApp::builder()
        .with_max_body_bytes(1024 * 1024)
        .build()
        .await;
    let trainer = app.user_with(&[Role::Trainer]).await;
    let lines = format!("Q {{T}}{}", "\n".repeat(50_001));
    let res = app
        .post("/api/v1/quizzes/import")
        .bearer(&trainer.access_token)
        .json(&json!({"format": "gift", "source": lines}))
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .contains("line 50001: the quiz has more than 50000 lines"),
        "{}",
        res.text()
    );
    let laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE quiz [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n<quiz><question type=\"truefalse\"><questiontext><text>&b;</text></questiontext></question></quiz>";
    let report = app
        .post("/api/v1/quizzes/import")
        .bearer(&trainer.access_token)
        .json(&json!({"format": "moodle_xml", "source": laughs}))
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(report["imported"], 0);
    assert_eq!(report["problems"][0]["line"], 2);
    assert!(
        report["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("<!DOCTYPE>) is not accepted"),
        "{report}"
    );

    let c = course(&app, &trainer, "Giới hạn").await;
    let m = module(&app, &trainer, c, "Mở đầu").await;
    let res = app
        .request(http::Method::PUT, &format!("/api/v1/modules/{m}/quiz"))
        .bearer(&trainer.access_token)
        .json(&json!({"gift": GIFT, "gift_translations": {"en": lines}}))
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["details"]["problems"][0]["language"], "en");
    let saved = app
        .get(&format!("/api/v1/modules/{m}/quiz.gift"))
        .bearer(&trainer.access_token)
        .send()
        .await;
    assert_eq!(saved.status, StatusCode::NOT_FOUND, "nothing was saved");
    let other = app.user_with(&[Role::Trainer]).await;
    let res = app
        .request(http::Method::PUT, &format!("/api/v1/modules/{m}/quiz"))
        .bearer(&other.access_token)
        .json(&json!({"gift": lines}))
        .send()
        .await;
    assert!(
        matches!(res.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "another trainer's source is not even checked: {}",
        res.text()
    );
}
