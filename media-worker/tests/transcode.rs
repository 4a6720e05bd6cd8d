//! Transcoding real media generated at test time with the ffmpeg CLI, checked with ffprobe:
//! the ladder, playlists, aligned keyframes, fallback, images and summary; rotation, frame
//! rate caps, 10-bit and HDR sources, no audio, variable frame rate; abort and bad input
//! leaving nothing behind; the `transcode` command.
//!
//! Clips are short (3–6 s) and small so that the suite stays quick on two cores.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use lms_media_worker::transcode::{self, TranscodeError, TranscodeOptions, TranscodeSummary};
use lms_media_worker::{DurationPolicy, ProbeOptions, Rejection};
use serde_json::Value;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("lms-transcode-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Names in the directory (to check nothing was left behind).
    fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
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

/// ffmpeg writing raw bytes to stdout.
fn ffmpeg_stdout(args: &[&str]) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-loglevel", "error"])
        .args(args)
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// ffprobe's JSON for `path` with extra arguments.
fn ffprobe(path: &Path, extra: &[&str]) -> Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-of", "json"])
        .args(extra)
        .arg(path)
        .output()
        .expect("run ffprobe");
    assert!(
        out.status.success(),
        "ffprobe {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("ffprobe json")
}

fn video_stream(path: &Path) -> Value {
    let v = ffprobe(path, &["-show_streams", "-select_streams", "v:0"]);
    v["streams"][0].clone()
}

/// Presentation times of a file's video packets, in file order.
fn packet_times(path: &Path, keyframes_only: bool) -> Vec<f64> {
    let v = ffprobe(
        path,
        &[
            "-select_streams",
            "v:0",
            "-show_entries",
            "packet=pts_time,dts_time,flags",
        ],
    );
    v["packets"]
        .as_array()
        .expect("packets")
        .iter()
        .filter(|p| !keyframes_only || p["flags"].as_str().is_some_and(|f| f.starts_with('K')))
        .filter_map(|p| p["pts_time"].as_str().and_then(|t| t.parse().ok()))
        .collect()
}

/// The test policy: 1–60 s accepted without a duration warning.
fn options() -> TranscodeOptions {
    TranscodeOptions {
        probe: ProbeOptions {
            duration: DurationPolicy {
                min_s: 1.0,
                max_s: 60.0,
                recommended_min_s: 1.0,
                recommended_max_s: 60.0,
            },
            ..ProbeOptions::default()
        },
        ..TranscodeOptions::default()
    }
}

/// A clip from lavfi `source` (video) with an optional 440 Hz tone.
fn clip(out: &Path, source: &str, seconds: &str, audio: bool, encode: &[&str]) {
    let mut args = vec!["-f", "lavfi", "-i", source];
    if audio {
        args.extend(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]);
    }
    args.extend(["-t", seconds]);
    args.extend(encode);
    if audio {
        args.extend(["-c:a", "aac", "-shortest"]);
    }
    args.push(s(out));
    ffmpeg(&args);
}

const H264: &[&str] = &[
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    "yuv420p",
];

fn transcode_ok(input: &Path, out: &Path) -> TranscodeSummary {
    let mut last = -1.0;
    let summary = transcode::run(input, out, &options(), |p| {
        assert!(p >= last, "progress went back from {last} to {p}");
        assert!((0.0..=1.0).contains(&p));
        last = p;
        ControlFlow::Continue(())
    })
    .unwrap_or_else(|e| panic!("transcode {}: {e:?}", input.display()));
    assert_eq!(last, 1.0, "progress ends at 1");
    summary
}

