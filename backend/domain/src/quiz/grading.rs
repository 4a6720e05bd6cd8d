//! Grading on the server: a learner's [`Response`] to a [`Question`] becomes a
//! [`QuestionOutcome`] (score, points, feedback), and a whole attempt an
//! [`AttemptOutcome`]. Grading never fails: a missing response, or one of the wrong type,
//! scores 0.
//!
//! Rules:
//! - single choice: the chosen option's weight;
//! - multiple choice: the sum of the selected options' weights, clamped to 0..=100 %
//!   (see [`QuestionKind::multiple_choice`]);
//! - true/false: all or nothing;
//! - short answer: the best accepted answer that equals the response after trimming and
//!   folding whitespace, lowercased when `ignore_case`, also without diacritics when
//!   `ignore_diacritics`;
//! - numeric: the best answer whose `value ± tolerance` (or inclusive `range`) holds it;
//! - matching: the fraction of pairs matched right.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::model::{Question, QuestionKind};
use crate::text::{fold, fold_case};

/// Scores this close to 1 (or 0) are rounded to it, so 3 × 33.333… % is a full score.
const SCORE_EPSILON: f64 = 1e-9;

/// A learner's answer to one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    SingleChoice {
        option_id: String,
    },
    MultipleChoice {
        option_ids: Vec<String>,
    },
    TrueFalse {
        answer: bool,
    },
    ShortAnswer {
        text: String,
    },
    Numeric {
        value: f64,
    },
    /// Pair id → the answer text the learner chose for that pair's prompt.
    Matching {
        answers: BTreeMap<String, String>,
    },
}

/// The grade of one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionOutcome {
    pub question_id: String,
    /// Fraction of the points earned, 0..=1.
    pub score: f64,
    pub points_awarded: f64,
    pub points_possible: f64,
    /// True when the score is full.
    pub correct: bool,
    /// The feedback of what was chosen, then the question's general feedback.
    pub feedback: Vec<String>,
}

/// The grade of a whole attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptOutcome {
    /// `points / max_points` in percent (0 when there is nothing to score).
    pub score_percent: f64,
    pub points: f64,
    pub max_points: f64,
    /// One per question, in the order given.
    pub outcomes: Vec<QuestionOutcome>,
}

/// Grades one response (or its absence) to one question.
pub fn grade(question: &Question, response: Option<&Response>) -> QuestionOutcome {
    let mut feedback = Vec::new();
    let score = match response {
        Some(response) => score(&question.kind, response, &mut feedback),
        None => 0.0,
    };
    let score = normalise(score);
    if let Some(general) = &question.general_feedback {
        push_feedback(&mut feedback, Some(general));
    }
    let points_possible = if question.points.is_finite() && question.points > 0.0 {
        question.points
    } else {
        0.0
    };
    QuestionOutcome {
        question_id: question.id.clone(),
        score,
        points_awarded: score * points_possible,
        points_possible,
        correct: score == 1.0,
        feedback,
    }
}

/// Grades an attempt: every question, answered or not, keyed by question id.
pub fn grade_attempt(
    quiz_questions: &[Question],
    responses: &BTreeMap<String, Response>,
) -> AttemptOutcome {
    let outcomes: Vec<QuestionOutcome> = quiz_questions
        .iter()
        .map(|q| grade(q, responses.get(&q.id)))
        .collect();
    let points: f64 = outcomes.iter().map(|o| o.points_awarded).sum();
    let max_points: f64 = outcomes.iter().map(|o| o.points_possible).sum();
    let score_percent = if max_points > 0.0 {
        (points / max_points * 100.0).clamp(0.0, 100.0)
    } else {
        0.0
    };
    AttemptOutcome {
        score_percent,
        points,
        max_points,
        outcomes,
    }
}

/// Clamps to 0..=1, snaps float noise to the ends, and maps NaN to 0.
fn normalise(score: f64) -> f64 {
    if !score.is_finite() {
        return 0.0;
    }
    let s = score.clamp(0.0, 1.0);
    if s > 1.0 - SCORE_EPSILON {
        1.0
    } else if s < SCORE_EPSILON {
        0.0
    } else {
        s
    }
}

