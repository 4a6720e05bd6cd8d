//! Coverage: for each cadre group, how many active roster members have completed every
//! course the group requires, against the group's target; by province and by organisation;
//! as of any date (completions up to that date; today's membership).
//!
//! A member counts as complete when, for every required course, their enrolment (through
//! their linked account) has `completed_at` on or before the date. Reports read only the
//! per-member, per-group summary kept up to date as progress arrives ([`summary`]): never
//! the roster, the enrolments or raw progress.

pub mod summary;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use serde::Serialize;

use crate::Grants;
use crate::entities::cadre_group;
use crate::error::{DomainError, DomainResult};

/// Whose figures a report covers.
#[derive(Debug, Clone)]
pub enum Scope {
    Everyone,
    /// HR: only the people of these organisations.
    Organisations(Vec<i64>),
}

impl Scope {
    pub fn of(grants: &Grants) -> DomainResult<Scope> {
        if grants.is_admin() {
            Ok(Scope::Everyone)
        } else if grants.has(crate::Role::Hr) {
            Ok(Scope::Organisations(grants.hr_organisation_ids.clone()))
        } else {
            Err(DomainError::Forbidden)
        }
    }
}

/// One line of a report: a group, or a group within a province or organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageLine {
    pub group_code: String,
    /// The province or organisation code, for breakdowns.
    pub key: Option<String>,
    pub name: Option<String>,
    pub members: i64,
    pub completed: i64,
    pub percent: f64,
}

/// How to break a report down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum By {
    Group,
    Province,
    Organisation,
}

/// Coverage as of `as_of`, per group (and per province or organisation).
pub async fn lines(
    db: &impl ConnectionTrait,
    scope: &Scope,
    by: By,
    as_of: DateTime<Utc>,
) -> DomainResult<Vec<CoverageLine>> {
    lines_of(db, scope, by, as_of, None).await
}

/// [`lines`] of one group only (the others are not computed).
pub async fn lines_of(
    db: &impl ConnectionTrait,
    scope: &Scope,
    by: By,
    as_of: DateTime<Utc>,
    group_code: Option<&str>,
) -> DomainResult<Vec<CoverageLine>> {
    Ok(lines_at(db, scope, by, &[as_of], group_code)
        .await?
        .pop()
        .unwrap_or_default())
}

/// [`lines_of`] at several dates, read in one pass over the summary: one list of lines
/// per date, in the order given.
pub async fn lines_at(
    db: &impl ConnectionTrait,
    scope: &Scope,
    by: By,
    dates: &[DateTime<Utc>],
    group_code: Option<&str>,
) -> DomainResult<Vec<Vec<CoverageLine>>> {
    let backend = db.get_database_backend();
    let p = |n: usize| match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
    let (key_col, key, name, join) = match by {
        By::Group => ("", "NULL", "NULL", ""),
        By::Province => (
            ", s.province_id",
            "pr.code",
            "pr.name",
            "LEFT JOIN provinces pr ON pr.id = t.province_id",
        ),
        By::Organisation => (
            ", s.organisation_id",
            "o.code",
            "o.name",
            "JOIN organisations o ON o.id = t.organisation_id",
        ),
    };
    let mut values: Vec<Value> = dates.iter().map(|d| (*d).into()).collect();
    let completed: Vec<String> = (0..dates.len())
        .map(|i| {
            format!(
                "CAST(SUM(CASE WHEN s.completed_at <= {} THEN 1 ELSE 0 END) AS BIGINT) AS c{i}",
                p(i + 1)
            )
        })
        .collect();
    let completed_out: Vec<String> = (0..dates.len()).map(|i| format!("t.c{i}")).collect();
    let group_filter = match group_code {
        Some(code) => {
            values.push(code.into());
            format!(
                " AND s.group_id = (SELECT id FROM cadre_groups WHERE code = {})",
                p(values.len())
            )
        }
        None => String::new(),
    };
    let scope_filter = match scope {
        Scope::Everyone => String::new(),
        Scope::Organisations(ids) if ids.is_empty() => " AND 1 = 0".to_owned(),
        Scope::Organisations(ids) => {
            let list: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
            format!(" AND s.organisation_id IN ({})", list.join(","))
        }
    };
    let sql = format!(
        "SELECT g.code AS group_code, {key} AS \"key\", {name} AS name, t.members, {completed_out} \
         FROM ( \
           SELECT s.group_id{key_col}, CAST(COUNT(*) AS BIGINT) AS members, {completed} \
           FROM coverage_members s \
           WHERE s.active = TRUE{scope_filter}{group_filter} \
           GROUP BY s.group_id{key_col} \
         ) t \
         JOIN cadre_groups g ON g.id = t.group_id \
         {join} \
         ORDER BY g.id{order}",
        completed = completed.join(", "),
        completed_out = completed_out.join(", "),
        order = if by == By::Group { "" } else { ", 3" },
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, &sql, values))
        .await?;
    let mut out = vec![Vec::with_capacity(rows.len()); dates.len()];
    for r in rows {
        let group_code: String = r.try_get("", "group_code")?;
        let key: Option<String> = r.try_get("", "key")?;
        let name: Option<String> = r.try_get("", "name")?;
        let members: i64 = r.try_get("", "members")?;
        for (i, lines) in out.iter_mut().enumerate() {
            let completed: i64 = r.try_get::<Option<i64>>("", &format!("c{i}"))?.unwrap_or(0);
            lines.push(CoverageLine {
                group_code: group_code.clone(),
                key: key.clone(),
                name: name.clone(),
                members,
                completed,
                percent: if members > 0 {
                    completed as f64 * 100.0 / members as f64
                } else {
                    0.0
                },
            });
        }
    }
    Ok(out)
}

