//! Demo people and officials: a small population registry (so that registration can reach
//! real-name level L2), one citizen and officials with roles at different levels — among them
//! approvers in Lhasa and in Shigatse, to show that one cannot act in the other's division.
//! The numbers are generated (valid check characters); the people are made up.

use db::Db;
use db::audit::{self, NewEvent};
use kernel::{DivisionCode, PersonId};

use crate::IdentityError;
use crate::model::{AccountKind, Assurance, Grant, Role};
use crate::password;
use crate::store::{self, NewAccount};

/// Made-up residents: division, birth date, sequence, Chinese and Tibetan names.
const PEOPLE: &[(&str, &str, &str, &str, &str)] = &[
    ("540102", "19900101", "123", "扎西顿珠", "བཀྲ་ཤིས་དོན་གྲུབ།"),
    ("540602", "19850315", "024", "卓玛", "སྒྲོལ་མ།"),
    ("540602", "19720620", "031", "次仁", "ཚེ་རིང་།"),
    ("540202", "19951108", "042", "格桑", "སྐལ་བཟང་།"),
    ("542523", "20010203", "056", "央金", "དབྱངས་ཅན།"),
    ("540102", "19880712", "061", "达瓦", "ཟླ་བ།"),
    ("540502", "19790930", "077", "白玛", "པདྨ།"),
    ("540302", "19930417", "088", "旺堆", "དབང་འདུས།"),
    ("540624", "19780412", "052", "索朗", "བསོད་ནམས།"),
];

/// A generated identity number with its check character.
pub fn demo_person_id(division: &str, birth: &str, sequence: &str) -> Option<PersonId> {
    let body = format!("{division}{birth}{sequence}");
    let bytes: [u8; 17] = body.as_bytes().try_into().ok()?;
    let check = kernel::person_id::check_character(&bytes) as char;
    PersonId::parse(&format!("{body}{check}")).ok()
}

/// Made-up enterprises in the legal-entity registry and the index of their legal
/// representative in [`PEOPLE`].
const ENTITIES: &[(&str, usize)] = &[
    ("拉萨净土青稞食品有限公司", 0),
    ("那曲牦牛乳业农民专业合作社", 1),
    ("日喀则格桑唐卡工作室", 3),
];

/// The made-up residents: identity number, division, Chinese and Tibetan names.
pub fn demo_people() -> Vec<(PersonId, &'static str, &'static str, &'static str)> {
    PEOPLE
        .iter()
        .filter_map(|(d, b, s, zh, bo)| demo_person_id(d, b, s).map(|id| (id, *d, *zh, *bo)))
        .collect()
}

/// The made-up enterprises: credit code, name, and their legal representative's identity
/// number.
pub fn demo_entities() -> Vec<(String, &'static str, PersonId)> {
    ENTITIES
        .iter()
        .enumerate()
        .filter_map(|(n, (name, rep))| {
            let rep = PEOPLE
                .get(*rep)
                .and_then(|(d, b, s, ..)| demo_person_id(d, b, s))?;
            Some((demo_credit_code(n)?, *name, rep))
        })
        .collect()
}

/// The demo herder (索朗, of Amdo county in Nagqu, who reads Tibetan) and the mobile number
/// his account has.
pub fn demo_herder() -> Option<(PersonId, &'static str)> {
    PEOPLE
        .last()
        .and_then(|(d, b, s, ..)| demo_person_id(d, b, s))
        .map(|id| (id, DEMO_HERDER_MOBILE))
}

const DEMO_HERDER_MOBILE: &str = "13908900002";

/// The demo citizen (扎西顿珠) and the mobile number their account has.
pub fn demo_citizen() -> Option<(PersonId, &'static str)> {
    PEOPLE
        .first()
        .and_then(|(d, b, s, ..)| demo_person_id(d, b, s))
        .map(|id| (id, DEMO_CITIZEN_MOBILE))
}

const DEMO_CITIZEN_MOBILE: &str = "13908900001";

/// The demo's villager: 达瓦 of Najin Township (纳金乡), Chengguan, who has no account and
/// whom the township's service station applies for (帮办代办); their household and the
/// township's division code.
pub fn demo_villager() -> Option<(PersonId, &'static str)> {
    PEOPLE
        .get(5)
        .and_then(|(d, b, s, ..)| demo_person_id(d, b, s))
        .map(|id| (id, DEMO_VILLAGE))
}

/// The township the demo villager lives in, and its station's clerk.
const DEMO_VILLAGE: &str = "540102200000";

/// A valid enterprise credit code (91… registered in Lhasa) for the `n`th demo entity.
pub fn demo_credit_code(n: usize) -> Option<String> {
    let org = format!("MA{:06}", 610_000 + n);
    let org_check = kernel::credit_code::org_check_character(org.as_bytes())? as char;
    let body = format!("91540100{org}{org_check}");
    let check = kernel::credit_code::check_character(body.as_bytes())? as char;
    kernel::CreditCode::parse(&format!("{body}{check}"))
        .ok()
        .map(|c| c.to_string())
}

/// The demo sign-ins, for the demo banner.
#[derive(Debug, Clone)]
pub struct DemoSignIn {
    pub account: String,
    pub who: &'static str,
}

