//! Probing real media generated at test time with the ffmpeg CLI (`/usr/bin/ffmpeg`), the
//! `probe` and `run --once` commands of the binary, and the worker loop against a SQLite
//! database.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use lms_domain::jobs::{self, kinds, status};
use lms_media_worker::worker::{self, JobOutcome, WorkerConfig};
use lms_media_worker::{
    DurationPolicy, MediaFacts, Orientation, ProbeError, ProbeOptions, Rejection, probe,
};
use serde_json::json;
use tokio::sync::watch;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("lms-media-worker-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs ffmpeg quietly; panics with its stderr when it fails.
fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// An H.264 clip of `seconds` at `size`, with a 440 Hz AAC tone when `audio`.
fn clip(out: &Path, size: &str, seconds: &str, audio: bool, extra: &[&str]) {
    let video = format!("testsrc=size={size}:rate=25");
    let mut args = vec!["-f", "lavfi", "-i", &video];
    if audio {
        args.extend(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]);
    }
    args.extend([
        "-t",
        seconds,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "25",
    ]);
    args.extend(["-pix_fmt", "yuv420p"]);
    if audio {
        args.extend(["-c:a", "aac", "-shortest"]);
    }
    args.extend(extra);
    args.push(s(out));
    ffmpeg(&args);
}

fn test_options() -> ProbeOptions {
    ProbeOptions {
        duration: DurationPolicy {
            min_s: 1.0,
            max_s: 60.0,
            recommended_min_s: 2.0,
            recommended_max_s: 30.0,
        },
        ..ProbeOptions::default()
    }
}

fn accept(path: &Path) -> MediaFacts {
    match probe(path, &test_options(), None) {
        Ok(facts) => facts,
        Err(e) => panic!("{} was rejected: {e:?}", path.display()),
    }
}

fn reject(path: &Path) -> Rejection {
    reject_with(path, &test_options())
}

fn reject_with(path: &Path, options: &ProbeOptions) -> Rejection {
    match probe(path, options, None) {
        Ok(facts) => panic!("{} was accepted: {facts:?}", path.display()),
        Err(ProbeError::Rejected(r)) => r,
        Err(e) => panic!("{} failed without a rejection: {e:?}", path.display()),
    }
}

fn has_warning(facts: &MediaFacts, code: &str) -> bool {
    facts.warnings.iter().any(|w| w.code == code)
}

fn truncate_to(src: &Path, dst: &Path, share: f64) {
    let bytes = std::fs::read(src).expect("read");
    let keep = (bytes.len() as f64 * share) as usize;
    std::fs::write(dst, &bytes[..keep]).expect("write");
}

#[test]
fn landscape_clip_with_audio_is_accepted_with_its_facts() {
    let dir = TempDir::new("landscape");
    let file = dir.path("landscape.mp4");
    clip(&file, "640x360", "3", true, &[]);

    let f = accept(&file);
    assert!(
        f.container.split(',').any(|c| c == "mp4"),
        "{}",
        f.container
    );
    assert!(
        (f.duration_s - 3.0).abs() < 0.1,
        "duration {}",
        f.duration_s
    );
    assert_eq!((f.width, f.height), (640, 360));
    assert_eq!(f.rotation_deg, 0);
    assert!(!f.mirrored);
    assert_eq!((f.display_width, f.display_height), (640, 360));
    assert_eq!(f.orientation, Orientation::Landscape);
    assert_eq!(f.video_codec, "h264");
    assert_eq!(f.pixel_format.as_deref(), Some("yuv420p"));
    assert_eq!(f.bit_depth, Some(8));
    assert!(
        (f.frame_rate.unwrap_or_default() - 25.0).abs() < 0.01,
        "{:?}",
        f.frame_rate
    );
    assert_eq!(f.video_frames, 75);
    assert!(f.has_audio);
    assert_eq!(f.audio_codec.as_deref(), Some("aac"));
    assert_eq!(f.audio_channels, Some(1));
    assert_eq!(f.audio_sample_rate, Some(48000));
    let size = std::fs::metadata(&file).expect("metadata").len();
    assert_eq!(f.file_size_bytes, size);
    let expected_bps = size as f64 * 8.0 / f.duration_s;
    assert!((f.bitrate_bps.unwrap_or_default() as f64 - expected_bps).abs() < 2.0);
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);

    // The facts serialise to the JSON stored as the job result.
    let value = serde_json::to_value(&f).expect("json");
    assert_eq!(value["orientation"], "landscape");
    assert_eq!(value["rotation_deg"], 0);
}