/// The master playlist's `#EXT-X-STREAM-INF` attribute lines, with the URI after each.
fn stream_infs(master: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = master.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("#EXT-X-STREAM-INF:"))
        .map(|(i, l)| {
            (
                (*l).to_owned(),
                lines.get(i + 1).copied().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Checks a media playlist: fMP4 with an init segment, and every segment listed exists.
fn check_media_playlist(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).expect("media playlist");
    assert!(text.starts_with("#EXTM3U"), "{text}");
    assert!(text.contains("#EXT-X-PLAYLIST-TYPE:VOD"), "{text}");
    assert!(text.contains("#EXT-X-MAP:URI=\"init.mp4\""), "{text}");
    assert!(text.contains("#EXT-X-ENDLIST"), "{text}");
    let dir = path.parent().expect("dir");
    assert!(dir.join("init.mp4").is_file());
    let segments: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(!segments.is_empty(), "{text}");
    for seg in &segments {
        let meta = std::fs::metadata(dir.join(seg)).expect("segment exists");
        assert!(meta.len() > 0, "{seg} is empty");
    }
    for line in text.lines().filter(|l| l.starts_with("#EXTINF:")) {
        let d: f64 = line["#EXTINF:".len()..]
            .trim_end_matches(',')
            .parse()
            .expect("EXTINF");
        assert!(d <= 6.6, "segment of {d} s in {}", path.display());
    }
    segments.len()
}

fn mp4_box_offset(data: &[u8], name: &[u8; 4]) -> Option<usize> {
    // Top-level boxes only: size (4 bytes, big endian) then type.
    let mut at = 0usize;
    while at + 8 <= data.len() {
        let size = u32::from_be_bytes(data[at..at + 4].try_into().ok()?) as usize;
        if &data[at + 4..at + 8] == name {
            return Some(at);
        }
        let size = match size {
            0 => return None,
            1 => u64::from_be_bytes(data.get(at + 8..at + 16)?.try_into().ok()?) as usize,
            n => n,
        };
        at = at.checked_add(size)?;
    }
    None
}

#[test]
fn landscape_720p_with_audio_gets_the_full_ladder() {
    let dir = TempDir::new("landscape");
    let input = dir.path("in.mp4");
    clip(&input, "testsrc2=size=1280x720:rate=25", "6", true, H264);
    let out = dir.path("out");
    let summary = transcode_ok(&input, &out);

    // Nothing but the output directory is left beside it.
    assert_eq!(dir.entries(), ["in.mp4", "out"]);

    let names: Vec<&str> = summary.renditions.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["240p", "360p", "480p", "720p"],
        "no 1080p from a 720p source"
    );
    let sizes: Vec<(u32, u32)> = summary
        .renditions
        .iter()
        .map(|r| (r.width, r.height))
        .collect();
    assert_eq!(sizes, [(426, 240), (640, 360), (854, 480), (1280, 720)]);
    assert_eq!(summary.frame_rate_fraction, "25/1");
    assert_eq!(summary.gop_frames, 50);
    // 240p is scaled from the 480p picture (the largest rung below the source's size).
    let from: Vec<&str> = summary
        .renditions
        .iter()
        .map(|r| r.scaled_from.as_str())
        .collect();
    assert_eq!(from, ["480p", "source", "source", "source"]);
    assert!(summary.renditions.iter().all(|r| r.frames == 150));

    // Master playlist: one entry per rendition with the attributes, and the audio group.
    let master = std::fs::read_to_string(out.join("master.m3u8")).expect("master");
    assert!(master.starts_with("#EXTM3U\n"), "{master}");
    assert!(master.contains("#EXT-X-INDEPENDENT-SEGMENTS"), "{master}");
    assert!(
        master.contains(
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Audio\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio/index.m3u8\""
        ),
        "{master}"
    );
    let infs = stream_infs(&master);
    assert_eq!(infs.len(), 4, "{master}");
    for (r, (inf, uri)) in summary.renditions.iter().zip(&infs) {
        assert_eq!(uri, &format!("{}/index.m3u8", r.name));
        assert!(
            inf.contains(&format!("BANDWIDTH={},", r.bandwidth_bps)),
            "{inf}"
        );
        assert!(
            inf.contains(&format!("AVERAGE-BANDWIDTH={},", r.average_bandwidth_bps)),
            "{inf}"
        );
        assert!(
            inf.contains(&format!("RESOLUTION={}x{}", r.width, r.height)),
            "{inf}"
        );
        assert!(inf.contains("FRAME-RATE=25.000"), "{inf}");
        assert!(inf.contains("AUDIO=\"audio\""), "{inf}");
        // High profile, the level read back from the stream: avc1.64 followed by the constraint and level bytes.
        let codecs = inf
            .split("CODECS=\"")
            .nth(1)
            .and_then(|c| c.split('"').next())
            .expect("CODECS");
        assert!(
            codecs.starts_with("avc1.6400") && codecs.ends_with(",mp4a.40.2"),
            "{codecs}"
        );
        assert_eq!(codecs, r.codecs);
        // Peak: at least maxrate + audio, and at least the measured peak.
        assert!(r.bandwidth_bps >= r.maxrate_bps + 128_000, "{r:?}");
        assert!(r.bandwidth_bps >= r.peak_segment_bps, "{r:?}");
        assert!(r.average_bandwidth_bps <= r.bandwidth_bps, "{r:?}");
        assert_eq!(r.profile, "High");

        // The rendition itself, as ffprobe reads it through its playlist.
        let playlist = out.join(&r.playlist);
        assert_eq!(check_media_playlist(&playlist), r.segments);
        let v = video_stream(&playlist);
        assert_eq!(v["codec_name"], "h264");
        assert_eq!(v["profile"], "High");
        assert_eq!(v["pix_fmt"], "yuv420p");
        assert_eq!(
            (v["width"].as_u64(), v["height"].as_u64()),
            (Some(u64::from(r.width)), Some(u64::from(r.height)))
        );
        assert_eq!(v["r_frame_rate"], "25/1");
    }
    assert!(summary.renditions.iter().any(|r| r.segments >= 1));
    check_media_playlist(&out.join("audio/index.m3u8"));
    let audio = ffprobe(&out.join("audio/index.m3u8"), &["-show_streams"]);
    let a = &audio["streams"][0];
    assert_eq!(a["codec_name"], "aac");
    assert_eq!(a["profile"], "LC");
    assert_eq!(a["sample_rate"], "48000");
    assert_eq!(a["channels"], 2);

    // ffprobe reads the master playlist itself: every variant's video and the audio.
    let m = ffprobe(&out.join("master.m3u8"), &["-show_streams"]);
    let streams = m["streams"].as_array().expect("streams");
    let heights: Vec<u64> = streams
        .iter()
        .filter(|st| st["codec_type"] == "video")
        .filter_map(|st| st["height"].as_u64())
        .collect();
    for h in [240, 360, 480, 720] {
        assert!(heights.contains(&h), "master lacks {h}p: {heights:?}");
    }
    assert!(streams.iter().any(|st| st["codec_type"] == "audio"));

    // Keyframes at the same timestamps in two renditions, every 2 s.
    let k240 = packet_times(&out.join("240p/index.m3u8"), true);
    let k720 = packet_times(&out.join("720p/index.m3u8"), true);
    assert_eq!(k240, k720, "keyframes not aligned");
    assert_eq!(k240.len(), 3, "{k240:?}");
    for pair in k240.windows(2) {
        assert!((pair[1] - pair[0] - 2.0).abs() < 1e-3, "{k240:?}");
    }
    // Timestamps increase (decode order) and every frame is there.
    let all = packet_times(&out.join("480p/index.m3u8"), false);
    assert_eq!(all.len(), 150);

    // Fallback: 480p + AAC, moov before mdat (faststart).
    assert_eq!(summary.fallback_rendition, "480p");
    let mp4 = std::fs::read(out.join("video.mp4")).expect("mp4");
    let moov = mp4_box_offset(&mp4, b"moov").expect("moov");
    let mdat = mp4_box_offset(&mp4, b"mdat").expect("mdat");
    assert!(moov < mdat, "moov at {moov}, mdat at {mdat}: not faststart");
    let f = ffprobe(&out.join("video.mp4"), &["-show_streams", "-show_format"]);
    let fs = f["streams"].as_array().expect("streams");
    assert_eq!(fs.len(), 2);
    assert!(
        fs.iter()
            .any(|st| st["codec_name"] == "h264" && st["height"] == 480)
    );
    assert!(fs.iter().any(|st| st["codec_name"] == "aac"));
    let fdur: f64 = f["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .expect("duration");
    assert!((fdur - 6.0).abs() < 0.3, "{fdur}");
    let fk = packet_times(&out.join("video.mp4"), true);
    assert_eq!(fk.len(), 3, "{fk:?}");

    // Poster (720p size, from ~10 % in), sprite and thumbnails track.
    let poster = video_stream(&out.join("poster.jpg"));
    assert_eq!(poster["codec_name"], "mjpeg");
    assert_eq!(
        (poster["width"].as_u64(), poster["height"].as_u64()),
        (Some(1280), Some(720))
    );
    assert!((summary.images.poster_at_s - 0.6).abs() < 0.1);
    let sprite = video_stream(&out.join("sprite.jpg"));
    assert_eq!(sprite["codec_name"], "mjpeg");
    assert_eq!(summary.images.tiles, 1);
    assert_eq!(
        (sprite["width"].as_u64(), sprite["height"].as_u64()),
        (Some(160), Some(90))
    );
    let vtt = std::fs::read_to_string(out.join("thumbnails.vtt")).expect("vtt");
    assert!(vtt.starts_with("WEBVTT\n\n"), "{vtt}");
    assert!(vtt.contains("00:00:00.000 --> 00:00:06.0"), "{vtt}");
    assert!(vtt.contains("sprite.jpg#xywh=0,0,160,90"), "{vtt}");

    // summary.json is the returned summary.
    let json = std::fs::read(out.join("summary.json")).expect("summary.json");
    let mut from_file: TranscodeSummary =
        serde_json::from_slice(&json).expect("valid summary.json");
    // Floats may differ in the last bit after a JSON round trip.
    assert!((from_file.timing.transcode_s - summary.timing.transcode_s).abs() < 1e-9);
    from_file.timing = summary.timing.clone();
    assert_eq!(from_file, summary);
    assert_eq!(summary.probe.width, 1280);
    assert!(summary.audio.as_ref().is_some_and(|a| a.segments >= 1));
    assert!(summary.timing.transcode_s > 0.0);
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
}

/// Mean luma of the top and bottom halves of the first frame of `path`.
fn top_bottom_luma(path: &Path, width: usize, height: usize) -> (f64, f64) {
    let gray = ffmpeg_stdout(&[
        "-i",
        s(path),
        "-frames:v",
        "1",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "gray",
        "-",
    ]);
    assert_eq!(gray.len(), width * height);
    let half = width * (height / 2);
    let mean = |b: &[u8]| b.iter().map(|&v| f64::from(v)).sum::<f64>() / b.len() as f64;
    (mean(&gray[..half]), mean(&gray[gray.len() - half..]))
}

#[test]
fn rotated_phone_video_stays_portrait() {
    let dir = TempDir::new("portrait");
    // Coded landscape, left half white and right half black, tagged to be shown turned.
    let coded = dir.path("coded.mp4");
    clip(
        &coded,
        "color=white:size=854x480:rate=25,drawbox=x=427:y=0:w=427:h=480:color=black:t=fill",
        "3",
        true,
        H264,
    );
    let input = dir.path("phone.mp4");
    ffmpeg(&[
        "-i",
        s(&coded),
        "-c",
        "copy",
        "-metadata:s:v:0",
        "rotate=90",
        s(&input),
    ]);
    let out = dir.path("out");
    let summary = transcode_ok(&input, &out);
    assert_eq!(summary.probe.rotation_deg % 180, 90);

    let sizes: Vec<(String, u32, u32)> = summary
        .renditions
        .iter()
        .map(|r| (r.name.clone(), r.width, r.height))
        .collect();
    assert_eq!(
        sizes,
        [
            ("240p".to_owned(), 240, 428),
            ("360p".to_owned(), 360, 640),
            ("480p".to_owned(), 480, 854)
        ]
    );
    // 240p is scaled from the (already upright) 360p picture.
    let from: Vec<&str> = summary
        .renditions
        .iter()
        .map(|r| r.scaled_from.as_str())
        .collect();
    assert_eq!(from, ["360p", "source", "source"]);
    let master = std::fs::read_to_string(out.join("master.m3u8")).expect("master");
    assert!(master.contains("RESOLUTION=360x640"), "{master}");
    for r in &summary.renditions {
        let v = video_stream(&out.join(&r.playlist));
        let (w, h) = (
            v["width"].as_u64().unwrap_or(0),
            v["height"].as_u64().unwrap_or(0),
        );
        assert!(h > w, "{}: {w}x{h} is not portrait", r.name);
        // No rotation left for the player to apply.
        assert!(v["side_data_list"].is_null(), "{v}");
    }
    let poster = video_stream(&out.join("poster.jpg"));
    assert!(poster["height"].as_u64() > poster["width"].as_u64());
    // Keyframes still line up across a cascaded and a direct rung.
    assert_eq!(
        packet_times(&out.join("240p/index.m3u8"), true),
        packet_times(&out.join("480p/index.m3u8"), true)
    );

    // Turned the same way as the ffmpeg CLI turns it, directly and through the cascade.
    for (name, w, h) in [("360p", 360, 640), ("240p", 240, 428)] {
        let reference = dir.path(&format!("reference-{name}.mp4"));
        ffmpeg(&[
            "-i",
            s(&input),
            "-vf",
            &format!("scale={w}:{h}"),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            s(&reference),
        ]);
        let (rt, rb) = top_bottom_luma(&reference, w, h);
        let (ot, ob) = top_bottom_luma(&out.join(format!("{name}/index.m3u8")), w, h);
        assert!((rt - rb).abs() > 100.0, "reference is not split: {rt} {rb}");
        assert!(
            (ot - rt).abs() < 30.0 && (ob - rb).abs() < 30.0,
            "{name}: ours {ot}/{ob}, CLI {rt}/{rb}"
        );
    }
}

#[test]
fn sixty_fps_is_capped_at_thirty() {
    let dir = TempDir::new("60fps");
    let input = dir.path("in.mp4");
    clip(&input, "testsrc2=size=640x360:rate=60", "4", false, H264);
    let out = dir.path("out");
    let summary = transcode_ok(&input, &out);
    assert_eq!(summary.frame_rate_fraction, "30/1");
    assert_eq!(summary.gop_frames, 60);
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.code == "frame_rate_reduced")
    );
    for r in &summary.renditions {
        let v = video_stream(&out.join(&r.playlist));
        assert_eq!(v["r_frame_rate"], "30/1", "{}", r.name);
        let frames = packet_times(&out.join(&r.playlist), false).len();
        assert!((118..=121).contains(&frames), "{}: {frames} frames", r.name);
    }
}

