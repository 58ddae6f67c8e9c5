//! Configuration of `serve` (environment or `--config` TOML) and the embedded defaults of
//! `demo`. Secrets are `SecretString`: `Debug` prints `[REDACTED]`.

use kyc_domain::signing::SignatureScheme;
use kyc_domain::wire::{AddressPlacement, CountryFormat, GenderFormat, Profile};
use secrecy::SecretString;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// What a document that says otherwise than the draft does (`KYC_DOCUMENT_MISMATCH`;
/// document_check.rs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DocumentMismatch {
    /// Recorded in the application's `documentCheck` and notified; the application goes on.
    #[default]
    Record,
    /// A strong field (names, date of birth, document number, expiry) that differs refuses the
    /// draft or the submit with `422 validation_failed` (`differs_from_document`).
    Refuse,
}

/// Where `amlReport` / `idvReport` come from at submit time.
#[derive(Debug, Clone)]
pub enum ReportSource {
    /// `KYC_REPORTS_DIR/{externalUserId}/{amlReport,idvReport}.pdf`, or pushed by the partner.
    Partner { dir: Option<PathBuf> },
    /// `demo`: a small generated PDF marked as a sandbox report.
    DemoGenerated,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub upstream_base_url: String,
    pub app_key: String,
    pub app_secret: SecretString,
    pub signature: SignatureScheme,
    pub platform: String,
    pub public_base_url: String,
    pub webhook_secret: SecretString,
    pub allowed_origins: Vec<String>,
    /// `None` only in demo mode, where `POST /v1/sessions` is open.
    pub admin_key: Option<SecretString>,
    pub database_url: String,
    pub profile: Profile,
    pub reports: ReportSource,
    /// Proxies whose `X-Forwarded-For` is believed: addresses or CIDRs (`KYC_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// JSON logs (serve) or human-readable ones (demo, sandbox).
    pub json_logs: bool,
    /// Directory of the built widget and demo page, served at `/` (demo).
    pub widget_dir: Option<PathBuf>,
    /// Lowest age accepted (kyc-domain default 18).
    pub min_age: u8,
    /// `/v1` requests per client IP (IPv6: per /64) per minute (`KYC_RATE_LIMIT_PER_MINUTE`).
    pub rate_limit_per_minute: u32,
    /// The webhook path secret being rotated out, still accepted (`KYC_WEBHOOK_SECRET_PREVIOUS`).
    pub webhook_secret_previous: Option<SecretString>,
    /// Listener timeouts and the shutdown drain (`KYC_DRAIN_SECS`, default 20).
    pub timeouts: crate::http::Timeouts,
    /// Expired sessions no application needs, stored reports and diagnostics traces are purged
    /// after this many seconds (`KYC_RETENTION_SECS`, default 24 h); applications the provider
    /// holds never are.
    pub retention_secs: i64,
    /// What `serve` should warn about at start (a weak but allowed setting).
    pub warnings: Vec<String>,
    /// Where status changes and document checks are POSTed, signed (docs/notifications.md).
    pub partner_webhook_url: Option<String>,
    pub partner_webhook_secret: Option<SecretString>,
    /// An application `submitting` or `reviewing` this long without news is reconciled with
    /// the provider (`KYC_RECONCILE_AFTER_SECS`, default 60).
    pub reconcile_after_secs: i64,
    /// The key that seals an applicant's staged, unsubmitted data and the stored reports
    /// (`KYC_DATA_KEY`), with the one being rotated out that still opens what it sealed
    /// (`KYC_DATA_KEY_PREVIOUS`; STAGING.md).
    pub data_key: crate::staging::DataKey,
    /// How long a "continue on a phone" link can be claimed (`KYC_HANDOFF_TTL_SECS`, default 900).
    pub handoff_ttl_secs: i64,
    /// MiB of request bodies being read at once, server-wide (`KYC_BODY_BUDGET_MIB`; intake.rs).
    pub body_budget_mib: u32,
    /// Photo uploads in flight per client IP (`KYC_UPLOADS_PER_IP`, default 3; intake.rs).
    pub uploads_per_ip: u32,
    /// Connection caps, idle and age limits, h2c (`KYC_MAX_CONNECTIONS`, `KYC_CONNECTIONS_PER_IP`,
    /// `KYC_H2C`; http.rs).
    pub connections: crate::http::ConnectionLimits,
    /// `/v1` requests per minute with a valid admin key, per client IP: the partner's own bucket
    /// (`KYC_ADMIN_RATE_LIMIT_PER_MINUTE`, default 6000).
    pub admin_rate_limit_per_minute: u32,
    /// What a document that differs from the draft does (`KYC_DOCUMENT_MISMATCH`, default record).
    pub document_mismatch: DocumentMismatch,
    /// Where `GET /metrics` is served alone, without a key (`KYC_METRICS_ADDR`); `None`: on the
    /// main listener, behind the admin key.
    pub metrics_addr: Option<SocketAddr>,
}

/// The shortest secret `serve` accepts (docs/configuration.md).
pub const MIN_SECRET_LEN: usize = 32;

/// The fewest distinct characters a secret must have (docs/configuration.md): a random hex key
/// (`openssl rand -hex 32`) has about 16, a typed-in pattern has few.
pub const MIN_SECRET_DISTINCT: usize = 8;

/// The shortest retention `serve` accepts, in seconds.
pub const MIN_RETENTION_SECS: u64 = 60;

/// The longest handoff link lifetime `serve` accepts, in seconds (24 hours: staged data lives
/// no longer).
pub const MAX_HANDOFF_TTL_SECS: u64 = 24 * 3600;

/// `/v1` requests per minute and client IP with a valid admin key, unless configured.
pub const DEFAULT_ADMIN_RATE_LIMIT_PER_MINUTE: u32 = 6000;

/// A whole number in `min..=max`, or `None` when not set; the error names the variable.
fn bounded(v: Option<&String>, key: &str, min: u32, max: u32) -> Result<Option<u32>, String> {
    let Some(v) = v else { return Ok(None) };
    match v.trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(format!("{key} must be a whole number from {min} to {max}")),
    }
}

/// `KYC_TRUSTED_PROXIES`: addresses (`10.0.0.1`, `::1`) or CIDRs (`10.0.0.0/8`, `fd00::/8`).
fn trusted_proxies(v: Option<&str>) -> Result<Vec<ipnet::IpNet>, String> {
    list(v)
        .iter()
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<IpAddr>().map(ipnet::IpNet::from))
                .map(|n| n.trunc())
                .map_err(|_| format!("KYC_TRUSTED_PROXIES: not an IP address or CIDR: {p}"))
        })
        .collect()
}

