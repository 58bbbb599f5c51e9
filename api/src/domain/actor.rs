//! Who is acting, and what they may do: the one place for permission rules.
//!
//! Every service takes an [`Actor`]; [`crate::auth`] establishes it from a request.

use crate::error::{AppError, AppResult};
use entities::Role;

/// A role held by a user, scoped to an organisation or a gemeente.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    pub role: Role,
    /// For practitioners (their practice) and organisation editors.
    pub organisation_id: Option<String>,
    /// For municipality analysts.
    pub gemeente_code: Option<String>,
}

/// A signed-in person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub memberships: Vec<Membership>,
}

impl User {
    /// Whether the user holds `role` (in any scope).
    pub fn has_role(&self, role: Role) -> bool {
        self.memberships.iter().any(|m| m.role == role)
    }

    /// Organisations for which the user holds `role`.
    pub fn organisations_as(&self, role: Role) -> impl Iterator<Item = &str> {
        self.memberships
            .iter()
            .filter(move |m| m.role == role)
            .filter_map(|m| m.organisation_id.as_deref())
    }

    /// Gemeenten the user analyses.
    pub fn analyst_gemeenten(&self) -> impl Iterator<Item = &str> {
        self.memberships
            .iter()
            .filter(|m| m.role == Role::MunicipalityAnalyst)
            .filter_map(|m| m.gemeente_code.as_deref())
    }
}

/// Whoever makes a request or runs a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// No credentials.
    Anonymous,
    /// The node itself: seeding, CLI commands, background workers.
    System,
    /// A signed-in user.
    User(User),
    /// A federated peer node, by node id.
    Peer(String),
}

impl Actor {
    /// The node itself or a node admin.
    pub fn is_admin(&self) -> bool {
        match self {
            Actor::System => true,
            Actor::User(u) => u.has_role(Role::NodeAdmin),
            _ => false,
        }
    }

    /// The signed-in user, or `UNAUTHENTICATED`.
    pub fn user(&self) -> AppResult<&User> {
        match self {
            Actor::User(u) => Ok(u),
            _ => Err(AppError::Unauthenticated),
        }
    }

    /// A stable label for logs and event records: user id, `system` or `node:<id>`.
    pub fn label(&self) -> String {
        match self {
            Actor::Anonymous => "anonymous".into(),
            Actor::System => "system".into(),
            Actor::User(u) => u.id.clone(),
            Actor::Peer(node) => format!("node:{node}"),
        }
    }

    fn deny(&self, what: &str) -> AppError {
        match self {
            Actor::Anonymous => AppError::Unauthenticated,
            _ => AppError::Forbidden(format!("you may not {what}")),
        }
    }

    /// Node admins create organisations.
    pub fn require_create_organisation(&self) -> AppResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(self.deny("create organisations"))
        }
    }

    /// Whether the actor may edit an organisation and its offers.
    pub fn can_edit_organisation(&self, organisation_id: &str) -> bool {
        self.is_admin()
            || matches!(self, Actor::User(u) if u.organisations_as(Role::OrganisationEditor).any(|o| o == organisation_id))
    }

    /// Unmet search demand (anonymous counts of searches that found little): node admins and
    /// organisation editors.
    pub fn may_see_search_demand(&self) -> bool {
        self.is_admin() || matches!(self, Actor::User(u) if u.has_role(Role::OrganisationEditor))
    }

    /// Practices (organisations) the actor refers from as a practitioner.
    pub fn practices(&self) -> Vec<String> {
        match self {
            Actor::User(u) => u
                .organisations_as(Role::Practitioner)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Organisations whose incoming referrals the actor handles (as their editor).
    pub fn receiving_organisations(&self) -> Vec<String> {
        match self {
            Actor::User(u) => u
                .organisations_as(Role::OrganisationEditor)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The referrer side of a referral: practitioners of the referring practice (and the node).
    pub fn is_referrer_side(&self, practice_id: Option<&str>) -> bool {
        match self {
            Actor::System => true,
            Actor::User(u) => {
                practice_id.is_some_and(|p| u.organisations_as(Role::Practitioner).any(|o| o == p))
            }
            _ => false,
        }
    }

    /// The receiving side of a referral: editors of the offer's organisation (and the node).
    /// Node admins are deliberately not included: referral data is need-to-know.
    pub fn is_receiver_side(&self, organisation_id: &str) -> bool {
        match self {
            Actor::System => true,
            Actor::User(u) => u
                .organisations_as(Role::OrganisationEditor)
                .any(|o| o == organisation_id),
            _ => false,
        }
    }

    /// `UNAUTHENTICATED` for anonymous callers, else `FORBIDDEN` with `what`.
    pub fn denied(&self, what: &str) -> AppError {
        self.deny(what)
    }

    /// Edits of an organisation and its offers: its editors and node admins.
    pub fn require_edit_organisation(&self, organisation_id: &str) -> AppResult<()> {
        if self.can_edit_organisation(organisation_id) {
            Ok(())
        } else {
            Err(self.deny("change this organisation or its offers"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(memberships: Vec<Membership>) -> Actor {
        Actor::User(User {
            id: "u1".into(),
            email: "u@example.org".into(),
            display_name: "U".into(),
            memberships,
        })
    }

    #[test]
    fn editors_edit_only_their_organisation() {
        let editor = user(vec![Membership {
            role: Role::OrganisationEditor,
            organisation_id: Some("n:a".into()),
            gemeente_code: None,
        }]);
        assert!(editor.require_edit_organisation("n:a").is_ok());
        assert!(matches!(
            editor.require_edit_organisation("n:b"),
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            editor.require_create_organisation(),
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            Actor::Anonymous.require_edit_organisation("n:a"),
            Err(AppError::Unauthenticated)
        ));
        assert!(Actor::System.require_edit_organisation("n:b").is_ok());
        let practitioner = user(vec![Membership {
            role: Role::Practitioner,
            organisation_id: Some("n:a".into()),
            gemeente_code: None,
        }]);
        assert!(
            practitioner.require_edit_organisation("n:a").is_err(),
            "a practice member is no editor"
        );
    }
}
