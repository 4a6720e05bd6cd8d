//! Roster import: CSV (BOM, semicolons, CRLF, quotes) and XLSX; every bad row reported with
//! its line, column and reason; strict, partial and dry-run modes; idempotent re-imports;
//! full re-imports deactivate (never delete); names in NFC; former province codes resolved;
//! HR acts only within their organisations. Only HR and admins get a file read at all, and a
//! hostile workbook (a far-away cell, a ZIP bomb) is refused quickly without the memory it asks.

use std::io::Write;

use futures_util::StreamExt;
use http::StatusCode;
use lms_domain::Role;
use lms_tests::{Session, TestApp};
use serde_json::{Value, json};

async fn org_id(app: &TestApp, s: &Session, code: &str) -> i64 {
    let orgs = app
        .get("/api/v1/organisations")
        .bearer(&s.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    orgs.as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == code)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn hr_of(app: &TestApp, admin: &Session, codes: &[&str]) -> Session {
    let hr = app.user_with(&[Role::Hr]).await;
    let mut ids = Vec::new();
    for c in codes {
        ids.push(org_id(app, admin, c).await);
    }
    app.patch(&format!("/api/v1/users/{}", hr.user_id))
        .bearer(&admin.access_token)
        .json(&json!({"hr_organisation_ids": ids}))
        .send()
        .await
        .expect(StatusCode::OK);
    hr
}

async fn import(
    app: &TestApp,
    s: &Session,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Value {
    app.post(&format!("/api/v1/roster/imports?{query}"))
        .bearer(&s.access_token)
        .raw(content_type, body)
        .send()
        .await
        .expect(StatusCode::OK)
        .json()
}

fn lines(report: &Value) -> Vec<(u64, String)> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["column"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Semicolons, a BOM, CRLF, quoted fields; "Nguyễn" written decomposed (NFD); a former
/// province code (74, Bình Dương); lines 4 to 8 are bad in one way each.
fn roster_csv() -> Vec<u8> {
    let nfd_name = "Nguye\u{0302}\u{0303}n Va\u{0306}n An";
    format!(
        "\u{feff}Mã cán bộ;Họ và tên;Email;Mã đơn vị;Mã tỉnh;Nhóm cán bộ;Chức vụ\r\n\
         CB001;{nfd_name};an@example.test;ubnd-79;74;hr-officers;Chuyên viên\r\n\
         CB002;\"Trần Thị Bình; Phó phòng\";binh@example.test;ubnd-79;79;\"hr-officers,info-comm-managers\";Phó phòng\r\n\
         CB003;Lê Văn Cường;not-an-email;ubnd-79;79;hr-officers;\r\n\
         CB004;Phạm Thị Dung;;no-such-org;79;hr-officers;\r\n\
         CB005;Hoàng Văn Em;;ubnd-79;79;no-such-group;\r\n\
         CB001;Trùng Mã;;ubnd-79;79;hr-officers;\r\n\
         ;Không Có Mã;;ubnd-79;99;;\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn hr_imports_a_roster_with_line_numbered_errors_in_every_mode() {
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    let hr = hr_of(&app, &admin, &["ubnd-79"]).await;

    // Strict: all or nothing.
    let strict = import(&app, &hr, "strict=true", "text/csv", roster_csv()).await;
    assert_eq!(strict["applied"], false);
    assert_eq!(strict["created"], 0);
    assert_eq!(app.count("roster_members").await, 0);
    assert_eq!(
        lines(&strict),
        vec![
            (4, "email".into()),
            (5, "organisation_code".into()),
            (6, "cadre_groups".into()),
            (7, "employee_id".into()),
            (8, "employee_id".into()),
            (8, "province_code".into()),
        ]
    );
    assert!(strict.to_string().contains("first on line 2"), "{strict}");
    // Each problem also carries a code and its value, for pages to say it in their language.
    let codes: Vec<(String, Value, Value)> = strict["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["code"].as_str().unwrap().to_owned(),
                p["value"].clone(),
                p["first_line"].clone(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            ("not_an_email".into(), json!("not-an-email"), Value::Null),
            (
                "unknown_organisation".into(),
                json!("no-such-org"),
                Value::Null
            ),
            (
                "unknown_cadre_group".into(),
                json!("no-such-group"),
                Value::Null
            ),
            ("duplicate".into(), json!("CB001"), json!(2)),
            ("required".into(), Value::Null, Value::Null),
            ("unknown_province".into(), json!("99"), Value::Null),
        ]
    );

    // Dry run: what would change, nothing written.
    let dry = import(&app, &hr, "dry_run=true", "text/csv", roster_csv()).await;
    assert_eq!(
        (dry["created"].as_u64(), dry["applied"].as_bool()),
        (Some(2), Some(false))
    );
    assert_eq!(app.count("roster_members").await, 0);

    // Partial: the valid rows.
    let partial = import(&app, &hr, "", "text/csv", roster_csv()).await;
    assert_eq!(partial["applied"], true);
    assert_eq!(
        (partial["rows"].as_u64(), partial["valid"].as_u64()),
        (Some(7), Some(2))
    );
    assert_eq!(partial["created"], 2);
    assert_eq!(app.count("roster_members").await, 2);
    let member = lms_domain::entities::roster_member::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    use sea_orm::EntityTrait;
    let an = member.iter().find(|m| m.employee_id == "CB001").unwrap();
    assert_eq!(an.full_name, "Nguyễn Văn An", "stored in NFC");
    assert_eq!(an.full_name.chars().count(), 13);
    let hcm = lms_domain::reference::current_province(&app.db, "79")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        an.province_id,
        Some(hcm.id),
        "the former code 74 resolves to 79"
    );
    let binh = member.iter().find(|m| m.employee_id == "CB002").unwrap();
    assert_eq!(binh.full_name, "Trần Thị Bình; Phó phòng");
    assert_eq!(app.count("roster_member_groups").await, 3);

    // The same file again changes nothing.
    let again = import(&app, &hr, "", "text/csv", roster_csv()).await;
    assert_eq!(
        (
            again["created"].as_u64(),
            again["updated"].as_u64(),
            again["unchanged"].as_u64()
        ),
        (Some(0), Some(0), Some(2))
    );

    // A full re-import without CB002: marked inactive, not deleted.
    let only_an = "employee id,full name,email,organisation code,province code,cadre groups,position\n\
                   CB001,Nguyễn Văn An,an@example.test,ubnd-79,79,hr-officers,Chuyên viên\n";
    let full = import(
        &app,
        &hr,
        "full=true",
        "text/csv",
        only_an.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(
        (full["unchanged"].as_u64(), full["deactivated"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(app.count("roster_members").await, 2);
    assert_eq!(app.count("roster_members WHERE active = false").await, 1);
    assert_eq!(
        app.count("audit_log WHERE action = 'roster.imported'")
            .await,
        3
    );
}

#[tokio::test]
async fn hr_acts_only_within_their_organisations_and_xlsx_works_too() {
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    let hr = hr_of(&app, &admin, &["ubnd-01"]).await;
    // An account that already exists is linked by its email.
    let learner = app.user_with(&[]).await;

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows = [
        [
            "Employee ID",
            "Full name",
            "Email",
            "Organisation code",
            "Province code",
            "Cadre groups",
            "Position",
        ],
        [
            "1001",
            "Đỗ Thị Giang",
            learner.email.as_str(),
            "ubnd-01",
            "1",
            "hr-officers",
            "Chuyên viên",
        ],
        ["1002", "Vũ Văn Hải", "", "ubnd-79", "79", "hr-officers", ""],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    // A numeric employee id, as spreadsheets store them.
    sheet.write_number(3, 0, 1003.0).unwrap();
    sheet.write_string(3, 1, "Bùi Thị Lan").unwrap();
    sheet.write_string(3, 3, "ubnd-01").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let report = import(
        &app,
        &hr,
        "",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    )
    .await;
    assert_eq!(report["created"], 2, "{report}");
    assert_eq!(report["linked"], 1);
    assert_eq!(lines(&report), vec![(3, "organisation_code".into())]);
    assert!(report.to_string().contains("you do not manage"));
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let lan = lms_domain::entities::roster_member::Entity::find()
        .filter(lms_domain::entities::roster_member::Column::EmployeeId.eq("1003"))
        .one(&app.db)
        .await
        .unwrap();
    assert!(lan.is_some(), "the number 1003 is read as the id \"1003\"");

    // Learners may not import; a file that is not a table is refused clearly.
    app.post("/api/v1/roster/imports")
        .bearer(&learner.access_token)
        .raw("text/csv", b"employee id\n1\n".to_vec())
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    let bad = app
        .post("/api/v1/roster/imports")
        .bearer(&hr.access_token)
        .raw(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            b"PK\x03\x04garbage".to_vec(),
        )
        .send()
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert_eq!(bad.error_code(), "unreadable_file");
    let missing = import(&app, &hr, "", "text/csv", b"name,email\nA,a@b.c\n".to_vec()).await;
    assert_eq!(missing["applied"], false);
    assert!(lines(&missing).iter().all(|(l, _)| *l == 1), "{missing}");
}

/// Membership of a cadre group assigns the group's required courses with its deadline: to
/// rostered people who have an account at import time, and to those who sign up later with
/// the rostered email once they confirm it.
#[tokio::test]
async fn group_membership_assigns_the_required_courses_with_the_deadline() {
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    let hr = hr_of(&app, &admin, &["ubnd-01"]).await;
    let course = app
        .post("/api/v1/courses")
        .bearer(&admin.access_token)
        .json(&json!({"title": "Quyền con người cho cán bộ"}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json()["id"]
        .as_i64()
        .unwrap();
    app.patch("/api/v1/cadre-groups/hr-officers")
        .bearer(&admin.access_token)
        .json(&json!({"course_ids": [course]}))
        .send()
        .await
        .expect(StatusCode::OK);
    let existing = app.user_with(&[]).await;
    let newcomer = TestApp::unique_email("moi");
    let csv = format!(
        "employee id,full name,email,organisation code,province code,cadre groups,position\n\
         A1,Đặng Văn Khoa,{},ubnd-01,01,hr-officers,\n\
         A2,Ngô Thị Mai,{newcomer},ubnd-01,01,hr-officers,\n",
        existing.email
    );
    let report = import(&app, &hr, "", "text/csv", csv.into_bytes()).await;
    assert_eq!(
        (report["linked"].as_u64(), report["assigned"].as_u64()),
        (Some(1), Some(1)),
        "{report}"
    );
    use lms_domain::entities::enrolment;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let assigned = enrolment::Entity::find()
        .filter(enrolment::Column::UserId.eq(existing.user_id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("assigned");
    assert_eq!(assigned.source, "assigned");
    assert_eq!(
        assigned.due_at.unwrap().to_rfc3339(),
        "2028-12-31T23:59:59+00:00"
    );
    // Importing again assigns nothing new.
    let again = import(
        &app,
        &hr,
        "",
        "text/csv",
        format!(
            "employee id,full name,email,organisation code,province code,cadre groups,position\n\
         A1,Đặng Văn Khoa,{},ubnd-01,01,hr-officers,\n\
         A2,Ngô Thị Mai,{newcomer},ubnd-01,01,hr-officers,\n",
            existing.email
        )
        .into_bytes(),
    )
    .await;
    assert_eq!(again["assigned"], 0);
    assert_eq!(
        report["invited"], 1,
        "the newcomer without an account is invited"
    );

    // HR sees who is not complete yet and reminds them through the outbox.
    let incomplete = app
        .get("/api/v1/coverage/hr-officers/incomplete")
        .bearer(&hr.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(incomplete.as_array().unwrap().len(), 2, "{incomplete}");
    assert_eq!(
        incomplete[0]["missing"],
        json!(["Quyền con người cho cán bộ"])
    );
    let sent = app
        .post("/api/v1/coverage/hr-officers/reminders")
        .bearer(&hr.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(sent["sent"], 2);
    let outbox: Vec<lms_domain::mail::OutgoingMail> = lms_domain::entities::job::Entity::find()
        .filter(lms_domain::entities::job::Column::Kind.eq("mail.send"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|j| serde_json::from_value(j.payload).unwrap())
        .collect();
    let reminder = outbox
        .iter()
        .find(|m| m.template == lms_domain::mail::MailTemplate::TrainingReminder)
        .expect("a reminder");
    assert_eq!(reminder.to, existing.email);
    let invitations = outbox
        .iter()
        .filter(|m| {
            m.template == lms_domain::mail::MailTemplate::RosterInvitation && m.to == newcomer
        })
        .count();
    assert_eq!(invitations, 2, "at import, and with the reminders");
    // Both render, in Vietnamese and in English, with the course and the link.
    for mail in [
        reminder.clone(),
        outbox.iter().find(|m| m.to == newcomer).unwrap().clone(),
    ] {
        for lang in ["vi", "en"] {
            let mut m = mail.clone();
            m.lang = lang.into();
            let rendered = lms_api::mail::render(&app.state, &m).unwrap();
            let raw = String::from_utf8(rendered.formatted()).unwrap();
            assert!(raw.contains("http://lms.test/"), "{raw}");
        }
    }

    // The newcomer signs up with the rostered email and confirms it.
    app.post("/api/v1/auth/register")
        .json(&json!({"email": newcomer, "password": lms_tests::PASSWORD, "display_name": "Ngô Thị Mai"}))
        .send()
        .await
        .expect(StatusCode::ACCEPTED);
    let job = lms_domain::entities::job::Entity::find()
        .filter(lms_domain::entities::job::Column::Kind.eq("mail.send"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.payload["to"] == newcomer.as_str() && j.payload["template"] == "verify_email")
        .expect("verification mail in the outbox");
    let link = job.payload["vars"]["link"].as_str().unwrap().to_owned();
    let token = link
        .split("token=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    app.post("/api/v1/auth/verify")
        .json(&json!({"token": token}))
        .send()
        .await
        .expect(StatusCode::OK);
    let user_id = lms_domain::entities::user::Entity::find()
        .filter(lms_domain::entities::user::Column::Email.eq(newcomer.clone()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let s = app.login(&newcomer, lms_tests::PASSWORD, user_id).await;
    let mine = app
        .get("/api/v1/me/enrolments")
        .bearer(&s.access_token)
        .send()
        .await
        .json();
    let linked = lms_domain::entities::roster_member::Entity::find()
        .filter(lms_domain::entities::roster_member::Column::EmployeeId.eq("A2"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        linked.user_id,
        Some(user_id),
        "the roster entry is linked on confirmation"
    );
    let enrolled = enrolment::Entity::find()
        .filter(enrolment::Column::UserId.eq(user_id))
        .filter(enrolment::Column::CourseId.eq(course))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the group's course is assigned");
    assert!(enrolled.due_at.is_some(), "{mine}");
}

/// An XLSX made by hand (the smallest workbook calamine opens) whose first worksheet's XML
/// is whatever `sheet` writes, deflated as it is written, so that a huge sheet is never held.
fn handmade_xlsx(sheet: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, xml) in parts {
        zip.start_file(name, deflated).unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
    }
    zip.start_file("xl/worksheets/sheet1.xml", deflated)
        .unwrap();
    sheet(&mut zip);
    zip.finish().unwrap().into_inner()
}

/// A sheet with a header in A1 and one value far away, declared in its dimension too: read
/// as a rectangle this is `far`'s row × column cells (XFD1048576: 17 billion).
fn far_cell_xlsx(far: &str) -> Vec<u8> {
    handmade_xlsx(|w| {
        let row: u32 = far.trim_start_matches(char::is_alphabetic).parse().unwrap();
        write!(
            w,
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:{far}"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Employee ID</t></is></c></row><row r="{row}"><c r="{far}"><v>1</v></c></row></sheetData></worksheet>"#
        )
        .unwrap();
    })
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The process's peak resident memory so far (VmHWM), in MiB.
fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024
}

/// Learners and accounts that have not even verified their email are refused before their
/// upload is read: the body here sends a hostile workbook and then never ends, so a server
/// that read it first would hang (or, parsing it, abort).
#[tokio::test]
async fn only_hr_and_admins_get_their_roster_file_read() {
    let app = TestApp::new().await;
    let learner = app.user_with(&[]).await;
    let email = TestApp::unique_email("unverified");
    app.post("/api/v1/auth/register")
        .json(&json!({"email": email, "password": lms_tests::PASSWORD, "display_name": "Chưa Xác Minh"}))
        .send()
        .await
        .expect(StatusCode::ACCEPTED);
    let unverified = app.login(&email, lms_tests::PASSWORD, 0).await;
    let trainer = app.user_with(&[Role::Trainer]).await;
    for s in [&learner, &unverified, &trainer] {
        let hostile = far_cell_xlsx("XFD1048576");
        let body = axum::body::Body::from_stream(
            futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(hostile))])
                .chain(futures_util::stream::pending()),
        );
        let res = tokio::time::timeout(
            std::time::Duration::from_secs(20),
            app.post("/api/v1/roster/imports")
                .bearer(&s.access_token)
                .raw(XLSX, body)
                .send(),
        )
        .await
        .expect("answered without waiting for the body");
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text());
    }
}

/// A workbook whose one far cell would make a 17-billion-cell grid is refused at once with
/// a message saying the limit, and reading it costs next to no memory.
#[tokio::test]
async fn a_far_away_cell_is_refused_without_allocating_the_grid() {
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    let hr = hr_of(&app, &admin, &["ubnd-79"]).await;
    for far in ["XFD1000", "XFD1048576"] {
        let hostile = far_cell_xlsx(far);
        assert!(hostile.len() < 2048, "{} bytes", hostile.len());
        let before = peak_rss_mib();
        let started = std::time::Instant::now();
        let res = app
            .post("/api/v1/roster/imports")
            .bearer(&hr.access_token)
            .raw(XLSX, hostile)
            .send()
            .await;
        let after = peak_rss_mib();
        eprintln!(
            "{far}: {} after {:?}; peak RSS {before} MiB before, {after} MiB after",
            res.status,
            started.elapsed()
        );
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text());
        assert_eq!(res.error_code(), "unreadable_file");
        let message = res.json()["message"].as_str().unwrap().to_owned();
        assert!(
            message.contains("the sheet is larger than 100000 rows")
                && message.contains("64 columns")
                && message.contains(&format!("A1:{far}")),
            "{message}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(after - before < 100, "peak RSS grew {before} → {after} MiB");
    }
    // The same cell without a dimension declaring it is found while streaming.
    let undeclared = handmade_xlsx(|w| {
        w.write_all(br#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Employee ID</t></is></c><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#).unwrap();
    });
    let res = app
        .post("/api/v1/roster/imports")
        .bearer(&hr.access_token)
        .raw(XLSX, undeclared)
        .send()
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(
        res.text().contains("it has a value in XFD1048576"),
        "{}",
        res.text()
    );
}

/// A sheet that inflates from 48 KB to 49 MiB is refused before the workbook is opened (the
/// parts are measured as they decompress: the sizes a ZIP declares may lie).
#[tokio::test]
async fn a_zip_bomb_sheet_is_refused() {
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    let bomb = handmade_xlsx(|w| {
        w.write_all(br#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>"#).unwrap();
        let chunk = vec![b'a'; 1024 * 1024];
        for _ in 0..49 {
            w.write_all(&chunk).unwrap();
        }
        w.write_all(b"</t></is></c></row></sheetData></worksheet>")
            .unwrap();
    });
    assert!(bomb.len() < 60 * 1024, "{} bytes", bomb.len());
    let before = peak_rss_mib();
    let res = app
        .post("/api/v1/roster/imports")
        .bearer(&admin.access_token)
        .raw(XLSX, bomb)
        .send()
        .await
        .expect(StatusCode::BAD_REQUEST);
    let after = peak_rss_mib();
    eprintln!("zip bomb: peak RSS {before} MiB before, {after} MiB after");
    assert!(
        res.text()
            .contains("xl/worksheets/sheet1.xml is larger than 48 MiB once decompressed"),
        "{}",
        res.text()
    );
}

/// Every mail waiting in the outbox (or already sent from it).
async fn outbox(app: &TestApp) -> Vec<lms_domain::mail::OutgoingMail> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    lms_domain::entities::job::Entity::find()
        .filter(lms_domain::entities::job::Column::Kind.eq("mail.send"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|j| serde_json::from_value(j.payload).unwrap())
        .collect()
}

async fn member_user(app: &TestApp, employee_id: &str) -> Option<i64> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    lms_domain::entities::roster_member::Entity::find()
        .filter(lms_domain::entities::roster_member::Column::EmployeeId.eq(employee_id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("roster entry")
        .user_id
}

/// Issue #23: a roster row linked any account with its email, verified or not, whatever its
/// organisation, so HR could pull the people of other organisations (and accounts squatting
/// an official's email) into their scope. Now a row links only a verified account that has
/// no organisation or one within the importer's scope; a verified account elsewhere is asked
/// to confirm by mail; an unverified one is never linked.
#[tokio::test]
async fn importing_links_only_verified_accounts_within_reach_and_asks_the_others() {
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    let hr = hr_of(&app, &admin, &["ubnd-01"]).await;
    let ours = org_id(&app, &admin, "ubnd-01").await;
    let theirs = org_id(&app, &admin, "ubnd-79").await;
    let mut emails = Vec::new();
    for org in [Some(ours), None, Some(theirs)] {
        let email = TestApp::unique_email("cb");
        app.post("/api/v1/users")
            .bearer(&admin.access_token)
            .json(&json!({"email": email, "display_name": "Cán bộ", "password": lms_tests::PASSWORD, "organisation_id": org}))
            .send()
            .await
            .expect(StatusCode::CREATED);
        emails.push(email);
    }
    // Somebody registered an official's address without owning the mailbox.
    let squatted = TestApp::unique_email("squatted");
    app.post("/api/v1/auth/register")
        .json(&json!({"email": squatted, "password": lms_tests::PASSWORD, "display_name": "Kẻ chiếm"}))
        .send()
        .await
        .expect(StatusCode::ACCEPTED);
    let csv = format!(
        "employee id,full name,email,organisation code\n\
         B1,Người Của Ta,{},ubnd-01\n\
         B2,Người Tự Do,{},ubnd-01\n\
         B3,Người Nơi Khác,{},ubnd-01\n\
         B4,Cán Bộ Thật,{squatted},ubnd-01\n",
        emails[0], emails[1], emails[2]
    );
    let pending = |report: &Value| -> Vec<(u64, String)> {
        report["pending"]
            .as_array()
            .unwrap_or_else(|| panic!("no pending rows in {report}"))
            .iter()
            .map(|p| {
                (
                    p["line"].as_u64().unwrap(),
                    p["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let dry = import(
        &app,
        &hr,
        "dry_run=true",
        "text/csv",
        csv.clone().into_bytes(),
    )
    .await;
    assert_eq!(
        (
            dry["linked"].as_u64(),
            dry["invited"].as_u64(),
            dry["applied"].as_bool()
        ),
        (Some(2), Some(0), Some(false)),
        "{dry}"
    );
    assert_eq!(
        pending(&dry),
        vec![
            (4, "confirmation_sent".to_owned()),
            (5, "email_not_verified".to_owned())
        ]
    );
    assert!(
        outbox(&app)
            .await
            .iter()
            .all(|m| m.template != lms_domain::mail::MailTemplate::RosterJoin),
        "a dry run mails nobody"
    );

    let report = import(&app, &hr, "", "text/csv", csv.clone().into_bytes()).await;
    assert_eq!(report["linked"], 2, "{report}");
    assert_eq!(pending(&report), pending(&dry));
    assert!(member_user(&app, "B1").await.is_some());
    assert!(member_user(&app, "B2").await.is_some());
    assert_eq!(
        member_user(&app, "B3").await,
        None,
        "another organisation's official"
    );
    assert_eq!(member_user(&app, "B4").await, None, "an unverified account");
    // Importing the file again asks nobody twice.
    let again = import(&app, &hr, "", "text/csv", csv.into_bytes()).await;
    assert_eq!(
        pending(&again),
        vec![
            (4, "confirmation_pending".to_owned()),
            (5, "email_not_verified".to_owned())
        ]
    );

    // The official of the other organisation is asked, by mail, and may confirm.
    let asks: Vec<_> = outbox(&app)
        .await
        .into_iter()
        .filter(|m| m.template == lms_domain::mail::MailTemplate::RosterJoin)
        .collect();
    assert_eq!(asks.len(), 1);
    assert_eq!(asks[0].to, emails[2]);
    for lang in ["vi", "en"] {
        let mut m = asks[0].clone();
        m.lang = lang.into();
        let raw =
            String::from_utf8(lms_api::mail::render(&app.state, &m).unwrap().formatted()).unwrap();
        assert!(raw.contains("http://lms.test/"), "{raw}");
    }
    let link = asks[0].vars["link"].as_str().unwrap().to_owned();
    assert!(
        link.starts_with("http://lms.test/roster/join?token="),
        "{link}"
    );
    let token = link.split("token=").nth(1).unwrap().to_owned();
    // The link opens a page that asks before anything changes (mail scanners follow links).
    let page = app
        .get(&format!("/roster/join?token={token}"))
        .send()
        .await
        .expect(StatusCode::OK);
    assert!(page.text().contains("name=\"token\""), "{}", page.text());
    assert_eq!(member_user(&app, "B3").await, None);
    app.post("/api/v1/roster/join")
        .json(&json!({"token": "forged"}))
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);
    // The person answers on the page (a form with the page's CSRF token).
    let (cookie, csrf) = page.csrf();
    let done = app
        .post("/roster/join")
        .header("cookie", &cookie)
        .form(&[("token", token.as_str()), ("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect(StatusCode::OK);
    assert!(!done.text().contains("name=\"token\""), "{}", done.text());
    assert!(
        member_user(&app, "B3").await.is_some(),
        "linked once confirmed"
    );
    // The API answers the same requests (a used token is refused like a forged one).
    app.post("/api/v1/roster/join")
        .json(&json!({"token": token}))
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);
    let second = format!(
        "employee id,full name,email,organisation code\nB5,Người Nơi Khác,{},ubnd-01\n",
        emails[2]
    );
    let report = import(&app, &hr, "", "text/csv", second.into_bytes()).await;
    assert_eq!(pending(&report), vec![(2, "confirmation_sent".to_owned())]);
    let ask = outbox(&app)
        .await
        .into_iter()
        .find(|m| {
            m.template == lms_domain::mail::MailTemplate::RosterJoin
                && !m.vars["link"].as_str().unwrap().ends_with(&token)
        })
        .expect("a second request");
    let token = ask.vars["link"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let joined = app
        .post("/api/v1/roster/join")
        .json(&json!({"token": token}))
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(joined["organisation_code"], "ubnd-01", "{joined}");
    assert!(member_user(&app, "B5").await.is_some());
}

/// A row whose account is not verified waits; once the address is proven, by the
/// verification link or by a password reset (which proves it too), the entry is linked.
#[tokio::test]
async fn an_unverified_account_is_linked_once_its_address_is_proven_by_a_reset() {
    let app = TestApp::new().await;
    let admin = app.user_with(&[Role::Admin]).await;
    let hr = hr_of(&app, &admin, &["ubnd-01"]).await;
    let email = TestApp::unique_email("owner");
    app.post("/api/v1/auth/register")
        .json(&json!({"email": email, "password": lms_tests::PASSWORD, "display_name": "Chủ Thật"}))
        .send()
        .await
        .expect(StatusCode::ACCEPTED);
    let csv =
        format!("employee id,full name,email,organisation code\nC1,Chủ Thật,{email},ubnd-01\n");
    let report = import(&app, &hr, "", "text/csv", csv.into_bytes()).await;
    assert_eq!(
        report["pending"][0]["code"], "email_not_verified",
        "{report}"
    );
    assert_eq!(member_user(&app, "C1").await, None);

    app.post("/api/v1/auth/password-reset")
        .json(&json!({"email": email}))
        .send()
        .await
        .expect(StatusCode::ACCEPTED);
    // The request is a job; the dispatcher turns it into the reset mail.
    let mut reset = None;
    for _ in 0..200 {
        reset = outbox(&app)
            .await
            .into_iter()
            .find(|m| m.template == lms_domain::mail::MailTemplate::PasswordReset && m.to == email);
        if reset.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mail = reset.expect("the reset mail");
    let token = mail.vars["link"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    app.post("/api/v1/auth/password-reset/confirm")
        .json(&json!({"token": token, "password": "a brand new passphrase"}))
        .send()
        .await
        .expect(StatusCode::NO_CONTENT);
    assert!(
        member_user(&app, "C1").await.is_some(),
        "linked once the address is proven"
    );
}
