//! Sealing personal data at rest: authenticated encryption (XChaCha20-Poly1305 from RustCrypto's
//! `chacha20poly1305`) under a [`KeyRing`] of named keys, one of them active.
//!
//! A [`Sealed`] value names the key that sealed it and holds `version || nonce || ciphertext`
//! (with the 16-byte tag), a fresh random 24-byte nonce each time. The associated data binds it
//! to the format version, its key id and the caller's context (e.g. the referral id), so a
//! ciphertext copied to another row, or relabelled with another key id, does not open. Keys
//! rotate: new values are sealed under the active key, older ones open with the key they name
//! until they are sealed again ([`KeyRing::needs_reseal`]).
//!
//! Key material never leaves this module: no accessor, no `Debug` output (only key ids), and
//! error messages name key ids, never keys.

pub mod key_source;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// Format version, the first byte of every sealed value.
const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;
/// Longest key id.
const KEY_ID_MAX: usize = 32;

/// Why a value could not be sealed or opened. The messages name key ids only.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// The ring has no keys (nothing configured).
    #[error("no key is configured for sealing personal data")]
    NoKey,
    /// The value was sealed under a key this ring does not have (removed from config).
    #[error("sealed under key '{0}', which this node does not have")]
    UnknownKey(String),
    /// Tampered with, sealed for another record, or under another key with the same id.
    #[error("the sealed data cannot be opened (damaged, or not sealed for this record)")]
    Unreadable,
    /// The operating system's random number generator failed.
    #[error("no random numbers available for a nonce")]
    Random,
}

/// A sealed value: the id of the key that sealed it and `version || nonce || ciphertext+tag`.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealed")
            .field("key_id", &self.key_id)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// The keys of a node, by key id, and which one seals new values. Cheap to share (`Arc`).
#[derive(Default)]
pub struct KeyRing {
    keys: BTreeMap<String, XChaCha20Poly1305>,
    active: Option<String>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .field("active", &self.active)
            .finish()
    }
}

/// Checks a key id: 1-32 of `A-Z a-z 0-9 - _ .`.
fn check_key_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= KEY_ID_MAX
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "key id '{}' must be 1-{KEY_ID_MAX} of A-Z a-z 0-9 - _ .",
            id.chars().take(KEY_ID_MAX).collect::<String>()
        ))
    }
}

impl KeyRing {
    /// A ring without keys: it seals and opens nothing.
    pub fn empty() -> Self {
        Self::default()
    }

    /// A ring from `key-id:base64` entries (each key 32 random bytes, e.g.
    /// `openssl rand -base64 32`); `active` names the key that seals, and may be left out when
    /// there is one key. The error names the entry and key id, never key material.
    pub fn parse(entries: &[String], active: Option<&str>) -> Result<Self, String> {
        let mut keys = BTreeMap::new();
        for (i, entry) in entries.iter().enumerate() {
            let Some((id, encoded)) = entry.trim().split_once(':') else {
                return Err(format!("entry {} is not 'key-id:base64-key'", i + 1));
            };
            check_key_id(id)?;
            let bytes = Zeroizing::new(STANDARD.decode(encoded.trim()).map_err(|_| {
                format!("key '{id}' is not base64 (use e.g. `openssl rand -base64 32`)")
            })?);
            if bytes.len() != KEY_LEN {
                return Err(format!(
                    "key '{id}' must be {KEY_LEN} bytes, it is {}",
                    bytes.len()
                ));
            }
            let cipher = XChaCha20Poly1305::new_from_slice(&bytes)
                .map_err(|_| format!("key '{id}' must be {KEY_LEN} bytes"))?;
            if keys.insert(id.to_string(), cipher).is_some() {
                return Err(format!("key id '{id}' appears twice"));
            }
        }
        let active = match (active.map(str::trim).filter(|a| !a.is_empty()), keys.len()) {
            (Some(a), _) if keys.contains_key(a) => Some(a.to_string()),
            (Some(a), _) => return Err(format!("the active key '{a}' is not among the keys")),
            (None, 0) => None,
            (None, 1) => keys.keys().next().cloned(),
            (None, _) => return Err("several keys: name the active one".into()),
        };
        Ok(Self { keys, active })
    }

