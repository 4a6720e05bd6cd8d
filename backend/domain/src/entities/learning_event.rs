use sea_orm::entity::prelude::*;

/// One learning event (append-only): an actor, a verb, an object and a result, the parts of
/// an xAPI statement. `result` is JSON text.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "learning_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub actor_user_id: i64,
    pub verb: String,
    pub object_type: String,
    pub object_id: String,
    pub course_id: i64,
    #[sea_orm(column_type = "Text", nullable)]
    pub result: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
