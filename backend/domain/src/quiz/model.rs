//! The quiz as trainers write it: questions, their kinds, the weights of their answers and
//! the feedback, plus the rules a quiz must satisfy before learners may take it
//! ([`Quiz::validate`]). This is the full, secret form: what a learner may see is
//! [`super::learner::LearnerQuestion`].
//!
//! Weights are percentages of the question's points: 100 is a full answer, 50 half of it,
//! negative weights (multiple choice only) take credit away.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// Tolerance on "the positive weights of a multiple-choice question add up to 100".
pub const WEIGHT_SUM_TOLERANCE: f64 = 0.5;

/// A quiz attached to a module: its questions and how many of them one attempt draws.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Quiz {
    pub questions: Vec<Question>,
    /// Draw this many questions (at random) per attempt; `None` means all of them.
    #[serde(default)]
    pub draw: Option<usize>,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Stable and unique within the quiz: the slugified GIFT `::title::`, else `q1`, `q2`...
    pub id: String,
    /// The trainer's name for the question (GIFT `::title::`, Moodle `<name>`); not shown
    /// to learners.
    #[serde(default)]
    pub title: Option<String>,
    /// The question itself, in Markdown.
    pub text: String,
    pub kind: QuestionKind,
    /// Shown to every learner after submission, whatever they answered.
    #[serde(default)]
    pub general_feedback: Option<String>,
    /// What a fully right answer is worth.
    #[serde(default = "default_points")]
    pub points: f64,
}

fn default_points() -> f64 {
    1.0
}

/// The kind of a question and its secret part: options with weights, accepted answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// Pick one option. Exactly one option has weight 100; the others may give partial
    /// credit (0..100) or none.
    SingleChoice { options: Vec<Choice> },
    /// Pick any number of options. See [`QuestionKind::multiple_choice`] for the scoring
    /// rule: score = sum of the weights of the selected options, clamped to 0..=100 %.
    MultipleChoice { options: Vec<Choice> },
    /// A statement that is true or false.
    TrueFalse {
        answer: bool,
        /// Shown to a learner who answered "true".
        #[serde(default)]
        feedback_true: Option<String>,
        /// Shown to a learner who answered "false".
        #[serde(default)]
        feedback_false: Option<String>,
    },
    /// Type a word or phrase; the best matching accepted answer gives its weight.
    ShortAnswer {
        answers: Vec<AcceptedAnswer>,
        /// Compare lowercased ("Hà Nội" = "hà nội").
        #[serde(default)]
        ignore_case: bool,
        /// Compare without diacritics and case ("Hà Nội" = "ha noi"); implies `ignore_case`.
        #[serde(default)]
        ignore_diacritics: bool,
    },
    /// Type a number; the best matching answer (value ± tolerance, or range) gives its weight.
    Numeric { answers: Vec<NumericAnswer> },
    /// Match each prompt with its answer; the score is the fraction of pairs matched right.
    Matching { pairs: Vec<MatchPair> },
}

/// An option of a choice question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// "a", "b", ... in authoring order; stable across shuffles.
    pub id: String,
    pub text: String,
    /// Percent of the question's points, -100..=100.
    pub weight: f64,
    #[serde(default)]
    pub feedback: Option<String>,
}

/// An accepted answer of a short-answer question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptedAnswer {
    pub text: String,
    /// Percent of the question's points, 0..=100.
    pub weight: f64,
    #[serde(default)]
    pub feedback: Option<String>,
}

/// An accepted answer of a numeric question: `value ± tolerance`, or inside `range` when set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericAnswer {
    pub value: f64,
    /// Absolute tolerance, ≥ 0.
    #[serde(default)]
    pub tolerance: f64,
    /// Inclusive range; when set it decides alone (importers then set `value` to its
    /// midpoint and `tolerance` to half its width, as Moodle does).
    #[serde(default)]
    pub range: Option<(f64, f64)>,
    /// Percent of the question's points, 0..=100.
    pub weight: f64,
    #[serde(default)]
    pub feedback: Option<String>,
}

