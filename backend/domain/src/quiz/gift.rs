//! GIFT, Moodle's plain-text quiz format: [`import_gift`] reads it into a [`Quiz`] and
//! reports every question it could not take, with its line; [`export_gift`] writes a quiz
//! back so that importing the result gives an equal quiz.
//!
//! Supported: `//` comments, `$CATEGORY:` lines (ignored), `::title::`, the format markers
//! `[markdown]` `[html]` `[plain]` `[moodle]` (stripped: question text is Markdown, which
//! lets HTML through), the escapes `\~ \= \# \{ \} \: \\` and `\n` (newline), questions
//! over several lines, questions separated by blank lines, and these answer blocks:
//!
//! | GIFT                                   | becomes                                    |
//! |----------------------------------------|--------------------------------------------|
//! | `{=right ~wrong ~%50%half}`            | single choice (exactly one `=`)            |
//! | `{~%50%a ~%50%b ~%-100%c}`             | multiple choice (only `~`, with weights)   |
//! | `{T}` `{TRUE}` `{F}` `{FALSE#wrong#right}` | true/false (`#` feedback for a wrong, then a right answer) |
//! | `{=a =%50%b}`                          | short answer                               |
//! | `{#3.14:0.01}` `{#1..5}` `{#=%100%3:0 =%50%3:1}` | numeric                          |
//! | `{=prompt -> answer =p2 -> a2}`        | matching                                   |
//!
//! `#feedback` follows any answer; `####general feedback` ends the block. Text after the
//! block makes a missing-word question: the block's place in the text becomes `___`.
//!
//! Short answers are compared case-insensitively but with diacritics, as Moodle does
//! (`ignore_case = true`, `ignore_diacritics = false`).
//!
//! This platform reads three tags in a question's `//` comment lines (Moodle ignores
//! them): `[id:...]` (Moodle's own id-number tag) fixes the question id, `[points:2]` sets
//! the points (default 1), `[compare:exact|case|diacritics]` sets how short answers are
//! compared (`case` is the default; `diacritics` ignores case and diacritics, so
//! "quyen con nguoi" matches "Quyền con người"). [`export_gift`] writes them, so ids,
//! points and comparison survive a round trip; the quiz's `draw` does not (it belongs to the
//! module), and option and pair ids are always `a`, `b`, `c`... in file order.
//!
//! Rejected with a reason: essay `{}`, description (no answer block), more than one answer
//! block (Moodle's embedded answers), matching distractors, numeric `~` feedback.

use std::fmt::Write as _;

use super::import::{IdAllocator, ImportProblem, ImportReport};
use super::model::{
    AcceptedAnswer, Choice, MatchPair, NumericAnswer, Question, QuestionKind, Quiz, option_id,
};

/// Why an essay question is rejected.
pub const ESSAY_REASON: &str = "not supported: essay questions cannot be graded automatically";
/// Why a description (a text without answers) is rejected.
pub const DESCRIPTION_REASON: &str =
    "not supported: description questions (no answer block) have nothing to grade";
/// The blank put in the place of a missing-word answer block.
pub const BLANK: &str = "___";

/// Reads a GIFT file: the questions it could import and a problem for every one it could not.
/// Bounded by [`super::import::limits`].
pub fn import_gift(src: &str) -> ImportReport {
    if let Err(problem) = super::import::check_source(src) {
        return ImportReport::refused(problem);
    }
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut report = ImportReport::default();
    let mut ids = IdAllocator::default();
    let blocks = split_blocks(src);
    if blocks.is_empty() {
        report
            .problems
            .push(ImportProblem::new(1, "no questions found"));
    }
    for (n, block) in blocks.into_iter().enumerate() {
        if n == super::import::limits::MAX_QUESTIONS {
            report
                .problems
                .push(super::import::too_many_questions(block.start_line));
            break;
        }
        match parse_block(&block) {
            Ok(parsed) => {
                if let Some(question) = accept(parsed, block.start_line, &mut ids, &mut report) {
                    report.quiz.questions.push(question);
                }
            }
            Err(problem) => report.problems.push(problem),
        }
    }
    report.cap_problems()
}

