//! Seats and call-backs on every backend: a reply gives its call-back to the seat speaking the
//! caller's language; a language no seat speaks waits for any agent who does; the agent
//! records the rating on the call back, or the tries that did not reach the caller, after which
//! the ticket closes unrated; a manager sets the seats' languages, and bad settings are refused,
//! audited, and change nothing.

mod common;

use common::{call, count, key, official, seeded};
use ui::error::HttpError;
use yiwang_hotline::model::{ATTEMPTS, Outcome, State};
use yiwang_hotline::service::handling::{self, Act};
use yiwang_hotline::service::intake::{self, NewTicket};
use yiwang_hotline::service::{callbacks, closing, view};

/// A call in `lang`, signed for and replied to by Chengguan's civil affairs; its id.
async fn replied(db: &db::Db, lang: &str, phone: &str) -> i64 {
    let agent = official(db, "agent.12345").await;
    let civil = official(db, "approver.chengguan").await;
    let t = intake::create(
        db,
        &agent,
        &NewTicket {
            lang: lang.into(),
            caller_phone: phone.into(),
            ..call("help", "assistance", "老人生活困难需要帮助")
        },
    )
    .await
    .expect("taken");
    handling::act(db, &civil, t.id, &Act::Sign)
        .await
        .expect("signed");
    handling::act(
        db,
        &civil,
        t.id,
        &Act::Reply("已上门核实，纳入临时救助。".into()),
    )
    .await
    .expect("replied");
    t.id
}

db::on_each_backend! {
    async fn a_reply_is_called_back_in_the_callers_language(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let manager = official(db, "manager.12345").await;

        // The demo's agent speaks Chinese and Tibetan: both call-backs are hers.
        let bo = replied(db, "bo", "13800000011").await;
        let zh = replied(db, "zh", "13800000012").await;
        let en = replied(db, "en", "13800000013").await;
        let mine = callbacks::mine(db, &agent).await.expect("mine");
        let ids: Vec<i64> = mine.iter().map(|c| c.ticket_id).collect();
        assert!(ids.contains(&bo) && ids.contains(&zh), "{}: {ids:?}", t.name());
        // No seat speaks English: the call-back waits, given to no one.
        assert!(!ids.contains(&en), "{ids:?}");
        let seats = callbacks::seats(db, &manager).await.expect("seats");
        let seat = seats.iter().find(|s| s.login == "agent.12345").expect("her seat");
        assert_eq!(seat.open, 2);
        callbacks::set_seat(db, &manager, seat.account_id, "zh bo en").await.expect("set");
        let mine = callbacks::mine(db, &agent).await.expect("mine");
        let waiting = mine.iter().find(|c| c.ticket_id == en).expect("now hers to take");
        assert_eq!(waiting.agent_id, None);

        // Reached: the rating recorded on the call back ends it.
        closing::rate(db, &agent, bo, "satisfied", true).await.expect("rated");
        // Not reached, three times: the ticket closes unrated.
        for n in 1..=ATTEMPTS {
            let c = callbacks::unreachable(db, &agent, zh).await.expect("a try");
            assert_eq!(c.attempts, n);
            assert_eq!(c.outcome.is_some(), n == ATTEMPTS);
        }
        let closed = view(db, &agent, zh).await.expect("read").ticket;
        assert_eq!((closed.state, closed.rating), (State::Closed, None));
        let e = callbacks::unreachable(db, &agent, zh).await.expect_err("no call-back left");
        assert_eq!(key(&e), "hotline-no-callback");
        for o in [Outcome::Rated, Outcome::Unreachable] {
            let sql = format!("SELECT COUNT(*) FROM hotline_callbacks WHERE outcome = '{}'", o.key());
            assert_eq!(count(db, &sql).await, 1, "{o:?}");
        }
        let left: Vec<i64> = callbacks::mine(db, &agent).await.expect("mine").iter().map(|c| c.ticket_id).collect();
        assert_eq!(left, vec![en]);
        // A department's official has no call-backs to make.
        let civil = official(db, "approver.chengguan").await;
        assert_eq!(callbacks::mine(db, &civil).await.expect_err("not the hotline").code(), "forbidden");
        assert_eq!(callbacks::unreachable(db, &civil, en).await.expect_err("not the hotline").code(), "forbidden");
    }

    async fn bad_seat_settings_are_refused_and_change_nothing(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let manager = official(db, "manager.12345").await;
        let seat = callbacks::seats(db, &manager).await.expect("seats").into_iter().find(|s| s.login == "agent.12345").expect("seat");
        assert_eq!(seat.languages.iter().map(|l| l.code()).collect::<Vec<_>>(), ["zh", "bo"], "{}", t.name());
        for (langs, why) in [("fr", "unknown"), ("", "none")] {
            let e = callbacks::set_seat(db, &manager, seat.account_id, langs).await.expect_err(why);
            assert_eq!(key(&e), "hotline-seat-languages", "{why}");
        }
        let manager_id = manager.official().map(|s| s.account.id).expect("an official");
        let e = callbacks::set_seat(db, &manager, manager_id, "zh").await.expect_err("not an agent");
        assert_eq!(key(&e), "hotline-seat-not-agent");
        assert_eq!(callbacks::set_seat(db, &agent, seat.account_id, "zh").await.expect_err("an agent").code(), "forbidden");
        assert_eq!(callbacks::seats(db, &agent).await.expect_err("an agent").code(), "forbidden");
        let after = callbacks::seats(db, &manager).await.expect("seats").into_iter().find(|s| s.login == "agent.12345").expect("seat");
        assert_eq!(after.languages, seat.languages);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'hotline.refused'").await, 3);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'hotline.seat.set'").await, 0);
    }
}
