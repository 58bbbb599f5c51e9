//! Organisation mutations and their input.

use super::Organisation;
use crate::error::{AppError, AppResult};
use crate::graphql::enums::OrganisationKind;
use crate::graphql::{actor, app, id_arg, input_error, patch};
use crate::services::organisation::{self as svc, OrganisationFields, OrganisationPatch};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

/// Fields of an organisation. On create, `name` is required; on update, omitted fields keep their
/// value and `null` clears a nullable field.
#[derive(InputObject, Clone, Debug, Default)]
pub struct OrganisationInput {
    /// Name of the organisation. Required on create.
    pub name: Option<String>,
    /// Kind of organisation.
    pub kind: Option<OrganisationKind>,
    /// What the organisation does (plain text).
    pub description: Option<String>,
    /// KvK number, 8 digits.
    pub kvk: MaybeUndefined<String>,
    /// AGB code, 8 digits.
    pub agb: MaybeUndefined<String>,
    /// http(s) URL.
    pub website: MaybeUndefined<String>,
    /// General e-mail address.
    pub email: MaybeUndefined<String>,
    /// General telephone number.
    pub phone: MaybeUndefined<String>,
    /// CBS codes of the areas served (replaces the list).
    pub area_codes: Option<Vec<String>>,
}

impl From<OrganisationInput> for OrganisationFields {
    fn from(i: OrganisationInput) -> Self {
        Self {
            name: i.name,
            kind: i.kind.map(Into::into),
            description: i.description,
            kvk: patch(i.kvk),
            agb: patch(i.agb),
            website: patch(i.website),
            email: patch(i.email),
            phone: patch(i.phone),
            area_codes: i.area_codes,
        }
    }
}

impl TryFrom<OrganisationInput> for OrganisationPatch {
    type Error = AppError;

    /// Parses the input's fields; errors name the field (`website`).
    fn try_from(i: OrganisationInput) -> AppResult<Self> {
        OrganisationPatch::try_from(OrganisationFields::from(i))
    }
}

/// Mutations on organisations. Each is one transaction; a stale `version` gives `CONFLICT`.
#[derive(Default)]
pub struct OrganisationMutation;

#[Object]
impl OrganisationMutation {
    /// Creates a draft organisation owned by this node.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: OrganisationInput,
    ) -> Result<Organisation> {
        let (app, actor) = (app(ctx)?, actor(ctx)?);
        let patch = OrganisationPatch::try_from(input).map_err(input_error)?;
        Ok(Organisation(
            svc::create(app, actor, patch).await.map_err(input_error)?,
        ))
    }

    /// Changes an organisation; `version` must be the current one.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: OrganisationInput,
    ) -> Result<Organisation> {
        let (app, actor) = (app(ctx)?, actor(ctx)?);
        let id = id_arg(&id, "id")?;
        let patch = OrganisationPatch::try_from(input).map_err(input_error)?;
        Ok(Organisation(
            svc::update(app, actor, &id, version, patch)
                .await
                .map_err(input_error)?,
        ))
    }

    /// Publishes an organisation, making it and its published offers public.
    async fn publish_organisation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> Result<Organisation> {
        Ok(Organisation(
            svc::publish(app(ctx)?, actor(ctx)?, &id_arg(&id, "id")?, version).await?,
        ))
    }

    /// Ends an organisation and all its offers.
    async fn end_organisation(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> Result<Organisation> {
        Ok(Organisation(
            svc::end(app(ctx)?, actor(ctx)?, &id_arg(&id, "id")?, version).await?,
        ))
    }
}
