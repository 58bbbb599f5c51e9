//! Demo accounts for local sign-in, one per role (passwords in the README). Created once, when
//! the node has no users, for the demo organisations that were loaded, and only on a node
//! bound to a loopback address (the `cargo run` demo): a node reachable from elsewhere gets its
//! first admin with `create-user`, and refuses to start while a demo account still has the
//! published password ([`published_password_accounts`]).

use crate::auth::Membership;
use crate::auth::password;
use crate::auth::users::{self, NewUser};
use crate::error::AppResult;
use crate::state::AppState;
use entities::{Role, organisation, user};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "wijkwijzer-demo";

/// (e-mail, name, role, organisation name or gemeente code)
const DEMO_USERS: [(&str, &str, Role, &str); 5] = [
    (
        "huisarts@lent.example",
        "Huisarts Lent",
        Role::Practitioner,
        "Huisartsenpraktijk Lent",
    ),
    (
        "poh@lent.example",
        "POH-GGZ Lent",
        Role::Practitioner,
        "Huisartsenpraktijk Lent",
    ),
    (
        "redactie@bindkracht10.example",
        "Redactie Bindkracht10",
        Role::OrganisationEditor,
        "Bindkracht10",
    ),
    (
        "analist@nijmegen.example",
        "Analist Nijmegen",
        Role::MunicipalityAnalyst,
        "GM0268",
    ),
    (
        "beheer@wijkwijzer.example",
        "Beheerder",
        Role::NodeAdmin,
        "",
    ),
];

/// Whether `bind` (`server.bind`) only listens on this machine: a loopback IP, or `localhost`.
pub fn is_loopback_bind(bind: &str) -> bool {
    if let Ok(addr) = bind.parse::<std::net::SocketAddr>() {
        return addr.ip().is_loopback();
    }
    bind.rsplit_once(':')
        .is_some_and(|(host, _)| host.eq_ignore_ascii_case("localhost"))
}

/// E-mail addresses of enabled demo accounts that still have the published password.
pub async fn published_password_accounts(
    db: &impl sea_orm::ConnectionTrait,
) -> AppResult<Vec<String>> {
    let emails: Vec<&str> = DEMO_USERS.iter().map(|u| u.0).collect();
    let rows = user::Entity::find()
        .filter(user::Column::Email.is_in(emails))
        .filter(user::Column::Disabled.eq(false))
        .all(db)
        .await?;
    let mut found = Vec::new();
    for row in rows {
        let Some(hash) = row.password_hash else {
            continue;
        };
        let published = tokio::task::spawn_blocking(move || password::verify(DEMO_PASSWORD, &hash))
            .await
            .map_err(|e| crate::error::AppError::Internal(e.into()))?;
        if published {
            found.push(row.email);
        }
    }
    Ok(found)
}

/// Disables every demo account (`wijkwijzer disable-demo-accounts`); returns how many.
pub async fn disable_demo_accounts(db: &impl sea_orm::ConnectionTrait) -> AppResult<u64> {
    let emails: Vec<&str> = DEMO_USERS.iter().map(|u| u.0).collect();
    Ok(user::Entity::update_many()
        .col_expr(
            user::Column::Disabled,
            sea_orm::sea_query::Expr::value(true),
        )
        .filter(user::Column::Email.is_in(emails))
        .exec(db)
        .await?
        .rows_affected)
}

/// Creates the demo accounts unless the node has users; returns how many were created.
pub async fn load_if_empty(state: &AppState) -> AppResult<usize> {
    if user::Entity::find().count(&state.db).await? > 0 {
        return Ok(0);
    }
    let mut n = 0;
    for (email, name, role, scope) in DEMO_USERS {
        let membership = match role {
            Role::Practitioner | Role::OrganisationEditor => {
                let Some(org) = organisation::Entity::find()
                    .filter(organisation::Column::Name.eq(scope))
                    .one(&state.db)
                    .await?
                else {
                    continue;
                };
                Membership {
                    role,
                    organisation_id: Some(org.id),
                    gemeente_code: None,
                }
            }
            Role::MunicipalityAnalyst => Membership {
                role,
                organisation_id: None,
                gemeente_code: Some(scope.to_string()),
            },
            Role::NodeAdmin => Membership {
                role,
                organisation_id: None,
                gemeente_code: None,
            },
        };
        users::create(
            &state.db,
            &state.node_id,
            NewUser {
                email: email.into(),
                display_name: name.into(),
                password: Some(DEMO_PASSWORD.into()),
                oidc_subject: None,
                memberships: vec![membership],
            },
        )
        .await?;
        n += 1;
    }
    Ok(n)
}
