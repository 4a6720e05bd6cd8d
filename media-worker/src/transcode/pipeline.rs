//! The decode-once pipeline: open the (already probed) input with the probe's allow-lists,
//! decode on the calling thread, fan frames out to the rendition, thumbnail and audio threads,
//! then write the master playlist and gather the summary.

use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ff::format::stream::Disposition;
use ff::media::Type as Medium;
use ff::{Dictionary, Packet, Rational, codec, frame};
use ffmpeg_next as ff;

use super::audio::{self, AudioRendition};
use super::filters::Chain;
use super::ladder::{self, PlannedRung};
use super::playlist::{self, AudioGroup, Variant};
use super::thumbs::{self, ThumbPlan};
use super::video::{Colour, Fallback, Rendition, X264Settings, ff_failed};
use super::{
    AudioSummary, ImagesSummary, RenditionSummary, Timing, TranscodeError, TranscodeOptions,
    TranscodeSummary,
};
use crate::probe::{ALLOWED_VIDEO_CODECS, MediaFacts, Rejection, Warning};

/// Frames queued per consumer: enough to smooth out encoder jitter, little memory.
const FRAME_QUEUE: usize = 4;
/// Audio packets queued for the audio thread.
const AUDIO_QUEUE: usize = 512;
pub(crate) const FALLBACK_MP4: &str = "video.mp4";
pub(crate) const MASTER: &str = "master.m3u8";
const AUDIO_DIR: &str = "audio";
const AAC_LC: &str = "mp4a.40.2";

fn warning(code: &str, en: String, vi: String) -> Warning {
    Warning {
        code: code.to_owned(),
        en,
        vi,
    }
}

fn is_again(e: &ff::Error) -> bool {
    matches!(e, ff::Error::Other { errno } if *errno == ff::util::error::EAGAIN)
}

/// Opens the input exactly as the probe does: `file:` protocol only, the container and codec
/// allow-lists, no external references.
fn open_input(
    path: &Path,
    stop: Arc<AtomicBool>,
) -> Result<ff::format::context::Input, TranscodeError> {
    let path = std::fs::canonicalize(path).map_err(|e| TranscodeError::Input(e.to_string()))?;
    let Some(path_str) = path.to_str() else {
        return Err(TranscodeError::Input(format!(
            "path is not valid UTF-8: {}",
            path.display()
        )));
    };
    let opts = crate::probe::safe_open_options();
    ff::format::input_with_interrupt_and_dictionary(
        &format!("file:{path_str}"),
        move || stop.load(Ordering::Relaxed),
        opts,
    )
    .map_err(|e| match e {
        ff::Error::Exit => TranscodeError::Aborted,
        other => TranscodeError::Rejected(Rejection::Unreadable {
            detail: other.to_string(),
        }),
    })
}

fn ts_to_seconds(ts: i64, tb: Rational) -> f64 {
    ts as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator().max(1))
}

fn seconds_to_ts(s: f64, tb: Rational) -> i64 {
    (s * f64::from(tb.denominator()) / f64::from(tb.numerator().max(1))).round() as i64
}

fn even(v: f64) -> u32 {
    (((v / 2.0).round() * 2.0) as u32).max(2)
}

/// Sends one frame to every consumer; false when one of them has gone (it failed).
fn fan_out(frame: frame::Video, consumers: &[SyncSender<Arc<frame::Video>>]) -> bool {
    let shared = Arc::new(frame);
    consumers
        .iter()
        .all(|tx| tx.send(Arc::clone(&shared)).is_ok())
}

/// State of the decode loop on the calling thread.
struct Decode<'p> {
    decoder: ff::decoder::Video,
    voffset: i64,
    vtb: Rational,
    /// libavfilter spec of the shared graph.
    shared_spec: String,
    /// The shared graph, built from the first decoded frame (its real format and size).
    shared: Option<Chain>,
    out_tb: Rational,
    gop: i64,
    duration_s: f64,
    consumers: Vec<SyncSender<Arc<frame::Video>>>,
    progress: &'p mut dyn FnMut(f64) -> ControlFlow<()>,
    last_reported: f64,
    last_report_at: Instant,
    frames_out: u64,
    decode_errors: u64,
    next_pts: Option<i64>,
    frame_duration: i64,
    /// End of the latest frame (timestamp + duration), in the video time base.
    end_pts: Option<i64>,
    last_out_pts: Option<i64>,
}

