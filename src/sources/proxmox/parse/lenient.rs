//! Field types for the Proxmox API's loose JSON: Perl's encoder sends a
//! number as a string at times, a boolean as `0`/`1`, and a name that looks
//! numeric as a number. Each type takes what it can and reads anything else
//! as missing, so one odd field never fails a whole answer.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A string field that tolerates numbers (Perl's JSON sometimes emits a
/// numeric-looking name as a number) and anything else (ignored).
#[derive(Default)]
pub(super) struct Text<'a>(pub(super) Option<Cow<'a, str>>);

impl Text<'_> {
    pub(super) fn as_str(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// A number that may come as a string; anything else is missing.
#[derive(Default)]
pub(super) struct Num(pub(super) Option<f64>);

impl Num {
    /// A non-negative whole amount (bytes, seconds).
    pub(super) fn bytes(&self) -> Option<u64> {
        self.0
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(|v| v as u64)
    }
}

/// A boolean that may come as `0`/`1`, `true`/`false` or their strings.
#[derive(Default)]
pub(super) struct Flag(pub(super) Option<bool>);

/// Implements `Deserialize` for a lenient field type from a visitor.
macro_rules! lenient {
    ($ty:ident $(<$lt:lifetime>)?, $visitor:ident) => {
        impl<'de $(: $lt)? $(, $lt)?> Deserialize<'de> for $ty $(<$lt>)? {
            fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any($visitor(std::marker::PhantomData))
            }
        }
    };
}

struct TextVisitor<'a>(std::marker::PhantomData<&'a ()>);
struct NumVisitor(std::marker::PhantomData<()>);
struct FlagVisitor(std::marker::PhantomData<()>);

lenient!(Text<'a>, TextVisitor);
lenient!(Num, NumVisitor);
lenient!(Flag, FlagVisitor);

/// The parts of a visitor that read and drop whatever a field should not hold.
macro_rules! skip_the_rest {
    ($out:ty) => {
        fn visit_unit<E: de::Error>(self) -> Result<$out, E> {
            Ok(Default::default())
        }
        fn visit_none<E: de::Error>(self) -> Result<$out, E> {
            Ok(Default::default())
        }
        fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<$out, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<$out, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Default::default())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$out, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Default::default())
        }
    };
}

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Borrowed(v))))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Owned(v.to_owned()))))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Owned(v))))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Text<'a>, E> {
        Ok(Text(None))
    }
    skip_the_rest!(Text<'a>);
}

impl<'de> Visitor<'de> for NumVisitor {
    type Value = Num;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
        Ok(Num(Some(v as f64)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
        Ok(Num(Some(v as f64)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
        Ok(Num(Some(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
        Ok(Num(v.trim().parse().ok()))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Num, E> {
        Ok(Num(None))
    }
    skip_the_rest!(Num);
}

impl<'de> Visitor<'de> for FlagVisitor {
    type Value = Flag;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("0 or 1")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
        Ok(Flag(Some(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Flag, E> {
        Ok(Flag(Some(v != 0)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Flag, E> {
        Ok(Flag(Some(v != 0)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Flag, E> {
        Ok(Flag(Some(v != 0.0)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Flag, E> {
        Ok(Flag(match v.trim() {
            "1" | "true" | "yes" | "on" => Some(true),
            "0" | "false" | "no" | "off" | "" => Some(false),
            _ => None,
        }))
    }
    skip_the_rest!(Flag);
}
