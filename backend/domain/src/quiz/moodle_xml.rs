//! Moodle XML quiz import: [`import_moodle_xml`] reads a `<quiz>` export of a Moodle
//! question bank into a [`Quiz`](super::model::Quiz), reporting every question it could not
//! take with the line of its `<question>` tag.
//!
//! Supported types: `multichoice` (`<single>true</single>` → single choice, else multiple
//! choice; `fraction` is the weight in percent), `truefalse`, `shortanswer` (`<usecase>1`
//! → case-sensitive; otherwise case-insensitive, diacritics significant), `numerical`
//! (`<tolerance>` absolute), `matching` (`<subquestion>`s). `<category>` pseudo-questions
//! are skipped. Also read: `<name>` (title and id), `<idnumber>` (id when set),
//! `<generalfeedback>`, `<defaultgrade>` (points), per-answer `<feedback>`.
//!
//! Rejected with a reason: essay, description, cloze and every other type; matching
//! distractors. Ignored: the catch-all answer `*` (reported), numerical units, embedded
//! `<file>`s, shuffle and numbering settings, combined feedback, hints and tags. HTML text is
//! kept (Markdown lets it through) but a text that is one `<p>` paragraph is unwrapped.
//!
//! Malformed XML gives an empty quiz and one problem with the line of the error. So does a
//! document type declaration: entities are never defined or fetched (only XML's five and
//! character references are resolved), and the document is bounded by
//! [`super::import::limits`] (bytes, lines, elements, questions).

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

use super::import::{IdAllocator, ImportProblem, ImportReport, LineIndex};
use super::model::{
    AcceptedAnswer, Choice, MatchPair, NumericAnswer, Question, QuestionKind, option_id,
};

/// Deeper documents are refused (a Moodle export nests about five levels).
const MAX_DEPTH: usize = 64;

/// Reads a Moodle XML export: the questions it could import and a problem for every one
/// it could not.
pub fn import_moodle_xml(src: &str) -> ImportReport {
    if let Err(problem) = super::import::check_source(src) {
        return ImportReport::refused(problem);
    }
    let mut report = ImportReport::default();
    let root = match parse_tree(src) {
        Ok(Some(root)) => root,
        Ok(None) => {
            report
                .problems
                .push(ImportProblem::new(1, "no <quiz> element found"));
            return report;
        }
        Err(problem) => {
            report.problems.push(problem);
            return report;
        }
    };
    if root.name != "quiz" {
        report.problems.push(ImportProblem::new(
            root.line,
            format!("expected <quiz> as the root element, found <{}>", root.name),
        ));
        return report;
    }
    let mut ids = IdAllocator::default();
    let mut found = false;
    for (n, element) in root.elements("question").enumerate() {
        found = true;
        let line = element.line;
        if n == super::import::limits::MAX_QUESTIONS {
            report
                .problems
                .push(super::import::too_many_questions(line));
            break;
        }
        let parsed = match read_question(element, &mut report.problems) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => continue,
            Err(problem) => {
                report.problems.push(problem);
                continue;
            }
        };
        let messages = parsed.question.problem_messages();
        if !messages.is_empty() {
            report
                .problems
                .push(ImportProblem::new(line, messages.join("; ")));
            continue;
        }
        let mut question = parsed.question;
        question.id = match parsed.idnumber {
            Some(id) => {
                if !ids.claim(&id) {
                    report.problems.push(ImportProblem::new(
                        line,
                        format!("duplicate question id \"{id}\""),
                    ));
                    continue;
                }
                id
            }
            None => ids.next(question.title.as_deref()),
        };
        report.quiz.questions.push(question);
    }
    if !found {
        report
            .problems
            .push(ImportProblem::new(root.line, "no questions found"));
    }
    report.cap_problems()
}

// ---------------------------------------------------------------------------------------
// A small element tree

#[derive(Debug)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Node>,
    /// 1-based line of the start tag.
    line: usize,
}

