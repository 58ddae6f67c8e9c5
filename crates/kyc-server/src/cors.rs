//! The browser-facing boundary: CORS for allow-listed origins only, the origin check of
//! state-changing requests, the security headers of API answers, and `demo`'s loopback-host
//! check.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};

use crate::error::ApiError;
use crate::state::AppState;

/// The origin of a URL (`scheme://host[:port]`).
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

pub fn origin_allowed(state: &AppState, origin: &str) -> bool {
    let origin = origin.trim_end_matches('/');
    origin == origin_of(&state.config.public_base_url) || state.config.allowed_origins.iter().any(|o| o == origin)
}

/// Whether a page origin (`scheme://host[:port]`, as staging::handoff_page makes it) is one the
/// backend allows — the configured partner origins or its own public one — ignoring case, as
/// URLs do for the scheme and host.
pub fn page_origin_allowed(state: &AppState, origin: &str) -> bool {
    let own = origin_of(&state.config.public_base_url);
    std::iter::once(own)
        .chain(state.config.allowed_origins.iter().map(String::as_str))
        .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

/// CORS for allow-listed origins only (never `*`), and 403 for a state-changing request from
/// any other origin (docs/security.md WB-2, WB-3). Also answers preflights.
pub async fn cors_and_origin(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let allowed = origin.as_deref().is_some_and(|o| origin_allowed(&state, o));
    let is_v1 = req.uri().path().starts_with("/v1/") && !req.uri().path().starts_with("/v1/webhooks/");
    if req.method() == Method::OPTIONS && is_v1 {
        let mut resp = if allowed {
            axum::http::StatusCode::NO_CONTENT.into_response()
        } else {
            tracing::warn!(event = "cors_rejected", "preflight from an origin that is not allowed");
            axum::http::StatusCode::FORBIDDEN.into_response()
        };
        if allowed {
            let h = resp.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PUT, DELETE"));
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization, content-type, x-photo-source, x-photo-metrics"),
            );
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        }
        add_cors(resp.headers_mut(), origin.as_deref().filter(|_| allowed));
        return resp;
    }
    let state_changing = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if is_v1 && state_changing && origin.is_some() && !allowed {
        tracing::warn!(event = "origin_rejected", "state-changing request from an origin that is not allowed");
        let mut resp = ApiError::Forbidden("this origin is not allowed").into_response();
        add_cors(resp.headers_mut(), None);
        return resp;
    }
    let mut resp = next.run(req).await;
    if is_v1 {
        add_cors(resp.headers_mut(), origin.as_deref().filter(|_| allowed));
    }
    resp
}

fn add_cors(h: &mut HeaderMap, origin: Option<&str>) {
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(v) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
}

/// API responses: not cached, not sniffed, not framed, no referrer (docs/security.md WB-4, WB-5).
pub async fn api_headers(req: Request<Body>, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/v1/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if is_api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    resp
}

/// `demo` answers only requests whose `Host` names its loopback address or `localhost`
/// (docs/api.md "The programs"): a DNS-rebinding page cannot reach the demo or its sandbox console.
/// A name the operator allowed as an origin on the demo's own port (`KYC_ALLOWED_ORIGINS`,
/// `http://name:port`) is answered too: the end-to-end tests open the demo under such a name to
/// be an insecure context.
#[derive(Clone)]
pub struct LoopbackHosts {
    port: u16,
    ip: IpAddr,
    named: Vec<String>,
}

impl LoopbackHosts {
    pub fn new(bound: SocketAddr) -> Self {
        Self { port: bound.port(), ip: bound.ip(), named: Vec::new() }
    }

    /// Also the host names of `origins` (`http://name:port`, `https://name:port`) on this port.
    #[must_use]
    pub fn with_origins(mut self, origins: &[String]) -> Self {
        self.named = origins
            .iter()
            .filter_map(|o| {
                let rest = o.strip_prefix("http://").or_else(|| o.strip_prefix("https://"))?;
                let (name, port) = rest.trim_end_matches('/').rsplit_once(':')?;
                (port.parse::<u16>().ok()? == self.port && !name.is_empty()).then(|| name.to_ascii_lowercase())
            })
            .collect();
        self
    }

    pub fn allows(&self, host: &str) -> bool {
        let (name, port) = match host.rsplit_once(':') {
            // `[::1]:8080`, `127.0.0.1:8080`, `localhost:8080`
            Some((n, p)) if !n.is_empty() && (n.ends_with(']') || !n.contains(':')) => (n, Some(p)),
            _ => (host, None),
        };
        if port.is_some_and(|p| p.parse::<u16>().ok() != Some(self.port)) {
            return false;
        }
        let name = name.trim_start_matches('[').trim_end_matches(']');
        name.eq_ignore_ascii_case("localhost")
            || name.parse::<IpAddr>().is_ok_and(|ip| ip == self.ip)
            || self.named.iter().any(|n| n.eq_ignore_ascii_case(name))
    }
}

pub async fn loopback_host_only(State(hosts): State<LoopbackHosts>, req: Request<Body>, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()));
    if !host.as_deref().is_some_and(|h| hosts.allows(h)) {
        tracing::warn!(event = "host_rejected", "demo request for a host that is not its loopback address");
        return ApiError::Forbidden("the demo answers only its loopback address or localhost").into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_localhost_and_allowed_names_on_the_own_port() {
        let bound: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let plain = LoopbackHosts::new(bound);
        assert!(plain.allows("127.0.0.1:8080") && plain.allows("localhost:8080") && plain.allows("LOCALHOST"));
        assert!(
            !plain.allows("evil.example:8080") && !plain.allows("127.0.0.1:8081") && !plain.allows("kyc.test:8080")
        );
        let origins = ["http://kyc.test:8080".to_owned(), "http://other.test:9999".to_owned(), "garbage".to_owned()];
        let named = LoopbackHosts::new(bound).with_origins(&origins);
        assert!(named.allows("kyc.test:8080") && named.allows("KYC.test:8080"));
        assert!(!named.allows("kyc.test:8081"), "another port");
        assert!(!named.allows("other.test:8080"), "allowed on another port only");
        assert!(!named.allows("evil.example:8080"));
    }
}