enum Flow {
    Continue,
    /// A consumer is gone (it failed): stop feeding.
    ConsumerGone,
    Abort,
}

impl Decode<'_> {
    fn pull_shared(&mut self) -> Result<Flow, TranscodeError> {
        loop {
            let Some(shared) = self.shared.as_mut() else {
                return Ok(Flow::Continue);
            };
            let mut out = frame::Video::empty();
            if !shared.pull(&mut out)? {
                return Ok(Flow::Continue);
            }
            let Some(pts) = out.pts() else { continue };
            // Constant rate output: strictly increasing by construction; keep it so.
            if self.last_out_pts.is_some_and(|l| pts <= l) {
                continue;
            }
            self.last_out_pts = Some(pts);
            // An IDR frame at every multiple of the GOP (the same frames in every rendition);
            // no other picture type reaches the encoders.
            out.set_kind(if pts.rem_euclid(self.gop) == 0 {
                ff::picture::Type::I
            } else {
                ff::picture::Type::None
            });
            self.frames_out += 1;
            let t = ts_to_seconds(pts, self.out_tb);
            if !fan_out(out, &self.consumers) {
                return Ok(Flow::ConsumerGone);
            }
            let fraction = if self.duration_s > 0.0 {
                (t / self.duration_s).clamp(0.0, 0.999)
            } else {
                0.0
            };
            if fraction - self.last_reported >= 0.001
                || self.last_report_at.elapsed() >= Duration::from_millis(500)
            {
                self.last_reported = fraction;
                self.last_report_at = Instant::now();
                if (self.progress)(fraction).is_break() {
                    return Ok(Flow::Abort);
                }
            }
        }
    }

    fn drain_decoder(&mut self) -> Result<Flow, TranscodeError> {
        let mut decoded = frame::Video::empty();
        loop {
            match self.decoder.receive_frame(&mut decoded) {
                Ok(()) => {}
                Err(ff::Error::Eof) => return Ok(Flow::Continue),
                Err(e) if is_again(&e) => return Ok(Flow::Continue),
                Err(_) => {
                    self.decode_errors += 1;
                    return Ok(Flow::Continue);
                }
            }
            let pts = match decoded.timestamp() {
                Some(ts) => ts - self.voffset,
                None => match self.next_pts {
                    Some(p) => p,
                    None => continue,
                },
            };
            let duration = match decoded.packet().duration {
                d if d > 0 => d,
                _ => self.frame_duration,
            };
            self.next_pts = Some(pts + duration);
            self.end_pts = Some(
                self.end_pts
                    .map_or(pts + duration, |e| e.max(pts + duration)),
            );
            decoded.set_pts(Some(pts));
            let shared = match self.shared.as_mut() {
                Some(chain) => chain,
                None => self.shared.insert(Chain::video(
                    decoded.width(),
                    decoded.height(),
                    decoded.format(),
                    self.vtb,
                    decoded.aspect_ratio(),
                    &self.shared_spec,
                    None,
                )?),
            };
            shared.push(Some(&decoded))?;
            match self.pull_shared()? {
                Flow::Continue => {}
                other => return Ok(other),
            }
        }
    }
}

