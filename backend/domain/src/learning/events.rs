//! The learning event log: one append-only row per thing a learner did (played part of a
//! video, started or finished a quiz attempt, completed a module or a course), shaped like an
//! xAPI statement — actor, verb, object, result, timestamp — so that audits and later exports
//! (to an LRS) read the same record. The database refuses UPDATE and DELETE on the table.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::db::PgArray;
use crate::entities::learning_event;
use crate::error::DomainResult;

/// Verbs, with the xAPI vocabulary they stand for.
pub mod verb {
    /// Played part of a video (one heartbeat).
    pub const PLAYED: &str = "played";
    /// Started a quiz attempt.
    pub const ATTEMPTED: &str = "attempted";
    /// A quiz attempt was graded: passed or failed.
    pub const PASSED: &str = "passed";
    pub const FAILED: &str = "failed";
    /// A module or a course is complete.
    pub const COMPLETED: &str = "completed";

    pub fn iri(verb: &str) -> &'static str {
        match verb {
            PLAYED => "https://w3id.org/xapi/video/verbs/played",
            ATTEMPTED => "http://adlnet.gov/expapi/verbs/attempted",
            PASSED => "http://adlnet.gov/expapi/verbs/passed",
            FAILED => "http://adlnet.gov/expapi/verbs/failed",
            COMPLETED => "http://adlnet.gov/expapi/verbs/completed",
            _ => "http://adlnet.gov/expapi/verbs/experienced",
        }
    }
}

/// What an event is about.
pub mod object {
    pub const MODULE: &str = "module";
    pub const QUIZ: &str = "quiz";
    pub const COURSE: &str = "course";
}

/// One event about to be written.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub actor_user_id: i64,
    pub verb: &'static str,
    pub object_type: &'static str,
    pub object_id: String,
    pub course_id: i64,
    /// The statement's result, as JSON text.
    pub result: Option<String>,
}

impl Event {
    fn into_active(self) -> learning_event::ActiveModel {
        learning_event::ActiveModel {
            id: NotSet,
            at: Set(self.at),
            actor_user_id: Set(self.actor_user_id),
            verb: Set(self.verb.to_owned()),
            object_type: Set(self.object_type.to_owned()),
            object_id: Set(self.object_id),
            course_id: Set(self.course_id),
            result: Set(self.result),
        }
    }
}

/// An insert into `learning_events` from the seven arrays of [`columns`], passed as the
/// placeholders `$first` to `$first + 6`.
pub(crate) fn insert_from_arrays(first: usize) -> String {
    let p = |i: usize| first + i;
    format!(
        "INSERT INTO learning_events (at, actor_user_id, verb, object_type, object_id, course_id, result) \
         SELECT timestamptz 'epoch' + a * interval '1 microsecond', u, v, t, o, c, NULLIF(r, '') \
         FROM unnest(${}::bigint[], ${}::bigint[], ${}::text[], ${}::text[], ${}::text[], \
           ${}::bigint[], ${}::text[]) AS e(a, u, v, t, o, c, r)",
        p(0),
        p(1),
        p(2),
        p(3),
        p(4),
        p(5),
        p(6)
    )
}

/// Events as the seven PostgreSQL arrays of [`insert_from_arrays`]: times, actors, verbs,
/// object types, object ids, courses, results.
pub(crate) fn columns(events: Vec<Event>) -> [PgArray; 7] {
    let n = events.len();
    let (mut at, mut actors, mut courses) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut verbs, mut types, mut ids, mut results) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for e in events {
        at.push(e.at.timestamp_micros());
        actors.push(e.actor_user_id);
        verbs.push(e.verb.to_owned());
        types.push(e.object_type.to_owned());
        ids.push(e.object_id);
        courses.push(e.course_id);
        results.push(e.result.unwrap_or_default());
    }
    [
        PgArray::Long(at),
        PgArray::Long(actors),
        PgArray::Text(verbs),
        PgArray::Text(types),
        PgArray::Text(ids),
        PgArray::Long(courses),
        PgArray::Text(results),
    ]
}

/// Writes events (one statement, however many), in the caller's transaction.
pub async fn record(db: &impl ConnectionTrait, events: Vec<Event>) -> DomainResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    if db.get_database_backend() == DbBackend::Postgres {
        // Whole columns as arrays: one statement text, prepared once, whatever the count.
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            DbBackend::Postgres,
            insert_from_arrays(1),
            columns(events)
                .into_iter()
                .map(PgArray::value)
                .collect::<Vec<_>>(),
        ))
        .await?;
        return Ok(());
    }
    // Bound the statement's parameter count (8 per row) well below SQLite's and
    // PostgreSQL's limits.
    let mut rows = events.into_iter().map(Event::into_active).peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(1000).collect();
        learning_event::Entity::insert_many(chunk).exec(db).await?;
    }
    Ok(())
}

/// An event as an xAPI-like statement.
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub id: i64,
    pub actor: Value,
    pub verb: Value,
    pub object: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    pub timestamp: DateTime<Utc>,
}

/// `public_url` names the platform (the actor's account home page and the object ids).
pub fn statement(public_url: &str, e: &learning_event::Model) -> Statement {
    let base = public_url.trim_end_matches('/');
    Statement {
        id: e.id,
        actor: json!({"objectType": "Agent", "account": {"homePage": base, "name": e.actor_user_id.to_string()}}),
        verb: json!({"id": verb::iri(&e.verb), "display": {"en": e.verb}}),
        object: json!({
            "objectType": "Activity",
            "id": format!("{base}/xapi/{}/{}", e.object_type, e.object_id),
            "definition": {"type": e.object_type},
        }),
        result: e
            .result
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok()),
        timestamp: e.at,
    }
}

/// A learner's events, newest first.
pub async fn of_learner(
    db: &impl ConnectionTrait,
    user_id: i64,
    limit: u64,
    before_id: Option<i64>,
) -> DomainResult<Vec<learning_event::Model>> {
    let mut q =
        learning_event::Entity::find().filter(learning_event::Column::ActorUserId.eq(user_id));
    if let Some(b) = before_id {
        q = q.filter(learning_event::Column::Id.lt(b));
    }
    Ok(q.order_by_desc(learning_event::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}
