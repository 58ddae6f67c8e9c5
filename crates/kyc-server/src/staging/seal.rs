//! Sealing: an applicant's unsubmitted data — the typed draft and the cleaned photos — and the
//! partner's AML / IDV reports until they are forwarded are kept in the database sealed with
//! AES-256-GCM under `KYC_DATA_KEY`. Each write takes a fresh random 96-bit nonce and is stored
//! as `version || key id || nonce || ciphertext+tag`: the key id (the first 4 bytes of the key's
//! SHA-256) says which key sealed it, so after a rotation `KYC_DATA_KEY_PREVIOUS` still opens
//! what the old key sealed. The associated data is the 5-byte header followed by the row's
//! place (`draft:<externalUserId>`, `photo:<externalUserId>:<kind>`,
//! `report:<applicationId>:<kind>`), so a sealed value copied into another user's row — or
//! another kind's — does not open, nor one whose header was altered: a database-level mix-up
//! or tampering cannot hand one person's data to another.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// AES-GCM's standard nonce: 96 bits.
const NONCE_LEN: usize = 12;
/// The GCM tag.
const TAG_LEN: usize = 16;
/// The first byte of every sealed value: its format.
const FORMAT_V1: u8 = 1;
/// The key id: the first bytes of the key's SHA-256.
const KEY_ID_LEN: usize = 4;
/// `version || key id`.
const HEADER_LEN: usize = 1 + KEY_ID_LEN;

/// One 32-byte key, kept in memory that is wiped when dropped, and its id.
struct OneKey {
    id: [u8; KEY_ID_LEN],
    key: SecretBox<[u8; 32]>,
}

impl OneKey {
    fn new(key: SecretBox<[u8; 32]>) -> Self {
        let digest = Sha256::digest(key.expose_secret());
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        Self { id, key }
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(self.key.expose_secret()))
    }
}

/// The data key (`KYC_DATA_KEY`) and, during a rotation, the previous one
/// (`KYC_DATA_KEY_PREVIOUS`): 32 bytes each, never printed (`Debug` shows `[REDACTED]`).
/// [`DataKey::seal`] always uses the current key; [`DataKey::open`] either, by the key id the
/// sealed value carries.
#[derive(Clone)]
pub struct DataKey {
    current: Arc<OneKey>,
    previous: Option<Arc<OneKey>>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey([REDACTED])")
    }
}

impl DataKey {
    /// 64 hex characters, not one repeated byte. The error says what is wrong, never what was
    /// given.
    pub fn from_hex(hex_key: &str) -> Result<Self, String> {
        let hex_key = hex_key.trim();
        if hex_key.len() != 64 || !hex_key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "must be 64 hex characters (32 bytes; make one with `openssl rand -hex 32`); it has {} characters",
                hex_key.chars().count()
            ));
        }
        let mut ok = true;
        let key = SecretBox::init_with_mut(|k: &mut [u8; 32]| ok = hex::decode_to_slice(hex_key, k).is_ok());
        if !ok {
            return Err("must be 64 hex characters".into());
        }
        let bytes = key.expose_secret();
        if bytes.iter().all(|b| *b == bytes[0]) {
            return Err("is one repeated byte, not a key (make one with `openssl rand -hex 32`)".into());
        }
        Ok(Self { current: Arc::new(OneKey::new(key)), previous: None })
    }

    /// A fresh key from the OS CSPRNG (`demo`: staged data does not outlive the process).
    pub fn random() -> Self {
        let key = SecretBox::init_with_mut(|k: &mut [u8; 32]| rand::rngs::OsRng.fill_bytes(k));
        Self { current: Arc::new(OneKey::new(key)), previous: None }
    }

    /// This key, also opening what `previous`'s current key sealed (a rotation).
    #[must_use]
    pub fn with_previous(mut self, previous: &DataKey) -> Self {
        self.previous = Some(Arc::clone(&previous.current));
        self
    }

    /// Whether the previous key is the current one (a rotation that rotates nothing).
    pub fn previous_is_current(&self) -> bool {
        self.previous.as_ref().is_some_and(|p| p.id == self.current.id)
    }

    /// The id (8 hex characters) of the key that seals.
    pub fn key_id(&self) -> String {
        hex::encode(self.current.id)
    }

    /// Whether `key_id` (as [`sealed_key_id`] answers it) names a key this can open with.
    pub fn knows(&self, key_id: &str) -> bool {
        std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .any(|k| key_id.eq_ignore_ascii_case(&hex::encode(k.id)))
    }

    /// Seals `plaintext` bound to `aad` with the current key:
    /// `version || key id || nonce || ciphertext+tag`, a fresh nonce every call.
    pub fn seal(&self, aad: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut header = [0u8; HEADER_LEN];
        header[0] = FORMAT_V1;
        header[1..].copy_from_slice(&self.current.id);
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .current
            .cipher()
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad: &full_aad(&header, aad) })
            // AES-GCM refuses only messages over 64 GiB; ours are at most a few MB.
            .expect("AES-GCM seals any message under 64 GiB");
        let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + sealed.len());
        out.extend_from_slice(&header);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens what [`DataKey::seal`] made with the current or the previous key (picked by the
    /// key id) and the same `aad`; `None` for anything else (an unknown key, another row's
    /// `aad`, an altered header, a flipped bit, a truncated value).
    pub fn open(&self, aad: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < HEADER_LEN + NONCE_LEN + TAG_LEN || sealed[0] != FORMAT_V1 {
            return None;
        }
        let (header, rest) = sealed.split_at(HEADER_LEN);
        let key = std::iter::once(&self.current).chain(self.previous.as_ref()).find(|k| k.id == header[1..])?;
        let (nonce, body) = rest.split_at(NONCE_LEN);
        key.cipher().decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: &full_aad(header, aad) }).ok()
    }
}

