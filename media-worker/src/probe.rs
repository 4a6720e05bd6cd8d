//! Probing an uploaded media file: is it a video we accept, and what are its facts?
//!
//! Every upload is untrusted, so the checks run in an order that exposes as little of FFmpeg
//! as possible to a hostile file:
//!
//! 1. The path must be a regular file (never a FIFO, device or directory), not empty and not
//!    over the size limit.
//! 2. It is opened through the `file` protocol only (`protocol_whitelist=file`, and the URL is
//!    `file:<absolute path>`), with `format_whitelist` set to the container allow-list. FFmpeg
//!    detects the demuxer from the bytes (never from the extension) and refuses one that is not
//!    on the list *before* that demuxer reads the header, so an HLS playlist, a `concat` list or
//!    an image sequence renamed `.mp4` is rejected without opening any file it points at.
//!    Decoders that stream analysis may open are limited with `codec_whitelist`; MOV external
//!    data references stay disabled.
//! 3. Streams: a real video stream is required (cover art and single still frames do not
//!    count); codecs must be on the allow-lists; picture dimensions must be within limits.
//! 4. Every packet is read (demuxed, not decoded) to measure the duration actually present,
//!    because a header can lie. The scan stops as soon as the media runs past the maximum
//!    duration.
//!
//! The result is either [`MediaFacts`] (with [`Warning`]s a trainer may want to act on) or a
//! [`ProbeError`]: a [`Rejection`] of the input, with reasons in English and Vietnamese, or an
//! I/O problem worth retrying.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use ff::codec::Id;
use ff::format::stream::Disposition;
use ff::media::Type as Medium;
use ffmpeg_next as ff;
use serde::{Deserialize, Serialize};

/// Demuxers accepted, by the name FFmpeg gives them (`mov,mp4,m4a,3gp,3g2,mj2` is one demuxer
/// covering MP4, MOV and 3GP; `matroska,webm` covers MKV and WebM).
pub const ALLOWED_DEMUXERS: &[&str] = &[
    "mov", "mp4", "3gp", "matroska", "webm", "avi", "mpegts", "flv",
];

/// Video codecs accepted.
pub const ALLOWED_VIDEO_CODECS: &[Id] = &[
    Id::H264,
    Id::HEVC,
    Id::VP8,
    Id::VP9,
    Id::AV1,
    Id::MPEG4,
    Id::MPEG2VIDEO,
    Id::MPEG1VIDEO,
    Id::H263,
    Id::MJPEG,
    Id::PRORES,
    Id::DNXHD,
    Id::THEORA,
    Id::FLV1,
];

/// Audio codecs accepted.
pub const ALLOWED_AUDIO_CODECS: &[Id] = &[
    Id::AAC,
    Id::MP3,
    Id::MP2,
    Id::AC3,
    Id::EAC3,
    Id::OPUS,
    Id::VORBIS,
    Id::FLAC,
    Id::ALAC,
    Id::PCM_S16LE,
    Id::PCM_S16BE,
    Id::PCM_S24LE,
    Id::PCM_S24BE,
    Id::PCM_S32LE,
    Id::PCM_F32LE,
    Id::PCM_U8,
    Id::PCM_MULAW,
    Id::PCM_ALAW,
    Id::ADPCM_IMA_WAV,
    Id::AMR_NB,
    Id::AMR_WB,
];

/// How long a module video may and should be. Outside `min_s..=max_s` the file is rejected;
/// outside `recommended_min_s..=recommended_max_s` it is accepted with a warning.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DurationPolicy {
    pub min_s: f64,
    pub max_s: f64,
    pub recommended_min_s: f64,
    pub recommended_max_s: f64,
}

impl Default for DurationPolicy {
    /// Modules are 3–5 minute videos: accept 2–6 minutes, warn outside 3–5.
    fn default() -> Self {
        Self {
            min_s: 120.0,
            max_s: 360.0,
            recommended_min_s: 180.0,
            recommended_max_s: 300.0,
        }
    }
}

/// Size limits on the file and the picture.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Longest picture side (8K UHD: 7680), whatever the orientation.
    pub max_long_side: u32,
    /// Shortest picture side (8K UHD: 4320), whatever the orientation.
    pub max_short_side: u32,
    /// Largest picture area, in pixels.
    pub max_pixels: u64,
    /// Smallest picture side.
    pub min_side: u32,
    /// Most packets read before giving up on a file (a guard against crafted files).
    pub max_packets: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 10 * 1024 * 1024 * 1024,
            max_long_side: 7680,
            max_short_side: 4320,
            max_pixels: 36_000_000,
            min_side: 16,
            max_packets: 5_000_000,
        }
    }
}

/// Everything that decides whether a file is accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ProbeOptions {
    pub duration: DurationPolicy,
    pub limits: Limits,
}

/// How the picture is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    Landscape,
    Portrait,
    Square,
}

