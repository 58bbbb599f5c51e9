//! DataLoaders of this area: the networks of organisations and the network details of offers
//! (partners, funding, attributes), batched over a list.

use crate::domain::funding::NetworkDetails;
use crate::read_model::funding as read;
use async_graphql::dataloader::Loader;
use entities::network;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;

/// Networks by member organisation id.
pub struct NetworksByOrganisation(pub DatabaseConnection);
/// Partners, funding and attributes by offer id (absent: none set).
pub struct OfferDetailsByOffer(pub DatabaseConnection);

impl Loader<String> for NetworksByOrganisation {
    type Value = Vec<network::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        Ok(read::networks_by_organisation(&self.0, keys).await?)
    }
}

impl Loader<String> for OfferDetailsByOffer {
    type Value = NetworkDetails;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        Ok(read::details_by_offer(&self.0, keys).await?)
    }
}