/// Runs the whole transcode into `dir` (a fresh staging directory).
pub(crate) fn transcode(
    input_path: &Path,
    dir: &Path,
    facts: &MediaFacts,
    opts: &TranscodeOptions,
    progress: &mut dyn FnMut(f64) -> ControlFlow<()>,
) -> Result<TranscodeSummary, TranscodeError> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut input = open_input(input_path, Arc::clone(&stop))?;
    let mut warnings = facts.warnings.clone();

    // The same stream choice as the probe.
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
    let video_index = input
        .streams()
        .best(Medium::Video)
        .map(|s| s.index())
        .filter(|i| videos.contains(i))
        .or_else(|| videos.first().copied())
        .ok_or(TranscodeError::Rejected(Rejection::NoVideoStream))?;
    let audio_index = if facts.has_audio {
        input
            .streams()
            .best(Medium::Audio)
            .map(|s| s.index())
            .filter(|i| audios.contains(i))
            .or_else(|| audios.first().copied())
    } else {
        None
    };

    let vstream = input
        .stream(video_index)
        .ok_or_else(|| TranscodeError::Failed("video stream vanished".into()))?;
    if !ALLOWED_VIDEO_CODECS.contains(&vstream.parameters().id()) {
        return Err(TranscodeError::Rejected(Rejection::UnsupportedVideoCodec {
            codec: vstream.parameters().id().name().to_owned(),
        }));
    }
    let vtb = vstream.time_base();
    let matrix = crate::probe::display_matrix(&vstream);
    let upright = ladder::upright(matrix.as_ref(), facts.rotation_deg);
    let base_rate = vstream.rate();
    let avg_rate = vstream.avg_frame_rate();
    let v_start = Some(vstream.start_time()).filter(|t| *t != i64::MIN);
    let vparams = vstream.parameters();

    let vcodec = ff::decoder::find(vparams.id()).ok_or_else(|| {
        TranscodeError::Rejected(Rejection::UnsupportedVideoCodec {
            codec: vparams.id().name().to_owned(),
        })
    })?;
    let mut dec_ctx =
        codec::Context::from_parameters(vparams).map_err(ff_failed("video decoder"))?;
    {
        let mut d = dec_ctx.decoder();
        d.set_packet_time_base(vtb);
        dec_ctx = d.0;
    }
    let mut dopts = Dictionary::new();
    dopts.set("threads", "auto");
    let decoder = dec_ctx
        .decoder()
        .open_as_with(vcodec, dopts)
        .and_then(|o| o.video())
        .map_err(|e| {
            TranscodeError::Rejected(Rejection::Unreadable {
                detail: format!("video decoder: {e}"),
            })
        })?;

    // Audio stream, decoder and where its time starts.
    let mut audio_setup = None;
    let mut a_start_s = None;
    if let Some(ai) = audio_index {
        let astream = input
            .stream(ai)
            .ok_or_else(|| TranscodeError::Failed("audio stream vanished".into()))?;
        let atb = astream.time_base();
        a_start_s = Some(astream.start_time())
            .filter(|t| *t != i64::MIN)
            .map(|t| ts_to_seconds(t, atb));
        let mut ctx = codec::Context::from_parameters(astream.parameters())
            .map_err(ff_failed("audio decoder"))?;
        {
            let mut d = ctx.decoder();
            d.set_packet_time_base(atb);
            ctx = d.0;
        }
        match ctx.decoder().audio() {
            Ok(dec) => audio_setup = Some((ai, atb, dec)),
            Err(e) => warnings.push(warning(
                "audio_unreadable",
                format!(
                    "The sound could not be decoded ({e}); the video is published without sound."
                ),
                format!(
                    "Không giải mã được âm thanh ({e}); video được xuất bản không có âm thanh."
                ),
            )),
        }
    }
    // Both streams start at 0 together: subtract the earlier start.
    let v_start_s = v_start.map(|t| ts_to_seconds(t, vtb));
    let start_s = match (v_start_s, a_start_s) {
        (Some(v), Some(a)) => v.min(a),
        (Some(v), None) => v,
        (None, Some(a)) => a,
        (None, None) => 0.0,
    };

    // Frame rate, GOP, ladder.
    let rate_pair = ladder::output_frame_rate(
        (base_rate.numerator(), base_rate.denominator()),
        (avg_rate.numerator(), avg_rate.denominator()),
        opts.max_fps,
    );
    let rate = Rational::new(rate_pair.0, rate_pair.1);
    let out_tb = rate.invert();
    let fps = f64::from(rate_pair.0) / f64::from(rate_pair.1);
    let gop = ladder::gop_frames(rate_pair, opts.gop_seconds);
    if let Some(src_fps) = facts.frame_rate
        && src_fps > fps * 1.05
    {
        warnings.push(warning(
            "frame_rate_reduced",
            format!("The video has {src_fps:.0} frames per second; it is published at {fps:.0}."),
            format!("Video có {src_fps:.0} khung hình/giây; video được xuất bản ở {fps:.0} khung hình/giây."),
        ));
    }
    let rungs = ladder::plan_ladder(facts.display_width, facts.display_height, &opts.ladder);
    let fallback_index = ladder::fallback_rung(&rungs);
    let poster_index = ladder::poster_rung(&rungs);

    // Colour: HDR (PQ/HLG) is tone-mapped to SDR BT.709 on the shared path; 10-bit is
    // converted to 8-bit by each rendition's scaler.
    let transfer = decoder.color_transfer_characteristic();
    let hdr = matches!(
        transfer,
        ff::color::TransferCharacteristic::SMPTE2084
            | ff::color::TransferCharacteristic::ARIB_STD_B67
    );
    let full_range_format = matches!(
        decoder.format(),
        ff::format::Pixel::YUVJ420P | ff::format::Pixel::YUVJ422P | ff::format::Pixel::YUVJ444P
    );
    let colour = if hdr {
        warnings.push(warning(
            "hdr_converted",
            "The video is HDR; it is converted to standard dynamic range.".to_owned(),
            "Video ở định dạng HDR; video được chuyển sang dải động tiêu chuẩn (SDR).".to_owned(),
        ));
        Colour {
            space: ff::color::Space::BT709,
            primaries: ff::color::Primaries::BT709,
            transfer: ff::color::TransferCharacteristic::BT709,
            range: ff::color::Range::MPEG,
        }
    } else {
        Colour {
            space: decoder.color_space(),
            primaries: decoder.color_primaries(),
            transfer,
            range: if full_range_format {
                ff::color::Range::MPEG
            } else {
                decoder.color_range()
            },
        }
    };
    if facts.bit_depth.is_some_and(|d| d > 8) {
        warnings.push(warning(
            "converted_to_8_bit",
            format!(
                "The video has {}-bit colour; it is published in 8-bit for compatibility.",
                facts.bit_depth.unwrap_or(10)
            ),
            format!(
                "Video có màu {} bit; video được xuất bản ở 8 bit để tương thích.",
                facts.bit_depth.unwrap_or(10)
            ),
        ));
    }

    // The shared graph: constant frame rate from 0 (drops frames above the rate, repeats
    // frames across gaps), plus tone mapping for HDR.
    let mut shared_spec = format!("fps=fps={}/{}:start_time=0", rate_pair.0, rate_pair.1);
    if hdr {
        shared_spec.push_str(
            ",zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p",
        );
    }

    // Encoders and muxers.
    let x264 = X264Settings {
        preset: opts.preset.clone(),
        crf: opts.crf,
        gop,
        threads: opts.x264_threads,
        rate,
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = match opts.x264_threads {
        0 => ladder::x264_threads(&rungs, cores),
        n => vec![n; rungs.len()],
    };
    let source_short = facts.display_width.min(facts.display_height);
    let scale_sources = ladder::scale_sources(&rungs, source_short, opts.cascade_scaling);
    let mut renditions = Vec::with_capacity(rungs.len());
    for ((rung, &threads), from) in rungs.iter().zip(&threads).zip(&scale_sources) {
        // A rung scaled from another rung's picture gets it upright already.
        let (turn, swaps) = match from {
            None => (upright.filters.clone(), upright.swaps_sides),
            Some(_) => (None, false),
        };
        renditions.push(Rendition::open(
            rung.clone(),
            dir.join(&rung.name),
            &X264Settings {
                threads,
                ..x264.clone()
            },
            colour,
            turn,
            swaps,
            opts.segment_seconds,
        )?);
    }
    // Channels into the renditions: from the decode loop, or from the rung they scale from.
    let mut consumers = Vec::new();
    let mut inputs = Vec::with_capacity(renditions.len());
    for from in &scale_sources {
        let (tx, rx) = sync_channel::<Arc<frame::Video>>(FRAME_QUEUE);
        inputs.push(rx);
        match from.and_then(|p| renditions.get_mut(p)) {
            Some(parent) => parent.add_child(tx),
            None => consumers.push(tx),
        }
    }
    let mut audio = match audio_setup {
        Some((ai, atb, dec)) => Some((
            ai,
            AudioRendition::open(
                dec,
                atb,
                seconds_to_ts(start_s, atb),
                dir.join(AUDIO_DIR),
                opts.audio_bitrate_bps,
                opts.segment_seconds,
            )?,
        )),
        None => None,
    };
    let fallback = {
        let video = renditions
            .get(fallback_index)
            .ok_or_else(|| TranscodeError::Failed("no rendition for the fallback".into()))?
            .encoder();
        let audio_enc = audio.as_ref().map(|(_, a)| a.encoder());
        Arc::new(Mutex::new(Fallback::open(
            &dir.join(FALLBACK_MP4),
            video,
            audio_enc,
        )?))
    };
    if let Some(r) = renditions.get_mut(fallback_index) {
        r.set_fallback(Arc::clone(&fallback));
    }
    if let Some((_, a)) = audio.as_mut() {
        a.set_fallback(Arc::clone(&fallback));
    }

    let poster_rung: &PlannedRung = &rungs[poster_index.min(rungs.len() - 1)];
    let tile_w = opts.sprite_tile_width;
    let tile_h = even(
        f64::from(tile_w) * f64::from(facts.display_height) / f64::from(facts.display_width.max(1)),
    );
    // Many tiles for long videos: widen the interval so the sprite stays a sensible size.
    let interval_s = opts.sprite_interval_s.max(facts.duration_s / 400.0);
    let thumb_plan = ThumbPlan {
        dir: dir.to_path_buf(),
        poster: (poster_rung.width, poster_rung.height),
        poster_at_s: facts.duration_s * opts.poster_position,
        tile: (tile_w, tile_h),
        interval_s,
        columns: opts.sprite_columns,
        duration_s: facts.duration_s,
        time_base: out_tb,
        upright: upright.filters.clone(),
        swaps_sides: upright.swaps_sides,
    };

    let frame_duration = {
        // One source frame in the video time base, for frames without a timestamp.
        let f = seconds_to_ts(1.0 / fps, vtb);
        f.max(1)
    };

    // Threads: one per rendition, one for thumbnails, one for audio; decode here.
    let outcome = std::thread::scope(|scope| {
        let mut video_handles = Vec::new();
        let mut consumers = consumers;
        for (r, rx) in renditions.into_iter().zip(inputs) {
            let stop = &stop;
            let name = r.rung.name.clone();
            let handle = std::thread::Builder::new()
                .name(format!("encode-{name}"))
                .spawn_scoped(scope, move || {
                    let result = r.run(rx, stop);
                    if result.is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    result
                });
            video_handles.push(handle);
        }
        let (thumb_tx, thumb_rx) = sync_channel(FRAME_QUEUE);
        consumers.push(thumb_tx);
        let thumb_handle = {
            let stop = &stop;
            let plan = &thumb_plan;
            std::thread::Builder::new()
                .name("thumbnails".into())
                .spawn_scoped(scope, move || {
                    let result = thumbs::run(plan, thumb_rx, stop);
                    if result.is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    result
                })
        };
        let (audio_tx, audio_handle) = match audio.take() {
            Some((ai, a)) => {
                let (tx, rx) = sync_channel::<Packet>(AUDIO_QUEUE);
                let stop = &stop;
                let handle = std::thread::Builder::new()
                    .name("audio".into())
                    .spawn_scoped(scope, move || {
                        let result = a.run(rx, stop);
                        if result.is_err() {
                            stop.store(true, Ordering::Relaxed);
                        }
                        result
                    });
                (Some((ai, tx)), Some(handle))
            }
            None => (None, None),
        };

        let mut decode = Decode {
            decoder,
            voffset: seconds_to_ts(start_s, vtb),
            vtb,
            shared_spec,
            shared: None,
            out_tb,
            gop: i64::from(gop),
            duration_s: facts.duration_s,
            consumers,
            progress,
            last_reported: -1.0,
            last_report_at: Instant::now(),
            frames_out: 0,
            decode_errors: 0,
            next_pts: None,
            frame_duration,
            end_pts: None,
            last_out_pts: None,
        };
        let decoded = decode_all(&mut input, video_index, audio_tx, &mut decode, &stop);
        if decoded.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        let frames_out = decode.frames_out;
        let decode_errors = decode.decode_errors;
        // Closing the channels ends the consumers' loops.
        drop(decode);

        let join = |h: std::io::Result<
            std::thread::ScopedJoinHandle<'_, Result<_, TranscodeError>>,
        >| match h {
            Ok(h) => h.join().unwrap_or_else(|_| {
                Err(TranscodeError::Failed("an encoder thread panicked".into()))
            }),
            Err(e) => Err(TranscodeError::Failed(format!("starting a thread: {e}"))),
        };
        let video_reports: Vec<_> = video_handles.into_iter().map(join).collect();
        let thumb_report = match thumb_handle {
            Ok(h) => h.join().unwrap_or_else(|_| {
                Err(TranscodeError::Failed(
                    "the thumbnail thread panicked".into(),
                ))
            }),
            Err(e) => Err(TranscodeError::Failed(format!("starting a thread: {e}"))),
        };
        let audio_report = audio_handle.map(|h| match h {
            Ok(h) => h.join().unwrap_or_else(|_| {
                Err(TranscodeError::Failed("the audio thread panicked".into()))
            }),
            Err(e) => Err(TranscodeError::Failed(format!("starting a thread: {e}"))),
        });
        (
            decoded,
            frames_out,
            decode_errors,
            video_reports,
            thumb_report,
            audio_report,
        )
    });
    let (decoded, frames_out, decode_errors, video_reports, thumb_report, audio_report) = outcome;

    // The first real error wins; "aborted" from a thread only echoes another failure.
    let mut errors: Vec<TranscodeError> = Vec::new();
    if let Err(e) = &decoded {
        errors.push(e.clone());
    }
    for r in &video_reports {
        if let Err(e) = r {
            errors.push(e.clone());
        }
    }
    if let Err(e) = &thumb_report {
        errors.push(e.clone());
    }
    if let Some(Err(e)) = &audio_report {
        errors.push(e.clone());
    }
    if let Some(e) = errors
        .iter()
        .find(|e| !matches!(e, TranscodeError::Aborted))
        .or_else(|| errors.first())
    {
        return Err(e.clone());
    }
    if frames_out == 0 {
        return Err(TranscodeError::Rejected(Rejection::Unreadable {
            detail: "no picture could be decoded".into(),
        }));
    }
    fallback
        .lock()
        .map_err(|_| TranscodeError::Failed("MP4 muxer poisoned".into()))?
        .finish()?;
    drop(fallback);
    if decode_errors > 0 {
        warnings.push(warning(
            "decode_errors",
            format!("{decode_errors} damaged part(s) of the video were skipped; check the published video."),
            format!("Đã bỏ qua {decode_errors} đoạn hình ảnh bị hỏng; hãy kiểm tra video đã xuất bản."),
        ));
    }

    // Audio rendition, measured.
    let audio_packets = audio_report
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .map_or(0, |r| r.packets);
    let audio_summary = if audio_report.is_some() && audio_packets > 0 {
        let pl = AudioRendition::playlist(&dir.join(AUDIO_DIR));
        let stats = playlist::measure(&pl).map_err(|e| TranscodeError::Output(e.to_string()))?;
        Some((
            stats,
            AudioSummary {
                playlist: format!("{AUDIO_DIR}/index.m3u8"),
                codec: AAC_LC.to_owned(),
                bitrate_bps: opts.audio_bitrate_bps,
                channels: audio::CHANNELS,
                sample_rate: audio::SAMPLE_RATE,
                average_bps: stats.average_bps,
                peak_segment_bps: stats.peak_bps,
                segments: stats.segments,
                bytes: stats.bytes,
            },
        ))
    } else {
        if audio_report.is_some() {
            warnings.push(warning(
                "audio_empty",
                "No sound could be decoded; the video is published without sound.".to_owned(),
                "Không giải mã được âm thanh; video được xuất bản không có âm thanh.".to_owned(),
            ));
            let _ = std::fs::remove_dir_all(dir.join(AUDIO_DIR));
        }
        None
    };

    // Video renditions, measured; the master playlist.
    let mut summaries = Vec::new();
    let mut variants = Vec::new();
    let mut frames_encoded = 0;
    for ((rung, report), &threads) in rungs.iter().zip(&video_reports).zip(&threads) {
        let report = report.as_ref().map_err(Clone::clone)?;
        frames_encoded = frames_encoded.max(report.frames);
        let rdir = dir.join(&rung.name);
        let init = std::fs::read(rdir.join("init.mp4"))
            .map_err(|e| TranscodeError::Output(e.to_string()))?;
        let (profile, constraints, level) = ladder::find_avcc(&init)
            .ok_or_else(|| TranscodeError::Failed(format!("{}: no avcC in init.mp4", rung.name)))?;
        let codec = ladder::avc1_codec(profile, constraints, level);
        let stats = playlist::measure(&rdir.join("index.m3u8"))
            .map_err(|e| TranscodeError::Output(e.to_string()))?;
        let (audio_peak, audio_avg, audio_cap) =
            audio_summary.as_ref().map_or((0, 0, 0), |(s, a)| {
                (s.peak_bps, s.average_bps, a.bitrate_bps)
            });
        let bandwidth = (rung.maxrate_bps + audio_cap).max(stats.peak_bps + audio_peak);
        let average = stats.average_bps + audio_avg;
        let codecs = if audio_summary.is_some() {
            format!("{codec},{AAC_LC}")
        } else {
            codec.clone()
        };
        let playlist_uri = format!("{}/index.m3u8", rung.name);
        variants.push(Variant {
            uri: playlist_uri.clone(),
            bandwidth,
            average_bandwidth: average,
            codecs: codecs.clone(),
            width: rung.width,
            height: rung.height,
            frame_rate: fps,
        });
        summaries.push(RenditionSummary {
            name: rung.name.clone(),
            playlist: playlist_uri,
            width: rung.width,
            height: rung.height,
            codec,
            codecs,
            profile: ladder::h264_profile_name(profile).to_owned(),
            level: format!("{}.{}", level / 10, level % 10),
            maxrate_bps: rung.maxrate_bps,
            bufsize_bits: rung.bufsize_bits,
            x264_threads: threads,
            scaled_from: scale_sources
                .get(summaries.len())
                .copied()
                .flatten()
                .and_then(|p| rungs.get(p))
                .map_or_else(|| "source".to_owned(), |p| p.name.clone()),
            bandwidth_bps: bandwidth,
            average_bandwidth_bps: average,
            peak_segment_bps: stats.peak_bps,
            segments: stats.segments,
            frames: report.frames,
            bytes: stats.bytes,
        });
    }
    let audio_group = audio_summary.as_ref().map(|(_, a)| AudioGroup {
        uri: a.playlist.clone(),
        channels: a.channels,
    });
    let master = playlist::master_playlist(&variants, audio_group.as_ref());
    std::fs::write(dir.join(MASTER), master).map_err(|e| TranscodeError::Output(e.to_string()))?;

    let thumbs = thumb_report?;
    Ok(TranscodeSummary {
        probe: facts.clone(),
        master_playlist: MASTER.to_owned(),
        frame_rate: fps,
        frame_rate_fraction: format!("{}/{}", rate_pair.0, rate_pair.1),
        gop_frames: gop,
        segment_seconds: opts.segment_seconds,
        renditions: summaries,
        audio: audio_summary.map(|(_, a)| a),
        fallback_mp4: FALLBACK_MP4.to_owned(),
        fallback_rendition: rungs[fallback_index].name.clone(),
        images: ImagesSummary {
            poster: thumbs::POSTER.to_owned(),
            poster_width: poster_rung.width,
            poster_height: poster_rung.height,
            poster_at_s: thumbs.poster_at_s,
            sprite: thumbs::SPRITE.to_owned(),
            thumbnails_vtt: thumbs::VTT.to_owned(),
            tile_width: tile_w,
            tile_height: tile_h,
            columns: thumbs.columns,
            rows: thumbs.rows,
            tiles: thumbs.tiles,
            interval_s,
        },
        frames_decoded: frames_out,
        frames_encoded,
        decode_errors,
        warnings,
        timing: Timing {
            probe_s: 0.0,
            transcode_s: 0.0,
            total_s: 0.0,
            speed: 0.0,
        },
    })
}