/// A group's coverage against its target, with where the trend leads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupCoverage {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub target_percent: i32,
    pub deadline: chrono::NaiveDate,
    pub members: i64,
    pub completed: i64,
    pub percent: f64,
    /// Members still to complete for the target to be met (0 when met).
    pub gap: i64,
    /// Coverage 90 days before `as_of`.
    pub percent_90_days_before: f64,
    /// Where the pace of the last 90 days leads by the deadline.
    pub projected_percent: f64,
    pub on_track: bool,
}

/// Every group's coverage as of `as_of`, against its target.
pub async fn groups(
    db: &impl ConnectionTrait,
    scope: &Scope,
    as_of: DateTime<Utc>,
) -> DomainResult<Vec<GroupCoverage>> {
    groups_of(db, scope, as_of, None).await
}

/// One group's coverage against its target (only that group is computed).
pub async fn group(
    db: &impl ConnectionTrait,
    scope: &Scope,
    as_of: DateTime<Utc>,
    code: &str,
) -> DomainResult<GroupCoverage> {
    groups_of(db, scope, as_of, Some(code))
        .await?
        .pop()
        .ok_or(DomainError::NotFound("cadre group"))
}

async fn groups_of(
    db: &impl ConnectionTrait,
    scope: &Scope,
    as_of: DateTime<Utc>,
    code: Option<&str>,
) -> DomainResult<Vec<GroupCoverage>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let before_date = as_of - chrono::Duration::days(90);
    let mut at = lines_at(db, scope, By::Group, &[as_of, before_date], code).await?;
    let before = at.pop().unwrap_or_default();
    let now = at.pop().unwrap_or_default();
    let mut query = cadre_group::Entity::find().order_by_asc(cadre_group::Column::Id);
    if let Some(code) = code {
        query = query.filter(cadre_group::Column::Code.eq(code));
    }
    let mut out = Vec::new();
    for g in query.all(db).await? {
        let line = now.iter().find(|l| l.group_code == g.code);
        let (members, completed, percent) =
            line.map_or((0, 0, 0.0), |l| (l.members, l.completed, l.percent));
        let earlier = before
            .iter()
            .find(|l| l.group_code == g.code)
            .map_or(0.0, |l| l.percent);
        let deadline = g
            .deadline
            .and_hms_opt(23, 59, 59)
            .map(|d| d.and_utc())
            .unwrap_or(as_of);
        let days_left = (deadline - as_of).num_days().max(0) as f64;
        let pace = (percent - earlier) / 90.0;
        let projected = (percent + pace * days_left).clamp(0.0, 100.0);
        let needed = (g.target_percent as f64 / 100.0 * members as f64).ceil() as i64;
        out.push(GroupCoverage {
            code: g.code,
            name: g.name,
            name_en: g.name_en,
            target_percent: g.target_percent,
            deadline: g.deadline,
            members,
            completed,
            percent,
            gap: (needed - completed).max(0),
            percent_90_days_before: earlier,
            projected_percent: projected,
            on_track: members > 0 && projected + 1e-9 >= g.target_percent as f64,
        });
    }
    Ok(out)
}

