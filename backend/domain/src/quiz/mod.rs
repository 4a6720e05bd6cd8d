//! Quizzes of the video modules, free of the database: the model trainers write
//! ([`model`]), what learners may see of it ([`learner`]), grading on the server
//! ([`grading`]) and import/export of Moodle's GIFT ([`gift`]) and XML ([`moodle_xml`])
//! formats.
//!
//! The answers live only in [`Question`]; the browser gets [`LearnerQuestion`]s before
//! submission, and [`QuestionOutcome`]s (with feedback) after it.

pub mod gift;
pub mod grading;
pub mod import;
pub mod learner;
pub mod model;
pub mod moodle_xml;

pub use gift::{export_gift, import_gift};
pub use grading::{AttemptOutcome, QuestionOutcome, Response, grade, grade_attempt};
pub use import::{ImportProblem, ImportReport};
pub use learner::{LearnerBody, LearnerOption, LearnerPrompt, LearnerQuestion};
pub use model::{
    AcceptedAnswer, Choice, MatchPair, NumericAnswer, Question, QuestionKind, Quiz, QuizProblem,
};
pub use moodle_xml::import_moodle_xml;
