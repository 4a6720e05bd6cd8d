//! Markdown slides: a module's slides are one Markdown text in which every `## Heading`
//! starts a slide; a heading may end with a timecode `{t=1:30}` (or `{t=90}`, `{t=1:02:03}`)
//! saying when the video reaches that slide, so the slides can follow the video.

/// One slide: its Markdown (heading included, timecode removed) and its time in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Slide {
    pub markdown: String,
    pub at_s: Option<f64>,
}

/// `1:30` → 90, `1:02:03` → 3723, `90` → 90, `75.5` → 75.5.
pub fn parse_timecode(s: &str) -> Option<f64> {
    let mut total = 0.0;
    let parts: Vec<&str> = s.trim().split(':').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    for (i, p) in parts.iter().enumerate() {
        let v: f64 = p.trim().parse().ok()?;
        if !v.is_finite() || v < 0.0 || (i > 0 && v >= 60.0) {
            return None;
        }
        total = total * 60.0 + v;
    }
    Some(total)
}

/// Splits `heading {t=…}` into the heading and the time.
fn split_timecode(line: &str) -> (String, Option<f64>) {
    let trimmed = line.trim_end();
    if let Some(open) = trimmed.rfind("{t=")
        && trimmed.ends_with('}')
        && let Some(t) = parse_timecode(&trimmed[open + 3..trimmed.len() - 1])
    {
        return (trimmed[..open].trim_end().to_owned(), Some(t));
    }
    (trimmed.to_owned(), None)
}

/// The slides of a Markdown text. Text before the first `## ` heading is a slide of its own.
pub fn split(markdown: &str) -> Vec<Slide> {
    let mut slides: Vec<Slide> = Vec::new();
    let mut current: Option<Slide> = None;
    let mut in_fence = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence && line.starts_with("## ") {
            if let Some(s) = current.take().filter(|s| !s.markdown.trim().is_empty()) {
                slides.push(s);
            }
            let (heading, at_s) = split_timecode(line);
            current = Some(Slide {
                markdown: format!("{heading}\n"),
                at_s,
            });
            continue;
        }
        let s = current.get_or_insert_with(|| Slide {
            markdown: String::new(),
            at_s: None,
        });
        s.markdown.push_str(line);
        s.markdown.push('\n');
    }
    if let Some(s) = current.filter(|s| !s.markdown.trim().is_empty()) {
        slides.push(s);
    }
    slides
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slides_with_timecodes() {
        let md = "Intro line\n\n## One {t=0:00}\ntext\n\n## Two {t=1:30}\n- a\n```\n## not a slide\n```\n## Three\nend\n";
        let s = split(md);
        assert_eq!(s.len(), 4);
        assert_eq!(s[0].markdown.trim(), "Intro line");
        assert_eq!(s[1].at_s, Some(0.0));
        assert!(s[1].markdown.starts_with("## One\n"));
        assert_eq!(s[2].at_s, Some(90.0));
        assert!(s[2].markdown.contains("## not a slide"));
        assert_eq!(s[3].at_s, None);
        assert_eq!(parse_timecode("1:02:03"), Some(3723.0));
        assert_eq!(parse_timecode("1:75"), None);
        assert_eq!(parse_timecode("abc"), None);
    }
}