/// The associated data of a sealed value: its header, then its place.
fn full_aad(header: &[u8], aad: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(header.len() + aad.len());
    out.extend_from_slice(header);
    out.extend_from_slice(aad.as_bytes());
    out
}

/// The id (8 hex characters) of the key that sealed `sealed`, as its header says; `None` for a
/// value not in the sealed format. Stored beside a staged photo so a listing can leave out,
/// without reading it, a photo no configured key opens.
pub fn sealed_key_id(sealed: &[u8]) -> Option<String> {
    (sealed.len() >= HEADER_LEN && sealed[0] == FORMAT_V1).then(|| hex::encode(&sealed[1..HEADER_LEN]))
}

/// The associated data of a user's staged draft.
pub fn draft_aad(external_user_id: &str) -> String {
    format!("draft:{external_user_id}")
}

/// The associated data of a user's staged photo of `kind`.
pub fn photo_aad(external_user_id: &str, kind: &str) -> String {
    format!("photo:{external_user_id}:{kind}")
}

/// The associated data of an application's stored report of `kind` (`amlReport`, `idvReport`).
pub fn report_aad(application_id: &str, kind: &str) -> String {
    format!("report:{application_id}:{kind}")
}

/// The associated data of the draft an application keeps sealed for its document check
/// (document_check.rs).
pub fn check_draft_aad(application_id: &str) -> String {
    format!("check-draft:{application_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> DataKey {
        DataKey::from_hex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff").unwrap()
    }

    fn other_key() -> DataKey {
        DataKey::from_hex("f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f").unwrap()
    }

    #[test]
    fn a_sealed_value_opens_with_its_key_and_place_only() {
        let k = key();
        let sealed = k.seal(&draft_aad("alice"), b"Zzsentinel draft");
        assert_eq!(k.open(&draft_aad("alice"), &sealed).as_deref(), Some(&b"Zzsentinel draft"[..]));
        assert!(!sealed.windows(10).any(|w| w == b"Zzsentinel"), "no plaintext in the sealed value");
        // Moved to another user's row, or to another place of the same user: it does not open.
        assert_eq!(k.open(&draft_aad("bob"), &sealed), None);
        assert_eq!(k.open(&photo_aad("alice", "face"), &sealed), None);
        // Another key.
        assert_eq!(DataKey::random().open(&draft_aad("alice"), &sealed), None);
        // A flipped bit, a truncated value.
        let mut flipped = sealed.clone();
        flipped[HEADER_LEN + NONCE_LEN + 1] ^= 1;
        assert_eq!(k.open(&draft_aad("alice"), &flipped), None);
        assert_eq!(k.open(&draft_aad("alice"), &sealed[..HEADER_LEN + NONCE_LEN + TAG_LEN - 1]), None);
        // The unversioned format of before (nonce || ciphertext+tag) is not read.
        assert_eq!(k.open(&draft_aad("alice"), &sealed[HEADER_LEN..]), None);
    }

    #[test]
    fn a_photo_sealed_for_one_user_fails_to_open_as_another_users_photo() {
        let k = key();
        let sealed = k.seal(&photo_aad("alice", "face"), &[0xFF, 0xD8, 0xFF, 1, 2, 3]);
        assert!(k.open(&photo_aad("alice", "face"), &sealed).is_some());
        assert_eq!(k.open(&photo_aad("bob", "face"), &sealed), None);
        assert_eq!(k.open(&photo_aad("alice", "idFront"), &sealed), None);
    }

    #[test]
    fn a_report_is_bound_to_its_application_and_kind() {
        let k = key();
        let sealed = k.seal(&report_aad("app-1", "amlReport"), b"%PDF-1.4 report");
        assert_eq!(k.open(&report_aad("app-1", "amlReport"), &sealed).as_deref(), Some(&b"%PDF-1.4 report"[..]));
        assert_eq!(k.open(&report_aad("app-2", "amlReport"), &sealed), None);
        assert_eq!(k.open(&report_aad("app-1", "idvReport"), &sealed), None);
    }

    #[test]
    fn every_write_takes_a_fresh_nonce() {
        let k = key();
        let (a, b) = (k.seal("draft:u", b"same"), k.seal("draft:u", b"same"));
        assert_eq!(a[..HEADER_LEN], b[..HEADER_LEN]);
        assert_ne!(a[HEADER_LEN..HEADER_LEN + NONCE_LEN], b[HEADER_LEN..HEADER_LEN + NONCE_LEN]);
        assert_ne!(a, b);
        assert_eq!(a.len(), HEADER_LEN + NONCE_LEN + 4 + TAG_LEN);
    }

    #[test]
    fn a_sealed_value_names_its_key() {
        let (a, b) = (key(), other_key());
        let sealed = a.seal("draft:u", b"x");
        assert_eq!(sealed[0], FORMAT_V1);
        assert_eq!(sealed_key_id(&sealed), Some(a.key_id()));
        // The first 4 bytes of the key's SHA-256, as `sha256sum` would print them.
        let digest =
            Sha256::digest(hex::decode("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff").unwrap());
        assert_eq!(a.key_id(), hex::encode(&digest[..4]));
        assert_ne!(a.key_id(), b.key_id());
        assert!(a.knows(&a.key_id()) && !a.knows(&b.key_id()));
        assert_eq!(sealed_key_id(&[2, 0, 0, 0, 0, 0]), None);
        assert_eq!(sealed_key_id(&[1, 0]), None);
    }

    #[test]
    fn after_a_rotation_the_previous_key_still_opens_what_it_sealed() {
        let old = key();
        let sealed = old.seal(&draft_aad("alice"), b"staged before the rotation");
        let rotated = other_key().with_previous(&old);
        assert!(rotated.knows(&old.key_id()) && rotated.knows(&other_key().key_id()));
        assert_eq!(rotated.open(&draft_aad("alice"), &sealed).as_deref(), Some(&b"staged before the rotation"[..]));
        // New writes are sealed with the new key only.
        let fresh = rotated.seal(&draft_aad("alice"), b"after");
        assert_eq!(sealed_key_id(&fresh), Some(other_key().key_id()));
        assert_eq!(old.open(&draft_aad("alice"), &fresh), None);
        assert_eq!(other_key().open(&draft_aad("alice"), &fresh).as_deref(), Some(&b"after"[..]));
        // Without the previous key configured, the old value does not open.
        assert_eq!(other_key().open(&draft_aad("alice"), &sealed), None);
        assert!(!other_key().knows(&old.key_id()));
        assert!(!rotated.previous_is_current() && key().with_previous(&key()).previous_is_current());
    }

    #[test]
    fn a_tampered_header_does_not_open() {
        let old = key();
        let rotated = other_key().with_previous(&old);
        for sealed in [old.seal("draft:u", b"x"), rotated.seal("draft:u", b"x")] {
            // The key id switched to the other configured key, or to an unknown one; the version.
            let mut to_other = sealed.clone();
            let other_id =
                if sealed_key_id(&sealed) == Some(old.key_id()) { other_key().current.id } else { old.current.id };
            to_other[1..HEADER_LEN].copy_from_slice(&other_id);
            assert_eq!(rotated.open("draft:u", &to_other), None);
            let mut unknown = sealed.clone();
            unknown[1] ^= 0x80;
            assert_eq!(rotated.open("draft:u", &unknown), None);
            let mut version = sealed.clone();
            version[0] = 2;
            assert_eq!(rotated.open("draft:u", &version), None);
            assert!(rotated.open("draft:u", &sealed).is_some());
        }
    }

    #[test]
    fn a_key_of_one_repeated_byte_is_refused() {
        for bad in ["0".repeat(64), "ab".repeat(32), "FF".repeat(32), "fF".repeat(32)] {
            let err = DataKey::from_hex(&bad).unwrap_err();
            assert!(err.contains("one repeated byte") && !err.contains(&bad[..8]), "{err}");
        }
        // "abab…" as bytes is 0xab repeated; "0a0b…" is not one byte repeated.
        assert!(DataKey::from_hex(&"0a0b".repeat(16)).is_ok());
    }

    #[test]
    fn the_key_is_64_hex_characters_and_never_printed() {
        assert!(DataKey::from_hex(&"0".repeat(63)).is_err());
        assert!(DataKey::from_hex(&"g".repeat(64)).is_err());
        let err = DataKey::from_hex(&"q1".repeat(32)).unwrap_err();
        assert!(!err.contains("q1q1"), "{err}");
        let k = DataKey::from_hex(&format!("  {}\n", "Ab01".repeat(16))).unwrap();
        assert_eq!(format!("{k:?}"), "DataKey([REDACTED])");
        assert_eq!(format!("{:?}", k.with_previous(&key())), "DataKey([REDACTED])");
    }
}
