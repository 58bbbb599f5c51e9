//! The per-request budget of a GraphQL request: complexity and depth before it runs, SQL
//! statements and wall time while it runs (`[limits]`). Past any of them the request stops with
//! one error whose `extensions.code` is `QUERY_TOO_COSTLY`.
//!
//! Statements are counted by the database layer on the counter of the task that runs them
//! ([`QueryCounter::scope`]); the request's DataLoaders run their batches in the same scope
//! ([`Loaders::counted`]). [`BudgetExtension`] checks the budget before every field, so a
//! request stops between fields, never inside a service call (a mutation already begun
//! completes or rolls back whole). A query (never a mutation) is also cut off at its deadline
//! even inside a long resolver. The work of a mutation itself (a peer sync, a reindex) is
//! bounded by its service, not by this budget: the budget starts afresh for the selection read
//! after each mutation field.

use super::WijkSchema;
use super::loaders::Loaders;
use crate::config::LimitsConfig;
use crate::db::QueryCounter;
use crate::error::AppError;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, NextValidation, ResolveInfo,
};
use async_graphql::{ServerError, ServerResult, ValidationResult, Value};
use sea_orm::DatabaseConnection;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// What one request may still spend.
pub struct Budget {
    statements: QueryCounter,
    max_statements: u64,
    max_time: Duration,
    /// Statements and instant the budget counts from.
    origin: Mutex<(u64, Instant)>,
    /// Set by a mutation field: the next check starts the budget afresh.
    restart: AtomicBool,
    /// The first overrun, once there is one.
    overrun: OnceLock<String>,
}

impl Budget {
    /// A fresh budget from the node's limits, starting now.
    pub fn new(limits: &LimitsConfig) -> Arc<Self> {
        Arc::new(Self {
            statements: QueryCounter::default(),
            max_statements: limits.max_sql_statements,
            max_time: Duration::from_millis(limits.max_request_ms),
            origin: Mutex::new((0, Instant::now())),
            restart: AtomicBool::new(false),
            overrun: OnceLock::new(),
        })
    }

    /// The request's own statement counter.
    pub fn statements(&self) -> &QueryCounter {
        &self.statements
    }

    /// Fails (and remembers why) once the request ran more statements or longer than allowed.
    pub fn check(&self) -> Result<(), AppError> {
        if let Some(reason) = self.overrun.get() {
            return Err(AppError::QueryTooCostly(reason.clone()));
        }
        let (from, since) = {
            let mut origin = self.origin.lock().unwrap_or_else(PoisonError::into_inner);
            if self.restart.swap(false, Ordering::SeqCst) {
                *origin = (self.statements.get(), Instant::now());
            }
            *origin
        };
        let ran = self.statements.get().saturating_sub(from);
        if ran > self.max_statements {
            return Err(self.stop(format!(
                "the request stopped after {ran} SQL statements (at most {} per request); ask for fewer or smaller lists",
                self.max_statements
            )));
        }
        if since.elapsed() > self.max_time {
            return Err(self.out_of_time(since));
        }
        Ok(())
    }

    /// Starts the budget afresh at the next check (after a mutation field's own work).
    fn restart_after_mutation(&self) {
        self.restart.store(true, Ordering::SeqCst);
    }

    fn out_of_time(&self, since: Instant) -> AppError {
        self.stop(format!(
            "the request stopped after {} ms (at most {} ms per request); ask for fewer or smaller lists",
            since.elapsed().as_millis(),
            self.max_time.as_millis()
        ))
    }

    fn stop(&self, reason: String) -> AppError {
        let reason = self.overrun.get_or_init(|| reason);
        AppError::QueryTooCostly(reason.clone())
    }

    fn started(&self) -> Instant {
        self.origin.lock().unwrap_or_else(PoisonError::into_inner).1
    }

    fn time_left(&self) -> Duration {
        self.max_time.saturating_sub(self.started().elapsed())
    }
}

/// Runs a request within a fresh budget: its DataLoaders are counted, a query is cut off at its
/// deadline, and an overrun replaces a query's whole response with one `QUERY_TOO_COSTLY` error
/// (a mutation's response keeps its data, with the error on the fields not resolved).
pub async fn execute(
    schema: &WijkSchema,
    request: async_graphql::Request,
    limits: &LimitsConfig,
    db: &DatabaseConnection,
    mutation: bool,
) -> async_graphql::Response {
    let budget = Budget::new(limits);
    let request = request
        .data(Loaders::counted(db, budget.statements()))
        .data(budget.clone());
    let run = budget.statements().scope(schema.execute(request));
    let response = if mutation {
        run.await
    } else {
        match tokio::time::timeout(budget.time_left(), run).await {
            Ok(response) => response,
            Err(_) => {
                budget.out_of_time(budget.started());
                async_graphql::Response::new(Value::Null)
            }
        }
    };
    match budget.overrun.get() {
        // A mutation keeps what it did: its refused fields carry the error.
        Some(reason) if !mutation => async_graphql::Response::from_errors(vec![server_error(
            AppError::QueryTooCostly(reason.clone()),
        )]),
        _ => response,
    }
}

fn server_error(e: AppError) -> ServerError {
    let mut error = ServerError::new(e.message(), None);
    error.extensions = async_graphql::Error::from(e).extensions;
    error
}

/// Schema extension enforcing the budget: complexity and depth at validation (replacing
/// async-graphql's own limits, whose errors carry no code), statements and time before each
/// field.
pub struct BudgetExtension {
    max_complexity: usize,
    max_depth: usize,
}

impl BudgetExtension {
    /// The extension for the node's limits.
    pub fn new(limits: &LimitsConfig) -> Self {
        Self {
            max_complexity: limits.max_complexity,
            max_depth: limits.max_depth,
        }
    }
}

impl ExtensionFactory for BudgetExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(BudgetCheck {
            max_complexity: self.max_complexity,
            max_depth: self.max_depth,
        })
    }
}

struct BudgetCheck {
    max_complexity: usize,
    max_depth: usize,
}

#[async_trait::async_trait]
impl Extension for BudgetCheck {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if result.complexity > self.max_complexity {
            return Err(vec![server_error(AppError::QueryTooCostly(format!(
                "the query is too complex ({} > {}); lists count once per item (`first`, `limit`), so ask for smaller pages or fewer nested lists",
                result.complexity, self.max_complexity
            )))]);
        }
        if result.depth > self.max_depth {
            return Err(vec![server_error(AppError::QueryTooCostly(format!(
                "the query is nested too deep ({} > {})",
                result.depth, self.max_depth
            )))]);
        }
        Ok(result)
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if let Some(budget) = ctx.data_opt::<Arc<Budget>>() {
            budget.check().map_err(server_error)?;
            // Mutation fields run one after another; their selection is read afterwards.
            if info.parent_type == "Mutation" {
                budget.restart_after_mutation();
            }
        }
        next.run(ctx, info).await
    }
}
