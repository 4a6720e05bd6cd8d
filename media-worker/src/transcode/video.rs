//! One video rendition: scale the shared decoded frames (its own swscale context), turn them
//! upright, encode with libx264 and mux fMP4 HLS; the fallback rung also feeds the MP4.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use ff::format::Pixel;
use ff::software::scaling;
use ff::{Dictionary, Packet, Rational, codec, format, frame};
use ffmpeg_next as ff;

use super::TranscodeError;
use super::filters::Chain;
use super::ladder::PlannedRung;

/// Source colour description, copied to the encoders (unless converted).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Colour {
    pub space: ff::color::Space,
    pub primaries: ff::color::Primaries,
    pub transfer: ff::color::TransferCharacteristic,
    pub range: ff::color::Range,
}

/// libx264 settings shared by every rung.
#[derive(Debug, Clone)]
pub(crate) struct X264Settings {
    pub preset: String,
    pub crf: u8,
    pub gop: u32,
    pub threads: u32,
    pub rate: Rational,
}

pub(crate) fn ff_failed(what: &str) -> impl Fn(ff::Error) -> TranscodeError + '_ {
    move |e| TranscodeError::Failed(format!("{what}: {e}"))
}

/// Maps an error of writing output (muxers, files) to [`TranscodeError::Output`] when it is an
/// I/O error, else to `Failed`.
pub(crate) fn write_failed(what: &str) -> impl Fn(ff::Error) -> TranscodeError + '_ {
    use ff::util::error::{EACCES, EIO, ENOSPC, EPERM, EROFS};
    move |e| match e {
        ff::Error::Other { errno } if [ENOSPC, EIO, EACCES, EPERM, EROFS].contains(&errno) => {
            TranscodeError::Output(format!("{what}: {e}"))
        }
        other => TranscodeError::Failed(format!("{what}: {other}")),
    }
}

fn utf8(path: &Path) -> Result<&str, TranscodeError> {
    path.to_str()
        .ok_or_else(|| TranscodeError::Output(format!("path is not UTF-8: {}", path.display())))
}

/// Opens a libx264 encoder for `rung` (sizes as shown, upright).
pub(crate) fn open_x264(
    rung: &PlannedRung,
    x: &X264Settings,
    colour: Colour,
) -> Result<ff::encoder::Video, TranscodeError> {
    let codec = ff::encoder::find_by_name("libx264")
        .ok_or_else(|| TranscodeError::Failed("FFmpeg has no libx264 encoder".into()))?;
    let mut enc = codec::Context::new_with_codec(codec)
        .encoder()
        .video()
        .map_err(ff_failed("libx264"))?;
    enc.set_width(rung.width);
    enc.set_height(rung.height);
    enc.set_format(Pixel::YUV420P);
    enc.set_time_base(x.rate.invert());
    enc.set_frame_rate(Some(x.rate));
    enc.set_aspect_ratio(Rational::new(1, 1));
    // CRF decides the quality; maxrate/bufsize cap it. bit_rate = maxrate so that the stream
    // parameters (and anything reading them) see the peak (libx264 stays in CRF mode).
    enc.set_bit_rate(rung.maxrate_bps as usize);
    enc.set_max_bit_rate(rung.maxrate_bps as usize);
    enc.set_gop(x.gop);
    enc.set_flags(codec::Flags::GLOBAL_HEADER);
    enc.set_colorspace(colour.space);
    enc.set_color_primaries(colour.primaries);
    enc.set_color_transfer_characteristic(colour.transfer);
    enc.set_color_range(colour.range);
    let mut o = Dictionary::new();
    o.set("preset", &x.preset);
    o.set("crf", &x.crf.to_string());
    o.set("profile", "high");
    o.set("maxrate", &rung.maxrate_bps.to_string());
    o.set("bufsize", &rung.bufsize_bits.to_string());
    o.set("g", &x.gop.to_string());
    o.set("keyint_min", &x.gop.to_string());
    o.set("sc_threshold", "0");
    o.set("forced-idr", "1");
    o.set("x264-params", "scenecut=0:open-gop=0");
    o.set("threads", &x.threads.to_string());
    enc.open_as_with(codec, o)
        .map_err(ff_failed("opening libx264"))
}

