//! What a learner may see of a quiz before submitting: the questions drawn for an attempt,
//! in a shuffled order, with their options and matching answers shuffled too.
//!
//! [`LearnerQuestion`] is built only from the public parts of a [`Question`]: no weights,
//! no correctness, no accepted answers, no numeric values, no feedback and no trainer
//! title. Send this type to the browser, never [`Question`].
//!
//! Shuffles are deterministic for a seed (store the seed with the attempt to show the same
//! order again). They use `rand`'s `StdRng`, whose stream may change with a new `rand`
//! version: store the drawn question ids with the attempt rather than drawing again when
//! grading.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::model::{Choice, Question, QuestionKind, Quiz};

/// A question as the learner sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnerQuestion {
    pub id: String,
    /// Markdown.
    pub text: String,
    pub points: f64,
    /// The type tag and what the learner chooses from.
    #[serde(flatten)]
    pub body: LearnerBody,
}

/// The answerable part of a [`LearnerQuestion`], tagged by `type` like [`QuestionKind`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LearnerBody {
    /// Pick one.
    SingleChoice {
        options: Vec<LearnerOption>,
    },
    /// Pick any number.
    MultipleChoice {
        options: Vec<LearnerOption>,
    },
    TrueFalse {},
    /// Type a word or phrase.
    ShortAnswer {},
    /// Type a number.
    Numeric {},
    /// For each prompt, choose one of `answers` (shuffled, each distinct text once).
    Matching {
        prompts: Vec<LearnerPrompt>,
        answers: Vec<String>,
    },
}

/// An option without its weight or feedback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerOption {
    pub id: String,
    pub text: String,
}

/// A matching prompt without its answer; `id` is the pair id a response refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerPrompt {
    pub id: String,
    pub prompt: String,
}

impl LearnerQuestion {
    /// The learner's view of `question`, options and matching answers shuffled by `seed`
    /// (mixed with the question id, so questions of one attempt shuffle differently).
    pub fn from_question(question: &Question, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed ^ stable_hash(&question.id));
        let options = |choices: &[Choice], rng: &mut StdRng| {
            let mut options: Vec<LearnerOption> = choices
                .iter()
                .map(|c| LearnerOption {
                    id: c.id.clone(),
                    text: c.text.clone(),
                })
                .collect();
            options.shuffle(rng);
            options
        };
        let body = match &question.kind {
            QuestionKind::SingleChoice { options: choices } => LearnerBody::SingleChoice {
                options: options(choices, &mut rng),
            },
            QuestionKind::MultipleChoice { options: choices } => LearnerBody::MultipleChoice {
                options: options(choices, &mut rng),
            },
            QuestionKind::TrueFalse { .. } => LearnerBody::TrueFalse {},
            QuestionKind::ShortAnswer { .. } => LearnerBody::ShortAnswer {},
            QuestionKind::Numeric { .. } => LearnerBody::Numeric {},
            QuestionKind::Matching { pairs } => {
                let prompts = pairs
                    .iter()
                    .map(|p| LearnerPrompt {
                        id: p.id.clone(),
                        prompt: p.prompt.clone(),
                    })
                    .collect();
                let mut answers: Vec<String> = Vec::new();
                for p in pairs {
                    if !answers.contains(&p.answer) {
                        answers.push(p.answer.clone());
                    }
                }
                answers.shuffle(&mut rng);
                LearnerBody::Matching { prompts, answers }
            }
        };
        LearnerQuestion {
            id: question.id.clone(),
            text: question.text.clone(),
            points: question.points,
            body,
        }
    }
}

impl Quiz {
    /// The questions of one attempt: `draw` of them (or all) chosen by `seed`, in an order
    /// shuffled by `seed`. Show them with [`LearnerQuestion::from_question`] and the same
    /// seed.
    pub fn draw_for_attempt(&self, seed: u64) -> Vec<&Question> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut questions: Vec<&Question> = self.questions.iter().collect();
        questions.shuffle(&mut rng);
        if let Some(n) = self.draw {
            questions.truncate(n);
        }
        questions
    }

    /// [`Quiz::draw_for_attempt`] rendered for the learner.
    pub fn learner_view(&self, seed: u64) -> Vec<LearnerQuestion> {
        self.draw_for_attempt(seed)
            .into_iter()
            .map(|q| LearnerQuestion::from_question(q, seed))
            .collect()
    }
}