    /// A new `key-id:base64` entry with 32 fresh random bytes (for a demo node's key file).
    pub fn generate_entry(key_id: &str) -> Result<String, SealError> {
        check_key_id(key_id).map_err(|_| SealError::NoKey)?;
        let key = Key::try_generate().map_err(|_| SealError::Random)?;
        let encoded = Zeroizing::new(STANDARD.encode(key.as_slice()));
        Ok(format!("{key_id}:{}", encoded.as_str()))
    }

    /// Whether the ring can seal (a key is configured).
    pub fn can_seal(&self) -> bool {
        self.active.is_some()
    }

    /// The id of the key that seals new values.
    pub fn active_key_id(&self) -> Option<&str> {
        self.active.as_deref()
    }

    /// Whether a value sealed under `key_id` should be sealed again under the active key.
    pub fn needs_reseal(&self, key_id: &str) -> bool {
        self.active.as_deref().is_some_and(|a| a != key_id)
    }

    /// Seals `plaintext` under the active key, bound to `context` (e.g. a record id).
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> Result<Sealed, SealError> {
        let (id, cipher) = self
            .active
            .as_ref()
            .and_then(|id| self.keys.get_key_value(id))
            .ok_or(SealError::NoKey)?;
        let nonce = XNonce::try_generate().map_err(|_| SealError::Random)?;
        let aad = associated_data(id, context);
        let ciphertext = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Unreadable)?;
        let mut bytes = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        bytes.push(VERSION);
        bytes.extend_from_slice(nonce.as_slice());
        bytes.extend_from_slice(&ciphertext);
        Ok(Sealed {
            key_id: id.clone(),
            bytes,
        })
    }

    /// Opens a value sealed (under any key of the ring) for `context`.
    pub fn open(&self, sealed: &Sealed, context: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        let cipher = self
            .keys
            .get(&sealed.key_id)
            .ok_or_else(|| SealError::UnknownKey(sealed.key_id.clone()))?;
        let rest = match sealed.bytes.split_first() {
            Some((&VERSION, rest)) if rest.len() >= NONCE_LEN => rest,
            _ => return Err(SealError::Unreadable),
        };
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| SealError::Unreadable)?;
        let aad = associated_data(&sealed.key_id, context);
        cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| SealError::Unreadable)
    }
}

