//! First-start data: the CBS areas and the demo organisations and offers.

pub mod area_files;
pub mod areas;
pub mod demo;
