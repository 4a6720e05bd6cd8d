//! lms-media-worker: the only crate of the platform that links FFmpeg.
//!
//! It runs as its own process beside the web server (a crash on a hostile file never takes
//! the server down) and scales by count. For now it probes uploads: [`probe`] validates one
//! file and returns its facts; [`worker`] claims `media.probe` jobs from the database and
//! records the outcome. Transcoding comes later.

pub mod probe;
pub mod worker;

pub use probe::{
    DurationPolicy, Limits, MediaFacts, Orientation, ProbeError, ProbeOptions, Rejection, Warning,
    probe,
};
pub use worker::{JobOutcome, WorkerConfig};