/// The listener's connection limits (http.rs); trusted proxies are capped only globally.
fn connection_limits(raw: &RawConfig, exempt: Vec<ipnet::IpNet>) -> Result<crate::http::ConnectionLimits, String> {
    let d = crate::http::ConnectionLimits::default();
    let per_ip = bounded(raw.KYC_CONNECTIONS_PER_IP.as_ref(), "KYC_CONNECTIONS_PER_IP", 1, 1_000_000)?;
    let max = bounded(raw.KYC_MAX_CONNECTIONS.as_ref(), "KYC_MAX_CONNECTIONS", 16, 1_000_000)?;
    let h2c = match raw.KYC_H2C.as_deref() {
        None | Some("0") => false,
        Some("1") => true,
        Some(_) => return Err("KYC_H2C must be 1 or 0".into()),
    };
    Ok(crate::http::ConnectionLimits {
        max_connections: max.map(|n| n as usize),
        per_ip: per_ip.map_or(d.per_ip, |n| n as usize),
        exempt,
        h2c,
        ..d
    })
}

/// How long a handoff link can be claimed unless configured (STAGING.md: 15 minutes).
pub const DEFAULT_HANDOFF_TTL_SECS: i64 = 900;

/// The TOML / environment keys of `serve` (docs/configuration.md). Every key is optional here;
/// [`Config::from_sources`] says which are required.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct RawConfig {
    pub KYC_UPSTREAM_BASE_URL: Option<String>,
    pub KYC_APP_KEY: Option<String>,
    pub KYC_APP_SECRET: Option<String>,
    pub KYC_SIGNATURE: Option<String>,
    pub KYC_PLATFORM: Option<String>,
    pub KYC_PUBLIC_BASE_URL: Option<String>,
    pub KYC_WEBHOOK_SECRET: Option<String>,
    pub KYC_ALLOWED_ORIGINS: Option<String>,
    pub KYC_ADMIN_KEY: Option<String>,
    pub DATABASE_URL: Option<String>,
    pub KYC_ADDR: Option<String>,
    pub KYC_COUNTRY_FORMAT: Option<String>,
    pub KYC_GENDER_FORMAT: Option<String>,
    pub KYC_ADDRESS_PLACEMENT: Option<String>,
    pub KYC_REPORTS_DIR: Option<String>,
    pub KYC_TRUSTED_PROXIES: Option<String>,
    pub KYC_MIN_AGE: Option<String>,
    pub KYC_RATE_LIMIT_PER_MINUTE: Option<String>,
    pub KYC_WEBHOOK_SECRET_PREVIOUS: Option<String>,
    pub KYC_ALLOW_INSECURE_UPSTREAM: Option<String>,
    pub KYC_DRAIN_SECS: Option<String>,
    pub KYC_RETENTION_SECS: Option<String>,
    pub KYC_PARTNER_WEBHOOK_URL: Option<String>,
    pub KYC_PARTNER_WEBHOOK_SECRET: Option<String>,
    pub KYC_DATA_KEY: Option<String>,
    pub KYC_DATA_KEY_PREVIOUS: Option<String>,
    pub KYC_RECONCILE_AFTER_SECS: Option<String>,
    pub KYC_HANDOFF_TTL_SECS: Option<String>,
    pub KYC_BODY_BUDGET_MIB: Option<String>,
    pub KYC_UPLOADS_PER_IP: Option<String>,
    pub KYC_MAX_CONNECTIONS: Option<String>,
    pub KYC_CONNECTIONS_PER_IP: Option<String>,
    pub KYC_H2C: Option<String>,
    pub KYC_ADMIN_RATE_LIMIT_PER_MINUTE: Option<String>,
    pub KYC_DOCUMENT_MISMATCH: Option<String>,
    pub KYC_METRICS_ADDR: Option<String>,
}

macro_rules! env_keys {
    ($raw:ident, $($k:ident),*) => {
        $( if let Ok(v) = std::env::var(stringify!($k)) { if !v.is_empty() { $raw.$k = Some(v); } } )*
    };
}

impl RawConfig {
    /// The TOML file (if any), then the environment on top.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, String> {
        let mut raw = match file {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?
            }
            None => Self::default(),
        };
        env_keys!(
            raw,
            KYC_UPSTREAM_BASE_URL,
            KYC_APP_KEY,
            KYC_APP_SECRET,
            KYC_SIGNATURE,
            KYC_PLATFORM,
            KYC_PUBLIC_BASE_URL,
            KYC_WEBHOOK_SECRET,
            KYC_ALLOWED_ORIGINS,
            KYC_ADMIN_KEY,
            DATABASE_URL,
            KYC_ADDR,
            KYC_COUNTRY_FORMAT,
            KYC_GENDER_FORMAT,
            KYC_ADDRESS_PLACEMENT,
            KYC_REPORTS_DIR,
            KYC_TRUSTED_PROXIES,
            KYC_MIN_AGE,
            KYC_RATE_LIMIT_PER_MINUTE,
            KYC_WEBHOOK_SECRET_PREVIOUS,
            KYC_ALLOW_INSECURE_UPSTREAM,
            KYC_DRAIN_SECS,
            KYC_RETENTION_SECS,
            KYC_PARTNER_WEBHOOK_URL,
            KYC_PARTNER_WEBHOOK_SECRET,
            KYC_DATA_KEY,
            KYC_DATA_KEY_PREVIOUS,
            KYC_RECONCILE_AFTER_SECS,
            KYC_HANDOFF_TTL_SECS,
            KYC_BODY_BUDGET_MIB,
            KYC_UPLOADS_PER_IP,
            KYC_MAX_CONNECTIONS,
            KYC_CONNECTIONS_PER_IP,
            KYC_H2C,
            KYC_ADMIN_RATE_LIMIT_PER_MINUTE,
            KYC_DOCUMENT_MISMATCH,
            KYC_METRICS_ADDR
        );
        Ok(raw)
    }
}

fn list(s: Option<&str>) -> Vec<String> {
    s.unwrap_or_default()
        .split(',')
        .map(|o| o.trim().trim_end_matches('/').to_owned())
        .filter(|o| !o.is_empty())
        .collect()
}

pub fn parse_profile(raw: &RawConfig) -> Result<Profile, String> {
    let mut p = Profile::default();
    if let Some(v) = &raw.KYC_COUNTRY_FORMAT {
        p.country_format = match v.as_str() {
            "alpha3" => CountryFormat::Alpha3,
            "alpha2" => CountryFormat::Alpha2,
            _ => return Err("KYC_COUNTRY_FORMAT must be alpha3 or alpha2".into()),
        };
    }
    if let Some(v) = &raw.KYC_GENDER_FORMAT {
        p.gender_format = match v.as_str() {
            "number" => GenderFormat::Number,
            "string" => GenderFormat::String,
            _ => return Err("KYC_GENDER_FORMAT must be number or string".into()),
        };
    }
    if let Some(v) = &raw.KYC_ADDRESS_PLACEMENT {
        p.address_placement = match v.as_str() {
            "nested" => AddressPlacement::Nested,
            "top" => AddressPlacement::Top,
            _ => return Err("KYC_ADDRESS_PLACEMENT must be nested or top".into()),
        };
    }
    Ok(p)
}