#[test]
fn ten_bit_source_becomes_8_bit_high_profile() {
    let dir = TempDir::new("10bit");
    let input = dir.path("in.mp4");
    clip(
        &input,
        "testsrc2=size=640x360:rate=25",
        "3",
        false,
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p10le",
        ],
    );
    assert_eq!(video_stream(&input)["profile"], "High 10");
    let out = dir.path("out");
    let summary = transcode_ok(&input, &out);
    assert_eq!(summary.probe.bit_depth, Some(10));
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.code == "converted_to_8_bit")
    );
    for r in &summary.renditions {
        let v = video_stream(&out.join(&r.playlist));
        assert_eq!(v["pix_fmt"], "yuv420p");
        assert_eq!(v["profile"], "High");
        assert!(r.codec.starts_with("avc1.6400"), "{}", r.codec);
    }
}

#[test]
fn hdr_source_is_tone_mapped_to_sdr() {
    let dir = TempDir::new("hdr");
    let input = dir.path("in.mp4");
    clip(
        &input,
        "testsrc2=size=640x360:rate=25",
        "3",
        false,
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p10le",
            "-color_primaries",
            "bt2020",
            "-color_trc",
            "smpte2084",
            "-colorspace",
            "bt2020nc",
        ],
    );
    let out = dir.path("out");
    let summary = transcode_ok(&input, &out);
    assert!(summary.warnings.iter().any(|w| w.code == "hdr_converted"));
    let v = video_stream(&out.join("360p/index.m3u8"));
    assert_eq!(v["pix_fmt"], "yuv420p");
    assert_eq!(v["color_transfer"], "bt709");
    assert_eq!(v["color_primaries"], "bt709");
}

