//! Certificates: issued once on course completion (with its mail), a PDF whose text holds the
//! exact name and whose QR code decodes to the verification URL, public verification (valid,
//! revoked, unknown, forged), HR search, revocation and bulk export within their
//! organisations; and the mail outbox surviving an SMTP outage, due-date reminders sent once
//! per due date, and headers that user text cannot inject into.

use std::io::Read;
use std::time::{Duration, Instant};

use chrono::Utc;
use http::StatusCode;
use lms_domain::Role;
use lms_domain::entities::{enrolment, user};
use lms_tests::fixtures::{ModuleSpec, published_course};
use lms_tests::{Session, TestApp};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};

const NAME: &str = "Nguyễn Thị Hồng Nhung";

/// A learner with a name full of diacritics, enrolled in course `course_id`.
async fn learner_in(app: &TestApp, course_id: i64, name: &str) -> Session {
    let s = app.user_with(&[]).await;
    let mut u: user::ActiveModel = user::Entity::find_by_id(s.user_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    u.display_name = Set(name.to_owned());
    u.update(&app.db).await.unwrap();
    app.post(&format!("/api/v1/courses/{course_id}/enrol"))
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::CREATED);
    s
}

/// Watches the whole (only) module of the course, which completes it.
async fn watch_all(app: &TestApp, s: &Session, slug: &str, seconds: f64) {
    let view = app
        .get(&format!("/api/v1/learn/{slug}/modules/1"))
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let tok = app.backdated(view["progress_token"].as_str().unwrap(), 3600);
    let a = app
        .post("/api/v1/progress")
        .json(&json!({"token": tok, "intervals": [[0.0, seconds]], "position": seconds}))
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(a["module_complete"], true, "{a}");
}

async fn one_module_course(app: &TestApp, trainer: &Session, title: &str) -> (i64, String) {
    published_course(
        app,
        trainer,
        title,
        &[ModuleSpec {
            title: "Bài 1",
            video_s: 30.0,
            gift: None,
            rules: json!({}),
        }],
    )
    .await
}

