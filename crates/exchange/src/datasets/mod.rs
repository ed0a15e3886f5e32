//! Table and file resources' data: a department uploads its dataset as CSV or JSON, each
//! upload a new version kept with its history (who, when, how many records, the SM3 digest of
//! what was uploaded); the gateway answers from the newest version, by key or by filter.
//!
//! - here: the formats and how an upload is read and checked against the resource's data
//!   items (every problem named with its line and column, all or nothing);
//! - `store`: the SQL of versions and records;
//! - `service`: uploading (a data steward of the provider's division, or the provider's own
//!   system), the version list, a version downloaded by the provider or the data authority,
//!   and the newest records as the gateway reads them;
//! - `api`: the JSON; the pages are `crate::pages::versions`.

pub mod api;
pub mod service;
pub mod store;

use std::collections::BTreeMap;

use kernel::Message;
use kernel::time_util::parse_date;
use serde::{Deserialize, Serialize};

use crate::model::{DataType, Resource};

/// The most records a version may hold.
pub const MAX_RECORDS: usize = 200_000;
/// The largest upload, in bytes.
pub const MAX_BYTES: usize = 32 * 1024 * 1024;
/// Problems named at most for one upload (the rest are counted).
const MAX_PROBLEMS: usize = 20;

kernel::keyed!(
    /// How a version was uploaded.
    Format { Csv = "csv", Json = "json" }
);

impl Format {
    /// The format a content type or a file name says (`None`: neither).
    pub fn of(content_type: &str, name: &str) -> Option<Format> {
        let t = content_type.to_ascii_lowercase();
        let n = name.to_ascii_lowercase();
        if t.contains("json") || n.ends_with(".json") {
            Some(Format::Json)
        } else if t.contains("csv") || n.ends_with(".csv") {
            Some(Format::Csv)
        } else {
            None
        }
    }
}

/// One record of a version: its key (the key item's value, or its line for a file without
/// one), where it stood in the upload, and its items as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub key: String,
    pub line: i64,
    pub values: BTreeMap<String, String>,
}

/// A version as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub code: String,
    pub version: i64,
    pub format: Format,
    pub records: i64,
    pub bytes: i64,
    /// SM3 of the uploaded bytes, hex.
    pub digest: String,
    pub note: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// A problem with an upload, named by field (`line N` or `file`) as catalogue imports are.
type Problem = (String, Message);

fn at_line(line: i64, m: Message) -> Problem {
    (format!("line {line}"), m.arg("line", line))
}

/// Whether a value fits its item's type and length; the message says why not.
fn check_value(item: &crate::model::Item, value: &str) -> Result<(), Message> {
    if value.is_empty() {
        return Ok(());
    }
    let bad = |key: &'static str| Message::new(key).arg("column", item.key.clone());
    if item.length > 0 && value.chars().count() > item.length as usize {
        return Err(bad("xc-ds-too-long").arg("length", i64::from(item.length)));
    }
    if value.chars().any(char::is_control) {
        return Err(bad("xc-ds-value-invalid"));
    }
    let fits = match item.data_type {
        DataType::Number => {
            let digits = value.strip_prefix('-').unwrap_or(value);
            let (whole, frac) = digits.split_once('.').unwrap_or((digits, "0"));
            !whole.is_empty()
                && !frac.is_empty()
                && whole.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
        DataType::Date => parse_date(value).is_some(),
        DataType::Code => !value.chars().any(char::is_whitespace),
        DataType::Text | DataType::Geometry => true,
    };
    if fits {
        Ok(())
    } else {
        Err(bad("xc-ds-value-invalid").arg("type", item.data_type.key()))
    }
}

/// Rows as read from either format: each with its line and its (column, value) pairs.
type Rows = Vec<(i64, Vec<(String, String)>)>;

fn read_csv(text: &str) -> Result<Rows, Vec<Problem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let unreadable = |e: csv::Error| {
        vec![(
            "file".to_owned(),
            Message::new("xc-ds-unreadable").arg("detail", e.to_string()),
        )]
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(unreadable)?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(unreadable)?;
        let line = record
            .position()
            .map_or(0, |p| i64::try_from(p.line()).unwrap_or(i64::MAX));
        rows.push((
            line,
            headers
                .iter()
                .cloned()
                .zip(record.iter().map(|v| v.trim().to_owned()))
                .collect(),
        ));
        if rows.len() > MAX_RECORDS {
            break;
        }
    }
    Ok(rows)
}