#[test]
fn video_without_audio_has_no_audio_group() {
    let dir = TempDir::new("silent");
    let input = dir.path("in.mkv");
    clip(&input, "testsrc2=size=640x360:rate=30", "4", false, H264);
    let out = dir.path("out");
    let summary = transcode_ok(&input, &out);
    assert!(summary.audio.is_none());
    assert!(summary.warnings.iter().any(|w| w.code == "no_audio"));
    assert!(!out.join("audio").exists());
    let master = std::fs::read_to_string(out.join("master.m3u8")).expect("master");
    assert!(!master.contains("EXT-X-MEDIA"), "{master}");
    assert!(!master.contains("AUDIO="), "{master}");
    assert!(!master.contains("mp4a"), "{master}");
    assert_eq!(stream_infs(&master).len(), 2);
    // Still plays: ffprobe reads the master playlist and the fallback.
    let m = ffprobe(&out.join("master.m3u8"), &["-show_streams"]);
    let streams = m["streams"].as_array().expect("streams");
    assert!(streams.iter().all(|st| st["codec_type"] == "video"));
    assert_eq!(streams.len(), 2);
    let f = ffprobe(&out.join("video.mp4"), &["-show_streams"]);
    assert_eq!(f["streams"].as_array().map(Vec::len), Some(1));
    assert_eq!(summary.fallback_rendition, "360p");
}

