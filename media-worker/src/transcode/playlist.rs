//! HLS playlists: measuring the media playlists FFmpeg's `hls` muxer wrote (segment durations
//! and sizes, for BANDWIDTH and AVERAGE-BANDWIDTH) and writing the master playlist.

use std::fmt::Write as _;
use std::path::Path;

/// Bitrates measured from a media playlist's segments.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct SegmentStats {
    pub segments: usize,
    pub duration_s: f64,
    pub bytes: u64,
    /// Highest bitrate of one segment, bits per second.
    pub peak_bps: u64,
    /// Total bits over total duration.
    pub average_bps: u64,
}

/// The (duration, URI) of each media segment of a playlist.
pub(crate) fn parse_media_playlist(text: &str) -> Vec<(f64, String)> {
    let mut out = Vec::new();
    let mut pending: Option<f64> = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("#EXTINF:") {
            let value = rest.split(',').next().unwrap_or("").trim();
            pending = value.parse::<f64>().ok();
        } else if !line.is_empty()
            && !line.starts_with('#')
            && let Some(d) = pending.take()
        {
            out.push((d, line.to_owned()));
        }
    }
    out
}

/// Measures the segments of the media playlist at `playlist` (segment URIs are relative to
/// it).
pub(crate) fn measure(playlist: &Path) -> std::io::Result<SegmentStats> {
    let text = std::fs::read_to_string(playlist)?;
    let dir = playlist.parent().unwrap_or(Path::new("."));
    let mut stats = SegmentStats::default();
    for (duration, uri) in parse_media_playlist(&text) {
        let bytes = std::fs::metadata(dir.join(&uri))?.len();
        stats.segments += 1;
        stats.duration_s += duration;
        stats.bytes += bytes;
        // A very short last segment says little about the peak; count it at 1 s at least.
        let bps = (bytes as f64 * 8.0 / duration.max(1.0)).ceil() as u64;
        stats.peak_bps = stats.peak_bps.max(bps);
    }
    if stats.duration_s > 0.0 {
        stats.average_bps = (stats.bytes as f64 * 8.0 / stats.duration_s).ceil() as u64;
    }
    stats.peak_bps = stats.peak_bps.max(stats.average_bps);
    Ok(stats)
}

/// One `#EXT-X-STREAM-INF` entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Variant {
    pub uri: String,
    pub bandwidth: u64,
    pub average_bandwidth: u64,
    pub codecs: String,
    pub width: u32,
    pub height: u32,
    pub frame_rate: f64,
}

/// The audio rendition group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AudioGroup {
    pub uri: String,
    pub channels: u16,
}

pub(crate) const AUDIO_GROUP_ID: &str = "audio";

/// The master playlist text.
pub(crate) fn master_playlist(variants: &[Variant], audio: Option<&AudioGroup>) -> String {
    let mut m = String::from("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    if let Some(a) = audio {
        let _ = writeln!(
            m,
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"{AUDIO_GROUP_ID}\",NAME=\"Audio\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"{}\",URI=\"{}\"",
            a.channels, a.uri
        );
    }
    for v in variants {
        let _ = write!(
            m,
            "#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},CODECS=\"{}\",RESOLUTION={}x{},FRAME-RATE={:.3}",
            v.bandwidth, v.average_bandwidth, v.codecs, v.width, v.height, v.frame_rate
        );
        if audio.is_some() {
            let _ = write!(m, ",AUDIO=\"{AUDIO_GROUP_ID}\"");
        }
        let _ = writeln!(m, "\n{}", v.uri);
    }
    m
}

/// `HH:MM:SS.mmm` for WebVTT.
pub(crate) fn vtt_time(seconds: f64) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_media_playlists() {
        let text = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:6.000000,\nseg_00000.m4s\n#EXTINF:2.5,\nseg_00001.m4s\n#EXT-X-ENDLIST\n";
        let segs = parse_media_playlist(text);
        assert_eq!(
            segs,
            vec![
                (6.0, "seg_00000.m4s".to_owned()),
                (2.5, "seg_00001.m4s".to_owned())
            ]
        );
    }

    #[test]
    fn master_has_the_attributes() {
        let v = Variant {
            uri: "720p/index.m3u8".into(),
            bandwidth: 1_328_000,
            average_bandwidth: 700_000,
            codecs: "avc1.64001f,mp4a.40.2".into(),
            width: 1280,
            height: 720,
            frame_rate: 30.0,
        };
        let a = AudioGroup {
            uri: "audio/index.m3u8".into(),
            channels: 2,
        };
        let m = master_playlist(std::slice::from_ref(&v), Some(&a));
        assert!(m.contains("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\""));
        assert!(m.contains("BANDWIDTH=1328000,AVERAGE-BANDWIDTH=700000,CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=30.000,AUDIO=\"audio\"\n720p/index.m3u8\n"));
        let silent = master_playlist(&[v], None);
        assert!(!silent.contains("AUDIO"));
    }

    #[test]
    fn vtt_times() {
        assert_eq!(vtt_time(0.0), "00:00:00.000");
        assert_eq!(vtt_time(3725.5), "01:02:05.500");
    }
}