/// Something a trainer may want to fix, though the file is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// Stable machine code, e.g. `duration_outside_recommended`.
    pub code: String,
    /// The message in English.
    pub en: String,
    /// The message in Vietnamese.
    pub vi: String,
}

impl Warning {
    fn new(code: &str, en: String, vi: String) -> Self {
        Self {
            code: code.to_owned(),
            en,
            vi,
        }
    }
}

/// The facts of an accepted file: what the job stores as its result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaFacts {
    /// Name of the demuxer FFmpeg detected from the content, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    pub container: String,
    pub file_size_bytes: u64,
    /// Duration measured from the packets actually present, in seconds.
    pub duration_s: f64,
    /// Duration the container header claims, when it claims one.
    pub header_duration_s: Option<f64>,
    /// Coded picture size.
    pub width: u32,
    pub height: u32,
    /// Counter-clockwise rotation to apply to decoded pictures for display, in degrees
    /// (0, 90, 180 or 270), from the stream's display matrix; the convention of `ffprobe` and
    /// of `ffmpeg -display_rotation`. A phone held upright usually records 270 (or 90).
    pub rotation_deg: u16,
    /// The display matrix also mirrors the picture horizontally.
    pub mirrored: bool,
    /// Picture size as shown: sample aspect ratio applied, then rotation.
    pub display_width: u32,
    pub display_height: u32,
    pub orientation: Orientation,
    pub video_codec: String,
    pub pixel_format: Option<String>,
    pub bit_depth: Option<u8>,
    /// Average frame rate, frames per second.
    pub frame_rate: Option<f64>,
    /// Video packets (frames) read.
    pub video_frames: u64,
    pub has_audio: bool,
    pub audio_codec: Option<String>,
    pub audio_channels: Option<u16>,
    pub audio_sample_rate: Option<u32>,
    /// Average total bitrate: file size over measured duration, in bits per second.
    pub bitrate_bps: Option<u64>,
    pub warnings: Vec<Warning>,
}

/// Why a file is refused. Each variant has a reason a trainer can act on, in English
/// ([`Rejection::reason_en`]) and Vietnamese ([`Rejection::reason_vi`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Rejection {
    /// The path is a directory, FIFO, device or something else that is not a regular file.
    NotRegularFile,
    EmptyFile,
    FileTooLarge {
        bytes: u64,
        max_bytes: u64,
    },
    /// FFmpeg detected a container that is not on the allow-list (or a playlist, image,
    /// device, pipe...).
    ContainerNotAllowed {
        detected: Option<String>,
    },
    /// Damaged, truncated or not media at all.
    Unreadable {
        detail: String,
    },
    AudioOnly,
    NoVideoStream,
    /// The only picture is a still image (cover art, a single frame).
    StillImage,
    UnsupportedVideoCodec {
        codec: String,
    },
    UnsupportedAudioCodec {
        codec: String,
    },
    DimensionsTooLarge {
        width: u32,
        height: u32,
        max_long_side: u32,
        max_short_side: u32,
    },
    DimensionsTooSmall {
        width: u32,
        height: u32,
        min_side: u32,
    },
    TooShort {
        duration_s: f64,
        min_s: f64,
    },
    /// Longer than allowed; `duration_s` is how far the scan got (the real length may be more).
    TooLong {
        duration_s: f64,
        max_s: f64,
    },
    UnknownDuration,
    TooManyPackets {
        max_packets: u64,
    },
}

/// Formats seconds as `m:ss`.
fn mmss(seconds: f64) -> String {
    let total = if seconds.is_finite() && seconds > 0.0 {
        seconds.round() as u64
    } else {
        0
    };
    format!("{}:{:02}", total / 60, total % 60)
}

fn megabytes(bytes: u64) -> u64 {
    bytes.div_ceil(1024 * 1024)
}

const ACCEPTED_FORMATS_EN: &str = "MP4, MOV, MKV, WebM, AVI, MPEG-TS, FLV or 3GP";