#[derive(Debug)]
enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    fn new(start: &BytesStart<'_>, line: usize) -> Result<Self, ImportProblem> {
        let name = start.local_name().as_ref().to_string();
        let mut attributes = Vec::new();
        for attribute in start.attributes() {
            let attribute =
                attribute.map_err(|e| ImportProblem::new(line, format!("malformed XML: {e}")))?;
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| ImportProblem::new(line, format!("malformed XML: {e}")))?;
            attributes.push((
                attribute.key.local_name().as_ref().to_string(),
                value.into_owned(),
            ));
        }
        Ok(Self {
            name,
            attributes,
            children: Vec::new(),
            line,
        })
    }

    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn elements<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter_map(move |n| match n {
            Node::Element(e) if e.name == name => Some(e),
            _ => None,
        })
    }

    fn element(&self, name: &str) -> Option<&Element> {
        self.children.iter().find_map(|n| match n {
            Node::Element(e) if e.name == name => Some(e),
            _ => None,
        })
    }

    /// All the text inside, trimmed.
    fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out.trim().to_string()
    }

    fn collect_text(&self, out: &mut String) {
        for child in &self.children {
            match child {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.collect_text(out),
            }
        }
    }

    /// The text of `<name><text>...</text></name>`, with a lone `<p>` unwrapped;
    /// `None` when absent or empty.
    fn text_field(&self, name: &str) -> Option<String> {
        self.element(name).and_then(Element::own_text)
    }

    /// The text of this element's `<text>` child, with a lone `<p>` unwrapped.
    fn own_text(&self) -> Option<String> {
        self.element("text")
            .map(|t| unwrap_paragraph(&t.text()))
            .filter(|t| !t.is_empty())
    }
}

/// `<p dir="ltr">Hà Nội</p>` → `Hà Nội`; anything else is returned as it is.
fn unwrap_paragraph(html: &str) -> String {
    let t = html.trim();
    if let Some(inner) = t
        .strip_prefix("<p")
        .filter(|r| r.starts_with('>') || r.starts_with(' '))
        .and_then(|r| r.split_once('>'))
        .map(|(_, r)| r)
        .and_then(|r| r.strip_suffix("</p>"))
        && !inner.contains("<p")
        && !inner.contains("</p>")
    {
        return inner.trim().to_string();
    }
    t.to_string()
}

/// Parses the document into elements; `Ok(None)` when it has no element at all.
fn parse_tree(src: &str) -> Result<Option<Element>, ImportProblem> {
    let lines = LineIndex::new(src);
    let line_at = |pos: u64| lines.line(usize::try_from(pos).unwrap_or(usize::MAX));
    let mut reader = Reader::from_str(src);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    loop {
        let position = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                return Err(ImportProblem::new(
                    line_at(reader.error_position()),
                    format!("malformed XML: {e}"),
                ));
            }
        };
        let line = line_at(position);
        if matches!(event, Event::Start(_) | Event::Empty(_)) {
            elements += 1;
            if elements > super::import::limits::MAX_ELEMENTS {
                return Err(ImportProblem::new(
                    line,
                    format!(
                        "the document has more than {} elements; split it into smaller quizzes",
                        super::import::limits::MAX_ELEMENTS
                    ),
                ));
            }
        }
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ImportProblem::new(line, "malformed XML: nested too deeply"));
                }
                stack.push(Element::new(&start, line)?);
            }
            Event::Empty(start) => {
                let element = Element::new(&start, line)?;
                attach(&mut stack, &mut root, element, line)?;
            }
            Event::End(_) => {
                if let Some(element) = stack.pop() {
                    attach(&mut stack, &mut root, element, line)?;
                }
            }
            Event::Text(text) => push_text(&mut stack, &text.xml10_content()),
            Event::CData(data) => push_text(&mut stack, &data.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name: &str = &reference;
                        match resolve_predefined_entity(name) {
                            Some(s) => s.to_string(),
                            // HTML entities such as &nbsp; stay as written: the text is HTML.
                            None => format!("&{name};"),
                        }
                    }
                    Err(e) => {
                        return Err(ImportProblem::new(line, format!("malformed XML: {e}")));
                    }
                };
                push_text(&mut stack, &resolved);
            }
            Event::Eof => break,
            Event::DocType(_) => {
                return Err(ImportProblem::new(
                    line,
                    "a document type declaration (<!DOCTYPE>) is not accepted: Moodle exports have none, and its entities are never expanded",
                ));
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(ImportProblem::new(
            open.line,
            format!("malformed XML: <{}> is never closed", open.name),
        ));
    }
    Ok(root)
}

