//! Where webhooks may go: http(s) URLs whose every address is public, checked when a
//! subscription is made (`check_url`) and again at connect time by the delivery client's
//! resolver (`PublicOnly`), so a name that later resolves inward is refused too. The
//! special-purpose ranges come from IANA's registries (`iprfc`).

use std::net::IpAddr;

use crate::error::{AppError, Result};

/// The webhook client's resolver: it refuses a name that resolves to an internal address
/// when the connection is made. `check_url` runs before every attempt too, but a name can
/// resolve differently a moment later (DNS rebinding); checking inside the resolver closes
/// that gap, because the addresses it returns are the only ones the client connects to. (IP
/// literals never reach a resolver; `check_url` decides those, and they cannot change.)
pub(super) struct PublicOnly {
    pub(super) allow_private: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // The port is replaced by the URL's; 0 only satisfies the lookup.
            let addrs: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allow_private && let Some(internal) = addrs.iter().find(|a| is_internal(a.ip())) {
                return Err(
                    format!("{host} resolves to the internal address {}", internal.ip()).into(),
                );
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Check a destination: http(s), a host, and (unless allowed) only public addresses. Every
/// address the name resolves to is checked, since any of them may be used.
pub async fn check_url(raw: &str, allow_private: bool) -> Result<String> {
    let bad = |detail: &str| AppError::field("url", detail);
    let url = reqwest::Url::parse(raw.trim()).map_err(|e| bad(&format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must be an http:// or https:// URL"));
    }
    let port = url
        .port_or_known_default()
        .ok_or_else(|| bad("has no port"))?;
    let host = url.host_str().ok_or_else(|| bad("has no host"))?;
    // An IPv6 literal comes bracketed (`[::1]`).
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<IpAddr> = match literal.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| bad(&format!("names a host that does not resolve: {e}")))?
            .map(|a| a.ip())
            .collect(),
    };
    if addresses.is_empty() {
        return Err(bad("names a host that does not resolve"));
    }
    if !allow_private && let Some(ip) = addresses.iter().find(|ip| is_internal(**ip)) {
        return Err(bad(&format!(
            "points at the internal address {ip}; only public addresses may receive webhooks"
        )));
    }
    Ok(url.to_string())
}

/// Not a destination on the public internet: every range in IANA's IPv4 and IPv6
/// special-purpose address registries (RFC 6890 and its updates: private, loopback,
/// link-local, shared CGNAT, benchmarking 198.18.0.0/15, documentation, reserved, NAT64,
/// 6to4, unique local, …, from the `iprfc` crate's registry snapshot), plus what the standard
/// library classifies as loopback, unspecified, multicast or broadcast. An IPv4-mapped IPv6
/// address is judged as the IPv4 address it carries.
pub fn is_internal(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    let by_std = match ip {
        IpAddr::V4(v4) => v4.is_broadcast() || v4.is_multicast(),
        IpAddr::V6(v6) => v6.is_multicast(),
    };
    by_std || ip.is_loopback() || ip.is_unspecified() || iprfc::RFC6890.contains(&ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_resolver_refuses_internal_addresses_at_connect_time() {
        use reqwest::dns::Resolve;
        let name = |n: &str| n.parse::<reqwest::dns::Name>().expect("name");
        let refused = PublicOnly {
            allow_private: false,
        }
        .resolve(name("localhost"))
        .await;
        let error = refused.err().expect("localhost is internal").to_string();
        assert!(error.contains("internal address"), "{error}");
        let allowed = PublicOnly {
            allow_private: true,
        }
        .resolve(name("localhost"))
        .await
        .expect("allowed when private destinations are");
        assert!(allowed.into_iter().all(|a| a.ip().is_loopback()));
    }

    #[test]
    fn internal_addresses_are_recognised_in_both_families() {
        for raw in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "100.64.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            // Special-purpose ranges beyond the private ones: benchmarking, documentation,
            // reserved, the 6to4 relay, IETF protocol assignments, NAT64, 6to4, Teredo.
            "198.18.0.1",
            "198.19.255.254",
            "192.0.2.10",
            "203.0.113.5",
            "240.0.0.1",
            "255.255.255.255",
            "192.88.99.1",
            "192.0.0.8",
            "2001:db8::1",
            "64:ff9b::808:808",
            "2002:c000:0204::1",
            "2001::1",
        ] {
            assert!(is_internal(raw.parse().unwrap()), "{raw}");
        }
        for raw in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "198.20.0.1",
            "2a00:1450:4001::1",
        ] {
            assert!(!is_internal(raw.parse().unwrap()), "{raw}");
        }
    }

    #[tokio::test]
    async fn urls_must_be_http_and_public_unless_allowed() {
        assert!(check_url("ftp://8.8.8.8/", false).await.is_err());
        assert!(check_url("not a url", false).await.is_err());
        assert!(check_url("http://127.0.0.1:9/hook", false).await.is_err());
        assert!(check_url("http://[::1]:9/hook", false).await.is_err());
        assert!(check_url("http://localhost:9/hook", false).await.is_err());
        assert!(check_url("http://127.0.0.1:9/hook", true).await.is_ok());
        assert!(check_url("http://8.8.8.8/hook", false).await.is_ok());
    }
}
