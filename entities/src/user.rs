//! People who sign in: practitioners, editors, analysts, admins.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub email: String,
    pub display_name: String,
    /// Argon2 PHC string for local accounts; none for OpenID Connect users.
    pub password_hash: Option<String>,
    /// `sub` claim of an OpenID Connect user.
    pub oidc_subject: Option<String>,
    pub disabled: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::membership::Entity")]
    Membership,
}

impl ActiveModelBehavior for ActiveModel {}
