//! The worker's transcode jobs on a real database and real media: an uploaded asset becomes
//! ready (HLS ladder in storage, duration and size on the row) and a course waiting for it is
//! published; a hostile file ends failed with a reason in English and Vietnamese.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lms_domain::jobs::{self, status};
use lms_domain::media::{self, NewVideo};
use lms_media_worker::probe::{DurationPolicy, ProbeOptions};
use lms_media_worker::worker::{self, JobOutcome, WorkerConfig};
use tokio::sync::watch;

struct Workspace {
    root: PathBuf,
}

impl Workspace {
    fn new(name: &str) -> Self {
        let root = std::env::temp_dir().join(format!(
            "lms-transcode-job-{name}-{}-{}",
            std::process::id(),
            uuid_like()
        ));
        std::fs::create_dir_all(root.join("media")).expect("mkdir");
        Self { root }
    }
    fn storage(&self) -> PathBuf {
        self.root.join("media")
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn uuid_like() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Puts a file into storage the way an upload would, and creates its asset and job.
async fn upload(
    db: &sea_orm::DatabaseConnection,
    ws: &Workspace,
    make: impl FnOnce(&Path),
) -> (i64, i64) {
    let key = media::new_video_key("mp4");
    let path = ws.storage().join(&key);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    make(&path);
    let size = std::fs::metadata(&path).expect("stat").len() as i64;
    let asset = media::create_video(
        db,
        NewVideo {
            owner_id: None,
            original_filename: "clip.mp4".into(),
            content_type: "video/mp4".into(),
            storage_key: key,
            size_bytes: size,
            sha256: None,
        },
    )
    .await
    .expect("asset");
    (asset.id, asset.job_id.expect("job written with the asset"))
}

async fn db(ws: &Workspace) -> sea_orm::DatabaseConnection {
    let url = format!("sqlite://{}?mode=rwc", ws.root.join("lms.db").display());
    let db = lms_domain::db::connect(&url).await.expect("connect");
    lms_domain::db::migrate(&db).await.expect("migrate");
    db
}

fn config(ws: &Workspace) -> WorkerConfig {
    let storage = lms_storage::Storage::open(&lms_storage::StorageConfig::Local(ws.storage()))
        .expect("storage");
    let mut cfg = WorkerConfig::new("transcode-test", storage);
    cfg.once = true;
    cfg.probe = ProbeOptions {
        duration: DurationPolicy {
            min_s: 1.0,
            max_s: 60.0,
            recommended_min_s: 1.0,
            recommended_max_s: 60.0,
        },
        ..ProbeOptions::default()
    };
    cfg
}

/// A 4 s 640×360 H.264 + AAC clip, as a phone would upload.
fn four_second_clip(p: &Path) {
    let out = p.to_string_lossy().into_owned();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=640x360:r=25:d=4",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:d=4",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
        &out,
    ]);
}

#[tokio::test]
async fn an_uploaded_video_becomes_ready_with_its_ladder() {
    let ws = Workspace::new("ok");
    let db = db(&ws).await;
    let (asset_id, job_id) = upload(&db, &ws, four_second_clip).await;

    let (_stop, mut rx) = watch::channel(false);
    let (claimed, outcome) = worker::run_once(&db, &config(&ws), &mut rx)
        .await
        .expect("run")
        .expect("a job");
    assert_eq!(claimed, job_id);
    assert_eq!(outcome, JobOutcome::Transcoded { asset_id });

    let asset = media::find(&db, asset_id).await.expect("asset");
    assert_eq!(asset.status, media::status::READY);
    assert!(
        (asset.duration_s.unwrap_or_default() - 4.0).abs() < 0.2,
        "{:?}",
        asset.duration_s
    );
    assert_eq!((asset.width, asset.height), (Some(640), Some(360)));
    let renditions = asset.renditions.expect("renditions");
    let base = renditions["base"].as_str().expect("base");
    let master = ws
        .storage()
        .join(base)
        .join(renditions["master_playlist"].as_str().expect("master"));
    let text = std::fs::read_to_string(&master).expect("master playlist written");
    assert!(
        text.contains("#EXT-X-STREAM-INF") && text.contains("RESOLUTION=640x360"),
        "{text}"
    );
    let job = jobs::find(&db, job_id).await.expect("find").expect("job");
    assert_eq!(job.status, status::DONE);
    assert_eq!(job.progress, 1.0);
}

