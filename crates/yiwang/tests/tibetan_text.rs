//! Every Tibetan string the platform ships — interface files, demo data, seeds and the
//! strings in the source — is made of well-formed syllables (a valid stack: prefix,
//! superscript, root, subscript, vowel, suffix, second suffix). A malformed one fails with its
//! file, line and syllable.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if name != "target" && !name.starts_with('.') {
                files(&p, out);
            }
        } else if ["ftl", "tsv", "toml", "rs", "sql", "csv"]
            .iter()
            .any(|ext| name.ends_with(&format!(".{ext}")))
        {
            out.push(p);
        }
    }
}

#[test]
fn every_shipped_tibetan_syllable_is_well_formed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut all = Vec::new();
    for dir in ["crates", "data"] {
        files(&root.join(dir), &mut all);
    }
    // Test inputs that are meant to be broken.
    let broken_on_purpose = ["kernel/src/tibetan/mod.rs", "search/src/text.rs"];
    let mut bad = Vec::new();
    let mut checked = 0usize;
    for path in all {
        let shown = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .display()
            .to_string();
        if broken_on_purpose.iter().any(|b| shown.ends_with(b)) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            if !line.chars().any(|c| ('\u{0F00}'..='\u{0FFF}').contains(&c)) {
                continue;
            }
            let tibetan: String = line
                .chars()
                .map(|c| {
                    if ('\u{0F00}'..='\u{0FFF}').contains(&c) {
                        c
                    } else {
                        ' '
                    }
                })
                .collect();
            checked += kernel::tibetan::syllables(&tibetan).count();
            for (syllable, why) in kernel::tibetan::malformed(&tibetan) {
                bad.push(format!("{shown}:{}: {syllable} ({why:?})", n + 1));
            }
        }
    }
    assert!(checked > 5_000, "only {checked} syllables found");
    assert!(
        bad.is_empty(),
        "{} malformed of {checked}:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
