//! Running a node in production: Prometheus metrics, readiness, CORS, graceful shutdown.

pub mod cors;
pub mod metrics;
pub mod ready;
pub mod shutdown;