impl Rejection {
    /// Stable machine code of the reason (the serde tag).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotRegularFile => "not_regular_file",
            Self::EmptyFile => "empty_file",
            Self::FileTooLarge { .. } => "file_too_large",
            Self::ContainerNotAllowed { .. } => "container_not_allowed",
            Self::Unreadable { .. } => "unreadable",
            Self::AudioOnly => "audio_only",
            Self::NoVideoStream => "no_video_stream",
            Self::StillImage => "still_image",
            Self::UnsupportedVideoCodec { .. } => "unsupported_video_codec",
            Self::UnsupportedAudioCodec { .. } => "unsupported_audio_codec",
            Self::DimensionsTooLarge { .. } => "dimensions_too_large",
            Self::DimensionsTooSmall { .. } => "dimensions_too_small",
            Self::TooShort { .. } => "too_short",
            Self::TooLong { .. } => "too_long",
            Self::UnknownDuration => "unknown_duration",
            Self::TooManyPackets { .. } => "too_many_packets",
        }
    }

    /// The reason in English, for the trainer who uploaded the file.
    pub fn reason_en(&self) -> String {
        match self {
            Self::NotRegularFile => "The upload is not a regular file.".to_owned(),
            Self::EmptyFile => "The file is empty.".to_owned(),
            Self::FileTooLarge { bytes, max_bytes } => format!(
                "The file is too large ({} MB); the limit is {} MB.",
                megabytes(*bytes),
                megabytes(*max_bytes)
            ),
            Self::ContainerNotAllowed { detected } => {
                let detected = detected
                    .as_deref()
                    .map(|d| format!(" (detected: {d})"))
                    .unwrap_or_default();
                format!(
                    "The file's container format is not allowed{detected}. Upload a video file in {ACCEPTED_FORMATS_EN} format."
                )
            }
            Self::Unreadable { .. } => {
                "The file could not be read as a video: it is damaged, incomplete \
                (for example an interrupted upload) or not a video file."
                    .to_owned()
            }
            Self::AudioOnly => {
                "The file has no video stream (audio-only files are not accepted).".to_owned()
            }
            Self::NoVideoStream => "The file has no video stream.".to_owned(),
            Self::StillImage => {
                "The file contains only a still image, not a moving video.".to_owned()
            }
            Self::UnsupportedVideoCodec { codec } => format!(
                "The video is encoded with a format that is not supported ({codec}). Export it as H.264 video in an MP4 file and upload it again."
            ),
            Self::UnsupportedAudioCodec { codec } => format!(
                "The sound is encoded with a format that is not supported ({codec}). Export the video with AAC sound in an MP4 file and upload it again."
            ),
            Self::DimensionsTooLarge {
                width,
                height,
                max_long_side,
                max_short_side,
            } => format!(
                "The picture is too large ({width}×{height} pixels); the largest accepted size is {max_long_side}×{max_short_side}."
            ),
            Self::DimensionsTooSmall {
                width,
                height,
                min_side,
            } => format!(
                "The picture is too small ({width}×{height} pixels); each side must be at least {min_side} pixels."
            ),
            Self::TooShort { duration_s, min_s } => format!(
                "The video is too short ({}); it must be at least {} long.",
                mmss(*duration_s),
                mmss(*min_s)
            ),
            Self::TooLong { duration_s, max_s } => format!(
                "The video is too long (more than {}); it must be at most {} long.",
                mmss(*duration_s),
                mmss(*max_s)
            ),
            Self::UnknownDuration => {
                "The length of the video could not be determined; the file may be damaged."
                    .to_owned()
            }
            Self::TooManyPackets { .. } => {
                "The file contains an abnormal amount of data; it may be damaged.".to_owned()
            }
        }
    }

    /// The reason in Vietnamese, for the trainer who uploaded the file.
    pub fn reason_vi(&self) -> String {
        match self {
            Self::NotRegularFile => {
                "Dữ liệu tải lên không phải là một tệp thông thường.".to_owned()
            }
            Self::EmptyFile => "Tệp trống, không có dữ liệu.".to_owned(),
            Self::FileTooLarge { bytes, max_bytes } => format!(
                "Tệp quá lớn ({} MB); giới hạn là {} MB.",
                megabytes(*bytes),
                megabytes(*max_bytes)
            ),
            Self::ContainerNotAllowed { detected } => {
                let detected = detected
                    .as_deref()
                    .map(|d| format!(" (nhận diện được: {d})"))
                    .unwrap_or_default();
                format!(
                    "Định dạng tệp không được chấp nhận{detected}. Hãy tải lên tệp video dạng MP4, MOV, MKV, WebM, AVI, MPEG-TS, FLV hoặc 3GP."
                )
            }
            Self::Unreadable { .. } => {
                "Không đọc được tệp này như một video: tệp bị hỏng, không đầy đủ \
                (ví dụ do tải lên bị gián đoạn) hoặc không phải là tệp video."
                    .to_owned()
            }
            Self::AudioOnly => {
                "Tệp không có luồng hình ảnh (không chấp nhận tệp chỉ có âm thanh).".to_owned()
            }
            Self::NoVideoStream => "Tệp không có luồng hình ảnh.".to_owned(),
            Self::StillImage => "Tệp chỉ chứa một ảnh tĩnh, không phải video.".to_owned(),
            Self::UnsupportedVideoCodec { codec } => format!(
                "Video được mã hoá theo định dạng không được hỗ trợ ({codec}). Hãy xuất lại video dạng H.264 trong tệp MP4 rồi tải lên lại."
            ),
            Self::UnsupportedAudioCodec { codec } => format!(
                "Âm thanh được mã hoá theo định dạng không được hỗ trợ ({codec}). Hãy xuất lại video với âm thanh AAC trong tệp MP4 rồi tải lên lại."
            ),
            Self::DimensionsTooLarge {
                width,
                height,
                max_long_side,
                max_short_side,
            } => format!(
                "Khung hình quá lớn ({width}×{height} điểm ảnh); kích thước lớn nhất được chấp nhận là {max_long_side}×{max_short_side}."
            ),
            Self::DimensionsTooSmall {
                width,
                height,
                min_side,
            } => format!(
                "Khung hình quá nhỏ ({width}×{height} điểm ảnh); mỗi cạnh phải có ít nhất {min_side} điểm ảnh."
            ),
            Self::TooShort { duration_s, min_s } => format!(
                "Video quá ngắn ({}); thời lượng tối thiểu là {}.",
                mmss(*duration_s),
                mmss(*min_s)
            ),
            Self::TooLong { duration_s, max_s } => format!(
                "Video quá dài (hơn {}); thời lượng tối đa là {}.",
                mmss(*duration_s),
                mmss(*max_s)
            ),
            Self::UnknownDuration => {
                "Không xác định được thời lượng của video; tệp có thể bị hỏng.".to_owned()
            }
            Self::TooManyPackets { .. } => {
                "Tệp chứa lượng dữ liệu bất thường; tệp có thể bị hỏng.".to_owned()
            }
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason_en())
    }
}

