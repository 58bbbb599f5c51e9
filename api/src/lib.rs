//! A Wijkwijzer node: configuration, database, domain services, GraphQL API and HTTP surface.
//!
//! The `web` crate adds server-rendered pages and hosts the `wijkwijzer` binary, which calls
//! [`cli::main`].

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod config_check;
pub mod db;
pub mod domain;
pub mod error;
pub mod federation;
#[cfg(test)]
mod fuzz;
pub mod geo;
pub mod graphql;
pub mod hsds;
pub mod http;
pub mod notify;
pub mod ops;
pub mod read_model;
pub mod sealing;
pub mod search;
pub mod seed;
pub mod services;
pub mod shutdown;
pub mod state;
