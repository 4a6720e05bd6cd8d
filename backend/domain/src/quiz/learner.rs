//! What a learner may see of a quiz before submitting: the questions drawn for an attempt,
//! in a shuffled order, with their options and matching answers shuffled too.
//!
//! [`LearnerQuestion`] is built only from the public parts of a [`Question`]: no weights,
//! no correctness, no accepted answers, no numeric values, no feedback and no trainer
//! title. Send this type to the browser, never [`Question`].
//!
//! Option ids and matching prompt ids are opaque: the learner never sees the authored ids
//! (`a`, `b`, ... in authoring order, where trainers tend to put the right answer first) but
//! [`opaque_id`]s, an HMAC keyed by the attempt's secret seed over the question and the
//! authored id. They differ from attempt to attempt and carry no order;
//! [`authored_response`] maps a response back before grading, and an id it does not know
//! counts as no answer.
//!
//! Shuffles are deterministic for a seed (store the seed with the attempt to show the same
//! order again). They use `rand`'s `StdRng`, whose stream may change with a new `rand`
//! version: store the drawn question ids with the attempt rather than drawing again when
//! grading.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::grading::Response;
use super::model::{Choice, Question, QuestionKind, Quiz};

/// Bytes of the HMAC kept in an opaque id (shown as hex: 16 characters).
const OPAQUE_ID_BYTES: usize = 8;

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

/// An option without its weight or feedback; `id` is opaque ([`opaque_id`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerOption {
    pub id: String,
    pub text: String,
}

/// A matching prompt without its answer; `id` is the opaque id ([`opaque_id`]) of its pair,
/// the key a response refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerPrompt {
    pub id: String,
    pub prompt: String,
}

