//! Configuration of `serve` (environment or `--config` TOML) and the embedded defaults of
//! `demo`. Secrets are `SecretString`: `Debug` prints `[REDACTED]`.

use kyc_domain::signing::SignatureScheme;
use kyc_domain::wire::{AddressPlacement, CountryFormat, GenderFormat, Profile};
use secrecy::SecretString;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

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
    pub trusted_proxies: Vec<IpAddr>,
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
    /// Sessions, abandoned drafts and stored reports are purged after this many seconds
    /// (`KYC_RETENTION_SECS`, default 24 h).
    pub retention_secs: i64,
    /// What `serve` should warn about at start (a weak but allowed setting).
    pub warnings: Vec<String>,
    /// Where status changes are POSTed, signed (contract.md §1a).
    pub partner_webhook_url: Option<String>,
    pub partner_webhook_secret: Option<SecretString>,
    /// An application `submitting` or `reviewing` this long without news is reconciled with
    /// the provider (`KYC_RECONCILE_AFTER_SECS`, default 60).
    pub reconcile_after_secs: i64,
    /// The key that seals an applicant's staged, unsubmitted data (`KYC_DATA_KEY`; STAGING.md).
    pub data_key: crate::staging::DataKey,
    /// How long a "continue on a phone" link can be claimed (`KYC_HANDOFF_TTL_SECS`, default 900).
    pub handoff_ttl_secs: i64,
}

/// The shortest secret `serve` accepts (contract.md §3).
pub const MIN_SECRET_LEN: usize = 32;

/// How long a handoff link can be claimed unless configured (STAGING.md: 15 minutes).
pub const DEFAULT_HANDOFF_TTL_SECS: i64 = 900;

/// The TOML / environment keys of `serve` (contract.md §3). Every key is optional here;
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
    pub KYC_RECONCILE_AFTER_SECS: Option<String>,
    pub KYC_HANDOFF_TTL_SECS: Option<String>,
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
            KYC_RECONCILE_AFTER_SECS,
            KYC_HANDOFF_TTL_SECS
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

/// A secret of at least [`MIN_SECRET_LEN`] characters, or a one-line error naming the variable.
fn strong(v: String, key: &str) -> Result<String, String> {
    if v.chars().count() < MIN_SECRET_LEN {
        return Err(format!(
            "{key} must be at least {MIN_SECRET_LEN} characters (use e.g. `openssl rand -hex 32`); it has {}",
            v.chars().count()
        ));
    }
    Ok(v)
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
            warnings.push("KYC_ALLOW_INSECURE_UPSTREAM=1: plain-HTTP upstream allowed (local testing only)".to_owned());
        }
        let drain = seconds(raw.KYC_DRAIN_SECS.as_ref(), "KYC_DRAIN_SECS", 20)?;
        let retention = seconds(raw.KYC_RETENTION_SECS.as_ref(), "KYC_RETENTION_SECS", 24 * 3600)?;
        let reconcile_after = seconds(raw.KYC_RECONCILE_AFTER_SECS.as_ref(), "KYC_RECONCILE_AFTER_SECS", 60)?.max(1);
        let data_key = crate::staging::DataKey::from_hex(raw.KYC_DATA_KEY.as_deref().ok_or(
            "KYC_DATA_KEY is required for `kyc-server serve` (64 hex characters: use e.g. `openssl rand -hex 32`)",
        )?)
        .map_err(|why| format!("KYC_DATA_KEY {why}"))?;
        let handoff_ttl = seconds(
            raw.KYC_HANDOFF_TTL_SECS.as_ref(),
            "KYC_HANDOFF_TTL_SECS",
            DEFAULT_HANDOFF_TTL_SECS.unsigned_abs(),
        )?;
        if handoff_ttl == 0 {
            return Err("KYC_HANDOFF_TTL_SECS must be at least 1".into());
        }
        let origins = list(raw.KYC_ALLOWED_ORIGINS.as_deref());
        if origins.iter().any(|o| o == "*") {
            return Err("KYC_ALLOWED_ORIGINS must list origins; `*` is not allowed".into());
        }
        let addr = raw.KYC_ADDR.as_deref().unwrap_or("127.0.0.1:8080");
        Ok(Self {
            addr: addr.parse().map_err(|_| format!("KYC_ADDR is not an address: {addr}"))?,
            upstream_base_url: upstream.trim_end_matches('/').to_owned(),
            app_key: need(&raw.KYC_APP_KEY, "KYC_APP_KEY")?,
            app_secret: SecretString::from(app_secret),
            signature,
            platform: raw.KYC_PLATFORM.clone().unwrap_or_else(|| "sumsub".into()),
            public_base_url: need(&raw.KYC_PUBLIC_BASE_URL, "KYC_PUBLIC_BASE_URL")?.trim_end_matches('/').to_owned(),
            webhook_secret: SecretString::from(webhook_secret),
            allowed_origins: origins,
            admin_key: Some(SecretString::from(admin_key)),
            database_url: raw.DATABASE_URL.clone().unwrap_or_else(|| "sqlite://kyc.db".into()),
            profile: parse_profile(raw)?,
            reports: ReportSource::Partner { dir: raw.KYC_REPORTS_DIR.as_ref().map(PathBuf::from) },
            trusted_proxies: list(raw.KYC_TRUSTED_PROXIES.as_deref())
                .iter()
                .map(|p| p.parse().map_err(|_| format!("KYC_TRUSTED_PROXIES: not an IP address: {p}")))
                .collect::<Result<_, _>>()?,
            json_logs: true,
            widget_dir: None,
            min_age: match &raw.KYC_MIN_AGE {
                Some(v) => v.parse().map_err(|_| "KYC_MIN_AGE must be a whole number of years")?,
                None => kyc_domain::person::DEFAULT_MIN_AGE,
            },
            rate_limit_per_minute: match &raw.KYC_RATE_LIMIT_PER_MINUTE {
                Some(v) => v.parse().map_err(|_| "KYC_RATE_LIMIT_PER_MINUTE must be a whole number")?,
                None => 120,
            },
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
            webhook_secret: SecretString::from(kyc_sandbox::random_hex(32)),
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(c.trusted_proxies, vec!["10.0.0.1".parse::<IpAddr>().unwrap()]);
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
        assert!(Config::for_serve(&raw).is_ok());
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
