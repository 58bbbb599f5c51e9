//! HSDS ids of Wijkwijzer records, and the `link_type`s of the `wijkwijzer:` attributes.
//!
//! HSDS wants UUIDs. A record with a global id `<node-id>:<uuid>` gets its UUID part; a
//! sub-record without its own id (schedule, cost option, contact, phone, address, service area,
//! attribute) gets a UUIDv5 of its parent's global id and a suffix, so ids are stable across
//! exports. A service_at_location (one per location: each location belongs to one offer) gets
//! its location's UUID under a fixed mask ([`service_at_location_uuid`]): distinct from the
//! location id, stable, and leading back to the location in one indexed lookup. The global id
//! itself is kept visible in an `attribute` with `link_type = "wijkwijzer:global_id"` (and as
//! the organization `uri`, `urn:wijkwijzer:<id>`).

use crate::domain::GlobalId;
use uuid::Uuid;

/// Namespace of the UUIDv5 ids of sub-records: UUIDv5(URL, "https://wijkwijzer.nl/hsds").
pub fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://wijkwijzer.nl/hsds")
}

/// The HSDS id of a record with a global id: its UUID part (or a UUIDv5 if it is malformed).
pub fn record_uuid(global_id: &str) -> String {
    match GlobalId::parse(global_id) {
        Ok(gid) => gid.uuid().hyphenated().to_string(),
        Err(_) => Uuid::new_v5(&namespace(), global_id.as_bytes()).to_string(),
    }
}

/// The stable HSDS id of a sub-record of `parent` (a global id) named by `suffix`.
pub fn sub_uuid(parent: &str, suffix: &str) -> String {
    Uuid::new_v5(&namespace(), format!("{parent}#{suffix}").as_bytes()).to_string()
}

/// The mask that turns a location's UUID into its service_at_location's UUID and back: bytes
/// of UUIDv5(namespace, "service_at_location") with the version and variant bits cleared, so
/// the result keeps the location UUID's version and variant.
fn service_at_location_mask() -> [u8; 16] {
    let mut mask = *Uuid::new_v5(&namespace(), b"service_at_location").as_bytes();
    mask[6] &= 0x0f;
    mask[8] &= 0x3f;
    mask
}

/// XOR of a UUID with [`service_at_location_mask`] (its own inverse).
pub(super) fn masked(uuid: &Uuid) -> Uuid {
    let mask = service_at_location_mask();
    let mut bytes = *uuid.as_bytes();
    for (b, m) in bytes.iter_mut().zip(mask) {
        *b ^= m;
    }
    Uuid::from_bytes(bytes)
}

/// The HSDS id of the service_at_location of location `location_id` (a global id).
pub fn service_at_location_uuid(location_id: &str) -> String {
    match GlobalId::parse(location_id) {
        Ok(gid) => masked(&gid.uuid()).hyphenated().to_string(),
        Err(_) => sub_uuid(location_id, "at"),
    }
}

/// `link_type` of the attribute carrying the Wijkwijzer global id.
pub const GLOBAL_ID: &str = "wijkwijzer:global_id";
/// `link_type` of the attribute carrying the offer kind.
pub const KIND: &str = "wijkwijzer:kind";
/// `link_type` of life-domain attributes.
pub const LIFE_DOMAIN: &str = "wijkwijzer:life_domain";
/// `link_type` of target-group attributes.
pub const TARGET_GROUP: &str = "wijkwijzer:target_group";
/// Prefix of service-area URIs: `urn:cbs:gebied:GM0268`.
pub const AREA_URN: &str = "urn:cbs:gebied:";
