//! Media on S3-compatible object storage (a real moto server over HTTP), as production runs
//! it: a resumable upload whose PATCHes land on two web server replicas, a dropped connection
//! mid-way, a second writer refused while the first still writes, the media worker reading
//! the source from the bucket and writing the HLS ladder back, and delivery of playlists and
//! byte ranges streamed from the bucket.

use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use lms_domain::{Role, media};
use lms_media_worker::{DurationPolicy, JobOutcome, ProbeOptions, WorkerConfig, worker};
use lms_tests::TestApp;
use lms_tests::tus::{create, offset, patch};
use sea_orm::EntityTrait;
use serde_json::json;

const MIB: usize = 1024 * 1024;

/// A body that sends `bytes` in 64 KiB chunks, then fails as a dropped connection does.
fn dropped_after(bytes: Vec<u8>) -> axum::body::Body {
    let mut chunks: Vec<Result<Bytes, std::io::Error>> = bytes
        .chunks(64 * 1024)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    chunks.push(Err(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "connection reset by peer",
    )));
    axum::body::Body::from_stream(futures_util::stream::iter(chunks))
}

/// A 12 s 640×360 clip at a high bitrate: over 5 MiB, so it travels as two S3 parts.
fn phone_clip(dir: &std::path::Path) -> Vec<u8> {
    let out = dir.join("clip.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc2=s=640x360:r=25:d=12")
        .args([
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000:d=12",
        ])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-b:v", "6M"])
        .args(["-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"])
        .arg(&out)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg failed");
    let data = std::fs::read(out).unwrap();
    assert!(
        data.len() > 5 * MIB + MIB / 2 && data.len() < 10 * MIB,
        "clip is {} bytes",
        data.len()
    );
    data
}

