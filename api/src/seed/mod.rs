//! First-start data: the CBS areas and their population, the demo organisations and offers, and demo accounts.

pub mod area_files;
pub mod areas;
pub mod demo;
pub mod demo_network;
pub mod population;
pub mod users;
