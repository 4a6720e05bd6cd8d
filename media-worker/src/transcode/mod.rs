//! Transcoding an accepted upload into what the player streams: an H.264 ladder in fMP4 HLS
//! with a master playlist, one AAC audio rendition, an MP4 fallback, a poster and a thumbnail
//! sprite with its WebVTT track.
//!
//! [`run`] validates the input with [`crate::probe::probe`] (the same checks and policy as the
//! probe job), then **decodes once**: the calling thread demuxes and decodes the video, turns
//! it into constant frame rate (at most [`TranscodeOptions::max_fps`]) with libavfilter's
//! `fps` filter, and hands every frame as an `Arc` over bounded channels to one thread per
//! rendition (each with its own scaler, upright filter and libx264 encoder, muxing its own
//! HLS playlist) and to the thumbnail thread; audio packets go to one audio thread (decode,
//! resample to 48 kHz stereo, AAC-LC, its own HLS rendition). The MP4 fallback is not a
//! separate encode: the fallback rung's packets and the audio packets are also muxed into
//! `video.mp4` (faststart). Keyframes sit at the same timestamps in every rendition: the
//! same frames reach every encoder, which all use a fixed GOP (`g` = `keyint_min` = 2 s of
//! frames, no scene-cut keyframes) and force an IDR frame at every multiple of it.
//!
//! Scaling costs about the input's pixel count, so the rungs of 480 lines and less are scaled
//! from the 720p rendition's (already upright) picture, which it hands on over the same kind
//! of channel, rather than from a 1080p or larger source
//! ([`TranscodeOptions::cascade_scaling`]). libx264 threads are shared out between the rungs
//! by their size ([`ladder::x264_threads`]) instead of every encoder starting
//! `1.5 × cores` threads of its own.
//!
//! Output layout (paths relative to the output directory):
//!
//! ```text
//! master.m3u8                 master playlist
//! 240p/index.m3u8, init.mp4, seg_00000.m4s ...   one directory per rung
//! audio/index.m3u8, init.mp4, seg_00000.m4s ...  when the source has sound
//! video.mp4                   fallback (480p, else the largest rung below it)
//! poster.jpg                  frame from 10 % into the video
//! sprite.jpg, thumbnails.vtt  one 160 px tile every 10 s, and the WebVTT track pointing at them
//! summary.json                the [`TranscodeSummary`]
//! ```
//!
//! Everything is written to a hidden staging directory beside the output directory and renamed
//! into place only when complete; on failure or abort nothing is left behind.

mod audio;
mod filters;
pub mod ladder;
mod pipeline;
mod playlist;
mod staging;
mod thumbs;
mod video;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde::{Deserialize, Serialize};

pub use ladder::{DEFAULT_LADDER, PlannedRung, RungSpec};

use crate::probe::{self, MediaFacts, ProbeError, ProbeOptions, Rejection, Warning};

/// Everything that shapes the output. [`Default`] is the platform's policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscodeOptions {
    /// What the probe accepts (the same policy as the probe job).
    pub probe: ProbeOptions,
    /// The ladder; rungs above the source's short side are skipped.
    pub ladder: Vec<RungSpec>,
    /// libx264 preset.
    pub preset: String,
    /// libx264 constant rate factor (capped by each rung's maxrate).
    pub crf: u8,
    /// Highest output frame rate; faster sources drop frames (60 → 30).
    pub max_fps: u32,
    /// Keyframe interval, seconds (the same in every rendition).
    pub gop_seconds: u32,
    /// HLS target segment duration, seconds.
    pub segment_seconds: u32,
    /// AAC bitrate, bits per second.
    pub audio_bitrate_bps: u64,
    /// libx264 threads per rendition; 0 sizes them to the machine: the cores shared out
    /// between the rungs by their pixels (see [`ladder::x264_threads`]).
    pub x264_threads: u32,
    /// Where the poster is taken, as a fraction of the duration.
    pub poster_position: f64,
    /// Seconds between two thumbnails of the sprite.
    pub sprite_interval_s: f64,
    /// Width of a thumbnail in the sprite, pixels.
    pub sprite_tile_width: u32,
    /// Thumbnails per row of the sprite.
    pub sprite_columns: u32,
    /// Scale the rungs of 480 lines and less from the 720p picture rather than from the
    /// source (about half the scaling work for a 1080p source, same quality; see
    /// [`ladder::scale_sources`]).
    pub cascade_scaling: bool,
    /// Replace an existing, non-empty output directory (else it is an error).
    pub replace_existing: bool,
}

