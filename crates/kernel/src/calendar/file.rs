//! The calendar file format: one division's holiday arrangements for one year, in TOML.
//!
//! ```toml
//! division = "000000"          # 000000 = national; 540000 = the region; any division code
//! year = 2026
//! complete = true              # false while some dates are still to be announced
//! note = ""                    # what is missing, shown with every warning
//! note_bo = ""                 # the note in Tibetan and English (shown to their readers)
//! note_en = ""
//! source = "…"                 # the notice that set it
//! [[holidays]]
//! name = "国庆节"              # name_bo and name_en optional
//! from = "2026-10-01"
//! to = "2026-10-07"
//! workdays = ["2026-09-20", "2026-10-10"]   # weekend days worked instead
//! ```
//!
//! Every mistake is reported with the file, the line and the field.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use time::{Date, Duration, Weekday};

use super::{CalendarDay, CalendarYear, DayKind};
use crate::division::DivisionCode;
use crate::file_error::FileError;
use crate::time_util::{format_date, parse_date};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    division: toml::Spanned<String>,
    year: toml::Spanned<i32>,
    complete: bool,
    #[serde(default)]
    note: String,
    #[serde(default)]
    note_bo: String,
    #[serde(default)]
    note_en: String,
    source: String,
    #[serde(default)]
    holidays: Vec<FileHoliday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileHoliday {
    name: toml::Spanned<String>,
    #[serde(default)]
    name_bo: String,
    #[serde(default)]
    name_en: String,
    from: toml::Spanned<String>,
    to: toml::Spanned<String>,
    #[serde(default)]
    workdays: Vec<toml::Spanned<String>>,
}

/// Parses one calendar file (TOML). `file` names it in errors.
pub fn parse_file(file: &str, text: &str) -> Result<CalendarYear, FileError> {
    let err = |span: Range<usize>, field: &str, problem: String| {
        FileError::new(file, FileError::line_of(text, span.start), field, problem)
    };
    let doc: FileDoc = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let field = e.message().split('`').nth(1).unwrap_or("").to_owned();
        err(
            span,
            if field.is_empty() { "(file)" } else { &field },
            e.message().trim().to_owned(),
        )
    })?;
    let division = DivisionCode::parse(doc.division.get_ref())
        .map_err(|e| err(doc.division.span(), "division", e.to_string()))?;
    let year = *doc.year.get_ref();
    if !(2000..=2100).contains(&year) {
        return Err(err(
            doc.year.span(),
            "year",
            format!("{year} is not a plausible year"),
        ));
    }
    if doc.source.trim().is_empty() {
        return Err(err(
            0..0,
            "source",
            "say which notice set this arrangement".to_owned(),
        ));
    }
    let date = |s: &toml::Spanned<String>, field: &str| -> Result<Date, FileError> {
        let d = parse_date(s.get_ref()).ok_or_else(|| {
            err(
                s.span(),
                field,
                format!("{:?} is not a date YYYY-MM-DD", s.get_ref()),
            )
        })?;
        if (d.year() - year).abs() > 1 || (field != "workdays" && d.year() != year) {
            return Err(err(
                s.span(),
                field,
                format!("{} lies outside {year}", format_date(d)),
            ));
        }
        Ok(d)
    };
    let mut days: BTreeMap<Date, CalendarDay> = BTreeMap::new();
    for h in &doc.holidays {
        let name = h.name.get_ref().trim();
        if name.is_empty() {
            return Err(err(
                h.name.span(),
                "name",
                "a holiday needs a name".to_owned(),
            ));
        }
        let day = |date: Date, kind: DayKind| CalendarDay {
            date,
            kind,
            name: name.to_owned(),
            name_bo: h.name_bo.trim().to_owned(),
            name_en: h.name_en.trim().to_owned(),
        };
        let (from, to) = (date(&h.from, "from")?, date(&h.to, "to")?);
        if to < from {
            return Err(err(
                h.to.span(),
                "to",
                format!("{} is before {}", format_date(to), format_date(from)),
            ));
        }
        if to - from > Duration::days(31) {
            return Err(err(
                h.to.span(),
                "to",
                "a holiday longer than a month is surely a typo".to_owned(),
            ));
        }
        let mut d = from;
        while d <= to {
            if days.insert(d, day(d, DayKind::Off)).is_some() {
                return Err(err(
                    h.from.span(),
                    "from",
                    format!("{} is listed twice", format_date(d)),
                ));
            }
            d = d.next_day().unwrap_or(d + Duration::days(1));
        }
        for w in &h.workdays {
            let d = date(w, "workdays")?;
            if !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
                return Err(err(
                    w.span(),
                    "workdays",
                    format!(
                        "{} is a {} and already a workday",
                        format_date(d),
                        d.weekday()
                    ),
                ));
            }
            if days.insert(d, day(d, DayKind::Workday)).is_some() {
                return Err(err(
                    w.span(),
                    "workdays",
                    format!("{} is both off and a workday", format_date(d)),
                ));
            }
        }
    }
    Ok(CalendarYear {
        division,
        year,
        complete: doc.complete,
        provisional: false,
        note: doc.note,
        note_bo: doc.note_bo,
        note_en: doc.note_en,
        source: doc.source,
        days: days.into_values().collect(),
    })
}

/// The calendar files shipped with Yiwang (national 2025–2026 and the region's).
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "2025-000000.toml",
        include_str!("../../../../data/calendar/2025-000000.toml"),
    ),
    (
        "2026-000000.toml",
        include_str!("../../../../data/calendar/2026-000000.toml"),
    ),
    (
        "2025-540000.toml",
        include_str!("../../../../data/calendar/2025-540000.toml"),
    ),
    (
        "2026-540000.toml",
        include_str!("../../../../data/calendar/2026-540000.toml"),
    ),
];

/// The shipped calendar years.
pub fn builtin_years() -> Result<Vec<CalendarYear>, FileError> {
    BUILTIN_FILES
        .iter()
        .map(|(name, text)| parse_file(name, text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_files_name_the_line_and_field() {
        let text = "division = \"000000\"\nyear = 2027\ncomplete = true\nsource = \"x\"\n\n[[holidays]]\nname = \"元旦\"\nfrom = \"2027-01-01\"\nto = \"2027-02-30\"\n";
        let e = parse_file("bad.toml", text).expect_err("bad date");
        assert_eq!((e.line, e.field.as_str()), (9, "to"));
        let e =
            parse_file("bad.toml", "division = \"000000\"\nyear = \"x\"\n").expect_err("bad type");
        assert_eq!(e.line, 2);
        let text = "division = \"000000\"\nyear = 2027\ncomplete = true\nsource = \"x\"\n[[holidays]]\nname = \"元旦\"\nfrom = \"2027-01-01\"\nto = \"2027-01-01\"\nworkdays = [\"2027-01-04\"]\n";
        let e = parse_file("bad.toml", text).expect_err("monday make-up day");
        assert_eq!((e.line, e.field.as_str()), (9, "workdays"));
    }
}