#[test]
fn rotated_clip_is_known_as_portrait() {
    let dir = TempDir::new("rotated");
    let src = dir.path("src.mp4");
    clip(&src, "640x360", "3", true, &[]);
    // FFmpeg 5.1 has no -display_rotation; the `rotate` tag makes the muxer write a display
    // matrix. ffprobe reports these two files as rotation 90 and -90 (= 270).
    for (tag, expected) in [("90", 90u16), ("270", 270), ("180", 180)] {
        let out = dir.path(&format!("rot{tag}.mp4"));
        let meta = format!("rotate={tag}");
        ffmpeg(&[
            "-i",
            s(&src),
            "-c",
            "copy",
            "-metadata:s:v:0",
            &meta,
            s(&out),
        ]);
        let f = accept(&out);
        assert_eq!(f.rotation_deg, expected, "rotate={tag}");
        assert_eq!((f.width, f.height), (640, 360));
        if expected == 180 {
            assert_eq!((f.display_width, f.display_height), (640, 360));
            assert_eq!(f.orientation, Orientation::Landscape);
        } else {
            assert_eq!((f.display_width, f.display_height), (360, 640));
            assert_eq!(f.orientation, Orientation::Portrait);
        }
    }
}

#[test]
fn rotation_agrees_with_ffprobe() {
    let dir = TempDir::new("ffprobe");
    let src = dir.path("src.mp4");
    clip(&src, "320x240", "2", false, &[]);
    let out = dir.path("rot.mp4");
    ffmpeg(&[
        "-i",
        s(&src),
        "-c",
        "copy",
        "-metadata:s:v:0",
        "rotate=90",
        s(&out),
    ]);
    let ffprobe = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .args([
            "stream_side_data=rotation",
            "-of",
            "default=nw=1:nk=1",
            s(&out),
        ])
        .output()
        .expect("run ffprobe");
    let text = String::from_utf8_lossy(&ffprobe.stdout);
    let theirs: i64 = text.trim().parse().expect("ffprobe rotation");
    assert_eq!(i64::from(accept(&out).rotation_deg), theirs.rem_euclid(360));
}

#[test]
fn clip_without_audio_is_accepted() {
    let dir = TempDir::new("silent");
    let file = dir.path("silent.mp4");
    clip(&file, "640x360", "3", false, &[]);
    let f = accept(&file);
    assert!(!f.has_audio);
    assert_eq!(f.audio_codec, None);
    assert_eq!(f.audio_channels, None);
    assert!(has_warning(&f, "no_audio"));
    assert!(
        (f.duration_s - 3.0).abs() < 0.1,
        "duration {}",
        f.duration_s
    );
}

#[test]
fn other_allowed_containers_are_accepted() {
    let dir = TempDir::new("containers");
    let src = dir.path("src.mp4");
    clip(&src, "320x240", "2", true, &[]);
    for (name, detected) in [("a.mkv", "matroska"), ("a.ts", "mpegts"), ("a.mov", "mov")] {
        let out = dir.path(name);
        ffmpeg(&["-i", s(&src), "-c", "copy", s(&out)]);
        // The extension does not matter: rename everything to .mp4.
        let renamed = dir.path(&format!("{name}.mp4"));
        std::fs::rename(&out, &renamed).expect("rename");
        let f = accept(&renamed);
        assert!(
            f.container.split(',').any(|c| c == detected),
            "{name}: {}",
            f.container
        );
        assert!(
            (f.duration_s - 2.0).abs() < 0.15,
            "{name}: {}",
            f.duration_s
        );
    }
}

#[test]
fn audio_only_file_is_rejected_with_a_clear_reason() {
    let dir = TempDir::new("audio");
    let m4a = dir.path("tone.m4a");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-t",
        "3",
        "-c:a",
        "aac",
        s(&m4a),
    ]);
    let renamed = dir.path("tone.mp4");
    std::fs::rename(&m4a, &renamed).expect("rename");
    let r = reject(&renamed);
    assert_eq!(r, Rejection::AudioOnly);
    assert!(
        r.reason_en()
            .contains("no video stream (audio-only files are not accepted)")
    );
    assert_eq!(
        r.reason_vi(),
        "Tệp không có luồng hình ảnh (không chấp nhận tệp chỉ có âm thanh)."
    );
}

