//! The roster: HR imports the officials of their organisations from a spreadsheet. Every
//! bad row is reported with its line, column and reason; strict mode imports all or nothing,
//! partial mode the valid rows; a dry run reports what would change and writes nothing.
//! Importing the same file again changes nothing; a full import marks the people of the
//! file's organisations who are missing from it inactive (never deleted). Names are stored
//! in Unicode NFC.
//!
//! A roster entry links to the account with the same email only when that account's email
//! is verified and the account belongs to no organisation or to one the importer manages.
//! The holder of a verified account elsewhere is asked by mail to confirm joining
//! ([`confirm_join`]); an unverified account is never linked (it links itself once its
//! owner proves the address, see [`link_account`]). Linking is what puts a person's
//! training and certificates within an HR officer's reach.

pub mod file;

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, Set, TransactionSession, TransactionTrait,
};
use serde::Serialize;
use serde_json::json;
use unicode_normalization::UnicodeNormalization;

use crate::Grants;
use crate::audit::{self, AuditEntry};
use crate::entities::{
    cadre_group, organisation, province, roster_member, roster_member_group, user, user_token,
};
use crate::error::{DomainError, DomainResult};
pub use file::{Format, Table};

/// The columns of a roster file, with the header names accepted for each (compared without
/// case, diacritics or punctuation).
const COLUMNS: [(&str, &[&str], bool); 7] = [
    (
        "employee_id",
        &["employee id", "ma can bo", "ma nhan vien", "ma so"],
        true,
    ),
    ("full_name", &["full name", "ho va ten", "ho ten"], true),
    ("email", &["email", "e-mail", "thu dien tu"], false),
    (
        "organisation_code",
        &[
            "organisation code",
            "organization code",
            "ma don vi",
            "ma co quan",
        ],
        true,
    ),
    (
        "province_code",
        &["province code", "ma tinh", "ma tinh thanh"],
        false,
    ),
    (
        "cadre_groups",
        &[
            "cadre groups",
            "cadre group",
            "cadre group codes",
            "nhom can bo",
            "nhom doi tuong",
        ],
        false,
    ),
    ("position", &["position", "chuc vu"], false),
];

fn key(header: &str) -> String {
    crate::text::fold(header)
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// One problem of one row (line 1 is the header; line 0 concerns the whole file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub line: usize,
    /// The column, by its canonical name (`employee_id`, `full_name`, `email`,
    /// `organisation_code`, `province_code`, `cadre_groups`, `position`).
    pub column: String,
    /// What is wrong, for pages to say in their language: `missing_column`, `required`,
    /// `too_long`, `not_an_email`, `unknown_organisation`, `not_your_organisation`,
    /// `unknown_province`, `unknown_cadre_group`, `duplicate`.
    pub code: &'static str,
    /// The value in question (the expected header for `missing_column`, the limit for
    /// `too_long`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// For `duplicate`: the line where the employee id first appears.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_line: Option<usize>,
    /// The problem in English.
    pub reason: String,
}

/// Why a row is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reason {
    MissingColumn(&'static str),
    Required,
    TooLong(usize),
    NotAnEmail(String),
    UnknownOrganisation(String),
    NotYourOrganisation(String),
    UnknownProvince(String),
    UnknownCadreGroup(String),
    Duplicate(String, usize),
}

