//! Calls taken at the same moment on every backend: stored together by group commit, each
//! with its own number of the day, timeline, department part, notice and audit event; a bad
//! call among them is refused alone and sinks no other.

mod common;

use common::{call, count, key, official, seeded};
use yiwang_hotline::service::intake::{self, NewTicket};

db::on_each_backend! {
    async fn calls_taken_at_once_are_each_stored_whole(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..24 {
            let (db, agent) = (db.clone(), agent.clone());
            tasks.spawn(async move {
                let description = if n == 7 { "   ".to_owned() } else { format!("第 {n} 个来电：路灯不亮") };
                intake::create(&db, &agent, &NewTicket { caller_phone: format!("1380000{n:04}"), ..call("complaint", "assistance", &description) }).await
            });
        }
        let mut numbers = Vec::new();
        let mut refused = 0;
        while let Some(done) = tasks.join_next().await {
            match done.expect("joined") {
                Ok(ticket) => numbers.push(ticket.number),
                Err(e) => {
                    assert_eq!(key(&e), "hotline-description-missing");
                    refused += 1;
                }
            }
        }
        numbers.sort();
        let expected: Vec<String> = (1..=23).map(|n| format!("20260610{n:06}")).collect();
        assert_eq!((numbers, refused), (expected, 1), "{}", t.name());
        assert_eq!(count(db, "SELECT COUNT(*) FROM hotline_tickets").await, 23);
        assert_eq!(count(db, "SELECT COUNT(*) FROM hotline_assignments").await, 23);
        assert_eq!(count(db, "SELECT COUNT(*) FROM hotline_steps WHERE action = 'dispatched'").await, 23);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'hotline.created'").await, 23);
        assert_eq!(count(db, "SELECT COUNT(DISTINCT subject_ref) FROM notify_messages WHERE event = 'hotline-dispatched'").await, 23);
        let chain = db::audit::verify(db).await.expect("verify");
        assert!(chain.first_break.is_none(), "{:?}", chain.first_break);
    }
}
