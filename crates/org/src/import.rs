//! Importing township and village divisions (12-digit statistical codes) from CSV.
//!
//! Columns: `code,parent,name_zh,name_bo,name_en` (a header row first; Tibetan and English may
//! be empty). The whole file goes in one transaction: one bad row and nothing changes, and the
//! error names the file, the line and the field.

use db::Db;
use db::audit::{self, NewEvent};
use kernel::division::Level;
use kernel::{DivisionCode, FileError};

use crate::OrgError;
use crate::model::{Division, Names};
use crate::store;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Rows in the file.
    pub rows: usize,
    pub inserted: usize,
    pub updated: usize,
}

const COLUMNS: [&str; 5] = ["code", "parent", "name_zh", "name_bo", "name_en"];

/// Parses the CSV into divisions, checking each row on its own.
pub fn parse(file: &str, text: &str) -> Result<Vec<Division>, FileError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| FileError::new(file, 1, "(header)", e.to_string()))?
        .clone();
    let found: Vec<&str> = headers.iter().map(str::trim).collect();
    if found != COLUMNS {
        return Err(FileError::new(
            file,
            1,
            "(header)",
            format!(
                "expected columns {}, found {}",
                COLUMNS.join(","),
                found.join(",")
            ),
        ));
    }
    let mut out: Vec<Division> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            FileError::new(file, line, "(row)", e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let code = DivisionCode::parse(field(0))
            .map_err(|e| FileError::new(file, line, "code", e.to_string()))?;
        let level = code.level();
        if !matches!(level, Level::Township | Level::Village) {
            return Err(FileError::new(
                file,
                line,
                "code",
                format!("{code} is not a township or village code (12 digits below a county)"),
            ));
        }
        let parent = DivisionCode::parse(field(1))
            .map_err(|e| FileError::new(file, line, "parent", e.to_string()))?;
        if code.parent() != Some(parent) {
            return Err(FileError::new(
                file,
                line,
                "parent",
                format!(
                    "{code} lies under {}, not {parent}",
                    code.parent().map(|p| p.to_string()).unwrap_or_default()
                ),
            ));
        }
        if field(2).is_empty() {
            return Err(FileError::new(
                file,
                line,
                "name_zh",
                "the Chinese name is required",
            ));
        }
        if out.iter().any(|d| d.code == code) {
            return Err(FileError::new(
                file,
                line,
                "code",
                format!("{code} appears twice"),
            ));
        }
        let names = Names::new(field(2), field(3), field(4));
        out.push(Division {
            code,
            parent: Some(parent),
            level,
            needs_tibetan_name: names.bo.is_empty(),
            names,
            retired_in: None,
            successor: None,
            origin: "import".to_owned(),
        });
    }
    if out.is_empty() {
        return Err(FileError::new(file, 2, "(row)", "the file has no rows"));
    }
    Ok(out)
}

