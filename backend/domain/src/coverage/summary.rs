//! The coverage summary (`coverage_members`): one row per roster member and cadre group with
//! the member's organisation, province and active flag, and `completed_at`, the moment the
//! member completed the last of the group's required courses (NULL while any is missing, or
//! when the group requires none). Reports read only this table: complete "as of D" is
//! `completed_at <= D`.
//!
//! Every change that moves a row refreshes it in the same transaction: a course completed
//! ([`course_completed`]), a roster import or an account linked ([`refresh_members`],
//! [`refresh_user`]), a group's required courses changed or a course deleted
//! ([`refresh_groups`]). [`rebuild`] recomputes the whole table from the raw tables (after
//! raw inserts, or by `lms coverage rebuild`).
//!
//! Concurrency: on PostgreSQL a refresh of members first locks their roster rows, so that two
//! transactions refreshing the same person (two courses completed at once) run one after
//! the other and the second sees the first's completion. A refresh writes with an upsert,
//! so overlapping refreshes never fail on the primary key. SQLite has one writer at a time.

use sea_orm::{ConnectionTrait, DbBackend, ExecResult, Statement};

use crate::error::DomainResult;

/// The rows to recompute, as a condition on a member id and a group id column.
#[derive(Debug, Clone)]
enum Target<'a> {
    Everyone,
    Members(&'a [i64]),
    Groups(&'a [i64]),
    /// Every roster entry linked to the account.
    User(i64),
    /// The account's roster entries, in the groups that require the course.
    UserCourse(i64, i64),
}

fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

impl Target<'_> {
    fn condition(&self, member: &str, group: &str) -> String {
        match self {
            Target::Everyone => "1 = 1".to_owned(),
            Target::Members(ids) => format!("{member} IN ({})", id_list(ids)),
            Target::Groups(ids) => format!("{group} IN ({})", id_list(ids)),
            Target::User(u) => {
                format!("{member} IN (SELECT id FROM roster_members WHERE user_id = {u})")
            }
            Target::UserCourse(u, c) => format!(
                "{member} IN (SELECT id FROM roster_members WHERE user_id = {u}) \
                 AND {group} IN (SELECT group_id FROM cadre_group_courses WHERE course_id = {c})"
            ),
        }
    }
}

/// The summary rows computed from the raw tables (roster, memberships, required courses,
/// enrolments) for the memberships matching `condition`.
fn computed(condition: &str) -> String {
    format!(
        "SELECT mg.member_id, mg.group_id, m.organisation_id, m.province_id, m.active, \
           CASE WHEN COUNT(gc.course_id) > 0 AND COUNT(e.completed_at) = COUNT(gc.course_id) \
             THEN MAX(e.completed_at) END \
         FROM roster_member_groups mg \
         JOIN roster_members m ON m.id = mg.member_id \
         LEFT JOIN cadre_group_courses gc ON gc.group_id = mg.group_id \
         LEFT JOIN enrolments e ON e.user_id = m.user_id AND e.course_id = gc.course_id \
           AND e.completed_at IS NOT NULL \
         WHERE {condition} \
         GROUP BY mg.member_id, mg.group_id, m.organisation_id, m.province_id, m.active"
    )
}

const COLUMNS: &str = "member_id, group_id, organisation_id, province_id, active, completed_at";

async fn exec(db: &impl ConnectionTrait, sql: String) -> DomainResult<ExecResult> {
    Ok(db
        .execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?)
}

async fn refresh(db: &impl ConnectionTrait, target: Target<'_>) -> DomainResult<()> {
    if matches!(target, Target::Members([]) | Target::Groups([])) {
        return Ok(());
    }
    let people = match &target {
        Target::Members(ids) => Some(format!("id IN ({})", id_list(ids))),
        Target::User(u) | Target::UserCourse(u, _) => Some(format!("user_id = {u}")),
        Target::Everyone | Target::Groups(_) => None,
    };
    if db.get_database_backend() == DbBackend::Postgres
        && let Some(people) = people
    {
        exec(
            db,
            format!("SELECT id FROM roster_members WHERE {people} ORDER BY id FOR UPDATE"),
        )
        .await?;
    }
    // Memberships that ended.
    exec(
        db,
        format!(
            "DELETE FROM coverage_members WHERE {} AND NOT EXISTS (SELECT 1 FROM \
             roster_member_groups mg WHERE mg.member_id = coverage_members.member_id \
             AND mg.group_id = coverage_members.group_id)",
            target.condition("coverage_members.member_id", "coverage_members.group_id")
        ),
    )
    .await?;
    exec(
        db,
        format!(
            "INSERT INTO coverage_members ({COLUMNS}) {} \
             ON CONFLICT (member_id, group_id) DO UPDATE SET \
               organisation_id = excluded.organisation_id, province_id = excluded.province_id, \
               active = excluded.active, completed_at = excluded.completed_at",
            computed(&target.condition("mg.member_id", "mg.group_id"))
        ),
    )
    .await?;
    Ok(())
}

/// Recomputes the whole summary from the raw tables. Returns the number of rows.
pub async fn rebuild(db: &impl ConnectionTrait) -> DomainResult<u64> {
    exec(db, "DELETE FROM coverage_members".to_owned()).await?;
    let inserted = exec(
        db,
        format!(
            "INSERT INTO coverage_members ({COLUMNS}) {}",
            computed(&Target::Everyone.condition("mg.member_id", "mg.group_id"))
        ),
    )
    .await?;
    Ok(inserted.rows_affected())
}

/// Recomputes the rows of these roster members (after an import changed their details,
/// groups or active flag).
pub async fn refresh_members(db: &impl ConnectionTrait, member_ids: &[i64]) -> DomainResult<()> {
    // Bounded statements, whatever the size of the import.
    for chunk in member_ids.chunks(1000) {
        refresh(db, Target::Members(chunk)).await?;
    }
    Ok(())
}

/// Recomputes the rows of these cadre groups (after their required courses changed).
pub async fn refresh_groups(db: &impl ConnectionTrait, group_ids: &[i64]) -> DomainResult<()> {
    refresh(db, Target::Groups(group_ids)).await
}

/// Recomputes the rows of the roster entries linked to the account (after linking).
pub async fn refresh_user(db: &impl ConnectionTrait, user_id: i64) -> DomainResult<()> {
    refresh(db, Target::User(user_id)).await
}

/// Records that the account has just completed the course: recomputes its roster entries
/// in the groups that require it.
pub async fn course_completed(
    db: &impl ConnectionTrait,
    user_id: i64,
    course_id: i64,
) -> DomainResult<()> {
    refresh(db, Target::UserCourse(user_id, course_id)).await
}