/// Fails when a muxer ignored some of its options (a setting that silently did nothing).
fn refuse_unused(unused: &Dictionary<'_>, what: &str) -> Result<(), TranscodeError> {
    let names: Vec<&str> = unused.iter().map(|(k, _)| k).collect();
    if names.is_empty() {
        Ok(())
    } else {
        Err(TranscodeError::Failed(format!(
            "{what} does not know the option(s) {}",
            names.join(", ")
        )))
    }
}

/// Opens an HLS muxer (fMP4 segments, VOD, independent segments) writing `dir/index.m3u8`
/// with one stream from `encoder`. Returns the muxer and its stream's time base (set by
/// `write_header`).
pub(crate) fn open_hls(
    dir: &Path,
    encoder: &codec::Context,
    encoder_time_base: Rational,
    segment_seconds: u32,
) -> Result<(format::context::Output, Rational), TranscodeError> {
    std::fs::create_dir_all(dir).map_err(|e| TranscodeError::Output(e.to_string()))?;
    let playlist = dir.join("index.m3u8");
    let segments = dir.join("seg_%05d.m4s");
    let mut out =
        format::output_as(utf8(&playlist)?, "hls").map_err(write_failed("opening HLS"))?;
    {
        let mut st = out
            .add_stream_with(encoder)
            .map_err(ff_failed("HLS stream"))?;
        st.set_time_base(encoder_time_base);
    }
    let mut o = Dictionary::new();
    o.set("hls_time", &segment_seconds.to_string());
    o.set("hls_playlist_type", "vod");
    o.set("hls_segment_type", "fmp4");
    o.set("hls_flags", "independent_segments");
    o.set("hls_fmp4_init_filename", "init.mp4");
    o.set("hls_segment_filename", utf8(&segments)?);
    {
        let unused = out
            .write_header_with(o)
            .map_err(write_failed("writing the HLS header"))?;
        refuse_unused(&unused, "HLS muxer")?;
    }
    let tb = out
        .stream(0)
        .map(|s| s.time_base())
        .ok_or_else(|| TranscodeError::Failed("HLS stream vanished".into()))?;
    Ok((out, tb))
}

/// The MP4 fallback: the fallback rung's video packets and the audio packets, muxed with
/// `movflags=+faststart` (moov before mdat). Shared by the video and audio threads.
pub(crate) struct Fallback {
    out: format::context::Output,
    video_tb: Rational,
    audio_tb: Option<Rational>,
}

pub(crate) type SharedFallback = Arc<Mutex<Fallback>>;

impl Fallback {
    pub(crate) fn open(
        path: &Path,
        video: (&codec::Context, Rational),
        audio: Option<(&codec::Context, Rational)>,
    ) -> Result<Self, TranscodeError> {
        let mut out =
            format::output_as(utf8(path)?, "mp4").map_err(write_failed("opening the MP4"))?;
        {
            let mut st = out
                .add_stream_with(video.0)
                .map_err(ff_failed("MP4 video stream"))?;
            st.set_time_base(video.1);
        }
        if let Some((enc, tb)) = audio {
            let mut st = out
                .add_stream_with(enc)
                .map_err(ff_failed("MP4 audio stream"))?;
            st.set_time_base(tb);
        }
        let mut o = Dictionary::new();
        o.set("movflags", "+faststart");
        {
            let unused = out
                .write_header_with(o)
                .map_err(write_failed("writing the MP4 header"))?;
            refuse_unused(&unused, "MP4 muxer")?;
        }
        let video_tb = out.stream(0).map(|s| s.time_base()).unwrap_or(video.1);
        let audio_tb = audio.map(|(_, tb)| out.stream(1).map(|s| s.time_base()).unwrap_or(tb));
        Ok(Self {
            out,
            video_tb,
            audio_tb,
        })
    }

