//! The lifecycle under random use, on every backend: whatever officials and applicants try
//! in whatever order, a case is only ever in a state the machine allows, a refused action
//! changes nothing, and every change has exactly one timeline entry and one audit event.

use std::collections::BTreeMap;

use db::Db;
use identity::Principal;
use identity::model::{Account, AccountKind, Assurance, Grant, Role, Session};
use kernel::DivisionCode;
use yiwang_cases::form::{Applicant, Need};
use yiwang_cases::model::{Actor, CaseError, Channel, Upload};
use yiwang_cases::service::{self, Application, Missing};
use yiwang_cases::state::{Action, State};
use yiwang_cases::workflow::{self, ByHand};

const PDF: &[u8] = b"%PDF-1.4\n%%EOF\n";

/// A small deterministic generator (xorshift), so a failing sequence can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

async fn application(db: &Db) -> Application {
    org::seed::seed_demo(db).await.expect("org");
    catalog::seed::seed_demo(db).await.expect("catalogue");
    let code: String = db::sqlx::query_scalar(
        "SELECT code FROM catalog_items WHERE basic_code = '000105003000' AND department_code = '540102-market-regulation'",
    )
    .fetch_one(db.pool())
    .await
    .expect("the food business licence");
    let (item, version) = catalog::store::latest_published(db, &code)
        .await
        .expect("item")
        .expect("published");
    let (person, _) = identity::seed::demo_citizen().expect("person");
    let materials = yiwang_cases::form::materials(&item, |_| false, &Default::default());
    let uploads = materials
        .iter()
        .filter(|m| m.need == Need::Submit)
        .map(|m| Upload {
            index: m.index,
            file_name: "m.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: PDF.to_vec(),
        })
        .collect();
    let values: BTreeMap<String, String> = [
        ("applicant_name", "卓玛"),
        ("mobile", "13908900001"),
        ("division", "540102"),
        ("address", "拉萨市城关区北京东路 8 号"),
        ("details", "开办藏餐馆"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Application {
        item,
        item_version: version,
        applicant: Applicant::Person {
            account: 7,
            person,
            name: "卓玛".into(),
        },
        channel: Channel::Online,
        values,
        materials,
        applies: Default::default(),
        uploads,
        idempotency_key: None,
        consent: None,
    }
}

async fn state_of(db: &Db, id: i64) -> State {
    let s: String = db::sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .expect("state");
    State::parse(&s).expect("a known state")
}

async fn counts(db: &Db, id: i64) -> (i64, i64) {
    let moves: i64 = db::sqlx::query_scalar(
        "SELECT COUNT(*) FROM case_events WHERE case_id = $1 AND from_state <> to_state",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await
    .expect("events");
    let audited: i64 = db::sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE subject = $1 AND action IN ('case.submit', 'case.notice', 'case.supplement', 'case.accept', 'case.refuse-to-accept', 'case.pause', 'case.resume', 'case.approve', 'case.refuse', 'case.paid', 'case.dispatch', 'case.deliver', 'case.withdraw')",
    )
    .bind(format!("case:{id}"))
    .fetch_one(db.pool())
    .await
    .expect("audit");
    (moves, audited)
}

/// A signed-in account as a service sees it (no sign-in needed: the services check what the
/// session says).
fn signed_in(id: i64, kind: AccountKind, name: &str, grants: Vec<Grant>) -> Principal {
    let now = time::OffsetDateTime::now_utc();
    Principal::account(Session {
        token_hash: String::new(),
        account: Account {
            id,
            kind,
            person_id: None,
            login: None,
            mobile: None,
            name_zh: name.into(),
            name_bo: String::new(),
            assurance: Assurance::L2,
            department: None,
            grants,
        },
        acting_for: None,
        acr: Assurance::L2,
        created_at: now,
        last_seen_at: now,
    })
}

fn clerk_of(division: &str) -> Principal {
    let division = DivisionCode::parse(division).expect("division");
    signed_in(
        2,
        AccountKind::Official,
        "拉姆",
        vec![Grant {
            role: Role::WindowClerk,
            division,
        }],
    )
}

db::on_each_backend! {
    async fn random_use_never_reaches_an_illegal_state_or_loses_an_event(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        let db = &t.db;
        let app = application(db).await;
        let window = clerk_of("540102");
        let me = signed_in(7, AccountKind::Person, "卓玛", Vec::new());
        let applicant = Actor {
            id: "person:7".into(),
            name: "卓玛".into(),
        };
        let mut visited = std::collections::BTreeSet::new();
        for seed in 1..=16u64 {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
            let id = service::submit(db, &app, &applicant)
                .await
                .expect("submitted")
                .id;
            for _step in 0..40 {
                let before = state_of(db, id).await;
                // Weighted so that sequences go deep: ending a case early is rare.
                let choice = match rng.next(40) {
                    0 => 4,
                    1 => 3,
                    2..=4 => 0,
                    5..=7 => 1,
                    8..=11 => 2,
                    12..=13 => 5,
                    14..=16 => 6,
                    17..=25 => 7,
                    26..=28 => 9,
                    29..=31 => 10,
                    32..=34 => 11,
                    _ => 12,
                };
                // What the machine says this try should do, if it is a transition.
                let (action, result): (Option<Action>, Result<(), String>) = match choice {
                    0 => (
                        Some(Action::Notice),
                        service::notice(
                            db,
                            &window,
                            id,
                            None,
                            &[Missing {
                                what: "materials.0".into(),
                                reason: "不清晰".into(),
                            }],
                        )
                        .await
                        .map_err(|e| e.to_string()),
                    ),
                    1 => (
                        Some(Action::Supplement),
                        service::supplement(
                            db,
                            &me,
                            id,
                            &BTreeMap::new(),
                            &[Upload {
                                index: 0,
                                file_name: "s.pdf".into(),
                                content_type: String::new(),
                                bytes: PDF.to_vec(),
                            }],
                        )
                        .await
                        .map_err(|e| e.to_string()),
                    ),
                    2 => (
                        Some(Action::Accept),
                        service::accept(db, &window, id, None)
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string()),
                    ),
                    3 => (
                        Some(Action::RefuseToAccept),
                        service::refuse_to_accept(db, &window, id, None, "other", "材料不全")
                            .await
                            .map_err(|e| e.to_string()),
                    ),
                    4 => (
                        Some(Action::Withdraw),
                        service::withdraw(db, &me, id, "")
                            .await
                            .map_err(|e| e.to_string()),
                    ),
                    5 => (
                        Some(Action::Pause),
                        workflow::pause(db, &window, id, None, "专家评审")
                            .await
                            .map_err(|e| e.to_string()),
                    ),
                    6 => (
                        Some(Action::Resume),
                        workflow::resume(db, &window, id, None)
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string()),
                    ),
                    7 => {
                        // Decide one open task, approving mostly.
                        let open: Option<i64> = db::sqlx::query_scalar(
                            "SELECT id FROM case_tasks WHERE case_id = $1 AND state = 'open' ORDER BY id LIMIT 1",
                        )
                        .bind(id)
                        .fetch_optional(db.pool())
                        .await
                        .expect("tasks");
                        let approve = rng.next(8) > 0;
                        match open {
                            Some(task) => (
                                None,
                                workflow::decide(
                                    db,
                                    &Principal::Operator("system:test"),
                                    task,
                                    None,
                                    approve,
                                    "审查意见",
                                )
                                .await
                                .map(|_| ())
                                .map_err(|e| e.to_string()),
                            ),
                            None => (None, Err("no open task".into())),
                        }
                    }
                    9 => (
                        Some(Action::Paid),
                        workflow::mark_paid(db, &window, id, None)
                            .await
                            .map_err(|e| e.to_string()),
                    ),
                    10 => {
                        let r = if rng.next(2) == 0 {
                            workflow::choose_pickup(db, &me, id)
                                .await
                                .map(|_| ())
                        } else {
                            workflow::choose_express(db, &me, id, "拉萨市城关区北京东路 8 号")
                            .await
                        };
                        (None, r.map_err(|e| e.to_string()))
                    }
                    11 => (
                        Some(Action::Dispatch),
                        workflow::dispatch(db, &window, id, &ByHand)
                            .await
                            .map_err(|e| e.to_string()),
                    ),
                    _ => {
                        let code: String =
                            db::sqlx::query_scalar("SELECT pickup_code FROM cases WHERE id = $1")
                                .bind(id)
                                .fetch_one(db.pool())
                                .await
                                .expect("code");
                        let r = if code.is_empty() {
                            workflow::advance(db, &window, id, &ByHand).await.map(|_| ())
                        } else {
                            workflow::hand_out(db, &window, id, &code).await
                        };
                        (None, r.map_err(|e| e.to_string()))
                    }
                };
                let after = state_of(db, id).await;
                visited.insert(after.key());
                match (action, &result) {
                    // A refused try changes nothing.
                    (_, Err(_)) => {
                        assert_eq!(after, before, "{} seed {seed}: {result:?}", t.name())
                    }
                    // A transition lands where the machine says.
                    (Some(a), Ok(())) => {
                        let expected = before
                            .after(a)
                            .expect("the service allowed what the machine forbids");
                        assert_eq!(
                            after,
                            expected,
                            "{} seed {seed}: {a:?} from {before:?}",
                            t.name()
                        );
                    }
                    // Decisions and deliveries move along legal edges only.
                    (None, Ok(())) => assert!(
                        after == before
                            || [
                                Action::Approve { fee_due: true },
                                Action::Approve { fee_due: false },
                                Action::Refuse,
                                Action::Deliver,
                            ]
                            .iter()
                            .any(|a| before.after(*a) == Some(after)),
                        "{} seed {seed}: {before:?} → {after:?}",
                        t.name()
                    ),
                }
                let (moves, audited) = counts(db, id).await;
                assert_eq!(
                    moves,
                    audited,
                    "{} seed {seed}: every move audited once",
                    t.name()
                );
            }
        }
        // The sequences went deep enough to mean something.
        for s in ["supplementing", "in-review", "paused", "approved", "closed"] {
            assert!(
                visited.contains(s),
                "{}: never reached {s}: {visited:?}",
                t.name()
            );
        }
        t.close().await;
    }
}

