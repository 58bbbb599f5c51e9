//! Backup and restore of a node on SQLite: `wijkwijzer backup --out FILE` takes a consistent
//! copy while the node runs (`VACUUM INTO`: one read transaction, so every write acknowledged
//! before it started is in the copy and no write is half in it), and `wijkwijzer restore --file
//! FILE` brings a node back from one into an empty data directory, then rebuilds the search
//! index. PostgreSQL is backed up with its own tools (`pg_dump` / `pg_restore`, see the README).

use crate::config::Config;
use crate::error::{AppError, AppResult};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use std::path::{Path, PathBuf};

/// What `pg_dump` and `pg_restore` are for; said when a command meets PostgreSQL.
const POSTGRES_HINT: &str = "this node runs on PostgreSQL: back it up with `pg_dump --format=custom \
     --file=wijkwijzer.dump \"$DATABASE_URL\"` and restore with `pg_restore --clean --if-exists \
     --dbname=\"$DATABASE_URL\" wijkwijzer.dump`, then `wijkwijzer reindex`";

/// Writes a consistent copy of the running node's SQLite database to `out` (which must not
/// exist); returns its size in bytes.
pub async fn backup(db: &DatabaseConnection, out: &Path) -> AppResult<u64> {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return Err(AppError::bad_input(POSTGRES_HINT));
    }
    if out.exists() {
        return Err(AppError::field(
            "out",
            format!("{} exists; name a new file", out.display()),
        ));
    }
    let path = out
        .to_str()
        .ok_or_else(|| AppError::field("out", "the path is not valid UTF-8"))?;
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Sqlite,
        "VACUUM INTO ?",
        [path.into()],
    ))
    .await?;
    let size = std::fs::metadata(out)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{}: {e}", out.display())))?
        .len();
    Ok(size)
}

/// The SQLite file a configuration uses; `None` on PostgreSQL.
pub fn sqlite_file(config: &Config) -> Option<PathBuf> {
    let url = config.database_url();
    let rest = url.strip_prefix("sqlite://")?;
    let path = rest.split('?').next().unwrap_or(rest);
    Some(PathBuf::from(path))
}

/// Puts the backup `file` in place as the database of `config` (which must not have one yet),
/// so the node starts from it. The caller then starts the node or rebuilds the search index.
pub fn restore_file(config: &Config, file: &Path) -> AppResult<PathBuf> {
    let target = sqlite_file(config).ok_or_else(|| AppError::bad_input(POSTGRES_HINT))?;
    let mut header = [0u8; 16];
    let is_sqlite = std::fs::File::open(file)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header))
        .is_ok()
        && &header == b"SQLite format 3\0";
    if !is_sqlite {
        return Err(AppError::field(
            "file",
            format!(
                "{} is not a backup made by `wijkwijzer backup`",
                file.display()
            ),
        ));
    }
    if target.exists() {
        return Err(AppError::field(
            "file",
            format!(
                "{} exists: restore only into a node without a database (move it away first)",
                target.display()
            ),
        ));
    }
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{}: {e}", dir.display())))?;
    }
    std::fs::copy(file, &target)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{}: {e}", target.display())))?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sqlite_file_comes_from_the_url_or_the_data_dir() {
        let mut config = Config {
            data_dir: "/srv/wijk".into(),
            ..Default::default()
        };
        assert_eq!(
            sqlite_file(&config),
            Some(PathBuf::from("/srv/wijk/wijkwijzer.sqlite"))
        );
        config.database.url = "sqlite:///tmp/x.sqlite?mode=rwc".into();
        assert_eq!(sqlite_file(&config), Some(PathBuf::from("/tmp/x.sqlite")));
        config.database.url = "postgres://u@h/db".into();
        assert_eq!(sqlite_file(&config), None);
    }

    #[test]
    fn restore_refuses_what_is_not_a_backup_and_an_existing_database() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config {
            data_dir: dir.path().join("node"),
            ..Default::default()
        };
        let junk = dir.path().join("junk");
        std::fs::write(&junk, b"not a database at all").expect("write");
        let err = restore_file(&config, &junk).expect_err("junk refused");
        assert_eq!(err.field_name(), Some("file"));
        let fake = dir.path().join("fake.sqlite");
        std::fs::write(&fake, b"SQLite format 3\0rest").expect("write");
        restore_file(&config, &fake).expect("first restore");
        let err = restore_file(&config, &fake).expect_err("existing database kept");
        assert!(err.message().contains("exists"), "{}", err.message());
    }
}