impl NumericAnswer {
    /// `value ± tolerance`.
    pub fn exact(value: f64, tolerance: f64, weight: f64, feedback: Option<String>) -> Self {
        Self {
            value,
            tolerance,
            range: None,
            weight,
            feedback,
        }
    }

    /// Anything in `min..=max`; `value`/`tolerance` are set to the midpoint and half-width.
    pub fn range(min: f64, max: f64, weight: f64, feedback: Option<String>) -> Self {
        Self {
            value: (min + max) / 2.0,
            tolerance: (max - min) / 2.0,
            range: Some((min, max)),
            weight,
            feedback,
        }
    }
}

/// One pair of a matching question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchPair {
    /// "a", "b", ... in authoring order.
    pub id: String,
    pub prompt: String,
    pub answer: String,
}

/// Something wrong with a quiz, tied to a question when it is about one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizProblem {
    /// Empty for problems of the quiz as a whole (no questions, bad `draw`).
    pub question_id: String,
    pub message: String,
}

/// Option ids in authoring order: a, b, ..., z, aa, ab, ...
pub fn option_id(index: usize) -> String {
    let mut n = index;
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

impl QuestionKind {
    /// A multiple-choice question from "these options are correct", with the platform's
    /// partial-credit rule: with `k` correct options, each correct option weighs `100/k`
    /// and each incorrect option `-100/k`.
    ///
    /// A learner's score is the sum of the weights of the options they selected, clamped
    /// to 0..=100 %. So all correct options and nothing else scores 100 %, each missing
    /// correct option or extra incorrect one costs `100/k`, and selecting every option
    /// scores 0 (guessing "all of them" earns nothing). Option ids are a, b, c... in order.
    pub fn multiple_choice<S: Into<String>>(options: impl IntoIterator<Item = (S, bool)>) -> Self {
        let options: Vec<(String, bool)> =
            options.into_iter().map(|(t, c)| (t.into(), c)).collect();
        let k = options.iter().filter(|(_, correct)| *correct).count();
        let unit = if k == 0 { 0.0 } else { 100.0 / k as f64 };
        let options = options
            .into_iter()
            .enumerate()
            .map(|(i, (text, correct))| Choice {
                id: option_id(i),
                text,
                weight: if correct { unit } else { -unit },
                feedback: None,
            })
            .collect();
        QuestionKind::MultipleChoice { options }
    }

    /// A single-choice question: the option at `correct` weighs 100, the others 0.
    pub fn single_choice<S: Into<String>>(
        options: impl IntoIterator<Item = S>,
        correct: usize,
    ) -> Self {
        let options = options
            .into_iter()
            .enumerate()
            .map(|(i, text)| Choice {
                id: option_id(i),
                text: text.into(),
                weight: if i == correct { 100.0 } else { 0.0 },
                feedback: None,
            })
            .collect();
        QuestionKind::SingleChoice { options }
    }

    /// The snake_case name used in JSON (`"single_choice"`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            QuestionKind::SingleChoice { .. } => "single_choice",
            QuestionKind::MultipleChoice { .. } => "multiple_choice",
            QuestionKind::TrueFalse { .. } => "true_false",
            QuestionKind::ShortAnswer { .. } => "short_answer",
            QuestionKind::Numeric { .. } => "numeric",
            QuestionKind::Matching { .. } => "matching",
        }
    }
}

impl Quiz {
    /// Every problem that keeps this quiz from being taken; empty when it is fine.
    pub fn validate(&self) -> Vec<QuizProblem> {
        let mut problems = Vec::new();
        if self.questions.is_empty() {
            problems.push(QuizProblem {
                question_id: String::new(),
                message: "the quiz has no questions".into(),
            });
        }
        let mut seen = HashSet::new();
        for q in &self.questions {
            if !q.id.is_empty() && !seen.insert(q.id.as_str()) {
                problems.push(QuizProblem {
                    question_id: q.id.clone(),
                    message: format!("duplicate question id \"{}\"", q.id),
                });
            }
            problems.extend(q.validate());
        }
        match self.draw {
            Some(0) => problems.push(QuizProblem {
                question_id: String::new(),
                message: "draw must be at least 1".into(),
            }),
            Some(n) if n > self.questions.len() => problems.push(QuizProblem {
                question_id: String::new(),
                message: format!(
                    "draw is {n} but the quiz has only {} questions",
                    self.questions.len()
                ),
            }),
            _ => {}
        }
        problems
    }
}

