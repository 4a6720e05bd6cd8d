//! What the importers (GIFT, Moodle XML) share: the report they return and the rule that
//! names questions.
//!
//! Question ids come from the title: slugified (ASCII, Vietnamese diacritics folded, `đ`
//! → `d`, other characters → `-`), and deduplicated with `-2`, `-3`... A question without
//! a usable title is `q{n}`, `n` counting the imported questions from 1. Give questions
//! titles (or explicit ids: GIFT `// [id:...]`, Moodle `<idnumber>`) to keep their ids
//! stable when questions are added or removed.
//!
//! Both importers read files trainers send, so both are bounded by [`limits`]: a source past
//! its size or line limit is refused whole ([`check_source`]) before it is parsed; past the
//! question limit the rest is not read; past the problem limit the rest is counted.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::model::Quiz;
use crate::text::fold;

/// How large a quiz source (GIFT or Moodle XML) may be.
pub mod limits {
    /// Bytes of the source text.
    pub const MAX_SOURCE_BYTES: usize = 1024 * 1024;
    /// Lines of the source text.
    pub const MAX_LINES: usize = 50_000;
    /// Questions read from one source (a module's quiz has a handful; a bank drawn from,
    /// a few hundred).
    pub const MAX_QUESTIONS: usize = 1_000;
    /// Problems reported one by one; past this they are only counted.
    pub const MAX_PROBLEMS: usize = 200;
    /// Moodle XML: elements in the document.
    pub const MAX_ELEMENTS: usize = 200_000;
}

/// Refuses a source past [`limits::MAX_SOURCE_BYTES`] or [`limits::MAX_LINES`], with the
/// line where the limit is passed; the importers call it first, and the HTTP layer too, to
/// refuse the request as a whole (422).
pub fn check_source(src: &str) -> Result<(), ImportProblem> {
    use limits::*;
    if src.len() > MAX_SOURCE_BYTES {
        return Err(ImportProblem::new(
            1,
            format!(
                "the quiz is larger than {} KiB; split it into smaller quizzes",
                MAX_SOURCE_BYTES / 1024
            ),
        ));
    }
    if src.lines().nth(MAX_LINES).is_some() {
        return Err(ImportProblem::new(
            MAX_LINES + 1,
            format!("the quiz has more than {MAX_LINES} lines; split it into smaller quizzes"),
        ));
    }
    Ok(())
}

/// The problem that ends reading at the first question past [`limits::MAX_QUESTIONS`].
pub(crate) fn too_many_questions(line: usize) -> ImportProblem {
    ImportProblem::new(
        line,
        format!(
            "more than {} questions: the rest of the file was not read; split it into smaller quizzes",
            limits::MAX_QUESTIONS
        ),
    )
}

impl ImportReport {
    /// A report of one problem: the source was not read.
    pub(crate) fn refused(problem: ImportProblem) -> Self {
        Self {
            quiz: Quiz::default(),
            problems: vec![problem],
        }
    }

    /// Keeps the first [`limits::MAX_PROBLEMS`] problems and counts the rest in one more.
    pub(crate) fn cap_problems(mut self) -> Self {
        let max = limits::MAX_PROBLEMS;
        if self.problems.len() > max {
            let more = self.problems.len() - max;
            let line = self.problems[max].line;
            self.problems.truncate(max);
            self.problems.push(ImportProblem::new(
                line,
                format!("and {more} more problems from this line on"),
            ));
        }
        self
    }
}

/// The questions that could be imported, and why the others could not.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ImportReport {
    pub quiz: Quiz,
    pub problems: Vec<ImportProblem>,
}

/// A question that was rejected (or a part of the file that was ignored), and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProblem {
    /// 1-based: the line where the question starts, or the exact line of a syntax error.
    pub line: usize,
    pub message: String,
}

