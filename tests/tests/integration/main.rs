//! One integration-test binary: real nodes on random ports, against SQLite, or PostgreSQL when
//! `TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod area_import;
mod areas_and_offers;
mod auth;
mod backup;
mod browser;
mod browser_consult;
mod browser_editors;
mod browser_handover;
mod browser_note;
mod browser_outcomes;
mod browser_self_referral;
mod cli_ops;
mod consult;
mod coverage;
mod fault;
mod federated_referrals;
mod federation;
mod graphql_http;
mod hsds;
mod limits;
mod list_plans;
mod migrations;
mod mutations;
mod notifications;
mod oidc;
mod operations;
mod query_cost;
mod quickstart;
mod read_model;
mod referral_contacts;
mod referral_isolation;
mod referral_notes;
mod referral_outcomes;
mod referral_retention;
mod referrals;
mod relevance_set;
mod same_origin;
mod search;
mod self_referral;
mod untrusted_fields;
mod web;
mod web_editors;
mod websocket;