/// `KYC_DOCUMENT_MISMATCH`: `record` (default, also when absent) or `refuse`.
pub fn document_mismatch(v: Option<&str>) -> Result<DocumentMismatch, String> {
    match v {
        None | Some("record") => Ok(DocumentMismatch::Record),
        Some("refuse") => Ok(DocumentMismatch::Refuse),
        Some(_) => Err("KYC_DOCUMENT_MISMATCH must be record or refuse".into()),
    }
}

/// `KYC_METRICS_ADDR`: an IP address and port (`127.0.0.1:9464`) other than the main
/// listener's `main`, where `GET /metrics` is served alone; `None` when not set. Answers the
/// address and, when it is not a loopback one, a warning (that listener has no key). Like the
/// other errors, an error names the variable, not its value.
pub fn metrics_addr(v: Option<&str>, main: SocketAddr) -> Result<(Option<SocketAddr>, Option<String>), String> {
    const KEY: &str = "KYC_METRICS_ADDR";
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else { return Ok((None, None)) };
    let addr: SocketAddr =
        v.parse().map_err(|_| format!("{KEY} is not an IP address and port (like 127.0.0.1:9464)"))?;
    let same_ip = addr.ip() == main.ip() || addr.ip().is_unspecified() || main.ip().is_unspecified();
    if addr.port() != 0 && addr.port() == main.port() && same_ip {
        return Err(format!("{KEY} must differ from KYC_ADDR: /metrics gets a listener of its own"));
    }
    let warning = (!addr.ip().is_loopback()).then(|| {
        format!(
            "{KEY} is not a loopback address: /metrics there needs no key, so only a private network should reach it"
        )
    });
    Ok((Some(addr), warning))
}

/// A secret of at least [`MIN_SECRET_LEN`] characters and [`MIN_SECRET_DISTINCT`] distinct
/// ones, or a one-line error naming the variable (never showing the value).
fn strong(v: String, key: &str) -> Result<String, String> {
    if v.chars().count() < MIN_SECRET_LEN {
        return Err(format!(
            "{key} must be at least {MIN_SECRET_LEN} characters (use e.g. `openssl rand -hex 32`); it has {}",
            v.chars().count()
        ));
    }
    let distinct = v.chars().collect::<std::collections::BTreeSet<char>>().len();
    if distinct == 1 {
        return Err(format!("{key} is one repeated character, not a secret (use e.g. `openssl rand -hex 32`)"));
    }
    if distinct < MIN_SECRET_DISTINCT {
        return Err(format!(
            "{key} must have at least {MIN_SECRET_DISTINCT} distinct characters (use e.g. `openssl rand -hex 32`); it has {distinct}"
        ));
    }
    Ok(v)
}

/// `KYC_PUBLIC_BASE_URL`: an absolute `https://` URL (`http://` only with
/// `KYC_ALLOW_INSECURE_UPSTREAM=1`) with a host and no user info, query or fragment — the
/// webhook path is appended to it. Answers it without a trailing `/`.
fn public_base_url(v: &str, allow_insecure: bool) -> Result<String, String> {
    const KEY: &str = "KYC_PUBLIC_BASE_URL";
    let v = v.trim();
    let url = url::Url::parse(v).map_err(|_| format!("{KEY} is not a valid absolute URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure => {}
        "http" => {
            return Err(format!(
                "{KEY} is http://: use https://, or set KYC_ALLOW_INSECURE_UPSTREAM=1 for local testing"
            ))
        }
        _ => return Err(format!("{KEY} must be an https:// URL")),
    }
    // `https:///x` parses, with `x` for the host: the host must follow `//` directly.
    let names_host = v.split_once("://").is_some_and(|(_, rest)| !rest.starts_with(['/', '\\']));
    if !names_host || url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{KEY} must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{KEY} must not carry user info"));
    }
    if url.query().is_some() || url.fragment().is_some() || v.contains(['?', '#']) {
        return Err(format!("{KEY} must not have a query or fragment"));
    }
    Ok(v.trim_end_matches('/').to_owned())
}

/// `KYC_ALLOWED_ORIGINS`: each entry an origin, `scheme://host[:port]` (http or https), with
/// no path, query, fragment or user info; `*` and `null` are not origins one can allow.
/// Answers them as browsers send them (lower case, no default port). An error names the
/// entry by its position, never its value.
fn origins(raw: Option<&str>) -> Result<Vec<String>, String> {
    const KEY: &str = "KYC_ALLOWED_ORIGINS";
    let mut out = Vec::new();
    for (i, entry) in list(raw).iter().enumerate() {
        let n = i + 1;
        if entry == "*" {
            return Err(format!("{KEY} must list origins; `*` is not allowed"));
        }
        if entry.eq_ignore_ascii_case("null") {
            return Err(format!(
                "{KEY} entry {n} is the opaque origin that sandboxed pages and files send, which cannot be allowed"
            ));
        }
        let not_origin =
            || format!("{KEY} entry {n} is not an origin (scheme://host[:port], http or https, nothing after it)");
        let (_, authority) = entry.split_once("://").ok_or_else(not_origin)?;
        if authority.is_empty() || authority.contains(['/', '?', '#', '@', '\\']) {
            return Err(not_origin());
        }
        let url = url::Url::parse(entry).map_err(|_| not_origin())?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(not_origin());
        }
        out.push(url.origin().ascii_serialization());
    }
    Ok(out)
}

/// An `https://` URL, or `http://` only with `KYC_ALLOW_INSECURE_UPSTREAM=1`.
fn secure_url(v: &str, key: &str, allow_insecure: bool) -> Result<(), String> {
    let lower = v.to_ascii_lowercase();
    if lower.starts_with("https://") && v.len() > "https://".len() {
        return Ok(());
    }
    if lower.starts_with("http://") {
        if allow_insecure {
            return Ok(());
        }
        return Err(format!("{key} is http://: use https://, or set KYC_ALLOW_INSECURE_UPSTREAM=1 for local testing"));
    }
    Err(format!("{key} must be an https:// URL"))
}

fn seconds(v: Option<&String>, key: &str, default: u64) -> Result<u64, String> {
    match v {
        Some(v) => v.trim().parse().map_err(|_| format!("{key} must be a whole number of seconds")),
        None => Ok(default),
    }
}