/// Why a probe did not produce facts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProbeError {
    /// The input is refused; probing it again gives the same answer.
    #[error("{0}")]
    Rejected(Rejection),
    /// The file could not be read now (missing, permissions, I/O): worth retrying.
    #[error("could not read the file: {0}")]
    Io(String),
    /// Stopped on request (shutdown, lost lease).
    #[error("probe aborted")]
    Aborted,
}

impl From<Rejection> for ProbeError {
    fn from(r: Rejection) -> Self {
        Self::Rejected(r)
    }
}

impl ProbeError {
    /// True when retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Rejected(_))
    }

    /// The reason in English.
    pub fn reason_en(&self) -> String {
        match self {
            Self::Rejected(r) => r.reason_en(),
            Self::Io(detail) => {
                format!(
                    "The file could not be read at the moment ({detail}); it will be tried again."
                )
            }
            Self::Aborted => "The check was interrupted; it will be tried again.".to_owned(),
        }
    }

    /// The reason in Vietnamese.
    pub fn reason_vi(&self) -> String {
        match self {
            Self::Rejected(r) => r.reason_vi(),
            Self::Io(detail) => {
                format!("Hiện chưa đọc được tệp ({detail}); hệ thống sẽ thử lại.")
            }
            Self::Aborted => "Việc kiểm tra bị gián đoạn; hệ thống sẽ thử lại.".to_owned(),
        }
    }
}

/// Initialises FFmpeg once per process. FFmpeg logs straight to stderr, which would break
/// JSON logs, so it is quiet unless `LMS_FFMPEG_LOG` asks for more (`error`, `warning`,
/// `info`, `debug`).
pub fn init_ffmpeg() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        use ff::util::log::Level;
        // `init` cannot fail on FFmpeg ≥ 5 (nothing to register any more).
        let _ = ff::init();
        let level = match std::env::var("LMS_FFMPEG_LOG").as_deref() {
            Ok("error") => Level::Error,
            Ok("warning") => Level::Warning,
            Ok("info") => Level::Info,
            Ok("debug") => Level::Debug,
            _ => Level::Quiet,
        };
        ff::util::log::set_level(level);
    });
}

/// Names of the default decoders for the allowed codecs, for FFmpeg's `codec_whitelist`.
pub(crate) fn decoder_whitelist() -> String {
    let mut names: Vec<String> = ALLOWED_VIDEO_CODECS
        .iter()
        .chain(ALLOWED_AUDIO_CODECS)
        .filter_map(|id| ff::decoder::find(*id))
        .map(|codec| codec.name().to_owned())
        .collect();
    names.sort_unstable();
    names.dedup();
    names.join(",")
}

/// The options every input is opened with, by the probe and the transcoder alike: the `file`
/// protocol only, the container and decoder allow-lists, no external references.
pub(crate) fn safe_open_options() -> ff::Dictionary<'static> {
    let mut opts = ff::Dictionary::new();
    opts.set("protocol_whitelist", "file");
    opts.set("format_whitelist", &ALLOWED_DEMUXERS.join(","));
    opts.set("codec_whitelist", &decoder_whitelist());
    opts.set("max_streams", "64");
    opts.set("enable_drefs", "0");
    opts.set("use_absolute_path", "0");
    opts
}

fn is_allowed_demuxer(name: &str) -> bool {
    name.split(',').any(|part| ALLOWED_DEMUXERS.contains(&part))
}

/// Counter-clockwise rotation (0/90/180/270) and mirroring from a display matrix, as
/// `av_display_rotation_get` and the ffmpeg CLI compute it. None when the matrix is degenerate.
pub fn rotation_from_display_matrix(matrix: &[i32; 9]) -> Option<(u16, bool)> {
    let fp = |v: i32| f64::from(v) / 65536.0;
    let scale0 = fp(matrix[0]).hypot(fp(matrix[3]));
    let scale1 = fp(matrix[1]).hypot(fp(matrix[4]));
    if scale0 == 0.0 || scale1 == 0.0 {
        return None;
    }
    // av_display_rotation_get: the counter-clockwise angle.
    let ccw = -(fp(matrix[1]) / scale1)
        .atan2(fp(matrix[0]) / scale0)
        .to_degrees();
    let snapped = ((ccw / 90.0).round() as i64).rem_euclid(4) as u16 * 90;
    let mirrored = fp(matrix[0]) * fp(matrix[4]) - fp(matrix[1]) * fp(matrix[3]) < 0.0;
    Some((snapped, mirrored))
}

