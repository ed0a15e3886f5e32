//! Demo data: the region's departments and government service centres at every level down to
//! the counties, and service stations in the townships of Chengguan District (Lhasa).
//!
//! Township codes, credit codes, addresses and window numbers are illustrative, not official
//! records; the division list and the department structure follow the real region.

use db::Db;
use db::audit::{self, NewEvent};
use kernel::division::Level;
use kernel::{DivisionCode, Lang};

use crate::OrgError;
use crate::model::{Centre, CentreKind, Department, Division, Names, Window, WindowCategory};
use crate::store::{self, DivisionFilter};
use crate::topics::DEPARTMENT_KINDS;

/// The demo township list (statistical codes illustrative).
pub const DEMO_TOWNSHIPS: &str = include_str!("../../../data/demo/townships-540102.csv");

/// What the seed did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub departments: usize,
    pub centres: usize,
    pub stations: usize,
    pub skipped: bool,
}

/// Long-distance area codes of the prefectures (for centre telephone numbers).
fn area_code(code: DivisionCode) -> &'static str {
    match code.county_part() / 100 {
        5401 => "0891",
        5402 => "0892",
        5405 => "0893",
        5404 => "0894",
        5403 => "0895",
        5406 => "0896",
        5425 => "0897",
        _ => "0891",
    }
}

/// A Tibetan name without its closing shad, ready to be joined to what follows.
fn bo_stem(name: &str) -> String {
    let stem = name.trim_end_matches('།');
    if stem.ends_with('་') {
        stem.to_owned()
    } else {
        format!("{stem}་")
    }
}

fn joined(prefix: &Division, zh: &str, bo: &str, en: &str) -> Names {
    Names::new(
        format!("{}{zh}", prefix.names.zh),
        if prefix.names.bo.is_empty() {
            String::new()
        } else {
            format!("{}{bo}", bo_stem(&prefix.names.bo))
        },
        format!("{} {en}", prefix.names.get(Lang::En)),
    )
}

/// A valid organ credit code (11…) for a demo department, derived from a counter.
fn demo_credit_code(division: DivisionCode, n: usize) -> Option<String> {
    let org = format!("{:08}", 60_000_000 + n);
    let org_check = kernel::credit_code::org_check_character(org.as_bytes())? as char;
    let body = format!("11{:06}{org}{org_check}", division.county_part());
    let check = kernel::credit_code::check_character(body.as_bytes())? as char;
    Some(format!("{body}{check}"))
}

fn windows(kind: CentreKind, level: Level) -> Vec<Window> {
    let plan: &[(WindowCategory, usize)] = match (kind, level) {
        (CentreKind::Station, _) => &[(WindowCategory::Comprehensive, 1)],
        (_, Level::Province | Level::Prefecture) => &[
            (WindowCategory::Comprehensive, 4),
            (WindowCategory::BusinessRegistration, 2),
            (WindowCategory::SocialAffairs, 2),
            (WindowCategory::RealEstate, 2),
            (WindowCategory::InvestmentProjects, 1),
        ],
        _ => &[
            (WindowCategory::Comprehensive, 3),
            (WindowCategory::BusinessRegistration, 1),
            (WindowCategory::SocialAffairs, 1),
            (WindowCategory::RealEstate, 1),
        ],
    };
    let mut out = Vec::new();
    for (category, count) in plan {
        for _ in 0..*count {
            out.push(Window {
                number: format!("{:02}", out.len() + 1),
                category: *category,
            });
        }
    }
    out
}

const HOURS: &str = "09:30-13:00,15:30-18:00";