fn attach(
    stack: &mut [Element],
    root: &mut Option<Element>,
    element: Element,
    line: usize,
) -> Result<(), ImportProblem> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(element)),
        None if root.is_none() => *root = Some(element),
        None => {
            return Err(ImportProblem::new(
                line,
                "malformed XML: more than one root element",
            ));
        }
    }
    Ok(())
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(Node::Text(text.to_string()));
    }
}

// ---------------------------------------------------------------------------------------
// Questions

struct Parsed {
    question: Question,
    idnumber: Option<String>,
}

/// `Ok(None)` for what is skipped on purpose (categories).
fn read_question(
    q: &Element,
    notes: &mut Vec<ImportProblem>,
) -> Result<Option<Parsed>, ImportProblem> {
    let line = q.line;
    let reject = |message: &str| Err(ImportProblem::new(line, message));
    let kind = match q.attribute("type") {
        None => return reject("a <question> without a type attribute"),
        Some("category") => return Ok(None),
        Some("multichoice") => read_multichoice(q)?,
        Some("truefalse") => read_truefalse(q)?,
        Some("shortanswer") => read_shortanswer(q, notes)?,
        Some("numerical") => read_numerical(q, notes)?,
        Some("matching") => read_matching(q)?,
        Some("essay") => return reject(super::gift::ESSAY_REASON),
        Some("description") => {
            return reject("not supported: description questions have nothing to grade");
        }
        Some("cloze" | "multianswer") => {
            return reject("not supported: embedded-answer (cloze) questions");
        }
        Some(other) => {
            return Err(ImportProblem::new(
                line,
                format!("not supported: question type \"{other}\""),
            ));
        }
    };
    let points = match q.element("defaultgrade").map(Element::text) {
        None => 1.0,
        Some(raw) => match raw.parse::<f64>() {
            Ok(p) if p.is_finite() => p,
            _ => {
                return Err(ImportProblem::new(
                    line,
                    format!("bad <defaultgrade> \"{raw}\": expected a number"),
                ));
            }
        },
    };
    Ok(Some(Parsed {
        question: Question {
            id: "pending".into(),
            title: q.text_field("name"),
            text: q.text_field("questiontext").unwrap_or_default(),
            kind,
            general_feedback: q.text_field("generalfeedback"),
            points,
        },
        idnumber: q
            .element("idnumber")
            .map(Element::text)
            .filter(|s| !s.is_empty()),
    }))
}

/// An `<answer>`: its text, `fraction` (percent) and feedback.
struct RawAnswer {
    text: String,
    weight: f64,
    feedback: Option<String>,
    line: usize,
}

fn answers(q: &Element) -> Result<Vec<RawAnswer>, ImportProblem> {
    q.elements("answer")
        .map(|a| {
            let raw = a.attribute("fraction").unwrap_or("0").trim();
            let weight = match raw.parse::<f64>() {
                Ok(w) if w.is_finite() => w,
                _ => {
                    return Err(ImportProblem::new(
                        a.line,
                        format!("bad fraction \"{raw}\": expected a percentage"),
                    ));
                }
            };
            Ok(RawAnswer {
                text: a.own_text().unwrap_or_default(),
                weight,
                feedback: a.text_field("feedback"),
                line: a.line,
            })
        })
        .collect()
}

fn read_multichoice(q: &Element) -> Result<QuestionKind, ImportProblem> {
    let single = q
        .element("single")
        .map(|s| s.text().to_ascii_lowercase())
        .is_none_or(|s| s == "true" || s == "1");
    let options = answers(q)?
        .into_iter()
        .enumerate()
        .map(|(i, a)| Choice {
            id: option_id(i),
            text: a.text,
            weight: a.weight,
            feedback: a.feedback,
        })
        .collect();
    Ok(if single {
        QuestionKind::SingleChoice { options }
    } else {
        QuestionKind::MultipleChoice { options }
    })
}

