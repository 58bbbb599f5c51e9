//! Open Referral HSDS 3.0 wire types: the subset of fields this node writes and reads.
//!
//! Every optional field is left out when empty (HSDS schemas type fields as plain strings or
//! numbers, so `null` would not validate). Unknown fields are ignored on import.

use serde::{Deserialize, Serialize};

/// HSDS `service`: one offer.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Service {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `active`, `inactive`, `defunct` or `temporarily closed`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_process: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fees_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligibility_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_age: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_age: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// RFC 3339 timestamp of the last change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<Schedule>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub service_areas: Vec<ServiceArea>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub service_at_locations: Vec<ServiceAtLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<Language>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<Box<Organization>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cost_options: Vec<CostOption>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Who funds the service (`Gemeente Nijmegen (gemeente)`); see `hsds::network`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub funding: Vec<Funding>,
}

/// HSDS `organization`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// `urn:wijkwijzer:<global id>`: the persistent identifier of the record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub organization_identifiers: Vec<OrganizationIdentifier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Services of the organization (only in `/organizations/{id}` and the export file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
}

/// HSDS `organization_identifier`: KvK and AGB numbers.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OrganizationIdentifier {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// `NL-KVK` (org-id.guide) or `NL-AGB`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier_scheme: Option<String>,
    pub identifier_type: String,
    pub identifier: String,
}

/// HSDS `service_at_location`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceAtLocation {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// HSDS `location`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Location {
    pub id: String,
    /// `physical`, `postal` or `virtual`.
    pub location_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// The CBS buurt code the location lies in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_identifier_type: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    /// Structured accessibility of the place; see `hsds::network`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accessibility: Vec<Accessibility>,
}

/// HSDS `address`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Address {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    pub address_1: String,
    pub city: String,
    pub state_province: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2: `NL`.
    pub country: String,
    pub address_type: String,
}

/// HSDS `schedule`: one RRULE-like recurring period.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Schedule {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
    /// The period's own first date (RFC 5545 DTSTART, `YYYY-MM-DD`), when it starts later
    /// than the service ("then every two months from May").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dtstart: Option<String>,
    /// The period's own last date (RFC 5545 UNTIL, `YYYY-MM-DD`), when it ends before the
    /// service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// `WEEKLY` or `MONTHLY`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freq: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<f64>,
    /// Comma-separated RFC 5545 day codes: `MO,TH`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byday: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Local time `HH:MM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// HSDS `cost_option`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CostOption {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The period the amount is for: `once`, `per_session`, `per_week`, `per_month`,
    /// `per_year`, or `free`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_description: Option<String>,
}

/// HSDS `contact`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Contact {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
}

/// HSDS `phone`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Phone {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    pub number: String,
}

/// HSDS `service_area`: a CBS gemeente, wijk or buurt.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceArea {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// GeoJSON geometry (a string, as HSDS wants), where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extent_type: Option<String>,
    /// `urn:cbs:gebied:<code>`, e.g. `urn:cbs:gebied:GM0268`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// HSDS `language`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Language {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// ISO 639-1 code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// HSDS `attribute`: a Wijkwijzer vocabulary value (global id, kind, life domain, target group).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Attribute {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxonomy_term_id: Option<String>,
    /// What the value is: `wijkwijzer:global_id`, `wijkwijzer:kind`, `wijkwijzer:life_domain`,
    /// `wijkwijzer:target_group`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_type: Option<String>,
    /// `service` or `organization`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_entity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// The HSDS `Page` wrapper of list responses.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Page<T> {
    pub total_items: u64,
    pub total_pages: u64,
    /// 1-based.
    pub page_number: u64,
    /// Items on this page.
    pub size: u64,
    pub first_page: bool,
    pub last_page: bool,
    pub empty: bool,
    pub contents: Vec<T>,
}

impl<T> Page<T> {
    /// Wraps one page of `contents` out of `total_items`, `per_page` per page.
    pub fn new(contents: Vec<T>, total_items: u64, page_number: u64, per_page: u64) -> Self {
        let total_pages = total_items.div_ceil(per_page.max(1));
        Self {
            total_items,
            total_pages,
            page_number,
            size: contents.len() as u64,
            first_page: page_number <= 1,
            last_page: page_number >= total_pages,
            empty: contents.is_empty(),
            contents,
        }
    }
}

/// `minimal=true` items: id and modification date only.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Minimal {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// The export file written by `export-hsds` and read by `import-hsds`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Dataset {
    /// Always `3.0`.
    pub hsds_version: String,
    /// The node that exported the data.
    pub node: String,
    pub generated_at: String,
    pub organizations: Vec<Organization>,
    pub services: Vec<Service>,
}

/// HSDS `funding`: one source of funds of a service.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Funding {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// E.g. "Gemeente Nijmegen (gemeente)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// HSDS `accessibility` of a location.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Accessibility {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// In words, e.g. "rolstoeltoegankelijk, ringleiding".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Codes: `wheelchair`, `hearing_loop`, `public_transport`, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}
