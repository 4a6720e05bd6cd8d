//! Courses ready for learners, built the way trainers build them (over the API), with
//! videos left as the media worker leaves them.

use http::{Method, StatusCode};
use lms_domain::media::{self, NewVideo, Processed};
use serde_json::{Value, json};

use crate::{Session, TestApp};

/// A transcoded video of `duration_s`, owned by `owner`.
pub async fn ready_video(app: &TestApp, owner: &Session, duration_s: f64) -> i64 {
    let a = media::create_video(
        &app.db,
        NewVideo {
            owner_id: Some(owner.user_id),
            original_filename: "lecture.mp4".into(),
            content_type: "video/mp4".into(),
            storage_key: media::new_video_key("mp4"),
            size_bytes: 1000,
            sha256: None,
        },
    )
    .await
    .unwrap();
    media::mark_ready(
        &app.db,
        a.id,
        Processed {
            duration_s,
            width: 640,
            height: 360,
            facts: json!({}),
            renditions: json!([]),
        },
    )
    .await
    .unwrap();
    a.id
}

/// One module of a course to publish: its video length, GIFT quiz (or none) and rules
/// (module fields of `PATCH /api/v1/modules/{id}`).
pub struct ModuleSpec<'a> {
    pub title: &'a str,
    pub video_s: f64,
    pub gift: Option<&'a str>,
    pub rules: Value,
}

/// Creates and publishes a public course; returns its id and slug.
pub async fn published_course(
    app: &TestApp,
    trainer: &Session,
    title: &str,
    modules: &[ModuleSpec<'_>],
) -> (i64, String) {
    let created = app
        .post("/api/v1/courses")
        .bearer(&trainer.access_token)
        .json(&json!({"title": title, "summary": "Tóm tắt"}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json();
    let c = created["id"].as_i64().unwrap();
    for spec in modules {
        let mut body = json!({"title": spec.title, "slides_markdown": "## Mở đầu {t=0:00}\n\nNội dung\n\n## Phần hai {t=1:00}\n\nTiếp"});
        if let (Value::Object(b), Value::Object(r)) = (&mut body, &spec.rules) {
            b.extend(r.clone());
        }
        let m = app
            .post(&format!("/api/v1/courses/{c}/modules"))
            .bearer(&trainer.access_token)
            .json(&body)
            .send()
            .await
            .expect(StatusCode::CREATED)
            .json()["id"]
            .as_i64()
            .unwrap();
        let v = ready_video(app, trainer, spec.video_s).await;
        app.request(Method::PUT, &format!("/api/v1/modules/{m}/video"))
            .bearer(&trainer.access_token)
            .json(&json!({"asset_id": v}))
            .send()
            .await
            .expect(StatusCode::OK);
        if let Some(gift) = spec.gift {
            let res = app
                .request(Method::PUT, &format!("/api/v1/modules/{m}/quiz"))
                .bearer(&trainer.access_token)
                .json(&json!({"gift": gift}))
                .send()
                .await
                .expect(StatusCode::OK);
            assert_eq!(res.json()["problems"], json!([]), "GIFT problems");
        }
    }
    app.post(&format!("/api/v1/courses/{c}/publish"))
        .bearer(&trainer.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
    (c, created["slug"].as_str().unwrap().to_owned())
}