#[tokio::test]
async fn a_still_image_renamed_mp4_fails_with_a_reason_in_both_languages() {
    let ws = Workspace::new("png");
    let db = db(&ws).await;
    let (asset_id, job_id) = upload(&db, &ws, |p| {
        let png = p.with_extension("png");
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "color=c=red:s=320x240:d=1",
            "-frames:v",
            "1",
            &png.to_string_lossy(),
        ]);
        std::fs::rename(&png, p).expect("rename");
    })
    .await;
    let (_stop, mut rx) = watch::channel(false);
    let (_, outcome) = worker::run_once(&db, &config(&ws), &mut rx)
        .await
        .expect("run")
        .expect("a job");
    assert!(matches!(outcome, JobOutcome::Rejected(_)), "{outcome:?}");
    let asset = media::find(&db, asset_id).await.expect("asset");
    assert_eq!(asset.status, media::status::FAILED);
    let error = asset.error.expect("reason stored");
    assert!(!error["en"].as_str().unwrap_or_default().is_empty());
    assert!(!error["vi"].as_str().unwrap_or_default().is_empty());
    assert_ne!(error["en"], error["vi"]);
    let job = jobs::find(&db, job_id).await.expect("find").expect("job");
    assert_eq!(job.status, status::FAILED);
    assert_eq!(job.attempts, 1, "a bad file is not retried");
    // No half-written renditions are left behind.
    let dir = ws
        .storage()
        .join(Path::new(&asset.storage_key).parent().expect("dir"));
    assert!(!dir.join("hls").exists());
}

#[tokio::test]
async fn a_worker_killed_mid_transcode_is_replaced_without_leftovers() {
    use sea_orm::{ConnectionTrait, Statement};
    let ws = Workspace::new("kill");
    let db = db(&ws).await;
    let (asset_id, job_id) = upload(&db, &ws, |p| {
        let out = p.to_string_lossy().into_owned();
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=1280x720:r=30:d=40",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000:d=40",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            &out,
        ]);
    })
    .await;

    // A real worker process starts on the job...
    let url = format!("sqlite://{}?mode=rwc", ws.root.join("lms.db").display());
    let mut first = Command::new(env!("CARGO_BIN_EXE_lms-media-worker"))
        .args([
            "run",
            "--database-url",
            &url,
            "--worker-id",
            "doomed",
            "--poll-interval-ms",
            "100",
        ])
        .env("LMS_STORAGE_DIR", ws.storage())
        .env("LMS_VIDEO_MIN_DURATION_S", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the worker");
    // ...and is killed (SIGKILL: no clean-up at all) once it has made progress.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let job = jobs::find(&db, job_id).await.expect("find").expect("job");
        if job.locked_by.as_deref() == Some("doomed") && job.progress > 0.05 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the worker never made progress"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    let asset_dir = ws.storage().join(
        Path::new(&media::find(&db, asset_id).await.expect("asset").storage_key)
            .parent()
            .expect("dir"),
    );
    let leftovers = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .expect("list")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    };
    assert!(
        !leftovers(&asset_dir).is_empty(),
        "the killed worker left its partial output"
    );

    // Its lease runs out (here: moved into the past instead of waiting a minute)...
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        "UPDATE jobs SET locked_until = $1 WHERE id = $2",
        [
            chrono::Utc::now()
                .checked_sub_signed(chrono::Duration::seconds(1))
                .expect("time")
                .into(),
            job_id.into(),
        ],
    ))
    .await
    .expect("expire the lease");

    // ...and another worker takes the job over and finishes it.
    let (_stop, mut rx) = watch::channel(false);
    let (claimed, outcome) = worker::run_once(&db, &config(&ws), &mut rx)
        .await
        .expect("run")
        .expect("the job");
    assert_eq!(claimed, job_id);
    assert_eq!(outcome, JobOutcome::Transcoded { asset_id });
    let job = jobs::find(&db, job_id).await.expect("find").expect("job");
    assert_eq!((job.status.as_str(), job.attempts), (status::DONE, 2));
    assert_eq!(
        media::find(&db, asset_id).await.expect("asset").status,
        media::status::READY
    );
    // One set of renditions, nothing orphaned.
    assert_eq!(leftovers(&asset_dir), Vec::<String>::new());
    let mut entries: Vec<String> = std::fs::read_dir(&asset_dir)
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(entries, vec!["hls".to_owned(), "source.mp4".to_owned()]);
    let master = std::fs::read_to_string(asset_dir.join("hls/master.m3u8")).expect("master");
    assert_eq!(
        master.matches("#EXT-X-STREAM-INF").count(),
        4,
        "240p, 360p, 480p, 720p once each: {master}"
    );
}

