//! Demo data for the exchange: one department table resource with its first version, so the
//! demo shows a registered resource, its versions and its upload form beside the platform's
//! own. Never loaded by `serve`.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use kernel::time_util::{format_date, format_instant};
use serde_json::json;

use crate::datasets::{Format, Version};
use crate::model::{
    DataType, ExchangeError, Form, Frequency, Item, Kind, Level, Method, Names, Resource,
    ResourceCode, Sharing,
};

/// The demo table's code.
pub const DEMO_TABLE: &str = "301003/000001";

fn item(key: &str, zh: &str, bo: &str, en: &str, t: DataType, length: u32) -> Item {
    Item {
        key: key.into(),
        names: Names {
            zh: zh.into(),
            bo: bo.into(),
            en: en.into(),
        },
        data_type: t,
        length,
        personal: false,
        sensitive: None,
        level: Level::General,
        sharing: Sharing::Unconditional,
    }
}

/// Chengguan civil affairs' list of elderly-care homes.
fn care_homes() -> Resource {
    Resource {
        code: ResourceCode::known(DEMO_TABLE),
        names: Names {
            zh: "城关区养老机构名录".into(),
            bo: "ཁྲིན་ཀོན་ཆུས་ཀྱི་རྒན་གསོ་ཁང་གི་ཐོ་ཡིག".into(),
            en: "Chengguan elderly-care homes".into(),
        },
        summary: Names {
            zh: "城关区登记的养老机构：许可证号、名称、所在地和床位数，每月更新。".into(),
            bo: "ཁྲིན་ཀོན་ཆུས་སུ་ཐོ་འགོད་བྱས་པའི་རྒན་གསོ་ཁང་། ཆོག་མཆན་ཨང་རྟགས། མིང་། ས་གནས། ཉལ་ཁྲིའི་གྲངས། ཟླ་རེར་གསར་བཅོས་བྱེད།".into(),
            en: "Elderly-care homes registered in Chengguan: licence, name, place and beds, updated monthly.".into(),
        },
        provider: "540102-civil-affairs".into(),
        kind: Kind::Department,
        form: Form::Table,
        items: vec![
            item("licence", "设立许可证号", "ཆོག་མཆན་ཨང་རྟགས།", "Licence", DataType::Code, 20),
            item("name", "机构名称", "མིང་།", "Name", DataType::Text, 60),
            item("division", "所在地", "ས་གནས།", "Place", DataType::Code, 12),
            item("beds", "床位数", "ཉལ་ཁྲིའི་གྲངས།", "Beds", DataType::Number, 0),
        ],
        sharing: Sharing::Unconditional,
        sharing_terms: Names::default(),
        opening: Sharing::Unconditional,
        method: Method::Interface,
        frequency: Frequency::Monthly,
        updated_on: String::new(),
        service_items: Vec::new(),
        origin: "department".into(),
        endpoint: String::new(),
        openapi: String::new(),
        key_item: "licence".into(),
    }
}

const CARE_HOMES: &str = "licence,name,division,beds\n\
YL540102001,城关区社会福利院,540102,180\n\
YL540102002,吉崩岗街道日间照料中心,540102,40\n\
YL540102003,纳金乡敬老院,540102,60\n";

/// Registers the demo table and uploads its first version, once (`Ok(0)` when it is there).
pub async fn seed_demo(db: &Db) -> Result<usize, ExchangeError> {
    if crate::store::one(db, DEMO_TABLE).await?.is_some() {
        return Ok(0);
    }
    let mut r = care_homes();
    let records =
        crate::datasets::read(&r, Format::Csv, CARE_HOMES).map_err(ExchangeError::Invalid)?;
    r.updated_on = format_date(db.clock().today());
    let at = format_instant(db.clock().now());
    let actor = "system:demo";
    let mut tx = db.begin().await?;
    crate::store::put(&mut tx, &r, actor, &at).await?;
    let version = Version {
        code: DEMO_TABLE.into(),
        version: 1,
        format: Format::Csv,
        records: i64::try_from(records.len()).unwrap_or(i64::MAX),
        bytes: i64::try_from(CARE_HOMES.len()).unwrap_or(i64::MAX),
        digest: kernel::crypto::sm3_hex(CARE_HOMES.as_bytes()),
        note: "演示数据".into(),
        uploaded_by: actor.into(),
        uploaded_at: at,
    };
    crate::datasets::store::put(&mut tx, &version, &records).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: "exchange.dataset.uploaded",
            subject: &format!("resource:{DEMO_TABLE}"),
            payload: json!({ "version": 1, "records": records.len(), "digest": version.digest, "format": "csv" }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(records.len())
}