fn problem(line: usize, column: &str, why: Reason) -> RowProblem {
    let (code, value, first_line, reason) = match why {
        Reason::MissingColumn(header) => (
            "missing_column",
            Some(header.to_owned()),
            None,
            format!("missing column (expected a header such as \"{header}\")"),
        ),
        Reason::Required => ("required", None, None, "required".to_owned()),
        Reason::TooLong(max) => (
            "too_long",
            Some(max.to_string()),
            None,
            format!("at most {max} characters"),
        ),
        Reason::NotAnEmail(v) => (
            "not_an_email",
            Some(v.clone()),
            None,
            format!("\"{v}\" is not an email address"),
        ),
        Reason::UnknownOrganisation(v) => (
            "unknown_organisation",
            Some(v.clone()),
            None,
            format!("unknown organisation \"{v}\""),
        ),
        Reason::NotYourOrganisation(v) => (
            "not_your_organisation",
            Some(v.clone()),
            None,
            format!("you do not manage the people of \"{v}\""),
        ),
        Reason::UnknownProvince(v) => (
            "unknown_province",
            Some(v.clone()),
            None,
            format!("unknown province code \"{v}\""),
        ),
        Reason::UnknownCadreGroup(v) => (
            "unknown_cadre_group",
            Some(v.clone()),
            None,
            format!("unknown cadre group \"{v}\""),
        ),
        Reason::Duplicate(v, first) => (
            "duplicate",
            Some(v.clone()),
            Some(first),
            format!("\"{v}\" appears twice (first on line {first})"),
        ),
    };
    RowProblem {
        line,
        column: column.to_owned(),
        code,
        value,
        first_line,
        reason,
    }
}

/// How to import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportOptions {
    /// All or nothing: any bad row and nothing is imported.
    pub strict: bool,
    /// Report what would change, change nothing.
    pub dry_run: bool,
    /// The file is the whole roster of its organisations: people missing from it become
    /// inactive.
    pub full: bool,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub valid: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub deactivated: usize,
    /// Roster entries linked to an existing account by email.
    pub linked: usize,
    /// Course assignments made or changed for people with an account.
    pub assigned: usize,
    /// Invitations queued for new people with an email and no account.
    pub invited: usize,
    /// Rows whose account was not linked: its holder must confirm, or verify the address.
    pub pending: Vec<PendingLink>,
    pub problems: Vec<RowProblem>,
    /// False for a dry run, and for a strict import refused because of problems.
    pub applied: bool,
}

/// A row whose email belongs to an account that the import did not link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingLink {
    pub line: usize,
    /// `confirmation_sent`: the account's holder was mailed a link to confirm joining the
    /// organisation (in a dry run: would be); `confirmation_pending`: such a link was sent
    /// before and is still valid; `email_not_verified`: the account's address is not
    /// verified, it links itself once it is.
    pub code: &'static str,
    /// The same in English.
    pub reason: String,
}

impl PendingLink {
    fn new(line: usize, code: &'static str) -> Self {
        let reason = match code {
            "confirmation_sent" => {
                "the account belongs to another organisation: its holder \
                 is asked by mail to confirm joining"
            }
            "confirmation_pending" => {
                "the account's holder has been asked to confirm joining \
                 and has not answered yet"
            }
            _ => "the account's email address is not verified yet",
        };
        Self {
            line,
            code,
            reason: reason.to_owned(),
        }
    }
}

/// How a row's email relates to an existing account.
enum Reach {
    /// No account has the email.
    NoAccount,
    /// A verified account without an organisation, or of one the importer manages.
    Link(i64),
    /// A verified account of another organisation: its holder must confirm.
    Ask(user::Model),
    /// An account whose email is not verified.
    Unverified,
}

async fn reach(
    db: &impl ConnectionTrait,
    grants: &Grants,
    email: Option<&String>,
) -> DomainResult<Reach> {
    let Some(email) = email else {
        return Ok(Reach::NoAccount);
    };
    Ok(match crate::users::find_by_email(db, email).await? {
        None => Reach::NoAccount,
        Some(u) if u.email_verified_at.is_none() => Reach::Unverified,
        Some(u)
            if u.organisation_id.is_none() || grants.may_manage_people_of(u.organisation_id) =>
        {
            Reach::Link(u.id)
        }
        Some(u) => Reach::Ask(u),
    })
}

/// The purpose of the mailed token that confirms joining roster entry `member_id`.
fn join_purpose(member_id: i64) -> String {
    format!("{JOIN_PURPOSE}{member_id}")
}

const JOIN_PURPOSE: &str = "roster_join:";

