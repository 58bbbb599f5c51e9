//! Where a node's sealing keys come from: `contact.keys` and `contact.active_key` in the
//! configuration, or else the demo key file in `data_dir`, which a demo node (`seed.demo`)
//! creates on first start. Without either, the ring is empty and contact details are refused.

use super::KeyRing;
use crate::config::Config;
use crate::error::{AppError, AppResult};
use std::io::Write;
use std::path::Path;

/// Name of the demo key file in `data_dir`.
pub const DEMO_KEY_FILE: &str = "contact-key.demo";
/// Key id of a generated demo key.
pub const DEMO_KEY_ID: &str = "demo";

/// The key ring of a node configured as `config`, creating the demo key file when needed.
pub fn load(config: &Config) -> AppResult<KeyRing> {
    let contact = &config.contact;
    if !contact.keys.is_empty() {
        return KeyRing::parse(&contact.keys, contact.active_key.as_deref())
            .map_err(|m| AppError::field("contact.keys", m));
    }
    if contact.active_key.is_some() {
        return Err(AppError::field(
            "contact.active_key",
            "is set, but contact.keys is empty",
        ));
    }
    let path = config.data_dir.join(DEMO_KEY_FILE);
    let entry = match std::fs::read_to_string(&path) {
        Ok(text) => {
            tracing::info!(path = %path.display(), "contact details are sealed with the demo key file; configure contact.keys for real use");
            text
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && config.seed.demo => {
            create_demo_key(&path)?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(KeyRing::empty()),
        Err(e) => return Err(internal(&path, e)),
    };
    KeyRing::parse(&[entry], None)
        .map_err(|m| AppError::field("contact.keys", format!("{}: {m}", path.display())))
}

/// Writes a fresh demo key to `path` (readable by the owner only) and says so in the log.
fn create_demo_key(path: &Path) -> AppResult<String> {
    let entry = KeyRing::generate_entry(DEMO_KEY_ID)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("demo contact key: {e}")))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| internal(dir, e))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| internal(path, e))?;
    file.write_all(format!("{entry}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| internal(path, e))?;
    tracing::warn!(path = %path.display(), "demo mode: generated a key for contact details; configure contact.keys for real use");
    Ok(entry)
}

fn internal(path: &Path, e: std::io::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("contact key file {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path, demo: bool) -> Config {
        let mut c = Config {
            data_dir: dir.to_path_buf(),
            ..Default::default()
        };
        c.seed.demo = demo;
        c
    }

    #[test]
    fn a_demo_node_creates_its_key_once_and_others_have_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!load(&config(dir.path(), false)).unwrap().can_seal());
        let first = load(&config(dir.path(), true)).unwrap();
        assert_eq!(first.active_key_id(), Some(DEMO_KEY_ID));
        let sealed = first.seal(b"r", b"x").unwrap();
        // Later starts read the same key, demo or not.
        let again = load(&config(dir.path(), false)).unwrap();
        assert_eq!(&again.open(&sealed, b"r").unwrap()[..], b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(DEMO_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "owner only");
        }
    }

    #[test]
    fn keys_come_as_a_list_or_one_string_with_commas() {
        use figment::Figment;
        use figment::providers::{Format, Serialized, Toml};
        let base = || Figment::from(Serialized::defaults(Config::default()));
        let from_toml: Config = base()
            .merge(Toml::string(
                "[contact]\nkeys = [\"a:x\", \"b:y\"]\nactive_key = \"b\"",
            ))
            .extract()
            .unwrap();
        assert_eq!(from_toml.contact.keys, ["a:x", "b:y"]);
        assert_eq!(from_toml.contact.active_key.as_deref(), Some("b"));
        // What an environment variable gives.
        let from_env: Config = base()
            .merge(Serialized::default("contact.keys", "a:x, b:y"))
            .extract()
            .unwrap();
        assert_eq!(from_env.contact.keys, ["a:x", "b:y"]);
        assert!(!format!("{:?}", from_env.contact).contains(":x"));
    }

    #[test]
    fn configured_keys_win_over_the_demo_file_and_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(dir.path(), true);
        c.contact.keys = vec![KeyRing::generate_entry("prod-1").unwrap()];
        assert_eq!(load(&c).unwrap().active_key_id(), Some("prod-1"));
        assert!(!dir.path().join(DEMO_KEY_FILE).exists());
        c.contact.active_key = Some("prod-2".into());
        let e = load(&c).unwrap_err();
        assert_eq!(e.field_name(), Some("contact.keys"));
        c.contact.keys.clear();
        assert_eq!(
            load(&c).unwrap_err().field_name(),
            Some("contact.active_key")
        );
    }
}