async fn my_certificates(app: &TestApp, s: &Session) -> Vec<Value> {
    app.get("/api/v1/me/certificates")
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json()
        .as_array()
        .unwrap()
        .clone()
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{cmd} is needed (apt-get install poppler-utils zbar-tools): {e}")
        });
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn code_of(verify_url: &str) -> String {
    verify_url.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn completing_a_course_issues_one_certificate_anyone_can_verify() {
    let app = TestApp::builder().with_smtp().build().await;
    let trainer = app.user_with(&[Role::Trainer]).await;
    let (c, slug) = one_module_course(&app, &trainer, "Quyền con người: nhập môn").await;
    let s = learner_in(&app, c, NAME).await;
    watch_all(&app, &s, &slug, 30.0).await;

    // One certificate, whatever happens next: the same completion again, or the domain asked
    // to issue it again.
    let certs = my_certificates(&app, &s).await;
    assert_eq!(certs.len(), 1, "{certs:?}");
    let cert = &certs[0];
    assert_eq!(cert["full_name"], NAME);
    assert_eq!(cert["course_title"], "Quyền con người: nhập môn");
    let serial = cert["serial"].as_str().unwrap();
    assert!(
        serial.starts_with(&format!("HRC-{}-", Utc::now().format("%Y"))),
        "{serial}"
    );
    watch_all(&app, &s, &slug, 30.0).await;
    let course = lms_domain::entities::course::Entity::find_by_id(c)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let again = lms_domain::certificates::issue(&app.db, s.user_id, &course, Utc::now())
        .await
        .unwrap();
    assert!(again.is_none());
    assert_eq!(my_certificates(&app, &s).await.len(), 1);
    assert_eq!(app.count("certificates").await, 1);

    // The learner was welcomed on enrolling, and is told of the certificate once, with a
    // link to their certificates.
    let sink = app.smtp.as_ref().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mail = loop {
        let found = sink.messages().into_iter().find(|m| {
            m.to.iter().any(|t| t.eq_ignore_ascii_case(&s.email))
                && m.subject.starts_with("Chứng nhận hoàn thành")
        });
        if let Some(m) = found {
            break m;
        }
        assert!(Instant::now() < deadline, "no certificate mail");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        mail.subject.contains("Quyền con người: nhập môn"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains(serial), "{}", mail.text);
    assert!(
        mail.link_containing("/my/certificates").is_some(),
        "{}",
        mail.text
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let subjects: Vec<String> = sink
        .messages()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(&s.email)))
        .map(|m| m.subject)
        .collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(
        subjects.iter().any(|s| s.starts_with("Ghi danh: ")),
        "{subjects:?}"
    );

    // The PDF: the exact name in its text, the QR code opening the verification page.
    let verify_url = cert["verify_url"].as_str().unwrap().to_owned();
    assert!(
        verify_url.starts_with("http://lms.test/verify/"),
        "{verify_url}"
    );
    let res = app
        .get(cert["pdf_url"].as_str().unwrap())
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
    assert_eq!(res.headers["content-type"], "application/pdf");
    assert!(res.body.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("certificate.pdf");
    std::fs::write(&pdf, &res.body).unwrap();
    let text = run("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    assert!(
        text.contains(NAME),
        "name not found in the PDF text:\n{text}"
    );
    assert!(text.contains("Quyền con người: nhập môn"), "{text}");
    assert!(text.contains(serial), "{text}");
    let fonts = run("pdffonts", &[pdf.to_str().unwrap()]);
    assert!(
        fonts.lines().skip(2).all(|l| l.contains(" yes ")),
        "every font embedded:\n{fonts}"
    );
    let info = run("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(
        info.contains("841.89 x 595.276") || info.contains("842 x 595"),
        "A4 landscape:\n{info}"
    );
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 1")),
        "one page:\n{info}"
    );
    let png = dir.path().join("page");
    run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            "-singlefile",
            pdf.to_str().unwrap(),
            png.to_str().unwrap(),
        ],
    );
    let decoded = run(
        "zbarimg",
        &["--raw", "-q", &format!("{}.png", png.display())],
    );
    assert_eq!(decoded.trim(), verify_url);

    // Someone else cannot fetch it.
    let other = app.user_with(&[]).await;
    app.get(cert["pdf_url"].as_str().unwrap())
        .bearer(&other.access_token)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);

    // Verification: valid, with name, course and date; as a page too.
    let code = code_of(&verify_url);
    let v = app
        .get(&format!("/api/v1/verify/{code}"))
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(v["status"], "valid");
    assert_eq!(v["full_name"], NAME);
    assert_eq!(v["serial"], serial);
    let page = app
        .get(&format!("/verify/{code}"))
        .send()
        .await
        .expect(StatusCode::OK)
        .text();
    assert!(page.contains(NAME) && page.contains("data-status=\"valid\""));

    // Forged and unknown codes: unknown, and no slower or faster in a way that tells.
    let id: i64 = code.split('-').next().unwrap().parse().unwrap();
    let forged = format!("{id}-{}", "0".repeat(32));
    let unknown_id = lms_domain::certificates::VerificationKey::load_or_create(&app.db)
        .await
        .unwrap()
        .code(id + 1000);
    for bad in [forged.as_str(), unknown_id.as_str(), "nonsense", "1-zz"] {
        let started = Instant::now();
        let v = app
            .get(&format!("/api/v1/verify/{bad}"))
            .send()
            .await
            .expect(StatusCode::OK)
            .json();
        assert_eq!(v["status"], "unknown", "{bad}");
        assert!(v.get("full_name").is_none());
        assert!(started.elapsed() >= lms_api::routes::certificates::VERIFY_FLOOR);
    }
    let started = Instant::now();
    app.get(&format!("/api/v1/verify/{code}"))
        .send()
        .await
        .expect(StatusCode::OK);
    assert!(started.elapsed() >= lms_api::routes::certificates::VERIFY_FLOOR);
    let page = app
        .get(&format!("/verify/{forged}"))
        .send()
        .await
        .expect(StatusCode::OK)
        .text();
    assert!(page.contains("data-status=\"unknown\"") && !page.contains(NAME));

    // Revoked by an admin with a reason: verification says so, with the date; audit-logged.
    let admin = app.user_with(&[Role::Admin]).await;
    let cert_id = cert["id"].as_i64().unwrap();
    let res = app
        .post(&format!("/api/v1/certificates/{cert_id}/revoke"))
        .bearer(&admin.access_token)
        .json(&json!({"reason": "  "}))
        .send()
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        res.text()
    );
    app.post(&format!("/api/v1/certificates/{cert_id}/revoke"))
        .bearer(&admin.access_token)
        .json(&json!({"reason": "Cấp nhầm người"}))
        .send()
        .await
        .expect(StatusCode::OK);
    app.post(&format!("/api/v1/certificates/{cert_id}/revoke"))
        .bearer(&admin.access_token)
        .json(&json!({"reason": "again"}))
        .send()
        .await
        .expect(StatusCode::CONFLICT);
    let v = app
        .get(&format!("/api/v1/verify/{code}"))
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(v["status"], "revoked");
    assert!(v["revoked_at"].is_string());
    let page = app
        .get(&format!("/verify/{code}"))
        .send()
        .await
        .expect(StatusCode::OK)
        .text();
    assert!(page.contains("data-status=\"revoked\""));
    let audits = lms_domain::entities::audit_log::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        audits
            .iter()
            .any(|a| a.action == "certificate.revoke" && a.actor_user_id == Some(admin.user_id))
    );
}

