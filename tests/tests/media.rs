//! Media delivery: signed expiring URLs for a ready video, with content types and byte
//! ranges, and playback granted only to owners, admins and enrolled learners.

use http::StatusCode;
use lms_domain::Role;
use lms_domain::media::{self, NewVideo, Processed};
use lms_tests::{Session, TestApp};
use serde_json::json;

/// A ready video whose delivery files exist in storage.
async fn ready_video(app: &TestApp, owner: &Session) -> i64 {
    let key = media::new_video_key("mp4");
    let dir = app
        .data_dir()
        .join("media")
        .join(std::path::Path::new(&key).parent().unwrap())
        .join("hls");
    std::fs::create_dir_all(dir.join("360p")).unwrap();
    std::fs::write(
        dir.join("master.m3u8"),
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000\n360p/index.m3u8\n",
    )
    .unwrap();
    std::fs::write(dir.join("360p/index.m3u8"), "#EXTM3U\n").unwrap();
    std::fs::write(
        dir.join("video.mp4"),
        (0..10_000u32).map(|i| (i % 256) as u8).collect::<Vec<u8>>(),
    )
    .unwrap();
    std::fs::write(dir.join("poster.jpg"), b"jpeg").unwrap();
    let a = media::create_video(
        &app.db,
        NewVideo {
            owner_id: Some(owner.user_id),
            original_filename: "a.mp4".into(),
            content_type: "video/mp4".into(),
            storage_key: key.clone(),
            size_bytes: 1,
            sha256: None,
        },
    )
    .await
    .unwrap();
    let base = std::path::Path::new(&key)
        .parent()
        .unwrap()
        .join("hls")
        .to_string_lossy()
        .into_owned();
    media::mark_ready(
        &app.db,
        a.id,
        Processed {
            duration_s: 200.0,
            width: 640,
            height: 360,
            facts: json!({}),
            renditions: json!({"base": base, "master_playlist": "master.m3u8", "fallback_mp4": "video.mp4", "images": {"poster": "poster.jpg", "thumbnails_vtt": "thumbnails.vtt"}}),
        },
    )
    .await
    .unwrap();
    a.id
}