#[test]
fn variable_frame_rate_source_is_resampled_to_a_constant_rate() {
    let dir = TempDir::new("vfr");
    let input = dir.path("vfr.mkv");
    ffmpeg(&[
        "-filter_complex",
        "testsrc2=s=640x360:r=10:d=2[a];testsrc2=s=640x360:r=30:d=2[b];testsrc2=s=640x360:r=24:d=2[c];[a][b][c]concat=n=3:v=1:a=0[v]",
        "-map",
        "[v]",
        "-fps_mode",
        "vfr",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        s(&input),
    ]);
    let out = dir.path("out");
    let summary = transcode_ok(&input, &out);
    assert_eq!(summary.frame_rate_fraction, "30/1");
    for r in &summary.renditions {
        let pl = out.join(&r.playlist);
        // Presentation times: every frame on the 30 fps grid, strictly increasing once
        // sorted, no duplicates; decode timestamps strictly increasing.
        let v = ffprobe(
            &pl,
            &[
                "-select_streams",
                "v:0",
                "-show_entries",
                "packet=pts_time,dts_time",
            ],
        );
        let packets = v["packets"].as_array().expect("packets");
        let dts: Vec<f64> = packets
            .iter()
            .filter_map(|p| p["dts_time"].as_str().and_then(|t| t.parse().ok()))
            .collect();
        assert!(
            dts.windows(2).all(|w| w[1] > w[0]),
            "{}: dts not increasing",
            r.name
        );
        let mut pts: Vec<f64> = packets
            .iter()
            .filter_map(|p| p["pts_time"].as_str().and_then(|t| t.parse().ok()))
            .collect();
        pts.sort_by(f64::total_cmp);
        for w in pts.windows(2) {
            let step = w[1] - w[0];
            assert!((step - 1.0 / 30.0).abs() < 2e-3, "{}: step {step}", r.name);
        }
        assert!(
            (175..=182).contains(&pts.len()),
            "{}: {} frames",
            r.name,
            pts.len()
        );
    }
}