/// `version || key id || 0 || context`: a key id holds no zero byte, so the split is unique.
fn associated_data(key_id: &str, context: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(2 + key_id.len() + context.len());
    aad.push(VERSION);
    aad.extend_from_slice(key_id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(context);
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(entries: &[&str], active: Option<&str>) -> KeyRing {
        let entries: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
        KeyRing::parse(&entries, active).unwrap()
    }

    fn entry(id: &str) -> String {
        KeyRing::generate_entry(id).unwrap()
    }

    #[test]
    fn round_trip_with_a_fresh_nonce_each_time() {
        let k = entry("k1");
        let keys = ring(&[&k], None);
        assert_eq!(keys.active_key_id(), Some("k1"));
        let a = keys.seal(b"ref-1", b"Ria, 06 12345678").unwrap();
        let b = keys.seal(b"ref-1", b"Ria, 06 12345678").unwrap();
        assert_eq!(a.key_id, "k1");
        assert_ne!(a.bytes, b.bytes, "random nonces");
        assert!(!a.bytes.windows(8).any(|w| w == b"12345678"));
        assert_eq!(&keys.open(&a, b"ref-1").unwrap()[..], b"Ria, 06 12345678");
        assert_eq!(&keys.open(&b, b"ref-1").unwrap()[..], b"Ria, 06 12345678");
    }

    #[test]
    fn wrong_key_tampering_and_wrong_context_are_refused() {
        let keys = ring(&[&entry("k1")], None);
        let sealed = keys.seal(b"ref-1", b"secret").unwrap();
        // Another key under the same id.
        let other = ring(&[&entry("k1")], None);
        assert_eq!(other.open(&sealed, b"ref-1"), Err(SealError::Unreadable));
        // Each byte flipped: version, nonce, ciphertext, tag.
        for i in 0..sealed.bytes.len() {
            let mut bad = sealed.clone();
            bad.bytes[i] ^= 0x01;
            assert_eq!(keys.open(&bad, b"ref-1"), Err(SealError::Unreadable), "{i}");
        }
        let mut short = sealed.clone();
        short.bytes.truncate(10);
        assert_eq!(keys.open(&short, b"ref-1"), Err(SealError::Unreadable));
        // Moved to another record.
        assert_eq!(keys.open(&sealed, b"ref-2"), Err(SealError::Unreadable));
    }

    #[test]
    fn unknown_key_id_is_refused_and_relabelling_does_not_open() {
        let (k1, k2) = (entry("k1"), entry("k2"));
        let keys = ring(&[&k1, &k2], Some("k1"));
        let sealed = keys.seal(b"ref-1", b"secret").unwrap();
        let mut gone = sealed.clone();
        gone.key_id = "k0".into();
        assert_eq!(
            keys.open(&gone, b"ref-1"),
            Err(SealError::UnknownKey("k0".into()))
        );
        let mut relabelled = sealed;
        relabelled.key_id = "k2".into();
        assert_eq!(keys.open(&relabelled, b"ref-1"), Err(SealError::Unreadable));
    }

    #[test]
    fn rotation_seals_under_the_active_key_and_still_opens_the_old() {
        let (k1, k2) = (entry("k1"), entry("k2"));
        let old = ring(&[&k1], None).seal(b"r", b"secret").unwrap();
        let rotated = ring(&[&k1, &k2], Some("k2"));
        assert!(rotated.needs_reseal(&old.key_id));
        let plain = rotated.open(&old, b"r").unwrap();
        let new = rotated.seal(b"r", &plain).unwrap();
        assert_eq!(new.key_id, "k2");
        assert!(!rotated.needs_reseal(&new.key_id));
        // Once k1 is removed, only the re-sealed value opens.
        let after = ring(&[&k2], None);
        assert_eq!(&after.open(&new, b"r").unwrap()[..], b"secret");
        assert_eq!(
            after.open(&old, b"r"),
            Err(SealError::UnknownKey("k1".into()))
        );
    }

    #[test]
    fn configuration_errors_never_show_key_material() {
        let k = entry("k1");
        let secret = k.split_once(':').unwrap().1.to_string();
        let bad = |entries: &[String], active: Option<&str>| {
            let e = KeyRing::parse(entries, active).unwrap_err();
            assert!(!e.contains(&secret[..8]), "{e}");
            e
        };
        assert!(bad(&[k.clone(), k.clone()], Some("k1")).contains("twice"));
        assert!(bad(&[format!("k1:{}", &secret[..20])], None).contains("32 bytes"));
        assert!(bad(&[format!("k1:{secret}!")], None).contains("base64"));
        assert!(bad(std::slice::from_ref(&secret), None).contains("entry 1"));
        assert!(bad(&[format!("k 1:{secret}")], None).contains("key id"));
        assert!(bad(&[k.clone(), entry("k2")], None).contains("active"));
        assert!(bad(std::slice::from_ref(&k), Some("k9")).contains("'k9'"));
        let keys = ring(&[&k], None);
        assert!(!format!("{keys:?}").contains(&secret[..8]));
        assert!(KeyRing::empty().seal(b"r", b"x") == Err(SealError::NoKey));
        assert!(!KeyRing::empty().can_seal());
    }
}