impl ImportProblem {
    pub(crate) fn new(line: usize, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

/// `"Quyền con người (1)"` → `"quyen-con-nguoi-1"`; empty when nothing is left.
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    let mut dash = false;
    for c in fold(title).chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !slug.is_empty() {
                slug.push('-');
            }
            dash = false;
            slug.push(c);
        } else {
            dash = true;
        }
    }
    slug
}

/// Hands out question ids in import order.
#[derive(Debug, Default)]
pub(crate) struct IdAllocator {
    used: HashSet<String>,
    count: usize,
}

impl IdAllocator {
    /// The id of the next imported question, from its title (or `q{n}`), made unique.
    pub(crate) fn next(&mut self, title: Option<&str>) -> String {
        self.count += 1;
        let base = title
            .map(slugify)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("q{}", self.count));
        let mut id = base.clone();
        let mut n = 1;
        while self.used.contains(&id) {
            n += 1;
            id = format!("{base}-{n}");
        }
        self.used.insert(id.clone());
        id
    }

    /// Takes an id given explicitly in the file (GIFT `[id:...]`, Moodle `<idnumber>`);
    /// `false` when it is already taken.
    pub(crate) fn claim(&mut self, id: &str) -> bool {
        if self.used.contains(id) {
            return false;
        }
        self.count += 1;
        self.used.insert(id.to_string());
        true
    }
}

/// Line starts of `src`, for turning byte offsets into 1-based line numbers.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    /// The 1-based line holding byte `offset`.
    pub(crate) fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii() {
        assert_eq!(slugify("Quyền con người (1)"), "quyen-con-nguoi-1");
        assert_eq!(slugify("  Điều 19 — ICCPR  "), "dieu-19-iccpr");
        assert_eq!(slugify("***"), "");
    }

    #[test]
    fn ids_are_deduplicated() {
        let mut ids = IdAllocator::default();
        assert_eq!(ids.next(Some("Câu hỏi")), "cau-hoi");
        assert_eq!(ids.next(Some("Câu  HỎI")), "cau-hoi-2");
        assert_eq!(ids.next(None), "q3");
        assert_eq!(ids.next(Some("!!")), "q4");
        assert_eq!(ids.next(Some("q4")), "q4-2");
        assert_eq!(ids.next(Some("cau hoi")), "cau-hoi-3");
        assert!(ids.claim("bai-1"));
        assert!(!ids.claim("bai-1"));
        assert!(!ids.claim("q3"));
        assert_eq!(ids.next(None), "q8");
    }

    #[test]
    fn sources_past_the_limits_are_refused_with_the_line() {
        assert!(check_source(&"a\n".repeat(limits::MAX_LINES)).is_ok());
        let p = check_source(&"a\n".repeat(limits::MAX_LINES + 1)).unwrap_err();
        assert_eq!(p.line, limits::MAX_LINES + 1);
        assert!(p.message.contains("more than 50000 lines"), "{}", p.message);
        let p = check_source(&"a".repeat(limits::MAX_SOURCE_BYTES + 1)).unwrap_err();
        assert_eq!(
            p.message,
            "the quiz is larger than 1024 KiB; split it into smaller quizzes"
        );
    }

    #[test]
    fn problems_past_the_limit_are_counted() {
        let report = ImportReport {
            quiz: Quiz::default(),
            problems: (1..=250).map(|l| ImportProblem::new(l, "bad")).collect(),
        }
        .cap_problems();
        assert_eq!(report.problems.len(), limits::MAX_PROBLEMS + 1);
        assert_eq!(
            report.problems.last().unwrap(),
            &ImportProblem::new(201, "and 50 more problems from this line on")
        );
    }

    #[test]
    fn line_index() {
        let idx = LineIndex::new("ab\ncd\n\nef");
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(2), 1);
        assert_eq!(idx.line(3), 2);
        assert_eq!(idx.line(6), 3);
        assert_eq!(idx.line(7), 4);
        assert_eq!(idx.line(100), 4);
    }
}
