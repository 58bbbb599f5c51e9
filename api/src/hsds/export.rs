//! Mapping public records to HSDS 3.0: offers -> `service`, organisations -> `organization`,
//! locations -> `location` + `address` + `service_at_location`.
//! Ids and `wijkwijzer:` link types: [`super::ids`].

use super::ids::{
    AREA_URN, GLOBAL_ID, KIND, LIFE_DOMAIN, TARGET_GROUP, masked, namespace, record_uuid,
    service_at_location_uuid, sub_uuid,
};
use super::types::{
    Address, Attribute, Contact, CostOption, Dataset, Language, Location, Organization,
    OrganizationIdentifier, Phone, Schedule, Service, ServiceArea, ServiceAtLocation,
};
use crate::error::{AppError, AppResult};
use crate::read_model::OfferBundle;
use crate::read_model::derived;
use crate::read_model::offer::area_codes_by_organisation;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entities::{CostPeriod, OfferStatus, OrganisationStatus, area, location, offer, organisation};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

fn attribute(owner: &str, entity: &str, link_type: &str, value: &str) -> Attribute {
    Attribute {
        id: sub_uuid(owner, &format!("attribute:{link_type}:{value}")),
        link_id: Some(record_uuid(owner)),
        taxonomy_term_id: Some(Uuid::new_v5(&namespace(), link_type.as_bytes()).to_string()),
        link_type: Some(link_type.to_string()),
        link_entity: Some(entity.to_string()),
        value: Some(value.to_string()),
    }
}

fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The HSDS status of an offer.
pub fn service_status(status: OfferStatus) -> &'static str {
    match status {
        OfferStatus::Planned | OfferStatus::Open | OfferStatus::Full | OfferStatus::Running => {
            "active"
        }
        OfferStatus::Paused => "temporarily closed",
        OfferStatus::Ended => "defunct",
    }
}

/// The condition selecting public offers (the stored, indexed `offers.is_public`).
fn public_offers() -> Condition {
    Condition::all().add(Expr::col((offer::Entity, derived::is_public_col())).eq(true))
}

/// Selects records whose global id has this UUID part.
fn uuid_suffix(id: &str) -> AppResult<String> {
    let uuid = Uuid::parse_str(id.trim())
        .map_err(|_| AppError::field("id", format!("'{id}' is not a UUID")))?;
    Ok(format!("%:{}", uuid.hyphenated()))
}

/// Filters on `/services`; all given filters must hold (AND).
#[derive(Clone, Debug, Default)]
pub struct ServiceFilter {
    /// Only services changed after this moment.
    pub modified_after: Option<DateTime<Utc>>,
    /// Only services of this organization (HSDS UUID).
    pub organization_id: Option<String>,
    /// Only services whose name or description contains this text.
    pub search: Option<String>,
}

impl ServiceFilter {
    fn condition(&self) -> AppResult<Condition> {
        let mut cond = public_offers();
        if let Some(after) = self.modified_after {
            cond = cond.add(offer::Column::UpdatedAt.gt(after));
        }
        if let Some(org) = &self.organization_id {
            cond = cond.add(offer::Column::OrganisationId.like(uuid_suffix(org)?));
        }
        if let Some(text) = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            cond = cond.add(
                Condition::any()
                    .add(offer::Column::Title.contains(text))
                    .add(offer::Column::Description.contains(text)),
            );
        }
        Ok(cond)
    }
}

