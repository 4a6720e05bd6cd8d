//! Small libavfilter graphs: the shared one on the decode thread (constant frame rate, HDR to
//! SDR), the per-output "upright" one (transpose/flip after scaling, where pictures are
//! small), and the audio one (resample to 48 kHz stereo in 1024-sample frames).

use ff::{filter, format, frame};
use ffmpeg_next as ff;

use super::TranscodeError;

/// A one-input, one-output filter graph.
pub(crate) struct Chain {
    graph: filter::Graph,
}

fn filter_named(name: &str) -> Result<filter::Filter, TranscodeError> {
    filter::find(name)
        .ok_or_else(|| TranscodeError::Failed(format!("FFmpeg lacks the {name} filter")))
}

fn graph_error(what: &str) -> impl Fn(ff::Error) -> TranscodeError + '_ {
    move |e| TranscodeError::Failed(format!("{what}: {e}"))
}

impl Chain {
    /// A video graph `buffer → spec → buffersink`. `sink_format` constrains the output.
    pub(crate) fn video(
        width: u32,
        height: u32,
        pixel: format::Pixel,
        time_base: ff::Rational,
        aspect: ff::Rational,
        spec: &str,
        sink_format: Option<format::Pixel>,
    ) -> Result<Self, TranscodeError> {
        let err = graph_error("setting up a video filter");
        let pix_name = pixel
            .descriptor()
            .map(|d| d.name())
            .ok_or_else(|| TranscodeError::Failed("unknown pixel format".into()))?;
        let aspect = if aspect.numerator() > 0 && aspect.denominator() > 0 {
            aspect
        } else {
            ff::Rational::new(1, 1)
        };
        let args = format!(
            "video_size={width}x{height}:pix_fmt={pix_name}:time_base={}/{}:pixel_aspect={}/{}",
            time_base.numerator(),
            time_base.denominator(),
            aspect.numerator(),
            aspect.denominator()
        );
        let mut graph = filter::Graph::new();
        graph
            .add(&filter_named("buffer")?, "in", &args)
            .map_err(&err)?;
        graph
            .add(&filter_named("buffersink")?, "out", "")
            .map_err(&err)?;
        if let (Some(fmt), Some(mut out)) = (sink_format, graph.get("out")) {
            out.set_pixel_format(fmt);
        }
        graph
            .output("in", 0)
            .and_then(|p| p.input("out", 0))
            .and_then(|p| p.parse(spec))
            .map_err(&err)?;
        graph.validate().map_err(&err)?;
        Ok(Self { graph })
    }

    /// An audio graph `abuffer → spec → abuffersink` delivering 48 kHz stereo float planar in
    /// frames of `frame_size` samples.
    pub(crate) fn audio(
        input: &frame::Audio,
        time_base: ff::Rational,
        spec: &str,
        frame_size: u32,
    ) -> Result<Self, TranscodeError> {
        let err = graph_error("setting up the audio filter");
        let layout = if input.channel_layout().bits() != 0 {
            input.channel_layout()
        } else {
            ff::ChannelLayout::default(i32::from(input.channels().max(1)))
        };
        let args = format!(
            "time_base={}/{}:sample_rate={}:sample_fmt={}:channel_layout=0x{:x}",
            time_base.numerator(),
            time_base.denominator(),
            input.rate(),
            input.format().name(),
            layout.bits()
        );
        let mut graph = filter::Graph::new();
        graph
            .add(&filter_named("abuffer")?, "in", &args)
            .map_err(&err)?;
        graph
            .add(&filter_named("abuffersink")?, "out", "")
            .map_err(&err)?;
        if let Some(mut out) = graph.get("out") {
            out.set_sample_format(format::Sample::F32(format::sample::Type::Planar));
            out.set_channel_layout(ff::ChannelLayout::STEREO);
            out.set_sample_rate(48_000);
        }
        graph
            .output("in", 0)
            .and_then(|p| p.input("out", 0))
            .and_then(|p| p.parse(spec))
            .map_err(&err)?;
        graph.validate().map_err(&err)?;
        if frame_size > 0
            && let Some(mut out) = graph.get("out")
        {
            out.sink().set_frame_size(frame_size);
        }
        Ok(Self { graph })
    }

    /// Pushes a frame (its buffers move into the graph); None flushes (end of stream).
    pub(crate) fn push(&mut self, frame: Option<&ff::Frame>) -> Result<(), TranscodeError> {
        let mut src = self
            .graph
            .get("in")
            .ok_or_else(|| TranscodeError::Failed("filter input vanished".into()))?;
        let mut source = src.source();
        match frame {
            Some(f) => source.add(f),
            None => source.flush(),
        }
        .map_err(|e| TranscodeError::Failed(format!("filtering: {e}")))
    }

    /// Ends the input at `pts` (in the input time base): the end of the last frame, so that
    /// a frame-rate filter knows how long the last frame lasts.
    pub(crate) fn close(&mut self, pts: i64) -> Result<(), TranscodeError> {
        let mut src = self
            .graph
            .get("in")
            .ok_or_else(|| TranscodeError::Failed("filter input vanished".into()))?;
        src.source()
            .close(pts)
            .map_err(|e| TranscodeError::Failed(format!("filtering: {e}")))
    }

    /// Pulls the next output frame into `out`; false when none is ready (or at the end).
    pub(crate) fn pull(&mut self, out: &mut ff::Frame) -> Result<bool, TranscodeError> {
        let Some(mut sink) = self.graph.get("out") else {
            return Err(TranscodeError::Failed("filter output vanished".into()));
        };
        match sink.sink().frame(out) {
            Ok(()) => Ok(true),
            Err(ff::Error::Eof) => Ok(false),
            Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => Ok(false),
            Err(e) => Err(TranscodeError::Failed(format!("filtering: {e}"))),
        }
    }
}
