//! Demo accounts for local sign-in, per demo region one per role (passwords in the README).
//! Created once, when the node has no users, for the demo regions that were loaded, and only on a node
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

/// One demo account.
struct DemoUser {
    /// The demo region whose records it works with (`""`: every node).
    region: &'static str,
    email: &'static str,
    name: &'static str,
    role: Role,
    /// Organisation name (practitioners, editors) or gemeente code (analysts).
    scope: &'static str,
}

const fn demo(
    region: &'static str,
    email: &'static str,
    name: &'static str,
    role: Role,
    scope: &'static str,
) -> DemoUser {
    DemoUser {
        region,
        email,
        name,
        role,
        scope,
    }
}

/// Per demo region a practitioner of its practice, an editor of one of its organisations and an
/// analyst of one of its gemeenten; one node admin.
#[rustfmt::skip]
const DEMO_USERS: [DemoUser; 11] = [
    demo("nijmegen", "huisarts@lent.example", "Huisarts Lent", Role::Practitioner, "Huisartsenpraktijk Lent"),
    demo("nijmegen", "poh@lent.example", "POH-GGZ Lent", Role::Practitioner, "Huisartsenpraktijk Lent"),
    demo("nijmegen", "redactie@bindkracht10.example", "Redactie Bindkracht10", Role::OrganisationEditor, "Bindkracht10"),
    demo("nijmegen", "analist@nijmegen.example", "Analist Nijmegen", Role::MunicipalityAnalyst, "GM0268"),
    demo("noord-holland-noord", "huisarts@heiloo.example", "Huisarts Heiloo", Role::Practitioner, "Huisartsenpraktijk Heiloo"),
    demo("noord-holland-noord", "redactie@wonenpluswelzijn.example", "Redactie Wonen Plus Welzijn Alkmaar", Role::OrganisationEditor, "Wonen Plus Welzijn Alkmaar"),
    demo("noord-holland-noord", "analist@alkmaar.example", "Analist Alkmaar", Role::MunicipalityAnalyst, "GM0361"),
    demo("zuid-limburg", "huisarts@maastricht-west.example", "Huisarts Maastricht-West", Role::Practitioner, "Gezondheidscentrum Maastricht-West"),
    demo("zuid-limburg", "redactie@trajekt.example", "Redactie Trajekt", Role::OrganisationEditor, "Trajekt"),
    demo("zuid-limburg", "analist@maastricht.example", "Analist Maastricht", Role::MunicipalityAnalyst, "GM0935"),
    demo("", "beheer@wijkwijzer.example", "Beheerder", Role::NodeAdmin, ""),
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
    let emails: Vec<&str> = DEMO_USERS.iter().map(|u| u.email).collect();
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
    let emails: Vec<&str> = DEMO_USERS.iter().map(|u| u.email).collect();
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

/// Creates the demo accounts of the loaded demo `regions` (empty: all) unless the node has
/// users, and logs each; returns how many were created.
pub async fn load_if_empty(state: &AppState, regions: &[String]) -> AppResult<usize> {
    if user::Entity::find().count(&state.db).await? > 0 {
        return Ok(0);
    }
    let mut n = 0;
    for demo in &DEMO_USERS {
        let wanted = demo.region.is_empty()
            || regions.is_empty()
            || regions.iter().any(|r| r == demo.region);
        if !wanted {
            continue;
        }
        let Some(membership) = membership_of(state, demo).await? else {
            continue;
        };
        users::create(
            &state.db,
            &state.node_id,
            NewUser {
                email: demo.email.into(),
                display_name: demo.name.into(),
                password: Some(DEMO_PASSWORD.into()),
                oidc_subject: None,
                memberships: vec![membership],
            },
        )
        .await?;
        tracing::info!(
            email = demo.email,
            role = ?demo.role,
            of = demo.scope,
            "demo account (password in the README)"
        );
        n += 1;
    }
    Ok(n)
}

/// The demo account's role; `None` when its organisation was not loaded.
async fn membership_of(state: &AppState, demo: &DemoUser) -> AppResult<Option<Membership>> {
    let role = demo.role;
    Ok(Some(match role {
        Role::Practitioner | Role::OrganisationEditor => {
            let Some(org) = organisation::Entity::find()
                .filter(organisation::Column::Name.eq(demo.scope))
                .one(&state.db)
                .await?
            else {
                return Ok(None);
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
            gemeente_code: Some(demo.scope.to_string()),
        },
        Role::NodeAdmin => Membership {
            role,
            organisation_id: None,
            gemeente_code: None,
        },
    }))
}
