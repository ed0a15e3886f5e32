//! The whole catalogue out and in, as JSON or CSV, without losing anything.
//!
//! JSON is `{"items": [item, …]}` with each item exactly as the API shows it. CSV has one
//! `item` row per item, followed by one `material` row per material (the `record` column
//! says which); a list (divisions, steps, tags) is one cell with one entry per line. A
//! spreadsheet opens it as it is, and exporting what was imported gives the same file.
//!
//! Reading checks every record and names every problem by line (CSV) or record (JSON),
//! field and reason; the caller imports nothing unless there are none.

use std::collections::HashSet;

use kernel::Message;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::codes::{BasicCode, ImplementationCode};
use crate::model::{CaseType, ItemBody, ItemType, MaterialKind, OnlineDepth, ServiceObject};

/// Where a record stands in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Locator {
    /// The record's number, from 1.
    pub record: usize,
    /// Its line in a CSV file.
    pub line: Option<u64>,
}

/// One problem in an import file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub at: Locator,
    pub field: String,
    pub message: Message,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    OptionalText,
    Number,
    OptionalNumber,
    Flag,
    List,
    Source,
    /// Back-office stages: one per line, tasks `kind:days` joined by ` + `.
    Stages,
}

const ITEM_COLUMNS: [(&str, Kind); 31] = [
    ("code", Kind::Text),
    ("basic_code", Kind::Text),
    ("name_zh", Kind::Text),
    ("name_bo", Kind::Text),
    ("name_en", Kind::Text),
    ("item_type", Kind::Text),
    ("department", Kind::Text),
    ("level", Kind::Text),
    ("divisions", Kind::List),
    ("legal_basis", Kind::Text),
    ("conditions", Kind::Text),
    ("steps", Kind::List),
    ("statutory_days", Kind::Number),
    ("promised_days", Kind::Number),
    ("case_type", Kind::Text),
    ("fee_fen", Kind::OptionalNumber),
    ("fee_basis", Kind::Text),
    ("place", Kind::Text),
    ("hours", Kind::Text),
    ("visits", Kind::Number),
    ("online_depth", Kind::Text),
    ("in_centre", Kind::Flag),
    ("window_category", Kind::Text),
    ("service_object", Kind::Text),
    ("high_frequency", Kind::Flag),
    ("life_events", Kind::List),
    ("themes", Kind::List),
    ("consultation", Kind::Text),
    ("complaint", Kind::Text),
    ("special_procedures", Kind::List),
    ("stages", Kind::Stages),
];

/// Material columns, named `material_<field>` in the file.
const MATERIAL_COLUMNS: [(&str, Kind); 8] = [
    ("name_zh", Kind::Text),
    ("name_bo", Kind::Text),
    ("name_en", Kind::Text),
    ("kind", Kind::Text),
    ("condition", Kind::OptionalText),
    ("originals", Kind::Number),
    ("copies", Kind::Number),
    ("source", Kind::Source),
];

/// The catalogue as JSON.
pub fn to_json(items: &[ItemBody]) -> String {
    serde_json::to_string_pretty(&serde_json::json!({ "items": items }))
        .unwrap_or_else(|_| "{\"items\":[]}".to_owned())
}