impl Question {
    /// Every problem of this one question; empty when it is fine.
    pub fn validate(&self) -> Vec<QuizProblem> {
        self.problem_messages()
            .into_iter()
            .map(|message| QuizProblem {
                question_id: self.id.clone(),
                message,
            })
            .collect()
    }

    /// The messages of [`Question::validate`], for importers that attach line numbers.
    pub(crate) fn problem_messages(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.id.trim().is_empty() {
            p.push("the question has no id".to_string());
        }
        if self.text.trim().is_empty() {
            p.push("the question text is empty".to_string());
        }
        if !self.points.is_finite() || self.points <= 0.0 {
            p.push(format!(
                "points must be a positive number, not {}",
                self.points
            ));
        }
        match &self.kind {
            QuestionKind::SingleChoice { options } => {
                check_choices(options, &mut p);
                let full = options.iter().filter(|o| o.weight == 100.0).count();
                if full != 1 {
                    p.push(format!(
                        "a single-choice question needs exactly one correct option (weight 100), found {full}"
                    ));
                }
            }
            QuestionKind::MultipleChoice { options } => {
                check_choices(options, &mut p);
                let positive: f64 = options.iter().map(|o| o.weight).filter(|w| *w > 0.0).sum();
                if (positive - 100.0).abs() > WEIGHT_SUM_TOLERANCE {
                    p.push(format!(
                        "the positive weights of a multiple-choice question must add up to 100 %, they add up to {positive} %"
                    ));
                }
            }
            QuestionKind::TrueFalse { .. } => {}
            QuestionKind::ShortAnswer { answers, .. } => {
                if answers.is_empty() {
                    p.push("a short-answer question needs at least one accepted answer".into());
                }
                for a in answers {
                    if a.text.trim().is_empty() {
                        p.push("an accepted answer is empty".into());
                    }
                    check_weight(a.weight, 0.0, &mut p);
                }
                if !answers.is_empty() && !answers.iter().any(|a| a.weight == 100.0) {
                    p.push(
                        "a short-answer question needs an accepted answer with weight 100".into(),
                    );
                }
            }
            QuestionKind::Numeric { answers } => {
                if answers.is_empty() {
                    p.push("a numeric question needs at least one answer".into());
                }
                for a in answers {
                    check_weight(a.weight, 0.0, &mut p);
                    match a.range {
                        Some((min, max)) => {
                            if !min.is_finite() || !max.is_finite() || min > max {
                                p.push(format!("bad numeric range {min}..{max}"));
                            }
                        }
                        None => {
                            if !a.value.is_finite() {
                                p.push(format!("bad numeric answer {}", a.value));
                            }
                            if !a.tolerance.is_finite() || a.tolerance < 0.0 {
                                p.push(format!("bad numeric tolerance {}", a.tolerance));
                            }
                        }
                    }
                }
                if !answers.is_empty() && !answers.iter().any(|a| a.weight == 100.0) {
                    p.push("a numeric question needs an answer with weight 100".into());
                }
            }
            QuestionKind::Matching { pairs } => {
                if pairs.len() < 2 {
                    p.push(format!(
                        "a matching question needs at least 2 pairs, found {}",
                        pairs.len()
                    ));
                }
                let mut ids = HashSet::new();
                let mut prompts = HashSet::new();
                for pair in pairs {
                    if !ids.insert(pair.id.as_str()) {
                        p.push(format!("duplicate pair id \"{}\"", pair.id));
                    }
                    if pair.prompt.trim().is_empty() || pair.answer.trim().is_empty() {
                        p.push("a matching pair has an empty prompt or answer".into());
                    }
                    if !prompts.insert(pair.prompt.trim()) {
                        p.push(format!(
                            "duplicate matching prompt \"{}\"",
                            pair.prompt.trim()
                        ));
                    }
                }
            }
        }
        p
    }
}