fn push_feedback(out: &mut Vec<String>, text: Option<&String>) {
    if let Some(t) = text {
        let t = t.trim();
        if !t.is_empty() {
            out.push(t.to_string());
        }
    }
}

fn weight_fraction(weight: f64) -> f64 {
    if weight.is_finite() {
        weight / 100.0
    } else {
        0.0
    }
}

fn score(kind: &QuestionKind, response: &Response, feedback: &mut Vec<String>) -> f64 {
    match (kind, response) {
        (QuestionKind::SingleChoice { options }, Response::SingleChoice { option_id }) => {
            match options.iter().find(|o| &o.id == option_id) {
                Some(chosen) => {
                    push_feedback(feedback, chosen.feedback.as_ref());
                    weight_fraction(chosen.weight)
                }
                None => 0.0,
            }
        }
        (QuestionKind::MultipleChoice { options }, Response::MultipleChoice { option_ids }) => {
            let selected: BTreeSet<&str> = option_ids.iter().map(String::as_str).collect();
            let mut total = 0.0;
            for option in options.iter().filter(|o| selected.contains(o.id.as_str())) {
                push_feedback(feedback, option.feedback.as_ref());
                total += weight_fraction(option.weight);
            }
            total
        }
        (
            QuestionKind::TrueFalse {
                answer,
                feedback_true,
                feedback_false,
            },
            Response::TrueFalse { answer: given },
        ) => {
            push_feedback(
                feedback,
                if *given {
                    feedback_true
                } else {
                    feedback_false
                }
                .as_ref(),
            );
            if given == answer { 1.0 } else { 0.0 }
        }
        (
            QuestionKind::ShortAnswer {
                answers,
                ignore_case,
                ignore_diacritics,
            },
            Response::ShortAnswer { text },
        ) => {
            let normal = |s: &str| {
                if *ignore_diacritics {
                    fold(s)
                } else if *ignore_case {
                    fold_case(s)
                } else {
                    s.nfc()
                        .collect::<String>()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                }
            };
            let given = normal(text);
            if given.is_empty() {
                return 0.0;
            }
            let best = answers
                .iter()
                .filter(|a| normal(&a.text) == given)
                .max_by(|a, b| a.weight.total_cmp(&b.weight));
            match best {
                Some(a) => {
                    push_feedback(feedback, a.feedback.as_ref());
                    weight_fraction(a.weight)
                }
                None => 0.0,
            }
        }
        (QuestionKind::Numeric { answers }, Response::Numeric { value }) => {
            if !value.is_finite() {
                return 0.0;
            }
            let best = answers
                .iter()
                .filter(|a| numeric_matches(a, *value))
                .max_by(|a, b| a.weight.total_cmp(&b.weight));
            match best {
                Some(a) => {
                    push_feedback(feedback, a.feedback.as_ref());
                    weight_fraction(a.weight)
                }
                None => 0.0,
            }
        }
        (QuestionKind::Matching { pairs }, Response::Matching { answers }) => {
            if pairs.is_empty() {
                return 0.0;
            }
            let right = pairs
                .iter()
                .filter(|p| {
                    answers
                        .get(&p.id)
                        .is_some_and(|chosen| chosen.trim() == p.answer.trim())
                })
                .count();
            right as f64 / pairs.len() as f64
        }
        _ => 0.0,
    }
}

fn numeric_matches(answer: &super::model::NumericAnswer, value: f64) -> bool {
    match answer.range {
        Some((min, max)) => {
            let slack = float_slack(min.abs().max(max.abs()));
            value >= min - slack && value <= max + slack
        }
        None => {
            let tolerance = if answer.tolerance.is_finite() {
                answer.tolerance.abs()
            } else {
                0.0
            };
            (value - answer.value).abs() <= tolerance + float_slack(answer.value.abs())
        }
    }
}