fn cell(v: Option<&Value>, kind: Kind) -> String {
    match (v, kind) {
        (None | Some(Value::Null), _) => String::new(),
        (Some(Value::String(s)), _) => s.clone(),
        (Some(Value::Bool(b)), _) => b.to_string(),
        (Some(Value::Number(n)), _) => n.to_string(),
        (Some(Value::Array(stages)), Kind::Stages) => stages
            .iter()
            .map(|st| {
                st["tasks"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|t| {
                        let role = t["role"].as_str().unwrap_or("approver");
                        let base = format!(
                            "{}:{}",
                            t["kind"].as_str().unwrap_or(""),
                            t["days"].as_u64().unwrap_or(0)
                        );
                        if role == "approver" {
                            base
                        } else {
                            format!("{base}:{role}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" + ")
            })
            .collect::<Vec<_>>()
            .join("\n"),
        (Some(Value::Array(a)), _) => a
            .iter()
            .map(|x| cell(Some(x), Kind::Text))
            .collect::<Vec<_>>()
            .join("\n"),
        (Some(Value::Object(o)), Kind::Source) => {
            let from = o.get("from").and_then(Value::as_str).unwrap_or("");
            match o.iter().find(|(k, _)| k.as_str() != "from") {
                Some((_, v)) => format!("{from}:{}", cell(Some(v), Kind::Text)),
                None => from.to_owned(),
            }
        }
        (Some(other), _) => other.to_string(),
    }
}

/// The CSV header.
fn header() -> Vec<String> {
    std::iter::once("record".to_owned())
        .chain(ITEM_COLUMNS.iter().map(|(c, _)| (*c).to_owned()))
        .chain(
            MATERIAL_COLUMNS
                .iter()
                .map(|(c, _)| format!("material_{c}")),
        )
        .collect()
}

/// The catalogue as CSV (UTF-8 with a byte-order mark for spreadsheet programs).
pub fn to_csv(items: &[ItemBody]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let blank_materials = vec![String::new(); MATERIAL_COLUMNS.len()];
    let blank_item = vec![String::new(); ITEM_COLUMNS.len()];
    let _ = w.write_record(header());
    for item in items {
        let v = serde_json::to_value(item).unwrap_or(Value::Null);
        let row: Vec<String> = std::iter::once("item".to_owned())
            .chain(ITEM_COLUMNS.iter().map(|(c, k)| cell(v.get(c), *k)))
            .chain(blank_materials.iter().cloned())
            .collect();
        let _ = w.write_record(&row);
        for m in v
            .get("materials")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut row = vec!["material".to_owned()];
            row.extend(blank_item.iter().cloned());
            row[1] = item.code.as_str().to_owned();
            row.extend(MATERIAL_COLUMNS.iter().map(|(c, k)| cell(m.get(c), *k)));
            let _ = w.write_record(&row);
        }
    }
    let body = w.into_inner().unwrap_or_default();
    format!("\u{feff}{}", String::from_utf8_lossy(&body))
}

fn problem(at: Locator, field: &str, key: &'static str) -> Problem {
    Problem {
        at,
        field: field.to_owned(),
        message: Message::new(key),
    }
}

/// A cell as the JSON value the model reads, or the problem with it.
fn value(text: &str, kind: Kind) -> Result<Value, Message> {
    let t = text.trim();
    match kind {
        Kind::Text => Ok(Value::String(t.to_owned())),
        Kind::OptionalText if t.is_empty() => Ok(Value::Null),
        Kind::OptionalText => Ok(Value::String(t.to_owned())),
        Kind::OptionalNumber if t.is_empty() => Ok(Value::Null),
        Kind::Number | Kind::OptionalNumber => t
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| Message::new("cat-not-a-number").arg("value", t)),
        Kind::Flag => match t {
            "true" | "1" | "yes" | "是" => Ok(Value::Bool(true)),
            "false" | "0" | "no" | "否" | "" => Ok(Value::Bool(false)),
            _ => Err(Message::new("cat-import-flag").arg("value", t)),
        },
        Kind::List => Ok(Value::Array(
            t.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| Value::String(l.to_owned()))
                .collect(),
        )),
        Kind::Stages => t
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|line| {
                let tasks = line
                    .split(" + ")
                    .map(|task| {
                        let parts: Vec<&str> = task.trim().split(':').map(str::trim).collect();
                        let (kind, days, role) = match parts[..] {
                            [k, d] => (k, d, "approver"),
                            [k, d, r] => (k, d, r),
                            _ => return Err(Message::new("cat-import-stages").arg("value", line)),
                        };
                        let days: u32 = days
                            .parse()
                            .map_err(|_| Message::new("cat-import-stages").arg("value", line))?;
                        Ok(serde_json::json!({ "kind": kind, "days": days, "role": role }))
                    })
                    .collect::<Result<Vec<_>, Message>>()?;
                Ok(serde_json::json!({ "tasks": tasks }))
            })
            .collect::<Result<Vec<_>, Message>>()
            .map(Value::Array),
        Kind::Source => {
            let (from, what) = t.split_once(':').unwrap_or((t, ""));
            let key = match from {
                "applicant" if what.is_empty() => return Ok(serde_json::json!({ "from": from })),
                "certificate" => "type_code",
                "registry" => "field",
                "shared" => "resource",
                _ => return Err(Message::new("cat-import-source").arg("value", t)),
            };
            if what.trim().is_empty() {
                return Err(Message::new("cat-import-source").arg("value", t));
            }
            Ok(serde_json::json!({ "from": from, key: what.trim() }))
        }
    }
}

/// Records read from a file as JSON objects, with the problems of cells that could not be
/// read; or, when the file as a whole cannot be read, its one problem.
type Records = (Vec<(Locator, Value)>, Vec<Problem>);