/// Imports the CSV into the database, all or nothing: for the region's administrators and
/// the operator.
pub async fn import(
    db: &Db,
    by: &identity::Principal,
    file: &str,
    text: &str,
) -> Result<ImportReport, OrgError> {
    by.require_administrator(db, "divisions.import").await?;
    let actor = &by.id();
    let rows = parse(file, text)?;
    let mut tx = db.begin().await?;
    let mut report = ImportReport {
        rows: rows.len(),
        inserted: 0,
        updated: 0,
    };
    for (i, d) in rows.iter().enumerate() {
        let parent = d.parent.unwrap_or(DivisionCode::NATIONAL);
        let known_here = rows[..i].iter().any(|r| r.code == parent);
        if !known_here && !store::division_exists(&mut tx, parent).await? {
            // Rows are numbered from the header (line 1).
            return Err(FileError::new(
                file,
                i + 2,
                "parent",
                format!("no division {parent} is known (import its parent first)"),
            )
            .into());
        }
        if store::upsert_division(&mut tx, d).await? {
            report.inserted += 1;
        } else {
            report.updated += 1;
        }
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: actor.as_str(),
            action: "divisions.import",
            subject: "divisions",
            payload: serde_json::json!({ "file": file, "inserted": report.inserted, "updated": report.updated }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_bad_row_names_its_line_and_field() {
        let head = "code,parent,name_zh,name_bo,name_en\n";
        let cases = [
            (
                "540102001000,540102,八廓街道,,Barkhor\n54010200200,540102,x,,\n",
                3,
                "code",
            ),
            ("540102001000,540103,八廓街道,,\n", 2, "parent"),
            ("540102001000,540102,,,\n", 2, "name_zh"),
            ("540102,540100,城关区,,\n", 2, "code"),
            (
                "540102001000,540102,a,,\n540102001000,540102,b,,\n",
                3,
                "code",
            ),
        ];
        for (rows, line, field) in cases {
            let e = parse("t.csv", &format!("{head}{rows}")).expect_err(rows);
            assert_eq!((e.line, e.field.as_str()), (line, field), "{rows}: {e}");
        }
        assert_eq!(
            parse("t.csv", "code,name\n1,2\n")
                .expect_err("header")
                .field,
            "(header)"
        );
        assert_eq!(
            parse(
                "t.csv",
                "code,parent,name_zh,name_bo,name_en\n540102001000,540102\n"
            )
            .expect_err("short row")
            .line,
            2
        );
    }

    db::on_each_backend! {
        async fn an_import_is_all_or_nothing_on_every_backend(backend: Backend) {
            let Some(t) = db::testing::fresh(backend).await else { return };
            let operator = identity::Principal::Operator("system:test");
            let good = "code,parent,name_zh,name_bo,name_en\n540102001000,540102,八廓街道,བར་སྐོར།,Barkhor Subdistrict\n540102001001,540102001000,冲赛康社区,,Chongsaikang Community\n";
            let report = import(&t.db, &operator, "good.csv", good)
                .await
                .expect("import");
            assert_eq!(
                report,
                ImportReport {
                    rows: 2,
                    inserted: 2,
                    updated: 0
                },
                "{}",
                t.name()
            );
            let again = import(&t.db, &operator, "good.csv", good)
                .await
                .expect("re-import");
            assert_eq!(
                again,
                ImportReport {
                    rows: 2,
                    inserted: 0,
                    updated: 2
                },
                "{}",
                t.name()
            );
            let bad = "code,parent,name_zh,name_bo,name_en\n540102002000,540102,吉日街道,,\n540199001000,540199,无此县,,\n";
            let e = import(&t.db, &operator, "bad.csv", bad)
                .await
                .expect_err("unknown parent");
            assert!(
                matches!(e, OrgError::File(FileError { line: 3, .. })),
                "{}: {e}",
                t.name()
            );
            let code = DivisionCode::parse("540102002000").expect("code");
            assert_eq!(
                store::division(&t.db, code).await.expect("read"),
                None,
                "{}: nothing of the bad file stays",
                t.name()
            );
            // Whoever adapter calls it, the service itself refuses anyone but an
            // administrator or the operator, and writes nothing.
            let system = identity::Principal::System {
                client_id: "dept-system".into(),
                department: "lhasa-psb".into(),
                department_name: "拉萨市公安局".into(),
            };
            let e = import(&t.db, &system, "good2.csv", "code,parent,name_zh,name_bo,name_en\n540102003000,540102,扎细街道,,\n")
                .await
                .expect_err("a system may not import divisions");
            assert!(matches!(e, OrgError::Forbidden), "{}: {e}", t.name());
            let code = DivisionCode::parse("540102003000").expect("code");
            assert_eq!(store::division(&t.db, code).await.expect("read"), None, "{}", t.name());
            let e = crate::service::set_tibetan_name(&t.db, &system, code, "བཀྲ་ཤིས།")
                .await
                .expect_err("a system may not rename divisions");
            assert!(matches!(e, OrgError::Forbidden), "{}: {e}", t.name());
            t.close().await;
        }
    }
}
