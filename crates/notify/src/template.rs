//! The template language: text with `{name}` placeholders (`{{` and `}}` for a brace). A
//! version is checked before it is kept, so rendering never meets an unknown name.

use kernel::{Lang, Message};

use crate::model::{EventSpec, Template};

/// A piece of a template: literal text or a placeholder.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Brace(char),
    Var(&'a str),
}

/// The pieces of `text`, or what is wrong with it.
fn pieces(text: &str) -> Result<Vec<Piece<'_>>, Message> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let Some(at) = rest.find(['{', '}']) else {
            out.push(Piece::Text(rest));
            break;
        };
        if at > 0 {
            out.push(Piece::Text(&rest[..at]));
        }
        rest = &rest[at..];
        if let Some(r) = rest.strip_prefix("{{") {
            out.push(Piece::Brace('{'));
            rest = r;
        } else if let Some(r) = rest.strip_prefix("}}") {
            out.push(Piece::Brace('}'));
            rest = r;
        } else if rest.starts_with('}') {
            return Err(Message::new("notify-template-brace"));
        } else {
            let end = rest
                .find('}')
                .ok_or_else(|| Message::new("notify-template-brace"))?;
            let name = rest[1..end].trim();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(
                    Message::new("notify-template-name").arg("name", rest[1..end].to_owned())
                );
            }
            out.push(Piece::Var(name));
            rest = &rest[end + 1..];
        }
    }
    Ok(out)
}

/// The names a text uses.
fn names(text: &str) -> Result<Vec<&str>, Message> {
    Ok(pieces(text)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var(n) => Some(n),
            _ => None,
        })
        .collect())
}

/// Checks a version of `spec`'s template: every language has a subject and a body, each uses
/// only the event's variables, and each body uses every required one. Every problem is
/// named, by field (`bo.body`).
pub fn check(spec: &EventSpec, t: &Template) -> Result<(), Vec<(String, Message)>> {
    let mut problems = Vec::new();
    for lang in Lang::ALL {
        let text = t.text(lang);
        for (part, value) in [("subject", &text.subject), ("body", &text.body)] {
            let field = format!("{}.{part}", lang.code());
            if value.trim().is_empty() {
                problems.push((
                    field,
                    Message::new("notify-template-missing-language").arg("lang", lang.code()),
                ));
                continue;
            }
            match names(value) {
                Err(m) => problems.push((field, m)),
                Ok(used) => {
                    for n in &used {
                        if !spec.vars.iter().any(|v| v == n) {
                            problems.push((
                                field.clone(),
                                Message::new("notify-template-unknown-var")
                                    .arg("name", (*n).to_owned())
                                    .arg("known", spec.vars.join(", ")),
                            ));
                        }
                    }
                    if part == "body" {
                        for r in &spec.required {
                            if !used.contains(&r.as_str()) {
                                problems.push((
                                    field.clone(),
                                    Message::new("notify-template-missing-var")
                                        .arg("name", r.clone()),
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// `text` with its placeholders filled from `vars`; a name without a value is left empty
/// (a checked template names only the event's variables, which every caller gives).
pub fn render(text: &str, vars: &[(&str, String)]) -> String {
    let Ok(pieces) = pieces(text) else {
        return text.to_owned();
    };
    let mut out = String::with_capacity(text.len() + 32);
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Brace(c) => out.push(c),
            Piece::Var(n) => {
                if let Some((_, v)) = vars.iter().find(|(k, _)| *k == n) {
                    out.push_str(v);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Text, event};

    #[test]
    fn placeholders_are_filled_and_braces_escaped() {
        let vars = [("number", "N1".to_owned()), ("item", "低保".to_owned())];
        assert_eq!(
            render("办件{number}（{ item }）{{x}}", &vars),
            "办件N1（低保）{x}"
        );
    }

    #[test]
    fn a_version_missing_a_language_or_a_variable_is_named_field_by_field() {
        let spec = event("case-accepted").expect("event");
        let mut t = spec.builtin();
        t.bo = Text::default();
        t.en.body = "Accepted {itme}".into();
        t.zh.subject = "已受理 {number".into();
        let problems = check(spec, &t).expect_err("refused");
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert!(fields.contains(&"bo.subject") && fields.contains(&"bo.body"));
        assert!(fields.contains(&"zh.subject"));
        let en: Vec<&Message> = problems
            .iter()
            .filter(|(f, _)| f == "en.body")
            .map(|(_, m)| m)
            .collect();
        assert_eq!(
            en.len(),
            2,
            "unknown {{itme}} and missing {{number}}: {en:?}"
        );
    }
}