/// The line a record starting at `byte` is on. (The reader's own line count is one short
/// after a CRLF, and its byte offset may point at the line feed before the record.)
fn line_at(newlines: &[usize], text: &str, byte: u64) -> u64 {
    let mut b = byte as usize;
    if text.as_bytes().get(b) == Some(&b'\n') {
        b += 1;
    }
    1 + newlines.partition_point(|&n| n < b) as u64
}

/// Reads a CSV export into records, each an item as JSON with its place in the file.
fn csv_records(text: &str) -> Result<Records, Vec<Problem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let first = Locator {
        record: 0,
        line: Some(1),
    };
    let head: Vec<String> = match r.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_owned()).collect(),
        Err(e) => {
            return Err(vec![Problem {
                at: first,
                field: String::new(),
                message: Message::new("cat-import-syntax").arg("detail", e.to_string()),
            }]);
        }
    };
    let missing: Vec<String> = header().into_iter().filter(|c| !head.contains(c)).collect();
    if !missing.is_empty() {
        return Err(vec![Problem {
            at: first,
            field: String::new(),
            message: Message::new("cat-import-columns").arg("columns", missing.join(", ")),
        }]);
    }
    let col = |name: &str| head.iter().position(|h| h == name);
    let newlines: Vec<usize> = text
        .bytes()
        .enumerate()
        .filter_map(|(i, b)| (b == b'\n').then_some(i))
        .collect();
    let mut out: Vec<(Locator, Value)> = Vec::new();
    let mut problems = Vec::new();
    for (i, row) in r.records().enumerate() {
        let at = Locator {
            record: i + 1,
            line: None,
        };
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let line = e.position().map(|p| line_at(&newlines, text, p.byte()));
                problems.push(Problem {
                    at: Locator { line, ..at },
                    field: String::new(),
                    message: Message::new("cat-import-syntax").arg("detail", e.to_string()),
                });
                continue;
            }
        };
        let at = Locator {
            line: row.position().map(|p| line_at(&newlines, text, p.byte())),
            ..at
        };
        let get = |name: &str| col(name).and_then(|c| row.get(c)).unwrap_or("");
        let mut read = |columns: &[(&str, Kind)], prefix: &str| {
            let mut obj = Map::new();
            for (c, k) in columns {
                let name = format!("{prefix}{c}");
                match value(get(&name), *k) {
                    Ok(v) => {
                        obj.insert((*c).to_owned(), v);
                    }
                    Err(message) => problems.push(Problem {
                        at,
                        field: name,
                        message,
                    }),
                }
            }
            obj
        };
        match get("record").trim() {
            "item" => {
                let mut obj = read(&ITEM_COLUMNS, "");
                obj.insert("materials".into(), Value::Array(Vec::new()));
                out.push((at, Value::Object(obj)));
            }
            "material" => {
                let m = read(&MATERIAL_COLUMNS, "material_");
                let code = get("code").trim();
                match out.last_mut() {
                    Some((_, Value::Object(item)))
                        if item.get("code").and_then(Value::as_str) == Some(code) =>
                    {
                        if let Some(Value::Array(ms)) = item.get_mut("materials") {
                            ms.push(Value::Object(m));
                        }
                    }
                    _ => problems.push(problem(at, "code", "cat-import-orphan-material")),
                }
            }
            _ => problems.push(problem(at, "record", "cat-import-record")),
        }
    }
    Ok((out, problems))
}

/// Reads a JSON export (`{"items": […]}` or a bare array) into records.
fn json_records(text: &str) -> Result<Records, Vec<Problem>> {
    let syntax = |e: serde_json::Error| {
        vec![Problem {
            at: Locator {
                record: 0,
                line: Some(e.line() as u64),
            },
            field: String::new(),
            message: Message::new("cat-import-syntax").arg("detail", e.to_string()),
        }]
    };
    let doc: Value =
        serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text)).map_err(syntax)?;
    let items = match doc {
        Value::Array(a) => Some(a),
        Value::Object(mut o) => match o.remove("items") {
            Some(Value::Array(a)) => Some(a),
            _ => None,
        },
        _ => None,
    };
    let Some(items) = items else {
        return Err(vec![problem(
            Locator {
                record: 0,
                line: None,
            },
            "items",
            "cat-import-no-items",
        )]);
    };
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            (
                Locator {
                    record: i + 1,
                    line: None,
                },
                v,
            )
        })
        .collect::<Vec<_>>())
    .map(|r| (r, Vec::new()))
}

