//! A readable difference between two versions of an item: one row per field that changed,
//! with its value before and after. Lists of words (steps, divisions, tags) compare as one
//! value; materials are matched by their Chinese name, so adding one material shows one new
//! material rather than every later one shifted.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::model::ItemBody;

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `promised_days`, `materials「居民身份证」.source`, …
    pub field: String,
    /// The top-level field, for its label.
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(" → "),
        Value::Object(_) => {
            let mut fields = BTreeMap::new();
            flatten("", v, &mut fields);
            fields
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
        other => other.to_string(),
    }
}

fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "materials"
                    && let Value::Array(items) = v
                {
                    for m in items {
                        let name = m.get("name_zh").map(scalar).unwrap_or_default();
                        flatten(&format!("{}「{name}」", join(k)), m, out);
                    }
                } else {
                    flatten(&join(k), v, out);
                }
            }
        }
        other => {
            out.insert(prefix.to_owned(), scalar(other));
        }
    }
}

/// The fields that differ from `before` to `after`, in field order.
pub fn diff(before: &ItemBody, after: &ItemBody) -> Vec<Change> {
    let mut a = BTreeMap::new();
    let mut b = BTreeMap::new();
    flatten(
        "",
        &serde_json::to_value(before).unwrap_or(Value::Null),
        &mut a,
    );
    flatten(
        "",
        &serde_json::to_value(after).unwrap_or(Value::Null),
        &mut b,
    );
    let mut fields: Vec<&String> = a.keys().chain(b.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter_map(|f| {
            let (x, y) = (a.get(f), b.get(f));
            (x != y).then(|| Change {
                field: f.clone(),
                key: f.split(['.', '「']).next().unwrap_or(f.as_str()).to_owned(),
                before: x.filter(|s| !s.is_empty()).cloned(),
                after: y.filter(|s| !s.is_empty()).cloned(),
            })
        })
        .collect()
}

/// A valid item for unit tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use crate::model::ItemBody;

    pub fn item() -> ItemBody {
        let body = "11540000MB0L38374";
        let check = kernel::credit_code::check_character(body.as_bytes()).expect("check") as char;
        serde_json::from_value(serde_json::json!({
            "code": format!("{body}{check}0001050010001"),
            "basic_code": "000105001000",
            "name_zh": "个体工商户设立登记",
            "item_type": "licensing",
            "department": "540000-market-regulation",
            "level": "province",
            "divisions": ["540000"],
            "legal_basis": "条例",
            "conditions": "",
            "materials": [
                {"name_zh": "申请书", "kind": "application-form", "source": {"from": "applicant"}},
                {"name_zh": "居民身份证", "kind": "certificate", "source": {"from": "applicant"}}
            ],
            "steps": ["申请", "受理", "办结"],
            "statutory_days": 15,
            "promised_days": 3,
            "case_type": "promised",
            "place": "中心",
            "hours": "工作日",
            "visits": 1,
            "online_depth": "online-application",
            "in_centre": false,
            "service_object": "person"
        }))
        .expect("an item")
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::item;
    use super::*;

    #[test]
    fn only_what_changed_is_listed_and_materials_match_by_name() {
        let a = item();
        let mut b = a.clone();
        assert!(diff(&a, &b).is_empty());
        b.promised_days = 1;
        b.steps.push("送达".into());
        b.materials.remove(0);
        b.materials[0].copies = 2;
        let d = diff(&a, &b);
        let fields: Vec<&str> = d.iter().map(|c| c.field.as_str()).collect();
        assert!(fields.contains(&"promised_days"), "{fields:?}");
        assert!(fields.contains(&"steps"));
        assert!(fields.contains(&"materials「居民身份证」.copies"));
        assert!(fields.contains(&"materials「申请书」.name_zh"));
        assert!(
            !fields
                .iter()
                .any(|f| f.starts_with("materials「居民身份证」.name"))
        );
        let steps = d.iter().find(|c| c.field == "steps").expect("steps");
        assert_eq!(steps.before.as_deref(), Some("申请 → 受理 → 办结"));
        assert_eq!(steps.after.as_deref(), Some("申请 → 受理 → 办结 → 送达"));
        let removed = d
            .iter()
            .find(|c| c.field == "materials「申请书」.name_zh")
            .expect("removed");
        assert_eq!(removed.after, None);
        assert_eq!(removed.key, "materials");
    }
}