/// FNV-1a: a hash that stays the same across Rust versions (unlike `DefaultHasher`).
fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::model::{AcceptedAnswer, MatchPair, NumericAnswer};

    fn q(id: &str, kind: QuestionKind) -> Question {
        Question {
            id: id.into(),
            title: Some("CANARY-TITLE tên nội bộ".into()),
            text: format!("Câu {id}?"),
            kind,
            general_feedback: Some("CANARY-GENERAL-FEEDBACK".into()),
            points: 1.0,
        }
    }

    fn canary_quiz() -> Quiz {
        let choice = |id: &str, text: &str, weight: f64, fb: &str| Choice {
            id: id.into(),
            text: text.into(),
            weight,
            feedback: Some(fb.into()),
        };
        Quiz {
            questions: vec![
                q(
                    "single",
                    QuestionKind::SingleChoice {
                        options: vec![
                            choice("a", "Hà Nội", 100.0, "CANARY-FB-SINGLE-RIGHT"),
                            choice("b", "Huế", 37.5, "CANARY-FB-SINGLE-WRONG"),
                        ],
                    },
                ),
                q(
                    "multi",
                    QuestionKind::MultipleChoice {
                        options: vec![
                            choice("a", "CEDAW", 62.5, "CANARY-FB-MULTI-A"),
                            choice("b", "CRC", 37.5, "CANARY-FB-MULTI-B"),
                            choice("c", "NATO", -87.5, "CANARY-FB-MULTI-C"),
                        ],
                    },
                ),
                q(
                    "tf",
                    QuestionKind::TrueFalse {
                        answer: true,
                        feedback_true: Some("CANARY-FB-TRUE".into()),
                        feedback_false: Some("CANARY-FB-FALSE".into()),
                    },
                ),
                q(
                    "short",
                    QuestionKind::ShortAnswer {
                        answers: vec![AcceptedAnswer {
                            text: "CANARY-ACCEPTED-quyền".into(),
                            weight: 100.0,
                            feedback: Some("CANARY-FB-SHORT".into()),
                        }],
                        ignore_case: true,
                        ignore_diacritics: true,
                    },
                ),
                q(
                    "num",
                    QuestionKind::Numeric {
                        answers: vec![
                            NumericAnswer::exact(
                                987_654.321,
                                0.125,
                                100.0,
                                Some("CANARY-FB-NUM".into()),
                            ),
                            NumericAnswer::range(1234.5, 2345.5, 62.5, None),
                        ],
                    },
                ),
                q(
                    "match",
                    QuestionKind::Matching {
                        pairs: vec![
                            MatchPair {
                                id: "a".into(),
                                prompt: "CRC".into(),
                                answer: "Trẻ em".into(),
                            },
                            MatchPair {
                                id: "b".into(),
                                prompt: "CEDAW".into(),
                                answer: "Phụ nữ".into(),
                            },
                            MatchPair {
                                id: "c".into(),
                                prompt: "CRPD".into(),
                                answer: "Người khuyết tật".into(),
                            },
                        ],
                    },
                ),
            ],
            draw: None,
        }
    }

    #[test]
    fn learner_json_never_contains_secrets() {
        let quiz = canary_quiz();
        for seed in 0..20 {
            let json = serde_json::to_string(&quiz.learner_view(seed)).unwrap_or_default();
            assert!(json.contains("Hà Nội"), "options are there: {json}");
            for secret in [
                "CANARY",
                "987654",
                "0.125",
                "1234.5",
                "2345.5",
                "62.5",
                "37.5",
                "87.5",
                "weight",
                "feedback",
                "correct",
                "answer\":",
                "accepted",
                "tolerance",
                "range",
                "value",
                "title",
                "ignore_",
            ] {
                assert!(!json.contains(secret), "{secret} leaked: {json}");
            }
        }
    }

    #[test]
    fn learner_json_shape() {
        let quiz = canary_quiz();
        let view = LearnerQuestion::from_question(&quiz.questions[0], 7);
        let json = serde_json::to_value(&view).unwrap_or_default();
        assert_eq!(json["type"], "single_choice");
        assert_eq!(json["id"], "single");
        assert_eq!(json["points"], 1.0);
        assert!(json["options"][0]["id"].is_string());
        let back: LearnerQuestion = serde_json::from_value(json).expect("round-trips");
        assert_eq!(back, view);
        let tf = serde_json::to_value(LearnerQuestion::from_question(&quiz.questions[2], 7))
            .unwrap_or_default();
        assert_eq!(tf["type"], "true_false");
        let m = serde_json::to_value(LearnerQuestion::from_question(&quiz.questions[5], 7))
            .unwrap_or_default();
        assert_eq!(m["type"], "matching");
        assert_eq!(
            m["prompts"][0],
            serde_json::json!({"id": "a", "prompt": "CRC"})
        );
        assert_eq!(m["answers"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn draws_are_deterministic_and_vary_with_the_seed() {
        let mut quiz = canary_quiz();
        let ids = |qs: Vec<&Question>| qs.into_iter().map(|q| q.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(quiz.draw_for_attempt(42)),
            ids(quiz.draw_for_attempt(42))
        );
        assert_eq!(quiz.learner_view(42), quiz.learner_view(42));
        let orders: std::collections::HashSet<Vec<String>> =
            (0..30).map(|s| ids(quiz.draw_for_attempt(s))).collect();
        assert!(orders.len() > 5, "question order changes with the seed");
        let mut all = ids(quiz.draw_for_attempt(3));
        all.sort();
        assert_eq!(all, vec!["match", "multi", "num", "short", "single", "tf"]);

        quiz.draw = Some(2);
        for seed in 0..30 {
            let drawn = ids(quiz.draw_for_attempt(seed));
            assert_eq!(drawn.len(), 2);
            assert_ne!(drawn[0], drawn[1]);
        }
        let drawn_sets: std::collections::HashSet<Vec<String>> = (0..30)
            .map(|s| {
                let mut d = ids(quiz.draw_for_attempt(s));
                d.sort();
                d
            })
            .collect();
        assert!(
            drawn_sets.len() > 3,
            "different seeds draw different questions"
        );
        quiz.draw = Some(100);
        assert_eq!(quiz.draw_for_attempt(1).len(), 6);
    }

    #[test]
    fn options_are_shuffled_deterministically() {
        let question = q(
            "big",
            QuestionKind::multiple_choice((0..8).map(|i| (format!("option {i}"), i % 2 == 0))),
        );
        let order = |seed: u64| match LearnerQuestion::from_question(&question, seed).body {
            LearnerBody::MultipleChoice { options } => {
                options.into_iter().map(|o| o.id).collect::<Vec<_>>()
            }
            _ => vec![],
        };
        assert_eq!(order(5), order(5));
        let orders: std::collections::HashSet<Vec<String>> = (0..20).map(order).collect();
        assert!(orders.len() > 10);
        let mut sorted = order(9);
        sorted.sort();
        assert_eq!(sorted, vec!["a", "b", "c", "d", "e", "f", "g", "h"]);
    }

    #[test]
    fn matching_answers_are_distinct() {
        let question = q(
            "m",
            QuestionKind::Matching {
                pairs: vec![
                    MatchPair {
                        id: "a".into(),
                        prompt: "Mèo".into(),
                        answer: "Động vật có vú".into(),
                    },
                    MatchPair {
                        id: "b".into(),
                        prompt: "Chó".into(),
                        answer: "Động vật có vú".into(),
                    },
                    MatchPair {
                        id: "c".into(),
                        prompt: "Gà".into(),
                        answer: "Chim".into(),
                    },
                ],
            },
        );
        let LearnerBody::Matching {
            prompts,
            mut answers,
        } = LearnerQuestion::from_question(&question, 1).body
        else {
            panic!("matching expected")
        };
        assert_eq!(prompts.len(), 3);
        answers.sort();
        assert_eq!(answers, vec!["Chim", "Động vật có vú"]);
    }
}