const OFFICIALS: &[(&str, &str, &str, Role, &str, &str)] = &[
    (
        "clerk.chengguan",
        "拉姆",
        "ལྷ་མོ།",
        Role::WindowClerk,
        "540102",
        "540102-civil-affairs",
    ),
    (
        "approver.lhasa",
        "尼玛",
        "ཉི་མ།",
        Role::Approver,
        "540100",
        "540100-market-regulation",
    ),
    (
        "approver.chengguan",
        "次仁",
        "ཚེ་རིང་།",
        Role::Approver,
        "540102",
        "540102-civil-affairs",
    ),
    (
        "approver.health",
        "央金",
        "དབྱངས་ཅན།",
        Role::Approver,
        "540100",
        "540100-health",
    ),
    (
        "approver.security",
        "旺堆",
        "དབང་འདུས།",
        Role::Approver,
        "540102",
        "540102-public-security",
    ),
    (
        "supervisor.lhasa",
        "边巴",
        "སྤེན་པ།",
        Role::Supervisor,
        "540100",
        "540100-development-reform",
    ),
    (
        "approver.shigatse",
        "普布",
        "ཕུར་བུ།",
        Role::Approver,
        "540200",
        "540200-market-regulation",
    ),
    (
        "steward.region",
        "洛桑",
        "བློ་བཟང་།",
        Role::DataSteward,
        "540000",
        "540000-development-reform",
    ),
    (
        "steward.security",
        "达瓦",
        "ཟླ་བ།",
        Role::DataSteward,
        "540000",
        "540000-public-security",
    ),
    (
        "station.najin",
        "次旦",
        "ཚེ་བརྟན།",
        Role::WindowClerk,
        DEMO_VILLAGE,
        "540102-civil-affairs",
    ),
    (
        "agent.12345",
        "卓玛",
        "སྒྲོལ་མ།",
        Role::HotlineAgent,
        "540100",
        "540100-development-reform",
    ),
    (
        "manager.12345",
        "米玛",
        "མིག་དམར།",
        Role::HotlineManager,
        "540100",
        "540100-development-reform",
    ),
    (
        "admin.region",
        "格桑",
        "སྐལ་བཟང་།",
        Role::Administrator,
        "540000",
        "540000-development-reform",
    ),
];

/// Seeds the registry and the demo accounts unless accounts exist; every demo account gets
/// `password`.
pub async fn seed_demo(db: &Db, password: &str) -> Result<Vec<DemoSignIn>, IdentityError> {
    let mut out = Vec::new();
    let citizen = PEOPLE
        .first()
        .and_then(|(d, b, s, ..)| demo_person_id(d, b, s));
    if let Some(c) = &citizen {
        out.push(DemoSignIn {
            account: c.to_string(),
            who: "citizen 扎西顿珠 (L2)",
        });
    }
    let herder = demo_herder();
    if let Some((h, _)) = &herder {
        out.push(DemoSignIn {
            account: h.to_string(),
            who: "herder 索朗 of Amdo, Nagqu, reads Tibetan (L2)",
        });
    }
    for (login, ..) in OFFICIALS {
        out.push(DemoSignIn {
            account: (*login).to_owned(),
            who: "official",
        });
    }
    let existing: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(db.pool())
        .await
        .map_err(db::DbError::from)?;
    if existing > 0 {
        return Ok(out);
    }
    let hash = password::hash_blocking(password.to_owned())
        .await
        .map_err(IdentityError::Hashing)?;
    let mut tx = db.begin().await?;
    for (division, birth, seq, zh, bo) in PEOPLE {
        if let Some(id) = demo_person_id(division, birth, seq) {
            store::insert_population(&mut tx, &id, zh, bo).await?;
        }
    }
    for (n, (name, rep)) in ENTITIES.iter().enumerate() {
        let rep = PEOPLE
            .get(*rep)
            .and_then(|(d, b, s, ..)| demo_person_id(d, b, s));
        if let (Some(code), Some(rep)) = (demo_credit_code(n), rep) {
            store::insert_registry_entity(&mut tx, &code, name, &rep).await?;
        }
    }
    if let Some(id) = citizen {
        let account = NewAccount {
            kind: AccountKind::Person,
            person_id: Some(id),
            login: None,
            mobile: Some(DEMO_CITIZEN_MOBILE.to_owned()),
            name_zh: "扎西顿珠".to_owned(),
            name_bo: "བཀྲ་ཤིས་དོན་གྲུབ།".to_owned(),
            password_hash: hash.clone(),
            assurance: Assurance::L2,
            assurance_note: "population registry".to_owned(),
            department: None,
        };
        store::insert_account(&mut tx, &account).await?;
    }
    if let Some((id, mobile)) = herder {
        let account = NewAccount {
            kind: AccountKind::Person,
            person_id: Some(id),
            login: None,
            mobile: Some(mobile.to_owned()),
            name_zh: "索朗".to_owned(),
            name_bo: "བསོད་ནམས།".to_owned(),
            password_hash: hash.clone(),
            assurance: Assurance::L2,
            assurance_note: "population registry".to_owned(),
            department: None,
        };
        store::insert_account(&mut tx, &account).await?;
    }
    for (login, zh, bo, role, division, department) in OFFICIALS {
        let account = NewAccount {
            kind: AccountKind::Official,
            person_id: None,
            login: Some((*login).to_owned()),
            mobile: None,
            name_zh: (*zh).to_owned(),
            name_bo: (*bo).to_owned(),
            password_hash: hash.clone(),
            assurance: Assurance::L3,
            assurance_note: "demo".to_owned(),
            department: Some((*department).to_owned()),
        };
        let id = store::insert_account(&mut tx, &account).await?;
        let division = DivisionCode::parse(division).map_err(|_| IdentityError::Forbidden)?;
        store::insert_grant(
            &mut tx,
            id,
            Grant {
                role: *role,
                division,
            },
        )
        .await?;
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: "system:demo",
            action: "demo.seed",
            subject: "accounts",
            payload: serde_json::json!({ "people": PEOPLE.len(), "officials": OFFICIALS.len() }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(out)
}