impl Default for TranscodeOptions {
    fn default() -> Self {
        Self {
            probe: ProbeOptions::default(),
            ladder: DEFAULT_LADDER.to_vec(),
            preset: "veryfast".to_owned(),
            crf: 23,
            max_fps: 30,
            gop_seconds: 2,
            segment_seconds: 6,
            audio_bitrate_bps: 128_000,
            x264_threads: 0,
            poster_position: 0.1,
            sprite_interval_s: 10.0,
            sprite_tile_width: 160,
            sprite_columns: 10,
            cascade_scaling: true,
            replace_existing: false,
        }
    }
}

/// One video rendition as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenditionSummary {
    /// `720p` etc., by the short side.
    pub name: String,
    /// Media playlist, relative to the output directory.
    pub playlist: String,
    pub width: u32,
    pub height: u32,
    /// `avc1.PPCCLL` as read back from the written `avcC` box.
    pub codec: String,
    /// `CODECS` of the master playlist entry (video, plus audio when there is sound).
    pub codecs: String,
    pub profile: String,
    /// H.264 level, e.g. `3.1`.
    pub level: String,
    pub maxrate_bps: u64,
    pub bufsize_bits: u64,
    /// libx264 threads this rendition's encoder used.
    pub x264_threads: u32,
    /// What the picture was scaled from: `source`, or the rung (e.g. `720p`).
    pub scaled_from: String,
    /// Master playlist `BANDWIDTH`: the larger of maxrate + audio and the measured peak
    /// segment bitrate (video + audio).
    pub bandwidth_bps: u64,
    /// Master playlist `AVERAGE-BANDWIDTH`: measured video + audio average.
    pub average_bandwidth_bps: u64,
    pub peak_segment_bps: u64,
    pub segments: usize,
    pub frames: u64,
    /// Bytes of media segments.
    pub bytes: u64,
}

/// The audio rendition as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioSummary {
    pub playlist: String,
    /// `mp4a.40.2` (AAC-LC).
    pub codec: String,
    pub bitrate_bps: u64,
    pub channels: u16,
    pub sample_rate: u32,
    pub average_bps: u64,
    pub peak_segment_bps: u64,
    pub segments: usize,
    pub bytes: u64,
}

/// The poster, sprite and thumbnail track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImagesSummary {
    pub poster: String,
    pub poster_width: u32,
    pub poster_height: u32,
    /// Time of the poster frame, seconds.
    pub poster_at_s: f64,
    pub sprite: String,
    pub thumbnails_vtt: String,
    pub tile_width: u32,
    pub tile_height: u32,
    pub columns: u32,
    pub rows: u32,
    pub tiles: u32,
    pub interval_s: f64,
}

/// Wall-clock timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub probe_s: f64,
    pub transcode_s: f64,
    pub total_s: f64,
    /// Media seconds per wall-clock second of the transcode.
    pub speed: f64,
}

