//! Schema migrations of a Wijkwijzer node. A landed migration never changes what it does; each
//! has a `down`.

pub use sea_orm_migration::prelude::*;

mod indexes;

mod m20261122_000001_create_core;
mod m20261122_000020_create_sessions;
mod m20261122_000021_create_audit_log;
mod m20261122_000030_create_peer_sync;
mod m20261201_000040_create_referral_delivery;
mod m20261201_000060_add_referral_event_source;
mod m20261202_000010_create_referral_contacts;
mod m20261202_000020_create_notifications;
mod m20261203_2000_add_referral_outcomes;
mod m20261203_3000_add_self_referral;
mod m20261203_4010_add_referral_practical_needs;
mod m20261203_4020_purge_medical_notes;
mod m20261203_7001_list_speed;
mod m20261204_7101_referral_list_keys;
mod m20261204_7102_more_list_keys;
mod m20261204_8100_create_search_demand;
mod m20261204_9101_create_offer_circles;
mod m20261204_9201_offer_suitability_and_freshness;
mod m20261204_9301_create_networks;
mod m20261204_9510_create_area_populations;
mod m20261204_9601_insight_indexes;
mod m20261205_7301_area_list_keys;
mod m20261205_9401_create_offer_recovery_focus;
mod m20261206_9602_referral_offer_place;
mod m20261207_9603_location_offer_active;
mod m20261208_9604_location_offer_facets;
mod m20261209_9605_location_first_of_offer;
mod m20261210_9701_drop_prefix_indexes;
mod m20261211_9801_suspended_indexes;

pub use m20261203_4020_purge_medical_notes::{NoteRule, set_note_rule};

/// All migrations, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_core::Migration),
            Box::new(m20261122_000020_create_sessions::Migration),
            Box::new(m20261122_000021_create_audit_log::Migration),
            Box::new(m20261122_000030_create_peer_sync::Migration),
            Box::new(m20261201_000040_create_referral_delivery::Migration),
            Box::new(m20261201_000060_add_referral_event_source::Migration),
            Box::new(m20261202_000010_create_referral_contacts::Migration),
            Box::new(m20261202_000020_create_notifications::Migration),
            Box::new(m20261203_2000_add_referral_outcomes::Migration),
            Box::new(m20261203_3000_add_self_referral::Migration),
            Box::new(m20261203_4010_add_referral_practical_needs::Migration),
            Box::new(m20261203_4020_purge_medical_notes::Migration),
            Box::new(m20261203_7001_list_speed::Migration),
            Box::new(m20261204_7101_referral_list_keys::Migration),
            Box::new(m20261204_7102_more_list_keys::Migration),
            Box::new(m20261204_8100_create_search_demand::Migration),
            Box::new(m20261204_9101_create_offer_circles::Migration),
            Box::new(m20261204_9201_offer_suitability_and_freshness::Migration),
            Box::new(m20261204_9301_create_networks::Migration),
            Box::new(m20261204_9510_create_area_populations::Migration),
            Box::new(m20261204_9601_insight_indexes::Migration),
            Box::new(m20261205_7301_area_list_keys::Migration),
            Box::new(m20261205_9401_create_offer_recovery_focus::Migration),
            Box::new(m20261206_9602_referral_offer_place::Migration),
            Box::new(m20261207_9603_location_offer_active::Migration),
            Box::new(m20261208_9604_location_offer_facets::Migration),
            Box::new(m20261209_9605_location_first_of_offer::Migration),
            Box::new(m20261210_9701_drop_prefix_indexes::Migration),
            Box::new(m20261211_9801_suspended_indexes::Migration),
        ]
    }
}
