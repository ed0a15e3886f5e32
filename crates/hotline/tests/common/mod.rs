//! Helpers shared by the hotline's stories: the demo's officials and citizen as principals, a
//! seeded database on a Wednesday morning in Lhasa, a call as an agent takes it.
#![allow(dead_code)]

use db::Db;
use identity::Principal;
use identity::model::{Account, Assurance, Session};
use identity::store::Identifier;
use time::OffsetDateTime;
use time::macros::datetime;
use yiwang_hotline::HotlineError;
use yiwang_hotline::service::intake::NewTicket;

pub async fn login(db: &Db, who: Identifier) -> Principal {
    let account: Account = identity::store::find_for_sign_in(db, &who)
        .await
        .expect("read")
        .expect("a demo account")
        .0;
    let now = OffsetDateTime::now_utc();
    Principal::account(Session {
        token_hash: String::new(),
        account,
        acting_for: None,
        acr: Assurance::L2,
        created_at: now,
        last_seen_at: now,
    })
}

pub async fn official(db: &Db, name: &str) -> Principal {
    login(db, Identifier::Login(name.to_owned())).await
}

pub async fn citizen(db: &Db) -> Principal {
    let (id, _) = identity::seed::demo_citizen().expect("the demo citizen");
    login(db, Identifier::PersonId(id)).await
}

/// A fresh database with the demo's offices, people and dispatch catalogue, on a Wednesday
/// morning in Lhasa.
pub async fn seeded(backend: db::Backend) -> Option<db::testing::TestDb> {
    let t = db::testing::fresh(backend).await?;
    // The clock first: the demo's articles hold from the day they are seeded.
    t.db.clock().set_now(datetime!(2026-06-10 10:00 +8));
    org::seed::seed_demo(&t.db).await.expect("org");
    identity::seed::seed_demo(&t.db, "demo-password-1")
        .await
        .expect("identity");
    assert!(yiwang_hotline::seed::seed_demo(&t.db).await.expect("seed"));
    assert!(!yiwang_hotline::seed::seed_demo(&t.db).await.expect("again"));
    Some(t)
}

pub fn call(kind: &str, category: &str, description: &str) -> NewTicket {
    NewTicket {
        kind: kind.into(),
        category: category.into(),
        division: "540102".into(),
        address: "城关区北京中路 1 号".into(),
        description: description.into(),
        channel: "phone".into(),
        lang: "zh".into(),
        caller_name: "张先生".into(),
        caller_phone: "13800000001".into(),
        ..NewTicket::default()
    }
}

pub fn key(e: &HotlineError) -> String {
    kernel::Localize::message(e).key.to_string()
}

pub async fn count(db: &Db, sql: &str) -> i64 {
    db::sqlx::query_scalar(sql)
        .fetch_one(db.pool())
        .await
        .expect("count")
}
