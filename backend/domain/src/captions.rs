//! Captions: WebVTT or SRT as trainers upload them, checked cue by cue (every problem with
//! its line) and stored as WebVTT beside the video's renditions, so the signed playback URL
//! covers them too.

use serde::Serialize;

/// One problem in a caption file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaptionProblem {
    pub line: usize,
    pub message: String,
}

/// Parses `hh:mm:ss.mmm`, `mm:ss.mmm` (WebVTT) or `hh:mm:ss,mmm` (SRT) into milliseconds.
fn timestamp(s: &str) -> Option<u64> {
    let s = s.trim();
    let (clock, frac) = s.rsplit_once(['.', ','])?;
    if frac.len() != 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let nums: Option<Vec<u64>> = parts
        .iter()
        .map(|p| {
            if p.len() >= 2 && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().ok()
            } else {
                None
            }
        })
        .collect();
    let nums = nums?;
    let (h, m, sec) = match nums.as_slice() {
        [m, s] => (0, *m, *s),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    if m > 59 || sec > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1000 + frac.parse::<u64>().ok()?)
}

fn vtt_time(ms: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Checks a WebVTT or SRT file and returns it as WebVTT, or every problem found.
/// `duration_s`, when known, bounds the cue times.
pub fn to_webvtt(content: &str, duration_s: Option<f64>) -> Result<String, Vec<CaptionProblem>> {
    let text = content
        .strip_prefix('\u{feff}')
        .unwrap_or(content)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let lines: Vec<&str> = text.lines().collect();
    let mut problems = Vec::new();
    let is_vtt = lines.first().is_some_and(|l| l.starts_with("WEBVTT"));
    let mut out = String::from("WEBVTT\n");
    let mut i = if is_vtt { 1 } else { 0 };
    // Skip the WebVTT header block (metadata lines until the first blank line).
    if is_vtt {
        while i < lines.len() && !lines[i].trim().is_empty() {
            i += 1;
        }
    }
    let mut cues = 0;
    let mut last_start = 0u64;
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        let block_start = i;
        let mut block = Vec::new();
        while i < lines.len() && !lines[i].trim().is_empty() {
            block.push((i + 1, lines[i]));
            i += 1;
        }
        // NOTE, STYLE and REGION blocks of WebVTT carry no cue.
        if is_vtt
            && ["NOTE", "STYLE", "REGION"]
                .iter()
                .any(|k| block[0].1.starts_with(k))
        {
            continue;
        }
        let timing_at = block.iter().position(|(_, l)| l.contains("-->"));
        let Some(t) = timing_at.filter(|t| *t <= 1) else {
            problems.push(CaptionProblem {
                line: block_start + 1,
                message: "expected a cue timing line such as 00:00:01.000 --> 00:00:04.000".into(),
            });
            continue;
        };
        let (line_no, timing) = block[t];
        let (start_s, rest) = timing.split_once("-->").unwrap_or((timing, ""));
        let end_s = rest.split_whitespace().next().unwrap_or("");
        match (timestamp(start_s), timestamp(end_s)) {
            (Some(start), Some(end)) => {
                if end <= start {
                    problems.push(CaptionProblem {
                        line: line_no,
                        message: "the cue ends before it starts".into(),
                    });
                } else if start < last_start {
                    problems.push(CaptionProblem {
                        line: line_no,
                        message: "cues must be in time order".into(),
                    });
                } else if duration_s.is_some_and(|d| start as f64 / 1000.0 > d + 1.0) {
                    problems.push(CaptionProblem {
                        line: line_no,
                        message: "the cue starts after the end of the video".into(),
                    });
                }
                last_start = start;
                let body: Vec<&str> = block[t + 1..].iter().map(|(_, l)| *l).collect();
                if body.is_empty() {
                    problems.push(CaptionProblem {
                        line: line_no,
                        message: "the cue has no text".into(),
                    });
                }
                out.push('\n');
                if t == 1 && is_vtt {
                    out.push_str(block[0].1.trim());
                    out.push('\n');
                }
                out.push_str(&format!("{} --> {}\n", vtt_time(start), vtt_time(end)));
                for l in body {
                    out.push_str(l);
                    out.push('\n');
                }
                cues += 1;
            }
            _ => problems.push(CaptionProblem {
                line: line_no,
                message: format!("unreadable cue timing {timing:?}"),
            }),
        }
    }
    if cues == 0 && problems.is_empty() {
        problems.push(CaptionProblem {
            line: 1,
            message: "the file has no cues".into(),
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srt_becomes_webvtt() {
        let srt = "1\r\n00:00:01,000 --> 00:00:04,500\r\nQuyền con người\r\n\r\n2\r\n00:00:05,000 --> 00:00:07,000\r\nlà quyền vốn có\r\n";
        let vtt = to_webvtt(srt, Some(10.0)).unwrap();
        assert_eq!(
            vtt,
            "WEBVTT\n\n00:00:01.000 --> 00:00:04.500\nQuyền con người\n\n00:00:05.000 --> 00:00:07.000\nlà quyền vốn có\n"
        );
    }

    #[test]
    fn webvtt_is_kept_with_ids_and_notes_skipped() {
        let vtt = "WEBVTT - demo\n\nNOTE a comment\n\nintro\n00:01.000 --> 00:02.000 line:90%\nXin chào\n";
        assert_eq!(
            to_webvtt(vtt, None).unwrap(),
            "WEBVTT\n\nintro\n00:00:01.000 --> 00:00:02.000\nXin chào\n"
        );
    }

    #[test]
    fn every_problem_has_its_line() {
        let bad = "WEBVTT\n\n00:00:05.000 --> 00:00:04.000\nbackwards\n\n00:00:01.000 --> 00:00:02.000\nout of order\n\nnot a cue\n\n00:00:09.000 --> 00:00:99.000\nbad time\n";
        let problems = to_webvtt(bad, None).unwrap_err();
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![3, 6, 9, 11], "{problems:?}");
        assert!(to_webvtt("", None).is_err());
        assert!(
            to_webvtt(
                "WEBVTT\n\n00:00:30.000 --> 00:00:31.000\nlate\n",
                Some(10.0)
            )
            .is_err()
        );
    }
}
