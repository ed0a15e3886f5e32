//! A day in the Chengguan district hall, on every backend: the manager sets it up, people
//! book and check in, clerks call, recall, skip, transfer and finish, and every refusal the
//! issue names (outside hours, a holiday, an item not served, full, a second booking, a code
//! of another centre or expired, two windows calling one ticket, a transfer to a closed
//! window) changes nothing.

use db::Db;
use identity::Principal;
use identity::model::{Account, Assurance, Session};
use identity::store::Identifier;
use time::OffsetDateTime;
use time::macros::datetime;
use ui::error::HttpError;
use yiwang_halls::HallError;
use yiwang_halls::model::{BookingState, TicketState};
use yiwang_halls::service::{board, booking, calling, setup, stats, tickets};

const HALL: &str = "540102-zwfw";

async fn account(db: &Db, who: Identifier) -> Account {
    identity::store::find_for_sign_in(db, &who)
        .await
        .expect("read")
        .expect("a demo account")
        .0
}

fn principal(account: Account) -> Principal {
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

async fn login(db: &Db, name: &str) -> Principal {
    principal(account(db, Identifier::Login(name.to_owned())).await)
}

async fn person(db: &Db, who: Option<(kernel::PersonId, &str)>) -> Principal {
    let (id, _) = who.expect("demo person");
    principal(account(db, Identifier::PersonId(id)).await)
}

/// The Chengguan food business licence (a county item handled in the centre).
async fn food_licence(db: &Db) -> String {
    db::sqlx::query_scalar(
        "SELECT code FROM catalog_items WHERE basic_code = '000105003000' AND department_code = '540102-market-regulation'",
    )
    .fetch_one(db.pool())
    .await
    .expect("the food business licence")
}

/// A fresh database with the demo's offices, catalogue and people.
async fn seeded(backend: db::Backend) -> Option<db::testing::TestDb> {
    let t = db::testing::fresh(backend).await?;
    org::seed::seed_demo(&t.db).await.expect("org");
    catalog::seed::seed_demo(&t.db).await.expect("catalogue");
    identity::seed::seed_demo(&t.db, "demo-password-1")
        .await
        .expect("identity");
    Some(t)
}

fn refused(e: &HallError, code: &str) {
    assert_eq!(e.code(), code, "{e:?}");
}

fn key(e: &HallError) -> String {
    kernel::Localize::message(e).key.to_string()
}

fn at(db: &Db, instant: OffsetDateTime) {
    db.clock().set_now(instant);
}

async fn count(db: &Db, table: &str) -> i64 {
    db::sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(db.pool())
        .await
        .expect("count")
}

db::on_each_backend! {
    async fn a_day_in_the_hall(backend: Backend) {
        let Some(t) = seeded(backend).await else {
            return;
        };
        let db = &t.db;
        let item = food_licence(db).await;
        let manager = login(db, "admin.region").await;
        let clerk = login(db, "clerk.chengguan").await;
        let citizen = person(db, identity::seed::demo_citizen()).await;
        let herder = person(db, identity::seed::demo_herder()).await;

        // Wednesday 10 June 2026, 10:00 in Lhasa.
        at(db, datetime!(2026-06-10 10:00 +8));

        // Set-up: only the manager; a clerk's attempt changes nothing.
        let mut form = setup::SettingsForm::of(&yiwang_halls::service::hall(db, HALL).await.expect("hall").settings);
        form.hours = "summer 05-01: mon-fri 09:30-13:00,15:30-18:00; sat 10:00-12:00\nwinter 10-01: mon-fri 10:00-13:00,15:30-18:00".into();
        let e = setup::save_settings(db, &clerk, HALL, &form).await.expect_err("a clerk is no manager");
        refused(&e, "forbidden");
        setup::save_settings(db, &manager, HALL, &form).await.expect("the manager sets hours");
        form.slot_minutes = "7".into();
        let e = setup::save_settings(db, &manager, HALL, &form).await.expect_err("slots of 7 minutes");
        refused(&e, "invalid");
        setup::save_category(db, &manager, HALL, "comprehensive", "1", "").await.expect("one place per slot");
        let hall = yiwang_halls::service::hall(db, HALL).await.expect("hall");
        assert_eq!(hall.settings.slot_minutes, 30);
        assert_eq!(hall.settings.hours.seasons.len(), 2);
        assert_eq!(hall.setup(org::model::WindowCategory::Comprehensive).map(|c| c.capacity), Some(1));

        // Booking: the offer starts on the next working day.
        let offer = booking::offer(db, HALL, &item).await.expect("offer");
        assert_eq!(offer.days.first().map(|d| d.0), Some(time::macros::date!(2026-06-11)));
        // Five working days and the Saturday among them, when the hall opens on Saturdays.
        assert_eq!(offer.days.len(), 6);
        let ask = |day: &str, slot: &str| booking::BookForm { item: item.clone(), day: day.into(), slot: slot.into(), case_id: None };
        let booked = booking::book(db, &citizen, HALL, &ask("2026-06-11", "09:30")).await.expect("booked");
        assert_eq!(booked.state, BookingState::Booked);
        assert_eq!(booked.code.len(), 8);
        let before = count(db, "hall_appointments").await;
        for (day, slot, why) in [
            ("2026-06-11", "11:00", "hall-book-twice"),
            ("2026-06-14", "10:00", "hall-book-closed-day"),
            ("2026-06-20", "09:30", "hall-book-too-far"),
            ("2026-06-10", "15:30", "hall-book-too-soon"),
            ("2026-06-12", "14:00", "hall-slot-outside-hours"),
        ] {
            let e = booking::book(db, &citizen, HALL, &ask(day, slot)).await.expect_err(why);
            assert_eq!(key(&e), why, "{day} {slot}");
        }
        let e = booking::book(db, &herder, HALL, &ask("2026-06-11", "09:30")).await.expect_err("full");
        assert_eq!(key(&e), "hall-slot-full");
        let e = booking::book(db, &citizen, "540602-zwfw", &ask("2026-06-11", "09:30")).await.expect_err("Nagqu does not serve a Chengguan item");
        assert_eq!(key(&e), "hall-item-not-served");
        let e = booking::book(db, &clerk, HALL, &ask("2026-06-11", "10:00")).await.expect_err("officials do not book");
        assert_eq!(key(&e), "hall-book-sign-in");
        assert_eq!(count(db, "hall_appointments").await, before, "refusals add nothing");
        let second = booking::book(db, &herder, HALL, &ask("2026-06-11", "10:00")).await.expect("another slot");

        // Tickets: the hall is closed at night.
        at(db, datetime!(2026-06-10 21:00 +8));
        let walk = tickets::WalkIn { item: Some(item.clone()), ..Default::default() };
        let e = tickets::walk_in(db, None, HALL, &walk).await.expect_err("closed");
        assert_eq!(key(&e), "hall-closed-now");
        // A code too early is refused; on the day it checks in.
        at(db, datetime!(2026-06-10 11:00 +8));
        let e = tickets::check_in(db, None, HALL, &booked.code).await.expect_err("tomorrow's");
        assert_eq!(key(&e), "hall-code-not-today");
        at(db, datetime!(2026-06-11 09:31 +8));
        let first = tickets::walk_in(db, None, HALL, &walk).await.expect("walk-in");
        assert_eq!(first.ticket.number, "A001");
        let e = tickets::check_in(db, None, "540100-zwfw", &booked.code).await.expect_err("another centre");
        assert_eq!(key(&e), "hall-code-other-centre");
        let e = tickets::walk_in(db, None, HALL, &tickets::WalkIn { priority: Some("military".into()), ..walk.clone() }).await.expect_err("priority at the desk");
        assert_eq!(key(&e), "hall-priority-at-desk");
        let mine = tickets::check_in(db, None, HALL, &booked.code.to_lowercase()).await.expect("check in");
        assert_eq!(mine.ticket.number, "A002");
        let e = tickets::check_in(db, None, HALL, &booked.code).await.expect_err("twice");
        assert_eq!(key(&e), "hall-code-used");
        assert!(!mine.ticket.masked_name.is_empty() && mine.ticket.masked_name.contains('*'));

        // Calling: the window must be open; the appointment inside its slot goes first.
        let e = calling::call_next(db, &clerk, HALL, "01").await.expect_err("not open");
        assert_eq!(key(&e), "hall-window-not-open");
        let e = calling::call_next(db, &citizen, HALL, "01").await.expect_err("a citizen calls nobody");
        refused(&e, "forbidden");
        calling::open(db, &clerk, HALL, "01").await.expect("open");
        let e = calling::open(db, &manager, HALL, "01").await.expect_err("taken");
        assert_eq!(key(&e), "hall-window-taken");
        let called = calling::call_next(db, &clerk, HALL, "01").await.expect("call").expect("someone waits");
        assert_eq!(called.number, "A002", "the booking inside its slot first");
        let e = calling::call_next(db, &clerk, HALL, "01").await.expect_err("busy");
        assert_eq!(key(&e), "hall-window-busy");
        let screen = board::board(db, HALL).await.expect("board");
        let w1 = screen.windows.iter().find(|w| w.number == "01").expect("window 01");
        assert_eq!(w1.ticket.as_deref(), Some("A002"));
        assert!(w1.name.contains('*'));
        // A transfer to a closed window is refused and changes nothing.
        let to_closed = calling::Transfer { window: Some("02".into()), category: None, reason: "需要专窗".into() };
        let e = calling::transfer(db, &clerk, HALL, "01", &to_closed).await.expect_err("closed");
        assert_eq!(key(&e), "hall-window-closed");
        let e = calling::transfer(db, &clerk, HALL, "01", &calling::Transfer { reason: " ".into(), ..to_closed.clone() }).await.expect_err("no reason");
        assert_eq!(key(&e), "hall-transfer-reason");
        at(db, datetime!(2026-06-11 09:48 +8));
        let done = calling::finish(db, &clerk, HALL, "01", &calling::Finish::default()).await.expect("finish");
        assert_eq!(done.state, TicketState::Finished);

        // Two windows calling the one ticket left: one wins.
        calling::open(db, &manager, HALL, "02").await.expect("open 02");
        let (a, b) = tokio::join!(
            calling::call_next(db, &clerk, HALL, "01"),
            calling::call_next(db, &manager, HALL, "02"),
        );
        let won: Vec<_> = [a.expect("01"), b.expect("02")].into_iter().flatten().collect();
        assert_eq!(won.len(), 1, "exactly one window gets A001");
        assert_eq!(won[0].number, "A001");
        let (window, who) = if won[0].window.as_deref() == Some("01") { ("01", &clerk) } else { ("02", &manager) };
        // Recall until it may be skipped.
        let e = calling::skip(db, who, HALL, window).await.expect_err("too soon");
        assert_eq!(key(&e), "hall-skip-too-soon");
        calling::recall(db, who, HALL, window).await.expect("recall");
        let again = calling::recall(db, who, HALL, window).await.expect("recall");
        assert_eq!(again.calls, 3);
        let skipped = calling::skip(db, who, HALL, window).await.expect("skip");
        assert_eq!(skipped.state, TicketState::Skipped);

        // A transfer to another category keeps the ticket waiting there.
        let next = tickets::walk_in(db, None, HALL, &walk).await.expect("walk-in");
        let taken = calling::call_next(db, &clerk, HALL, "01").await.expect("call").expect("one");
        assert_eq!(taken.number, next.ticket.number);
        let moved = calling::transfer(db, &clerk, HALL, "01", &calling::Transfer { window: None, category: Some("social-affairs".into()), reason: "属社会事务".into() }).await.expect("transfer");
        assert_eq!((moved.state, moved.category.key()), (TicketState::Waiting, "social-affairs"));

        // Cancelling: too late within two hours of the slot; in time it frees the place.
        at(db, datetime!(2026-06-11 08:30 +8));
        let e = booking::cancel(db, &herder, &second.code).await.expect_err("too late");
        assert_eq!(key(&e), "hall-cancel-too-late");
        at(db, datetime!(2026-06-10 12:00 +8));
        let e = booking::cancel(db, &citizen, &second.code).await.expect_err("not hers");
        assert_eq!(key(&e), "hall-code-unknown");
        booking::cancel(db, &herder, &second.code).await.expect("cancel");

        // The Dragon Boat Festival is closed, though within five working days.
        at(db, datetime!(2026-06-16 10:00 +8));
        let e = booking::book(db, &herder, HALL, &ask("2026-06-19", "10:00")).await.expect_err("a holiday");
        assert_eq!(key(&e), "hall-book-closed-day");
        at(db, datetime!(2026-06-10 12:00 +8));

        // The sweep: a booking nobody came for becomes a no-show.
        let third = booking::book(db, &herder, HALL, &ask("2026-06-12", "10:00")).await.expect("booked");
        at(db, datetime!(2026-06-12 11:00 +8));
        let (no_shows, _) = yiwang_halls::service::sweep(db).await.expect("sweep");
        assert_eq!(no_shows, 1);
        let mine = booking::mine(db, &herder).await.expect("mine");
        assert_eq!(mine.iter().find(|a| a.code == third.code).map(|a| a.state), Some(BookingState::NoShow));

        // The day in figures, for the manager; a clerk is refused.
        let day = time::macros::date!(2026-06-11);
        let figures = stats::day(db, &manager, HALL, day).await.expect("stats");
        assert_eq!(figures.tickets, 3);
        assert_eq!((figures.finished, figures.skipped), (1, 1));
        // A002 waited none and was served 09:31–09:48; A001 waited 09:31–09:48; the third none.
        assert_eq!(figures.wait, [0, 0, 0]);
        assert_eq!(figures.service, [17, 17, 17]);
        assert_eq!(figures.per_hour, vec![(9, "comprehensive".to_owned(), 2), (9, "social-affairs".to_owned(), 1)]);
        let w1 = figures.windows.iter().find(|w| w.0 == "01").expect("window 01");
        assert_eq!((w1.1, w1.2, w1.3), (1, 17, 17 * 100 / 360));
        let e = stats::day(db, &clerk, HALL, day).await.expect_err("a clerk");
        refused(&e, "forbidden");
    }

    async fn a_screen_hears_a_call_within_the_commit(backend: Backend) {
        let Some(t) = seeded(backend).await else {
            return;
        };
        let db = &t.db;
        let clerk = login(db, "clerk.chengguan").await;
        at(db, datetime!(2026-06-10 10:00 +8));
        let (id, _) = board::board_for_screen(db, HALL).await.expect("board");
        let mut screen = yiwang_halls::live::subscribe(db, id);
        // The PostgreSQL listener connects in the background.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        calling::open(db, &clerk, HALL, "01").await.expect("open");
        let walk = tickets::WalkIn { category: Some("comprehensive".into()), ..Default::default() };
        tickets::walk_in(db, None, HALL, &walk).await.expect("ticket");
        calling::call_next(db, &clerk, HALL, "01").await.expect("call").expect("A001");
        let mut last = None;
        while let Ok(Ok(b)) = tokio::time::timeout(std::time::Duration::from_secs(5), screen.recv()).await {
            let b: board::Board = serde_json::from_str(&b).expect("a board");
            let done = b.windows.iter().any(|w| w.ticket.as_deref() == Some("A001"));
            last = Some(b);
            if done {
                break;
            }
        }
        let b = last.expect("the screen heard something");
        assert_eq!(b.recent.first().map(|c| c.number.as_str()), Some("A001"));
    }
}

db::on_each_backend! {
    async fn the_demo_hall_is_set_up_once(backend: Backend) {
        let Some(t) = seeded(backend).await else {
            return;
        };
        let db = &t.db;
        assert!(yiwang_halls::seed::seed_demo(db).await.expect("seed"));
        assert!(!yiwang_halls::seed::seed_demo(db).await.expect("again"));
        let hall = yiwang_halls::service::hall(db, HALL).await.expect("hall");
        assert_eq!(hall.settings.hours.seasons.len(), 2);
        assert_eq!(hall.window("06").map(|w| w.category), Some(org::model::WindowCategory::PublicSecurity));
        let queue = hall.setup(org::model::WindowCategory::PublicSecurity).expect("the public-security queue");
        assert!(!queue.items.is_empty());
        assert_eq!(hall.category_of(&queue.items[0]), Some(org::model::WindowCategory::PublicSecurity));
        let clerk = account(db, Identifier::Login("clerk.chengguan".into())).await;
        assert_eq!(hall.window("01").map(|w| w.staff.clone()), Some(vec![clerk.id]));
    }
}

/// The hall's texts, once the notification service has sent what is queued.
async fn texts(db: &Db) -> Vec<(String, String)> {
    let senders = notify::service::send::Senders {
        sms: ui::state::SmsMode::DevInbox,
        http: None,
    };
    notify::service::send::run_once(db, &senders, &mut notify::service::send::Paces::new(db))
        .await
        .expect("sent");
    db::sqlx::query_as("SELECT mobile, body FROM sms_outbox ORDER BY id")
        .fetch_all(db.pool())
        .await
        .expect("texts")
}

db::on_each_backend! {
    async fn texts_remind_and_tell_the_place(backend: Backend) {
        let Some(t) = seeded(backend).await else {
            return;
        };
        let db = &t.db;
        let item = food_licence(db).await;
        let citizen = person(db, identity::seed::demo_citizen()).await;
        let clerk = login(db, "clerk.chengguan").await;
        at(db, datetime!(2026-06-10 10:00 +8));
        let form = booking::BookForm { item, day: "2026-06-11".into(), slot: "09:30".into(), case_id: None };
        let booked = booking::book(db, &citizen, HALL, &form).await.expect("booked");
        // The day before: one reminder, once.
        assert_eq!(yiwang_halls::notify::send_due(db).await.expect("send"), 1);
        assert_eq!(yiwang_halls::notify::send_due(db).await.expect("send"), 0);
        let sent = texts(db).await;
        assert_eq!(sent[0].0, "13908900001");
        assert!(sent[0].1.contains(&booked.code) && sent[0].1.contains("09:30"), "{}", sent[0].1);
        // Within the hour before the slot: the second.
        at(db, datetime!(2026-06-11 08:45 +8));
        assert_eq!(yiwang_halls::notify::send_due(db).await.expect("send"), 1);
        // Five walk-ins with a mobile: each told its place; the fifth, four behind, later told
        // it is near once one is called.
        at(db, datetime!(2026-06-11 09:40 +8));
        for n in 1..=5 {
            let walk = tickets::WalkIn { category: Some("comprehensive".into()), mobile: Some(format!("1390000000{n}")), ..Default::default() };
            tickets::walk_in(db, None, HALL, &walk).await.expect("ticket");
        }
        let e = tickets::walk_in(db, None, HALL, &tickets::WalkIn { category: Some("comprehensive".into()), mobile: Some("12345".into()), ..Default::default() }).await.expect_err("a bad mobile");
        assert_eq!(key(&e), "hall-mobile-invalid");
        assert_eq!(yiwang_halls::notify::send_due(db).await.expect("send"), 5);
        calling::open(db, &clerk, HALL, "01").await.expect("open");
        calling::call_next(db, &clerk, HALL, "01").await.expect("call").expect("A001");
        assert_eq!(yiwang_halls::notify::send_due(db).await.expect("send"), 1);
        let last = texts(db).await.pop().expect("a text");
        assert_eq!(last.0, "13900000005");
        assert!(last.1.contains("A005"), "{}", last.1);
        assert_eq!(yiwang_halls::notify::send_due(db).await.expect("send"), 0);
    }
}

/// Two replicas on one PostgreSQL: a screen connected to the second hears a call made on the
/// first, through `NOTIFY`.
#[tokio::test]
async fn a_screen_on_another_replica_hears_the_call() {
    let Some(t) = db::testing::fresh(db::Backend::Postgres).await else {
        return;
    };
    let db = &t.db;
    org::seed::seed_demo(db).await.expect("org");
    identity::seed::seed_demo(db, "demo-password-1")
        .await
        .expect("identity");
    let other = Db::open(db.url(), false)
        .await
        .expect("a second replica's pool");
    let clerk = login(db, "clerk.chengguan").await;
    at(db, datetime!(2026-06-10 10:00 +8));
    other.clock().set_now(datetime!(2026-06-10 10:00 +8));
    let (id, _) = board::board_for_screen(&other, HALL).await.expect("board");
    let mut screen = yiwang_halls::live::subscribe(&other, id);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    calling::open(db, &clerk, HALL, "01").await.expect("open");
    let walk = tickets::WalkIn {
        category: Some("comprehensive".into()),
        ..Default::default()
    };
    tickets::walk_in(db, None, HALL, &walk)
        .await
        .expect("ticket");
    let called = std::time::Instant::now();
    calling::call_next(db, &clerk, HALL, "01")
        .await
        .expect("call")
        .expect("A001");
    loop {
        let b = tokio::time::timeout(std::time::Duration::from_secs(5), screen.recv())
            .await
            .expect("heard within 5 s")
            .expect("a board");
        let b: board::Board = serde_json::from_str(&b).expect("a board");
        if b.windows
            .iter()
            .any(|w| w.ticket.as_deref() == Some("A001"))
        {
            break;
        }
    }
    assert!(called.elapsed() < std::time::Duration::from_secs(5));
    other.close().await;
}