/// The stream's display matrix side data, if any.
pub(crate) fn display_matrix(stream: &ff::format::stream::Stream<'_>) -> Option<[i32; 9]> {
    let side = stream
        .side_data()
        .find(|sd| sd.kind() == ff::codec::packet::side_data::Type::DisplayMatrix)?;
    let data = side.data();
    let mut matrix = [0i32; 9];
    for (slot, chunk) in matrix.iter_mut().zip(data.chunks_exact(4)) {
        *slot = i32::from_ne_bytes(<[u8; 4]>::try_from(chunk).ok()?);
    }
    (data.len() >= 36).then_some(matrix)
}

/// Rotation of a stream: its display matrix, else a legacy `rotate` tag (clockwise).
fn stream_rotation(stream: &ff::format::stream::Stream<'_>) -> (u16, bool) {
    if let Some(r) = display_matrix(stream).and_then(|m| rotation_from_display_matrix(&m)) {
        return r;
    }
    let tag = stream
        .metadata()
        .get("rotate")
        .and_then(|v| v.trim().parse::<i64>().ok());
    match tag {
        Some(cw) => {
            let ccw = (-(((cw as f64) / 90.0).round() as i64)).rem_euclid(4) as u16 * 90;
            (ccw, false)
        }
        None => (0, false),
    }
}

/// Bits per component of a pixel format, from its descriptor.
fn bit_depth(format: ff::format::Pixel) -> Option<u8> {
    let desc = format.descriptor()?;
    let bpp = f64::from(desc.bits_per_pixel());
    let comps = f64::from(desc.nb_components());
    if bpp <= 0.0 || comps <= 0.0 {
        return None;
    }
    // Two chroma planes are subsampled when the format has them (3 or 4 components).
    let factor = if comps >= 3.0 {
        let sub = f64::from(1u32 << (desc.log2_chroma_w() + desc.log2_chroma_h()).min(8));
        comps - 2.0 + 2.0 / sub
    } else {
        comps
    };
    let depth = (bpp / factor).round();
    (1.0..=32.0).contains(&depth).then_some(depth as u8)
}

fn rational(r: ff::Rational) -> Option<f64> {
    (r.numerator() > 0 && r.denominator() > 0)
        .then(|| f64::from(r.numerator()) / f64::from(r.denominator()))
}

fn io_error(err: &std::io::Error) -> ProbeError {
    ProbeError::Io(err.to_string())
}

/// Maps an error of `avformat_open_input`/`avformat_find_stream_info`.
fn open_error(err: ff::Error) -> ProbeError {
    use ff::util::error::{EACCES, EINVAL, EIO, EMFILE, ENFILE, ENOENT, EPERM};
    match err {
        // format_whitelist (or protocol_whitelist) refused the detected demuxer.
        ff::Error::Other { errno } if errno == EINVAL => {
            Rejection::ContainerNotAllowed { detected: None }.into()
        }
        ff::Error::Other { errno }
            if [ENOENT, EACCES, EPERM, EIO, EMFILE, ENFILE].contains(&errno) =>
        {
            ProbeError::Io(err.to_string())
        }
        ff::Error::Exit => ProbeError::Aborted,
        other => Rejection::Unreadable {
            detail: other.to_string(),
        }
        .into(),
    }
}

/// Packet statistics of one stream, in its time base.
#[derive(Debug, Default)]
struct Track {
    index: usize,
    seconds_per_tick: f64,
    first: Option<i64>,
    end: Option<i64>,
    packets: u64,
}

impl Track {
    fn new(stream: &ff::format::stream::Stream<'_>) -> Self {
        Self {
            index: stream.index(),
            seconds_per_tick: rational(stream.time_base()).unwrap_or(0.0),
            ..Self::default()
        }
    }

    fn add(&mut self, packet: &ff::Packet) {
        self.packets += 1;
        if let Some(ts) = packet.pts().or_else(|| packet.dts()) {
            let end = ts.saturating_add(packet.duration().max(0));
            self.first = Some(self.first.map_or(ts, |f| f.min(ts)));
            self.end = Some(self.end.map_or(end, |e| e.max(end)));
        }
    }

    fn first_s(&self) -> Option<f64> {
        self.first.map(|t| t as f64 * self.seconds_per_tick)
    }

    fn end_s(&self) -> Option<f64> {
        self.end.map(|t| t as f64 * self.seconds_per_tick)
    }
}