/// Validates a parsed question and gives it its id; reports it when it is rejected.
fn accept(
    parsed: Parsed,
    line: usize,
    ids: &mut IdAllocator,
    report: &mut ImportReport,
) -> Option<Question> {
    let mut question = Question {
        id: "pending".into(),
        title: parsed.title,
        text: parsed.text,
        kind: parsed.kind,
        general_feedback: parsed.general_feedback,
        points: parsed.tags.points.unwrap_or(1.0),
    };
    let messages = question.problem_messages();
    if !messages.is_empty() {
        report
            .problems
            .push(ImportProblem::new(line, messages.join("; ")));
        return None;
    }
    question.id = match parsed.tags.id {
        Some(id) => {
            if !ids.claim(&id) {
                report.problems.push(ImportProblem::new(
                    line,
                    format!("duplicate question id \"{id}\""),
                ));
                return None;
            }
            id
        }
        None => ids.next(question.title.as_deref()),
    };
    Some(question)
}

// ---------------------------------------------------------------------------------------
// Blocks and characters

/// The lines of one question: consecutive non-blank lines, comments set apart.
struct Block<'a> {
    start_line: usize,
    lines: Vec<(usize, &'a str)>,
    comments: Vec<(usize, &'a str)>,
}

fn split_blocks(src: &str) -> Vec<Block<'_>> {
    let mut blocks = Vec::new();
    let mut current = Block {
        start_line: 0,
        lines: Vec::new(),
        comments: Vec::new(),
    };
    for (i, line) in src.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush_block(&mut current, &mut blocks);
        } else if let Some(comment) = trimmed.strip_prefix("//") {
            current.comments.push((i + 1, comment));
        } else if trimmed.starts_with("$CATEGORY:") {
            // Categories are the question bank's business, not a module quiz's.
        } else {
            if current.lines.is_empty() {
                current.start_line = i + 1;
            }
            current.lines.push((i + 1, line));
        }
    }
    flush_block(&mut current, &mut blocks);
    blocks
}

/// Ends the current block; one without question lines (only comments) is dropped.
fn flush_block<'a>(current: &mut Block<'a>, blocks: &mut Vec<Block<'a>>) {
    let block = std::mem::replace(
        current,
        Block {
            start_line: 0,
            lines: Vec::new(),
            comments: Vec::new(),
        },
    );
    if !block.lines.is_empty() {
        blocks.push(block);
    }
}

/// One character of a question, with whether it was escaped and the line it is on.
#[derive(Debug, Clone, Copy)]
struct Ch {
    c: char,
    esc: bool,
    line: usize,
}

impl Ch {
    fn is(&self, c: char) -> bool {
        !self.esc && self.c == c
    }
}

/// Resolves escapes; lines are joined with `\n`.
fn lex(lines: &[(usize, &str)]) -> Vec<Ch> {
    let mut out = Vec::new();
    let mut previous = None;
    for &(line, text) in lines {
        if let Some(prev) = previous {
            out.push(Ch {
                c: '\n',
                esc: false,
                line: prev,
            });
        }
        previous = Some(line);
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' {
                let escaped = match chars.peek() {
                    Some(&n @ ('~' | '=' | '#' | '{' | '}' | ':' | '\\' | '>')) => Some(n),
                    Some('n') => Some('\n'),
                    _ => None,
                };
                if let Some(e) = escaped {
                    chars.next();
                    out.push(Ch {
                        c: e,
                        esc: true,
                        line,
                    });
                    continue;
                }
            }
            out.push(Ch {
                c,
                esc: false,
                line,
            });
        }
    }
    out
}

fn find(chs: &[Ch], from: usize, c: char) -> Option<usize> {
    chs.iter()
        .enumerate()
        .skip(from)
        .find(|(_, ch)| ch.is(c))
        .map(|(i, _)| i)
}

fn matches_at(chs: &[Ch], at: usize, pat: &str) -> bool {
    let mut i = at;
    for p in pat.chars() {
        match chs.get(i) {
            Some(ch) if ch.is(p) => i += 1,
            _ => return false,
        }
    }
    true
}

fn find_seq(chs: &[Ch], from: usize, pat: &str) -> Option<usize> {
    (from..chs.len()).find(|&i| matches_at(chs, i, pat))
}

