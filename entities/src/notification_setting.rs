//! How a user wants to hear of notifications by e-mail (no row: immediately).

use sea_orm::entity::prelude::*;

/// When a user gets e-mail about their notifications.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum NotificationMode {
    /// One mail per notification, at once.
    #[default]
    #[sea_orm(string_value = "immediately")]
    Immediately,
    /// One mail a day listing what happened.
    #[sea_orm(string_value = "daily_digest")]
    DailyDigest,
    /// No mail (the in-app inbox only).
    #[sea_orm(string_value = "off")]
    Off,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    pub mode: NotificationMode,
    /// Highest notification id already listed in a digest.
    pub digest_through: i64,
    pub last_digest_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