fn read_json(text: &str) -> Result<Rows, Vec<Problem>> {
    let unreadable = |detail: String| {
        vec![(
            "file".to_owned(),
            Message::new("xc-ds-unreadable").arg("detail", detail),
        )]
    };
    let all: Vec<serde_json::Value> =
        serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text))
            .map_err(|e| unreadable(e.to_string()))?;
    let mut rows = Vec::new();
    for (n, v) in all.into_iter().enumerate().take(MAX_RECORDS + 1) {
        let line = i64::try_from(n + 1).unwrap_or(i64::MAX);
        let serde_json::Value::Object(map) = v else {
            return Err(vec![at_line(line, Message::new("xc-ds-not-object"))]);
        };
        let mut pairs = Vec::new();
        for (k, v) in map {
            let text = match v {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.trim().to_owned(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                _ => {
                    return Err(vec![at_line(
                        line,
                        Message::new("xc-ds-value-invalid").arg("column", k),
                    )]);
                }
            };
            pairs.push((k, text));
        }
        rows.push((line, pairs));
    }
    Ok(rows)
}

/// An upload read and checked against the resource's data items: its records, or every
/// problem (up to twenty named, the rest counted), nothing kept either way.
pub fn read(r: &Resource, format: Format, text: &str) -> Result<Vec<Record>, Vec<Problem>> {
    let rows = match format {
        Format::Csv => read_csv(text)?,
        Format::Json => read_json(text)?,
    };
    let file = |key: &'static str| vec![("file".to_owned(), Message::new(key))];
    if rows.is_empty() {
        return Err(file("xc-ds-empty"));
    }
    if rows.len() > MAX_RECORDS {
        return Err(vec![(
            "file".to_owned(),
            Message::new("xc-ds-too-many").arg("max", MAX_RECORDS),
        )]);
    }
    let items: BTreeMap<&str, &crate::model::Item> =
        r.items.iter().map(|i| (i.key.as_str(), i)).collect();
    let mut problems: Vec<Problem> = Vec::new();
    let mut more = 0usize;
    let mut note = |p: Problem| {
        if problems.len() < MAX_PROBLEMS {
            problems.push(p);
        } else {
            more += 1;
        }
    };
    let mut seen = std::collections::HashSet::new();
    let mut records = Vec::with_capacity(rows.len());
    let mut unknown_named = std::collections::HashSet::new();
    for (line, pairs) in rows {
        let mut values = BTreeMap::new();
        for (column, value) in pairs {
            let Some(item) = items.get(column.as_str()) else {
                if unknown_named.insert(column.clone()) {
                    note(at_line(
                        line,
                        Message::new("xc-ds-column-unknown").arg("column", column),
                    ));
                }
                continue;
            };
            if let Err(m) = check_value(item, &value) {
                note(at_line(line, m));
            }
            values.insert(column, value);
        }
        let key = if r.key_item.is_empty() {
            line.to_string()
        } else {
            match values.get(&r.key_item).map(String::as_str) {
                None | Some("") => {
                    note(at_line(
                        line,
                        Message::new("xc-ds-key-empty").arg("column", r.key_item.clone()),
                    ));
                    continue;
                }
                Some(k) => k.to_owned(),
            }
        };
        if !seen.insert(key.clone()) {
            note(at_line(
                line,
                Message::new("xc-ds-key-duplicate").arg("key", key.clone()),
            ));
        }
        records.push(Record { key, line, values });
    }
    if more > 0 {
        problems.push((
            "file".to_owned(),
            Message::new("xc-ds-more-problems").arg("count", more),
        ));
    }
    if problems.is_empty() {
        Ok(records)
    } else {
        Err(problems)
    }
}