fn rfind_seq(chs: &[Ch], pat: &str) -> Option<usize> {
    (0..chs.len()).rev().find(|&i| matches_at(chs, i, pat))
}

fn trim(chs: &[Ch]) -> &[Ch] {
    trim_end(trim_start(chs))
}

fn trim_start(chs: &[Ch]) -> &[Ch] {
    let start = chs
        .iter()
        .position(|c| !c.c.is_whitespace())
        .unwrap_or(chs.len());
    &chs[start..]
}

fn trim_end(chs: &[Ch]) -> &[Ch] {
    let end = chs
        .iter()
        .rposition(|c| !c.c.is_whitespace())
        .map_or(0, |i| i + 1);
    &chs[..end]
}

fn string(chs: &[Ch]) -> String {
    chs.iter()
        .map(|c| c.c)
        .collect::<String>()
        .trim()
        .to_string()
}

fn optional(chs: &[Ch]) -> Option<String> {
    Some(string(chs)).filter(|s| !s.is_empty())
}

fn line_of(chs: &[Ch], fallback: usize) -> usize {
    chs.first().map_or(fallback, |c| c.line)
}

// ---------------------------------------------------------------------------------------
// Questions

/// A question as read, before validation and ids.
struct Parsed {
    title: Option<String>,
    text: String,
    kind: QuestionKind,
    general_feedback: Option<String>,
    tags: Tags,
}

/// This platform's tags from the question's comments.
#[derive(Default)]
struct Tags {
    id: Option<String>,
    points: Option<f64>,
    compare: Option<Compare>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Compare {
    Exact,
    Case,
    Diacritics,
}

fn parse_tags(comments: &[(usize, &str)]) -> Result<Tags, ImportProblem> {
    let mut tags = Tags::default();
    for &(line, comment) in comments {
        let mut rest = comment;
        while let Some(open) = rest.find('[') {
            let after = &rest[open + 1..];
            let Some(key_end) = after.find([':', ']']) else {
                break;
            };
            if after[key_end..].starts_with(']') {
                rest = &after[key_end + 1..];
                continue;
            }
            let key = &after[..key_end];
            let (value, remaining) = read_tag_value(&after[key_end + 1..]);
            rest = remaining;
            let value = value.trim();
            match key.trim() {
                "id" => {
                    if value.is_empty() {
                        return Err(ImportProblem::new(line, "empty [id:]"));
                    }
                    tags.id = Some(value.to_string());
                }
                "points" => match value.parse::<f64>() {
                    Ok(p) if p.is_finite() && p > 0.0 => tags.points = Some(p),
                    _ => {
                        return Err(ImportProblem::new(
                            line,
                            format!("bad [points:{value}]: expected a positive number"),
                        ));
                    }
                },
                "compare" => {
                    tags.compare = Some(match value {
                        "exact" => Compare::Exact,
                        "case" => Compare::Case,
                        "diacritics" => Compare::Diacritics,
                        _ => {
                            return Err(ImportProblem::new(
                                line,
                                format!(
                                    "bad [compare:{value}]: expected exact, case or diacritics"
                                ),
                            ));
                        }
                    })
                }
                _ => {}
            }
        }
    }
    Ok(tags)
}

/// The value of a `[key:value]` tag up to its unescaped `]` (`\]` stands for `]`), and
/// what follows it.
fn read_tag_value(s: &str) -> (String, &str) {
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if s[i + 1..].starts_with(']') => {
                chars.next();
                value.push(']');
            }
            ']' => return (value, &s[i + 1..]),
            _ => value.push(c),
        }
    }
    (value, "")
}