#[test]
fn audio_with_cover_art_is_still_audio_only() {
    let dir = TempDir::new("cover");
    let cover = dir.path("cover.png");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x320",
        "-frames:v",
        "1",
        s(&cover),
    ]);
    let song = dir.path("song.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-i",
        s(&cover),
        "-t",
        "3",
        "-map",
        "0",
        "-map",
        "1",
        "-c:a",
        "aac",
        "-c:v",
        "png",
        "-disposition:v",
        "attached_pic",
        s(&song),
    ]);
    assert_eq!(reject(&song), Rejection::AudioOnly);
}

#[test]
fn single_frame_video_is_a_still_image() {
    let dir = TempDir::new("still");
    let file = dir.path("still.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=640x360",
        "-frames:v",
        "1",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        s(&file),
    ]);
    assert_eq!(reject(&file), Rejection::StillImage);
}

#[test]
fn truncated_files() {
    let dir = TempDir::new("truncated");
    let full = dir.path("full.mp4");
    clip(&full, "640x360", "10", true, &[]);

    // MP4 with its index (moov) at the end: without it nothing can be read.
    let cut = dir.path("cut.mp4");
    truncate_to(&full, &cut, 0.3);
    assert!(matches!(reject(&cut), Rejection::Unreadable { .. }));

    // Matroska, and MP4 with the index first: what is present is readable, and the duration
    // is the part actually present (about 30 %), not the 10 s the header claims.
    let mkv = dir.path("full.mkv");
    ffmpeg(&["-i", s(&full), "-c", "copy", s(&mkv)]);
    let faststart = dir.path("faststart.mp4");
    ffmpeg(&[
        "-i",
        s(&full),
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        s(&faststart),
    ]);
    for src in [mkv, faststart] {
        let cut = dir.path("cut-of-first.bin");
        truncate_to(&src, &cut, 0.3);
        let f = accept(&cut);
        assert!(
            f.duration_s > 1.5 && f.duration_s < 5.0,
            "{}: {}",
            src.display(),
            f.duration_s
        );
        assert!(
            f.header_duration_s.unwrap_or_default() > 9.5,
            "{:?}",
            f.header_duration_s
        );
        assert!(
            has_warning(&f, "header_duration_mismatch"),
            "{:?}",
            f.warnings
        );
    }
}

#[test]
fn png_renamed_mp4_is_rejected() {
    let dir = TempDir::new("png");
    let png = dir.path("picture.png");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=640x360",
        "-frames:v",
        "1",
        s(&png),
    ]);
    let renamed = dir.path("picture.mp4");
    std::fs::rename(&png, &renamed).expect("rename");
    let r = reject(&renamed);
    assert!(matches!(r, Rejection::ContainerNotAllowed { .. }), "{r:?}");
    assert!(r.reason_en().contains("container format is not allowed"));
}

#[test]
fn other_demuxers_are_rejected() {
    let dir = TempDir::new("demuxers");
    let src = dir.path("src.mp4");
    clip(&src, "320x240", "2", true, &[]);
    // A concat list, a WAV and raw H.264 are all things FFmpeg can read, but not allowed.
    let concat = dir.path("concat.mp4");
    std::fs::write(
        &concat,
        format!("ffconcat version 1.0\nfile '{}'\n", s(&src)),
    )
    .expect("write");
    let wav = dir.path("tone.wav");
    ffmpeg(&["-i", s(&src), "-vn", s(&wav)]);
    let h264 = dir.path("raw.h264");
    ffmpeg(&["-i", s(&src), "-an", "-c", "copy", "-f", "h264", s(&h264)]);
    for file in [concat, wav, h264] {
        let renamed = file.with_extension("renamed.mp4");
        std::fs::rename(&file, &renamed).expect("rename");
        assert!(
            matches!(reject(&renamed), Rejection::ContainerNotAllowed { .. }),
            "{}",
            renamed.display()
        );
    }
}