db::on_each_backend! {
    /// A saved draft becomes the case when it is submitted: one row, numbered and submitted.
    async fn a_draft_becomes_the_case(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        let db = &t.db;
        let app = application(db).await;
        let applicant = Actor {
            id: "person:7".into(),
            name: "卓玛".into(),
        };
        let draft = service::save_draft(db, &app, &applicant)
            .await
            .expect("draft");
        assert_eq!(state_of(db, draft).await, State::Draft, "{}", t.name());
        let done = service::submit(db, &app, &applicant)
            .await
            .expect("submitted");
        assert_eq!(done.id, draft, "{}: the draft is the case", t.name());
        assert!(done.created && !done.number.is_empty());
        assert_eq!(state_of(db, draft).await, State::Submitted);
        let n: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM cases")
            .fetch_one(db.pool())
            .await
            .expect("count");
        assert_eq!(n, 1);
        assert_eq!(counts(db, draft).await, (1, 1), "one move, audited once");
        t.close().await;
    }
}

db::on_each_backend! {
    /// The automatic pre-review: an immediate item whose every material the platform reads
    /// itself is accepted as it is submitted, by the system, on the timeline and in the audit;
    /// the same item with a material to check waits for a clerk.
    async fn an_immediate_item_with_nothing_to_check_accepts_itself(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        let db = &t.db;
        let mut app = application(db).await;
        app.item.case_type = catalog::model::CaseType::Immediate;
        let applicant = Actor {
            id: "person:7".into(),
            name: "卓玛".into(),
        };
        // A material to upload: a clerk must look.
        assert!(!service::reviews_itself(&app));
        let waiting = service::submit(db, &app, &applicant)
            .await
            .expect("submitted");
        assert_eq!(state_of(db, waiting.id).await, State::Submitted);
        // Every material read by the platform: nothing to check.
        for m in &mut app.materials {
            m.need = Need::Waived {
                by: "registry:population.household".into(),
            };
        }
        app.uploads.clear();
        app.values.insert("details".into(), "第二件".into());
        assert!(service::reviews_itself(&app));
        let done = service::submit(db, &app, &applicant)
            .await
            .expect("submitted");
        assert_eq!(state_of(db, done.id).await, State::InReview);
        let by: String = db::sqlx::query_scalar(
            "SELECT actor FROM audit_events WHERE action = 'case.accept' AND subject = $1",
        )
        .bind(format!("case:{}", done.id))
        .fetch_one(db.pool())
        .await
        .expect("the acceptance is audited");
        assert_eq!(by, "system:prereview");
    }
}