fn parse_block(block: &Block<'_>) -> Result<Parsed, ImportProblem> {
    let start = block.start_line;
    let tags = parse_tags(&block.comments)?;
    let chs = lex(&block.lines);
    let s = trim(&chs);

    let (title, rest) = if matches_at(s, 0, "::") {
        let Some(end) = find_seq(s, 2, "::") else {
            return Err(ImportProblem::new(
                line_of(s, start),
                "the title is not closed: `::title::` expected",
            ));
        };
        (optional(&s[2..end]), &s[end + 2..])
    } else {
        (None, s)
    };
    let rest = strip_format(trim_start(rest));

    let Some(open) = find(rest, 0, '{') else {
        if let Some(close) = find(rest, 0, '}') {
            return Err(unmatched_close(rest[close].line));
        }
        return Err(ImportProblem::new(start, DESCRIPTION_REASON));
    };
    if let Some(close) = find(&rest[..open], 0, '}') {
        return Err(unmatched_close(rest[close].line));
    }
    let Some(close) = find(rest, open + 1, '}') else {
        return Err(ImportProblem::new(
            rest[open].line,
            "unclosed brace: `{` has no matching `}` (a blank line ends a question)",
        ));
    };
    if let Some(nested) = find(&rest[..close], open + 1, '{') {
        return Err(ImportProblem::new(
            rest[nested].line,
            "`{` inside an answer block (write \\{ for a literal brace)",
        ));
    }
    let after = &rest[close + 1..];
    if let Some(second) = find(after, 0, '{') {
        return Err(ImportProblem::new(
            after[second].line,
            "not supported: more than one answer block in a question (embedded answers)",
        ));
    }
    if let Some(stray) = find(after, 0, '}') {
        return Err(unmatched_close(after[stray].line));
    }

    let before = string(&rest[..open]);
    let text = if trim(after).is_empty() {
        before
    } else {
        // Missing word: keep the spacing around the block's place.
        let mut t: String = rest[..open].iter().map(|c| c.c).collect();
        t.push_str(BLANK);
        t.extend(after.iter().map(|c| c.c));
        t.trim().to_string()
    };

    let (kind, general_feedback) = parse_answers(&rest[open + 1..close], rest[open].line, start)?;
    let kind = match (kind, tags.compare) {
        (QuestionKind::ShortAnswer { answers, .. }, Some(compare)) => QuestionKind::ShortAnswer {
            answers,
            ignore_case: compare != Compare::Exact,
            ignore_diacritics: compare == Compare::Diacritics,
        },
        (kind, _) => kind,
    };
    Ok(Parsed {
        title,
        text,
        kind,
        general_feedback,
        tags,
    })
}

fn unmatched_close(line: usize) -> ImportProblem {
    ImportProblem::new(
        line,
        "`}` without an opening `{` (write \\} for a literal brace)",
    )
}

/// Strips a leading `[markdown]`, `[html]`, `[plain]` or `[moodle]`.
fn strip_format(chs: &[Ch]) -> &[Ch] {
    for marker in ["[markdown]", "[html]", "[plain]", "[moodle]"] {
        let n = marker.chars().count();
        if chs.len() >= n
            && chs[..n]
                .iter()
                .zip(marker.chars())
                .all(|(c, m)| !c.esc && c.c.eq_ignore_ascii_case(&m))
        {
            return trim_start(&chs[n..]);
        }
    }
    chs
}

/// One `=` or `~` answer of a block.
struct Item<'a> {
    right: bool,
    body: &'a [Ch],
    line: usize,
}

fn parse_answers(
    block: &[Ch],
    open_line: usize,
    start: usize,
) -> Result<(QuestionKind, Option<String>), ImportProblem> {
    let block = trim(block);
    let (body, general) = match rfind_seq(block, "####") {
        Some(i) => (trim(&block[..i]), optional(&block[i + 4..])),
        None => (block, None),
    };
    if body.is_empty() {
        return Err(ImportProblem::new(start, ESSAY_REASON));
    }
    if body[0].is('#') {
        return Ok((parse_numeric(&body[1..], body[0].line)?, general));
    }
    if let Some(kind) = parse_true_false(body) {
        return Ok((kind, general));
    }
    let items = split_items(body, open_line)?;
    let kind = if items.iter().any(|i| !i.right) {
        parse_choice(&items, start)?
    } else if items.iter().any(|i| find_seq(i.body, 0, "->").is_some()) {
        parse_matching(&items)?
    } else {
        parse_short_answer(&items)?
    };
    Ok((kind, general))
}

