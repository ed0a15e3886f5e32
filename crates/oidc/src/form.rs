//! `application/x-www-form-urlencoded` parameters as OAuth reads them: a parameter given
//! twice is an error (RFC 6749 §3.1), an empty value counts as absent.

use std::collections::HashMap;

/// Decodes one component: `+` is a space, `%XX` a byte; invalid UTF-8 is replaced.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (bytes.get(i + 1), bytes.get(i + 2)) {
                (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => {
                    let hex = [*h, *l];
                    let text = std::str::from_utf8(&hex).unwrap_or("00");
                    out.push(u8::from_str_radix(text, 16).unwrap_or(0));
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes one component for a query string or form.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Parameters of a query string or form body.
#[derive(Debug, Default, Clone)]
pub struct Params(HashMap<String, String>);

/// A parameter was repeated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeated(pub String);

impl Params {
    pub fn parse(input: &str) -> Result<Params, Repeated> {
        let mut map = HashMap::new();
        for pair in input.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (decode(k), decode(v));
            if v.is_empty() {
                continue;
            }
            if map.insert(k.clone(), v).is_some() {
                return Err(Repeated(k));
            }
        }
        Ok(Params(map))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Pairs for re-encoding (sorted, so pages and tests are stable).
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        let mut v: Vec<_> = self
            .0
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        v.sort_unstable();
        v
    }

    pub fn without(&self, key: &str) -> Params {
        let mut copy = self.clone();
        copy.0.remove(key);
        copy
    }

    pub fn with(&self, key: &str, value: &str) -> Params {
        let mut copy = self.clone();
        copy.0.insert(key.to_owned(), value.to_owned());
        copy
    }

    /// As a query string.
    pub fn to_query(&self) -> String {
        self.pairs()
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_and_repeats_are_refused() {
        let p = Params::parse("a=1+2&b=%E8%97%8F&c=&d=%zz&e=%4").expect("parse");
        assert_eq!(p.get("a"), Some("1 2"));
        assert_eq!(p.get("b"), Some("藏"));
        assert_eq!(p.get("c"), None, "empty is absent");
        assert_eq!(p.get("d"), Some("%zz"));
        assert_eq!(p.get("e"), Some("%4"));
        assert_eq!(
            Params::parse("scope=a&scope=b").err(),
            Some(Repeated("scope".into()))
        );
        assert_eq!(decode(&encode("a b/藏?&=")), "a b/藏?&=");
        let q = Params::parse("z=1&a=x%20y").expect("parse").to_query();
        assert_eq!(q, "a=x%20y&z=1");
    }
}
