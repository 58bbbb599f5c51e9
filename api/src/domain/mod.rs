//! Validated domain values, parsed once at the edge ("parse, don't validate").
//!
//! Each `parse` returns an [`AppError::BadInput`](crate::error::AppError) naming no field; callers
//! attach the field path with `in_field`.

pub mod actor;
mod area_code;
pub mod circle;
mod contact;
pub mod funding;
mod global_id;
mod postcode;
pub mod practical_needs;
pub mod recovery_focus;
pub mod suitability;
mod text;

pub use actor::{Actor, Membership, User};
pub use area_code::AreaCode;
pub use contact::{CONTACT_TEXT_MAX, ContactDetails};
pub use global_id::{GlobalId, NodeId};
pub use postcode::Postcode;
pub use practical_needs::PracticalNeeds;
pub use suitability::{ContraIndication, Suitability, SuitabilityAnswers};
pub use text::{AgbCode, Email, KvkNumber, Phone, TimeOfDay, WebUrl, optional_text, required_text};
