//! Migrations run up, down and up again on a fresh database.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database};

#[tokio::test]
async fn migrations_run_up_down_up() {
    let dir = tempfile::tempdir().unwrap();
    let url = match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) => tests::fresh_postgres(&admin).await,
        Err(_) => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("m.sqlite").display()
        ),
    };
    let db = Database::connect(&url).await.unwrap();
    api::ops::migrate::run(&db).await.unwrap();
    let tables = [
        "areas",
        "organisations",
        "offers",
        "locations",
        "referrals",
        "referral_events",
        "changes",
        "sessions",
        "audit_log",
        "referral_contacts",
    ];
    for t in tables {
        db.execute_unprepared(&format!("SELECT COUNT(*) FROM {t}"))
            .await
            .unwrap();
    }
    Migrator::down(&db, None).await.unwrap();
    assert!(
        db.execute_unprepared("SELECT COUNT(*) FROM offers")
            .await
            .is_err(),
        "down drops the tables"
    );
    api::ops::migrate::run(&db).await.unwrap();
    db.execute_unprepared("SELECT COUNT(*) FROM offers")
        .await
        .unwrap();
}