#[cfg(unix)]
#[test]
fn hls_playlist_is_rejected_without_opening_its_segments() {
    let dir = TempDir::new("hls");
    let src = dir.path("src.mp4");
    clip(&src, "320x240", "3", true, &[]);
    let segment = dir.path("segment.ts");
    ffmpeg(&["-i", s(&src), "-c", "copy", "-f", "mpegts", s(&segment)]);
    let playlist = |target: &Path| {
        format!(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n\
             #EXTINF:3.0,\n{}\n#EXT-X-ENDLIST\n",
            s(target)
        )
    };

    // The playlist is real: ffprobe (even limited to the file protocol) follows it.
    let real = dir.path("real.mp4");
    std::fs::write(&real, playlist(&segment)).expect("write");
    let ffprobe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-protocol_whitelist",
            "file",
            "-show_entries",
            "format=format_name",
        ])
        .args(["-of", "default=nw=1:nk=1", s(&real)])
        .output()
        .expect("run ffprobe");
    assert_eq!(String::from_utf8_lossy(&ffprobe.stdout).trim(), "hls");
    let r = reject(&real);
    assert!(matches!(r, Rejection::ContainerNotAllowed { .. }), "{r:?}");
    assert!(r.reason_en().contains("container format is not allowed"));

    // Pointed at a FIFO that no one writes to: opening the segment would block forever, so a
    // prompt answer proves it was never opened.
    let fifo = dir.path("segment-fifo.ts");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let trap = dir.path("trap.mp4");
    std::fs::write(&trap, playlist(&fifo)).expect("write");
    let (tx, rx) = mpsc::channel();
    let trap_path = trap.clone();
    std::thread::spawn(move || {
        let _ = tx.send(probe(&trap_path, &test_options(), None));
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(Err(ProbeError::Rejected(Rejection::ContainerNotAllowed { .. }))) => {}
        Ok(other) => panic!("unexpected answer: {other:?}"),
        Err(_) => {
            // Unblock the reader before failing.
            let _ = std::fs::OpenOptions::new().write(true).open(&fifo);
            panic!("the probe blocked: it opened the playlist's segment");
        }
    }

    // The FIFO itself is not a regular file.
    assert_eq!(reject(&fifo), Rejection::NotRegularFile);
}

#[test]
fn huge_dimensions_are_rejected() {
    let dir = TempDir::new("huge");
    let file = dir.path("huge.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=black:s=8000x8000:r=1",
        "-frames:v",
        "2",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        s(&file),
    ]);
    let r = reject(&file);
    assert!(
        matches!(
            r,
            Rejection::DimensionsTooLarge {
                width: 8000,
                height: 8000,
                ..
            }
        ),
        "{r:?}"
    );
    assert!(r.reason_vi().contains("Khung hình quá lớn"));
}

#[test]
fn durations_outside_the_policy_are_rejected() {
    let dir = TempDir::new("durations");
    let file = dir.path("three.mp4");
    clip(&file, "320x240", "3", true, &[]);

    let mut short_max = test_options();
    short_max.duration.max_s = 1.5;
    let r = reject_with(&file, &short_max);
    assert!(matches!(r, Rejection::TooLong { .. }), "{r:?}");

    let mut long_min = test_options();
    long_min.duration.min_s = 5.0;
    let r = reject_with(&file, &long_min);
    assert!(matches!(r, Rejection::TooShort { .. }), "{r:?}");
    assert!(
        r.reason_en().contains("too short (0:03)"),
        "{}",
        r.reason_en()
    );

    // The default policy (2–6 minutes) rejects a 3 s clip; 3–5 minutes only warns.
    let r = reject_with(&file, &ProbeOptions::default());
    assert!(r.reason_en().contains("at least 2:00"), "{}", r.reason_en());
    let mut warn_only = test_options();
    warn_only.duration.recommended_min_s = 180.0;
    warn_only.duration.recommended_max_s = 300.0;
    let f = probe(&file, &warn_only, None).expect("accepted");
    let w = f
        .warnings
        .iter()
        .find(|w| w.code == "duration_outside_recommended")
        .expect("warning");
    assert!(w.en.contains("3:00 to 5:00"), "{}", w.en);
    assert!(w.vi.contains("từ 3:00 đến 5:00"), "{}", w.vi);
}

#[test]
fn missing_and_empty_files() {
    let dir = TempDir::new("missing");
    let missing = dir.path("nope.mp4");
    assert!(matches!(
        probe(&missing, &test_options(), None),
        Err(ProbeError::Io(_))
    ));
    let empty = dir.path("empty.mp4");
    std::fs::write(&empty, b"").expect("write");
    assert_eq!(reject(&empty), Rejection::EmptyFile);
    let garbage = dir.path("garbage.mp4");
    std::fs::write(&garbage, vec![0x5au8; 64 * 1024]).expect("write");
    let r = reject(&garbage);
    assert!(
        matches!(
            r,
            Rejection::Unreadable { .. } | Rejection::ContainerNotAllowed { .. }
        ),
        "{r:?}"
    );
}