impl LearnerQuestion {
    /// The learner's view of `question`, options and matching answers shuffled by `seed`
    /// (mixed with the question id, so questions of one attempt shuffle differently), with
    /// the opaque ids of `seed`.
    pub fn from_question(question: &Question, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed ^ stable_hash(&question.id));
        let options = |choices: &[Choice], rng: &mut StdRng| {
            let mut options: Vec<LearnerOption> = choices
                .iter()
                .map(|c| LearnerOption {
                    id: opaque_id(seed, &question.id, IdKind::Option, &c.id),
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
                        id: opaque_id(seed, &question.id, IdKind::Pair, &p.id),
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

/// What an opaque id stands for (so an option and a pair with the same authored id differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Option,
    Pair,
}

/// The id the learner sees for the option (or matching pair) `authored_id` of question
/// `question_id` in the attempt of `seed`: HMAC-SHA256 keyed by the seed, truncated to 64
/// bits, in hex. Without the seed (which never leaves the server) it says nothing about
/// the authored id or its place.
pub fn opaque_id(seed: u64, question_id: &str, kind: IdKind, authored_id: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(&seed.to_be_bytes()).expect("any key length");
    let kind = match kind {
        IdKind::Option => "option",
        IdKind::Pair => "pair",
    };
    mac.update(kind.as_bytes());
    mac.update(b"\0");
    mac.update(question_id.as_bytes());
    mac.update(b"\0");
    mac.update(authored_id.as_bytes());
    let tag = mac.finalize().into_bytes();
    hex::encode(&tag[..OPAQUE_ID_BYTES])
}

/// `response` to `question` as shown in the attempt of `seed`, with its opaque ids mapped
/// back to the authored ones for [`super::grade`]. Ids the attempt did not show (authored
/// ids, ids of another attempt, anything made up) are dropped: a single choice with such an
/// id is no answer (`None`), and they select nothing in the other kinds.
pub fn authored_response(question: &Question, seed: u64, response: Response) -> Option<Response> {
    let map = |kind: IdKind, ids: Vec<&str>| -> BTreeMap<String, String> {
        ids.into_iter()
            .map(|id| (opaque_id(seed, &question.id, kind, id), id.to_owned()))
            .collect()
    };
    match (&question.kind, response) {
        (
            QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options },
            response @ (Response::SingleChoice { .. } | Response::MultipleChoice { .. }),
        ) => {
            let ids = map(
                IdKind::Option,
                options.iter().map(|o| o.id.as_str()).collect(),
            );
            match response {
                Response::SingleChoice { option_id } => {
                    ids.get(&option_id).map(|id| Response::SingleChoice {
                        option_id: id.clone(),
                    })
                }
                Response::MultipleChoice { option_ids } => Some(Response::MultipleChoice {
                    option_ids: option_ids
                        .iter()
                        .filter_map(|o| ids.get(o).cloned())
                        .collect(),
                }),
                other => Some(other),
            }
        }
        (QuestionKind::Matching { pairs }, Response::Matching { answers }) => {
            let ids = map(IdKind::Pair, pairs.iter().map(|p| p.id.as_str()).collect());
            Some(Response::Matching {
                answers: answers
                    .into_iter()
                    .filter_map(|(k, v)| ids.get(&k).map(|id| (id.clone(), v)))
                    .collect(),
            })
        }
        (_, other) => Some(other),
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
                // Authored option and pair ids.
                "\"id\":\"a\"",
                "\"id\":\"b\"",
                "\"id\":\"c\"",
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
            serde_json::json!({"id": opaque_id(7, "match", IdKind::Pair, "a"), "prompt": "CRC"})
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
        let mut expected: Vec<String> = ["a", "b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .map(|id| opaque_id(9, "big", IdKind::Option, id))
            .collect();
        expected.sort();
        assert_eq!(sorted, expected);
    }

    /// Every option and prompt id of `view`.
    fn shown_ids(view: &[LearnerQuestion]) -> Vec<String> {
        view.iter()
            .flat_map(|q| match &q.body {
                LearnerBody::SingleChoice { options } | LearnerBody::MultipleChoice { options } => {
                    options.iter().map(|o| o.id.clone()).collect()
                }
                LearnerBody::Matching { prompts, .. } => {
                    prompts.iter().map(|p| p.id.clone()).collect()
                }
                _ => vec![],
            })
            .collect()
    }

    #[test]
    fn ids_are_opaque_and_differ_between_attempts() {
        let quiz = canary_quiz();
        let first = shown_ids(&quiz.learner_view(1));
        let second = shown_ids(&quiz.learner_view(2));
        assert_eq!(first.len(), 2 + 3 + 3);
        for id in first.iter().chain(&second) {
            assert_eq!(id.len(), 16, "{id}");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
            assert!(
                !["a", "b", "c"].contains(&id.as_str()),
                "authored id {id} shown"
            );
        }
        let distinct: std::collections::HashSet<&String> = first.iter().collect();
        assert_eq!(
            distinct.len(),
            first.len(),
            "ids are unique within an attempt"
        );
        assert!(
            first.iter().all(|id| !second.contains(id)),
            "another attempt shows other ids"
        );
        // The same attempt shows the same ids again (resuming it).
        assert_eq!(first, shown_ids(&quiz.learner_view(1)));
    }

    #[test]
    fn learner_json_has_no_authored_option_id() {
        let quiz = canary_quiz();
        for seed in 0..20 {
            let json = serde_json::to_string(&quiz.learner_view(seed)).unwrap_or_default();
            for id in ["a", "b", "c"] {
                assert!(!json.contains(&format!("\"id\":\"{id}\"")), "{id}: {json}");
            }
        }
    }

    fn single(id: &str) -> Response {
        Response::SingleChoice {
            option_id: id.into(),
        }
    }

    #[test]
    fn responses_map_back_and_unknown_ids_count_for_nothing() {
        use crate::quiz::grading::grade;
        let quiz = canary_quiz();
        let (single_q, multi_q, match_q) =
            (&quiz.questions[0], &quiz.questions[1], &quiz.questions[5]);
        let seed = 77;
        let right = opaque_id(seed, "single", IdKind::Option, "a");
        let graded = |q: &Question, r: Response| grade(q, authored_response(q, seed, r).as_ref());
        assert!(graded(single_q, single(&right)).correct);
        // The authored id, another attempt's id, another question's id, garbage: no answer.
        let other_attempt = opaque_id(seed + 1, "single", IdKind::Option, "a");
        let other_question = opaque_id(seed, "multi", IdKind::Option, "a");
        for wrong in [
            "a",
            other_attempt.as_str(),
            other_question.as_str(),
            "",
            "zzzz",
        ] {
            let o = graded(single_q, single(wrong));
            assert_eq!(o.score, 0.0, "{wrong}");
            assert!(
                o.feedback.iter().all(|f| !f.contains("FB-SINGLE")),
                "{wrong}"
            );
        }
        let multi_ids = |ids: &[&str]| Response::MultipleChoice {
            option_ids: ids
                .iter()
                .map(|id| opaque_id(seed, "multi", IdKind::Option, id))
                .collect(),
        };
        assert_eq!(graded(multi_q, multi_ids(&["a", "b"])).score, 1.0);
        assert_eq!(
            graded(
                multi_q,
                Response::MultipleChoice {
                    option_ids: vec!["a".into(), "b".into()]
                }
            )
            .score,
            0.0
        );
        let pair = |id: &str| opaque_id(seed, "match", IdKind::Pair, id);
        let answers: BTreeMap<String, String> = [
            (pair("a"), "Trẻ em"),
            (pair("b"), "Phụ nữ"),
            ("c".to_owned(), "Người khuyết tật"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect();
        let o = graded(match_q, Response::Matching { answers });
        assert!((o.score - 2.0 / 3.0).abs() < 1e-9, "{}", o.score);
        // Other kinds pass through unchanged.
        assert_eq!(
            authored_response(
                &quiz.questions[2],
                seed,
                Response::TrueFalse { answer: true }
            ),
            Some(Response::TrueFalse { answer: true })
        );
    }

    /// The demo course puts the right answer first in most choice questions. Picking the
    /// option with the smallest id (which was "a") must now be right only by chance.
    #[test]
    fn the_demo_course_cannot_be_passed_by_the_first_id() {
        use crate::quiz::grading::grade_attempt;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../courses/human-rights-treaties");
        let folder = crate::courses::files::read_folder(&dir).expect("the demo course reads");
        let (mut tries, mut right_by_smallest, mut right_by_a) = (0, 0, 0);
        for m in &folder.modules {
            let quiz = m.quiz.as_ref().expect("every module has a quiz");
            for seed in 0..100u64 {
                let view = quiz.learner_view(seed);
                let mut smallest = BTreeMap::new();
                let mut authored_a = BTreeMap::new();
                for q in &view {
                    if let LearnerBody::SingleChoice { options } = &q.body {
                        let min = options
                            .iter()
                            .map(|o| o.id.clone())
                            .min()
                            .unwrap_or_default();
                        smallest.insert(q.id.clone(), single(&min));
                        authored_a.insert(q.id.clone(), single("a"));
                    }
                }
                let drawn: Vec<Question> =
                    quiz.draw_for_attempt(seed).into_iter().cloned().collect();
                let mapped = |responses: BTreeMap<String, Response>| {
                    responses
                        .into_iter()
                        .filter_map(|(id, r)| {
                            let q = drawn.iter().find(|q| q.id == id)?;
                            Some((id, authored_response(q, seed, r)?))
                        })
                        .collect::<BTreeMap<_, _>>()
                };
                let by_smallest = grade_attempt(&drawn, &mapped(smallest.clone()));
                let by_a = grade_attempt(&drawn, &mapped(authored_a));
                assert_eq!(
                    by_a.score_percent, 0.0,
                    "the authored id \"a\" scores nothing"
                );
                for o in by_smallest
                    .outcomes
                    .iter()
                    .filter(|o| smallest.contains_key(&o.question_id))
                {
                    tries += 1;
                    right_by_smallest += usize::from(o.correct);
                }
                right_by_a += by_a.outcomes.iter().filter(|o| o.correct).count();
            }
        }
        assert!(tries >= 2000, "{tries} single-choice answers");
        assert_eq!(right_by_a, 0);
        // Four options a question on average: about a quarter right by chance; "a" was right
        // in 56 of 72 choice questions.
        let rate = right_by_smallest as f64 / tries as f64;
        eprintln!("the smallest id was right in {right_by_smallest} of {tries} answers");
        assert!(
            rate < 0.40,
            "the smallest id is right {rate:.2} of the time"
        );
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