fn check_choices(options: &[Choice], p: &mut Vec<String>) {
    if options.len() < 2 {
        p.push(format!(
            "a choice question needs at least 2 options, found {}",
            options.len()
        ));
    }
    let mut ids = HashSet::new();
    for o in options {
        if !ids.insert(o.id.as_str()) {
            p.push(format!("duplicate option id \"{}\"", o.id));
        }
        if o.text.trim().is_empty() {
            p.push(format!("option \"{}\" has no text", o.id));
        }
        check_weight(o.weight, -100.0, p);
    }
}

fn check_weight(weight: f64, min: f64, p: &mut Vec<String>) {
    if !weight.is_finite() || weight < min || weight > 100.0 {
        p.push(format!("weight {weight} % is outside {min}..=100"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(id: &str, kind: QuestionKind) -> Question {
        Question {
            id: id.into(),
            title: None,
            text: "Câu hỏi?".into(),
            kind,
            general_feedback: None,
            points: 1.0,
        }
    }

    fn messages(quiz: &Quiz) -> Vec<String> {
        quiz.validate().into_iter().map(|p| p.message).collect()
    }

    #[test]
    fn option_ids_are_letters() {
        assert_eq!(option_id(0), "a");
        assert_eq!(option_id(25), "z");
        assert_eq!(option_id(26), "aa");
        assert_eq!(option_id(27), "ab");
        assert_eq!(option_id(26 + 26 * 26), "aaa");
    }

    #[test]
    fn multiple_choice_helper_spreads_weights() {
        let kind =
            QuestionKind::multiple_choice([("A", true), ("B", false), ("C", true), ("D", false)]);
        let QuestionKind::MultipleChoice { options } = &kind else {
            panic!("not multiple choice")
        };
        let weights: Vec<f64> = options.iter().map(|o| o.weight).collect();
        assert_eq!(weights, vec![50.0, -50.0, 50.0, -50.0]);
        assert_eq!(options[2].id, "c");
        let quiz = Quiz {
            questions: vec![question("q1", kind)],
            draw: None,
        };
        assert!(quiz.validate().is_empty());
        // Three correct options: 100/3 each still validates.
        let kind =
            QuestionKind::multiple_choice([("A", true), ("B", true), ("C", true), ("D", false)]);
        assert!(question("q1", kind).validate().is_empty());
    }

    #[test]
    fn serde_uses_snake_case_tags() {
        let q = question("q1", QuestionKind::single_choice(["Có", "Không"], 0));
        let json = serde_json::to_value(&q).unwrap_or_default();
        assert_eq!(json["kind"]["type"], "single_choice");
        assert_eq!(json["kind"]["options"][0]["id"], "a");
        let back: Question = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, q);
        // points defaults to 1.
        let q: Question = serde_json::from_str(
            r#"{"id":"x","text":"t","kind":{"type":"true_false","answer":true}}"#,
        )
        .expect("deserialises");
        assert_eq!(q.points, 1.0);
    }

    #[test]
    fn a_valid_quiz_has_no_problems() {
        let quiz = Quiz {
            questions: vec![
                question("q1", QuestionKind::single_choice(["a", "b"], 1)),
                question(
                    "q2",
                    QuestionKind::TrueFalse {
                        answer: true,
                        feedback_true: None,
                        feedback_false: None,
                    },
                ),
                question(
                    "q3",
                    QuestionKind::ShortAnswer {
                        answers: vec![AcceptedAnswer {
                            text: "Hà Nội".into(),
                            weight: 100.0,
                            feedback: None,
                        }],
                        ignore_case: true,
                        ignore_diacritics: false,
                    },
                ),
                question(
                    "q4",
                    QuestionKind::Numeric {
                        answers: vec![NumericAnswer::range(1.0, 5.0, 100.0, None)],
                    },
                ),
                question(
                    "q5",
                    QuestionKind::Matching {
                        pairs: vec![
                            MatchPair {
                                id: "a".into(),
                                prompt: "1948".into(),
                                answer: "UDHR".into(),
                            },
                            MatchPair {
                                id: "b".into(),
                                prompt: "1966".into(),
                                answer: "ICCPR".into(),
                            },
                        ],
                    },
                ),
            ],
            draw: Some(3),
        };
        assert_eq!(quiz.validate(), vec![]);
    }

    #[test]
    fn finds_every_problem() {
        let empty = Quiz::default();
        assert_eq!(messages(&empty), vec!["the quiz has no questions"]);

        let bad_single = QuestionKind::SingleChoice {
            options: vec![
                Choice {
                    id: "a".into(),
                    text: "x".into(),
                    weight: 100.0,
                    feedback: None,
                },
                Choice {
                    id: "b".into(),
                    text: " ".into(),
                    weight: 100.0,
                    feedback: None,
                },
            ],
        };
        let bad_multi = QuestionKind::MultipleChoice {
            options: vec![
                Choice {
                    id: "a".into(),
                    text: "x".into(),
                    weight: 50.0,
                    feedback: None,
                },
                Choice {
                    id: "a".into(),
                    text: "y".into(),
                    weight: 30.0,
                    feedback: None,
                },
            ],
        };
        let mut empty_text = question("q4", QuestionKind::single_choice(["a", "b"], 0));
        empty_text.text = "  ".into();
        let quiz = Quiz {
            questions: vec![
                question("q1", bad_single),
                question("q2", bad_multi),
                question(
                    "q3",
                    QuestionKind::ShortAnswer {
                        answers: vec![AcceptedAnswer {
                            text: "x".into(),
                            weight: 50.0,
                            feedback: None,
                        }],
                        ignore_case: true,
                        ignore_diacritics: false,
                    },
                ),
                empty_text,
                question("q4", QuestionKind::Numeric { answers: vec![] }),
                question(
                    "q6",
                    QuestionKind::Matching {
                        pairs: vec![MatchPair {
                            id: "a".into(),
                            prompt: "p".into(),
                            answer: "a".into(),
                        }],
                    },
                ),
                question(
                    "q7",
                    QuestionKind::Matching {
                        pairs: vec![
                            MatchPair {
                                id: "a".into(),
                                prompt: "p".into(),
                                answer: "a".into(),
                            },
                            MatchPair {
                                id: "b".into(),
                                prompt: "p".into(),
                                answer: "b".into(),
                            },
                        ],
                    },
                ),
            ],
            draw: Some(8),
        };
        let problems = quiz.validate();
        let of = |id: &str| -> Vec<String> {
            problems
                .iter()
                .filter(|p| p.question_id == id)
                .map(|p| p.message.clone())
                .collect()
        };
        assert_eq!(
            of("q1"),
            vec![
                "option \"b\" has no text",
                "a single-choice question needs exactly one correct option (weight 100), found 2"
            ]
        );
        assert_eq!(
            of("q2"),
            vec![
                "duplicate option id \"a\"",
                "the positive weights of a multiple-choice question must add up to 100 %, they add up to 80 %"
            ]
        );
        assert_eq!(
            of("q3"),
            vec!["a short-answer question needs an accepted answer with weight 100"]
        );
        assert_eq!(
            of("q4"),
            vec![
                "the question text is empty",
                "duplicate question id \"q4\"",
                "a numeric question needs at least one answer"
            ]
        );
        assert_eq!(
            of("q6"),
            vec!["a matching question needs at least 2 pairs, found 1"]
        );
        assert_eq!(of("q7"), vec!["duplicate matching prompt \"p\""]);
        let quiz_level: Vec<&str> = problems
            .iter()
            .filter(|p| p.question_id.is_empty())
            .map(|p| p.message.as_str())
            .collect();
        assert_eq!(
            quiz_level,
            vec!["draw is 8 but the quiz has only 7 questions"]
        );
    }

    #[test]
    fn weights_out_of_range_are_problems() {
        let q = question(
            "q1",
            QuestionKind::MultipleChoice {
                options: vec![
                    Choice {
                        id: "a".into(),
                        text: "x".into(),
                        weight: 100.0,
                        feedback: None,
                    },
                    Choice {
                        id: "b".into(),
                        text: "y".into(),
                        weight: -150.0,
                        feedback: None,
                    },
                ],
            },
        );
        let messages: Vec<String> = q.validate().into_iter().map(|p| p.message).collect();
        assert_eq!(messages, vec!["weight -150 % is outside -100..=100"]);
    }
}
