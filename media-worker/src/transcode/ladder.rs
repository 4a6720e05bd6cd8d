//! Pure decisions of the transcode, kept apart from FFmpeg so they can be unit-tested: which
//! rungs of the ladder a source gets and at what size, the output frame rate and GOP, how the
//! picture is turned upright, and the `CODECS` strings of the master playlist.

use serde::{Deserialize, Serialize};

/// One rung of the ladder as configured: the short side of the picture and the peak bitrate
/// the encoder may use (its VBV `maxrate`; `bufsize` is twice that).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RungSpec {
    /// Short side of the output picture in pixels (height of landscape video, width of
    /// portrait video).
    pub short_side: u32,
    /// Peak video bitrate, bits per second.
    pub maxrate_bps: u64,
}

/// The default ladder: 240p, 360p, 480p, 720p and 1080p, capped at about
/// 200/400/700/1200/2500 kbit/s.
pub const DEFAULT_LADDER: [RungSpec; 5] = [
    RungSpec {
        short_side: 240,
        maxrate_bps: 200_000,
    },
    RungSpec {
        short_side: 360,
        maxrate_bps: 400_000,
    },
    RungSpec {
        short_side: 480,
        maxrate_bps: 700_000,
    },
    RungSpec {
        short_side: 720,
        maxrate_bps: 1_200_000,
    },
    RungSpec {
        short_side: 1080,
        maxrate_bps: 2_500_000,
    },
];

/// A rung chosen for one source: its name (`720p`, by the short side), its picture size as
/// shown (upright, square pixels) and its rate caps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedRung {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub maxrate_bps: u64,
    pub bufsize_bits: u64,
}

/// Rounds to the nearest even number, at least 2 (4:2:0 needs even sides).
fn even(v: f64) -> u32 {
    let e = ((v / 2.0).round() * 2.0) as i64;
    e.max(2) as u32
}

/// The rungs of `ladder` that fit a picture shown at `display_width`×`display_height`: by the
/// short side, never upscaled. A source smaller than every rung gets one rung at its own size
/// with the smallest rung's caps. Rungs are returned from the smallest up.
pub fn plan_ladder(
    display_width: u32,
    display_height: u32,
    ladder: &[RungSpec],
) -> Vec<PlannedRung> {
    let (dw, dh) = (display_width.max(2), display_height.max(2));
    let short = dw.min(dh);
    let landscape = dw >= dh;
    let aspect_long_over_short = f64::from(dw.max(dh)) / f64::from(short);
    let mut specs: Vec<RungSpec> = ladder
        .iter()
        .copied()
        .filter(|r| r.short_side >= 2 && r.short_side <= short)
        .collect();
    specs.sort_by_key(|r| r.short_side);
    specs.dedup_by_key(|r| r.short_side);
    if specs.is_empty()
        && let Some(smallest) = ladder.iter().min_by_key(|r| r.short_side)
    {
        specs.push(RungSpec {
            short_side: short,
            maxrate_bps: smallest.maxrate_bps,
        });
    }
    specs
        .into_iter()
        .map(|spec| {
            let s = even(f64::from(spec.short_side));
            let l = even(f64::from(spec.short_side) * aspect_long_over_short);
            let (width, height) = if landscape { (l, s) } else { (s, l) };
            PlannedRung {
                name: format!("{}p", spec.short_side),
                width,
                height,
                maxrate_bps: spec.maxrate_bps,
                bufsize_bits: spec.maxrate_bps * 2,
            }
        })
        .collect()
}

/// Index of the rung used for the MP4 fallback: 480p when present, else the largest rung
/// below it, else the smallest rung.
pub fn fallback_rung(rungs: &[PlannedRung]) -> usize {
    let short = |r: &PlannedRung| r.width.min(r.height);
    rungs
        .iter()
        .enumerate()
        .filter(|(_, r)| short(r) <= 480)
        .max_by_key(|(_, r)| short(r))
        .map(|(i, _)| i)
        .unwrap_or(0)
}