/// Checks one field of a record against the type the model gives it.
fn typed<T: DeserializeOwned>(
    obj: &Map<String, Value>,
    field: &str,
    at: Locator,
    out: &mut Vec<Problem>,
) {
    let Some(v) = obj.get(field) else {
        out.push(problem(at, field, "cat-import-missing"));
        return;
    };
    let values: Vec<&Value> = match v {
        Value::Array(a) if field == "divisions" => a.iter().collect(),
        other => vec![other],
    };
    for v in values {
        if let Err(e) = serde_json::from_value::<T>(v.clone()) {
            let shown = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            let message = match e.to_string() {
                d if d.starts_with("cat-") => Message::new("cat-import-code")
                    .arg("value", shown)
                    .arg("detail", d),
                _ => Message::new("cat-bad-param")
                    .arg("name", field)
                    .arg("value", shown),
            };
            out.push(Problem {
                at,
                field: field.to_owned(),
                message,
            });
        }
    }
}

/// Item bodies from records: each field checked against its type and each item against the
/// model's rules, every problem named; codes must not repeat.
fn bodies(records: Vec<(Locator, Value)>, unreadable: &HashSet<usize>) -> Read {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (at, v) in records {
        let Value::Object(obj) = &v else {
            problems.push(problem(at, "", "cat-import-not-object"));
            continue;
        };
        let before = problems.len();
        typed::<ImplementationCode>(obj, "code", at, &mut problems);
        typed::<BasicCode>(obj, "basic_code", at, &mut problems);
        typed::<ItemType>(obj, "item_type", at, &mut problems);
        typed::<kernel::division::Level>(obj, "level", at, &mut problems);
        typed::<kernel::DivisionCode>(obj, "divisions", at, &mut problems);
        typed::<CaseType>(obj, "case_type", at, &mut problems);
        typed::<OnlineDepth>(obj, "online_depth", at, &mut problems);
        typed::<ServiceObject>(obj, "service_object", at, &mut problems);
        for (i, m) in obj
            .get("materials")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Value::Object(m) = m {
                let mut mine = Vec::new();
                typed::<MaterialKind>(m, "kind", at, &mut mine);
                problems.extend(mine.into_iter().map(|mut p| {
                    p.field = format!("materials[{i}].{}", p.field);
                    p
                }));
            }
        }
        // A record with a cell already found unreadable is not read further: its problems
        // are listed, and a second report of the same fault would only confuse.
        if problems.len() > before || unreadable.contains(&at.record) {
            continue;
        }
        let body: ItemBody = match serde_json::from_value(v) {
            Ok(b) => b,
            Err(e) => {
                problems.push(Problem {
                    at,
                    field: String::new(),
                    message: Message::new("cat-import-syntax").arg("detail", e.to_string()),
                });
                continue;
            }
        };
        if !seen.insert(body.code.clone()) {
            problems.push(problem(at, "code", "cat-import-duplicate"));
        }
        problems.extend(body.check().into_iter().map(|p| Problem {
            at,
            field: p.field,
            message: p.message,
        }));
        out.push((at, body));
    }
    Read {
        items: out,
        problems,
    }
}

/// The file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    /// By content type or file name; JSON when the text starts like it.
    pub fn guess(hint: &str, text: &str) -> Format {
        let hint = hint.trim().to_ascii_lowercase();
        if hint.ends_with(".json") {
            Format::Json
        } else if hint.ends_with(".csv") {
            Format::Csv
        } else if hint.contains("json") {
            Format::Json
        } else if hint.contains("csv") {
            Format::Csv
        } else if text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with(['{', '['])
        {
            Format::Json
        } else {
            Format::Csv
        }
    }
}

/// What a file holds: the items that could be read, and every problem found.
#[derive(Debug, Default)]
pub struct Read {
    pub items: Vec<(Locator, ItemBody)>,
    pub problems: Vec<Problem>,
}

impl Read {
    /// Items known to be good already (the demo catalogue, generated items).
    pub fn of(items: &[ItemBody]) -> Read {
        Read {
            items: items
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    (
                        Locator {
                            record: i + 1,
                            line: None,
                        },
                        b.clone(),
                    )
                })
                .collect(),
            problems: Vec::new(),
        }
    }

    /// The items, or every problem.
    pub fn into_result(self) -> Result<Vec<(Locator, ItemBody)>, Vec<Problem>> {
        if self.problems.is_empty() {
            Ok(self.items)
        } else {
            Err(self.problems)
        }
    }
}

