//! The Pi's own name and addresses, for the setup screen: which address to
//! type (or scan) to reach its page on :8080.
//!
//! Read from procfs, no socket calls and no unsafe: `/proc/net/fib_trie`
//! lists every local IPv4 address (`/32 host LOCAL` leaves),
//! `/proc/net/if_inet6` the IPv6 ones with their scope, and
//! `/proc/sys/kernel/hostname` the name. [`Host::read`] is the real one;
//! the parsers are pure and a [`Host`] is plain data, so the tests and the
//! goldens build a fake with fixed addresses.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// This machine's name and the addresses others can reach it at: IPv4
/// first, then global IPv6; never loopback or link-local.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Host {
    pub hostname: String,
    pub addresses: Vec<IpAddr>,
}

impl Host {
    /// Reads the name and addresses from procfs; what cannot be read is
    /// left out (an empty list, an empty name).
    pub fn read() -> Self {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        let v4 = ipv4_addresses(&read("/proc/net/fib_trie"));
        let v6 = ipv6_addresses(&read("/proc/net/if_inet6"));
        Self {
            hostname: read("/proc/sys/kernel/hostname").trim().to_owned(),
            addresses: v4
                .into_iter()
                .map(IpAddr::V4)
                .chain(v6.into_iter().map(IpAddr::V6))
                .collect(),
        }
    }
}

/// The local IPv4 addresses in a `/proc/net/fib_trie` text, each once, in
/// the order first listed, loopback and link-local left out.
pub fn ipv4_addresses(fib_trie: &str) -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    let mut last: Option<Ipv4Addr> = None;
    for line in fib_trie.lines() {
        let l = line.trim();
        if let Some(addr) = l.strip_prefix("|-- ") {
            last = addr.trim().parse().ok();
        } else if l.starts_with("/32 host LOCAL")
            && let Some(a) = last
            && !a.is_loopback()
            && !a.is_link_local()
            && !out.contains(&a)
        {
            out.push(a);
        }
    }
    out
}

/// The global-scope IPv6 addresses in a `/proc/net/if_inet6` text
/// (address in 32 hex digits, index, prefix, scope, flags, name).
pub fn ipv6_addresses(if_inet6: &str) -> Vec<Ipv6Addr> {
    let mut out = Vec::new();
    for line in if_inet6.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(hex), Some(&"00")) = (fields.first(), fields.get(3)) else {
            continue;
        };
        if let Ok(bits) = u128::from_str_radix(hex, 16)
            && hex.len() == 32
        {
            let a = Ipv6Addr::from(bits);
            if !a.is_loopback() && !out.contains(&a) {
                out.push(a);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIB_TRIE: &str = "Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
     +-- 192.168.86.0/24 2 0 2
        |-- 192.168.86.0
           /24 link UNICAST
        |-- 192.168.86.131
           /32 host LOCAL
        |-- 192.168.86.255
           /32 link BROADCAST
     |-- 169.254.3.4
        /32 host LOCAL
Local:
  +-- 0.0.0.0/0 3 0 5
     |-- 192.168.86.131
        /32 host LOCAL
     |-- 10.8.0.2
        /32 host LOCAL
";

    #[test]
    fn ipv4_lists_each_local_address_once_without_loopback_or_link_local() {
        let want: Vec<Ipv4Addr> = vec![
            "192.168.86.131".parse().expect("ip"),
            "10.8.0.2".parse().expect("ip"),
        ];
        assert_eq!(ipv4_addresses(FIB_TRIE), want);
        assert!(ipv4_addresses("").is_empty());
    }

    #[test]
    fn ipv6_keeps_global_scope_only() {
        let text = "00000000000000000000000000000001 01 80 10 80       lo
fe8000000000000000fc00fffe000001 04 40 20 80     eth0
fd000000000000000000000000000002 04 40 00 82     eth0
2001db8 04 40 00 82 short
";
        let want: Vec<Ipv6Addr> = vec!["fd00::2".parse().expect("ip")];
        assert_eq!(ipv6_addresses(text), want);
    }
}
