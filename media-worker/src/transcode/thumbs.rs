//! Poster and thumbnail sprite, from the same shared decoded frames: the poster is the first
//! frame at or after [`ThumbPlan::poster_at_s`]; the sprite has one tile every
//! [`ThumbPlan::interval_s`], in a grid, with a WebVTT track (`thumbnails.vtt`) whose cues
//! point at `sprite.jpg#xywh=x,y,w,h`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;

use ff::format::Pixel;
use ff::software::scaling;
use ff::{Dictionary, Packet, Rational, codec, frame};
use ffmpeg_next as ff;

use super::TranscodeError;
use super::filters::Chain;
use super::playlist::vtt_time;
use super::video::ff_failed;

pub(crate) const POSTER: &str = "poster.jpg";
pub(crate) const SPRITE: &str = "sprite.jpg";
pub(crate) const VTT: &str = "thumbnails.vtt";

/// What to take and where to write it.
#[derive(Debug, Clone)]
pub(crate) struct ThumbPlan {
    pub dir: PathBuf,
    /// Poster size as shown.
    pub poster: (u32, u32),
    pub poster_at_s: f64,
    /// Tile size as shown.
    pub tile: (u32, u32),
    pub interval_s: f64,
    pub columns: u32,
    pub duration_s: f64,
    /// Seconds per timestamp unit of the shared frames.
    pub time_base: Rational,
    pub upright: Option<String>,
    pub swaps_sides: bool,
}

/// What the thumbnail thread produced.
#[derive(Debug, Clone, Default)]
pub(crate) struct ThumbReport {
    pub poster_at_s: f64,
    pub tiles: u32,
    pub columns: u32,
    pub rows: u32,
}

/// Scales (and turns upright) one frame to `size` as shown, in full-range 4:2:0 for JPEG.
fn render(
    src: &frame::Video,
    size: (u32, u32),
    plan: &ThumbPlan,
) -> Result<frame::Video, TranscodeError> {
    let coded = if plan.swaps_sides {
        (size.1, size.0)
    } else {
        size
    };
    let mut sws = scaling::Context::get(
        src.format(),
        src.width(),
        src.height(),
        Pixel::YUVJ420P,
        coded.0,
        coded.1,
        scaling::Flags::BICUBIC,
    )
    .map_err(ff_failed("swscale"))?;
    let mut scaled = frame::Video::new(Pixel::YUVJ420P, coded.0, coded.1);
    sws.run(src, &mut scaled)
        .map_err(ff_failed("scaling a thumbnail"))?;
    scaled.set_pts(Some(0));
    let Some(spec) = &plan.upright else {
        return Ok(scaled);
    };
    let mut chain = Chain::video(
        coded.0,
        coded.1,
        Pixel::YUVJ420P,
        Rational::new(1, 25),
        Rational::new(1, 1),
        spec,
        Some(Pixel::YUVJ420P),
    )?;
    chain.push(Some(&scaled))?;
    chain.push(None)?;
    let mut out = frame::Video::empty();
    if chain.pull(&mut out)? {
        Ok(out)
    } else {
        Err(TranscodeError::Failed(
            "turning a thumbnail upright gave no picture".into(),
        ))
    }
}

/// Encodes a full-range 4:2:0 picture as a JPEG file.
fn write_jpeg(picture: &frame::Video, path: &std::path::Path) -> Result<(), TranscodeError> {
    let codec = ff::encoder::find(codec::Id::MJPEG)
        .ok_or_else(|| TranscodeError::Failed("FFmpeg has no JPEG encoder".into()))?;
    let mut enc = codec::Context::new_with_codec(codec)
        .encoder()
        .video()
        .map_err(ff_failed("JPEG"))?;
    enc.set_width(picture.width());
    enc.set_height(picture.height());
    enc.set_format(Pixel::YUVJ420P);
    enc.set_time_base(Rational::new(1, 25));
    enc.set_color_range(ff::color::Range::JPEG);
    // Fixed quantiser (about `-q:v 3`): good-looking, small.
    enc.set_flags(codec::Flags::QSCALE);
    enc.set_qmin(3);
    enc.set_qmax(3);
    let mut enc = enc
        .open_as_with(codec, Dictionary::new())
        .map_err(ff_failed("opening the JPEG encoder"))?;
    let mut pic = picture.clone();
    pic.set_pts(Some(0));
    enc.send_frame(&pic).map_err(ff_failed("JPEG"))?;
    enc.send_eof().map_err(ff_failed("JPEG"))?;
    let mut packet = Packet::empty();
    let mut bytes = Vec::new();
    while enc.receive_packet(&mut packet).is_ok() {
        bytes.extend_from_slice(packet.data().unwrap_or_default());
    }
    if bytes.is_empty() {
        return Err(TranscodeError::Failed(
            "the JPEG encoder gave no picture".into(),
        ));
    }
    std::fs::write(path, bytes).map_err(|e| TranscodeError::Output(e.to_string()))
}