/// One page (1-based) of public services and the total count.
pub async fn services_page(
    state: &AppState,
    filter: &ServiceFilter,
    page: u64,
    per_page: u64,
) -> AppResult<(Vec<Service>, u64)> {
    let cond = filter.condition()?;
    let total = offer::Entity::find()
        .filter(cond.clone())
        .count(&state.db)
        .await?;
    let offers = offer::Entity::find()
        .filter(cond)
        .order_by_asc(offer::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(&state.db)
        .await?;
    Ok((build_services(&state.db, offers, true).await?, total))
}

/// Ids and modification dates of public services.
pub async fn services_minimal(
    state: &AppState,
    filter: &ServiceFilter,
    page: u64,
    per_page: u64,
) -> AppResult<(Vec<super::types::Minimal>, u64)> {
    let cond = filter.condition()?;
    let total = offer::Entity::find()
        .filter(cond.clone())
        .count(&state.db)
        .await?;
    let rows: Vec<(String, DateTime<Utc>)> = offer::Entity::find()
        .select_only()
        .column(offer::Column::Id)
        .column(offer::Column::UpdatedAt)
        .filter(cond)
        .order_by_asc(offer::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .into_tuple()
        .all(&state.db)
        .await?;
    let items = rows
        .into_iter()
        .map(|(id, at)| super::types::Minimal {
            id: record_uuid(&id),
            last_modified: Some(rfc3339(&at)),
        })
        .collect();
    Ok((items, total))
}

/// One public service by HSDS id.
pub async fn service(state: &AppState, id: &str) -> AppResult<Service> {
    let found = offer::Entity::find()
        .filter(public_offers())
        .filter(offer::Column::Id.like(uuid_suffix(id)?))
        .all(&state.db)
        .await?;
    build_services(&state.db, found, true)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::NotFound(format!("service {id}")))
}

/// The condition selecting locations of public offers.
fn public_locations() -> AppResult<Condition> {
    Ok(Condition::all().add(
        location::Column::OfferId.in_subquery(
            Query::select()
                .column(offer::Column::Id)
                .from(offer::Entity)
                .cond_where(public_offers())
                .to_owned(),
        ),
    ))
}

/// Service-at-location records of the given locations, with their nested location.
async fn service_at_locations_of(
    state: &AppState,
    locations: Vec<location::Model>,
) -> AppResult<Vec<ServiceAtLocation>> {
    let offer_ids: Vec<&str> = locations.iter().map(|l| l.offer_id.as_str()).collect();
    let offers: HashMap<String, offer::Model> = offer::Entity::find()
        .filter(offer::Column::Id.is_in(offer_ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    Ok(locations
        .iter()
        .filter_map(|l| {
            let o = offers.get(&l.offer_id)?;
            Some(map_location(l, &record_uuid(&o.id)))
        })
        .collect())
}

/// One page of service-at-location records (one per location of a public offer).
pub async fn service_at_locations_page(
    state: &AppState,
    page: u64,
    per_page: u64,
) -> AppResult<(Vec<ServiceAtLocation>, u64)> {
    let cond = public_locations()?;
    let total = location::Entity::find()
        .filter(cond.clone())
        .count(&state.db)
        .await?;
    let rows = location::Entity::find()
        .filter(cond)
        .order_by_asc(location::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(&state.db)
        .await?;
    Ok((service_at_locations_of(state, rows).await?, total))
}

/// One service-at-location record by HSDS id: its location is found by primary key among the
/// global ids the UUID can have here (this node's and each configured peer's), in one
/// statement whatever the size of the catalogue, plus one for its offer.
pub async fn service_at_location(state: &AppState, id: &str) -> AppResult<ServiceAtLocation> {
    let wanted = Uuid::parse_str(id.trim())
        .map_err(|_| AppError::field("id", format!("'{id}' is not a UUID")))?;
    let location_uuid = masked(&wanted).hyphenated().to_string();
    let candidates: Vec<String> = std::iter::once(state.node_id.as_str())
        .chain(state.config.federation.peers.iter().map(|p| p.id.as_str()))
        .map(|node| format!("{node}:{location_uuid}"))
        .collect();
    let hit = location::Entity::find()
        .filter(location::Column::Id.is_in(candidates))
        .filter(public_locations()?)
        .all(&state.db)
        .await?;
    service_at_locations_of(state, hit)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::NotFound(format!("service_at_location {id}")))
}

/// One page of published organizations and the total count.
pub async fn organizations_page(
    state: &AppState,
    page: u64,
    per_page: u64,
) -> AppResult<(Vec<Organization>, u64)> {
    let select = organisation::Entity::find()
        .filter(organisation::Column::Status.eq(OrganisationStatus::Published));
    let total = select.clone().count(&state.db).await?;
    let orgs = select
        .order_by_asc(organisation::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(&state.db)
        .await?;
    Ok((orgs.iter().map(map_organization).collect(), total))
}

/// One published organization by HSDS id, with its services.
pub async fn organization(state: &AppState, id: &str) -> AppResult<Organization> {
    let org = organisation::Entity::find()
        .filter(organisation::Column::Status.eq(OrganisationStatus::Published))
        .filter(organisation::Column::Id.like(uuid_suffix(id)?))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("organization {id}")))?;
    let offers = offer::Entity::find()
        .filter(public_offers())
        .filter(offer::Column::OrganisationId.eq(org.id.as_str()))
        .order_by_asc(offer::Column::Id)
        .all(&state.db)
        .await?;
    let mut mapped = map_organization(&org);
    mapped.services = build_services(&state.db, offers, false).await?;
    Ok(mapped)
}

/// Every public record as one HSDS dataset (the `export-hsds` file).
pub async fn dataset(state: &AppState) -> AppResult<Dataset> {
    let orgs = organisation::Entity::find()
        .filter(organisation::Column::Status.eq(OrganisationStatus::Published))
        .order_by_asc(organisation::Column::Id)
        .all(&state.db)
        .await?;
    let offers = offer::Entity::find()
        .filter(public_offers())
        .order_by_asc(offer::Column::Id)
        .all(&state.db)
        .await?;
    Ok(Dataset {
        hsds_version: "3.0".into(),
        node: state.node_id.to_string(),
        generated_at: rfc3339(&Utc::now()),
        organizations: orgs.iter().map(map_organization).collect(),
        services: build_services(&state.db, offers, true).await?,
    })
}

/// Maps an organisation (without services).
pub fn map_organization(o: &organisation::Model) -> Organization {
    let oid = record_uuid(&o.id);
    let mut identifiers = Vec::new();
    if let Some(kvk) = &o.kvk {
        identifiers.push(OrganizationIdentifier {
            id: sub_uuid(&o.id, "kvk"),
            organization_id: Some(oid.clone()),
            identifier_scheme: Some("NL-KVK".into()),
            identifier_type: "KvK-nummer".into(),
            identifier: kvk.clone(),
        });
    }
    if let Some(agb) = &o.agb {
        identifiers.push(OrganizationIdentifier {
            id: sub_uuid(&o.id, "agb"),
            organization_id: Some(oid.clone()),
            identifier_scheme: Some("NL-AGB".into()),
            identifier_type: "AGB-code".into(),
            identifier: agb.clone(),
        });
    }
    Organization {
        id: oid.clone(),
        name: o.name.clone(),
        description: o.description.clone(),
        email: o.email.clone(),
        website: o.website.clone(),
        uri: Some(format!("urn:wijkwijzer:{}", o.id)),
        phones: o
            .phone
            .iter()
            .map(|p| Phone {
                id: sub_uuid(&o.id, "phone"),
                organization_id: Some(oid.clone()),
                contact_id: None,
                number: p.clone(),
            })
            .collect(),
        organization_identifiers: identifiers,
        attributes: vec![
            attribute(&o.id, "organization", GLOBAL_ID, &o.id),
            attribute(
                &o.id,
                "organization",
                "wijkwijzer:organisation_kind",
                o.kind.as_str(),
            ),
        ],
        services: Vec::new(),
    }
}

fn cost_option_label(p: CostPeriod) -> &'static str {
    p.as_str()
}

/// Maps offers with everything they link to, in a constant number of statements: their
/// [`OfferBundle`]s, the areas their organisations serve and those areas.
async fn build_services(
    db: &impl ConnectionTrait,
    offers: Vec<offer::Model>,
    with_organization: bool,
) -> AppResult<Vec<Service>> {
    if offers.is_empty() {
        return Ok(Vec::new());
    }
    let bundles = OfferBundle::of_offers(db, offers).await?;
    let org_ids: Vec<&str> = bundles.iter().map(|b| b.organisation.id.as_str()).collect();
    let served = area_codes_by_organisation(db, &org_ids).await?;
    // An offer serves its organisation's areas, or else the buurten of its locations.
    let area_codes_of = |b: &OfferBundle| -> Vec<String> {
        match served.get(&b.organisation.id) {
            Some(codes) if !codes.is_empty() => codes.clone(),
            _ => {
                let mut codes: Vec<String> = b
                    .locations
                    .iter()
                    .filter_map(|l| l.buurt_code.clone())
                    .collect();
                codes.sort();
                codes.dedup();
                codes
            }
        }
    };
    let all_codes: Vec<String> = bundles.iter().flat_map(&area_codes_of).collect();
    let areas: HashMap<String, area::Model> = area::Entity::find()
        .filter(area::Column::Code.is_in(all_codes.iter().map(String::as_str)))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.code.clone(), a))
        .collect();
    let ids: Vec<&str> = bundles.iter().map(|b| b.offer.id.as_str()).collect();
    let details = crate::read_model::funding::details_by_offer(db, &ids).await?;
    let recovery = super::recovery::Extras::load(db, &ids).await?;
    Ok(bundles
        .iter()
        .map(|b| {
            let service_areas = service_areas(&b.offer, area_codes_of(b), &areas);
            let mut s = map_service(b, service_areas);
            super::network::export(&mut s, &b.offer.id, details.get(&b.offer.id));
            recovery.export(&mut s, &b.offer.id);
            if with_organization {
                s.organization = Some(Box::new(map_organization(&b.organisation)));
            }
            s
        })
        .collect())
}

