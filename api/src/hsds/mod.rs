//! Open Referral HSDS 3.0 interop: export of every public record (HTTP under `/hsds` and the
//! `export-hsds` file) and import of another directory's services (`import-hsds`).
//!
//! Mapping: offer -> `service` (+ `schedule` per period, `cost_option`, `service_area` per CBS
//! area, `contact`/`phone`, `language`), organisation -> `organization` (+
//! `organization_identifier` for KvK and AGB), location -> `location` + `address` +
//! `service_at_location`. Ids and the place of the global id are described in [`export`];
//! partners, funding and attributes in [`network`]; the Herstelcirkel plan, suitability and
//! recovery focus (with the `wijkwijzer:` extension attributes) in [`recovery`].

pub mod export;
pub mod ids;
pub mod import;
pub mod network;
pub mod recovery;
pub mod routes;
pub mod types;