/// One cell of an export: text or number (spreadsheets keep numbers as numbers).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
}

/// A coverage report as a table for export: per group, or per group and province or
/// organisation, with each group's target.
pub async fn export_table(
    db: &impl ConnectionTrait,
    scope: &Scope,
    by: By,
    as_of: DateTime<Utc>,
    lang: &str,
) -> DomainResult<Vec<Vec<Cell>>> {
    use sea_orm::EntityTrait;
    let groups = cadre_group::Entity::find().all(db).await?;
    let en = lang == "en";
    let mut header = vec![if en { "Cadre group" } else { "Nhóm cán bộ" }];
    match by {
        By::Group => {}
        By::Province => header.extend(if en {
            ["Province code", "Province"]
        } else {
            ["Mã tỉnh", "Tỉnh, thành phố"]
        }),
        By::Organisation => header.extend(if en {
            ["Organisation code", "Organisation"]
        } else {
            ["Mã đơn vị", "Đơn vị"]
        }),
    }
    header.extend(if en {
        ["Members", "Completed", "Coverage (%)", "Target (%)"]
    } else {
        ["Số người", "Đã hoàn thành", "Tỷ lệ (%)", "Mục tiêu (%)"]
    });
    let mut out = vec![
        header
            .into_iter()
            .map(|h| Cell::Text(h.into()))
            .collect::<Vec<_>>(),
    ];
    for l in lines(db, scope, by, as_of).await? {
        let g = groups.iter().find(|g| g.code == l.group_code);
        let mut row = vec![Cell::Text(
            g.map(|g| {
                if en && !g.name_en.is_empty() {
                    g.name_en.clone()
                } else {
                    g.name.clone()
                }
            })
            .unwrap_or_else(|| l.group_code.clone()),
        )];
        if by != By::Group {
            row.push(Cell::Text(l.key.clone().unwrap_or_default()));
            row.push(Cell::Text(l.name.clone().unwrap_or_default()));
        }
        row.push(Cell::Number(l.members as f64));
        row.push(Cell::Number(l.completed as f64));
        row.push(Cell::Number((l.percent * 10.0).round() / 10.0));
        row.push(Cell::Number(g.map_or(0.0, |g| g.target_percent as f64)));
        out.push(row);
    }
    Ok(out)
}

/// A text cell made safe for spreadsheets: one starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be run as a formula, so it gets a leading apostrophe.
pub fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("+1"), "'+1");
        assert_eq!(spreadsheet_safe("-2"), "'-2");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("Hà Nội"), "Hà Nội");
    }
}

/// Someone in a group who has not completed all its required courses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incomplete {
    pub member_id: i64,
    pub employee_id: String,
    pub full_name: String,
    pub organisation_code: String,
    #[serde(skip)]
    pub organisation_id: i64,
    pub email: Option<String>,
    pub has_account: bool,
    /// Titles of the required courses not completed yet.
    pub missing: Vec<String>,
}