/// Loads the demo offices into an empty database; does nothing if centres already exist.
pub async fn seed_demo(db: &Db) -> Result<SeedReport, OrgError> {
    if store::count_centres(db).await? > 0 {
        return Ok(SeedReport {
            skipped: true,
            ..SeedReport::default()
        });
    }
    crate::import::import(
        db,
        &identity::Principal::Operator("system:demo"),
        "data/demo/townships-540102.csv",
        DEMO_TOWNSHIPS,
    )
    .await?;
    let filter = DivisionFilter {
        limit: 10_000,
        ..DivisionFilter::default()
    };
    let (all, _) = store::divisions(db, &filter).await?;
    let find = |code: Option<DivisionCode>| code.and_then(|c| all.iter().find(|d| d.code == c));
    let mut report = SeedReport::default();
    let mut tx = db.begin().await?;
    for d in &all {
        let (kind, zh, bo, en) = match d.level {
            Level::Province | Level::Prefecture | Level::County => (
                CentreKind::Centre,
                "政务服务中心",
                "གཞུང་དོན་ཞབས་ཞུ་ལྟེ་གནས།",
                "Government Service Centre",
            ),
            Level::Township => (
                CentreKind::Station,
                "便民服务站",
                "མང་ཚོགས་ཞབས་ཞུ་ས་ཚིགས།",
                "Service Station",
            ),
            Level::Village => (
                CentreKind::Station,
                "便民服务点",
                "མང་ཚོགས་ཞབས་ཞུ་ས་མིག",
                "Service Point",
            ),
            Level::National => continue,
        };
        if kind == CentreKind::Centre {
            for (i, k) in DEPARTMENT_KINDS.iter().enumerate() {
                let zh_name = if d.level == Level::Province {
                    k.zh_region
                } else {
                    k.zh_local
                };
                let dept = Department {
                    code: format!("{}-{}", d.code, k.code),
                    division: d.code,
                    credit_code: demo_credit_code(d.code, report.departments * 13 + i),
                    kind: k.code.to_owned(),
                    names: joined(d, zh_name, k.bo, k.en),
                };
                store::insert_department(&mut tx, &dept).await?;
            }
            report.departments += DEPARTMENT_KINDS.len();
        }
        let mut place = Vec::new();
        let mut cursor = Some(d.code);
        while let Some(div) = find(cursor) {
            place.push(&div.names);
            cursor = div.parent;
        }
        place.reverse();
        let (building, building_bo) = if kind == CentreKind::Centre {
            ("政务服务大厅", "གཞུང་དོན་ཞབས་ཞུའི་ཐང་ཆེན།")
        } else {
            ("办公楼一层", "ལས་ཁང་གི་ཐོག་རིམ་དང་པོ།")
        };
        // The Tibetan address only when every division on the way has its Tibetan name.
        let address_bo = if place.iter().all(|n| !n.bo.is_empty()) {
            let stems: Vec<String> = place.iter().map(|n| bo_stem(&n.bo)).collect();
            format!("{}{building_bo}", stems.concat())
        } else {
            String::new()
        };
        let place_zh: String = place.iter().map(|n| n.zh.as_str()).collect();
        let centre = Centre {
            code: format!(
                "{}-{}",
                d.code,
                if kind == CentreKind::Centre {
                    "zwfw"
                } else {
                    "bmfw"
                }
            ),
            division: d.code,
            kind,
            names: joined(d, zh, bo, en),
            address: Names::new(
                format!("{place_zh}{building}"),
                address_bo,
                format!("Service hall, {}", d.names.get(Lang::En)),
            ),
            hours: HOURS.to_owned(),
            phone: format!("{}-12345", area_code(d.code)),
            windows: windows(kind, d.level),
        };
        store::insert_centre(&mut tx, &centre).await?;
        match kind {
            CentreKind::Centre => report.centres += 1,
            CentreKind::Station => report.stations += 1,
        }
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: "system:demo",
            action: "demo.seed",
            subject: "org",
            payload: serde_json::json!({ "departments": report.departments, "centres": report.centres, "stations": report.stations }),
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
    fn demo_credit_codes_are_valid_organ_codes() {
        let code = demo_credit_code(DivisionCode::parse("540102").expect("code"), 7).expect("code");
        let parsed = kernel::CreditCode::parse(&code).expect("valid");
        assert_eq!((parsed.org_type(), parsed.division()), ("11", "540102"));
    }

    #[test]
    fn tibetan_names_join_without_a_shad_in_the_middle() {
        assert_eq!(bo_stem("ཁྲིན་ཀོན་ཆུས།"), "ཁྲིན་ཀོན་ཆུས་");
        assert_eq!(bo_stem("ཨ་མདོ་རྫོང་།"), "ཨ་མདོ་རྫོང་");
    }

    db::on_each_backend! {
        async fn the_demo_gives_every_county_a_centre_and_runs_once(backend: Backend) {
            let Some(t) = db::testing::fresh(backend).await else { return };
            let report = seed_demo(&t.db).await.expect("seed");
            assert_eq!(report.centres, 1 + 7 + 74, "{}", t.name());
            assert_eq!(
                report.departments,
                82 * DEPARTMENT_KINDS.len(),
                "{}",
                t.name()
            );
            assert!(report.stations >= 11, "{}", t.name());
            assert!(
                seed_demo(&t.db).await.expect("again").skipped,
                "{}",
                t.name()
            );
            let lhasa = store::centre(&t.db, "540100-zwfw")
                .await
                .expect("read")
                .expect("Lhasa centre");
            assert!(
                lhasa
                    .windows
                    .iter()
                    .any(|w| w.category == WindowCategory::Comprehensive)
            );
            assert_eq!(lhasa.names.bo, "ལྷ་ས་གྲོང་ཁྱེར་གཞུང་དོན་ཞབས་ཞུ་ལྟེ་གནས།");
            t.close().await;
        }
    }
}