/// How a record differs between two versions, as a change event says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    pub key: String,
    /// `created`, `changed` or `removed`.
    pub kind: &'static str,
    /// The items whose values differ.
    pub items: Vec<String>,
    /// The record's divisions before and after (its `division` item), for scoping.
    pub divisions: Vec<String>,
    /// `{"old": {item: value}, "new": {item: value}}`, the changed items only.
    pub payload: serde_json::Value,
}

/// What changed from one version's records to the next's: each new record, each record whose
/// values changed, and each record gone, in the new version's order (those gone last).
pub fn diff(old: &[Record], new: &[Record]) -> Vec<Diff> {
    let before: std::collections::HashMap<&str, &Record> =
        old.iter().map(|r| (r.key.as_str(), r)).collect();
    let empty = BTreeMap::new();
    let one = |key: &str, kind, was: &BTreeMap<String, String>, now: &BTreeMap<String, String>| {
        let mut items: Vec<String> = was.keys().chain(now.keys()).cloned().collect();
        items.sort();
        items.dedup();
        items.retain(|i| was.get(i) != now.get(i));
        let side = |m: &BTreeMap<String, String>| {
            items
                .iter()
                .map(|i| (i.clone(), m.get(i).cloned().unwrap_or_default().into()))
                .collect::<serde_json::Map<_, _>>()
        };
        let mut divisions: Vec<String> = [was.get("division"), now.get("division")]
            .into_iter()
            .flatten()
            .filter(|d| !d.is_empty())
            .cloned()
            .collect();
        divisions.dedup();
        Diff {
            key: key.to_owned(),
            kind,
            payload: serde_json::json!({ "old": side(was), "new": side(now) }),
            items,
            divisions,
        }
    };
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in new {
        seen.insert(r.key.as_str());
        match before.get(r.key.as_str()) {
            None => out.push(one(&r.key, "created", &empty, &r.values)),
            Some(was) if was.values != r.values => {
                out.push(one(&r.key, "changed", &was.values, &r.values));
            }
            Some(_) => {}
        }
    }
    for r in old.iter().filter(|r| !seen.contains(r.key.as_str())) {
        out.push(one(&r.key, "removed", &r.values, &empty));
    }
    out
}