/// Room for binary floating point: 0.1 + 0.2 must equal 0.3 ± 0.
fn float_slack(magnitude: f64) -> f64 {
    1e-9 * magnitude.max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::model::{AcceptedAnswer, Choice, MatchPair, NumericAnswer};

    fn question(kind: QuestionKind) -> Question {
        Question {
            id: "q1".into(),
            title: None,
            text: "?".into(),
            kind,
            general_feedback: Some("Xem lại bài 2.".into()),
            points: 2.0,
        }
    }

    fn choice(id: &str, weight: f64, feedback: Option<&str>) -> Choice {
        Choice {
            id: id.into(),
            text: id.to_uppercase(),
            weight,
            feedback: feedback.map(Into::into),
        }
    }

    fn multi(ids: &[&str]) -> Response {
        Response::MultipleChoice {
            option_ids: ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn single_choice_scores_the_chosen_weight() {
        let q = question(QuestionKind::SingleChoice {
            options: vec![
                choice("a", 100.0, Some("Đúng!")),
                choice("b", 50.0, Some("Gần đúng")),
                choice("c", 0.0, None),
            ],
        });
        let o = grade(
            &q,
            Some(&Response::SingleChoice {
                option_id: "a".into(),
            }),
        );
        assert_eq!((o.score, o.points_awarded, o.correct), (1.0, 2.0, true));
        assert_eq!(o.feedback, vec!["Đúng!", "Xem lại bài 2."]);
        let o = grade(
            &q,
            Some(&Response::SingleChoice {
                option_id: "b".into(),
            }),
        );
        assert_eq!((o.score, o.points_awarded, o.correct), (0.5, 1.0, false));
        let o = grade(
            &q,
            Some(&Response::SingleChoice {
                option_id: "zz".into(),
            }),
        );
        assert_eq!(o.score, 0.0);
        assert_eq!(o.feedback, vec!["Xem lại bài 2."]);
    }

    #[test]
    fn multiple_choice_partial_credit_negative_weights_and_clamp() {
        // Correct: a, c. Incorrect: b, d.
        let q = question(QuestionKind::multiple_choice([
            ("A", true),
            ("B", false),
            ("C", true),
            ("D", false),
        ]));
        let score = |ids: &[&str]| grade(&q, Some(&multi(ids))).score;
        assert_eq!(score(&["a", "c"]), 1.0);
        assert_eq!(score(&["a"]), 0.5);
        assert_eq!(score(&["a", "b"]), 0.0);
        assert_eq!(score(&["a", "c", "b"]), 0.5);
        assert_eq!(score(&["b", "d"]), 0.0, "negative totals clamp to 0");
        assert_eq!(
            score(&["a", "b", "c", "d"]),
            0.0,
            "selecting everything scores 0"
        );
        assert_eq!(score(&["a", "a", "a"]), 0.5, "duplicates count once");
        assert_eq!(score(&[]), 0.0);
        assert_eq!(score(&["nope", "c"]), 0.5, "unknown ids are ignored");
    }

    #[test]
    fn thirds_add_up_to_a_full_score() {
        let q = question(QuestionKind::multiple_choice([
            ("A", true),
            ("B", true),
            ("C", true),
            ("D", false),
        ]));
        let o = grade(&q, Some(&multi(&["a", "b", "c"])));
        assert_eq!(o.score, 1.0);
        assert!(o.correct);
        let q = question(QuestionKind::multiple_choice(
            (0..7).map(|i| (format!("{i}"), true)),
        ));
        let all: Vec<String> = (0..7).map(crate::quiz::model::option_id).collect();
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        assert!(grade(&q, Some(&multi(&refs))).correct);
    }

    #[test]
    fn multiple_choice_over_100_clamps() {
        let q = question(QuestionKind::MultipleChoice {
            options: vec![choice("a", 100.0, None), choice("b", 50.0, None)],
        });
        let o = grade(&q, Some(&multi(&["a", "b"])));
        assert_eq!(o.score, 1.0);
    }

    #[test]
    fn true_false_with_feedback() {
        let q = question(QuestionKind::TrueFalse {
            answer: false,
            feedback_true: Some("Sai: Việt Nam đã phê chuẩn.".into()),
            feedback_false: Some("Đúng.".into()),
        });
        let o = grade(&q, Some(&Response::TrueFalse { answer: false }));
        assert!(o.correct);
        assert_eq!(o.feedback, vec!["Đúng.", "Xem lại bài 2."]);
        let o = grade(&q, Some(&Response::TrueFalse { answer: true }));
        assert!(!o.correct);
        assert_eq!(o.feedback[0], "Sai: Việt Nam đã phê chuẩn.");
    }

    fn short(ignore_case: bool, ignore_diacritics: bool) -> Question {
        question(QuestionKind::ShortAnswer {
            answers: vec![
                AcceptedAnswer {
                    text: "Quyền con người".into(),
                    weight: 100.0,
                    feedback: Some("Chính xác".into()),
                },
                AcceptedAnswer {
                    text: "nhân quyền".into(),
                    weight: 50.0,
                    feedback: None,
                },
            ],
            ignore_case,
            ignore_diacritics,
        })
    }

    fn answer(q: &Question, text: &str) -> f64 {
        grade(q, Some(&Response::ShortAnswer { text: text.into() })).score
    }

    #[test]
    fn short_answer_diacritics_insensitive() {
        let q = short(true, true);
        assert_eq!(answer(&q, "quyen con nguoi"), 1.0);
        assert_eq!(answer(&q, "  QUYỀN   con  Người "), 1.0);
        assert_eq!(answer(&q, "Nhan quyen"), 0.5);
        assert_eq!(answer(&q, "quyền"), 0.0);
        assert_eq!(answer(&q, ""), 0.0);
        let o = grade(
            &q,
            Some(&Response::ShortAnswer {
                text: "quyen con nguoi".into(),
            }),
        );
        assert_eq!(o.feedback, vec!["Chính xác", "Xem lại bài 2."]);
    }

    #[test]
    fn short_answer_case_only_and_exact() {
        let q = short(true, false);
        assert_eq!(answer(&q, "quyền  CON người"), 1.0);
        assert_eq!(answer(&q, "quyen con nguoi"), 0.0, "diacritics matter");
        let q = short(false, false);
        assert_eq!(answer(&q, " Quyền con  người "), 1.0, "whitespace folds");
        assert_eq!(answer(&q, "quyền con người"), 0.0, "case matters");
        // Vietnamese keyboards may type decomposed (NFD) letters: still the same answer.
        assert_eq!(
            answer(
                &q,
                "Quye\u{0302}\u{0300}n con ngu\u{031b}o\u{031b}\u{0300}i"
            ),
            1.0
        );
        // A decomposed (NFD) spelling still matches when case is ignored.
        let q = short(true, false);
        assert_eq!(
            answer(
                &q,
                "Quye\u{0302}\u{0300}n con ngu\u{031b}o\u{031b}\u{0300}i"
            ),
            1.0
        );
    }

    #[test]
    fn numeric_tolerance_and_ranges() {
        let q = question(QuestionKind::Numeric {
            answers: vec![
                NumericAnswer::exact(4.56, 0.01, 100.0, Some("Đúng".into())),
                NumericAnswer::exact(4.5, 0.5, 50.0, None),
            ],
        });
        let score = |v: f64| grade(&q, Some(&Response::Numeric { value: v })).score;
        assert_eq!(score(4.56), 1.0);
        assert_eq!(score(4.57), 1.0, "the edge of the tolerance is inside");
        assert_eq!(score(4.55), 1.0);
        assert_eq!(score(4.7), 0.5);
        assert_eq!(score(6.0), 0.0);
        assert_eq!(score(f64::NAN), 0.0);
        assert_eq!(score(f64::INFINITY), 0.0);

        let q = question(QuestionKind::Numeric {
            answers: vec![NumericAnswer::range(1.0, 5.0, 100.0, None)],
        });
        let score = |v: f64| grade(&q, Some(&Response::Numeric { value: v })).score;
        assert_eq!(score(1.0), 1.0);
        assert_eq!(score(5.0), 1.0);
        assert_eq!(score(2.5), 1.0);
        assert_eq!(score(0.999), 0.0);
        assert_eq!(score(5.001), 0.0);

        let q = question(QuestionKind::Numeric {
            answers: vec![NumericAnswer::exact(0.3, 0.0, 100.0, None)],
        });
        assert_eq!(
            grade(&q, Some(&Response::Numeric { value: 0.1 + 0.2 })).score,
            1.0
        );
    }

    #[test]
    fn matching_scores_the_fraction_right() {
        let pair = |id: &str, prompt: &str, answer: &str| MatchPair {
            id: id.into(),
            prompt: prompt.into(),
            answer: answer.into(),
        };
        let q = question(QuestionKind::Matching {
            pairs: vec![
                pair("a", "CEDAW", "Phụ nữ"),
                pair("b", "CRC", "Trẻ em"),
                pair("c", "CRPD", "Người khuyết tật"),
                pair("d", "CAT", "Chống tra tấn"),
            ],
        });
        let answers: BTreeMap<String, String> = [
            ("a", "Phụ nữ"),
            ("b", "Người khuyết tật"),
            ("c", "Trẻ em"),
            ("d", " Chống tra tấn "),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let o = grade(&q, Some(&Response::Matching { answers }));
        assert_eq!(o.score, 0.5);
        assert_eq!(o.points_awarded, 1.0);
        let o = grade(
            &q,
            Some(&Response::Matching {
                answers: BTreeMap::new(),
            }),
        );
        assert_eq!(o.score, 0.0);
    }

    #[test]
    fn missing_or_mismatched_responses_score_zero() {
        let q = question(QuestionKind::TrueFalse {
            answer: true,
            feedback_true: None,
            feedback_false: None,
        });
        let o = grade(&q, None);
        assert_eq!(
            (o.score, o.points_awarded, o.points_possible),
            (0.0, 0.0, 2.0)
        );
        assert_eq!(o.feedback, vec!["Xem lại bài 2."]);
        let o = grade(&q, Some(&Response::Numeric { value: 1.0 }));
        assert_eq!(o.score, 0.0);
        // An empty question kind never panics either.
        let q = question(QuestionKind::Matching { pairs: vec![] });
        assert_eq!(
            grade(
                &q,
                Some(&Response::Matching {
                    answers: BTreeMap::new()
                })
            )
            .score,
            0.0
        );
    }

    #[test]
    fn attempt_totals() {
        let mut q1 = question(QuestionKind::TrueFalse {
            answer: true,
            feedback_true: None,
            feedback_false: None,
        });
        q1.id = "q1".into();
        q1.points = 1.0;
        let mut q2 = question(QuestionKind::multiple_choice([
            ("A", true),
            ("B", true),
            ("C", false),
        ]));
        q2.id = "q2".into();
        q2.points = 2.0;
        let mut q3 = question(QuestionKind::Numeric {
            answers: vec![NumericAnswer::exact(1948.0, 0.0, 100.0, None)],
        });
        q3.id = "q3".into();
        q3.points = 1.0;
        let responses: BTreeMap<String, Response> = [
            ("q1".to_string(), Response::TrueFalse { answer: true }),
            ("q2".to_string(), multi(&["a"])),
            ("other".to_string(), Response::TrueFalse { answer: true }),
        ]
        .into_iter()
        .collect();
        let attempt = grade_attempt(&[q1, q2, q3], &responses);
        assert_eq!(attempt.points, 2.0);
        assert_eq!(attempt.max_points, 4.0);
        assert_eq!(attempt.score_percent, 50.0);
        let ids: Vec<&str> = attempt
            .outcomes
            .iter()
            .map(|o| o.question_id.as_str())
            .collect();
        assert_eq!(ids, vec!["q1", "q2", "q3"]);
        assert_eq!(grade_attempt(&[], &responses).score_percent, 0.0);
    }

    #[test]
    fn responses_use_snake_case_tags() {
        let r: Response =
            serde_json::from_str(r#"{"type":"multiple_choice","option_ids":["a","c"]}"#)
                .expect("parses");
        assert_eq!(r, multi(&["a", "c"]));
        let r: Response = serde_json::from_str(r#"{"type":"matching","answers":{"a":"Trẻ em"}}"#)
            .expect("parses");
        assert!(matches!(r, Response::Matching { .. }));
    }
}