/// Maps one offer (without its organization).
fn map_service(b: &OfferBundle, service_areas: Vec<ServiceArea>) -> Service {
    let o = &b.offer;
    let sid = record_uuid(&o.id);
    let age = |a: Option<i32>| a.map(f64::from);
    Service {
        id: sid.clone(),
        organization_id: Some(record_uuid(&o.organisation_id)),
        name: o.title.clone(),
        description: Some(o.description.clone()).filter(|d| !d.is_empty()),
        email: o.contact_email.clone(),
        status: service_status(o.status).into(),
        application_process: o.how_to_join.clone(),
        fees_description: o.cost_note.clone(),
        eligibility_description: None,
        minimum_age: age(o.min_age),
        maximum_age: age(o.max_age),
        alert: None,
        last_modified: Some(rfc3339(&o.updated_at)),
        phones: Vec::new(),
        schedules: schedules(o, &sid),
        service_areas,
        service_at_locations: b.locations.iter().map(|l| map_location(l, &sid)).collect(),
        languages: o
            .languages
            .0
            .iter()
            .map(|code| Language {
                id: sub_uuid(&o.id, &format!("language:{code}")),
                service_id: Some(sid.clone()),
                code: Some(code.clone()),
            })
            .collect(),
        organization: None,
        cost_options: vec![cost_option(o, &sid)],
        contacts: contacts(o, &sid),
        attributes: service_attributes(b),
        funding: Vec::new(),
    }
}