/// The active members of a group (within `scope`) who have not completed every required
/// course yet, by organisation and name.
pub async fn incomplete(
    db: &impl ConnectionTrait,
    scope: &Scope,
    group_code: &str,
) -> DomainResult<Vec<Incomplete>> {
    use crate::entities::{
        cadre_group_course, course, coverage_member, enrolment, organisation, roster_member, user,
    };
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use std::collections::{HashMap, HashSet};
    let g = cadre_group::Entity::find()
        .filter(cadre_group::Column::Code.eq(group_code))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("cadre group"))?;
    let required: Vec<course::Model> = {
        let ids: Vec<i64> = cadre_group_course::Entity::find()
            .filter(cadre_group_course::Column::GroupId.eq(g.id))
            .all(db)
            .await?
            .into_iter()
            .map(|l| l.course_id)
            .collect();
        course::Entity::find()
            .filter(course::Column::Id.is_in(ids))
            .all(db)
            .await?
    };
    // The summary says who is not complete (no completion date for the group).
    let mut q = coverage_member::Entity::find()
        .filter(coverage_member::Column::GroupId.eq(g.id))
        .filter(coverage_member::Column::Active.eq(true))
        .filter(coverage_member::Column::CompletedAt.is_null());
    if let Scope::Organisations(ids) = scope {
        q = q.filter(coverage_member::Column::OrganisationId.is_in(ids.clone()));
    }
    let member_ids: Vec<i64> = q.all(db).await?.into_iter().map(|s| s.member_id).collect();
    let orgs: HashMap<i64, String> = organisation::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.code))
        .collect();
    let required_ids: Vec<i64> = required.iter().map(|c| c.id).collect();
    let mut out = Vec::new();
    // Bounded statements, however many people are behind.
    for chunk in member_ids.chunks(500) {
        let members = roster_member::Entity::find()
            .filter(roster_member::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        let user_ids: Vec<i64> = members.iter().filter_map(|m| m.user_id).collect();
        let done: HashSet<(i64, i64)> = enrolment::Entity::find()
            .filter(enrolment::Column::UserId.is_in(user_ids.clone()))
            .filter(enrolment::Column::CourseId.is_in(required_ids.clone()))
            .filter(enrolment::Column::CompletedAt.is_not_null())
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.user_id, e.course_id))
            .collect();
        let emails: HashMap<i64, String> = user::Entity::find()
            .filter(user::Column::Id.is_in(user_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect();
        for m in members {
            let missing: Vec<String> = required
                .iter()
                .filter(|c| !m.user_id.is_some_and(|u| done.contains(&(u, c.id))))
                .map(|c| c.title.clone())
                .collect();
            out.push(Incomplete {
                member_id: m.id,
                employee_id: m.employee_id,
                full_name: m.full_name,
                organisation_code: orgs.get(&m.organisation_id).cloned().unwrap_or_default(),
                organisation_id: m.organisation_id,
                email: m.user_id.and_then(|u| emails.get(&u).cloned()).or(m.email),
                has_account: m.user_id.is_some(),
                missing,
            });
        }
    }
    out.sort_by(|a, b| {
        (&a.organisation_code, &a.full_name, a.member_id).cmp(&(
            &b.organisation_code,
            &b.full_name,
            b.member_id,
        ))
    });
    Ok(out)
}

/// Queues a reminder (or, for people without an account, the invitation again) to everyone
/// in the group not complete yet who has an email. Returns how many were queued.
pub async fn send_reminders<C>(
    db: &C,
    scope: &Scope,
    actor_id: i64,
    group_code: &str,
    public_url: &str,
) -> DomainResult<usize>
where
    C: ConnectionTrait + sea_orm::TransactionTrait,
{
    use crate::mail::{MailTemplate, OutgoingMail};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionSession};
    let people = incomplete(db, scope, group_code).await?;
    let g = cadre_group::Entity::find()
        .filter(cadre_group::Column::Code.eq(group_code))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("cadre group"))?;
    let txn = crate::db::begin_write(db).await?;
    let base = public_url.trim_end_matches('/');
    let mut sent = 0;
    for p in people.iter().filter(|p| !p.missing.is_empty()) {
        let Some(email) = &p.email else { continue };
        if p.has_account {
            let mail = OutgoingMail {
                template: MailTemplate::TrainingReminder,
                to: email.clone(),
                lang: "vi".into(),
                vars: serde_json::json!({
                    "display_name": p.full_name,
                    "courses": p.missing,
                    "deadline": g.deadline.format("%d/%m/%Y").to_string(),
                    "link": format!("{base}/my"),
                }),
            };
            crate::mail::enqueue(&txn, &mail).await?;
        } else {
            crate::roster::invite(&txn, public_url, &p.full_name, email, p.organisation_id).await?;
        }
        sent += 1;
    }
    crate::audit::record(
        &txn,
        crate::audit::AuditEntry::new("coverage.reminders_sent", "cadre_group", g.id)
            .by(Some(actor_id))
            .details(serde_json::json!({"sent": sent})),
    )
    .await?;
    txn.commit().await?;
    Ok(sent)
}
