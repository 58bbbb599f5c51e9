//! Demo accounts for local sign-in, one per role (passwords in the README). Created once, when
//! the node has no users, for the demo organisations that were loaded.

use crate::auth::Membership;
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