/// Lays `tiles` (all the same size) out in a grid of `columns`, black behind.
fn compose(tiles: &[frame::Video], columns: u32, tile: (u32, u32)) -> frame::Video {
    let count = u32::try_from(tiles.len()).unwrap_or(u32::MAX).max(1);
    let cols = columns.min(count).max(1);
    let rows = count.div_ceil(cols);
    let mut sheet = frame::Video::new(Pixel::YUVJ420P, cols * tile.0, rows * tile.1);
    for plane in 0..3 {
        let fill = if plane == 0 { 0u8 } else { 128u8 };
        sheet.data_mut(plane).fill(fill);
    }
    for (i, t) in tiles.iter().enumerate() {
        let i = i as u32;
        let (col, row) = (i % cols, i / cols);
        for plane in 0..3usize {
            let shift = u32::from(plane > 0);
            let (w, h) = ((tile.0 >> shift) as usize, (tile.1 >> shift) as usize);
            let (x0, y0) = (
                ((col * tile.0) >> shift) as usize,
                ((row * tile.1) >> shift) as usize,
            );
            let src_stride = t.stride(plane);
            let dst_stride = sheet.stride(plane);
            let src = t.data(plane);
            let dst = sheet.data_mut(plane);
            for y in 0..h {
                let s = y * src_stride;
                let d = (y0 + y) * dst_stride + x0;
                if let (Some(from), Some(to)) = (src.get(s..s + w), dst.get_mut(d..d + w)) {
                    to.copy_from_slice(from);
                }
            }
        }
    }
    sheet
}

/// Takes the poster and tiles from the frames until the channel closes, then writes
/// `poster.jpg`, `sprite.jpg` and `thumbnails.vtt`.
pub(crate) fn run(
    plan: &ThumbPlan,
    frames: Receiver<Arc<frame::Video>>,
    stop: &AtomicBool,
) -> Result<ThumbReport, TranscodeError> {
    let seconds = |f: &frame::Video| {
        f.pts().unwrap_or(0) as f64 * f64::from(plan.time_base.numerator())
            / f64::from(plan.time_base.denominator().max(1))
    };
    let mut poster: Option<(frame::Video, f64)> = None;
    let mut tiles: Vec<frame::Video> = Vec::new();
    let mut next_tile_s = 0.0;
    let mut last: Option<Arc<frame::Video>> = None;
    for f in frames {
        if stop.load(Ordering::Relaxed) {
            return Err(TranscodeError::Aborted);
        }
        let t = seconds(&f);
        if poster.is_none() && t + 1e-6 >= plan.poster_at_s {
            poster = Some((render(&f, plan.poster, plan)?, t));
        }
        if t + 1e-6 >= next_tile_s {
            tiles.push(render(&f, plan.tile, plan)?);
            next_tile_s =
                f64::from(u32::try_from(tiles.len()).unwrap_or(u32::MAX)) * plan.interval_s;
        }
        last = Some(f);
    }
    if stop.load(Ordering::Relaxed) {
        return Err(TranscodeError::Aborted);
    }
    let Some(last) = last else {
        return Err(TranscodeError::Failed(
            "no picture reached the thumbnailer".into(),
        ));
    };
    let (poster, poster_at_s) = match poster {
        Some(p) => p,
        None => (render(&last, plan.poster, plan)?, seconds(&last)),
    };
    write_jpeg(&poster, &plan.dir.join(POSTER))?;

    let columns = plan.columns.max(1);
    let sheet = compose(&tiles, columns, plan.tile);
    write_jpeg(&sheet, &plan.dir.join(SPRITE))?;
    let count = u32::try_from(tiles.len()).unwrap_or(u32::MAX);
    let cols = columns.min(count.max(1));
    let rows = count.max(1).div_ceil(cols);
    let mut vtt = String::from("WEBVTT\n\n");
    for i in 0..count {
        let start = f64::from(i) * plan.interval_s;
        let end = (start + plan.interval_s).min(plan.duration_s.max(start + 0.001));
        let (x, y) = ((i % cols) * plan.tile.0, (i / cols) * plan.tile.1);
        let _ = write!(
            vtt,
            "{} --> {}\n{SPRITE}#xywh={x},{y},{},{}\n\n",
            vtt_time(start),
            vtt_time(end),
            plan.tile.0,
            plan.tile.1
        );
    }
    std::fs::write(plan.dir.join(VTT), vtt).map_err(|e| TranscodeError::Output(e.to_string()))?;
    Ok(ThumbReport {
        poster_at_s,
        tiles: count,
        columns: cols,
        rows,
    })
}