/// The global id, kind, life domains and target groups of an offer as attributes.
fn service_attributes(b: &OfferBundle) -> Vec<Attribute> {
    let o = &b.offer;
    let mut attributes = vec![
        attribute(&o.id, "service", GLOBAL_ID, &o.id),
        attribute(&o.id, "service", KIND, o.kind.as_str()),
    ];
    for d in &b.life_domains {
        attributes.push(attribute(&o.id, "service", LIFE_DOMAIN, d.as_str()));
    }
    for g in &b.target_groups {
        attributes.push(attribute(&o.id, "service", TARGET_GROUP, g.as_str()));
    }
    attributes
}

/// The schedule periods of an offer; the schedule note goes with the first. A period's own
/// `valid_from`/`valid_until` ("every two weeks until April, then every two months") is its
/// `valid_from`/`valid_to` and also its `dtstart`/`until` (so an import tells it from the
/// offer's dates); an undated period runs from the offer's start to its end date.
fn schedules(o: &offer::Model, sid: &str) -> Vec<Schedule> {
    o.schedule
        .0
        .iter()
        .enumerate()
        .map(|(i, p)| Schedule {
            id: sub_uuid(&o.id, &format!("schedule:{i}")),
            service_id: Some(sid.to_string()),
            valid_from: p.valid_from.or(o.start_date).map(|d| d.to_string()),
            valid_to: p.valid_until.or(o.end_date).map(|d| d.to_string()),
            dtstart: p.valid_from.map(|d| d.to_string()),
            until: p.valid_until.map(|d| d.to_string()),
            freq: Some(p.freq.clone()),
            interval: Some(f64::from(p.interval)),
            byday: Some(p.byday.join(",")).filter(|d| !d.is_empty()),
            description: p.description.clone(),
            opens_at: Some(p.opens_at.clone()),
            closes_at: Some(p.closes_at.clone()),
            notes: if i == 0 {
                o.schedule_note.clone()
            } else {
                None
            },
        })
        .collect()
}

