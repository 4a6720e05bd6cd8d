//! Resumable uploads over tus 1.0: creation, resume, offsets, limits, ownership, and the
//! asset with its transcode job written together on completion.

use http::{Method, StatusCode};
use lms_domain::Role;
use lms_tests::tus::{create, meta, offset, patch};
use lms_tests::{Session, TestApp};

#[tokio::test]
async fn an_upload_resumes_and_becomes_an_asset_with_its_job() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let url = create(&app, &t, data.len()).await;
    assert_eq!(offset(&app, &t, &url).await, 0);

    // First part arrives, then the connection "drops"; the client asks where to resume.
    let first = patch(&app, &t, &url, 0, data[..100_000].to_vec())
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(first.headers["upload-offset"], "100000");
    assert_eq!(offset(&app, &t, &url).await, 100_000);
    // A stale offset is refused with the real one.
    let stale = patch(&app, &t, &url, 0, data[..10].to_vec())
        .await
        .expect(StatusCode::CONFLICT);
    assert_eq!(stale.headers["upload-offset"], "100000");
    assert_eq!(app.count("assets").await, 0);

    let last = patch(&app, &t, &url, 100_000, data[100_000..].to_vec())
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(last.headers["upload-offset"], data.len().to_string());
    let status = app
        .get(&url)
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let asset_id = status["asset_id"].as_i64().expect("asset once complete");

    // The asset and its transcode job exist together; the stored bytes are the sent bytes.
    let asset = lms_domain::media::find(&app.db, asset_id).await.unwrap();
    assert_eq!(asset.status, "uploaded");
    assert_eq!(asset.original_filename, "bài giảng 1.mp4");
    let job = lms_domain::jobs::find(&app.db, asset.job_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.kind, "media.transcode");
    assert_eq!(job.payload["asset_id"], asset_id);
    let stored = std::fs::read(app.data_dir().join("media").join(&asset.storage_key)).unwrap();
    assert_eq!(stored, data);
    let api = app
        .get(&format!("/api/v1/assets/{asset_id}"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(api["status"], "uploaded");
    // A completed upload takes no more bytes.
    patch(&app, &t, &url, data.len(), b"x".to_vec())
        .await
        .expect(StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_protocol_answers_are_right() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let opts = app
        .request(Method::OPTIONS, "/api/v1/uploads")
        .send()
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(opts.headers["tus-version"], "1.0.0");
    assert!(
        opts.headers["tus-extension"]
            .to_str()
            .unwrap()
            .contains("creation")
    );
    assert_eq!(opts.headers["tus-max-size"], (10 * 1024 * 1024).to_string());

    // Another protocol version: 412.
    let res = app
        .post("/api/v1/uploads")
        .bearer(&t.access_token)
        .header("tus-resumable", "0.2.2")
        .header("upload-length", "10")
        .send()
        .await;
    assert_eq!(res.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(res.headers["tus-version"], "1.0.0");
    // Over the size limit: 413; not a video, PDF or picture: 422; no length: 400.
    let res = app
        .post("/api/v1/uploads")
        .bearer(&t.access_token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", &(11 * 1024 * 1024).to_string())
        .send()
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    let res = app
        .post("/api/v1/uploads")
        .bearer(&t.access_token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", "10")
        .header("upload-metadata", &meta("archive.zip", "application/zip"))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .post("/api/v1/uploads")
        .bearer(&t.access_token)
        .header("tus-resumable", "1.0.0")
        .send()
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    let url = create(&app, &t, 20).await;
    // Wrong content type: 415. More bytes than announced: 413.
    let res = app
        .request(Method::PATCH, &url)
        .bearer(&t.access_token)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "0")
        .raw("application/octet-stream", vec![0u8; 5])
        .send()
        .await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    patch(&app, &t, &url, 0, vec![1u8; 21])
        .await
        .expect(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(offset(&app, &t, &url).await, 0);

    // Termination.
    app.request(Method::DELETE, &url)
        .bearer(&t.access_token)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .expect(StatusCode::NO_CONTENT);
    app.request(Method::HEAD, &url)
        .bearer(&t.access_token)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn nobody_else_can_resume_read_or_cancel_an_upload() {
    let app = TestApp::new().await;
    let owner = app.user_with(&[Role::Trainer]).await;
    let other = app.user_with(&[Role::Trainer]).await;
    let learner = app.user_with(&[]).await;
    let url = create(&app, &owner, 10).await;
    app.request(Method::HEAD, &url)
        .bearer(&other.access_token)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    patch(&app, &other, &url, 0, b"0123456789".to_vec())
        .await
        .expect(StatusCode::NOT_FOUND);
    app.request(Method::DELETE, &url)
        .bearer(&other.access_token)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    app.get(&url)
        .bearer(&other.access_token)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    app.request(Method::HEAD, &url)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);
    // Learners do not upload course videos.
    app.post("/api/v1/uploads")
        .bearer(&learner.access_token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", "10")
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    // The owner's upload is untouched, and another trainer cannot see the finished asset.
    patch(&app, &owner, &url, 0, b"0123456789".to_vec())
        .await
        .expect(StatusCode::NO_CONTENT);
    let asset_id = app
        .get(&url)
        .bearer(&owner.access_token)
        .send()
        .await
        .json()["asset_id"]
        .as_i64()
        .unwrap();
    app.get(&format!("/api/v1/assets/{asset_id}"))
        .bearer(&other.access_token)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    // Nor attach it to their own module.
    let c = app
        .post("/api/v1/courses")
        .bearer(&other.access_token)
        .json(&serde_json::json!({"title": "Khác"}))
        .send()
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let m = app
        .post(&format!("/api/v1/courses/{c}/modules"))
        .bearer(&other.access_token)
        .json(&serde_json::json!({"title": "M"}))
        .send()
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    app.put(&format!("/api/v1/modules/{m}/video"))
        .bearer(&other.access_token)
        .json(&serde_json::json!({"asset_id": asset_id}))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_per_user_quota_is_enforced() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let _a = create(&app, &t, 9 * 1024 * 1024).await;
    let res = app
        .post("/api/v1/uploads")
        .bearer(&t.access_token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", &(8 * 1024 * 1024).to_string())
        .send()
        .await
        .expect(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.json()["message"].as_str().unwrap().contains("quota"));
    // Another user has their own quota.
    let other = app.user_with(&[Role::Trainer]).await;
    create(&app, &other, 8 * 1024 * 1024).await;
}

#[tokio::test]
async fn uploads_started_at_once_cannot_together_pass_the_quota() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    // The quota is 16 MiB: any two of these together are over it.
    let start = || {
        app.post("/api/v1/uploads")
            .bearer(&t.access_token)
            .header("tus-resumable", "1.0.0")
            .header("upload-length", &(9 * 1024 * 1024).to_string())
            .header("upload-metadata", &meta("a.mp4", "video/mp4"))
            .send()
    };
    let answers = futures_util::future::join_all((0..8).map(|_| start())).await;
    let created = answers
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let refused = answers
        .iter()
        .filter(|r| r.status == StatusCode::PAYLOAD_TOO_LARGE)
        .count();
    assert_eq!((created, refused), (1, 7), "one upload fits the quota");
}

#[tokio::test]
async fn a_trainer_can_cancel_processing_and_the_worker_loses_the_job() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let other = app.user_with(&[Role::Trainer]).await;
    let url = create(&app, &t, 10).await;
    patch(&app, &t, &url, 0, b"0123456789".to_vec())
        .await
        .expect(StatusCode::NO_CONTENT);
    let asset_id = app.get(&url).bearer(&t.access_token).send().await.json()["asset_id"]
        .as_i64()
        .unwrap();
    // A worker has claimed the job.
    let job = lms_domain::jobs::claim(
        &app.db,
        &["media.transcode"],
        "w1",
        chrono::Duration::seconds(60),
    )
    .await
    .unwrap()
    .unwrap();

    app.post(&format!("/api/v1/assets/{asset_id}/cancel"))
        .bearer(&other.access_token)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    let res = app
        .post(&format!("/api/v1/assets/{asset_id}/cancel"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(res["status"], "failed");
    assert!(
        res["error"].as_str().unwrap().contains("hủy"),
        "reason in the trainer's language: {res}"
    );
    assert!(
        !lms_domain::jobs::heartbeat(&app.db, job.id, "w1", chrono::Duration::seconds(60))
            .await
            .unwrap(),
        "the worker learns at its next heartbeat"
    );
    app.post(&format!("/api/v1/assets/{asset_id}/cancel"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::CONFLICT);
}

async fn upload_file(
    app: &TestApp,
    s: &Session,
    filename: &str,
    filetype: &str,
    bytes: &[u8],
) -> lms_tests::TestResponse {
    let res = app
        .post("/api/v1/uploads")
        .bearer(&s.access_token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", &bytes.len().to_string())
        .header("upload-metadata", &meta(filename, filetype))
        .send()
        .await
        .expect(StatusCode::CREATED);
    let url = res.headers["location"].to_str().unwrap().to_owned();
    patch(app, s, &url, 0, bytes.to_vec()).await
}

#[tokio::test]
async fn pdf_slides_and_cover_pictures_are_checked_and_attached() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let c = app
        .post("/api/v1/courses")
        .bearer(&t.access_token)
        .json(&serde_json::json!({"title": "Có ảnh bìa"}))
        .send()
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let m = app
        .post(&format!("/api/v1/courses/{c}/modules"))
        .bearer(&t.access_token)
        .json(&serde_json::json!({"title": "M"}))
        .send()
        .await
        .json()["id"]
        .as_i64()
        .unwrap();

    // A "PDF" that is not one is refused and leaves nothing.
    let fake = upload_file(
        &app,
        &t,
        "slides.pdf",
        "application/pdf",
        b"<html>not a pdf</html>",
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fake.error_code(), "validation");
    assert_eq!(app.count("assets").await, 0);

    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    upload_file(&app, &t, "slides.pdf", "application/pdf", pdf)
        .await
        .expect(StatusCode::NO_CONTENT);
    let pdf_asset = lms_domain::media::find(&app.db, 1).await.unwrap();
    assert_eq!(
        (
            pdf_asset.kind.as_str(),
            pdf_asset.status.as_str(),
            pdf_asset.job_id
        ),
        ("pdf", "ready", None),
        "no transcode job for a PDF"
    );
    let module = app
        .put(&format!("/api/v1/modules/{m}/slides"))
        .bearer(&t.access_token)
        .json(&serde_json::json!({"asset_id": pdf_asset.id}))
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(module["slides_kind"], "pdf");
    // A PDF is not a cover, and a cover is not a video.
    app.put(&format!("/api/v1/courses/{c}/cover"))
        .bearer(&t.access_token)
        .json(&serde_json::json!({"asset_id": pdf_asset.id}))
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);

    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    upload_file(&app, &t, "cover.png", "image/png", png)
        .await
        .expect(StatusCode::NO_CONTENT);
    let cover = app
        .put(&format!("/api/v1/courses/{c}/cover"))
        .bearer(&t.access_token)
        .json(&serde_json::json!({"asset_id": 2}))
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(cover["cover_asset_id"], 2);
    app.put(&format!("/api/v1/modules/{m}/video"))
        .bearer(&t.access_token)
        .json(&serde_json::json!({"asset_id": 2}))
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    // Another trainer cannot attach these files.
    let other = app.user_with(&[Role::Trainer]).await;
    let oc = app
        .post("/api/v1/courses")
        .bearer(&other.access_token)
        .json(&serde_json::json!({"title": "Khác"}))
        .send()
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    app.put(&format!("/api/v1/courses/{oc}/cover"))
        .bearer(&other.access_token)
        .json(&serde_json::json!({"asset_id": 2}))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);

    // Published, the catalogue carries a signed cover URL that serves the picture.
    let v = {
        let a = lms_domain::media::create_video(
            &app.db,
            lms_domain::media::NewVideo {
                owner_id: Some(t.user_id),
                original_filename: "v.mp4".into(),
                content_type: "video/mp4".into(),
                storage_key: lms_domain::media::new_video_key("mp4"),
                size_bytes: 1,
                sha256: None,
            },
        )
        .await
        .unwrap();
        lms_domain::media::mark_ready(
            &app.db,
            a.id,
            lms_domain::media::Processed {
                duration_s: 200.0,
                width: 640,
                height: 360,
                facts: serde_json::json!({}),
                renditions: serde_json::json!({}),
            },
        )
        .await
        .unwrap();
        a.id
    };
    app.put(&format!("/api/v1/modules/{m}/video"))
        .bearer(&t.access_token)
        .json(&serde_json::json!({"asset_id": v}))
        .send()
        .await
        .expect(StatusCode::OK);
    app.post(&format!("/api/v1/courses/{c}/publish"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
    let list = app
        .get("/api/v1/courses")
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let url = list["items"][0]["cover_url"]
        .as_str()
        .expect("cover url")
        .to_owned();
    let picture = app.get(&url).send().await.expect(StatusCode::OK);
    assert_eq!(picture.headers["content-type"], "image/png");
    assert_eq!(picture.body.as_ref(), png);
}

#[tokio::test]
async fn uploads_abandoned_for_a_week_are_removed_with_their_bytes() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let old = create(&app, &t, 100).await;
    let recent = create(&app, &t, 100).await;
    let res = patch(&app, &t, &old, 0, vec![7u8; 40])
        .await
        .expect(StatusCode::NO_CONTENT);
    // tus expiration: the client is told how long the server keeps an unfinished upload.
    let expires = res.headers["upload-expires"].to_str().unwrap();
    let expires = chrono::DateTime::parse_from_rfc2822(&expires.replace("GMT", "+0000")).unwrap();
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours() / 24;
    assert_eq!(days, 6, "a week, minus the seconds of this test: {expires}");
    patch(&app, &t, &recent, 0, vec![7u8; 40])
        .await
        .expect(StatusCode::NO_CONTENT);
    let old_id = old.rsplit('/').next().unwrap();
    let staged = app.data_dir().join(format!("media/uploads/{old_id}.part"));
    assert!(staged.exists());

    // Eight days later, only the one nobody touched for a week goes, bytes and all.
    let later = chrono::Utc::now() + chrono::Duration::days(8);
    let recent_id = recent.rsplit('/').next().unwrap();
    touch(&app, recent_id, later - chrono::Duration::days(1)).await;
    let removed = lms_api::resumable::sweep_abandoned(&app.state.storage, &app.db, later)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert!(!staged.exists());
    app.request(Method::HEAD, &old)
        .bearer(&t.access_token)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    assert_eq!(offset(&app, &t, &recent).await, 40);
}

/// Sets an upload's last activity.
async fn touch(app: &TestApp, id: &str, at: chrono::DateTime<chrono::Utc>) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    lms_domain::entities::upload::Entity::update_many()
        .col_expr(
            lms_domain::entities::upload::Column::UpdatedAt,
            Expr::value(at),
        )
        .filter(lms_domain::entities::upload::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}
