//! `docs/ARCHITECTURE.md` stays true to the code where it can drift silently: its list of
//! audit events. Every event name the code writes as a literal (`action: "…"`, or either arm
//! of an `if` there) is listed, and every listed name is written somewhere (as a literal, or
//! by a family the list names as `prefix.<what>`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The non-test part of every source file of every crate.
fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).expect("a source directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                let code = text.split("#[cfg(test)]").next().unwrap_or("").to_owned();
                out.push((path, code));
            }
        }
    }
    let mut out = Vec::new();
    for krate in std::fs::read_dir(root().join("crates")).expect("crates") {
        let src = krate.expect("a crate").path().join("src");
        if src.is_dir() {
            walk(&src, &mut out);
        }
    }
    out
}

fn is_event_name(s: &str) -> bool {
    s.contains('.')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || matches!(c, '.' | '_' | '-'))
}

/// The quoted strings right after `action:` (and in an `if … { "a" } else { "b" }` there).
fn written_literally(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("action:") {
        let rest = code[i + "action:".len()..].trim_start();
        let head: String = rest.chars().take(160).collect();
        let expression = head.split([',', '\n']).next().unwrap_or("");
        let candidates: Vec<&str> = if expression.trim_start().starts_with("if ") {
            head.split('"').skip(1).step_by(2).take(2).collect()
        } else {
            expression.split('"').skip(1).step_by(2).take(1).collect()
        };
        out.extend(
            candidates
                .into_iter()
                .filter(|s| is_event_name(s))
                .map(str::to_owned),
        );
    }
    out
}

fn listed() -> BTreeSet<String> {
    let doc = std::fs::read_to_string(root().join("docs/ARCHITECTURE.md")).expect("the doc");
    let start = doc
        .find("Events written so far:")
        .expect("ARCHITECTURE.md lists the audit events");
    let paragraph = &doc[start..];
    let paragraph = &paragraph[..paragraph.find("\n\n").unwrap_or(paragraph.len())];
    paragraph
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_audit_event_is_listed_and_every_listed_event_is_written() {
    let sources = sources();
    let listed = listed();
    let written: BTreeSet<String> = sources
        .iter()
        .flat_map(|(_, code)| written_literally(code))
        .collect();
    let unlisted: Vec<&String> = written.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "audit events the code writes that docs/ARCHITECTURE.md does not list: {unlisted:?}"
    );
    let families: Vec<&str> = listed
        .iter()
        .filter_map(|l| l.split_once(".<").map(|(prefix, _)| prefix))
        .collect();
    let everything: String = sources.iter().map(|(_, c)| c.as_str()).collect();
    let stale: Vec<&String> = listed
        .iter()
        .filter(|l| !l.contains('<'))
        .filter(|l| !everything.contains(&format!("\"{l}\"")))
        .filter(|l| !families.iter().any(|f| l.starts_with(&format!("{f}."))))
        .collect();
    assert!(
        stale.is_empty(),
        "docs/ARCHITECTURE.md lists audit events the code never writes: {stale:?}"
    );
    for family in families {
        assert!(
            everything.contains(&format!("\"{family}.{{}}\"")),
            "docs/ARCHITECTURE.md lists the family {family}.<…>, which no code writes"
        );
    }
}
