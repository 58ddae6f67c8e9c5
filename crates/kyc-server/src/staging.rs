//! Staging and "continue on a phone" (STAGING.md): the pieces without IO.
//!
//! An applicant's unsubmitted data — the typed draft and the cleaned photos — is staged in the
//! database sealed with AES-256-GCM under `KYC_DATA_KEY`. Each write takes a fresh random
//! 96-bit nonce and is stored as `nonce || ciphertext+tag`. The associated data names the row's
//! place (`draft:<externalUserId>`, `photo:<externalUserId>:<kind>`), so a sealed value copied
//! into another user's row — or another kind's — does not open: a database-level mix-up or
//! tampering cannot hand one person's data to another.
//!
//! Also here: the handoff's secrets (256-bit, only their SHA-256 stored), its match code, the
//! check of the page URL a link is built from, and the link's QR code.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use rand::{Rng, RngCore};
use secrecy::{ExposeSecret, SecretBox};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// AES-GCM's standard nonce: 96 bits.
const NONCE_LEN: usize = 12;
/// The GCM tag.
const TAG_LEN: usize = 16;

/// Staged data lives at most this long from its first write (STAGING.md), or
/// `KYC_RETENTION_SECS` when that is shorter.
pub const STAGED_TTL_SECS: i64 = 24 * 3600;
/// A handoff capability lives at most this long after its claim.
pub const CAPABILITY_TTL_SECS: i64 = 30 * 60;
/// The longest page URL a handoff link is built from.
pub const MAX_HANDOFF_URL: usize = 2_000;

/// The data key (`KYC_DATA_KEY`): 32 bytes, kept in memory that is wiped when dropped, never
/// printed (`Debug` shows `[REDACTED]`).
#[derive(Clone)]
pub struct DataKey(Arc<SecretBox<[u8; 32]>>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey([REDACTED])")
    }
}

impl DataKey {
    /// 64 hex characters. The error says what is wrong, never what was given.
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
        Ok(Self(Arc::new(key)))
    }

    /// A fresh key from the OS CSPRNG (`demo`: staged data does not outlive the process).
    pub fn random() -> Self {
        Self(Arc::new(SecretBox::init_with_mut(|k: &mut [u8; 32]| rand::rngs::OsRng.fill_bytes(k))))
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(self.0.expose_secret()))
    }

    /// Seals `plaintext` bound to `aad`: `nonce || ciphertext+tag`, a fresh nonce every call.
    pub fn seal(&self, aad: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher()
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad: aad.as_bytes() })
            // AES-GCM refuses only messages over 64 GiB; ours are at most a few MB.
            .expect("AES-GCM seals any message under 64 GiB");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens what [`DataKey::seal`] made with the same key and `aad`; `None` for anything else
    /// (another key, another row's `aad`, a flipped bit, a truncated value).
    pub fn open(&self, aad: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return None;
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.cipher().decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: aad.as_bytes() }).ok()
    }
}

/// The associated data of a user's staged draft.
pub fn draft_aad(external_user_id: &str) -> String {
    format!("draft:{external_user_id}")
}

/// The associated data of a user's staged photo of `kind`.
pub fn photo_aad(external_user_id: &str, kind: &str) -> String {
    format!("photo:{external_user_id}:{kind}")
}

/// A new handoff secret (one-time token or capability): 256 bits from the OS CSPRNG as 64 hex
/// characters, and the SHA-256 that is all the database keeps of it.
pub fn new_secret() -> (String, Vec<u8>) {
    let secret = kyc_sandbox::random_hex(32);
    let hash = secret_hash(&secret);
    (secret, hash)
}

pub fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Whether `s` has the shape of a handoff secret (64 hex characters). Anything else is refused
/// before the database is asked.
pub fn is_secret_shaped(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The phone's device id: 32–64 hex characters (case does not matter).
pub fn device_hash(device: &str) -> Option<Vec<u8>> {
    let ok = (32..=64).contains(&device.len()) && device.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| Sha256::digest(device.to_ascii_lowercase().as_bytes()).to_vec())
}

/// The characters of a match code: no 0/O, 1/I/L, so it reads back unambiguously.
const MATCH_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A match code the desktop and the phone both show, e.g. `ABC-234`.
pub fn new_match_code() -> String {
    let mut rng = rand::rngs::OsRng;
    let pick = |rng: &mut rand::rngs::OsRng| char::from(MATCH_ALPHABET[rng.gen_range(0..MATCH_ALPHABET.len())]);
    let a: String = (0..3).map(|_| pick(&mut rng)).collect();
    let b: String = (0..3).map(|_| pick(&mut rng)).collect();
    format!("{a}-{b}")
}