fn parse_true_false(body: &[Ch]) -> Option<QuestionKind> {
    let head_end = find(body, 0, '#').unwrap_or(body.len());
    let answer = match string(&body[..head_end]).to_ascii_uppercase().as_str() {
        "T" | "TRUE" => true,
        "F" | "FALSE" => false,
        _ => return None,
    };
    // Like Moodle: `#wrong feedback#right feedback`, the second part keeping any further `#`.
    let (wrong, right) = if head_end < body.len() {
        let rest = &body[head_end + 1..];
        match find(rest, 0, '#') {
            Some(j) => (optional(&rest[..j]), optional(&rest[j + 1..])),
            None => (optional(rest), None),
        }
    } else {
        (None, None)
    };
    let (feedback_true, feedback_false) = if answer {
        (right, wrong)
    } else {
        (wrong, right)
    };
    Some(QuestionKind::TrueFalse {
        answer,
        feedback_true,
        feedback_false,
    })
}

fn split_items(body: &[Ch], open_line: usize) -> Result<Vec<Item<'_>>, ImportProblem> {
    let first = body.first();
    if !first.is_some_and(|c| c.is('=') || c.is('~')) {
        return Err(ImportProblem::new(
            line_of(body, open_line),
            "unknown answer syntax: answers start with = (right) or ~ (wrong), \
             a number block with #, or T/F",
        ));
    }
    let starts: Vec<usize> = body
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is('=') || c.is('~'))
        .map(|(i, _)| i)
        .collect();
    let items = starts
        .iter()
        .enumerate()
        .map(|(k, &s)| {
            let end = starts.get(k + 1).copied().unwrap_or(body.len());
            Item {
                right: body[s].c == '=',
                body: &body[s + 1..end],
                line: body[s].line,
            }
        })
        .collect();
    Ok(items)
}

/// A leading `%weight%`, if any, and the rest.
fn take_weight<'a>(item: &Item<'a>) -> Result<(Option<f64>, &'a [Ch]), ImportProblem> {
    let t = trim_start(item.body);
    if !t.first().is_some_and(|c| c.is('%')) {
        return Ok((None, t));
    }
    let Some(end) = find(t, 1, '%') else {
        return Err(ImportProblem::new(
            item.line,
            "bad weight: missing the closing % (write weights like %50% or %-25%)",
        ));
    };
    let raw = string(&t[1..end]);
    match raw.parse::<f64>() {
        Ok(w) if w.is_finite() && (-100.0..=100.0).contains(&w) => Ok((Some(w), &t[end + 1..])),
        Ok(_) => Err(ImportProblem::new(
            item.line,
            format!("bad weight %{raw}%: must be between -100 and 100"),
        )),
        Err(_) => Err(ImportProblem::new(
            item.line,
            format!("bad weight %{raw}%: expected a percentage such as %50% or %-25%"),
        )),
    }
}

/// Answer text and its `#feedback`.
fn split_feedback(chs: &[Ch]) -> (String, Option<String>) {
    match find(chs, 0, '#') {
        Some(i) => (string(&chs[..i]), optional(&chs[i + 1..])),
        None => (string(chs), None),
    }
}

fn parse_choice(items: &[Item<'_>], start: usize) -> Result<QuestionKind, ImportProblem> {
    let right = items.iter().filter(|i| i.right).count();
    if right > 1 {
        return Err(ImportProblem::new(
            start,
            "more than one = answer among ~ answers: a single-choice question has one right \
             answer; for several, give each ~ a weight such as ~%50%",
        ));
    }
    let mut options = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let (weight, rest) = take_weight(item)?;
        let (text, feedback) = split_feedback(rest);
        options.push(Choice {
            id: option_id(i),
            text,
            weight: weight.unwrap_or(if item.right { 100.0 } else { 0.0 }),
            feedback,
        });
    }
    Ok(if right == 1 {
        QuestionKind::SingleChoice { options }
    } else {
        QuestionKind::MultipleChoice { options }
    })
}

