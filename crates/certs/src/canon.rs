//! The canonical text of a certificate, the thing that is digested and signed: JSON with
//! object keys in byte order at every level, no insignificant white space, strings escaped
//! as JSON requires and nothing more (non-ASCII text stays UTF-8), and no numbers (every
//! value is a string). Anyone can rebuild it from the certificate file and check the SM3
//! digest and the SM2 signature with their own tools.

use serde_json::Value;

/// The canonical text of a JSON value.
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

fn write(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                write(&map[k.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn keys_are_ordered_at_every_level_and_text_stays_utf8() {
        let v = json!({ "b": "卓玛", "a": { "z": "1", "y": ["x", { "d": "", "c": "\"" }] } });
        assert_eq!(
            super::canonical(&v),
            r#"{"a":{"y":["x",{"c":"\"","d":""}],"z":"1"},"b":"卓玛"}"#
        );
        // Reading the text back and writing it again gives the same text.
        let again: serde_json::Value = serde_json::from_str(&super::canonical(&v)).expect("json");
        assert_eq!(super::canonical(&again), super::canonical(&v));
    }
}