/// How long the link to confirm joining a roster stays valid.
const JOIN_TTL_DAYS: i64 = 14;

/// Notes a row left unlinked in the report; asks the holder of a verified account elsewhere
/// to confirm, unless a link sent before is still valid.
async fn note_unlinked(
    db: &impl ConnectionTrait,
    public_url: &str,
    reach: &Reach,
    member: &roster_member::Model,
    line: usize,
    report: &mut ImportReport,
) -> DomainResult<()> {
    if member.user_id.is_some() {
        return Ok(());
    }
    let code = match reach {
        Reach::NoAccount | Reach::Link(_) => return Ok(()),
        Reach::Unverified => "email_not_verified",
        Reach::Ask(u) => {
            let asked = user_token::Entity::find()
                .filter(user_token::Column::UserId.eq(u.id))
                .filter(user_token::Column::Purpose.eq(join_purpose(member.id)))
                .filter(user_token::Column::UsedAt.is_null())
                .filter(user_token::Column::ExpiresAt.gt(Utc::now()))
                .one(db)
                .await?;
            if asked.is_some() {
                "confirmation_pending"
            } else {
                ask_to_join(db, public_url, u, member).await?;
                "confirmation_sent"
            }
        }
    };
    report.pending.push(PendingLink::new(line, code));
    Ok(())
}

/// Mails the holder of `account` a link to confirm that they are the person of roster entry
/// `member`.
async fn ask_to_join(
    db: &impl ConnectionTrait,
    public_url: &str,
    account: &user::Model,
    member: &roster_member::Model,
) -> DomainResult<()> {
    let ttl = chrono::Duration::days(JOIN_TTL_DAYS);
    let token =
        crate::accounts::issue_user_token(db, account.id, &join_purpose(member.id), ttl).await?;
    let organisation = organisation::Entity::find_by_id(member.organisation_id)
        .one(db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    crate::mail::enqueue(
        db,
        &crate::mail::OutgoingMail {
            template: crate::mail::MailTemplate::RosterJoin,
            to: account.email.clone(),
            lang: account.locale.clone(),
            vars: json!({
                "display_name": account.display_name,
                "organisation": organisation,
                "link": format!("{}/roster/join?token={token}", public_url.trim_end_matches('/')),
                "expires_days": JOIN_TTL_DAYS,
            }),
        },
    )
    .await?;
    Ok(())
}

/// The organisation a person is asked to join (or has joined).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JoinRequest {
    pub organisation_code: String,
    pub organisation_name: String,
}

/// The live token `token` of a request to join a roster, with its roster entry.
async fn join_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> DomainResult<(user_token::Model, roster_member::Model, organisation::Model)> {
    let found = user_token::Entity::find()
        .filter(user_token::Column::TokenHash.eq(crate::tokens::digest(token.trim())))
        .filter(user_token::Column::Purpose.starts_with(JOIN_PURPOSE))
        .one(db)
        .await?
        .ok_or(DomainError::InvalidToken)?;
    let found = crate::accounts::live_user_token(db, token, &found.purpose).await?;
    let member_id: i64 = found.purpose[JOIN_PURPOSE.len()..]
        .parse()
        .map_err(|_| DomainError::InvalidToken)?;
    let member = roster_member::Entity::find_by_id(member_id)
        .one(db)
        .await?
        .ok_or(DomainError::InvalidToken)?;
    let account = user::Entity::find_by_id(found.user_id)
        .one(db)
        .await?
        .ok_or(DomainError::InvalidToken)?;
    // The entry must still carry this person's address and be nobody else's.
    if member.email.as_deref() != Some(account.email.as_str())
        || member.user_id.is_some_and(|u| u != account.id)
    {
        return Err(DomainError::InvalidToken);
    }
    let org = organisation::Entity::find_by_id(member.organisation_id)
        .one(db)
        .await?
        .ok_or(DomainError::InvalidToken)?;
    Ok((found, member, org))
}