/// Index of the rung whose size the poster takes: 720p when present, else the largest rung.
pub fn poster_rung(rungs: &[PlannedRung]) -> usize {
    let short = |r: &PlannedRung| r.width.min(r.height);
    rungs
        .iter()
        .enumerate()
        .filter(|(_, r)| short(r) <= 720)
        .max_by_key(|(_, r)| short(r))
        .map(|(i, _)| i)
        .unwrap_or(0)
}

/// Where each rung's picture is scaled from: `None` for the decoded source, `Some(i)` for the
/// upright picture of rung `i`. With `cascade`, the rungs at most 1/1.4 the size of the
/// intermediate rung (the largest one of at most 720 lines that is itself scaled down from the
/// source) are scaled from it rather than from the source: scaling costs about the input's
/// pixel count, so 480p/360p/240p from 720p cost less than half as much as from 1080p, and
/// the two bicubic passes are as close to a Lanczos reference as one long bicubic pass.
pub fn scale_sources(
    rungs: &[PlannedRung],
    source_short_side: u32,
    cascade: bool,
) -> Vec<Option<usize>> {
    let short = |r: &PlannedRung| r.width.min(r.height);
    let intermediate = rungs
        .iter()
        .enumerate()
        .filter(|(_, r)| short(r) <= 720 && short(r) < source_short_side)
        .max_by_key(|(_, r)| short(r))
        .map(|(i, _)| i);
    rungs
        .iter()
        .enumerate()
        .map(|(i, r)| match intermediate {
            Some(m)
                if cascade
                    && i != m
                    && f64::from(short(r)) * 1.4 <= f64::from(short(&rungs[m])) =>
            {
                Some(m)
            }
            _ => None,
        })
        .collect()
}

/// libx264 threads for each rung when the ladder encodes in parallel on `cores` cores: each
/// rung gets a share of the cores in proportion to its pixels (at least one thread), so that
/// the encoders together fill the machine without the overhead of every encoder running
/// `1.5 × cores` frame threads of its own. With 2 cores the 1080p rung gets 2 and the others 1.
pub fn x264_threads(rungs: &[PlannedRung], cores: usize) -> Vec<u32> {
    let pixels = |r: &PlannedRung| f64::from(r.width) * f64::from(r.height);
    let total: f64 = rungs.iter().map(pixels).sum::<f64>().max(1.0);
    let cores = cores.max(1) as f64;
    rungs
        .iter()
        .map(|r| ((cores * pixels(r) / total).ceil() as u32).clamp(1, 16))
        .collect()
}

/// Frame rates treated as exact when a measured rate is within 0.5 % of them.
const STANDARD_RATES: &[(i32, i32)] = &[
    (24000, 1001),
    (24, 1),
    (25, 1),
    (30000, 1001),
    (30, 1),
    (48, 1),
    (50, 1),
    (60000, 1001),
    (60, 1),
    (90, 1),
    (100, 1),
    (120000, 1001),
    (120, 1),
    (144, 1),
    (240, 1),
];

fn as_f64((n, d): (i32, i32)) -> Option<f64> {
    (n > 0 && d > 0).then(|| f64::from(n) / f64::from(d))
}

/// Snaps a rate to a standard one when close, else to a whole number (at least 1).
fn snap(rate: f64) -> (i32, i32) {
    let distance = |&(n, d): &(i32, i32)| (rate - f64::from(n) / f64::from(d)).abs();
    STANDARD_RATES
        .iter()
        .filter(|r| distance(r) <= rate * 0.005)
        .min_by(|a, b| distance(a).total_cmp(&distance(b)))
        .copied()
        .unwrap_or(((rate.round() as i32).max(1), 1))
}