impl Config {
    /// `serve`: every credential must be configured; nothing is defaulted silently, and nothing
    /// weak is accepted (short secrets, plain-HTTP upstreams).
    pub fn for_serve(raw: &RawConfig) -> Result<Self, String> {
        let need =
            |v: &Option<String>, k: &str| v.clone().ok_or_else(|| format!("{k} is required for `kyc-server serve`"));
        let webhook_secret = strong(need(&raw.KYC_WEBHOOK_SECRET, "KYC_WEBHOOK_SECRET")?, "KYC_WEBHOOK_SECRET")?;
        let webhook_secret_previous = match &raw.KYC_WEBHOOK_SECRET_PREVIOUS {
            Some(p) => Some(SecretString::from(strong(p.clone(), "KYC_WEBHOOK_SECRET_PREVIOUS")?)),
            None => None,
        };
        let app_secret = strong(need(&raw.KYC_APP_SECRET, "KYC_APP_SECRET")?, "KYC_APP_SECRET")?;
        let admin_key = strong(need(&raw.KYC_ADMIN_KEY, "KYC_ADMIN_KEY")?, "KYC_ADMIN_KEY")?;
        let partner_webhook_secret = match &raw.KYC_PARTNER_WEBHOOK_SECRET {
            Some(p) => Some(SecretString::from(strong(p.clone(), "KYC_PARTNER_WEBHOOK_SECRET")?)),
            None => None,
        };
        if raw.KYC_PARTNER_WEBHOOK_URL.is_some() && partner_webhook_secret.is_none() {
            return Err("KYC_PARTNER_WEBHOOK_SECRET is required when KYC_PARTNER_WEBHOOK_URL is set".into());
        }
        let allow_insecure = match raw.KYC_ALLOW_INSECURE_UPSTREAM.as_deref() {
            None | Some("0") => false,
            Some("1") => true,
            Some(_) => return Err("KYC_ALLOW_INSECURE_UPSTREAM must be 1 or 0".into()),
        };
        let upstream = need(&raw.KYC_UPSTREAM_BASE_URL, "KYC_UPSTREAM_BASE_URL")?;
        secure_url(&upstream, "KYC_UPSTREAM_BASE_URL", allow_insecure)?;
        if let Some(u) = &raw.KYC_PARTNER_WEBHOOK_URL {
            secure_url(u, "KYC_PARTNER_WEBHOOK_URL", allow_insecure)?;
        }
        let signature = match &raw.KYC_SIGNATURE {
            Some(s) => SignatureScheme::parse(s).ok_or("KYC_SIGNATURE must be hmac-sha256 or sha1")?,
            None => SignatureScheme::HmacSha256,
        };
        let mut warnings = Vec::new();
        if signature == SignatureScheme::Sha1 {
            warnings.push(
                "KYC_SIGNATURE=sha1: SHA1 request signatures are weak; use hmac-sha256 unless the provider requires sha1"
                    .to_owned(),
            );
        }
        if allow_insecure {
            warnings.push(
                "KYC_ALLOW_INSECURE_UPSTREAM=1: plain-HTTP upstream, partner webhook and public URLs allowed (local testing only)"
                    .to_owned(),
            );
        }
        let public_base_url = public_base_url(&need(&raw.KYC_PUBLIC_BASE_URL, "KYC_PUBLIC_BASE_URL")?, allow_insecure)?;
        let drain = seconds(raw.KYC_DRAIN_SECS.as_ref(), "KYC_DRAIN_SECS", 20)?;
        let retention = seconds(raw.KYC_RETENTION_SECS.as_ref(), "KYC_RETENTION_SECS", 24 * 3600)?;
        if retention < MIN_RETENTION_SECS {
            return Err(format!("KYC_RETENTION_SECS must be at least {MIN_RETENTION_SECS}"));
        }
        let reconcile_after = seconds(raw.KYC_RECONCILE_AFTER_SECS.as_ref(), "KYC_RECONCILE_AFTER_SECS", 60)?.max(1);
        let mut data_key = crate::staging::DataKey::from_hex(raw.KYC_DATA_KEY.as_deref().ok_or(
            "KYC_DATA_KEY is required for `kyc-server serve` (64 hex characters: use e.g. `openssl rand -hex 32`)",
        )?)
        .map_err(|why| format!("KYC_DATA_KEY {why}"))?;
        if let Some(previous) = &raw.KYC_DATA_KEY_PREVIOUS {
            let previous =
                crate::staging::DataKey::from_hex(previous).map_err(|why| format!("KYC_DATA_KEY_PREVIOUS {why}"))?;
            data_key = data_key.with_previous(&previous);
            if data_key.previous_is_current() {
                warnings.push("KYC_DATA_KEY_PREVIOUS is KYC_DATA_KEY: nothing is being rotated".to_owned());
            }
        }
        let handoff_ttl = seconds(
            raw.KYC_HANDOFF_TTL_SECS.as_ref(),
            "KYC_HANDOFF_TTL_SECS",
            DEFAULT_HANDOFF_TTL_SECS.unsigned_abs(),
        )?;
        if handoff_ttl == 0 || handoff_ttl > MAX_HANDOFF_TTL_SECS {
            return Err(format!("KYC_HANDOFF_TTL_SECS must be between 1 and {MAX_HANDOFF_TTL_SECS}"));
        }
        let rate_limit_per_minute = match &raw.KYC_RATE_LIMIT_PER_MINUTE {
            Some(v) => v.trim().parse().map_err(|_| "KYC_RATE_LIMIT_PER_MINUTE must be a whole number")?,
            None => 120,
        };
        if rate_limit_per_minute == 0 {
            return Err("KYC_RATE_LIMIT_PER_MINUTE must be at least 1".into());
        }
        let origins = origins(raw.KYC_ALLOWED_ORIGINS.as_deref())?;
        let trusted = trusted_proxies(raw.KYC_TRUSTED_PROXIES.as_deref())?;
        let addr = raw.KYC_ADDR.as_deref().unwrap_or("127.0.0.1:8080");
        let addr: SocketAddr = addr.parse().map_err(|_| format!("KYC_ADDR is not an address: {addr}"))?;
        let (metrics_addr, metrics_warning) = metrics_addr(raw.KYC_METRICS_ADDR.as_deref(), addr)?;
        warnings.extend(metrics_warning);
        Ok(Self {
            addr,
            upstream_base_url: upstream.trim_end_matches('/').to_owned(),
            app_key: need(&raw.KYC_APP_KEY, "KYC_APP_KEY")?,
            app_secret: SecretString::from(app_secret),
            signature,
            platform: raw.KYC_PLATFORM.clone().unwrap_or_else(|| "sumsub".into()),
            public_base_url,
            webhook_secret: SecretString::from(webhook_secret),
            allowed_origins: origins,
            admin_key: Some(SecretString::from(admin_key)),
            database_url: raw.DATABASE_URL.clone().unwrap_or_else(|| "sqlite://kyc.db".into()),
            profile: parse_profile(raw)?,
            reports: ReportSource::Partner { dir: raw.KYC_REPORTS_DIR.as_ref().map(PathBuf::from) },
            connections: connection_limits(raw, trusted.clone())?,
            trusted_proxies: trusted,
            json_logs: true,
            widget_dir: None,
            min_age: match &raw.KYC_MIN_AGE {
                Some(v) => v.parse().map_err(|_| "KYC_MIN_AGE must be a whole number of years")?,
                None => kyc_domain::person::DEFAULT_MIN_AGE,
            },
            rate_limit_per_minute,
            webhook_secret_previous,
            timeouts: crate::http::Timeouts {
                drain: std::time::Duration::from_secs(drain),
                ..crate::http::Timeouts::default()
            },
            retention_secs: i64::try_from(retention).map_err(|_| "KYC_RETENTION_SECS is too large")?,
            warnings,
            partner_webhook_url: raw.KYC_PARTNER_WEBHOOK_URL.clone(),
            partner_webhook_secret,
            reconcile_after_secs: i64::try_from(reconcile_after)
                .map_err(|_| "KYC_RECONCILE_AFTER_SECS is too large")?,
            data_key,
            handoff_ttl_secs: i64::try_from(handoff_ttl).map_err(|_| "KYC_HANDOFF_TTL_SECS is too large")?,
            body_budget_mib: bounded(raw.KYC_BODY_BUDGET_MIB.as_ref(), "KYC_BODY_BUDGET_MIB", 8, 65_536)?
                .unwrap_or(crate::intake::DEFAULT_BODY_BUDGET_MIB),
            uploads_per_ip: bounded(raw.KYC_UPLOADS_PER_IP.as_ref(), "KYC_UPLOADS_PER_IP", 1, 100_000)?
                .unwrap_or(crate::intake::DEFAULT_UPLOADS_PER_IP),
            admin_rate_limit_per_minute: bounded(
                raw.KYC_ADMIN_RATE_LIMIT_PER_MINUTE.as_ref(),
                "KYC_ADMIN_RATE_LIMIT_PER_MINUTE",
                1,
                u32::MAX,
            )?
            .unwrap_or(DEFAULT_ADMIN_RATE_LIMIT_PER_MINUTE),
            document_mismatch: document_mismatch(raw.KYC_DOCUMENT_MISMATCH.as_deref())?,
            metrics_addr,
        })
    }