/// Demuxes everything: video packets into the decoder (frames out to the consumers), audio
/// packets to the audio thread. Returns when the input ends, a consumer is gone, or the
/// progress callback asks to stop.
fn decode_all(
    input: &mut ff::format::context::Input,
    video_index: usize,
    audio: Option<(usize, SyncSender<Packet>)>,
    d: &mut Decode<'_>,
    stop: &AtomicBool,
) -> Result<(), TranscodeError> {
    let mut packet = Packet::empty();
    let mut consecutive_errors = 0u32;
    let flow = 'read: loop {
        if stop.load(Ordering::Relaxed) {
            break 'read Flow::ConsumerGone;
        }
        match packet.read(input) {
            Ok(()) => consecutive_errors = 0,
            Err(ff::Error::Eof) => break 'read Flow::Continue,
            Err(ff::Error::Exit) => break 'read Flow::Abort,
            Err(_) => {
                consecutive_errors += 1;
                if consecutive_errors >= 32 {
                    break 'read Flow::Continue;
                }
                continue;
            }
        }
        let index = packet.stream();
        if index == video_index {
            match d.decoder.send_packet(&packet) {
                Ok(()) => {}
                Err(e) if is_again(&e) => {}
                Err(_) => {
                    d.decode_errors += 1;
                    continue;
                }
            }
            match d.drain_decoder()? {
                Flow::Continue => {}
                other => break 'read other,
            }
        } else if let Some((ai, tx)) = &audio
            && *ai == index
        {
            let owned = std::mem::replace(&mut packet, Packet::empty());
            if tx.send(owned).is_err() {
                break 'read Flow::ConsumerGone;
            }
        }
    };
    match flow {
        Flow::Abort => {
            stop.store(true, Ordering::Relaxed);
            return Err(TranscodeError::Aborted);
        }
        // A consumer failed: its own error is reported.
        Flow::ConsumerGone => return Err(TranscodeError::Aborted),
        Flow::Continue => {}
    }
    // End of input: flush the decoder, then the shared filter.
    let _ = d.decoder.send_eof();
    match d.drain_decoder()? {
        Flow::Continue => {}
        Flow::Abort => {
            stop.store(true, Ordering::Relaxed);
            return Err(TranscodeError::Aborted);
        }
        Flow::ConsumerGone => return Err(TranscodeError::Aborted),
    }
    match (d.shared.as_mut(), d.end_pts) {
        (Some(shared), Some(end)) => shared.close(end)?,
        (Some(shared), None) => shared.push(None)?,
        (None, _) => {}
    }
    match d.pull_shared()? {
        Flow::Continue => {}
        Flow::Abort => {
            stop.store(true, Ordering::Relaxed);
            return Err(TranscodeError::Aborted);
        }
        Flow::ConsumerGone => return Err(TranscodeError::Aborted),
    }
    drop(audio);
    Ok(())
}
