//! Contact details of a referral's person for a warm handover, sealed (authenticated
//! encryption, see `api::sealing`), with the consent that allowed storing them. One row per
//! referral, deleted with it or when its personal data is purged.

use crate::json::StringList;
use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_contacts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub referral_id: String,
    /// Id of the key that sealed `sealed`.
    pub key_id: String,
    /// `version || nonce || ciphertext` of the contact details; bound to `referral_id`.
    pub sealed: Vec<u8>,
    /// Who recorded the person's consent: a user id, or `self` when the person gave the
    /// details themselves.
    pub consent_by: String,
    pub consent_at: DateTimeUtc,
    /// Which fields the person agreed to share (`name`, `phone`, `email`, ...).
    pub shared_fields: StringList,
    /// When `sealed` was last written (a key rotation seals again).
    pub sealed_at: DateTimeUtc,
}

/// Names the key and the length of the sealed bytes, never the bytes.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("referral_contact::Model")
            .field("referral_id", &self.referral_id)
            .field("key_id", &self.key_id)
            .field("sealed_len", &self.sealed.len())
            .field("consent_by", &self.consent_by)
            .field("consent_at", &self.consent_at)
            .field("shared_fields", &self.shared_fields)
            .field("sealed_at", &self.sealed_at)
            .finish()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::referral::Entity",
        from = "Column::ReferralId",
        to = "super::referral::Column::Id",
        on_delete = "Cascade"
    )]
    Referral,
}

impl Related<super::referral::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Referral.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
