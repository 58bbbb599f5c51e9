//! Running a node in production: Prometheus metrics, readiness, CORS, security headers,
//! backup and restore, the database-only
//! commands, `doctor`, and migrating with the data migrations' rules.

pub mod accounts;
pub mod backup;
pub mod cors;
pub mod doctor;
pub mod metrics;
pub mod migrate;
pub mod ready;
pub mod security_headers;
