//! The handoff's pieces without IO: its secrets (256-bit, only their SHA-256 stored), its match
//! code, the check of the page URL a link is built from, and the link's QR code.

use rand::Rng;
use sha2::{Digest, Sha256};

/// A handoff capability lives at most this long after its claim.
pub const CAPABILITY_TTL_SECS: i64 = 30 * 60;
/// The longest page URL a handoff link is built from.
pub const MAX_HANDOFF_URL: usize = 2_000;

/// A new handoff secret (one-time token or capability): 256 bits from the OS CSPRNG as 64 hex
/// characters, and the SHA-256 that is all the database keeps of it.
pub fn new_secret() -> (String, Vec<u8>) {
    let secret = crate::random::hex(32);
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