/// What a mailed link to join a roster asks, without answering it (for the page that asks
/// the person to confirm: mail scanners open links too).
pub async fn join_request(db: &impl ConnectionTrait, token: &str) -> DomainResult<JoinRequest> {
    let (_, _, org) = join_token(db, token).await?;
    Ok(JoinRequest {
        organisation_code: org.code,
        organisation_name: org.name,
    })
}

/// The person confirms, with the mailed token, that they are the person of the roster entry:
/// it is linked to their account and the courses of its groups are assigned. Single use.
pub async fn confirm_join<C>(db: &C, token: &str) -> DomainResult<JoinRequest>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = crate::db::begin_write(db).await?;
    let (found, member, org) = join_token(&txn, token).await?;
    let user_id = crate::accounts::consume_user_token(&txn, token, &found.purpose).await?;
    let member_id = member.id;
    if member.user_id.is_none() {
        let mut a = member.into_active_model();
        a.user_id = Set(Some(user_id));
        a.updated_at = Set(Utc::now());
        a.update(&txn).await?;
    }
    audit::record(
        &txn,
        AuditEntry::new("roster.join_confirmed", "roster_member", member_id)
            .by(Some(user_id))
            .details(json!({"organisation_id": org.id})),
    )
    .await?;
    crate::coverage::summary::refresh_members(&txn, &[member_id]).await?;
    assign_courses(&txn, user_id).await?;
    txn.commit().await?;
    Ok(JoinRequest {
        organisation_code: org.code,
        organisation_name: org.name,
    })
}

#[derive(Debug, Clone)]
struct Row {
    line: usize,
    organisation_id: i64,
    employee_id: String,
    full_name: String,
    email: Option<String>,
    province_id: Option<i64>,
    position: String,
    group_ids: BTreeSet<i64>,
}

