//! The hall's live feed: after every change a screen shows (a call, a recall, a ticket
//! issued, ended or transferred), the centre's board is sent to every screen of that centre
//! on every replica.
//!
//! On PostgreSQL the board travels by `NOTIFY` on a channel named after the schema, sent in
//! the change's own transaction (so it goes out exactly when the change commits, and never
//! for a change rolled back); each replica `LISTEN`s on one connection and hands what it hears
//! to its own screens. On SQLite there is one process, so the board goes straight to the
//! replica's screens after the commit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use db::sqlx;
use db::{Backend, Conn, Db, DbError};
use tokio::sync::broadcast;

/// A board as the screens receive it (JSON text).
pub type Board = Arc<str>;

/// Boards waiting per screen before a slow one starts missing some (it then only sees the
/// newest: each board is whole, so nothing is lost but intermediate states).
const BACKLOG: usize = 16;

/// A replica's screens, per centre.
#[derive(Debug, Default)]
pub struct Hub {
    centres: Mutex<HashMap<i64, broadcast::Sender<Board>>>,
    listening: std::sync::atomic::AtomicBool,
}

/// This database's hub (one per replica).
pub fn hub(db: &Db) -> Arc<Hub> {
    db.shared(|_| Hub::default())
}

impl Hub {
    fn sender(&self, centre: i64) -> broadcast::Sender<Board> {
        let mut map = self.centres.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(centre)
            .or_insert_with(|| broadcast::channel(BACKLOG).0)
            .clone()
    }

    /// Hands a board to this replica's screens of the centre.
    pub fn deliver(&self, centre: i64, board: Board) {
        // No screen listening is not an error.
        let _ = self.sender(centre).send(board);
    }

    /// Ends every screen's stream (the replica is shutting down).
    pub fn close(&self) {
        self.centres
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Screens currently connected to this replica, over all centres.
    pub fn screens(&self) -> usize {
        let map = self.centres.lock().unwrap_or_else(|p| p.into_inner());
        map.values().map(broadcast::Sender::receiver_count).sum()
    }
}

/// Ends this replica's screens' streams, for a graceful shutdown.
pub fn close(db: &Db) {
    hub(db).close();
}

/// A screen's subscription to a centre's boards. On PostgreSQL the first one starts the
/// replica's listener.
pub fn subscribe(db: &Db, centre: i64) -> broadcast::Receiver<Board> {
    let hub = hub(db);
    if db.backend() == Backend::Postgres
        && !hub
            .listening
            .swap(true, std::sync::atomic::Ordering::SeqCst)
    {
        tokio::spawn(listen(db.clone(), hub.clone()));
    }
    hub.sender(centre).subscribe()
}

/// Sends the board within the change's transaction (PostgreSQL: `pg_notify`, delivered at
/// commit); call [`sent`] after the commit.
pub async fn stage(conn: &mut Conn, db: &Db, centre: i64, board: &str) -> Result<(), DbError> {
    if db.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_notify('yiwang_halls_' || current_schema(), $1)")
            .bind(format!("{centre}|{board}"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// After the commit: on SQLite, hands the board to this replica's screens (on PostgreSQL the
/// listener does, on every replica).
pub fn sent(db: &Db, centre: i64, board: String) {
    if db.backend() == Backend::Sqlite {
        hub(db).deliver(centre, board.into());
    }
}

/// The replica's listener: one connection, reconnecting after a failure.
async fn listen(db: Db, hub: Arc<Hub>) {
    let db::DbUrl::Postgres(url) = db.url().clone() else {
        return;
    };
    loop {
        if let Err(e) = listen_once(&url, &hub).await {
            tracing::warn!(error = %e, "hall screens' listener failed; reconnecting");
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

async fn listen_once(url: &str, hub: &Hub) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    let schema: String = {
        let mut conn = sqlx::postgres::PgConnection::connect(url).await?;
        let s = sqlx::query_scalar("SELECT current_schema()")
            .fetch_one(&mut conn)
            .await?;
        let _ = conn.close().await;
        s
    };
    listener.listen(&format!("yiwang_halls_{schema}")).await?;
    loop {
        let n = listener.recv().await?;
        if let Some((centre, board)) = n.payload().split_once('|')
            && let Ok(centre) = centre.parse::<i64>()
        {
            hub.deliver(centre, board.into());
        }
    }
}
