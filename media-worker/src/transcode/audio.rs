//! The audio rendition: decode the source's audio packets, resample to 48 kHz stereo (filling
//! gaps, starting at 0 like the video), encode AAC-LC once, and mux it into its own HLS
//! rendition and the MP4 fallback.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;

use ff::{Packet, Rational, codec, format, frame};
use ffmpeg_next as ff;

use super::TranscodeError;
use super::filters::Chain;
use super::video::{SharedFallback, ff_failed, open_hls, write_failed};

pub(crate) const SAMPLE_RATE: u32 = 48_000;
pub(crate) const CHANNELS: u16 = 2;

/// What the audio thread reports.
#[derive(Debug, Clone, Default)]
pub(crate) struct AudioReport {
    pub packets: u64,
    pub decode_errors: u64,
}

pub(crate) struct AudioRendition {
    decoder: ff::decoder::Audio,
    /// Time base of the source stream (and of the decoded frames' timestamps).
    in_tb: Rational,
    /// Source timestamp that becomes 0, in `in_tb`.
    offset: i64,
    encoder: ff::encoder::Audio,
    enc_tb: Rational,
    hls: format::context::Output,
    hls_tb: Rational,
    fallback: Option<SharedFallback>,
}

fn is_again(e: &ff::Error) -> bool {
    matches!(e, ff::Error::Other { errno } if *errno == ff::util::error::EAGAIN)
}

impl AudioRendition {
    pub(crate) fn open(
        decoder: ff::decoder::Audio,
        in_tb: Rational,
        offset: i64,
        dir: PathBuf,
        bitrate_bps: u64,
        segment_seconds: u32,
    ) -> Result<Self, TranscodeError> {
        let codec = ff::encoder::find(codec::Id::AAC)
            .ok_or_else(|| TranscodeError::Failed("FFmpeg has no AAC encoder".into()))?;
        let mut enc = codec::Context::new_with_codec(codec)
            .encoder()
            .audio()
            .map_err(ff_failed("AAC"))?;
        enc.set_rate(SAMPLE_RATE as i32);
        enc.set_channel_layout(ff::ChannelLayout::STEREO);
        enc.set_channels(i32::from(CHANNELS));
        enc.set_format(format::Sample::F32(format::sample::Type::Planar));
        enc.set_bit_rate(bitrate_bps as usize);
        enc.set_max_bit_rate(bitrate_bps as usize);
        let enc_tb = Rational::new(1, SAMPLE_RATE as i32);
        enc.set_time_base(enc_tb);
        enc.set_flags(codec::Flags::GLOBAL_HEADER);
        let mut o = ff::Dictionary::new();
        o.set("profile", "aac_low");
        let encoder = enc
            .open_as_with(codec, o)
            .map_err(ff_failed("opening AAC"))?;
        let (hls, hls_tb) = open_hls(&dir, &encoder, enc_tb, segment_seconds)?;
        Ok(Self {
            decoder,
            in_tb,
            offset,
            encoder,
            enc_tb,
            hls,
            hls_tb,
            fallback: None,
        })
    }

    pub(crate) fn encoder(&self) -> (&codec::Context, Rational) {
        (&self.encoder, self.enc_tb)
    }

    pub(crate) fn set_fallback(&mut self, fallback: SharedFallback) {
        self.fallback = Some(fallback);
    }

    pub(crate) fn playlist(dir: &Path) -> PathBuf {
        dir.join("index.m3u8")
    }

    fn drain_encoder(
        &mut self,
        packet: &mut Packet,
        report: &mut AudioReport,
    ) -> Result<(), TranscodeError> {
        loop {
            match self.encoder.receive_packet(packet) {
                Ok(()) => {}
                Err(ff::Error::Eof) => return Ok(()),
                Err(e) if is_again(&e) => return Ok(()),
                Err(e) => return Err(TranscodeError::Failed(format!("AAC: {e}"))),
            }
            report.packets += 1;
            if let Some(fb) = &self.fallback {
                let mut fb = fb
                    .lock()
                    .map_err(|_| TranscodeError::Failed("MP4 muxer poisoned".into()))?;
                fb.write(packet, self.enc_tb, true)?;
            }
            packet.set_stream(0);
            packet.rescale_ts(self.enc_tb, self.hls_tb);
            packet
                .write_interleaved(&mut self.hls)
                .map_err(write_failed("writing HLS audio"))?;
        }
    }

