//! Running a node in production: Prometheus metrics, readiness, CORS, security headers,
//! graceful shutdown, backup and restore, the database-only
//! commands and `doctor`.

pub mod accounts;
pub mod backup;
pub mod cors;
pub mod doctor;
pub mod metrics;
pub mod ready;
pub mod security_headers;
pub mod shutdown;
