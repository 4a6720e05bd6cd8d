//! lms-media-worker: the only crate of the platform that links FFmpeg.
//!
//! It runs as its own process beside the web server (a crash on a hostile file never takes
//! the server down) and scales by count. [`probe`] validates one file and returns its facts;
//! [`transcode`] turns an accepted file into the HLS ladder, MP4 fallback, poster and
//! thumbnails the player needs; [`worker`] claims `media.probe` jobs from the database and
//! records the outcome.

pub mod probe;
pub mod transcode;
pub mod worker;

pub use probe::{
    DurationPolicy, Limits, MediaFacts, Orientation, ProbeError, ProbeOptions, Rejection, Warning,
    probe,
};
pub use transcode::{TranscodeError, TranscodeOptions, TranscodeSummary};
pub use worker::{JobOutcome, WorkerConfig};