/// What [`run`] produced; also written as `summary.json`. Paths are relative to the output
/// directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscodeSummary {
    /// The probe's facts about the input.
    pub probe: MediaFacts,
    pub master_playlist: String,
    /// Output frame rate (constant), frames per second, and as a fraction.
    pub frame_rate: f64,
    pub frame_rate_fraction: String,
    pub gop_frames: u32,
    pub segment_seconds: u32,
    pub renditions: Vec<RenditionSummary>,
    pub audio: Option<AudioSummary>,
    /// The MP4 fallback and the rung it carries.
    pub fallback_mp4: String,
    pub fallback_rendition: String,
    pub images: ImagesSummary,
    /// Video frames decoded and sent to the encoders.
    pub frames_decoded: u64,
    pub frames_encoded: u64,
    /// Packets the decoders refused (damaged data skipped).
    pub decode_errors: u64,
    /// The probe's warnings and the transcode's own.
    pub warnings: Vec<Warning>,
    pub timing: Timing,
}

/// Why a transcode did not complete. Each has a reason in English and Vietnamese.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TranscodeError {
    /// The input is refused (by the probe, or it could not be decoded at all). Final.
    #[error("{0}")]
    Rejected(Rejection),
    /// The input could not be read now (missing, permissions, I/O): worth retrying.
    #[error("could not read the input: {0}")]
    Input(String),
    /// The output could not be written (disk full, permissions): worth retrying.
    #[error("could not write the output: {0}")]
    Output(String),
    /// The output directory exists and is not empty, and replacing it was not allowed.
    #[error("the output directory already exists: {0}")]
    OutputExists(PathBuf),
    /// The options are unusable.
    #[error("invalid transcode options: {0}")]
    InvalidOptions(String),
    /// FFmpeg failed in a way the input does not explain (missing encoder, internal error).
    #[error("transcoding failed: {0}")]
    Failed(String),
    /// Stopped by the progress callback (cancellation, lost lease, shutdown).
    #[error("transcode aborted")]
    Aborted,
}

impl From<ProbeError> for TranscodeError {
    fn from(e: ProbeError) -> Self {
        match e {
            ProbeError::Rejected(r) => Self::Rejected(r),
            ProbeError::Io(detail) => Self::Input(detail),
            ProbeError::Aborted => Self::Aborted,
        }
    }
}

impl TranscodeError {
    /// True when retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            Self::Rejected(_) | Self::InvalidOptions(_) | Self::OutputExists(_)
        )
    }

    /// The rejection, when the input was refused.
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Self::Rejected(r) => Some(r),
            _ => None,
        }
    }

    /// The reason in English, for the trainer.
    pub fn reason_en(&self) -> String {
        match self {
            Self::Rejected(r) => r.reason_en(),
            Self::Input(d) => {
                format!("The file could not be read at the moment ({d}); it will be tried again.")
            }
            Self::Output(d) => {
                format!("The converted video could not be saved ({d}); it will be tried again.")
            }
            Self::OutputExists(p) => format!(
                "The output folder {} already exists and is not empty.",
                p.display()
            ),
            Self::InvalidOptions(d) => format!("The conversion settings are invalid: {d}."),
            Self::Failed(d) => format!(
                "The video could not be converted because of an internal error ({d}); it will be tried again."
            ),
            Self::Aborted => "The conversion was interrupted; it will be tried again.".to_owned(),
        }
    }

    /// The reason in Vietnamese, for the trainer.
    pub fn reason_vi(&self) -> String {
        match self {
            Self::Rejected(r) => r.reason_vi(),
            Self::Input(d) => format!("Hiện chưa đọc được tệp ({d}); hệ thống sẽ thử lại."),
            Self::Output(d) => {
                format!("Không lưu được video đã chuyển đổi ({d}); hệ thống sẽ thử lại.")
            }
            Self::OutputExists(p) => {
                format!("Thư mục đầu ra {} đã tồn tại và không trống.", p.display())
            }
            Self::InvalidOptions(d) => format!("Thiết lập chuyển đổi không hợp lệ: {d}."),
            Self::Failed(d) => {
                format!("Không chuyển đổi được video do lỗi nội bộ ({d}); hệ thống sẽ thử lại.")
            }
            Self::Aborted => "Việc chuyển đổi bị gián đoạn; hệ thống sẽ thử lại.".to_owned(),
        }
    }
}

fn output_error(e: &std::io::Error) -> TranscodeError {
    TranscodeError::Output(e.to_string())
}