/// Span covered by the tracks' packets, in seconds.
fn span(tracks: &[&Track]) -> Option<f64> {
    let first = tracks.iter().filter_map(|t| t.first_s()).reduce(f64::min)?;
    let end = tracks.iter().filter_map(|t| t.end_s()).reduce(f64::max)?;
    Some((end - first).max(0.0))
}

/// Probes `path` with `options`. `abort`, when set to true from another thread, stops the
/// probe (also inside blocking FFmpeg I/O) with [`ProbeError::Aborted`].
pub fn probe(
    path: &Path,
    options: &ProbeOptions,
    abort: Option<Arc<AtomicBool>>,
) -> Result<MediaFacts, ProbeError> {
    init_ffmpeg();
    let abort = abort.unwrap_or_default();
    let limits = &options.limits;

    // 1. The file itself.
    let path = std::fs::canonicalize(path).map_err(|e| io_error(&e))?;
    let meta = std::fs::metadata(&path).map_err(|e| io_error(&e))?;
    if !meta.is_file() {
        return Err(Rejection::NotRegularFile.into());
    }
    let file_size_bytes = meta.len();
    if file_size_bytes == 0 {
        return Err(Rejection::EmptyFile.into());
    }
    if file_size_bytes > limits.max_file_bytes {
        return Err(Rejection::FileTooLarge {
            bytes: file_size_bytes,
            max_bytes: limits.max_file_bytes,
        }
        .into());
    }
    // ffmpeg-next panics on a path that is not UTF-8; the platform generates storage keys.
    let Some(path_str) = path.to_str() else {
        return Err(ProbeError::Io(format!(
            "path is not valid UTF-8: {}",
            path.display()
        )));
    };

    // 2. Open with the allow-lists.
    let opts = safe_open_options();
    let url = format!("file:{path_str}");
    let flag = Arc::clone(&abort);
    let mut input = ff::format::input_with_interrupt_and_dictionary(
        &url,
        move || flag.load(Ordering::Relaxed),
        opts,
    )
    .map_err(open_error)?;

    let container = input.format().name().to_owned();
    if !is_allowed_demuxer(&container) {
        return Err(Rejection::ContainerNotAllowed {
            detected: Some(container),
        }
        .into());
    }
    let header_duration_s = (input.duration() > 0).then(|| input.duration() as f64 / 1_000_000.0);

    // 3. Streams.
    let mut warnings = Vec::new();
    let videos: Vec<usize> = input
        .streams()
        .filter(|s| s.parameters().medium() == Medium::Video)
        .filter(|s| !s.disposition().contains(Disposition::ATTACHED_PIC))
        .map(|s| s.index())
        .collect();
    let audios: Vec<usize> = input
        .streams()
        .filter(|s| s.parameters().medium() == Medium::Audio)
        .map(|s| s.index())
        .collect();
    let video_index = match input.streams().best(Medium::Video).map(|s| s.index()) {
        Some(i) if videos.contains(&i) => i,
        _ => match videos.first() {
            Some(&i) => i,
            None if !audios.is_empty() => return Err(Rejection::AudioOnly.into()),
            None if input
                .streams()
                .any(|s| s.parameters().medium() == Medium::Video) =>
            {
                return Err(Rejection::StillImage.into());
            }
            None => return Err(Rejection::NoVideoStream.into()),
        },
    };
    if videos.len() > 1 {
        warnings.push(Warning::new(
            "multiple_video_streams",
            format!(
                "The file has {} video streams; only the main one is used.",
                videos.len()
            ),
            format!(
                "Tệp có {} luồng hình ảnh; chỉ luồng chính được sử dụng.",
                videos.len()
            ),
        ));
    }
    let audio_index = input
        .streams()
        .best(Medium::Audio)
        .map(|s| s.index())
        .filter(|i| audios.contains(i))
        .or_else(|| audios.first().copied());

    let vstream = input
        .stream(video_index)
        .ok_or_else(|| Rejection::Unreadable {
            detail: "video stream vanished".into(),
        })?;
    let video_id = vstream.parameters().id();
    if !ALLOWED_VIDEO_CODECS.contains(&video_id) {
        return Err(Rejection::UnsupportedVideoCodec {
            codec: video_id.name().to_owned(),
        }
        .into());
    }
    // Opening the decoder reads the codec headers (no picture is decoded) and exposes the
    // picture size and format.
    let vdec = ff::codec::Context::from_parameters(vstream.parameters())
        .and_then(|c| c.decoder().video())
        .map_err(|e| Rejection::Unreadable {
            detail: format!("video stream: {e}"),
        })?;
    let (width, height) = (vdec.width(), vdec.height());
    let (long, short) = (width.max(height), width.min(height));
    if long > limits.max_long_side
        || short > limits.max_short_side
        || u64::from(width) * u64::from(height) > limits.max_pixels
    {
        return Err(Rejection::DimensionsTooLarge {
            width,
            height,
            max_long_side: limits.max_long_side,
            max_short_side: limits.max_short_side,
        }
        .into());
    }
    if short < limits.min_side {
        return Err(Rejection::DimensionsTooSmall {
            width,
            height,
            min_side: limits.min_side,
        }
        .into());
    }
    let pixel = vdec.format();
    let pixel_format = pixel.descriptor().map(|d| d.name().to_owned());
    let depth = bit_depth(pixel);
    let sar = rational(vdec.aspect_ratio()).filter(|r| (0.1..=10.0).contains(r));
    let (rotation_deg, mirrored) = stream_rotation(&vstream);
    let avg_rate = rational(vstream.avg_frame_rate()).or_else(|| rational(vstream.rate()));
    let mut video_track = Track::new(&vstream);
    drop(vdec);

    let mut audio_facts = None;
    let mut audio_track = None;
    if let Some(ai) = audio_index {
        let astream = input.stream(ai).ok_or_else(|| Rejection::Unreadable {
            detail: "audio stream vanished".into(),
        })?;
        let audio_id = astream.parameters().id();
        if !ALLOWED_AUDIO_CODECS.contains(&audio_id) {
            return Err(Rejection::UnsupportedAudioCodec {
                codec: audio_id.name().to_owned(),
            }
            .into());
        }
        let adec = ff::codec::Context::from_parameters(astream.parameters())
            .and_then(|c| c.decoder().audio())
            .map_err(|e| Rejection::Unreadable {
                detail: format!("audio stream: {e}"),
            })?;
        audio_facts = Some((audio_id.name().to_owned(), adec.channels(), adec.rate()));
        audio_track = Some(Track::new(&astream));
    }

    // 4. Read every packet: the duration actually present, capped.
    let max_s = options.duration.max_s;
    let mut packet = ff::Packet::empty();
    let mut total_packets: u64 = 0;
    let mut consecutive_errors = 0u32;
    let mut read_errors = 0u32;
    loop {
        if total_packets.is_multiple_of(256) && abort.load(Ordering::Relaxed) {
            return Err(ProbeError::Aborted);
        }
        match packet.read(&mut input) {
            Ok(()) => consecutive_errors = 0,
            Err(ff::Error::Eof) => break,
            Err(ff::Error::Exit) => return Err(ProbeError::Aborted),
            Err(_) => {
                read_errors += 1;
                consecutive_errors += 1;
                if consecutive_errors >= 32 {
                    break;
                }
                continue;
            }
        }
        total_packets += 1;
        if total_packets > limits.max_packets {
            return Err(Rejection::TooManyPackets {
                max_packets: limits.max_packets,
            }
            .into());
        }
        let index = packet.stream();
        if index == video_track.index {
            video_track.add(&packet);
        } else if let Some(track) = audio_track.as_mut().filter(|t| t.index == index) {
            track.add(&packet);
        } else {
            continue;
        }
        let mut tracks = vec![&video_track];
        tracks.extend(audio_track.as_ref());
        if let Some(so_far) = span(&tracks)
            && so_far > max_s + 0.5
        {
            return Err(Rejection::TooLong {
                duration_s: so_far,
                max_s,
            }
            .into());
        }
    }
    if read_errors > 0 {
        warnings.push(Warning::new(
            "read_errors",
            format!("{read_errors} damaged part(s) of the file were skipped; check the video plays to the end."),
            format!("Đã bỏ qua {read_errors} đoạn dữ liệu bị hỏng trong tệp; hãy kiểm tra video phát được đến hết."),
        ));
    }

    match video_track.packets {
        0 | 1 => return Err(Rejection::StillImage.into()),
        _ => {}
    }
    let mut tracks = vec![&video_track];
    tracks.extend(audio_track.as_ref());
    let duration_s = span(&tracks)
        .filter(|d| *d > 0.0)
        .ok_or(Rejection::UnknownDuration)?;
    let policy = &options.duration;
    if duration_s > policy.max_s {
        return Err(Rejection::TooLong {
            duration_s,
            max_s: policy.max_s,
        }
        .into());
    }
    if duration_s < policy.min_s {
        return Err(Rejection::TooShort {
            duration_s,
            min_s: policy.min_s,
        }
        .into());
    }
    if duration_s < policy.recommended_min_s || duration_s > policy.recommended_max_s {
        warnings.push(Warning::new(
            "duration_outside_recommended",
            format!(
                "The video lasts {}; module videos should last {} to {}.",
                mmss(duration_s),
                mmss(policy.recommended_min_s),
                mmss(policy.recommended_max_s)
            ),
            format!(
                "Video dài {}; video của mỗi học phần nên dài từ {} đến {}.",
                mmss(duration_s),
                mmss(policy.recommended_min_s),
                mmss(policy.recommended_max_s)
            ),
        ));
    }
    if let Some(claimed) = header_duration_s
        && claimed - duration_s > f64::max(1.0, 0.1 * claimed)
    {
        warnings.push(Warning::new(
            "header_duration_mismatch",
            format!(
                "The file says it lasts {} but only {} of video was found; it may be incomplete.",
                mmss(claimed),
                mmss(duration_s)
            ),
            format!(
                "Tệp ghi thời lượng {} nhưng chỉ tìm thấy {} video; tệp có thể không đầy đủ.",
                mmss(claimed),
                mmss(duration_s)
            ),
        ));
    }
    let has_audio = audio_facts.is_some();
    if !has_audio {
        warnings.push(Warning::new(
            "no_audio",
            "The video has no sound.".to_owned(),
            "Video không có âm thanh.".to_owned(),
        ));
    }

    let shown_width = match sar {
        Some(r) if (r - 1.0).abs() > 1e-3 => (f64::from(width) * r).round() as u32,
        _ => width,
    };
    let (display_width, display_height) = if rotation_deg % 180 == 90 {
        (height, shown_width)
    } else {
        (shown_width, height)
    };
    let orientation = match display_width.cmp(&display_height) {
        std::cmp::Ordering::Greater => Orientation::Landscape,
        std::cmp::Ordering::Less => Orientation::Portrait,
        std::cmp::Ordering::Equal => Orientation::Square,
    };
    let video_s = span(&[&video_track]).filter(|d| *d > 0.0);
    let frame_rate = avg_rate.or_else(|| video_s.map(|d| video_track.packets as f64 / d));
    let bitrate_bps = Some((file_size_bytes as f64 * 8.0 / duration_s).round() as u64);
    let (audio_codec, audio_channels, audio_sample_rate) = match audio_facts {
        Some((codec, channels, rate)) => (Some(codec), Some(channels), Some(rate)),
        None => (None, None, None),
    };

    Ok(MediaFacts {
        container,
        file_size_bytes,
        duration_s,
        header_duration_s,
        width,
        height,
        rotation_deg,
        mirrored,
        display_width,
        display_height,
        orientation,
        video_codec: video_id.name().to_owned(),
        pixel_format,
        bit_depth: depth,
        frame_rate,
        video_frames: video_track.packets,
        has_audio,
        audio_codec,
        audio_channels,
        audio_sample_rate,
        bitrate_bps,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: i32 = 1 << 16;

    #[test]
    fn rotation_from_matrices() {
        let identity = [ONE, 0, 0, 0, ONE, 0, 0, 0, 1 << 30];
        assert_eq!(rotation_from_display_matrix(&identity), Some((0, false)));
        // av_display_rotation_set(m, 90): counter-clockwise 90.
        let ccw90 = [0, -ONE, 0, ONE, 0, 0, 0, 0, 1 << 30];
        assert_eq!(rotation_from_display_matrix(&ccw90), Some((90, false)));
        let ccw270 = [0, ONE, 0, -ONE, 0, 0, 0, 0, 1 << 30];
        assert_eq!(rotation_from_display_matrix(&ccw270), Some((270, false)));
        let half = [-ONE, 0, 0, 0, -ONE, 0, 0, 0, 1 << 30];
        assert_eq!(rotation_from_display_matrix(&half), Some((180, false)));
        let mirrored = [-ONE, 0, 0, 0, ONE, 0, 0, 0, 1 << 30];
        assert_eq!(
            rotation_from_display_matrix(&mirrored).map(|r| r.1),
            Some(true)
        );
        assert_eq!(rotation_from_display_matrix(&[0; 9]), None);
    }

    #[test]
    fn demuxer_allow_list_matches_ffmpeg_names() {
        assert!(is_allowed_demuxer("mov,mp4,m4a,3gp,3g2,mj2"));
        assert!(is_allowed_demuxer("matroska,webm"));
        assert!(is_allowed_demuxer("mpegts"));
        for refused in [
            "hls",
            "concat",
            "image2",
            "png_pipe",
            "tty",
            "lavfi",
            "mpegtsraw",
            "wav",
        ] {
            assert!(!is_allowed_demuxer(refused), "{refused}");
        }
    }

    #[test]
    fn reasons_exist_in_both_languages() {
        let r = Rejection::AudioOnly;
        assert!(
            r.reason_en()
                .contains("no video stream (audio-only files are not accepted)")
        );
        assert!(r.reason_vi().contains("chỉ có âm thanh"));
        assert_eq!(r.code(), "audio_only");
        let json = serde_json::to_value(&r).unwrap_or_default();
        assert_eq!(json["code"], "audio_only");
        assert_eq!(mmss(185.4), "3:05");
    }

    #[test]
    fn bit_depths() {
        assert_eq!(bit_depth(ff::format::Pixel::YUV420P), Some(8));
        assert_eq!(bit_depth(ff::format::Pixel::YUV420P10LE), Some(10));
        assert_eq!(bit_depth(ff::format::Pixel::YUV422P10LE), Some(10));
        assert_eq!(bit_depth(ff::format::Pixel::NV12), Some(8));
        assert_eq!(bit_depth(ff::format::Pixel::RGB24), Some(8));
        assert_eq!(bit_depth(ff::format::Pixel::GRAY8), Some(8));
    }
}
