//! The client address of a request ([`ClientIp`]), for sign-in throttling and rate limits:
//! the TCP peer, or, when the peer is a configured reverse proxy (`server.trusted_proxies`),
//! the address that proxy names in `X-Forwarded-For`. A forwarded header from anyone else is
//! ignored, so callers cannot choose the address they are counted under.

use crate::error::{AppError, AppResult};
use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

/// The client address of a request, when the server knows it.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

/// Reverse proxies whose `X-Forwarded-For` is believed (`server.trusted_proxies`).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses addresses (`10.0.0.5`) and networks (`10.0.0.0/8`, `fd00::/8`).
    pub fn parse(entries: &[String]) -> AppResult<Self> {
        entries
            .iter()
            .map(|e| {
                let e = e.trim();
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        AppError::field(
                            "server.trusted_proxies",
                            format!("'{e}' is no IP address or network"),
                        )
                    })
            })
            .collect::<AppResult<Vec<_>>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client address of a request from `peer`: with a trusted peer, the right-most
    /// address of `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends
    /// the address it saw, so the entries left of it are the client's to invent).
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> ClientIp {
        let Some(peer) = peer.map(canonical) else {
            return ClientIp(None);
        };
        if !self.trusts(peer) {
            return ClientIp(Some(peer));
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map_while(|a| a.trim().parse::<IpAddr>().ok())
            .collect();
        let client = forwarded
            .iter()
            .rev()
            .copied()
            .map(canonical)
            .find(|ip| !self.trusts(*ip));
        ClientIp(Some(client.unwrap_or(peer)))
    }
}

/// An IPv4 address written as IPv6 (`::ffff:1.2.3.4`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The key an address is counted under: IPv4 per address, IPv6 per /64 (one subscriber
/// usually holds a whole /64).
pub fn throttle_key(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => format!("ip:{v4}"),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn xff(v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static(v));
        h
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        let h = xff("6.6.6.6, 203.0.113.7, 10.0.0.3");
        assert_eq!(proxies.client_ip(ip("10.0.0.2"), &h).0, ip("203.0.113.7"));
        assert_eq!(
            proxies.client_ip(ip("198.51.100.1"), &h).0,
            ip("198.51.100.1")
        );
        assert_eq!(
            proxies.client_ip(ip("10.0.0.2"), &HeaderMap::new()).0,
            ip("10.0.0.2")
        );
        assert_eq!(proxies.client_ip(ip("::1"), &xff("garbage")).0, ip("::1"));
        assert!(TrustedProxies::parse(&["not-an-ip".into()]).is_err());
        let none = TrustedProxies::default();
        assert_eq!(none.client_ip(ip("10.0.0.2"), &h).0, ip("10.0.0.2"));
    }

    #[test]
    fn ipv6_is_counted_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(throttle_key(a), throttle_key(b));
        assert_ne!(throttle_key(a), throttle_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(throttle_key(mapped), "ip:192.0.2.1");
    }
}