    /// Writes a video (stream 0) or audio (stream 1) packet given in `from` time base.
    pub(crate) fn write(
        &mut self,
        packet: &Packet,
        from: Rational,
        audio: bool,
    ) -> Result<(), TranscodeError> {
        let (index, to) = match (audio, self.audio_tb) {
            (false, _) => (0, self.video_tb),
            (true, Some(tb)) => (1, tb),
            (true, None) => return Ok(()),
        };
        let mut p = packet.clone();
        p.set_stream(index);
        p.rescale_ts(from, to);
        p.write_interleaved(&mut self.out)
            .map_err(write_failed("writing the MP4"))
    }

    pub(crate) fn finish(&mut self) -> Result<(), TranscodeError> {
        self.out
            .write_trailer()
            .map_err(write_failed("finishing the MP4"))
    }
}

/// What a rendition thread reports.
#[derive(Debug, Clone, Default)]
pub(crate) struct VideoReport {
    pub frames: u64,
    pub packets: u64,
}

/// One rendition, ready to run on its own thread.
pub(crate) struct Rendition {
    pub rung: PlannedRung,
    encoder: ff::encoder::Video,
    hls: format::context::Output,
    enc_tb: Rational,
    hls_tb: Rational,
    /// Size to scale to before turning upright (sides swapped for a quarter turn).
    coded: (u32, u32),
    upright: Option<String>,
    fallback: Option<SharedFallback>,
    /// Smaller rungs scaled from this rung's upright pictures.
    children: Vec<SyncSender<Arc<frame::Video>>>,
}

impl Rendition {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn open(
        rung: PlannedRung,
        dir: PathBuf,
        x: &X264Settings,
        colour: Colour,
        upright: Option<String>,
        swaps_sides: bool,
        segment_seconds: u32,
    ) -> Result<Self, TranscodeError> {
        let encoder = open_x264(&rung, x, colour)?;
        let enc_tb = x.rate.invert();
        let (hls, hls_tb) = open_hls(&dir, &encoder, enc_tb, segment_seconds)?;
        let coded = if swaps_sides {
            (rung.height, rung.width)
        } else {
            (rung.width, rung.height)
        };
        Ok(Self {
            rung,
            encoder,
            hls,
            enc_tb,
            hls_tb,
            coded,
            upright,
            fallback: None,
            children: Vec::new(),
        })
    }

    pub(crate) fn encoder(&self) -> (&codec::Context, Rational) {
        (&self.encoder, self.enc_tb)
    }

    pub(crate) fn set_fallback(&mut self, fallback: SharedFallback) {
        self.fallback = Some(fallback);
    }

    /// Also hands every upright picture of this rung to a smaller rung, which scales from it.
    pub(crate) fn add_child(&mut self, child: SyncSender<Arc<frame::Video>>) {
        self.children.push(child);
    }

    /// Drains the encoder's packets into the HLS muxer (and the fallback).
    fn drain(
        &mut self,
        packet: &mut Packet,
        report: &mut VideoReport,
    ) -> Result<(), TranscodeError> {
        loop {
            match self.encoder.receive_packet(packet) {
                Ok(()) => {}
                Err(ff::Error::Eof) => return Ok(()),
                Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => {
                    return Ok(());
                }
                Err(e) => return Err(TranscodeError::Failed(format!("libx264: {e}"))),
            }
            report.packets += 1;
            if let Some(fb) = &self.fallback {
                let mut fb = fb
                    .lock()
                    .map_err(|_| TranscodeError::Failed("MP4 muxer poisoned".into()))?;
                fb.write(packet, self.enc_tb, false)?;
            }
            packet.set_stream(0);
            packet.rescale_ts(self.enc_tb, self.hls_tb);
            packet
                .write_interleaved(&mut self.hls)
                .map_err(write_failed("writing HLS video"))?;
        }
    }

    /// Sends one upright frame of the rendition's size to the encoder. Its picture type was
    /// set on the decode thread: I (an IDR frame) at every multiple of the GOP, in every
    /// rendition alike, else none (the decoder's types must not leak into libx264).
    fn encode(
        &mut self,
        frame: &frame::Video,
        packet: &mut Packet,
        report: &mut VideoReport,
    ) -> Result<(), TranscodeError> {
        self.encoder
            .send_frame(frame)
            .map_err(|e| TranscodeError::Failed(format!("libx264: {e}")))?;
        report.frames += 1;
        self.drain(packet, report)
    }