fn read_truefalse(q: &Element) -> Result<QuestionKind, ImportProblem> {
    let all = answers(q)?;
    let find = |value: &str| {
        all.iter()
            .find(|a| a.text.trim().eq_ignore_ascii_case(value))
    };
    let (Some(t), Some(f)) = (find("true"), find("false")) else {
        return Err(ImportProblem::new(
            q.line,
            "a true/false question needs the answers \"true\" and \"false\"",
        ));
    };
    let answer = match (t.weight == 100.0, f.weight == 100.0) {
        (true, false) => true,
        (false, true) => false,
        _ => {
            return Err(ImportProblem::new(
                q.line,
                "a true/false question needs exactly one of \"true\" and \"false\" with fraction 100",
            ));
        }
    };
    Ok(QuestionKind::TrueFalse {
        answer,
        feedback_true: t.feedback.clone(),
        feedback_false: f.feedback.clone(),
    })
}

/// Drops Moodle's catch-all answer `*` (feedback for anything else), with a note.
fn without_catch_all(all: Vec<RawAnswer>, notes: &mut Vec<ImportProblem>) -> Vec<RawAnswer> {
    all.into_iter()
        .filter(|a| {
            if a.text.trim() == "*" {
                notes.push(ImportProblem::new(
                    a.line,
                    "ignored: the catch-all answer * is not supported",
                ));
                false
            } else {
                true
            }
        })
        .collect()
}

fn read_shortanswer(
    q: &Element,
    notes: &mut Vec<ImportProblem>,
) -> Result<QuestionKind, ImportProblem> {
    let case_sensitive = q
        .element("usecase")
        .is_some_and(|u| matches!(u.text().as_str(), "1" | "true"));
    let answers = without_catch_all(answers(q)?, notes)
        .into_iter()
        .map(|a| {
            if a.text.contains('*') {
                notes.push(ImportProblem::new(
                    a.line,
                    "wildcards (*) are not supported: the answer is compared as written",
                ));
            }
            AcceptedAnswer {
                text: a.text,
                weight: a.weight,
                feedback: a.feedback,
            }
        })
        .collect();
    Ok(QuestionKind::ShortAnswer {
        answers,
        ignore_case: !case_sensitive,
        ignore_diacritics: false,
    })
}

fn read_numerical(
    q: &Element,
    notes: &mut Vec<ImportProblem>,
) -> Result<QuestionKind, ImportProblem> {
    let mut out = Vec::new();
    let raw_answers: Vec<(RawAnswer, Option<String>)> = {
        let tolerances: Vec<Option<String>> = q
            .elements("answer")
            .map(|a| a.element("tolerance").map(Element::text))
            .collect();
        answers(q)?.into_iter().zip(tolerances).collect()
    };
    for (a, tolerance) in raw_answers {
        if a.text.trim() == "*" {
            notes.push(ImportProblem::new(
                a.line,
                "ignored: the catch-all answer * is not supported",
            ));
            continue;
        }
        let value = parse_number(&a.text, a.line)?;
        let tolerance = match tolerance.as_deref().map(str::trim) {
            None | Some("") => 0.0,
            Some(t) => parse_number(t, a.line)?.abs(),
        };
        out.push(NumericAnswer::exact(value, tolerance, a.weight, a.feedback));
    }
    Ok(QuestionKind::Numeric { answers: out })
}

fn parse_number(s: &str, line: usize) -> Result<f64, ImportProblem> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(ImportProblem::new(
            line,
            format!("bad number \"{}\" in a numerical answer", s.trim()),
        )),
    }
}

fn read_matching(q: &Element) -> Result<QuestionKind, ImportProblem> {
    let mut pairs = Vec::new();
    for (i, sub) in q.elements("subquestion").enumerate() {
        let prompt = sub.own_text().unwrap_or_default();
        let answer = sub
            .element("answer")
            .and_then(Element::own_text)
            .unwrap_or_default();
        if prompt.is_empty() {
            return Err(ImportProblem::new(
                sub.line,
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

#[cfg(test)]
mod tests;
