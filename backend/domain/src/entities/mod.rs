//! sea-orm entities: one file per table, plain data mirroring the schema in `migrations/`.
//! Behaviour lives in the domain modules beside this folder, not here.

pub mod audit_log;
pub mod hr_scope;
pub mod job;
pub mod organisation;
pub mod province;
pub mod refresh_token;
pub mod session;
pub mod user;
pub mod user_role;
pub mod user_token;