#[test]
fn abort_from_the_progress_callback_leaves_nothing() {
    let dir = TempDir::new("abort");
    let input = dir.path("in.mp4");
    clip(&input, "testsrc2=size=1280x720:rate=25", "6", true, H264);
    let out = dir.path("out");
    let mut calls = 0;
    let result = transcode::run(&input, &out, &options(), |p| {
        calls += 1;
        if p > 0.2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!(result, Err(TranscodeError::Aborted));
    assert!(calls > 1);
    assert!(!out.exists(), "output left behind");
    assert_eq!(dir.entries(), ["in.mp4"], "staging left behind");
    // Aborted is worth retrying and says so in both languages.
    let e = TranscodeError::Aborted;
    assert!(!e.is_permanent());
    assert!(e.reason_vi().contains("gián đoạn"));
}

#[test]
fn truncated_and_garbage_files_are_rejected_cleanly() {
    let dir = TempDir::new("broken");
    let whole = dir.path("whole.mp4");
    // moov at the end (no faststart), as most cameras write: cut short, it has no index.
    clip(&whole, "testsrc2=size=640x360:rate=25", "4", true, H264);
    let bytes = std::fs::read(&whole).expect("read");
    let truncated = dir.path("truncated.mp4");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let garbage = dir.path("garbage.mp4");
    std::fs::write(
        &garbage,
        b"this is not a video at all, just some text".repeat(100),
    )
    .expect("write");
    for input in [&truncated, &garbage] {
        let out = dir.path("out");
        let err = transcode::run(input, &out, &options(), |_| ControlFlow::Continue(()))
            .expect_err("rejected");
        assert!(err.is_permanent(), "{err:?}");
        assert!(
            matches!(
                err.rejection(),
                Some(Rejection::Unreadable { .. } | Rejection::ContainerNotAllowed { .. })
            ),
            "{err:?}"
        );
        assert!(!err.reason_en().is_empty() && !err.reason_vi().is_empty());
        assert!(!out.exists());
    }
    assert_eq!(dir.entries(), ["garbage.mp4", "truncated.mp4", "whole.mp4"]);
}

#[test]
fn existing_output_is_kept_unless_replacing() {
    let dir = TempDir::new("exists");
    let input = dir.path("in.mp4");
    clip(&input, "testsrc2=size=426x240:rate=25", "2", false, H264);
    let out = dir.path("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::write(out.join("keep.txt"), b"mine").expect("write");
    let err = transcode::run(&input, &out, &options(), |_| ControlFlow::Continue(()))
        .expect_err("refused");
    assert!(matches!(err, TranscodeError::OutputExists(_)), "{err:?}");
    assert!(out.join("keep.txt").exists());
    let replace = TranscodeOptions {
        replace_existing: true,
        ..options()
    };
    let summary =
        transcode::run(&input, &out, &replace, |_| ControlFlow::Continue(())).expect("replaced");
    assert_eq!(summary.renditions.len(), 1);
    assert!(!out.join("keep.txt").exists());
    assert!(out.join("master.m3u8").exists());
    assert_eq!(dir.entries(), ["in.mp4", "out"]);
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lms-media-worker"))
}

#[test]
fn transcode_command_reports_progress_and_rejections() {
    let dir = TempDir::new("cli");
    let input = dir.path("small.mp4");
    clip(&input, "testsrc2=size=426x240:rate=25", "3", true, H264);
    let out = dir.path("out");
    let run = binary()
        .args([
            "transcode",
            s(&input),
            s(&out),
            "--min-duration-s",
            "1",
            "--max-duration-s",
            "60",
        ])
        .env("RUST_LOG", "warn")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("progress:") && stderr.contains("100.0%"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("240p") && stdout.contains("avc1.64"),
        "{stdout}"
    );
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(summary["renditions"][0]["name"], "240p");
    assert_eq!(summary["audio"]["codec"], "mp4a.40.2");
    assert!(
        summary["timing"]["transcode_s"]
            .as_f64()
            .is_some_and(|t| t > 0.0)
    );

    // The policy applies: too short for the default policy (2–6 minutes).
    let again = binary()
        .args(["transcode", s(&input), s(&dir.path("out2"))])
        .output()
        .expect("run");
    assert_eq!(again.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("too short") && stderr.contains("quá ngắn"),
        "{stderr}"
    );
    assert!(!dir.path("out2").exists());

    // Audio only: a clear answer.
    let sound = dir.path("sound.m4a");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440",
        "-t",
        "3",
        "-c:a",
        "aac",
        s(&sound),
    ]);
    let audio_only = binary()
        .args([
            "transcode",
            s(&sound),
            s(&dir.path("out3")),
            "--min-duration-s",
            "1",
            "--json",
        ])
        .output()
        .expect("run");
    assert_eq!(audio_only.status.code(), Some(2));
    let json: Value = serde_json::from_slice(&audio_only.stdout).expect("json");
    assert_eq!(json["rejected"]["code"], "audio_only");
    assert!(
        json["rejected"]["reason_vi"]
            .as_str()
            .is_some_and(|r| r.contains("chỉ có âm thanh"))
    );
    assert!(!dir.path("out3").exists());
}