    fn drain_filter(
        &mut self,
        chain: &mut Chain,
        packet: &mut Packet,
        report: &mut AudioReport,
    ) -> Result<(), TranscodeError> {
        let mut out = frame::Audio::empty();
        while chain.pull(&mut out)? {
            self.encoder
                .send_frame(&out)
                .map_err(|e| TranscodeError::Failed(format!("AAC: {e}")))?;
            self.drain_encoder(packet, report)?;
        }
        Ok(())
    }

    /// Decoded frames into the filter (built from the first frame's format).
    fn drain_decoder(
        &mut self,
        chain: &mut Option<Chain>,
        next_pts: &mut Option<i64>,
        packet: &mut Packet,
        report: &mut AudioReport,
    ) -> Result<(), TranscodeError> {
        let mut decoded = frame::Audio::empty();
        loop {
            match self.decoder.receive_frame(&mut decoded) {
                Ok(()) => {}
                Err(ff::Error::Eof) => return Ok(()),
                Err(e) if is_again(&e) => return Ok(()),
                Err(_) => {
                    report.decode_errors += 1;
                    return Ok(());
                }
            }
            if decoded.samples() == 0 || decoded.rate() == 0 {
                continue;
            }
            let pts = decoded.timestamp().map(|t| t - self.offset).or(*next_pts);
            decoded.set_pts(pts);
            if let Some(p) = pts {
                // Samples to time base units.
                let dur = (decoded.samples() as i64 * i64::from(self.in_tb.denominator()))
                    / (i64::from(decoded.rate()) * i64::from(self.in_tb.numerator().max(1)));
                *next_pts = Some(p + dur);
            }
            if chain.is_none() {
                *chain = Some(Chain::audio(
                    &decoded,
                    self.in_tb,
                    &format!(
                        "aresample={SAMPLE_RATE}:async=1:first_pts=0,aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo"
                    ),
                    self.encoder.frame_size(),
                )?);
            }
            let Some(mut c) = chain.take() else { continue };
            let pushed = c
                .push(Some(&decoded))
                .and_then(|()| self.drain_filter(&mut c, packet, report));
            *chain = Some(c);
            pushed?;
        }
    }

    /// Encodes every packet received until the channel closes, then finishes the playlist.
    pub(crate) fn run(
        mut self,
        packets: Receiver<Packet>,
        stop: &AtomicBool,
    ) -> Result<AudioReport, TranscodeError> {
        let mut report = AudioReport::default();
        let mut chain: Option<Chain> = None;
        let mut next_pts: Option<i64> = None;
        let mut out = Packet::empty();
        for packet in packets {
            if stop.load(Ordering::Relaxed) {
                return Err(TranscodeError::Aborted);
            }
            match self.decoder.send_packet(&packet) {
                Ok(()) => {}
                Err(e) if is_again(&e) => {}
                Err(_) => {
                    report.decode_errors += 1;
                    continue;
                }
            }
            self.drain_decoder(&mut chain, &mut next_pts, &mut out, &mut report)?;
        }
        if stop.load(Ordering::Relaxed) {
            return Err(TranscodeError::Aborted);
        }
        let _ = self.decoder.send_eof();
        self.drain_decoder(&mut chain, &mut next_pts, &mut out, &mut report)?;
        if let Some(mut c) = chain.take() {
            c.push(None)?;
            self.drain_filter(&mut c, &mut out, &mut report)?;
        }
        self.encoder
            .send_eof()
            .map_err(|e| TranscodeError::Failed(format!("AAC: {e}")))?;
        self.drain_encoder(&mut out, &mut report)?;
        self.hls
            .write_trailer()
            .map_err(write_failed("finishing the audio playlist"))?;
        Ok(report)
    }
}