/// Checks every row; returns the valid ones and every problem.
async fn validate(
    db: &impl ConnectionTrait,
    grants: &Grants,
    table: &Table,
) -> DomainResult<(Vec<Row>, Vec<RowProblem>)> {
    let mut problems = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (name, aliases, required) in COLUMNS {
        let found = table
            .header
            .iter()
            .position(|h| key(h) == key(name) || aliases.contains(&key(h).as_str()));
        match found {
            Some(i) => {
                index.insert(name, i);
            }
            None if required => problems.push(problem(1, name, Reason::MissingColumn(aliases[0]))),
            None => {}
        }
    }
    if !problems.is_empty() {
        return Ok((Vec::new(), problems));
    }
    let organisations: HashMap<String, organisation::Model> = organisation::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.code.to_lowercase(), o))
        .collect();
    let provinces: Vec<province::Model> = province::Entity::find().all(db).await?;
    let groups: HashMap<String, i64> = cadre_group::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|g| (g.code.to_lowercase(), g.id))
        .collect();

    let mut seen: HashMap<(i64, String), usize> = HashMap::new();
    let mut rows = Vec::new();
    for (line, cells) in &table.rows {
        let line = *line;
        let get = |name: &str| -> String {
            index
                .get(name)
                .and_then(|i| cells.get(*i))
                .cloned()
                .unwrap_or_default()
        };
        let before = problems.len();
        let employee_id = get("employee_id");
        if employee_id.is_empty() {
            problems.push(problem(line, "employee_id", Reason::Required));
        } else if employee_id.chars().count() > 64 {
            problems.push(problem(line, "employee_id", Reason::TooLong(64)));
        }
        let full_name: String = get("full_name").nfc().collect::<String>();
        let full_name = full_name.split_whitespace().collect::<Vec<_>>().join(" ");
        if full_name.is_empty() {
            problems.push(problem(line, "full_name", Reason::Required));
        } else if full_name.chars().count() > 200 {
            problems.push(problem(line, "full_name", Reason::TooLong(200)));
        }
        let raw_email = get("email");
        let email = if raw_email.is_empty() {
            None
        } else {
            match crate::accounts::normalize_email(&raw_email) {
                Ok(e) => Some(e),
                Err(_) => {
                    problems.push(problem(
                        line,
                        "email",
                        Reason::NotAnEmail(raw_email.clone()),
                    ));
                    None
                }
            }
        };
        let org_code = get("organisation_code");
        let organisation_id = match organisations.get(&org_code.to_lowercase()) {
            None if org_code.is_empty() => {
                problems.push(problem(line, "organisation_code", Reason::Required));
                None
            }
            None => {
                problems.push(problem(
                    line,
                    "organisation_code",
                    Reason::UnknownOrganisation(org_code.clone()),
                ));
                None
            }
            Some(o) if !grants.may_manage_people_of(Some(o.id)) => {
                problems.push(problem(
                    line,
                    "organisation_code",
                    Reason::NotYourOrganisation(org_code.clone()),
                ));
                None
            }
            Some(o) => Some(o.id),
        };
        let province_code = get("province_code");
        let province_id = if province_code.is_empty() {
            None
        } else {
            let code = province_code.trim_start_matches('0');
            let found = provinces
                .iter()
                .find(|p| p.code == province_code || p.code.trim_start_matches('0') == code);
            match found {
                Some(p) if p.is_current => Some(p.id),
                Some(p) => p.replaced_by_id,
                None => {
                    problems.push(problem(
                        line,
                        "province_code",
                        Reason::UnknownProvince(province_code.clone()),
                    ));
                    None
                }
            }
        };
        let mut group_ids = BTreeSet::new();
        for code in get("cadre_groups")
            .split([',', ';', '|'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            match groups.get(&code.to_lowercase()) {
                Some(id) => {
                    group_ids.insert(*id);
                }
                None => problems.push(problem(
                    line,
                    "cadre_groups",
                    Reason::UnknownCadreGroup(code.to_owned()),
                )),
            }
        }
        let position: String = get("position").nfc().collect();
        if let Some(org) = organisation_id
            && !employee_id.is_empty()
            && let Some(first) = seen.insert((org, employee_id.to_lowercase()), line)
        {
            problems.push(problem(
                line,
                "employee_id",
                Reason::Duplicate(employee_id.clone(), first),
            ));
        }
        if problems.len() == before
            && let Some(organisation_id) = organisation_id
        {
            rows.push(Row {
                line,
                organisation_id,
                employee_id,
                full_name,
                email,
                province_id,
                position: position.chars().take(200).collect(),
                group_ids,
            });
        }
    }
    Ok((rows, problems))
}

