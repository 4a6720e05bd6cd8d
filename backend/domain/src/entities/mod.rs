//! sea-orm entities: one file per table, plain data mirroring the schema in `migrations/`.
//! Behaviour lives in the domain modules beside this folder, not here.

pub mod asset;
pub mod audit_log;
pub mod cadre_group;
pub mod cadre_group_course;
pub mod certificate;
pub mod course;
pub mod course_author;
pub mod course_revision;
pub mod coverage_member;
pub mod enrolment;
pub mod hr_scope;
pub mod job;
pub mod learning_event;
pub mod module;
pub mod module_progress;
pub mod organisation;
pub mod province;
pub mod quiz_attempt;
pub mod refresh_token;
pub mod roster_member;
pub mod roster_member_group;
pub mod session;
pub mod upload;
pub mod user;
pub mod user_role;
pub mod user_token;