/// The constant output frame rate, as a fraction: the source's base rate (`r_frame_rate`, else
/// its average rate), snapped to a standard rate, and divided by the smallest whole number
/// that brings it to at most `max_fps` (60 → 30, 50 → 25, 59.94 → 29.97). Variable frame rate
/// sources are resampled to this rate.
pub fn output_frame_rate(base: (i32, i32), average: (i32, i32), max_fps: u32) -> (i32, i32) {
    let max_fps = max_fps.max(1);
    let max = f64::from(max_fps);
    // A base rate far above any camera's (Matroska's 1000/1, a time base) says nothing.
    let rate = as_f64(base)
        .filter(|r| (0.5..=250.0).contains(r))
        .or_else(|| as_f64(average).filter(|r| (0.5..=250.0).contains(r)))
        .unwrap_or(25.0_f64.min(max));
    let (n, d) = snap(rate);
    let exact = f64::from(n) / f64::from(d);
    if exact <= max + 1e-9 {
        return (n, d);
    }
    let k = (exact / max - 1e-9).ceil().max(1.0) as i32;
    let divided = exact / f64::from(k);
    let (dn, dd) = snap(divided);
    if (f64::from(dn) / f64::from(dd) - divided).abs() <= divided * 0.005
        && f64::from(dn) / f64::from(dd) <= max + 1e-9
    {
        (dn, dd)
    } else {
        (max_fps as i32, 1)
    }
}

/// GOP length in frames for `gop_seconds` at `rate` (at least 1).
pub fn gop_frames((n, d): (i32, i32), gop_seconds: u32) -> u32 {
    let fps = f64::from(n) / f64::from(d.max(1));
    ((fps * f64::from(gop_seconds)).round() as u32).max(1)
}

/// How to turn decoded pictures upright: the libavfilter chain (transpose/flip) and whether
/// it swaps width and height. Follows the ffmpeg CLI (6.1) reading of the display matrix,
/// including mirrored matrices. `matrix` is the stream's display matrix; without one,
/// `rotation_ccw_deg` (from a legacy `rotate` tag) is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upright {
    /// Filter chain, e.g. `transpose=dir=clock`; None when the picture is already upright.
    pub filters: Option<String>,
    /// True for a quarter turn: the coded picture's width becomes the height.
    pub swaps_sides: bool,
}

pub fn upright(matrix: Option<&[i32; 9]>, rotation_ccw_deg: u16) -> Upright {
    let ccw = match matrix {
        Some(m) => crate::probe::rotation_from_display_matrix(m).map_or(0, |(r, _)| r),
        None => rotation_ccw_deg % 360,
    };
    // The clockwise turn to apply, as the CLI's get_rotation() gives it.
    let theta = (360 - u32::from(ccw)) % 360;
    let m = matrix
        .copied()
        .unwrap_or([1 << 16, 0, 0, 0, 1 << 16, 0, 0, 0, 1 << 30]);
    let (filters, swaps): (Vec<&str>, bool) = match theta {
        90 => (
            vec![if m[3] > 0 {
                "transpose=dir=cclock_flip"
            } else {
                "transpose=dir=clock"
            }],
            true,
        ),
        180 => {
            let mut f = Vec::new();
            if m[0] < 0 {
                f.push("hflip");
            }
            if m[4] < 0 {
                f.push("vflip");
            }
            (f, false)
        }
        270 => (
            vec![if m[3] < 0 {
                "transpose=dir=clock_flip"
            } else {
                "transpose=dir=cclock"
            }],
            true,
        ),
        _ => (if m[4] < 0 { vec!["vflip"] } else { vec![] }, false),
    };
    Upright {
        filters: (!filters.is_empty()).then(|| filters.join(",")),
        swaps_sides: swaps,
    }
}

/// Profile name of an H.264 `profile_idc`.
pub fn h264_profile_name(profile_idc: u8) -> &'static str {
    match profile_idc {
        66 => "Constrained Baseline",
        77 => "Main",
        88 => "Extended",
        100 => "High",
        110 => "High 10",
        122 => "High 4:2:2",
        244 => "High 4:4:4 Predictive",
        _ => "unknown",
    }
}