    /// `demo`: the backend talks to the in-process sandbox on its own listener, with fresh
    /// random credentials. `base` is `http://<bound address>`.
    pub fn for_demo(
        addr: SocketAddr,
        base: &str,
        data_dir: &std::path::Path,
        app_key: String,
        app_secret: String,
    ) -> Self {
        let mut allowed = vec![base.to_owned(), base.replace("127.0.0.1", "localhost")];
        allowed.extend(list(std::env::var("KYC_ALLOWED_ORIGINS").ok().as_deref()));
        Self {
            addr,
            upstream_base_url: base.to_owned(),
            app_key,
            app_secret: SecretString::from(app_secret),
            signature: SignatureScheme::HmacSha256,
            platform: "sumsub".into(),
            public_base_url: base.to_owned(),
            webhook_secret: SecretString::from(crate::random::hex(32)),
            allowed_origins: allowed,
            admin_key: None,
            database_url: format!("sqlite://{}", data_dir.join("kyc-demo.db").display()),
            profile: Profile::default(),
            reports: ReportSource::DemoGenerated,
            trusted_proxies: Vec::new(),
            json_logs: false,
            widget_dir: None,
            min_age: kyc_domain::person::DEFAULT_MIN_AGE,
            rate_limit_per_minute: 600,
            webhook_secret_previous: None,
            timeouts: crate::http::Timeouts::default(),
            retention_secs: 24 * 3600,
            warnings: Vec::new(),
            partner_webhook_url: None,
            partner_webhook_secret: None,
            reconcile_after_secs: 10,
            // Demo data lives as long as the process: a fresh key per run is enough.
            data_key: crate::staging::DataKey::random(),
            handoff_ttl_secs: DEFAULT_HANDOFF_TTL_SECS,
            body_budget_mib: crate::intake::DEFAULT_BODY_BUDGET_MIB,
            uploads_per_ip: crate::intake::DEFAULT_UPLOADS_PER_IP,
            connections: crate::http::ConnectionLimits::default(),
            admin_rate_limit_per_minute: DEFAULT_ADMIN_RATE_LIMIT_PER_MINUTE,
            document_mismatch: DocumentMismatch::Record,
            // The demo has no admin key: its `/metrics` answers 401, and it has no listener for them.
            metrics_addr: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_are_addresses_or_cidrs() {
        let t = trusted_proxies(Some("10.0.0.0/8, 192.0.2.7, ::1, fd00::/8")).unwrap();
        let has = |ip: &str| t.iter().any(|n| n.contains(&ip.parse::<IpAddr>().unwrap()));
        assert!(has("10.200.3.4") && has("192.0.2.7") && has("::1") && has("fd12::1"));
        assert!(!has("11.0.0.1") && !has("192.0.2.8"));
        for bad in ["10.0.0.0/33", "proxy.example", "10.0.0.1/8/8"] {
            assert!(trusted_proxies(Some(bad)).unwrap_err().starts_with("KYC_TRUSTED_PROXIES"), "{bad}");
        }
    }

    #[test]
    fn listener_and_body_limits_are_configurable_and_bounded() {
        let c = Config::for_serve(&toml_config()).unwrap();
        assert_eq!(c.body_budget_mib, crate::intake::DEFAULT_BODY_BUDGET_MIB);
        assert_eq!(c.uploads_per_ip, crate::intake::DEFAULT_UPLOADS_PER_IP);
        assert!(!c.connections.h2c);
        assert_eq!(c.document_mismatch, DocumentMismatch::Record);
        let mut raw = toml_config();
        raw.KYC_BODY_BUDGET_MIB = Some("32".into());
        raw.KYC_MAX_CONNECTIONS = Some("500".into());
        raw.KYC_CONNECTIONS_PER_IP = Some("20".into());
        raw.KYC_H2C = Some("1".into());
        raw.KYC_UPLOADS_PER_IP = Some("10".into());
        raw.KYC_DOCUMENT_MISMATCH = Some("refuse".into());
        let c = Config::for_serve(&raw).unwrap();
        assert_eq!((c.body_budget_mib, c.uploads_per_ip), (32, 10));
        assert_eq!(c.document_mismatch, DocumentMismatch::Refuse);
        assert_eq!((c.connections.max_connections, c.connections.per_ip, c.connections.h2c), (Some(500), 20, true));
        for (key, bad) in [
            ("KYC_BODY_BUDGET_MIB", "0"),
            ("KYC_MAX_CONNECTIONS", "3"),
            ("KYC_CONNECTIONS_PER_IP", "0"),
            ("KYC_H2C", "yes"),
            ("KYC_UPLOADS_PER_IP", "-1"),
            ("KYC_ADMIN_RATE_LIMIT_PER_MINUTE", "0"),
            ("KYC_DOCUMENT_MISMATCH", "bogus"),
            ("KYC_DOCUMENT_MISMATCH", "Refuse"),
        ] {
            let mut raw = toml_config();
            set_key(&mut raw, key, Some(bad.to_owned()));
            assert!(Config::for_serve(&raw).unwrap_err().starts_with(key), "{key}={bad}");
        }
    }

    #[test]
    fn the_metrics_address_is_an_address_of_its_own() {
        let c = Config::for_serve(&toml_config()).unwrap();
        assert_eq!(c.metrics_addr, None);
        let with = |v: &str| {
            let mut raw = toml_config();
            set_key(&mut raw, "KYC_METRICS_ADDR", Some(v.to_owned()));
            Config::for_serve(&raw)
        };
        let c = with("127.0.0.1:9464").unwrap();
        assert_eq!(c.metrics_addr, Some("127.0.0.1:9464".parse().unwrap()));
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(with("[::1]:9464").unwrap().metrics_addr, Some("[::1]:9464".parse().unwrap()));
        // Reachable from elsewhere: allowed, with a warning (no key there).
        let c = with("0.0.0.0:9464").unwrap();
        assert!(
            c.warnings.iter().any(|w| w.starts_with("KYC_METRICS_ADDR") && w.contains("loopback")),
            "{:?}",
            c.warnings
        );
        for bad in [
            "9464",
            "localhost:9464",
            "127.0.0.1",
            "127.0.0.1:99999",
            "http://127.0.0.1:9464",
            "127.0.0.1:8080",
            "0.0.0.0:8080",
        ] {
            let err = with(bad).unwrap_err();
            assert!(err.starts_with("KYC_METRICS_ADDR") && !err.contains('\n'), "{bad}: {err}");
        }
        assert!(with("127.0.0.1:8080").unwrap_err().contains("KYC_ADDR"));
        // Port 0 (any free port) never clashes.
        assert!(with("127.0.0.1:0").is_ok());
    }

    fn toml_config() -> RawConfig {
        toml::from_str(
            r#"
            KYC_UPSTREAM_BASE_URL = "https://kyc.example/"
            KYC_APP_KEY = "key-1"
            KYC_APP_SECRET = "very-secret-app-secret-0123456789abcdef"
            KYC_PUBLIC_BASE_URL = "https://partner.example"
            KYC_WEBHOOK_SECRET = "0123456789abcdef0123456789abcdef"
            KYC_ADMIN_KEY = "admin-secret-key-0123456789abcdef0123"
            KYC_ALLOWED_ORIGINS = "https://a.example, https://b.example/"
            KYC_COUNTRY_FORMAT = "alpha2"
            KYC_TRUSTED_PROXIES = "10.0.0.1"
            KYC_DATA_KEY = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF"
            "#,
        )
        .unwrap()
    }

    #[test]
    fn serve_config_reads_toml_keys() {
        let c = Config::for_serve(&toml_config()).unwrap();
        assert_eq!(c.upstream_base_url, "https://kyc.example");
        assert_eq!(c.allowed_origins, ["https://a.example", "https://b.example"]);
        assert_eq!(c.profile.country_format, CountryFormat::Alpha2);
        assert_eq!(c.database_url, "sqlite://kyc.db");
        assert_eq!(c.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.trusted_proxies, vec![ipnet::IpNet::from("10.0.0.1".parse::<IpAddr>().unwrap())]);
    }

    #[test]
    fn secrets_cannot_be_printed() {
        let c = Config::for_serve(&toml_config()).unwrap();
        let dbg = format!("{c:?}");
        for secret in [
            "very-secret-app-secret",
            "0123456789abcdef0123456789abcdef",
            "admin-secret-key",
            "00112233445566778899",
            // The key as bytes, in case a Debug printed the array.
            "[0, 17, 34",
            "0, 17, 34, 51",
        ] {
            assert!(!dbg.contains(secret), "Debug shows {secret}");
        }
    }

    #[test]
    fn serve_config_refuses_wildcards_short_webhook_secrets_and_missing_keys() {
        let mut raw = toml_config();
        raw.KYC_ALLOWED_ORIGINS = Some("*".into());
        assert!(Config::for_serve(&raw).unwrap_err().contains("KYC_ALLOWED_ORIGINS"));
        let mut raw = toml_config();
        raw.KYC_WEBHOOK_SECRET = Some("short".into());
        assert!(Config::for_serve(&raw).unwrap_err().contains("KYC_WEBHOOK_SECRET"));
        let mut raw = toml_config();
        raw.KYC_APP_SECRET = None;
        assert!(Config::for_serve(&raw).unwrap_err().contains("KYC_APP_SECRET"));
        let mut raw = toml_config();
        raw.KYC_SIGNATURE = Some("md5".into());
        assert!(Config::for_serve(&raw).is_err());
    }

    #[test]
    fn short_secrets_are_refused_with_the_variable_named() {
        for key in [
            "KYC_APP_SECRET",
            "KYC_ADMIN_KEY",
            "KYC_WEBHOOK_SECRET",
            "KYC_WEBHOOK_SECRET_PREVIOUS",
            "KYC_PARTNER_WEBHOOK_SECRET",
        ] {
            let mut raw = toml_config();
            let short = Some("x".repeat(MIN_SECRET_LEN - 1));
            match key {
                "KYC_APP_SECRET" => raw.KYC_APP_SECRET = short,
                "KYC_ADMIN_KEY" => raw.KYC_ADMIN_KEY = short,
                "KYC_WEBHOOK_SECRET" => raw.KYC_WEBHOOK_SECRET = short,
                "KYC_WEBHOOK_SECRET_PREVIOUS" => raw.KYC_WEBHOOK_SECRET_PREVIOUS = short,
                _ => raw.KYC_PARTNER_WEBHOOK_SECRET = short,
            }
            let err = Config::for_serve(&raw).unwrap_err();
            assert!(err.starts_with(key) && !err.contains('\n'), "{key}: {err}");
            assert!(!err.contains(&"x".repeat(8)), "the error must not echo the secret: {err}");
        }
        let mut raw = toml_config();
        raw.KYC_APP_SECRET = Some("y".repeat(MIN_SECRET_LEN));
        assert!(Config::for_serve(&raw).unwrap_err().starts_with("KYC_APP_SECRET"));
    }

    /// Sets the variable `key` of `raw` (the secrets and the limits the tests set).
    fn set_key(raw: &mut RawConfig, key: &str, v: Option<String>) {
        match key {
            "KYC_BODY_BUDGET_MIB" => raw.KYC_BODY_BUDGET_MIB = v,
            "KYC_MAX_CONNECTIONS" => raw.KYC_MAX_CONNECTIONS = v,
            "KYC_CONNECTIONS_PER_IP" => raw.KYC_CONNECTIONS_PER_IP = v,
            "KYC_H2C" => raw.KYC_H2C = v,
            "KYC_UPLOADS_PER_IP" => raw.KYC_UPLOADS_PER_IP = v,
            "KYC_ADMIN_RATE_LIMIT_PER_MINUTE" => raw.KYC_ADMIN_RATE_LIMIT_PER_MINUTE = v,
            "KYC_DOCUMENT_MISMATCH" => raw.KYC_DOCUMENT_MISMATCH = v,
            "KYC_METRICS_ADDR" => raw.KYC_METRICS_ADDR = v,
            "KYC_APP_SECRET" => raw.KYC_APP_SECRET = v,
            "KYC_ADMIN_KEY" => raw.KYC_ADMIN_KEY = v,
            "KYC_WEBHOOK_SECRET" => raw.KYC_WEBHOOK_SECRET = v,
            "KYC_WEBHOOK_SECRET_PREVIOUS" => raw.KYC_WEBHOOK_SECRET_PREVIOUS = v,
            "KYC_PARTNER_WEBHOOK_SECRET" => raw.KYC_PARTNER_WEBHOOK_SECRET = v,
            _ => unreachable!("{key}"),
        }
    }

    const SECRETS: [&str; 5] = [
        "KYC_APP_SECRET",
        "KYC_ADMIN_KEY",
        "KYC_WEBHOOK_SECRET",
        "KYC_WEBHOOK_SECRET_PREVIOUS",
        "KYC_PARTNER_WEBHOOK_SECRET",
    ];

    #[test]
    fn secrets_of_one_repeated_character_or_few_distinct_ones_are_refused() {
        for key in SECRETS {
            for (weak, why) in [
                ("f".repeat(64), "one repeated character"),
                ("w".repeat(40), "one repeated character"),
                ("é".repeat(MIN_SECRET_LEN), "one repeated character"),
                ("ab".repeat(32), "8 distinct"),
                ("password".repeat(5), "8 distinct"),
                ("0123456".repeat(6), "8 distinct"),
            ] {
                let mut raw = toml_config();
                set_key(&mut raw, key, Some(weak.clone()));
                let err = Config::for_serve(&raw).unwrap_err();
                assert!(err.starts_with(key) && err.contains(why) && !err.contains('\n'), "{key}: {err}");
                assert!(!err.contains(&weak[..16]), "the error must not echo the secret: {err}");
            }
            // Eight distinct characters are enough.
            let mut raw = toml_config();
            set_key(&mut raw, key, Some("01234567".repeat(4)));
            assert!(Config::for_serve(&raw).is_ok(), "{key}");
        }
    }

    #[test]
    fn a_random_hex_secret_always_passes() {
        for _ in 0..200 {
            let mut raw = toml_config();
            for key in SECRETS {
                // What `openssl rand -hex 32` makes.
                set_key(&mut raw, key, Some(crate::random::hex(32)));
            }
            raw.KYC_DATA_KEY = Some(crate::random::hex(32));
            raw.KYC_DATA_KEY_PREVIOUS = Some(crate::random::hex(32));
            let c = Config::for_serve(&raw).unwrap();
            assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        }
    }

    #[test]
    fn the_public_base_url_is_an_https_url_unless_insecure_is_allowed() {
        let with = |v: &str| {
            let mut raw = toml_config();
            raw.KYC_PUBLIC_BASE_URL = Some(v.to_owned());
            raw
        };
        let c = Config::for_serve(&with("https://partner.example/kyc/")).unwrap();
        assert_eq!(c.public_base_url, "https://partner.example/kyc");
        assert_eq!(
            Config::for_serve(&with("https://partner.example:8443")).unwrap().public_base_url,
            "https://partner.example:8443"
        );
        let err = Config::for_serve(&with("http://partner.example")).unwrap_err();
        assert!(err.starts_with("KYC_PUBLIC_BASE_URL") && err.contains("KYC_ALLOW_INSECURE_UPSTREAM"), "{err}");
        let mut raw = with("http://127.0.0.1:8080");
        raw.KYC_ALLOW_INSECURE_UPSTREAM = Some("1".into());
        assert_eq!(Config::for_serve(&raw).unwrap().public_base_url, "http://127.0.0.1:8080");
        for bad in [
            "partner.example",
            "/kyc",
            "https://",
            "https:///kyc",
            "https://partner example",
            "https://partner.example:99999",
            "ftp://partner.example",
            "javascript:alert(1)",
            "https://ops:Zzpw@partner.example",
            "https://partner.example/?Zzq=1",
            "https://partner.example/#Zzfrag",
        ] {
            let mut raw = with(bad);
            raw.KYC_ALLOW_INSECURE_UPSTREAM = Some("1".into());
            let err = Config::for_serve(&raw).unwrap_err();
            assert!(err.starts_with("KYC_PUBLIC_BASE_URL") && !err.contains('\n'), "{bad}: {err}");
            assert!(!err.contains("partner") && !err.contains("Zz"), "the error must not echo the value: {err}");
        }
        let mut raw = toml_config();
        raw.KYC_PUBLIC_BASE_URL = None;
        assert!(Config::for_serve(&raw).unwrap_err().starts_with("KYC_PUBLIC_BASE_URL"));
    }

    #[test]
    fn allowed_origins_must_be_origins() {
        let with = |v: &str| {
            let mut raw = toml_config();
            raw.KYC_ALLOWED_ORIGINS = Some(v.to_owned());
            raw
        };
        let c = Config::for_serve(&with("HTTPS://Partner.Example:443, http://localhost:3000/, https://b.example:8443"))
            .unwrap();
        assert_eq!(c.allowed_origins, ["https://partner.example", "http://localhost:3000", "https://b.example:8443"]);
        assert!(Config::for_serve(&with("")).unwrap().allowed_origins.is_empty());
        for bad in [
            "*",
            "null",
            "NULL",
            "zzhost.example",
            "//zzhost.example",
            "https://",
            "https://zzhost.example/zzpath",
            "https://zzhost.example/a/",
            "https://zzhost.example?zz=1",
            "https://zzhost.example#zz",
            "https://zzuser@zzhost.example",
            "https://zzuser:zzpw@zzhost.example",
            "https://zzhost.example:99999",
            "ftp://zzhost.example",
            "file://zzhost",
            "chrome-extension://zzabcdef",
            "javascript:alert(1)",
        ] {
            let err = Config::for_serve(&with(&format!("https://ok.example, {bad}"))).unwrap_err();
            assert!(err.starts_with("KYC_ALLOWED_ORIGINS") && !err.contains('\n'), "{bad}: {err}");
            assert!(!err.contains("zz"), "the error must not echo the value: {err}");
            if bad != "*" {
                assert!(err.contains("entry 2"), "names the entry by its place: {err}");
            }
        }
    }

    #[test]
    fn zero_or_out_of_range_retention_rate_limit_and_handoff_ttl_are_refused() {
        type Set = fn(&mut RawConfig, Option<String>);
        let retention: Set = |r, v| r.KYC_RETENTION_SECS = v;
        let rate: Set = |r, v| r.KYC_RATE_LIMIT_PER_MINUTE = v;
        let ttl: Set = |r, v| r.KYC_HANDOFF_TTL_SECS = v;
        for (set, key, bad, good) in [
            (retention, "KYC_RETENTION_SECS", &["0", "1", "59", "-60", "soon"][..], &["60", "86400", "31536000"][..]),
            (rate, "KYC_RATE_LIMIT_PER_MINUTE", &["0", "-1", "lots"][..], &["1", "120", "1000000"][..]),
            (ttl, "KYC_HANDOFF_TTL_SECS", &["0", "86401", "604800", "-5"][..], &["1", "900", "86400"][..]),
        ] {
            for v in bad {
                let mut raw = toml_config();
                set(&mut raw, Some((*v).to_owned()));
                let err = Config::for_serve(&raw).unwrap_err();
                assert!(err.starts_with(key) && !err.contains('\n'), "{key}={v}: {err}");
            }
            for v in good {
                let mut raw = toml_config();
                set(&mut raw, Some((*v).to_owned()));
                assert!(Config::for_serve(&raw).is_ok(), "{key}={v}");
            }
        }
        let c = Config::for_serve(&toml_config()).unwrap();
        assert_eq!((c.retention_secs, c.rate_limit_per_minute, c.handoff_ttl_secs), (86_400, 120, 900));
    }

    #[test]
    fn data_keys_of_one_repeated_byte_are_refused_and_the_previous_key_is_checked_alike() {
        for bad in ["0".repeat(64), "ab".repeat(32), "F".repeat(64)] {
            let mut raw = toml_config();
            raw.KYC_DATA_KEY = Some(bad.clone());
            let err = Config::for_serve(&raw).unwrap_err();
            assert!(err.starts_with("KYC_DATA_KEY ") && err.contains("one repeated byte"), "{err}");
            assert!(!err.contains(&bad[..8]), "the error must not echo the key: {err}");
            let mut raw = toml_config();
            raw.KYC_DATA_KEY_PREVIOUS = Some(bad.clone());
            let err = Config::for_serve(&raw).unwrap_err();
            assert!(err.starts_with("KYC_DATA_KEY_PREVIOUS") && err.contains("one repeated byte"), "{err}");
        }
        for bad in ["00112233".repeat(2), "zz".repeat(32), "0".repeat(65)] {
            let mut raw = toml_config();
            raw.KYC_DATA_KEY_PREVIOUS = Some(bad);
            let err = Config::for_serve(&raw).unwrap_err();
            assert!(err.starts_with("KYC_DATA_KEY_PREVIOUS") && err.contains("64 hex"), "{err}");
        }
    }

    #[test]
    fn the_previous_data_key_opens_what_it_sealed() {
        let old = toml_config();
        let sealed = Config::for_serve(&old).unwrap().data_key.seal("draft:u", b"before");
        let mut raw = toml_config();
        raw.KYC_DATA_KEY = Some("0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0".into());
        assert_eq!(Config::for_serve(&raw).unwrap().data_key.open("draft:u", &sealed), None);
        raw.KYC_DATA_KEY_PREVIOUS = old.KYC_DATA_KEY.clone();
        let c = Config::for_serve(&raw).unwrap();
        assert_eq!(c.data_key.open("draft:u", &sealed).as_deref(), Some(&b"before"[..]));
        assert!(c.warnings.is_empty());
        // The same key twice starts, with a warning.
        let mut raw = toml_config();
        raw.KYC_DATA_KEY_PREVIOUS = raw.KYC_DATA_KEY.clone();
        assert!(Config::for_serve(&raw).unwrap().warnings.iter().any(|w| w.starts_with("KYC_DATA_KEY_PREVIOUS")));
    }

    #[test]
    fn plain_http_upstreams_need_the_explicit_switch_and_sha1_warns() {
        let mut raw = toml_config();
        raw.KYC_UPSTREAM_BASE_URL = Some("http://kyc.example".into());
        let err = Config::for_serve(&raw).unwrap_err();
        assert!(err.contains("KYC_UPSTREAM_BASE_URL") && err.contains("KYC_ALLOW_INSECURE_UPSTREAM"), "{err}");
        raw.KYC_ALLOW_INSECURE_UPSTREAM = Some("1".into());
        let c = Config::for_serve(&raw).unwrap();
        assert!(c.warnings.iter().any(|w| w.contains("KYC_ALLOW_INSECURE_UPSTREAM")));
        let mut raw = toml_config();
        raw.KYC_UPSTREAM_BASE_URL = Some("ftp://kyc.example".into());
        assert!(Config::for_serve(&raw).unwrap_err().contains("KYC_UPSTREAM_BASE_URL"));
        let mut raw = toml_config();
        raw.KYC_PARTNER_WEBHOOK_URL = Some("http://partner.example/hook".into());
        assert!(Config::for_serve(&raw).unwrap_err().contains("KYC_PARTNER_WEBHOOK_URL"));
        let mut raw = toml_config();
        raw.KYC_SIGNATURE = Some("sha1".into());
        let c = Config::for_serve(&raw).unwrap();
        assert!(c.warnings.iter().any(|w| w.starts_with("KYC_SIGNATURE=sha1")));
        assert!(Config::for_serve(&toml_config()).unwrap().warnings.is_empty());
    }

    #[test]
    fn drain_and_retention_are_configurable() {
        let c = Config::for_serve(&toml_config()).unwrap();
        assert_eq!(c.timeouts.drain, std::time::Duration::from_secs(20));
        assert_eq!(c.retention_secs, 86_400);
        let mut raw = toml_config();
        raw.KYC_DRAIN_SECS = Some("3".into());
        raw.KYC_RETENTION_SECS = Some("60".into());
        let c = Config::for_serve(&raw).unwrap();
        assert_eq!((c.timeouts.drain.as_secs(), c.retention_secs), (3, 60));
        raw.KYC_DRAIN_SECS = Some("soon".into());
        assert!(Config::for_serve(&raw).unwrap_err().contains("KYC_DRAIN_SECS"));
    }

    #[test]
    fn the_data_key_is_required_and_must_be_64_hex_characters() {
        let c = Config::for_serve(&toml_config()).unwrap();
        assert_eq!(c.handoff_ttl_secs, 900);
        for (bad, why) in [
            (None, "required"),
            (Some("00112233".to_owned()), "64 hex"),
            (Some("zz".repeat(32)), "64 hex"),
            (Some("0".repeat(65)), "64 hex"),
            (Some(format!("{}é", "0".repeat(62))), "64 hex"),
        ] {
            let mut raw = toml_config();
            raw.KYC_DATA_KEY = bad.clone();
            let err = Config::for_serve(&raw).unwrap_err();
            assert!(err.starts_with("KYC_DATA_KEY") && err.contains(why) && !err.contains('\n'), "{bad:?}: {err}");
            if let Some(b) = &bad {
                assert!(!err.contains(b.as_str()), "the error must not echo the key: {err}");
            }
        }
        let mut raw = toml_config();
        raw.KYC_HANDOFF_TTL_SECS = Some("60".into());
        assert_eq!(Config::for_serve(&raw).unwrap().handoff_ttl_secs, 60);
        raw.KYC_HANDOFF_TTL_SECS = Some("0".into());
        assert!(Config::for_serve(&raw).unwrap_err().starts_with("KYC_HANDOFF_TTL_SECS"));
    }
}