/// A clip that takes the ladder a moment to encode (a few hundred milliseconds at least).
async fn slow_enough_upload(db: &sea_orm::DatabaseConnection, ws: &Workspace) -> (i64, i64) {
    upload(db, ws, |p| {
        let out = p.to_string_lossy().into_owned();
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=1280x720:r=30:d=6",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            &out,
        ]);
    })
    .await
}

async fn fails_over_limit(
    cfg: WorkerConfig,
    ws: &Workspace,
    db: &sea_orm::DatabaseConnection,
    code: &str,
) {
    let (asset_id, job_id) = slow_enough_upload(db, ws).await;
    let (_stop, mut rx) = watch::channel(false);
    let (_, outcome) = worker::run_once(db, &cfg, &mut rx)
        .await
        .expect("run")
        .expect("a job");
    assert!(matches!(outcome, JobOutcome::Rejected(_)), "{outcome:?}");
    let asset = media::find(db, asset_id).await.expect("asset");
    assert_eq!(asset.status, media::status::FAILED);
    let error = asset.error.expect("reason stored");
    assert_eq!(error["code"], code, "{error}");
    assert!(
        error["en"].as_str().unwrap_or_default().contains("limit"),
        "{error}"
    );
    assert!(
        error["vi"]
            .as_str()
            .unwrap_or_default()
            .contains("giới hạn"),
        "{error}"
    );
    let job = jobs::find(db, job_id).await.expect("find").expect("job");
    assert_eq!(job.status, status::FAILED);
    assert_eq!(job.attempts, 1, "a job over its limit is not retried");
}

#[tokio::test]
async fn a_job_past_its_time_limit_fails_for_good_with_a_reason() {
    let ws = Workspace::new("slow");
    let db = db(&ws).await;
    let mut cfg = config(&ws);
    cfg.max_job_time = Duration::from_millis(50);
    cfg.limit_check_every = Duration::from_millis(20);
    fails_over_limit(cfg, &ws, &db, "too_slow").await;
}

#[tokio::test]
async fn a_job_past_its_memory_limit_fails_for_good_with_a_reason() {
    let ws = Workspace::new("memory");
    let db = db(&ws).await;
    let mut cfg = config(&ws);
    // Less than any process holding FFmpeg can be: the first check stops the job.
    cfg.max_job_memory_bytes = 1 << 20;
    cfg.limit_check_every = Duration::from_millis(20);
    fails_over_limit(cfg, &ws, &db, "too_much_memory").await;
}

/// A file that kills the worker on every attempt (simulated: the job is running on its last
/// attempt and its lease has run out) is not claimed forever: the next worker fails it for
/// good with a reason the trainer can read, instead of transcoding it once more.
#[tokio::test]
async fn a_job_whose_worker_died_on_every_attempt_fails_for_good() {
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    let ws = Workspace::new("lost");
    let db = db(&ws).await;
    let (asset_id, job_id) = upload(&db, &ws, four_second_clip).await;
    let row = lms_domain::entities::job::Entity::find_by_id(job_id)
        .one(&db)
        .await
        .expect("read")
        .expect("job");
    let max = row.max_attempts;
    let mut dead = row.into_active_model();
    dead.status = Set(status::RUNNING.to_owned());
    dead.attempts = Set(max);
    dead.locked_by = Set(Some("the-worker-that-died".into()));
    dead.locked_until = Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1)));
    dead.update(&db).await.expect("simulate the dead worker");

    let (_stop, mut rx) = watch::channel(false);
    worker::run_once(&db, &config(&ws), &mut rx)
        .await
        .expect("run")
        .expect("the job is claimed once more");
    let job = jobs::find(&db, job_id).await.expect("find").expect("job");
    assert_eq!(job.status, status::FAILED);
    assert_eq!(
        job.last_error.as_deref(),
        Some(jobs::WORKER_LOST_EVERY_ATTEMPT)
    );
    let asset = media::find(&db, asset_id).await.expect("asset");
    assert_eq!(asset.status, media::status::FAILED, "not transcoded again");
    let error = asset.error.expect("reason stored");
    assert_eq!(error["code"], "worker_lost");
    assert!(!error["vi"].as_str().unwrap_or_default().is_empty());
    // Nothing is left for any worker.
    assert!(
        worker::run_once(&db, &config(&ws), &mut rx)
            .await
            .expect("run")
            .is_none()
    );
}