/// A version's records as CSV, its columns in the resource's item order.
pub fn to_csv(r: &Resource, records: &[Record]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let keys: Vec<&str> = r.items.iter().map(|i| i.key.as_str()).collect();
    // Writing to memory fails only on a broken record shape, which cannot happen here.
    let _ = w.write_record(&keys);
    for rec in records {
        let _ = w.write_record(
            keys.iter()
                .map(|k| rec.values.get(*k).map_or("", String::as_str)),
        );
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Item, Level, Names, Sharing};

    fn item(key: &str, t: DataType, length: u32) -> Item {
        Item {
            key: key.into(),
            names: Names {
                zh: key.into(),
                ..Names::default()
            },
            data_type: t,
            length,
            personal: false,
            sensitive: None,
            level: Level::General,
            sharing: Sharing::Unconditional,
        }
    }

    fn table() -> Resource {
        let mut r: Resource = serde_json::from_value(serde_json::json!({
            "code": "301001/000009", "names": { "zh": "养老机构" }, "provider": "540000-civil-affairs",
            "kind": "department", "form": "table", "items": [], "sharing": "unconditional",
            "opening": "unconditional", "method": "interface", "frequency": "monthly"
        }))
        .expect("a resource");
        r.items = vec![
            item("code", DataType::Code, 18),
            item("name", DataType::Text, 10),
            item("beds", DataType::Number, 0),
            item("opened", DataType::Date, 0),
        ];
        r.key_item = "code".into();
        r
    }

    #[test]
    fn csv_and_json_read_the_same_records() {
        let r = table();
        let csv = "\u{feff}code,name,beds,opened\nA1,城关福利院,120,2019-05-01\nA2,堆龙养老院,,\n";
        let json = r#"[{"code":"A1","name":"城关福利院","beds":120,"opened":"2019-05-01"},{"code":"A2","name":"堆龙养老院","beds":null}]"#;
        let a = read(&r, Format::Csv, csv).expect("csv reads");
        let b = read(&r, Format::Json, json).expect("json reads");
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].key, "A1");
        assert_eq!(a[0].line, 2);
        assert_eq!(a[0].values, b[0].values);
        assert_eq!(a[1].values.get("beds").map(String::as_str), Some(""));
        assert!(to_csv(&r, &a).starts_with("code,name,beds,opened\nA1,"));
    }

    #[test]
    fn every_problem_is_named_by_line_and_column() {
        let r = table();
        let csv = "code,name,beds,opened,colour\nA1,x,12a,2019-13-01,red\n,y,1,,\nA3,一二三四五六七八九十一,1,,\nA3,z,1,,\n";
        let p = read(&r, Format::Csv, csv).expect_err("refused");
        let keys: Vec<(&str, &str)> = p.iter().map(|(f, m)| (f.as_str(), m.key)).collect();
        assert!(
            keys.contains(&("line 2", "xc-ds-column-unknown")),
            "{keys:?}"
        );
        assert!(
            keys.contains(&("line 2", "xc-ds-value-invalid")),
            "{keys:?}"
        );
        assert!(keys.contains(&("line 3", "xc-ds-key-empty")), "{keys:?}");
        assert!(keys.contains(&("line 4", "xc-ds-too-long")), "{keys:?}");
        assert!(
            keys.contains(&("line 5", "xc-ds-key-duplicate")),
            "{keys:?}"
        );
        // The unknown column is named once, not on every line.
        assert_eq!(
            keys.iter()
                .filter(|(_, k)| *k == "xc-ds-column-unknown")
                .count(),
            1
        );
        assert!(read(&r, Format::Json, "{}").is_err());
        assert!(read(&r, Format::Json, "[1]").is_err());
        assert!(read(&r, Format::Csv, "code\n").is_err());
    }

    #[test]
    fn a_new_version_differs_by_created_changed_and_removed_records() {
        let mut r = table();
        r.items.push(item("division", DataType::Code, 12));
        let v1 = read(
            &r,
            Format::Csv,
            "code,name,division\nA1,甲,540102\nA2,乙,540102\nA3,丙,540103\n",
        )
        .expect("v1");
        let v2 = read(
            &r,
            Format::Csv,
            "code,name,division\nA1,甲,540102\nA2,乙二,540104\nA4,丁,540102\n",
        )
        .expect("v2");
        let d = diff(&v1, &v2);
        let got: Vec<(&str, &str, Vec<&str>)> = d
            .iter()
            .map(|x| {
                (
                    x.key.as_str(),
                    x.kind,
                    x.items.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("A2", "changed", vec!["division", "name"]),
                ("A4", "created", vec!["code", "division", "name"]),
                ("A3", "removed", vec!["code", "division", "name"]),
            ]
        );
        assert_eq!(d[0].divisions, ["540102", "540104"]);
        assert_eq!(d[0].payload["old"]["name"], "乙");
        assert_eq!(d[0].payload["new"]["name"], "乙二");
        assert!(diff(&v2, &v2).is_empty());
    }

    #[test]
    fn a_file_without_a_key_is_read_by_line() {
        let mut r = table();
        r.key_item.clear();
        let recs = read(&r, Format::Csv, "name\na\nb\n").expect("reads");
        assert_eq!(
            recs.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
            ["2", "3"]
        );
    }
}