fn parse_short_answer(items: &[Item<'_>]) -> Result<QuestionKind, ImportProblem> {
    let mut answers = Vec::with_capacity(items.len());
    for item in items {
        let (weight, rest) = take_weight(item)?;
        let (text, feedback) = split_feedback(rest);
        answers.push(AcceptedAnswer {
            text,
            weight: weight.unwrap_or(100.0),
            feedback,
        });
    }
    Ok(QuestionKind::ShortAnswer {
        answers,
        ignore_case: true,
        ignore_diacritics: false,
    })
}

fn parse_matching(items: &[Item<'_>]) -> Result<QuestionKind, ImportProblem> {
    let mut pairs = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Some(arrow) = find_seq(item.body, 0, "->") else {
            return Err(ImportProblem::new(
                item.line,
                "a matching pair needs `->` between the prompt and its answer",
            ));
        };
        if find(item.body, 0, '#').is_some() {
            return Err(ImportProblem::new(
                item.line,
                "matching pairs cannot have # feedback",
            ));
        }
        let prompt = string(&item.body[..arrow]);
        let answer = string(&item.body[arrow + 2..]);
        if prompt.is_empty() {
            return Err(ImportProblem::new(
                item.line,
                "not supported: matching distractors (an answer without a prompt)",
            ));
        }
        pairs.push(MatchPair {
            id: option_id(i),
            prompt,
            answer,
        });
    }
    Ok(QuestionKind::Matching { pairs })
}

fn parse_numeric(body: &[Ch], line: usize) -> Result<QuestionKind, ImportProblem> {
    let body = trim(body);
    if body.is_empty() {
        return Err(ImportProblem::new(
            line,
            "a numeric question needs an answer such as {#3.14:0.01} or {#1..5}",
        ));
    }
    if let Some(tilde) = find(body, 0, '~') {
        return Err(ImportProblem::new(
            body[tilde].line,
            "not supported: ~ (wrong-answer feedback) in a numeric question",
        ));
    }
    let items = if body[0].is('=') {
        split_items(body, line)?
    } else {
        vec![Item {
            right: true,
            body,
            line: body[0].line,
        }]
    };
    let mut answers = Vec::with_capacity(items.len());
    for item in &items {
        let (weight, rest) = take_weight(item)?;
        let (spec, feedback) = split_feedback(rest);
        let weight = weight.unwrap_or(100.0);
        answers.push(parse_number_spec(&spec, weight, feedback, item.line)?);
    }
    Ok(QuestionKind::Numeric { answers })
}

/// `3.14`, `3.14:0.01` or `1..5`.
fn parse_number_spec(
    spec: &str,
    weight: f64,
    feedback: Option<String>,
    line: usize,
) -> Result<NumericAnswer, ImportProblem> {
    let number = |s: &str| -> Result<f64, ImportProblem> {
        let s = s.trim();
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(ImportProblem::new(
                line,
                format!(
                    "bad number \"{s}\" in a numeric answer (write 3.14, 3.14:0.01 or 1..5, \
                     with a dot for decimals)"
                ),
            )),
        }
    };
    if let Some((min, max)) = spec.split_once("..") {
        let (min, max) = (number(min)?, number(max)?);
        if min > max {
            return Err(ImportProblem::new(
                line,
                format!("bad range {min}..{max}: the minimum is greater than the maximum"),
            ));
        }
        Ok(NumericAnswer::range(min, max, weight, feedback))
    } else if let Some((value, tolerance)) = spec.split_once(':') {
        let (value, tolerance) = (number(value)?, number(tolerance)?);
        if tolerance < 0.0 {
            return Err(ImportProblem::new(
                line,
                format!("bad tolerance {tolerance}: it cannot be negative"),
            ));
        }
        Ok(NumericAnswer::exact(value, tolerance, weight, feedback))
    } else {
        Ok(NumericAnswer::exact(number(spec)?, 0.0, weight, feedback))
    }
}

// ---------------------------------------------------------------------------------------
// Export

/// Writes a quiz as GIFT that [`import_gift`] reads back into an equal quiz (except `draw`,
/// and option ids, which are `a`, `b`, ... in order). Moodle reads it too, minus points and
/// the short-answer comparison (kept in `//` comments).
pub fn export_gift(quiz: &Quiz) -> String {
    let mut out = String::new();
    for (i, q) in quiz.questions.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        write_question(&mut out, q);
    }
    out
}