/// Imports a roster table (see the module documentation for the rules).
pub async fn import<C>(
    db: &C,
    actor_id: i64,
    grants: &Grants,
    table: &Table,
    options: ImportOptions,
    public_url: &str,
) -> DomainResult<ImportReport>
where
    C: ConnectionTrait + TransactionTrait,
{
    if !grants.is_admin() && !grants.has(crate::Role::Hr) {
        return Err(DomainError::Forbidden);
    }
    let (rows, problems) = validate(db, grants, table).await?;
    let mut report = ImportReport {
        rows: table.rows.len(),
        valid: rows.len(),
        problems,
        ..Default::default()
    };
    let header_broken = report.problems.iter().any(|p| p.line <= 1);
    if header_broken || (options.strict && !report.problems.is_empty()) {
        return Ok(report);
    }
    let txn = crate::db::begin_write(db).await?;
    let now = Utc::now();
    let mut in_file: HashSet<i64> = HashSet::new();
    // Members whose coverage summary rows must be recomputed.
    let mut changed: Vec<i64> = Vec::new();
    let orgs: HashSet<i64> = rows.iter().map(|r| r.organisation_id).collect();
    for r in &rows {
        let existing = roster_member::Entity::find()
            .filter(roster_member::Column::OrganisationId.eq(r.organisation_id))
            .filter(roster_member::Column::EmployeeId.eq(r.employee_id.clone()))
            .one(&txn)
            .await?;
        let reach = reach(&txn, grants, r.email.as_ref()).await?;
        let user_id = match &reach {
            Reach::Link(id) => Some(*id),
            _ => None,
        };
        let member = match existing {
            None => {
                report.created += 1;
                report.linked += usize::from(user_id.is_some());
                if let (Some(email), Reach::NoAccount) = (&r.email, &reach) {
                    invite(&txn, public_url, &r.full_name, email, r.organisation_id).await?;
                    report.invited += 1;
                }
                roster_member::ActiveModel {
                    id: NotSet,
                    organisation_id: Set(r.organisation_id),
                    employee_id: Set(r.employee_id.clone()),
                    full_name: Set(r.full_name.clone()),
                    email: Set(r.email.clone()),
                    province_id: Set(r.province_id),
                    position: Set(r.position.clone()),
                    active: Set(true),
                    user_id: Set(user_id),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&txn)
                .await?
            }
            Some(m) => {
                let groups: BTreeSet<i64> = roster_member_group::Entity::find()
                    .filter(roster_member_group::Column::MemberId.eq(m.id))
                    .all(&txn)
                    .await?
                    .into_iter()
                    .map(|g| g.group_id)
                    .collect();
                let linked_user = m.user_id.or(user_id);
                let same = m.full_name == r.full_name
                    && m.email == r.email
                    && m.province_id == r.province_id
                    && m.position == r.position
                    && m.active
                    && m.user_id == linked_user
                    && groups == r.group_ids;
                if same {
                    report.unchanged += 1;
                    in_file.insert(m.id);
                    note_unlinked(&txn, public_url, &reach, &m, r.line, &mut report).await?;
                    continue;
                }
                report.updated += 1;
                report.linked += usize::from(m.user_id.is_none() && linked_user.is_some());
                let mut a = m.into_active_model();
                a.full_name = Set(r.full_name.clone());
                a.email = Set(r.email.clone());
                a.province_id = Set(r.province_id);
                a.position = Set(r.position.clone());
                a.active = Set(true);
                a.user_id = Set(linked_user);
                a.updated_at = Set(now);
                a.update(&txn).await?
            }
        };
        in_file.insert(member.id);
        changed.push(member.id);
        note_unlinked(&txn, public_url, &reach, &member, r.line, &mut report).await?;
        roster_member_group::Entity::delete_many()
            .filter(roster_member_group::Column::MemberId.eq(member.id))
            .exec(&txn)
            .await?;
        for g in &r.group_ids {
            roster_member_group::ActiveModel {
                member_id: Set(member.id),
                group_id: Set(*g),
            }
            .insert(&txn)
            .await?;
        }
    }
    if options.full {
        for m in roster_member::Entity::find()
            .filter(roster_member::Column::OrganisationId.is_in(orgs.iter().copied()))
            .filter(roster_member::Column::Active.eq(true))
            .all(&txn)
            .await?
        {
            if !in_file.contains(&m.id) {
                report.deactivated += 1;
                changed.push(m.id);
                let mut a = m.into_active_model();
                a.active = Set(false);
                a.updated_at = Set(now);
                a.update(&txn).await?;
            }
        }
    }
    crate::coverage::summary::refresh_members(&txn, &changed).await?;
    let users: BTreeSet<i64> = roster_member::Entity::find()
        .filter(roster_member::Column::Id.is_in(in_file.iter().copied()))
        .all(&txn)
        .await?
        .into_iter()
        .filter_map(|m| m.user_id)
        .collect();
    for u in users {
        report.assigned += assign_courses(&txn, u).await?;
    }
    if options.dry_run {
        txn.rollback().await?;
        return Ok(report);
    }
    audit::record(
        &txn,
        AuditEntry::new("roster.imported", "roster", actor_id)
            .by(Some(actor_id))
            .details(json!({
                "rows": report.rows, "created": report.created, "updated": report.updated,
                "unchanged": report.unchanged, "deactivated": report.deactivated,
                "problems": report.problems.len(), "full": options.full, "strict": options.strict,
            })),
    )
    .await?;
    txn.commit().await?;
    report.applied = true;
    Ok(report)
}