#[tokio::test]
async fn verification_is_rate_limited() {
    let app = TestApp::new().await;
    let mut limited = false;
    for i in 0..70 {
        let res = app.get(&format!("/api/v1/verify/{i}-abc")).send().await;
        if res.status == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            assert!(i >= 60, "limited after {i}");
            break;
        }
    }
    assert!(
        limited,
        "70 verifications a minute from one address were all answered"
    );
}

async fn org_id(app: &TestApp, admin: &Session, code: &str) -> i64 {
    app.get("/api/v1/organisations")
        .bearer(&admin.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == code)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn hr_searches_exports_and_revokes_within_their_organisations() {
    hr_flow(TestApp::new().await).await;
}

/// The same with media (and so export ZIPs) in an S3 bucket: the ZIP is uploaded there,
/// downloaded through the server, and answers 410 once it is gone from the bucket.
#[tokio::test]
async fn hr_exports_land_in_the_s3_bucket() {
    hr_flow(TestApp::builder().with_s3().build().await).await;
}

async fn hr_flow(app: TestApp) {
    let admin = app.user_with(&[Role::Admin]).await;
    let trainer = app.user_with(&[Role::Trainer]).await;
    let (c, slug) = one_module_course(&app, &trainer, "Truyền thông về quyền con người").await;
    let ours = learner_in(&app, c, "Lê Văn Ước").await;
    let theirs = learner_in(&app, c, "Phạm Thị Khác").await;
    // The two learners are on the rosters of two organisations.
    let csv = format!(
        "employee id,full name,email,organisation code,province code,cadre groups,position\n\
         E1,Lê Văn Ước,{},ubnd-79,79,hr-officers,Chuyên viên\n\
         E2,Phạm Thị Khác,{},ubnd-01,01,hr-officers,Chuyên viên\n",
        ours.email, theirs.email
    );
    let report = app
        .post("/api/v1/roster/imports")
        .bearer(&admin.access_token)
        .raw("text/csv", csv.into_bytes())
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(report["linked"], 2, "{report}");
    watch_all(&app, &ours, &slug, 30.0).await;
    watch_all(&app, &theirs, &slug, 30.0).await;

    let hr = app.user_with(&[Role::Hr]).await;
    let hcm = org_id(&app, &admin, "ubnd-79").await;
    app.patch(&format!("/api/v1/users/{}", hr.user_id))
        .bearer(&admin.access_token)
        .json(&json!({"hr_organisation_ids": [hcm]}))
        .send()
        .await
        .expect(StatusCode::OK);

    // Search: only their people, by any of the filters.
    let search = |q: &'static str| {
        let app = &app;
        let hr = &hr;
        async move {
            app.get(&format!("/api/v1/certificates?{q}"))
                .bearer(&hr.access_token)
                .send()
                .await
                .expect(StatusCode::OK)
                .json()
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["full_name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("").await, vec!["Lê Văn Ước"]);
    assert_eq!(
        search("province=79&group=hr-officers").await,
        vec!["Lê Văn Ước"]
    );
    assert_eq!(search("province=01").await, Vec::<String>::new());
    // Names are found with or without diacritics, in any case.
    assert_eq!(search("person=ước").await, vec!["Lê Văn Ước"]);
    assert_eq!(search("person=le%20van%20UOC").await, vec!["Lê Văn Ước"]);
    assert_eq!(search("person=Lê").await, vec!["Lê Văn Ước"]);
    let all = app
        .get("/api/v1/certificates")
        .bearer(&admin.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    let theirs_id = my_certificates(&app, &theirs).await[0]["id"]
        .as_i64()
        .unwrap();
    let ours_cert = my_certificates(&app, &ours).await[0].clone();

    // Their certificate is out of reach: no PDF, no revocation.
    app.get(&format!("/api/v1/certificates/{theirs_id}/pdf"))
        .bearer(&hr.access_token)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    app.post(&format!("/api/v1/certificates/{theirs_id}/revoke"))
        .bearer(&hr.access_token)
        .json(&json!({"reason": "không thuộc đơn vị"}))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    // A learner is no HR.
    app.get("/api/v1/certificates")
        .bearer(&ours.access_token)
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);

    // Bulk export: a ZIP of their PDFs with a manifest, built in the background.
    let started = app
        .post("/api/v1/certificates/exports")
        .bearer(&hr.access_token)
        .json(&json!({"province": "79"}))
        .send()
        .await
        .expect(StatusCode::ACCEPTED)
        .json();
    let id = started["id"].as_i64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        let s = app
            .get(&format!("/api/v1/certificates/exports/{id}"))
            .bearer(&hr.access_token)
            .send()
            .await
            .expect(StatusCode::OK)
            .json();
        if s["status"] == "done" || s["status"] == "failed" {
            break s;
        }
        assert!(Instant::now() < deadline, "export not done in 60 s: {s}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(status["status"], "done", "{status}");
    assert_eq!(status["count"], 1);
    assert_eq!(status["progress"], 1.0);
    // Someone else's export is not theirs to read.
    app.get(&format!("/api/v1/certificates/exports/{id}"))
        .bearer(&ours.access_token)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    let zip_bytes = app
        .get(status["download_url"].as_str().unwrap())
        .bearer(&hr.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .body;
    let zip_len = zip_bytes.len();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes.to_vec())).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    let serial = ours_cert["serial"].as_str().unwrap();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&format!("{serial}.pdf")), "{names:?}");
    let mut manifest = String::new();
    zip.by_name("manifest.csv")
        .unwrap()
        .read_to_string(&mut manifest)
        .unwrap();
    assert!(manifest.starts_with('\u{feff}'));
    let rows: Vec<&str> = manifest.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(rows.len(), 2, "{manifest}");
    assert!(rows[1].contains(serial) && rows[1].contains("Lê Văn Ước"));
    assert!(rows[1].contains(ours_cert["verify_url"].as_str().unwrap()));
    let mut pdf = Vec::new();
    zip.by_name(&format!("{serial}.pdf"))
        .unwrap()
        .read_to_end(&mut pdf)
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // Once swept (kept 7 days), the download says so instead of failing silently.
    let key = format!("exports/certificates-{id}.zip");
    assert_eq!(
        app.state.storage.meta(&key).await.unwrap().size as usize,
        zip_len
    );
    app.state.storage.delete(&key).await.unwrap();
    let gone = app
        .get(status["download_url"].as_str().unwrap())
        .bearer(&hr.access_token)
        .send()
        .await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert_eq!(gone.error_code(), "expired");

    // The same through the HR pages, with cookies and CSRF like a browser.
    let base = app.serve().await;
    let (browser, csrf) = lms_tests::browser_login(&base, &hr).await;
    let page = browser
        .get(format!("{base}/hr/certificates?province=79"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Lê Văn Ước") && !html.contains("Phạm Thị Khác"));
    let res = browser
        .post(format!("{base}/hr/certificates/export"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("province", "79"),
            ("person", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/hr/certificates/exports/"), "{to}");
    let html = browser
        .get(format!("{base}{to}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"export-status\""), "{html}");
    let res = browser
        .post(format!("{base}/hr/certificates/export"))
        .form(&[("province", "79")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a form without the CSRF token"
    );
    let (learner_browser, _) = lms_tests::browser_login(&base, &ours).await;
    let res = learner_browser
        .get(format!("{base}/hr/certificates"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let mine = learner_browser
        .get(format!("{base}/my/certificates"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(mine.contains(ours_cert["verify_url"].as_str().unwrap()));

    // Revoking their own person's certificate works, and the export leaves it out after.
    app.post(&format!(
        "/api/v1/certificates/{}/revoke",
        ours_cert["id"].as_i64().unwrap()
    ))
    .bearer(&hr.access_token)
    .json(&json!({"reason": "Sai thông tin"}))
    .send()
    .await
    .expect(StatusCode::OK);
    assert_eq!(
        lms_domain::certificates::count(
            &app.db,
            &lms_domain::coverage::Scope::Organisations(vec![hcm]),
            &lms_domain::certificates::Filter::default()
        )
        .await
        .unwrap(),
        0
    );
}

#[tokio::test]
async fn an_smtp_outage_delays_mail_but_loses_none() {
    let mut app = TestApp::builder().with_smtp().build().await;
    app.smtp.as_mut().unwrap().stop().await;
    let emails: Vec<String> = (0..3)
        .map(|i| TestApp::unique_email(&format!("outage{i}")))
        .collect();
    for email in &emails {
        app.post("/api/v1/auth/register")
            .json(&json!({"email": email, "password": lms_tests::PASSWORD, "display_name": "Đỗ Thị Mai"}))
            .send()
            .await
            .expect(StatusCode::ACCEPTED);
    }
    // Every mail is tried and fails while the server is down, and waits for a retry.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let jobs = lms_domain::entities::job::Entity::find()
            .all(&app.db)
            .await
            .unwrap();
        let mails: Vec<_> = jobs.iter().filter(|j| j.kind == "mail.send").collect();
        if mails.len() == 3
            && mails
                .iter()
                .all(|j| j.attempts >= 1 && j.status == "queued" && j.last_error.is_some())
        {
            break;
        }
        assert!(Instant::now() < deadline, "mails were not tried: {mails:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.smtp.as_mut().unwrap().restart().await;
    let sink = app.smtp.as_ref().unwrap();
    for email in &emails {
        let deadline = Instant::now() + Duration::from_secs(60);
        while sink.count_to(email) == 0 {
            assert!(
                Instant::now() < deadline,
                "no mail to {email} after the outage"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    for email in &emails {
        assert_eq!(sink.count_to(email), 1, "{email}");
    }
}

#[tokio::test]
async fn due_date_reminders_go_once_per_due_date() {
    let app = TestApp::new().await;
    let trainer = app.user_with(&[Role::Trainer]).await;
    let (c, _) = one_module_course(&app, &trainer, "Khóa bắt buộc").await;
    let s = learner_in(&app, c, NAME).await;
    let e = enrolment::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.user_id == s.user_id)
        .unwrap();
    let now = Utc::now();
    let set_due = |days: i64| {
        let db = app.db.clone();
        let e = e.clone();
        async move {
            let mut a: enrolment::ActiveModel = e.into();
            a.due_at = Set(Some(now + chrono::Duration::days(days)));
            a.update(&db).await.unwrap();
        }
    };
    let due_mails = || async {
        lms_domain::entities::job::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|j| j.payload["template"] == "due_soon")
            .count()
    };
    let send = |at: chrono::DateTime<Utc>| {
        let db = app.db.clone();
        async move {
            lms_domain::reminders::send_due(&db, at, &lms_domain::reminders::DEFAULT_DAYS_BEFORE)
                .await
                .unwrap()
        }
    };
    set_due(30).await;
    assert_eq!(send(now).await, 0, "not yet");
    set_due(10).await;
    assert_eq!(send(now).await, 1, "14 days before");
    assert_eq!(send(now).await, 0, "never twice");
    assert_eq!(send(now + chrono::Duration::hours(1)).await, 0);
    assert_eq!(
        send(now + chrono::Duration::days(8)).await,
        1,
        "3 days before"
    );
    assert_eq!(send(now + chrono::Duration::days(8)).await, 0);
    assert_eq!(due_mails().await, 2);
    // A new due date starts over; assigned 2 days ahead, only the nearest one goes out.
    set_due(2).await;
    assert_eq!(send(now).await, 1);
    assert_eq!(send(now).await, 0);
    assert_eq!(due_mails().await, 3);
    let mail = lms_domain::entities::job::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .rev()
        .find(|j| j.payload["template"] == "due_soon")
        .unwrap();
    assert_eq!(mail.payload["to"], s.email.as_str());
    assert_eq!(mail.payload["vars"]["course"], "Khóa bắt buộc");
}

#[tokio::test]
async fn user_text_cannot_inject_mail_headers() {
    let app = TestApp::new().await;
    let mail = lms_domain::mail::OutgoingMail {
        template: lms_domain::mail::MailTemplate::CertificateIssued,
        to: "learner@example.test".into(),
        lang: "vi".into(),
        vars: json!({
            "name": "Mai\r\nBcc: thief@example.test",
            "course": "Khóa học\r\nBcc: thief@example.test\r\nX-Evil: 1",
            "serial": "HRC-2026-000001",
            "path": "/my/certificates",
        }),
    };
    let message = lms_api::mail::render(&app.state, &mail).unwrap();
    let raw = String::from_utf8(message.formatted()).unwrap();
    let headers = raw.split("\r\n\r\n").next().unwrap();
    assert!(
        !headers.to_ascii_lowercase().contains("\r\nbcc:"),
        "{headers}"
    );
    assert!(!headers.contains("\r\nX-Evil:"), "{headers}");
    assert_eq!(message.envelope().to().len(), 1);
    // A recipient address with a line break is refused, not sent.
    let bad = lms_domain::mail::OutgoingMail {
        to: "a@example.test\r\nBcc: thief@example.test".into(),
        ..mail
    };
    assert!(lms_api::mail::render(&app.state, &bad).is_err());
}

/// Sets or clears the account's verified address straight in the database.
async fn set_verified(app: &TestApp, user_id: i64, verified: bool) {
    let mut u: user::ActiveModel = user::Entity::find_by_id(user_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    u.email_verified_at = Set(verified.then(Utc::now));
    u.update(&app.db).await.unwrap();
}

/// Issue #23: an account whose email is not verified may hold an assigned course, but may
/// not open its modules (403 `email_not_verified`) nor receive a certificate.
#[tokio::test]
async fn unverified_accounts_neither_learn_nor_earn_certificates() {
    use sea_orm::{ColumnTrait, QueryFilter};
    let app = TestApp::new().await;
    let trainer = app.user_with(&[Role::Trainer]).await;
    let (course_id, slug) = one_module_course(&app, &trainer, "Quyền con người").await;
    let email = TestApp::unique_email("unverified");
    app.post("/api/v1/auth/register")
        .json(&json!({"email": email, "password": lms_tests::PASSWORD, "display_name": NAME}))
        .send()
        .await
        .expect(StatusCode::ACCEPTED);
    let id = user::Entity::find()
        .filter(user::Column::Email.eq(email.clone()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let s = app.login(&email, lms_tests::PASSWORD, id).await;
    lms_domain::courses::enrolment::assign(&app.db, None, id, course_id, None)
        .await
        .unwrap();
    for path in [
        format!("/api/v1/learn/{slug}/modules/1"),
        format!("/api/v1/learn/{slug}/modules/1/attempts"),
    ] {
        let refused = app
            .request(
                if path.ends_with("attempts") {
                    http::Method::POST
                } else {
                    http::Method::GET
                },
                &path,
            )
            .bearer(&s.access_token)
            .send()
            .await
            .expect(StatusCode::FORBIDDEN);
        assert_eq!(refused.error_code(), "email_not_verified", "{path}");
    }

    // A progress token obtained while verified, spent after the address lost its proof:
    // the course completes, no certificate is issued.
    set_verified(&app, id, true).await;
    let view = app
        .get(&format!("/api/v1/learn/{slug}/modules/1"))
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    set_verified(&app, id, false).await;
    let tok = app.backdated(view["progress_token"].as_str().unwrap(), 3600);
    app.post("/api/v1/progress")
        .json(&json!({"token": tok, "intervals": [[0.0, 30.0]], "position": 30.0}))
        .send()
        .await
        .expect(StatusCode::OK);
    let issued = lms_domain::entities::certificate::Entity::find()
        .filter(lms_domain::entities::certificate::Column::UserId.eq(id))
        .all(&app.db)
        .await
        .unwrap();
    assert!(issued.is_empty(), "{issued:?}");
}