#[tokio::test]
async fn an_upload_spread_over_two_replicas_lands_in_the_bucket_and_streams_from_it() {
    let a = TestApp::builder().with_s3().build().await;
    let b = a.replica().await;
    let bucket = a.s3.as_ref().unwrap().storage();
    let t = a.user_with(&[Role::Trainer]).await;
    let data = phone_clip(a.dir.path());
    let url = create(&a, &t, data.len()).await;

    // 1. Replica A receives 2 MiB: less than a part, so it waits in a tail object.
    let r = patch(&a, &t, &url, 0, data[..2 * MIB].to_vec())
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(r.headers["upload-offset"], (2 * MIB).to_string());

    // 2. Replica B continues; the phone's connection drops after 4 more MiB. What arrived
    //    counts: one 5 MiB part is in the multipart upload, 1 MiB waits in the new tail.
    patch(
        &b,
        &t,
        &url,
        2 * MIB,
        dropped_after(data[2 * MIB..6 * MIB].to_vec()),
    )
    .await;
    assert_eq!(offset(&a, &t, &url).await, 6 * MIB);
    let staged = bucket.list("uploads").await.unwrap();
    assert_eq!(staged.len(), 1, "exactly the current tail: {staged:?}");
    assert!(
        staged[0].ends_with(&format!(".tail-{}", 6 * MIB)),
        "{staged:?}"
    );

    // 3. A stale offset is refused with the real one, on either replica.
    let stale = patch(&b, &t, &url, 2 * MIB, data[2 * MIB..3 * MIB].to_vec())
        .await
        .expect(StatusCode::CONFLICT);
    assert_eq!(stale.headers["upload-offset"], (6 * MIB).to_string());

    // 4. While one request is still writing (its body trickles in), a second writer at the
    //    same offset is told the upload is busy (423), not allowed to interleave bytes.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let slow_body = axum::body::Body::from_stream(tokio_stream_from(rx));
    let slow = {
        let (a_router, token, url) = (a.router.clone(), t.access_token.clone(), url.clone());
        tokio::spawn(async move {
            use tower::ServiceExt;
            let req = http::Request::builder()
                .method(Method::PATCH)
                .uri(&url)
                .header("authorization", format!("Bearer {token}"))
                .header("tus-resumable", "1.0.0")
                .header("upload-offset", (6 * MIB).to_string())
                .header("content-type", "application/offset+octet-stream")
                .body(slow_body)
                .unwrap();
            a_router.oneshot(req).await.unwrap()
        })
    };
    tx.send(Ok(Bytes::copy_from_slice(&data[6 * MIB..6 * MIB + 1000])))
        .await
        .unwrap();
    wait_until_claimed(&a, &url).await;
    let busy = patch(&b, &t, &url, 6 * MIB, data[6 * MIB..].to_vec())
        .await
        .expect(StatusCode::LOCKED);
    assert_eq!(busy.error_code(), "upload_busy");
    // The slow writer finishes the file.
    tx.send(Ok(Bytes::copy_from_slice(&data[6 * MIB + 1000..])))
        .await
        .unwrap();
    drop(tx);
    let done = slow.await.unwrap();
    assert_eq!(done.status(), StatusCode::NO_CONTENT);

    // 5. The object at the asset's key is the file, byte for byte; no tail is left behind.
    let status = b
        .get(&url)
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let asset_id = status["asset_id"].as_i64().expect("asset once complete");
    let asset = media::find(&a.db, asset_id).await.unwrap();
    assert_eq!(asset.status, "uploaded");
    assert!(
        asset.job_id.is_some(),
        "the transcode job came with the asset"
    );
    assert_eq!(
        &bucket.get(&asset.storage_key).await.unwrap()[..],
        &data[..]
    );
    assert!(bucket.list("uploads").await.unwrap().is_empty());
    assert!(
        a.data_dir().join("media").read_dir().is_err(),
        "nothing was written to a local media directory"
    );

    // 6. The media worker reads the source from the bucket and writes the ladder back.
    let work = tempfile::tempdir().unwrap();
    let mut cfg = WorkerConfig::new("s3-worker", bucket.clone());
    cfg.once = true;
    cfg.work_dir = work.path().to_path_buf();
    cfg.probe = ProbeOptions {
        duration: DurationPolicy {
            min_s: 1.0,
            max_s: 60.0,
            recommended_min_s: 1.0,
            recommended_max_s: 60.0,
        },
        ..ProbeOptions::default()
    };
    let (_stop, mut rx) = tokio::sync::watch::channel(false);
    let (_, outcome) = worker::run_once(&a.db, &cfg, &mut rx)
        .await
        .expect("worker")
        .expect("a job");
    assert_eq!(outcome, JobOutcome::Transcoded { asset_id });
    let asset = media::find(&a.db, asset_id).await.unwrap();
    assert_eq!(asset.status, media::status::READY);
    let folder = asset.storage_key.rsplit_once('/').unwrap().0;
    let stored = bucket.list(&format!("{folder}/hls")).await.unwrap();
    for expected in ["master.m3u8", "poster.jpg", "video.mp4", "thumbnails.vtt"] {
        assert!(
            stored
                .iter()
                .any(|k| k == &format!("{folder}/hls/{expected}")),
            "{expected} missing from {stored:?}"
        );
    }
    assert!(
        stored.iter().any(|k| k.ends_with(".m4s")),
        "segments: {stored:?}"
    );
    assert_eq!(
        std::fs::read_dir(work.path()).unwrap().count(),
        0,
        "the worker's scratch folder is cleaned up"
    );

    // 7. Playback through replica B, streamed from the bucket: playlists, ranges, 416.
    let p = b
        .get(&format!("/api/v1/assets/{asset_id}/playback"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let hls = p["hls_url"].as_str().unwrap();
    let master = b.get(hls).send().await.expect(StatusCode::OK);
    assert_eq!(
        master.headers["content-type"],
        "application/vnd.apple.mpegurl"
    );
    let variant = master
        .text()
        .lines()
        .find(|l| l.ends_with(".m3u8") && !l.starts_with('#'))
        .expect("a variant playlist")
        .to_owned();
    let variant_url = hls.replace("master.m3u8", &variant);
    let playlist = b
        .get(&variant_url)
        .send()
        .await
        .expect(StatusCode::OK)
        .text();
    assert!(playlist.contains("#EXT-X-MAP"), "fMP4 playlist: {playlist}");

    let mp4 = p["mp4_url"].as_str().unwrap();
    let whole = b.get(mp4).send().await.expect(StatusCode::OK);
    assert_eq!(whole.headers["content-type"], "video/mp4");
    assert_eq!(whole.headers["accept-ranges"], "bytes");
    let size = whole.body.len();
    let part = b
        .get(mp4)
        .header("range", "bytes=100-199")
        .send()
        .await
        .expect(StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers["content-range"],
        format!("bytes 100-199/{size}").as_str()
    );
    assert_eq!(&part.body[..], &whole.body[100..200]);
    let suffix = b
        .get(mp4)
        .header("range", "bytes=-10")
        .send()
        .await
        .expect(StatusCode::PARTIAL_CONTENT);
    assert_eq!(&suffix.body[..], &whole.body[size - 10..]);
    let past = b
        .get(mp4)
        .header("range", &format!("bytes={}-", size + 10))
        .send()
        .await
        .expect(StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        past.headers["content-range"],
        format!("bytes */{size}").as_str()
    );
    let head = b
        .request(Method::HEAD, mp4)
        .send()
        .await
        .expect(StatusCode::OK);
    assert_eq!(head.headers["content-length"], size.to_string().as_str());
    assert!(head.body.is_empty());

    // Captions go to the bucket too, and are served from it.
    b.post(&format!("/api/v1/assets/{asset_id}/captions"))
        .bearer(&t.access_token)
        .json(&json!({"language": "vi", "content": "1\n00:00:01,000 --> 00:00:03,000\nXin chào\n"}))
        .send()
        .await
        .expect(StatusCode::CREATED);
    let p = a
        .get(&format!("/api/v1/assets/{asset_id}/playback"))
        .bearer(&t.access_token)
        .send()
        .await
        .expect(StatusCode::OK)
        .json();
    let vtt = a
        .get(p["captions"][0]["url"].as_str().unwrap())
        .send()
        .await
        .expect(StatusCode::OK);
    assert!(vtt.text().starts_with("WEBVTT"));
    assert!(vtt.text().contains("Xin chào"));

    // Readiness checks the bucket.
    let ready = a.get("/readyz").send().await.expect(StatusCode::OK).json();
    assert_eq!(ready["storage"], "ok");
}

#[tokio::test]
async fn a_cancelled_s3_upload_leaves_nothing_and_others_cannot_touch_it() {
    let app = TestApp::builder().with_s3().build().await;
    let bucket = app.s3.as_ref().unwrap().storage();
    let t = app.user_with(&[Role::Trainer]).await;
    let data: Vec<u8> = (0..(6 * MIB) as u32).map(|i| (i % 251) as u8).collect();
    let url = create(&app, &t, data.len() + 100).await;
    patch(&app, &t, &url, 0, data.clone())
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(bucket.list("uploads").await.unwrap().len(), 1);

    // Someone else can neither read, resume nor cancel it.
    let other = app.user_with(&[Role::Trainer]).await;
    app.request(Method::HEAD, &url)
        .bearer(&other.access_token)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    patch(&app, &other, &url, 6 * MIB, vec![0u8; 100])
        .await
        .expect(StatusCode::NOT_FOUND);

    // More bytes than announced: refused, and the upload stays where it was.
    patch(&app, &t, &url, 6 * MIB, vec![0u8; 101])
        .await
        .expect(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(offset(&app, &t, &url).await, 6 * MIB);

    app.request(Method::DELETE, &url)
        .bearer(&t.access_token)
        .header("tus-resumable", "1.0.0")
        .send()
        .await
        .expect(StatusCode::NO_CONTENT);
    assert!(bucket.list("uploads").await.unwrap().is_empty());
    assert!(bucket.list("videos").await.unwrap().is_empty());
    assert_eq!(app.count("uploads").await, 0);
}

/// A stream of what arrives on `rx` (a request body that trickles in).
fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// Waits until a PATCH holds the upload's lease.
async fn wait_until_claimed(app: &TestApp, url: &str) {
    let id = url.rsplit('/').next().unwrap().to_owned();
    for _ in 0..200 {
        let u = lms_domain::entities::upload::Entity::find_by_id(id.clone())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        if u.writer.is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the first PATCH never claimed the upload");
}