#[tokio::test]
async fn owners_get_signed_urls_that_serve_the_files() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let id = ready_video(&app, &t).await;
    let p = app
        .get(&format!("/api/v1/assets/{id}/playback"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let hls = p["hls_url"].as_str().unwrap();
    assert!(hls.starts_with("/media/") && hls.ends_with("/master.m3u8"));

    let master = app.get(hls).send().await.expect(StatusCode::OK);
    assert_eq!(
        master.headers["content-type"],
        "application/vnd.apple.mpegurl"
    );
    assert!(master.text().contains("360p/index.m3u8"));
    // The relative rendition URL resolves under the same signed prefix.
    let rendition = hls.replace("master.m3u8", "360p/index.m3u8");
    app.get(&rendition).send().await.expect(StatusCode::OK);

    let mp4 = p["mp4_url"].as_str().unwrap();
    let part = app
        .get(mp4)
        .header("range", "bytes=100-199")
        .send()
        .await
        .expect(StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.headers["content-range"], "bytes 100-199/10000");
    assert_eq!(part.body.len(), 100);
    assert_eq!(part.headers["content-type"], "video/mp4");
    assert!(
        part.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );

    // Tampered, expired, or outside the signed directory: refused.
    let tampered = hls.replacen("/media/", "/media/9", 1);
    app.get(&tampered)
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    let parts: Vec<&str> = hls.split('/').collect(); // ["", "media", exp, sig, videos, uuid, hls, master.m3u8]
    let other_asset = format!(
        "/media/{}/{}/videos/00000000-0000-0000-0000-000000000000/hls/master.m3u8",
        parts[2], parts[3]
    );
    app.get(&other_asset)
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    let source = format!(
        "/media/{}/{}/{}/{}/source.mp4",
        parts[2], parts[3], parts[4], parts[5]
    );
    app.get(&source).send().await.expect(StatusCode::FORBIDDEN);
    let expired = lms_domain::delivery::url(
        b"test-secret-test-secret-test-secret-0123",
        &format!("{}/{}/hls", parts[4], parts[5]),
        "master.m3u8",
        1_000,
    );
    app.get(&expired).send().await.expect(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn learners_stream_only_what_they_are_enrolled_in() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let id = ready_video(&app, &t).await;
    let c = app
        .post("/api/v1/courses")
        .bearer(&t.access_token)
        .json(&json!({"title": "Khóa học có video", "summary": "s"}))
        .send()
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let m = app
        .post(&format!("/api/v1/courses/{c}/modules"))
        .bearer(&t.access_token)
        .json(&json!({"title": "M"}))
        .send()
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    app.put(&format!("/api/v1/modules/{m}/video"))
        .bearer(&t.access_token)
        .json(&json!({"asset_id": id}))
        .send()
        .await
        .expect(StatusCode::OK);
    app.put(&format!("/api/v1/modules/{m}/quiz"))
        .bearer(&t.access_token)
        .json(&json!({"gift": "::q:: Đúng? {T}\n"}))
        .send()
        .await
        .expect(StatusCode::OK);

    let learner = app.user_with(&[]).await;
    let other_trainer = app.user_with(&[Role::Trainer]).await;
    // Unpublished: nobody but the owner.
    app.get(&format!("/api/v1/assets/{id}/playback"))
        .bearer(&learner.access_token)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    app.post(&format!("/api/v1/courses/{c}/publish"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
    // Published but not enrolled: still no.
    app.get(&format!("/api/v1/assets/{id}/playback"))
        .bearer(&learner.access_token)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    app.get(&format!("/api/v1/assets/{id}/playback"))
        .bearer(&other_trainer.access_token)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    app.get(&format!("/api/v1/assets/{id}/playback"))
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);
    // Enrolled: yes.
    app.post(&format!("/api/v1/courses/{c}/enrol"))
        .bearer(&learner.access_token)
        .send()
        .await
        .expect(StatusCode::CREATED);
    app.get(&format!("/api/v1/assets/{id}/playback"))
        .bearer(&learner.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn captions_are_checked_converted_and_offered_with_playback() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let id = ready_video(&app, &t).await;
    let srt = "1\n00:00:01,000 --> 00:00:03,000\nQuyền con người\n\n2\n00:00:04,000 --> 00:00:06,000\nlà quyền vốn có\n";
    let tracks = app
        .post(&format!("/api/v1/assets/{id}/captions"))
        .bearer(&t.access_token)
        .json(&json!({"language": "vi", "label": "Tiếng Việt", "content": srt}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(tracks, json!([{"language": "vi", "label": "Tiếng Việt"}]));

    let bad = app
        .post(&format!("/api/v1/assets/{id}/captions"))
        .bearer(&t.access_token)
        .json(&json!({"language": "en", "content": "WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nbackwards\n\nno timing here\n"}))
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .json();
    let lines: Vec<i64> = bad["details"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 6]);

    let other = app.user_with(&[Role::Trainer]).await;
    app.post(&format!("/api/v1/assets/{id}/captions"))
        .bearer(&other.access_token)
        .json(&json!({"language": "en", "content": srt}))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);

    let p = app
        .get(&format!("/api/v1/assets/{id}/playback"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(p["captions"].as_array().unwrap().len(), 1);
    let vtt = app
        .get(p["captions"][0]["url"].as_str().unwrap())
        .send()
        .await
        .expect(StatusCode::OK);
    assert_eq!(vtt.headers["content-type"], "text/vtt; charset=utf-8");
    assert!(
        vtt.text()
            .starts_with("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nQuyền con người")
    );
}

#[tokio::test]
async fn processing_progress_streams_as_server_sent_events() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let a = media::create_video(
        &app.db,
        NewVideo {
            owner_id: Some(t.user_id),
            original_filename: "a.mp4".into(),
            content_type: "video/mp4".into(),
            storage_key: media::new_video_key("mp4"),
            size_bytes: 1,
            sha256: None,
        },
    )
    .await
    .unwrap();
    let base = app.serve().await;
    let other = app.user_with(&[Role::Trainer]).await;
    let denied = reqwest::Client::new()
        .get(format!("{base}/api/v1/assets/{}/events", a.id))
        .bearer_auth(&other.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::NOT_FOUND);

    let mut res = reqwest::Client::new()
        .get(format!("{base}/api/v1/assets/{}/events", a.id))
        .bearer_auth(&t.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut seen = String::new();
    let first = res.chunk().await.unwrap().unwrap();
    seen.push_str(&String::from_utf8_lossy(&first));
    assert!(
        seen.contains("event: asset") && seen.contains("\"status\":\"uploaded\""),
        "{seen}"
    );

    // The worker reports progress, then finishes: both arrive, and the stream ends.
    lms_domain::jobs::claim(
        &app.db,
        &["media.transcode"],
        "w",
        chrono::Duration::seconds(60),
    )
    .await
    .unwrap()
    .unwrap();
    lms_domain::jobs::report_progress(&app.db, a.job_id.unwrap(), "w", 0.5)
        .await
        .unwrap();
    media::mark_ready(
        &app.db,
        a.id,
        Processed {
            duration_s: 200.0,
            width: 640,
            height: 360,
            facts: json!({}),
            renditions: json!({}),
        },
    )
    .await
    .unwrap();
    let rest = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Some(chunk) = res.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    assert!(
        rest.is_ok(),
        "the stream ends once the video is ready: {seen}"
    );
    assert!(seen.contains("\"status\":\"ready\""), "{seen}");
}

/// Two web server replicas share the database and Redis: progress the worker announces on
/// Redis reaches the viewers of both at once, long before their safety poll (5 s) would.
#[tokio::test]
async fn progress_reaches_viewers_on_every_replica_through_redis() {
    let app = TestApp::builder().with_redis().build().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let a = media::create_video(
        &app.db,
        NewVideo {
            owner_id: Some(t.user_id),
            original_filename: "a.mp4".into(),
            content_type: "video/mp4".into(),
            storage_key: media::new_video_key("mp4"),
            size_bytes: 1,
            sha256: None,
        },
    )
    .await
    .unwrap();
    let first = app.serve().await;
    let replica = lms_api::AppState::new(app.db.clone(), app.state.config.clone())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let second = format!("http://{}", listener.local_addr().unwrap());
    let router =
        lms_api::router(replica).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let mut streams = Vec::new();
    for base in [&first, &second] {
        let mut res = reqwest::Client::new()
            .get(format!("{base}/api/v1/assets/{}/events", a.id))
            .bearer_auth(&t.access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let chunk = res.chunk().await.unwrap().unwrap();
        assert!(String::from_utf8_lossy(&chunk).contains("\"status\":\"uploaded\""));
        streams.push(res);
    }

    // More viewers on the first replica: none of them holds a Redis subscription of its
    // own (each process listens once, for every asset).
    for _ in 0..8 {
        let mut res = reqwest::Client::new()
            .get(format!("{first}/api/v1/assets/{}/events", a.id))
            .bearer_auth(&t.access_token)
            .send()
            .await
            .unwrap();
        res.chunk().await.unwrap().unwrap();
        streams.push(res);
    }
    let client = redis::Client::open(lms_tests::test_redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let (_, per_viewer): (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(media::events_channel(a.id))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(per_viewer, 0, "no Redis subscription per viewer");

    // The worker stores progress and announces it.
    lms_domain::jobs::claim(
        &app.db,
        &["media.transcode"],
        "w",
        chrono::Duration::seconds(60),
    )
    .await
    .unwrap()
    .unwrap();
    lms_domain::jobs::report_progress(&app.db, a.job_id.unwrap(), "w", 0.5)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let receivers: i64 = redis::cmd("PUBLISH")
        .arg(media::events_channel(a.id))
        .arg("")
        .query_async(&mut conn)
        .await
        .unwrap();
    // Both replicas listen (tests running at the same time may listen to the same asset id).
    assert!(receivers >= 2, "both replicas subscribed ({receivers})");
    for res in &mut streams {
        let mut seen = String::new();
        while !seen.contains("\"progress\":0.5") {
            let chunk = tokio::time::timeout(std::time::Duration::from_secs(3), res.chunk())
                .await
                .expect("progress within 3 s")
                .unwrap()
                .unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "delivered by Redis, not by the 5-second poll ({:?})",
        started.elapsed()
    );
}

#[tokio::test]
async fn unused_media_is_deleted_with_its_files_and_no_longer_counts() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let id = ready_video(&app, &t).await;
    let a = media::find(&app.db, id).await.unwrap();
    let folder = app
        .data_dir()
        .join("media")
        .join(a.storage_key.rsplit_once('/').unwrap().0);
    assert!(folder.join("hls/master.m3u8").exists());

    // A module uses it: refused, and the answer says where.
    let c = app
        .post("/api/v1/courses")
        .bearer(&t.access_token)
        .json(&json!({"title": "Khóa học", "summary": "Tóm tắt"}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json()["id"]
        .as_i64()
        .unwrap();
    let m = app
        .post(&format!("/api/v1/courses/{c}/modules"))
        .bearer(&t.access_token)
        .json(&json!({"title": "Bài mở đầu"}))
        .send()
        .await
        .expect(StatusCode::CREATED)
        .json()["id"]
        .as_i64()
        .unwrap();
    let use_video = |asset: i64| {
        let (app, t) = (&app, &t);
        async move {
            app.request(http::Method::PUT, &format!("/api/v1/modules/{m}/video"))
                .bearer(&t.access_token)
                .json(&json!({"asset_id": asset}))
                .send()
                .await
                .expect(StatusCode::OK);
        }
    };
    use_video(id).await;
    let delete = |asset: i64, s: &Session| {
        app.request(http::Method::DELETE, &format!("/api/v1/assets/{asset}"))
            .bearer(&s.access_token)
            .send()
    };
    let in_use = delete(id, &t).await.expect(StatusCode::CONFLICT).json();
    assert!(
        in_use["message"].as_str().unwrap().contains("Bài mở đầu"),
        "{in_use}"
    );
    assert!(folder.join("hls/master.m3u8").exists());

    // Once the module has another video, it can go; only its owner (or an admin) may.
    let replacement = lms_tests::fixtures::ready_video(&app, &t, 200.0).await;
    use_video(replacement).await;
    let other = app.user_with(&[Role::Trainer]).await;
    delete(id, &other).await.expect(StatusCode::NOT_FOUND);
    delete(id, &t).await.expect(StatusCode::NO_CONTENT);
    assert!(!folder.exists(), "its files are gone");
    app.get(&format!("/api/v1/assets/{id}"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("audit_log WHERE action = 'asset.delete'").await,
        1
    );

    // A video still being processed: cancel first, then delete.
    let processing = media::create_video(
        &app.db,
        NewVideo {
            owner_id: Some(t.user_id),
            original_filename: "b.mp4".into(),
            content_type: "video/mp4".into(),
            storage_key: media::new_video_key("mp4"),
            size_bytes: 1,
            sha256: None,
        },
    )
    .await
    .unwrap();
    let busy = delete(processing.id, &t)
        .await
        .expect(StatusCode::CONFLICT)
        .json();
    assert!(
        busy["message"].as_str().unwrap().contains("cancel"),
        "{busy}"
    );
    app.post(&format!("/api/v1/assets/{}/cancel", processing.id))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK);
    delete(processing.id, &t)
        .await
        .expect(StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn trainers_see_their_media_and_delete_what_nothing_uses_in_the_browser() {
    let app = TestApp::new().await;
    let t = app.user_with(&[Role::Trainer]).await;
    let (c, _) = lms_tests::fixtures::published_course(
        &app,
        &t,
        "Khóa học",
        &[lms_tests::fixtures::ModuleSpec {
            title: "Bài đang dùng",
            video_s: 200.0,
            gift: None,
            rules: json!({}),
        }],
    )
    .await;
    assert!(c > 0);
    let unused = ready_video(&app, &t).await;
    let base = app.serve().await;
    let (browser, csrf) = lms_tests::browser_login(&base, &t).await;
    let page = |url: String| {
        let browser = browser.clone();
        async move {
            let res = browser.get(url).send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    let (status, html) = page(format!("{base}/teach/media")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("học phần “Bài đang dùng”"),
        "where it is used"
    );
    assert!(html.contains("a.mp4") && html.contains("Chưa dùng"));
    // One delete button: for the unused file only.
    assert_eq!(html.matches("/delete\"").count(), 1);
    assert!(html.contains(&format!("/teach/media/{unused}/delete")));

    // Without the CSRF token: refused. With it: gone, with a notice.
    let forged = browser
        .post(format!("{base}/teach/media/{unused}/delete"))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let done = browser
        .post(format!("{base}/teach/media/{unused}/delete"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(format!("{base}/teach/media?notice=media_deleted")).await;
    assert!(html.contains("Đã xóa tệp."));
    assert!(!html.contains("a.mp4"));

    // Someone else's file is not theirs to delete.
    let other = app.user_with(&[Role::Trainer]).await;
    let theirs = ready_video(&app, &other).await;
    let res = browser
        .post(format!("{base}/teach/media/{theirs}/delete"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    media::find(&app.db, theirs).await.expect("still there");
}
