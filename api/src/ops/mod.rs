//! Running a node in production: Prometheus metrics, readiness, CORS, security headers,
//! graceful shutdown, backup and restore.

pub mod backup;
pub mod cors;
pub mod metrics;
pub mod ready;
pub mod security_headers;
pub mod shutdown;
