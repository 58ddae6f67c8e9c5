//! The trustworthy client IP (the TCP peer, or what trusted proxies say) and the per-client key
//! the limits count by.

use axum::http::{HeaderMap, HeaderValue};
use std::net::{IpAddr, SocketAddr};

/// The end user's IP: the TCP peer, or — only when the peer is a configured trusted proxy —
/// the right-most `X-Forwarded-For` address that is not itself a trusted proxy. Every
/// `X-Forwarded-For` header line counts, joined in order (RFC 9110 §5.3), so a client cannot
/// hide behind a second header line. Lines are read as raw bytes: a hop that is not ASCII (or
/// not an address) is garbage, and garbage to the left of the right-most untrusted hop does not
/// matter; garbage reached while walking left through trusted proxies ends the walk there
/// (it is where trust ends).
/// `trusted`: the configured trusted proxies (`KYC_TRUSTED_PROXIES`).
pub fn client_ip_from(trusted: &[ipnet::IpNet], peer: SocketAddr, h: &HeaderMap) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    let peer_ip = canonical(peer.ip());
    if !is_trusted(&peer_ip) {
        return peer_ip;
    }
    let lines: Vec<&[u8]> = h.get_all("x-forwarded-for").iter().map(HeaderValue::as_bytes).collect();
    let mut client = peer_ip;
    for hop in lines.iter().rev().flat_map(|l| l.split(|b| *b == b',').rev()) {
        let hop = hop.trim_ascii();
        if hop.is_empty() {
            continue;
        }
        let Some(ip) = std::str::from_utf8(hop).ok().and_then(parse_hop) else { break };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// An `X-Forwarded-For` hop: an IP, possibly `[v6]` or with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    hop.parse::<SocketAddr>().ok().map(|s| canonical(s.ip()))
}

/// IPv4-mapped IPv6 addresses are the IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The rate-limit key of a client: its IPv4 address, or the /64 of its IPv6 address (one
/// subscriber usually holds a whole /64).
pub fn rate_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}
