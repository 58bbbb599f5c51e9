//! One integration-test binary: real nodes on random ports, against SQLite, or PostgreSQL when
//! `TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod areas_and_offers;
mod auth;
mod migrations;
mod mutations;
mod oidc;
mod query_cost;
mod referrals;
