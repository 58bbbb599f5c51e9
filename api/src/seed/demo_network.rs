//! Demo networks (`api/data/demo_networks.json`) and the demo offers' partners, funding and
//! attributes (an offer's `network` key in `demo.json`), written through
//! `services::network` like any other.

use crate::domain::funding::{Access, NetworkDetails, NetworkDetailsFields};
use crate::domain::{Actor, GlobalId};
use crate::error::{AppError, AppResult};
use crate::services::network::{self as svc, NetworkFields, NetworkPatch};
use crate::state::AppState;
use serde::Deserialize;
use std::collections::HashMap;

const DEMO_NETWORKS_JSON: &str = include_str!("../../data/demo_networks.json");

/// A demo network; members by organisation name (names not in the loaded demo are skipped).
#[derive(Deserialize)]
struct DemoNetwork {
    region: String,
    name: String,
    description: String,
    website: Option<String>,
    region_codes: Vec<String>,
    members: Vec<String>,
}

#[derive(Deserialize)]
struct DemoFunder {
    name: String,
    kind: String,
}

/// The `network` key of a demo offer.
#[derive(Deserialize, Default)]
pub struct DemoDetails {
    #[serde(default)]
    partners: Vec<String>,
    #[serde(default)]
    funders: Vec<DemoFunder>,
    #[serde(default)]
    routes: Vec<String>,
    #[serde(default)]
    peer_led: bool,
    mode: Option<String>,
    #[serde(default)]
    wheelchair: bool,
    #[serde(default)]
    hearing_loop: bool,
    #[serde(default)]
    public_transport: bool,
}

/// Sets the details of a demo offer; partners by organisation name (`orgs`: name to id).
pub async fn apply(
    state: &AppState,
    offer: &GlobalId,
    owner: &str,
    version: i32,
    d: DemoDetails,
    orgs: &HashMap<String, String>,
) -> AppResult<()> {
    let fields = NetworkDetailsFields {
        partners: d
            .partners
            .iter()
            .filter_map(|n| orgs.get(n).cloned())
            .collect(),
        funders: d.funders.into_iter().map(|f| (f.name, f.kind)).collect(),
        routes: d.routes,
        peer_led: d.peer_led,
        mode: d.mode,
        access: Access {
            wheelchair: d.wheelchair,
            hearing_loop: d.hearing_loop,
            public_transport: d.public_transport,
        },
    };
    let details = NetworkDetails::parse(fields, owner)?;
    svc::set_offer_details(state, &Actor::System, offer, version, details).await?;
    Ok(())
}

/// Creates the demo networks of `regions` (all when empty) with the members found in `orgs`.
pub async fn load_networks(
    state: &AppState,
    regions: &[String],
    orgs: &HashMap<String, String>,
) -> AppResult<()> {
    let demo: Vec<DemoNetwork> = serde_json::from_str(DEMO_NETWORKS_JSON)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("demo_networks.json: {e}")))?;
    for n in demo
        .into_iter()
        .filter(|n| regions.is_empty() || regions.contains(&n.region))
    {
        let patch = NetworkPatch::parse(NetworkFields {
            name: n.name,
            description: Some(n.description),
            website: n.website,
            region: n.region_codes,
        })?;
        let created = svc::create(state, &Actor::System, patch).await?;
        let network_id = GlobalId::parse(&created.id)?;
        for member in n.members.iter().filter_map(|m| orgs.get(m)) {
            svc::add_member(
                state,
                &Actor::System,
                &network_id,
                &GlobalId::parse(member)?,
            )
            .await?;
        }
    }
    Ok(())
}
