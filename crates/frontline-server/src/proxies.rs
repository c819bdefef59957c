//! Which peers are reverse proxies, and the client address a request came from when one of
//! them forwarded it (`Forwarded`, RFC 7239, else `X-Forwarded-For`). Foundation: the
//! configuration names it and `middleware::resolve_client` applies it once per request.

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderName, header};

/// Which peers are reverse proxies whose `Forwarded` / `X-Forwarded-For` may be believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Vec<ipnet::IpNet>);

impl TrustedProxies {
    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client's address for a request that reached us from `peer`: the peer itself,
    /// unless it is a trusted proxy, in which case the forwarding chain is walked from the
    /// right past every trusted proxy to the first hop that is not one. Nothing a client
    /// writes in those headers counts unless a trusted proxy appended it.
    pub fn client(&self, peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let chain = forwarded_chain(headers);
        let mut client = peer;
        for hop in chain.iter().rev() {
            match hop {
                Some(address) => {
                    client = *address;
                    if !self.trusts(client) {
                        break;
                    }
                }
                // An obfuscated or unparseable hop: the last address we can vouch for stands.
                None => break,
            }
        }
        client
    }
}

/// The hops a request passed, oldest first: from `Forwarded` (RFC 7239) if present, else
/// from `X-Forwarded-For`. `None` marks a hop whose address cannot be read.
fn forwarded_chain(headers: &axum::http::HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: header::HeaderName| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let forwarded = values(header::FORWARDED);
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(name, _)| name.eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| parse_node(value.trim_matches('"')))
            })
            .collect();
    }
    values(HeaderName::from_static("x-forwarded-for"))
        .iter()
        .map(|hop| parse_node(hop))
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711` or a bare IPv6.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(address) = node.parse::<IpAddr>() {
        return Some(address);
    }
    if let Ok(socket) = node.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    node.strip_prefix('[')
        .and_then(|rest| rest.split(']').next())
        .and_then(|inner| inner.parse().ok())
}