/// `avc1.PPCCLL`: RFC 6381 codec string from an `avcC` record's profile, constraint flags and
/// level bytes.
pub fn avc1_codec(profile: u8, constraints: u8, level: u8) -> String {
    format!("avc1.{profile:02x}{constraints:02x}{level:02x}")
}

/// Finds the `avcC` box in an MP4 init segment and returns (profile_idc, constraint flags,
/// level_idc).
pub fn find_avcc(init_segment: &[u8]) -> Option<(u8, u8, u8)> {
    let at = init_segment.windows(4).position(|w| w == b"avcC")?;
    // avcC payload: configurationVersion(1), AVCProfileIndication, profile_compatibility,
    // AVCLevelIndication.
    let body = init_segment.get(at + 4..at + 8)?;
    (body[0] == 1).then_some((body[1], body[2], body[3]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(rungs: &[PlannedRung]) -> Vec<(String, u32, u32)> {
        rungs
            .iter()
            .map(|r| (r.name.clone(), r.width, r.height))
            .collect()
    }

    #[test]
    fn ladder_for_720p_landscape_skips_1080() {
        let r = plan_ladder(1280, 720, &DEFAULT_LADDER);
        assert_eq!(
            sizes(&r),
            vec![
                ("240p".into(), 426, 240),
                ("360p".into(), 640, 360),
                ("480p".into(), 854, 480),
                ("720p".into(), 1280, 720),
            ]
        );
        assert_eq!(r[3].maxrate_bps, 1_200_000);
        assert_eq!(r[3].bufsize_bits, 2_400_000);
        assert_eq!(r[fallback_rung(&r)].name, "480p");
        assert_eq!(r[poster_rung(&r)].name, "720p");
    }

    #[test]
    fn ladder_for_1080p_and_portrait() {
        let r = plan_ladder(1920, 1080, &DEFAULT_LADDER);
        assert_eq!(r.len(), 5);
        assert_eq!((r[4].width, r[4].height), (1920, 1080));
        let p = plan_ladder(1080, 1920, &DEFAULT_LADDER);
        assert_eq!(p.len(), 5);
        assert_eq!((p[3].width, p[3].height), (720, 1280));
        assert!(p.iter().all(|x| x.height > x.width));
        assert_eq!(p[poster_rung(&p)].name, "720p");
    }

    #[test]
    fn ladder_never_upscales() {
        let r = plan_ladder(640, 400, &DEFAULT_LADDER);
        assert_eq!(
            r.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(),
            ["240p", "360p"]
        );
        assert_eq!(r[fallback_rung(&r)].name, "360p");
        let tiny = plan_ladder(320, 180, &DEFAULT_LADDER);
        assert_eq!(sizes(&tiny), vec![("180p".into(), 320, 180)]);
        assert_eq!(tiny[0].maxrate_bps, 200_000);
    }

    #[test]
    fn cascades_from_720p() {
        let full = plan_ladder(1920, 1080, &DEFAULT_LADDER);
        assert_eq!(
            scale_sources(&full, 1080, true),
            [Some(3), Some(3), Some(3), None, None]
        );
        assert_eq!(scale_sources(&full, 1080, false), [None; 5]);
        // A 720p source: the 720p rung is the source itself, nothing to gain.
        let hd = plan_ladder(1280, 720, &DEFAULT_LADDER);
        assert_eq!(scale_sources(&hd, 720, true), [Some(2), None, None, None]);
        let portrait = plan_ladder(1080, 1920, &DEFAULT_LADDER);
        assert_eq!(
            scale_sources(&portrait, 1080, true),
            [Some(3), Some(3), Some(3), None, None]
        );
        let small = plan_ladder(640, 360, &DEFAULT_LADDER);
        assert_eq!(scale_sources(&small, 360, true), [None, None]);
    }

    #[test]
    fn thread_shares() {
        let full = plan_ladder(1920, 1080, &DEFAULT_LADDER);
        assert_eq!(x264_threads(&full, 2), [1, 1, 1, 1, 2]);
        assert_eq!(x264_threads(&full, 8), [1, 1, 1, 2, 5]);
        assert_eq!(x264_threads(&full, 1), [1, 1, 1, 1, 1]);
        let small = plan_ladder(640, 360, &DEFAULT_LADDER);
        assert_eq!(x264_threads(&small, 2), [1, 2]);
    }

    #[test]
    fn frame_rates() {
        assert_eq!(output_frame_rate((25, 1), (25, 1), 30), (25, 1));
        assert_eq!(
            output_frame_rate((30000, 1001), (30000, 1001), 30),
            (30000, 1001)
        );
        assert_eq!(output_frame_rate((60, 1), (60, 1), 30), (30, 1));
        assert_eq!(output_frame_rate((50, 1), (50, 1), 30), (25, 1));
        assert_eq!(output_frame_rate((60000, 1001), (0, 0), 30), (30000, 1001));
        assert_eq!(output_frame_rate((120, 1), (120, 1), 30), (30, 1));
        assert_eq!(output_frame_rate((1000, 1), (2987, 100), 30), (30000, 1001));
        assert_eq!(output_frame_rate((1000, 1), (2999, 100), 30), (30, 1));
        assert_eq!(output_frame_rate((0, 0), (0, 0), 30), (25, 1));
        assert_eq!(output_frame_rate((15, 1), (15, 1), 30), (15, 1));
        assert_eq!(output_frame_rate((30, 1), (30, 1), 30), (30, 1));
        assert_eq!(output_frame_rate((2997, 100), (0, 1), 30), (30000, 1001));
        assert_eq!(output_frame_rate((144, 1), (144, 1), 30), (30, 1));
        assert_eq!(gop_frames((30000, 1001), 2), 60);
        assert_eq!(gop_frames((25, 1), 2), 50);
    }

    #[test]
    fn upright_follows_the_cli() {
        const ONE: i32 = 1 << 16;
        let identity = [ONE, 0, 0, 0, ONE, 0, 0, 0, 1 << 30];
        assert_eq!(upright(Some(&identity), 0).filters, None);
        // A phone held upright: ffprobe says rotation -90; the CLI turns it clockwise.
        let cw90 = [0, ONE, 0, -ONE, 0, 0, 0, 0, 1 << 30];
        let u = upright(Some(&cw90), 0);
        assert_eq!(u.filters.as_deref(), Some("transpose=dir=clock"));
        assert!(u.swaps_sides);
        let ccw90 = [0, -ONE, 0, ONE, 0, 0, 0, 0, 1 << 30];
        assert_eq!(
            upright(Some(&ccw90), 0).filters.as_deref(),
            Some("transpose=dir=cclock")
        );
        let half = [-ONE, 0, 0, 0, -ONE, 0, 0, 0, 1 << 30];
        assert_eq!(
            upright(Some(&half), 0).filters.as_deref(),
            Some("hflip,vflip")
        );
        let mirror = [-ONE, 0, 0, 0, ONE, 0, 0, 0, 1 << 30];
        assert_eq!(upright(Some(&mirror), 0).filters.as_deref(), Some("hflip"));
        // Legacy tag only.
        assert_eq!(
            upright(None, 270).filters.as_deref(),
            Some("transpose=dir=clock")
        );
    }

    #[test]
    fn codec_strings() {
        assert_eq!(avc1_codec(100, 0, 31), "avc1.64001f");
        assert_eq!(avc1_codec(100, 0, 40), "avc1.640028");
        let mut init = b"....stsd....avc1........avcC".to_vec();
        init.extend([1, 100, 0, 31, 0xff]);
        assert_eq!(find_avcc(&init), Some((100, 0, 31)));
        assert_eq!(find_avcc(b"nothing"), None);
        assert_eq!(h264_profile_name(100), "High");
    }
}
