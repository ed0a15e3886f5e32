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

/// Every shipped text file, as (path shown from the repository's root, text).
fn shipped() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut all = Vec::new();
    for dir in ["crates", "data"] {
        files(&root.join(dir), &mut all);
    }
    all.into_iter()
        .filter_map(|path| {
            let shown = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .display()
                .to_string();
            std::fs::read_to_string(&path)
                .ok()
                .map(|text| (shown, text))
        })
        .collect()
}

#[test]
fn every_shipped_tibetan_syllable_is_well_formed() {
    // Test inputs that are meant to be broken.
    let broken_on_purpose = ["kernel/src/tibetan/mod.rs", "search/src/text.rs"];
    let mut bad = Vec::new();
    let mut checked = 0usize;
    for (shown, text) in shipped() {
        if broken_on_purpose.iter().any(|b| shown.ends_with(b)) {
            continue;
        }
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

fn is_tibetan_letter(c: char) -> bool {
    ('\u{0F40}'..='\u{0FBC}').contains(&c)
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// A Tibetan word run into a Chinese or Latin one with nothing between them is an accident of
/// editing; so is Chinese inside a Tibetan interface string.
#[test]
fn no_shipped_string_mixes_scripts_by_accident() {
    let mut bad = Vec::new();
    for (shown, text) in shipped() {
        let tibetan_file = shown.ends_with("bo.ftl");
        for (n, line) in text.lines().enumerate() {
            // Escapes in source strings (`\t`, `\n`) separate words.
            let line = &line.replace("\\t", " ").replace("\\n", " ");
            let words = line.split(|c: char| {
                c.is_whitespace()
                    || c.is_ascii_punctuation()
                    || matches!(c, '\u{0F0B}'..='\u{0F14}' | '\u{2000}'..='\u{206F}' | '\u{3000}'..='\u{303F}' | '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}')
            });
            for w in words {
                let tibetan = w.chars().any(is_tibetan_letter);
                let other = w.chars().any(|c| is_han(c) || c.is_ascii_alphabetic());
                if tibetan && other {
                    bad.push(format!("{shown}:{}: “{w}” mixes scripts", n + 1));
                }
            }
            // A Tibetan interface string holds no Chinese (the language switch's own name,
            // 中文, lives in the layout, not in the translations).
            if tibetan_file && !line.starts_with('#') && line.chars().any(is_han) {
                bad.push(format!("{shown}:{}: Chinese in a Tibetan string", n + 1));
            }
        }
    }
    assert!(bad.is_empty(), "{}:\n{}", bad.len(), bad.join("\n"));
}