/// Reads an import file. A file that cannot be read as a whole gives its one problem; else
/// each record is read on its own, and every problem with any of them is listed.
pub fn read(text: &str, format: Format) -> Read {
    let records = match format {
        Format::Json => json_records(text),
        Format::Csv => csv_records(text),
    };
    let records = match records {
        Ok((r, _)) if r.is_empty() => {
            return Read {
                items: Vec::new(),
                problems: vec![problem(
                    Locator {
                        record: 0,
                        line: None,
                    },
                    "",
                    "cat-import-empty",
                )],
            };
        }
        Ok(r) => r,
        Err(problems) => {
            return Read {
                items: Vec::new(),
                problems,
            };
        }
    };
    let (records, mut early) = records;
    let unreadable: HashSet<usize> = early.iter().map(|p| p.at.record).collect();
    let mut read = bodies(records, &unreadable);
    early.append(&mut read.problems);
    read.problems = early;
    read.problems.sort_by_key(|p| (p.at.record, p.at.line));
    read
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_of_the_model_has_a_column() {
        let mut fields: Vec<&str> = ITEM_COLUMNS.iter().map(|(c, _)| *c).collect();
        fields.push("materials");
        let sample = crate::diff::tests_support::item();
        let v = serde_json::to_value(&sample).expect("json");
        for key in v.as_object().expect("object").keys() {
            assert!(fields.contains(&key.as_str()), "no CSV column for {key}");
        }
        for key in v["materials"][0].as_object().expect("material").keys() {
            assert!(
                MATERIAL_COLUMNS.iter().any(|(c, _)| c == key),
                "no CSV column for material {key}"
            );
        }
    }

    #[test]
    fn csv_and_json_round_trip_and_agree() {
        let mut a = crate::diff::tests_support::item();
        a.steps = vec!["申请".into(), "受理, 审查".into(), "决定 \"当场\"".into()];
        a.fee_fen = Some(1250);
        a.materials[0].condition = Some("委托他人办理的".into());
        a.materials[1].source = crate::model::MaterialSource::Registry {
            field: "population.household".into(),
        };
        let items = vec![a];
        let csv = to_csv(&items);
        let back: Vec<ItemBody> = read(&csv, Format::Csv)
            .into_result()
            .expect("reads")
            .into_iter()
            .map(|(_, b)| b)
            .collect();
        assert_eq!(back, items);
        assert_eq!(to_csv(&back), csv, "byte for byte");
        let json = to_json(&items);
        let back: Vec<ItemBody> = read(&json, Format::Json)
            .into_result()
            .expect("reads")
            .into_iter()
            .map(|(_, b)| b)
            .collect();
        assert_eq!(back, items);
        assert_eq!(Format::guess("", &json), Format::Json);
        assert_eq!(Format::guess("text/csv", &json), Format::Csv);
    }

    #[test]
    fn every_bad_row_is_named_by_line_and_field() {
        let items = vec![crate::diff::tests_support::item()];
        let csv = to_csv(&items);
        let mut lines: Vec<String> = csv.split("\r\n").map(str::to_owned).collect();
        // Line 2 is the item; break two of its fields and the record kind of line 4.
        lines[1] =
            lines[1]
                .replacen(",15,3,", ",15,many,", 1)
                .replacen("licensing", "licencing", 1);
        lines[3] = lines[3].replacen("material", "materia", 1);
        let broken = lines.join("\r\n");
        let problems = read(&broken, Format::Csv)
            .into_result()
            .expect_err("refused");
        let named: Vec<(Option<u64>, &str)> = problems
            .iter()
            .map(|p| (p.at.line, p.field.as_str()))
            .collect();
        // The item's three steps take lines 2-4; its materials are on lines 5 and 6.
        assert!(named.contains(&(Some(2), "promised_days")), "{named:?}");
        assert!(named.contains(&(Some(6), "record")), "{named:?}");
        let json = to_json(&items).replacen("\"licensing\"", "\"licencing\"", 1);
        let problems = read(&json, Format::Json)
            .into_result()
            .expect_err("refused");
        assert_eq!(problems[0].field, "item_type");
        assert_eq!(problems[0].at.record, 1);
        let problems = read("{\"items\": [", Format::Json)
            .into_result()
            .expect_err("refused");
        assert_eq!(problems[0].message.key, "cat-import-syntax");
        let twice = to_json(&[items[0].clone(), items[0].clone()]);
        let problems = read(&twice, Format::Json)
            .into_result()
            .expect_err("refused");
        assert_eq!(
            (problems[0].at.record, problems[0].field.as_str()),
            (2, "code")
        );
    }
}
