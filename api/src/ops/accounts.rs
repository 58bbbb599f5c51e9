//! Commands that work on the database alone (`create-user`, `disable-demo-accounts`, `migrate`,
//! `rotate-keys`): they run beside a running node, so they never open the search index, whose
//! writer the node holds.

use crate::auth::User;
use crate::auth::users::NewUser;
use crate::config::Config;
use crate::domain::{GlobalId, NodeId};
use crate::error::{AppError, AppResult};
use sea_orm::{DatabaseConnection, EntityTrait};

/// Connects to the configured database and applies the pending migrations; nothing else.
pub async fn open_database(config: &Config) -> AppResult<DatabaseConnection> {
    let (db, _) = crate::db::connect(&config.database_url(), 1).await?;
    crate::ops::migrate::run(&db).await?;
    Ok(db)
}

/// This node's id, from `node.id`.
pub fn node_id(config: &Config) -> AppResult<NodeId> {
    NodeId::parse(&config.node.id).map_err(|e| e.in_field("node.id"))
}

/// Creates a user as [`crate::auth::users::create`] does, after checking that every membership's
/// organisation is an id of an organisation this database knows.
pub async fn create_user(db: &DatabaseConnection, node: &NodeId, new: NewUser) -> AppResult<User> {
    for m in &new.memberships {
        if let Some(raw) = &m.organisation_id {
            let id = GlobalId::parse(raw).map_err(|e| e.in_field("organisation"))?;
            let found = entities::organisation::Entity::find_by_id(id.to_string())
                .one(db)
                .await?;
            if found.is_none() {
                return Err(AppError::NotFound(format!("organisation {id}")));
            }
        }
    }
    crate::auth::users::create(db, node, new).await
}