fn write_question(out: &mut String, q: &Question) {
    let mut tags = Vec::new();
    let plain_id = !q.id.is_empty()
        && q.id.trim() == q.id
        && !q.id.chars().any(|c| c.is_control() || c == '\\');
    if plain_id {
        tags.push(format!("[id:{}]", q.id.replace(']', "\\]")));
    }
    if q.points != 1.0 {
        tags.push(format!("[points:{}]", q.points));
    }
    if let QuestionKind::ShortAnswer {
        ignore_case,
        ignore_diacritics,
        ..
    } = &q.kind
    {
        let compare = if *ignore_diacritics {
            "diacritics"
        } else if *ignore_case {
            "case"
        } else {
            "exact"
        };
        if compare != "case" {
            tags.push(format!("[compare:{compare}]"));
        }
    }
    let _ = writeln!(out, "// {}", q.kind.type_name());
    if !tags.is_empty() {
        let _ = writeln!(out, "// {}", tags.join(" "));
    }
    if let Some(title) = &q.title {
        let _ = write!(out, "::{}::", escape(title));
    }
    let _ = write!(out, "[markdown]{} {{", escape(&q.text));
    match &q.kind {
        QuestionKind::SingleChoice { options } => {
            out.push('\n');
            for o in options {
                let right = o.weight == 100.0;
                let default = if right { 100.0 } else { 0.0 };
                write_item(
                    out,
                    if right { '=' } else { '~' },
                    o.weight,
                    default,
                    &o.text,
                );
                write_feedback(out, o.feedback.as_deref());
                out.push('\n');
            }
        }
        QuestionKind::MultipleChoice { options } => {
            out.push('\n');
            for o in options {
                write_item(out, '~', o.weight, f64::NAN, &o.text);
                write_feedback(out, o.feedback.as_deref());
                out.push('\n');
            }
        }
        QuestionKind::TrueFalse {
            answer,
            feedback_true,
            feedback_false,
        } => {
            out.push_str(if *answer { "TRUE" } else { "FALSE" });
            let (right, wrong) = if *answer {
                (feedback_true, feedback_false)
            } else {
                (feedback_false, feedback_true)
            };
            if right.is_some() || wrong.is_some() {
                let _ = write!(
                    out,
                    "#{}#{}",
                    escape(wrong.as_deref().unwrap_or("")),
                    escape(right.as_deref().unwrap_or(""))
                );
            }
            out.push('\n');
        }
        QuestionKind::ShortAnswer { answers, .. } => {
            out.push('\n');
            for a in answers {
                write_item(out, '=', a.weight, 100.0, &a.text);
                write_feedback(out, a.feedback.as_deref());
                out.push('\n');
            }
        }
        QuestionKind::Numeric { answers } => {
            out.push_str("#\n");
            for a in answers {
                let _ = write!(out, "\t=%{}%", a.weight);
                match a.range {
                    Some((min, max)) => {
                        let _ = write!(out, "{min}..{max}");
                    }
                    None => {
                        let _ = write!(out, "{}:{}", a.value, a.tolerance);
                    }
                }
                write_feedback(out, a.feedback.as_deref());
                out.push('\n');
            }
        }
        QuestionKind::Matching { pairs } => {
            out.push('\n');
            for p in pairs {
                let _ = writeln!(out, "\t={} -> {}", escape(&p.prompt), escape(&p.answer));
            }
        }
    }
    if let Some(general) = &q.general_feedback {
        let _ = writeln!(out, "\t####{}", escape(general));
    }
    out.push_str("}\n");
}

/// `\t=text`, `\t~%50%text`: the weight is written unless it is the marker's default (or
/// the text itself starts with `%`).
fn write_item(out: &mut String, marker: char, weight: f64, default: f64, text: &str) {
    out.push('\t');
    out.push(marker);
    if weight != default || text.starts_with('%') {
        let _ = write!(out, "%{weight}%");
    }
    out.push_str(&escape(text));
}

fn write_feedback(out: &mut String, feedback: Option<&str>) {
    if let Some(f) = feedback {
        out.push('#');
        out.push_str(&escape(f));
    }
}

/// Escapes GIFT's special characters, newlines (as `\n`) and the `>` of `->`.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut previous = None;
    for c in s.chars() {
        match c {
            '~' | '=' | '#' | '{' | '}' | ':' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '>' if previous == Some('-') => out.push_str("\\>"),
            _ => out.push(c),
        }
        previous = Some(c);
    }
    out
}

#[cfg(test)]
mod tests;
