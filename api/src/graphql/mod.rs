//! The GraphQL schema: one module per area, merged into one query and one mutation root, plus
//! the subscription root (referral status changes).

pub mod area;
pub mod auth;
pub mod budget;
pub mod compat;
pub mod cost;
pub mod coverage;
pub mod enums;
pub mod federation;
pub mod insight;
pub mod loaders;
pub mod network;
pub mod node;
pub mod notification;
pub mod offer;
pub mod organisation;
pub mod referral;
pub mod search;
pub mod subscription;
pub mod transport;

use crate::config::LimitsConfig;
use crate::error::AppError;
use crate::state::AppState;
use async_graphql::{Context, MaybeUndefined, MergedObject, Schema};

/// The query root.
#[derive(MergedObject, Default)]
pub struct Query(
    area::AreaQuery,
    organisation::OrganisationQuery,
    offer::OfferQuery,
    offer::FreshnessQuery,
    federation::FederationQuery,
    search::SearchQuery,
    auth::AuthQuery,
    referral::ReferralQuery,
    coverage::CoverageQuery,
    insight::InsightQuery,
    notification::NotificationQuery,
    node::NodeQuery,
    network::NetworkQuery,
);

/// The mutation root.
#[derive(MergedObject, Default)]
pub struct Mutation(
    organisation::OrganisationMutation,
    offer::OfferMutation,
    offer::SuitabilityMutation,
    offer::FreshnessMutation,
    offer::CircleMutation,
    offer::RecoveryFocusMutation,
    federation::FederationMutation,
    search::SearchMutation,
    auth::AuthMutation,
    referral::ReferralMutation,
    referral::SelfReferralMutation,
    notification::NotificationMutation,
    network::NetworkMutation,
    offer::OfferFundingMutation,
);

/// The node's schema type.
pub type WijkSchema = Schema<Query, Mutation, subscription::Subscription>;

/// Builds the schema with the request budget of config (depth, complexity, and per request SQL
/// statements and time; see [`budget`]); `state` is schema data.
pub fn build(state: Option<AppState>, limits: &LimitsConfig) -> WijkSchema {
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        subscription::Subscription,
    )
    .extension(budget::BudgetExtension::new(limits));
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The schema in SDL, as committed in `api/schema.graphql`.
pub fn sdl() -> String {
    build(None, &LimitsConfig::default()).sdl()
}

/// Who makes the request (set by the HTTP layer for each request).
pub fn actor<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a crate::auth::Actor> {
    ctx.data::<crate::auth::Actor>()
}

/// The app state of a request.
pub fn app<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a AppState> {
    ctx.data::<AppState>()
}

/// A GraphQL patch value as "unchanged / cleared / set".
pub fn patch<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

/// Parses an id argument into a global id; an error names the argument (`id`,
/// `organisationId`).
pub fn id_arg(id: &async_graphql::ID, argument: &str) -> Result<crate::domain::GlobalId, AppError> {
    crate::domain::GlobalId::parse(id).map_err(|e| e.in_field(argument))
}

/// Puts the field of an input error under `input` (arguments `id` and `organisationId` stay).
pub fn input_error(e: AppError) -> AppError {
    match e.field_name() {
        Some("id") | Some("organisationId") => e,
        _ if matches!(e, AppError::BadInput { .. }) => e.in_field("input"),
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    /// Fails when the schema changes without `api/schema.graphql` being updated.
    /// Run with `UPDATE_SCHEMA=1` to rewrite the file after an intended change.
    #[test]
    fn schema_is_committed() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
        let current = super::sdl();
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(path, &current).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == current,
            "api/schema.graphql is out of date; review the change and rerun with UPDATE_SCHEMA=1"
        );
    }

    /// Fails on any object, interface or input field or enum value of the committed SDL without
    /// a description (a `///` doc comment on the Rust item), naming each one.
    #[test]
    fn schema_is_documented() {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let sdl = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
            .unwrap();
        let doc = async_graphql::parser::parse_schema(&sdl).unwrap();
        let mut undocumented = Vec::new();
        for def in &doc.definitions {
            let TypeSystemDefinition::Type(t) = def else {
                continue;
            };
            let t = &t.node;
            let name = t.name.node.as_str();
            let mut check = |member: &str, described: bool| {
                if !described {
                    undocumented.push(format!("{name}.{member}"));
                }
            };
            match &t.kind {
                TypeKind::Object(o) => o
                    .fields
                    .iter()
                    .for_each(|f| check(&f.node.name.node, f.node.description.is_some())),
                TypeKind::Interface(i) => i
                    .fields
                    .iter()
                    .for_each(|f| check(&f.node.name.node, f.node.description.is_some())),
                TypeKind::InputObject(i) => i
                    .fields
                    .iter()
                    .for_each(|f| check(&f.node.name.node, f.node.description.is_some())),
                TypeKind::Enum(e) => e
                    .values
                    .iter()
                    .for_each(|v| check(&v.node.value.node, v.node.description.is_some())),
                TypeKind::Scalar | TypeKind::Union(_) => {}
            }
        }
        assert!(
            undocumented.is_empty(),
            "give these a `///` doc comment: {}",
            undocumented.join(", ")
        );
    }
}
