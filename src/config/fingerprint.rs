//! A pinned certificate's SHA-256 fingerprint, as Proxmox shows it under
//! Node > System > Certificates (`AB:CD:...`, 32 bytes; colons optional,
//! either case). It is parsed when the TOML is read, so a malformed one is a
//! config error naming its key and line like any other.

use std::fmt;

use serde::Deserialize;

/// The SHA-256 fingerprint of a certificate's DER form.
#[derive(Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// Parses `AB:CD:...` (32 hex bytes; colons optional, either case).
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "\"{s}\" is not a SHA-256 fingerprint: 32 hex bytes separated by colons, as Proxmox shows under Node > System > Certificates"
            )
        };
        let hex: String = s.trim().chars().filter(|c| *c != ':').collect();
        if hex.len() != 64 || !hex.is_ascii() {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            let pair = hex.get(2 * i..2 * i + 2).ok_or_else(bad)?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
        }
        Ok(Self(out))
    }

    /// The 32 bytes of the digest.
    pub fn bytes(&self) -> [u8; 32] {
        self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl TryFrom<String> for Fingerprint {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FP: &str = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

    #[test]
    fn fingerprints_parse_in_the_proxmox_form() {
        let parsed = Fingerprint::parse(FP);
        assert_eq!(parsed.map(|p| p.to_string()).as_deref(), Ok(FP));
        assert_eq!(
            Fingerprint::parse(&FP.to_lowercase().replace(':', "")),
            Fingerprint::parse(FP)
        );
        assert_eq!(Fingerprint::parse(FP).map(|p| p.bytes()[0]), Ok(0xAB));
        let (letters, accents) = (FP.replace("AB", "ZZ"), "é".repeat(64));
        let bad: [&str; 4] = ["AB:CD", &letters, &accents, ""];
        for bad in bad {
            let e = Fingerprint::parse(bad).map(|_| ());
            assert!(
                e.as_ref()
                    .is_err_and(|e| e.contains("is not a SHA-256 fingerprint")),
                "{bad}: {e:?}"
            );
        }
    }

    #[test]
    fn a_fingerprint_is_parsed_when_the_toml_is_read() {
        #[derive(Debug, Deserialize)]
        struct T {
            #[expect(dead_code, reason = "only whether it parses matters")]
            pin: Fingerprint,
        }
        assert!(toml::from_str::<T>(&format!("pin = \"{FP}\"")).is_ok());
        let e = toml::from_str::<T>("pin = \"AB:CD\"").map_err(|e| e.message().to_owned());
        assert!(
            e.as_ref()
                .is_err_and(|m| m.starts_with("\"AB:CD\" is not a SHA-256 fingerprint")),
            "{e:?}"
        );
    }
}