/// The page URL a handoff link is built from, checked: `http(s)://`, at most
/// [`MAX_HANDOFF_URL`] characters of printable ASCII (what a browser's `location.href` is),
/// no user info. Answers the URL without its fragment and its origin (lower case).
pub fn handoff_page(url: &str) -> Result<(&str, String), &'static str> {
    if url.len() > MAX_HANDOFF_URL {
        return Err("the url is longer than 2,000 characters");
    }
    // Quotes, angle brackets, backticks and backslashes are never in a URL a browser reports;
    // refusing them keeps the link inert wherever it is shown.
    if !url.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'<' | b'>' | b'`' | b'\\')) {
        return Err("the url must be a plain http(s) URL");
    }
    let page = url.split('#').next().unwrap_or_default();
    let (scheme, rest) = page.split_once("://").ok_or("the url must be an http:// or https:// URL")?;
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return Err("the url must be an http:// or https:// URL");
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err("the url must name a host and no user");
    }
    Ok((page, format!("{}://{}", scheme.to_ascii_lowercase(), authority.to_ascii_lowercase())))
}

/// The QR code of `link` as an SVG document (`<svg …>`, no XML prolog, black on white with
/// the standard quiet zone). `None` only when the link is too long for any QR code, which the
/// URL limit rules out.
pub fn qr_svg(link: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M).ok()?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(256, 256).build();
    // The renderer starts with an XML declaration; the answer is the `<svg>` element itself.
    let start = svg.find("<svg")?;
    Some(svg[start..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> DataKey {
        DataKey::from_hex(&"ab".repeat(32)).unwrap()
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
        flipped[NONCE_LEN + 1] ^= 1;
        assert_eq!(k.open(&draft_aad("alice"), &flipped), None);
        assert_eq!(k.open(&draft_aad("alice"), &sealed[..NONCE_LEN + TAG_LEN - 1]), None);
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
    fn every_write_takes_a_fresh_nonce() {
        let k = key();
        let (a, b) = (k.seal("draft:u", b"same"), k.seal("draft:u", b"same"));
        assert_ne!(a[..NONCE_LEN], b[..NONCE_LEN]);
        assert_ne!(a, b);
        assert_eq!(a.len(), NONCE_LEN + 4 + TAG_LEN);
    }

    #[test]
    fn the_key_is_64_hex_characters_and_never_printed() {
        assert!(DataKey::from_hex(&"0".repeat(63)).is_err());
        assert!(DataKey::from_hex(&"g".repeat(64)).is_err());
        let err = DataKey::from_hex(&"q1".repeat(32)).unwrap_err();
        assert!(!err.contains("q1q1"), "{err}");
        let k = DataKey::from_hex(&format!("  {}\n", "Ab".repeat(32))).unwrap();
        assert_eq!(format!("{k:?}"), "DataKey([REDACTED])");
    }

    #[test]
    fn match_codes_use_the_unambiguous_alphabet() {
        for _ in 0..200 {
            let c = new_match_code();
            assert_eq!(c.len(), 7);
            assert_eq!(&c[3..4], "-");
            assert!(c.bytes().filter(|b| *b != b'-').all(|b| MATCH_ALPHABET.contains(&b)), "{c}");
        }
    }

    #[test]
    fn handoff_pages_are_plain_http_urls_without_user_info() {
        assert_eq!(
            handoff_page("https://Partner.Example:8443/signup?x=1#old").unwrap(),
            ("https://Partner.Example:8443/signup?x=1", "https://partner.example:8443".to_owned())
        );
        assert_eq!(handoff_page("http://a.example").unwrap().1, "http://a.example");
        for bad in [
            "javascript:alert(1)",
            "javascript://a.example/%0aalert(1)",
            "data:text/html,hi",
            "ftp://a.example/",
            "https://",
            "https:///path",
            "https://user@a.example/",
            "https://a.example@evil.example/",
            "https://a.example\\@evil.example/",
            "https://a.example/ space",
            "https://a.example/\"><script>",
            "//a.example/",
        ] {
            assert!(handoff_page(bad).is_err(), "{bad}");
        }
        assert!(handoff_page(&format!("https://a.example/{}", "x".repeat(MAX_HANDOFF_URL))).is_err());
    }

    #[test]
    fn the_qr_code_is_an_svg_element_even_for_the_longest_link() {
        let svg = qr_svg("https://a.example/#kyc-handoff=00").unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
        let longest = format!("https://a.example/{}#kyc-handoff={}", "x".repeat(MAX_HANDOFF_URL - 18), "0".repeat(64));
        assert!(qr_svg(&longest).is_some());
    }
}
