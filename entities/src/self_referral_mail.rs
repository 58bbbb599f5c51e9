//! Confirmation mails to people who signed themselves up for an offer (self-referral), waiting
//! to be sent. The address is sealed like contact details (bound to the referral); the subject
//! and body carry no personal data. A row is deleted once the mail is sent.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "self_referral_mails")]
pub struct Model {
    /// The self-referral this mail confirms (one mail per referral).
    #[sea_orm(primary_key, auto_increment = false)]
    pub referral_id: String,
    /// Id of the key that sealed `sealed_address`.
    pub key_id: String,
    /// The person's e-mail address, sealed.
    pub sealed_address: Vec<u8>,
    pub subject: String,
    /// Plain text: the offer, what happens next; never the person's message.
    pub body: String,
    pub created_at: DateTimeUtc,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub last_error: Option<String>,
}

/// Names the referral and the attempts, never the sealed address.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("self_referral_mail::Model")
            .field("referral_id", &self.referral_id)
            .field("key_id", &self.key_id)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
