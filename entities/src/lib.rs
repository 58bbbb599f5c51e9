//! sea-orm entities of the Wijkwijzer data model.
//!
//! This crate knows nothing of HTTP or GraphQL: it holds the tables (one module each), the
//! vocabularies stored in them ([`vocab`]) and typed JSON column values ([`json`]).
//! Every public record (organisation, offer, location) has a global id `<node-id>:<uuid>`,
//! an `origin_node`, `updated_at` and a `version` used for optimistic concurrency.

pub mod area;
pub mod area_population;
pub mod audit_log;
pub mod change;
pub mod consumer_cursor;
pub mod json;
pub mod location;
pub mod mail_outbox;
pub mod membership;
pub mod network;
pub mod network_member;
pub mod node;
pub mod notification;
pub mod notification_setting;
pub mod offer;
pub mod offer_attribute;
pub mod offer_circle;
pub mod offer_confirmation;
pub mod offer_funder;
pub mod offer_funding_route;
pub mod offer_life_domain;
pub mod offer_partner;
pub mod offer_recovery_focus;
pub mod offer_suitability;
pub mod offer_target_group;
pub mod organisation;
pub mod organisation_area;
pub mod peer_sync;
pub mod referral;
pub mod referral_contact;
pub mod referral_event;
pub mod referral_inbox;
pub mod referral_outbox;
pub mod referral_reminder;
pub mod referral_suitability_confirmation;
pub mod search_demand;
pub mod self_referral_mail;
pub mod session;
pub mod suspended_index;
pub mod user;
pub mod vocab;

pub use vocab::*;