db::on_each_backend! {
    /// Whatever adapter calls them, the window's services refuse anyone but a window clerk over
    /// the case's division, and withdrawal anyone but the applicant; nothing changes.
    async fn the_services_refuse_the_wrong_principal_whoever_calls_them(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        let db = &t.db;
        let app = application(db).await;
        let applicant = Actor {
            id: "person:7".into(),
            name: "卓玛".into(),
        };
        let id = service::submit(db, &app, &applicant)
            .await
            .expect("submitted")
            .id;
        let elsewhere = clerk_of("540300");
        let approver = signed_in(
            3,
            AccountKind::Official,
            "次仁",
            vec![Grant {
                role: Role::Approver,
                division: DivisionCode::parse("540102").expect("d"),
            }],
        );
        let stranger = signed_in(8, AccountKind::Person, "扎西", Vec::new());
        let other_system = Principal::System {
            client_id: "s".into(),
            department: "540102-civil-affairs".into(),
            department_name: "城关区民政局".into(),
        };
        for who in [&elsewhere, &approver, &stranger] {
            let r = service::accept(db, who, id, None).await;
            assert!(
                matches!(r, Err(CaseError::Forbidden(_))),
                "{}: {r:?}",
                who.id()
            );
            let r = service::refuse_to_accept(db, who, id, None, "other", "材料不全").await;
            assert!(
                matches!(r, Err(CaseError::Forbidden(_))),
                "{}: {r:?}",
                who.id()
            );
        }
        // A system of another department is told the case does not exist.
        let r = service::accept(db, &other_system, id, None).await;
        assert!(matches!(r, Err(CaseError::NotFound)), "{r:?}");
        for who in [&clerk_of("540102"), &stranger] {
            let r = service::withdraw(db, who, id, "").await;
            assert!(
                matches!(r, Err(CaseError::Forbidden(_))),
                "{}: {r:?}",
                who.id()
            );
        }
        assert_eq!(state_of(db, id).await, State::Submitted, "nothing changed");
        let refused: i64 = db::sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'authz.refused'",
        )
        .fetch_one(db.pool())
        .await
        .expect("audit");
        assert!(
            refused >= 4,
            "each official's refusal is audited: {refused}"
        );
        // The right ones may.
        service::accept(db, &clerk_of("540100"), id, None)
            .await
            .expect("a clerk over the city accepts");
        t.close().await;
    }
}