#[test]
fn an_abort_request_stops_the_probe() {
    let dir = TempDir::new("abort");
    let file = dir.path("clip.mp4");
    clip(&file, "320x240", "2", true, &[]);
    let abort = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    assert_eq!(
        probe(&file, &test_options(), Some(abort)),
        Err(ProbeError::Aborted)
    );
}

// ---------------------------------------------------------------------------------------
// The command line.

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lms-media-worker"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("LMS_LOG_FORMAT")
        .env("RUST_LOG", "warn");
    cmd
}

#[test]
fn probe_command_prints_facts_or_the_reason() {
    let dir = TempDir::new("cli");
    let file = dir.path("clip.mp4");
    clip(&file, "640x360", "3", true, &[]);
    let out = bin()
        .args([
            "probe",
            s(&file),
            "--json",
            "--min-duration-s",
            "1",
            "--max-duration-s",
            "60",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let facts: MediaFacts = serde_json::from_slice(&out.stdout).expect("facts json");
    assert_eq!(facts.width, 640);

    let human = bin()
        .args(["probe", s(&file), "--min-duration-s", "1"])
        .output()
        .expect("run");
    assert!(human.status.success());
    assert!(String::from_utf8_lossy(&human.stdout).contains("640x360"));

    let audio = dir.path("tone.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440",
        "-t",
        "3",
        "-c:a",
        "aac",
        "-f",
        "mp4",
        s(&audio),
    ]);
    let out = bin()
        .args(["probe", s(&audio), "--min-duration-s", "1"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("audio-only files are not accepted"),
        "{stderr}"
    );
    let out = bin()
        .args(["probe", s(&audio), "--json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["rejected"]["code"], "audio_only");
    assert!(
        v["rejected"]["reason_vi"]
            .as_str()
            .unwrap_or_default()
            .contains("âm thanh")
    );

    for sub in [&["--help"][..], &["probe", "--help"], &["run", "--help"]] {
        let out = bin().args(sub).output().expect("run");
        assert!(out.status.success(), "{sub:?}");
    }
}

// ---------------------------------------------------------------------------------------
// The worker.

async fn fresh_db(dir: &TempDir) -> (sea_orm::DatabaseConnection, String) {
    let url = format!("sqlite://{}?mode=rwc", s(&dir.path("lms.db")));
    let db = lms_domain::db::connect(&url).await.expect("connect");
    lms_domain::db::migrate(&db).await.expect("migrate");
    (db, url)
}

fn once_config() -> WorkerConfig {
    let storage = lms_storage::Storage::open(&lms_storage::StorageConfig::Local(
        std::env::temp_dir().join("lms-probe-test-media"),
    ))
    .expect("storage");
    let mut cfg = WorkerConfig::new("test-worker", storage);
    cfg.once = true;
    cfg.probe = test_options();
    cfg
}

#[tokio::test]
async fn worker_completes_a_probe_job_with_the_facts() {
    let dir = TempDir::new("worker-ok");
    let file = dir.path("clip.mp4");
    clip(&file, "640x360", "3", true, &[]);
    let (db, _) = fresh_db(&dir).await;
    let id = jobs::enqueue(&db, kinds::MEDIA_PROBE, json!({ "path": s(&file) }))
        .await
        .expect("enqueue");

    let (_stop, rx) = watch::channel(false);
    let handled = worker::run(&db, &once_config(), rx).await.expect("run");
    assert_eq!(handled, 1);

    let job = jobs::find(&db, id).await.expect("find").expect("job");
    assert_eq!(job.status, status::DONE);
    assert_eq!(job.locked_by, None);
    let result = job.result.expect("result");
    let duration = result["duration_s"].as_f64().expect("duration");
    assert!((duration - 3.0).abs() < 0.1, "{duration}");
    assert_eq!(result["width"], 640);
    assert_eq!(result["orientation"], "landscape");

    // Nothing left: another run handles nothing.
    let (_stop, rx) = watch::channel(false);
    assert_eq!(worker::run(&db, &once_config(), rx).await.expect("run"), 0);
}

#[tokio::test]
async fn worker_fails_a_bad_file_for_good_with_the_reason() {
    let dir = TempDir::new("worker-bad");
    let file = dir.path("tone.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440",
        "-t",
        "3",
        "-c:a",
        "aac",
        "-f",
        "mp4",
        s(&file),
    ]);
    let (db, _) = fresh_db(&dir).await;
    let id = jobs::enqueue(&db, kinds::MEDIA_PROBE, json!({ "path": s(&file) }))
        .await
        .expect("enqueue");

    let (_stop, mut rx) = watch::channel(false);
    let (claimed, outcome) = worker::run_once(&db, &once_config(), &mut rx)
        .await
        .expect("run")
        .expect("a job");
    assert_eq!(claimed, id);
    assert!(matches!(outcome, JobOutcome::Rejected(_)), "{outcome:?}");

    let job = jobs::find(&db, id).await.expect("find").expect("job");
    assert_eq!(job.status, status::FAILED);
    assert_eq!(job.attempts, 1, "a rejection is not retried");
    let error = job.last_error.expect("last_error");
    assert!(
        error.contains("no video stream (audio-only files are not accepted)"),
        "{error}"
    );
}

#[tokio::test]
async fn worker_retries_a_missing_file_and_rejects_a_bad_payload() {
    let dir = TempDir::new("worker-retry");
    let (db, _) = fresh_db(&dir).await;
    let missing = dir.path("not-uploaded-yet.mp4");
    let id = jobs::enqueue(&db, kinds::MEDIA_PROBE, json!({ "path": s(&missing) }))
        .await
        .expect("enqueue");
    let (_stop, mut rx) = watch::channel(false);
    let (_, outcome) = worker::run_once(&db, &once_config(), &mut rx)
        .await
        .expect("run")
        .expect("job");
    assert!(
        matches!(
            outcome,
            JobOutcome::Failed {
                status: "queued",
                ..
            }
        ),
        "{outcome:?}"
    );
    let job = jobs::find(&db, id).await.expect("find").expect("job");
    assert_eq!(job.status, status::QUEUED);
    assert!(job.last_error.is_some());

    let id = jobs::enqueue(&db, kinds::MEDIA_PROBE, json!({ "path": "relative.mp4" }))
        .await
        .expect("enqueue");
    let (claimed, outcome) = worker::run_once(&db, &once_config(), &mut rx)
        .await
        .expect("run")
        .expect("job");
    assert_eq!(claimed, id);
    assert!(matches!(outcome, JobOutcome::Rejected(_)), "{outcome:?}");
    let job = jobs::find(&db, id).await.expect("find").expect("job");
    assert_eq!(job.status, status::FAILED);
}

#[tokio::test]
async fn worker_stops_when_asked() {
    let dir = TempDir::new("worker-stop");
    let (db, _) = fresh_db(&dir).await;
    let mut cfg = once_config();
    cfg.once = false;
    cfg.poll_interval = Duration::from_millis(50);
    let (stop, rx) = watch::channel(false);
    let handle = tokio::spawn(async move { worker::run(&db, &cfg, rx).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(true).expect("send");
    let handled = tokio::time::timeout(Duration::from_secs(5), handle)
        .await
        .expect("stopped in time")
        .expect("join")
        .expect("run");
    assert_eq!(handled, 0);
}

#[tokio::test]
async fn run_once_command_processes_one_job() {
    let dir = TempDir::new("worker-cli");
    let file = dir.path("clip.mp4");
    clip(&file, "640x360", "3", true, &[]);
    let (db, url) = fresh_db(&dir).await;
    let first = jobs::enqueue(&db, kinds::MEDIA_PROBE, json!({ "path": s(&file) }))
        .await
        .expect("enqueue");
    let second = jobs::enqueue(&db, kinds::MEDIA_PROBE, json!({ "path": s(&file) }))
        .await
        .expect("enqueue");

    let out = tokio::task::spawn_blocking(move || {
        bin()
            .args([
                "run",
                "--once",
                "--database-url",
                &url,
                "--worker-id",
                "cli-worker",
            ])
            .args(["--min-duration-s", "1", "--max-duration-s", "60"])
            .env("LMS_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .output()
            .expect("run")
    })
    .await
    .expect("join");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Logs are JSON lines on stderr.
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in stderr.lines().filter(|l| !l.trim().is_empty()) {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }

    let job = jobs::find(&db, first).await.expect("find").expect("job");
    assert_eq!(job.status, status::DONE);
    let job = jobs::find(&db, second).await.expect("find").expect("job");
    assert_eq!(job.status, status::QUEUED, "--once handles at most one job");
}