fn check_options(opts: &TranscodeOptions) -> Result<(), TranscodeError> {
    let bad = |m: &str| Err(TranscodeError::InvalidOptions(m.to_owned()));
    if opts.ladder.is_empty()
        || opts
            .ladder
            .iter()
            .any(|r| r.short_side < 16 || r.maxrate_bps < 10_000)
    {
        return bad("the ladder needs at least one rung of at least 16 px and 10 kbit/s");
    }
    if opts.crf > 51 {
        return bad("crf must be between 0 and 51");
    }
    if opts.preset.is_empty() || !opts.preset.chars().all(|c| c.is_ascii_lowercase()) {
        return bad("preset must be a libx264 preset name");
    }
    if !(1..=120).contains(&opts.max_fps)
        || !(1..=10).contains(&opts.gop_seconds)
        || !(1..=60).contains(&opts.segment_seconds)
    {
        return bad("max_fps, gop_seconds or segment_seconds out of range");
    }
    if !(32_000..=512_000).contains(&opts.audio_bitrate_bps) {
        return bad("audio bitrate must be between 32 and 512 kbit/s");
    }
    let images_ok = (0.0..=1.0).contains(&opts.poster_position)
        && opts.sprite_interval_s.is_finite()
        && opts.sprite_interval_s >= 1.0
        && (16..=640).contains(&opts.sprite_tile_width)
        && (1..=50).contains(&opts.sprite_columns);
    if !images_ok {
        return bad("poster or sprite settings out of range");
    }
    Ok(())
}

/// Probes `input` and transcodes it into `out_dir` (see the module documentation).
///
/// `progress` receives the fraction done (decoded time over duration, 0.0 to 1.0) from the
/// calling thread; returning [`ControlFlow::Break`] aborts the transcode with
/// [`TranscodeError::Aborted`]. Output appears in `out_dir` only when complete: it is built in
/// a staging directory beside it (in `out_dir`'s parent) and renamed into place, replacing an
/// existing directory only when [`TranscodeOptions::replace_existing`] (or when it is empty).
pub fn run(
    input: &Path,
    out_dir: &Path,
    opts: &TranscodeOptions,
    mut progress: impl FnMut(f64) -> ControlFlow<()>,
) -> Result<TranscodeSummary, TranscodeError> {
    let started = Instant::now();
    probe::init_ffmpeg();
    check_options(opts)?;
    match staging::check_target(out_dir, opts.replace_existing) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(TranscodeError::OutputExists(out_dir.to_path_buf()));
        }
        Err(e) => return Err(output_error(&e)),
    }
    if progress(0.0).is_break() {
        return Err(TranscodeError::Aborted);
    }
    let abort = Arc::new(AtomicBool::new(false));
    let facts = probe::probe(input, &opts.probe, Some(Arc::clone(&abort)))?;
    let probe_s = started.elapsed().as_secs_f64();
    if progress(0.0).is_break() {
        return Err(TranscodeError::Aborted);
    }

    let stage = staging::Staging::create(out_dir).map_err(|e| output_error(&e))?;
    let transcode_started = Instant::now();
    let mut summary = pipeline::transcode(input, stage.path(), &facts, opts, &mut progress)?;
    let transcode_s = transcode_started.elapsed().as_secs_f64();
    summary.timing = Timing {
        probe_s,
        transcode_s,
        total_s: started.elapsed().as_secs_f64(),
        speed: if transcode_s > 0.0 {
            facts.duration_s / transcode_s
        } else {
            0.0
        },
    };
    let json = serde_json::to_vec_pretty(&summary)
        .map_err(|e| TranscodeError::Failed(format!("summary: {e}")))?;
    std::fs::write(stage.path().join("summary.json"), json).map_err(|e| output_error(&e))?;
    if progress(1.0).is_break() {
        return Err(TranscodeError::Aborted);
    }
    stage.publish().map_err(|e| output_error(&e))?;
    Ok(summary)
}