/// What taking part costs (`free` when nothing).
fn cost_option(o: &offer::Model, sid: &str) -> CostOption {
    let (option, amount) = match (o.cost_cents, o.cost_period) {
        (Some(c), Some(period)) if c > 0 => (cost_option_label(period), f64::from(c) / 100.0),
        _ => ("free", 0.0),
    };
    CostOption {
        id: sub_uuid(&o.id, "cost"),
        service_id: Some(sid.to_string()),
        option: Some(option.into()),
        currency: Some("EUR".into()),
        amount: Some(amount),
        amount_description: o.cost_note.clone(),
    }
}

/// The offer's contact person, when it has any contact detail.
fn contacts(o: &offer::Model, sid: &str) -> Vec<Contact> {
    let contact_id = sub_uuid(&o.id, "contact");
    let phones: Vec<Phone> = o
        .contact_phone
        .iter()
        .map(|p| Phone {
            id: sub_uuid(&o.id, "phone"),
            organization_id: None,
            contact_id: Some(contact_id.clone()),
            number: p.clone(),
        })
        .collect();
    if o.contact_name.is_none() && o.contact_email.is_none() && phones.is_empty() {
        return Vec::new();
    }
    vec![Contact {
        id: contact_id,
        service_id: Some(sid.to_string()),
        name: o.contact_name.clone(),
        email: o.contact_email.clone(),
        phones,
    }]
}

/// The service areas of an offer from their CBS codes.
fn service_areas(
    o: &offer::Model,
    codes: Vec<String>,
    areas: &HashMap<String, area::Model>,
) -> Vec<ServiceArea> {
    let sid = record_uuid(&o.id);
    codes
        .into_iter()
        .map(|code| {
            let a = areas.get(&code);
            ServiceArea {
                id: sub_uuid(&o.id, &format!("area:{code}")),
                service_id: Some(sid.clone()),
                name: a.map(|a| format!("{} ({})", a.name, a.kind.as_str())),
                extent: a.and_then(|a| a.geometry.clone()),
                extent_type: a
                    .and_then(|a| a.geometry.as_ref())
                    .map(|_| "geojson".into()),
                uri: Some(format!("{AREA_URN}{code}")),
            }
        })
        .collect()
}

fn map_location(l: &location::Model, sid: &str) -> ServiceAtLocation {
    let lid = record_uuid(&l.id);
    let address =
        (l.street.is_some() || l.city.is_some() || l.postcode.is_some()).then(|| Address {
            id: sub_uuid(&l.id, "address"),
            location_id: Some(lid.clone()),
            address_1: l.street.clone().unwrap_or_default(),
            city: l.city.clone().unwrap_or_default(),
            state_province: String::new(),
            postal_code: l.postcode.clone().unwrap_or_default(),
            country: "NL".into(),
            address_type: "physical".into(),
        });
    ServiceAtLocation {
        id: service_at_location_uuid(&l.id),
        service_id: Some(sid.to_string()),
        location_id: Some(lid.clone()),
        location: Some(Location {
            id: lid,
            location_type: "physical".into(),
            name: l.name.clone(),
            latitude: Some(l.lat),
            longitude: Some(l.lon),
            external_identifier: l.buurt_code.clone(),
            external_identifier_type: l.buurt_code.as_ref().map(|_| "cbs_buurtcode".into()),
            addresses: address.into_iter().collect(),
            accessibility: Vec::new(),
        }),
    }
}
