//! Captions: WebVTT or SRT as trainers upload them, checked cue by cue (every problem with
//! its line) and stored as WebVTT beside the video's renditions, so the signed playback URL
//! covers them too.
//!
//! A caption file is bounded by [`limits`] (bytes, lines, cues, problems reported), checked
//! before it is split into lines.

use serde::Serialize;

/// How large a caption file may be (a 6-minute video has a few hundred cues).
pub mod limits {
    /// Bytes of the file.
    pub const MAX_BYTES: usize = 1024 * 1024;
    /// Lines of the file.
    pub const MAX_LINES: usize = 100_000;
    /// Cues (one every 100 ms of the longest video accepted).
    pub const MAX_CUES: usize = 5_000;
    /// Problems reported one by one; past this the file is not read further.
    pub const MAX_PROBLEMS: usize = 100;
}

fn refused(line: usize, message: String) -> Vec<CaptionProblem> {
    vec![CaptionProblem { line, message }]
}

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
    // Checked: the hours are as many digits as the file gives.
    h.checked_mul(3_600_000)?
        .checked_add((m * 60 + sec) * 1000 + frac.parse::<u64>().ok()?)
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
    use limits::*;
    if content.len() > MAX_BYTES {
        return Err(refused(
            1,
            format!("the file is larger than {} KiB", MAX_BYTES / 1024),
        ));
    }
    let text = content
        .strip_prefix('\u{feff}')
        .unwrap_or(content)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() > MAX_LINES {
        return Err(refused(
            MAX_LINES + 1,
            format!("the file has more than {MAX_LINES} lines"),
        ));
    }
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
        if problems.len() >= MAX_PROBLEMS {
            problems.push(CaptionProblem {
                line: i + 1,
                message: format!(
                    "more than {MAX_PROBLEMS} problems: the rest of the file was not checked"
                ),
            });
            break;
        }
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        if cues == MAX_CUES {
            return Err(refused(
                i + 1,
                format!("the file has more than {MAX_CUES} cues"),
            ));
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

    #[test]
    fn files_past_the_limits_are_refused_with_a_bounded_report() {
        use super::limits::*;
        let big = format!("WEBVTT\n\n{}", "x".repeat(MAX_BYTES));
        assert_eq!(
            to_webvtt(&big, None).unwrap_err(),
            refused(1, "the file is larger than 1024 KiB".into())
        );
        // Lines ended by CR alone count too.
        for end in ["\n", "\r"] {
            let long = format!("WEBVTT{}", end.repeat(MAX_LINES + 1));
            let problems = to_webvtt(&long, None).unwrap_err();
            assert_eq!(problems[0].message, "the file has more than 100000 lines");
        }
        let cue = |i: usize| {
            format!(
                "{} --> {}\nx\n\n",
                vtt_time(i as u64 * 10),
                vtt_time(i as u64 * 10 + 5)
            )
        };
        let ok: String = (0..MAX_CUES).map(cue).collect();
        assert!(to_webvtt(&format!("WEBVTT\n\n{ok}"), None).is_ok());
        let many: String = (0..=MAX_CUES).map(cue).collect();
        let problems = to_webvtt(&format!("WEBVTT\n\n{many}"), None).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].message, "the file has more than 5000 cues");
        assert_eq!(problems[0].line, 3 + 3 * MAX_CUES);
        // 30,000 bad blocks are reported up to the limit, and the report stays small.
        let bad = "x\n\n".repeat(30_000);
        let problems = to_webvtt(&bad, None).unwrap_err();
        assert_eq!(problems.len(), MAX_PROBLEMS + 1);
        assert!(
            problems
                .last()
                .unwrap()
                .message
                .starts_with("more than 100 problems")
        );
    }

    #[test]
    fn absurd_hours_are_unreadable_not_an_overflow() {
        let srt = "1\n18446744073709551615:00:00,000 --> 18446744073709551615:00:01,000\nx\n";
        let problems = to_webvtt(srt, None).unwrap_err();
        assert_eq!(problems[0].line, 2);
        assert!(problems[0].message.starts_with("unreadable cue timing"));
    }
}