/// Enrols a person in the required courses of every cadre group their active roster entries
/// belong to, due at the end of the group's deadline (the earliest, when two groups require
/// the same course). Already assigned with that due date: left alone. Returns the number of
/// assignments made or changed.
pub async fn assign_courses(db: &impl ConnectionTrait, user_id: i64) -> DomainResult<usize> {
    use crate::entities::{cadre_group_course, enrolment};
    let members: Vec<i64> = roster_member::Entity::find()
        .filter(roster_member::Column::UserId.eq(user_id))
        .filter(roster_member::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    if members.is_empty() {
        return Ok(0);
    }
    let group_ids: Vec<i64> = roster_member_group::Entity::find()
        .filter(roster_member_group::Column::MemberId.is_in(members))
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.group_id)
        .collect();
    let groups: HashMap<i64, cadre_group::Model> = cadre_group::Entity::find()
        .filter(cadre_group::Column::Id.is_in(group_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|g| (g.id, g))
        .collect();
    let mut due: HashMap<i64, chrono::DateTime<Utc>> = HashMap::new();
    for link in cadre_group_course::Entity::find()
        .filter(cadre_group_course::Column::GroupId.is_in(group_ids))
        .all(db)
        .await?
    {
        let Some(g) = groups.get(&link.group_id) else {
            continue;
        };
        let end_of_day = g
            .deadline
            .and_hms_opt(23, 59, 59)
            .map(|d| d.and_utc())
            .unwrap_or_else(Utc::now);
        due.entry(link.course_id)
            .and_modify(|d| *d = (*d).min(end_of_day))
            .or_insert(end_of_day);
    }
    let mut changed = 0;
    for (course_id, due_at) in due {
        let existing = enrolment::Entity::find()
            .filter(enrolment::Column::UserId.eq(user_id))
            .filter(enrolment::Column::CourseId.eq(course_id))
            .one(db)
            .await?;
        let up_to_date = existing.as_ref().is_some_and(|e| {
            e.source == crate::courses::enrolment::source::ASSIGNED && e.due_at == Some(due_at)
        });
        if !up_to_date {
            crate::courses::enrolment::assign(db, None, user_id, course_id, Some(due_at)).await?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Links the roster entries carrying `email` to the account that has just proven it, then
/// assigns the courses of their groups.
pub async fn link_account(
    db: &impl ConnectionTrait,
    user_id: i64,
    email: &str,
) -> DomainResult<usize> {
    let now = Utc::now();
    for m in roster_member::Entity::find()
        .filter(roster_member::Column::Email.eq(email.to_lowercase()))
        .filter(roster_member::Column::UserId.is_null())
        .all(db)
        .await?
    {
        let mut a = m.into_active_model();
        a.user_id = Set(Some(user_id));
        a.updated_at = Set(now);
        a.update(db).await?;
    }
    crate::coverage::summary::refresh_user(db, user_id).await?;
    assign_courses(db, user_id).await
}

/// Queues the invitation of a rostered official who has no account yet (at import, and again
/// with reminders): a link to the registration form with their email filled in.
pub(crate) async fn invite(
    db: &impl ConnectionTrait,
    public_url: &str,
    full_name: &str,
    email: &str,
    organisation_id: i64,
) -> DomainResult<()> {
    let organisation = organisation::Entity::find_by_id(organisation_id)
        .one(db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let encoded: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
    let link = format!(
        "{}/register?email={encoded}",
        public_url.trim_end_matches('/')
    );
    crate::mail::enqueue(
        db,
        &crate::mail::OutgoingMail {
            template: crate::mail::MailTemplate::RosterInvitation,
            to: email.to_owned(),
            lang: "vi".into(),
            vars: json!({"display_name": full_name, "organisation": organisation, "email": email, "link": link}),
        },
    )
    .await?;
    Ok(())
}