    /// Shares an upright picture with the child rungs (if any), then encodes it.
    fn emit(
        &mut self,
        picture: Arc<frame::Video>,
        packet: &mut Packet,
        report: &mut VideoReport,
    ) -> Result<(), TranscodeError> {
        for child in &self.children {
            // A child that is gone has failed; its own error is the one reported.
            child
                .send(Arc::clone(&picture))
                .map_err(|_| TranscodeError::Aborted)?;
        }
        self.encode(&picture, packet, report)
    }

    /// Encodes every frame received until the channel closes, then finishes the playlist.
    /// Returns early (without finishing) when `stop` is set.
    pub(crate) fn run(
        mut self,
        frames: Receiver<Arc<frame::Video>>,
        stop: &AtomicBool,
    ) -> Result<VideoReport, TranscodeError> {
        let mut report = VideoReport::default();
        let mut scaler: Option<scaling::Context> = None;
        let mut chain: Option<Chain> = None;
        let mut packet = Packet::empty();
        let (cw, ch) = self.coded;
        for src in frames {
            if stop.load(Ordering::Relaxed) {
                return Err(TranscodeError::Aborted);
            }
            // Same size and format, already upright: encode the shared frame itself (libx264
            // only reads it), as the CLI's scale filter passes such frames through.
            if self.upright.is_none()
                && src.format() == Pixel::YUV420P
                && (src.width(), src.height()) == (cw, ch)
            {
                self.emit(src, &mut packet, &mut report)?;
                continue;
            }
            let fits = scaler.as_ref().is_some_and(|s| {
                let i = s.input();
                i.format == src.format() && i.width == src.width() && i.height == src.height()
            });
            if !fits {
                scaler = Some(
                    scaling::Context::get(
                        src.format(),
                        src.width(),
                        src.height(),
                        Pixel::YUV420P,
                        cw,
                        ch,
                        scaling::Flags::BICUBIC,
                    )
                    .map_err(ff_failed("swscale"))?,
                );
            }
            let Some(sws) = scaler.as_mut() else {
                continue;
            };
            let mut scaled = frame::Video::new(Pixel::YUV420P, cw, ch);
            sws.run(&src, &mut scaled).map_err(ff_failed("scaling"))?;
            scaled.set_pts(src.pts());
            scaled.set_kind(src.kind());
            drop(src);
            match &self.upright {
                None => self.emit(Arc::new(scaled), &mut packet, &mut report)?,
                Some(spec) => {
                    if chain.is_none() {
                        chain = Some(Chain::video(
                            cw,
                            ch,
                            Pixel::YUV420P,
                            self.enc_tb,
                            Rational::new(1, 1),
                            spec,
                            Some(Pixel::YUV420P),
                        )?);
                    }
                    let Some(c) = chain.as_mut() else { continue };
                    c.push(Some(&scaled))?;
                    loop {
                        let mut turned = frame::Video::empty();
                        if !c.pull(&mut turned)? {
                            break;
                        }
                        self.emit(Arc::new(turned), &mut packet, &mut report)?;
                    }
                }
            }
        }
        if stop.load(Ordering::Relaxed) {
            return Err(TranscodeError::Aborted);
        }
        if let Some(mut c) = chain.take() {
            c.push(None)?;
            loop {
                let mut turned = frame::Video::empty();
                if !c.pull(&mut turned)? {
                    break;
                }
                self.emit(Arc::new(turned), &mut packet, &mut report)?;
            }
        }
        // The children's input ends here.
        self.children.clear();
        self.encoder
            .send_eof()
            .map_err(|e| TranscodeError::Failed(format!("libx264: {e}")))?;
        self.drain(&mut packet, &mut report)?;
        self.hls
            .write_trailer()
            .map_err(write_failed("finishing the HLS playlist"))?;
        Ok(report)
    }
}
