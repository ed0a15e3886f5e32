//! Change events published to NATS JetStream, the production channel for consumers at
//! scale: a subscription whose channel is `jetstream` has its events written, one message
//! each, to the platform's stream `{PREFIX}_EXCHANGE` under the subject
//! `{prefix}.exchange.{consumer}.{subscription}`, where the consumer's system reads them with
//! its own durable consumer (the operator gives each department credentials for its own
//! subjects). Each message carries `Nats-Msg-Id: {subscription}-{seq}`, so JetStream drops a
//! redelivered duplicate, and the platform's signature over the message. A batch counts as
//! delivered only when JetStream has acknowledged every message of it; otherwise the
//! subscription waits and tries again, as a webhook's does.
//!
//! Only publishing is needed, so this is a small client of the NATS text protocol (INFO,
//! CONNECT, PING/PONG, SUB, HPUB, MSG/HMSG) over one connection kept between batches, with the
//! JetStream API's stream creation. The embedded default needs no broker: without the
//! setting (`jetstream_url`) the channel is refused when a consumer asks for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use db::Db;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The channel's name in a subscription's `url`.
pub const CHANNEL: &str = "jetstream";
/// How long a batch may take, connection to last acknowledgement.
pub(crate) const LIMIT: Duration = Duration::from_secs(10);

/// Where the platform's JetStream is.
pub struct Config {
    /// `host:port`.
    pub addr: String,
    /// Subjects start with it; the stream is named after it.
    pub prefix: String,
    stream_ready: AtomicBool,
    /// The connection the last batch used, kept for the next (one handshake, not one a batch);
    /// dropped after any failure.
    idle: tokio::sync::Mutex<Option<Conn>>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Config {
    pub fn stream(&self) -> String {
        format!("{}_EXCHANGE", self.prefix.to_ascii_uppercase())
    }

    pub fn subject(&self, consumer: &str, subscription: i64) -> String {
        format!("{}.exchange.{consumer}.{subscription}", self.prefix)
    }
}

#[derive(Default)]
struct Slot(std::sync::Mutex<Option<Arc<Config>>>);

/// Sets the platform's JetStream (`nats://host:port` or `host:port`) for this database's
/// replica; `prefix` names its subjects and stream (`yiwang`).
pub fn configure(db: &Db, url: &str, prefix: &str) {
    let addr = url
        .trim()
        .trim_start_matches("nats://")
        .trim_end_matches('/');
    *db.shared(|_| Slot::default())
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(Config {
        addr: addr.to_owned(),
        prefix: prefix.to_owned(),
        stream_ready: AtomicBool::new(false),
        idle: tokio::sync::Mutex::new(None),
    }));
}

/// The platform's JetStream, if configured.
pub fn configured(db: &Db) -> Option<Arc<Config>> {
    db.shared(|_| Slot::default())
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// One message to publish.
pub struct Message {
    pub subject: String,
    pub id: String,
    /// Further headers (name, value).
    pub headers: Vec<(&'static str, String)>,
    pub payload: String,
}

struct Conn {
    io: BufReader<TcpStream>,
    inbox: String,
}

fn nuid() -> String {
    let mut b = [0u8; 12];
    let _ = getrandom::fill(&mut b);
    hex::encode(b)
}

/// What the server sent: a message on the inbox (its reply subject's last token, whether
/// the server said no one answers, and its payload), or nothing of interest.
enum Frame {
    Reply {
        token: String,
        no_responders: bool,
        payload: Vec<u8>,
    },
    Other,
}

impl Conn {
    async fn open(cfg: &Config) -> Result<Conn, String> {
        let stream = TcpStream::connect(&cfg.addr)
            .await
            .map_err(|e| format!("cannot reach JetStream at {}: {e}", cfg.addr))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let mut io = BufReader::new(stream);
        let mut line = String::new();
        io.read_line(&mut line).await.map_err(|e| e.to_string())?;
        if !line.starts_with("INFO ") {
            return Err(format!("not a NATS server: {}", line.trim()));
        }
        let inbox = format!("_INBOX.{}", nuid());
        let hello = format!(
            "CONNECT {{\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true,\"lang\":\"rust\",\"version\":\"yiwang\",\"protocol\":1}}\r\nSUB {inbox}.* 1\r\nPING\r\n"
        );
        io.get_mut()
            .write_all(hello.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        loop {
            line.clear();
            if io.read_line(&mut line).await.map_err(|e| e.to_string())? == 0 {
                return Err("the NATS server closed the connection".into());
            }
            match line.trim_end() {
                "PONG" => break,
                l if l.starts_with("-ERR") => return Err(format!("NATS refused: {l}")),
                _ => {}
            }
        }
        Ok(Conn { io, inbox })
    }

    async fn next(&mut self) -> Result<Frame, String> {
        let mut line = String::new();
        if self
            .io
            .read_line(&mut line)
            .await
            .map_err(|e| e.to_string())?
            == 0
        {
            return Err("the NATS server closed the connection".into());
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.first().copied() {
            Some("PING") => {
                self.io
                    .get_mut()
                    .write_all(b"PONG\r\n")
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(Frame::Other)
            }
            Some("-ERR") => Err(format!("NATS refused: {}", line.trim())),
            Some(kind @ ("MSG" | "HMSG")) => {
                let numbers: Vec<usize> = parts
                    .iter()
                    .rev()
                    .take(if kind == "MSG" { 1 } else { 2 })
                    .filter_map(|n| n.parse().ok())
                    .collect();
                let (total, header_len) = match (kind, numbers.as_slice()) {
                    ("MSG", [t]) => (*t, 0),
                    ("HMSG", [t, h]) => (*t, *h),
                    _ => {
                        return Err(format!(
                            "a message line that does not read: {}",
                            line.trim()
                        ));
                    }
                };
                let mut body = vec![0u8; total + 2];
                self.io
                    .read_exact(&mut body)
                    .await
                    .map_err(|e| e.to_string())?;
                body.truncate(total);
                let headers = String::from_utf8_lossy(&body[..header_len]).into_owned();
                let token = parts
                    .get(1)
                    .and_then(|s| s.rsplit('.').next())
                    .unwrap_or("")
                    .to_owned();
                Ok(Frame::Reply {
                    token,
                    no_responders: headers.starts_with("NATS/1.0 503"),
                    payload: body[header_len..].to_vec(),
                })
            }
            _ => Ok(Frame::Other),
        }
    }

    /// Sends `payload` to `subject` asking for an answer on the inbox token `token`.
    fn frame(
        &self,
        subject: &str,
        token: &str,
        headers: &[(&str, String)],
        payload: &str,
    ) -> String {
        if headers.is_empty() {
            return format!(
                "PUB {subject} {}.{token} {}\r\n{payload}\r\n",
                self.inbox,
                payload.len()
            );
        }
        let mut h = String::from("NATS/1.0\r\n");
        for (name, value) in headers {
            h.push_str(&format!("{name}: {value}\r\n"));
        }
        h.push_str("\r\n");
        format!(
            "HPUB {subject} {}.{token} {} {}\r\n{h}{payload}\r\n",
            self.inbox,
            h.len(),
            h.len() + payload.len()
        )
    }

    /// Waits for the answers to tokens `0..n`; each one's JSON.
    async fn answers(&mut self, n: usize) -> Result<Vec<serde_json::Value>, String> {
        let mut out: Vec<Option<serde_json::Value>> = vec![None; n];
        let mut left = n;
        while left > 0 {
            if let Frame::Reply {
                token,
                no_responders,
                payload,
            } = self.next().await?
            {
                if no_responders {
                    return Err("no JetStream stream takes these subjects".into());
                }
                if let Some(slot) = token.parse::<usize>().ok().and_then(|i| out.get_mut(i)) {
                    if slot.is_none() {
                        left -= 1;
                    }
                    *slot = Some(serde_json::from_slice(&payload).unwrap_or_default());
                }
            }
        }
        Ok(out.into_iter().map(Option::unwrap_or_default).collect())
    }
}

fn refusal(answer: &serde_json::Value) -> Option<String> {
    answer.get("error").map(|e| {
        format!(
            "JetStream refused ({}): {}",
            e["err_code"],
            e["description"].as_str().unwrap_or("")
        )
    })
}

/// Asks the JetStream API (or any subject) and waits for the answer's JSON.
pub async fn request(
    cfg: &Config,
    subject: &str,
    payload: &str,
) -> Result<serde_json::Value, String> {
    let exchange = async {
        let mut conn = Conn::open(cfg).await?;
        let frame = conn.frame(subject, "0", &[], payload);
        conn.io
            .get_mut()
            .write_all(frame.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        Ok(conn.answers(1).await?.remove(0))
    };
    tokio::time::timeout(LIMIT, exchange)
        .await
        .map_err(|_| format!("JetStream did not answer within {} s", LIMIT.as_secs()))?
}

/// Makes the platform's stream if it is not there (once per process).
pub async fn ensure_stream(cfg: &Config) -> Result<(), String> {
    if cfg.stream_ready.load(Ordering::SeqCst) {
        return Ok(());
    }
    let config = serde_json::json!({
        "name": cfg.stream(),
        "subjects": [format!("{}.exchange.>", cfg.prefix)],
        "storage": "file",
        "retention": "limits",
        "discard": "old",
        "num_replicas": 1,
        "duplicate_window": 120_000_000_000_i64,
    });
    let answer = request(
        cfg,
        &format!("$JS.API.STREAM.CREATE.{}", cfg.stream()),
        &config.to_string(),
    )
    .await?;
    // 10058: a stream of that name is there already (made by another replica, or earlier).
    match refusal(&answer) {
        Some(_) if answer["error"]["err_code"] == 10058 => {}
        Some(why) => return Err(why),
        None => {}
    }
    cfg.stream_ready.store(true, Ordering::SeqCst);
    Ok(())
}

/// Publishes messages in order and waits until JetStream has acknowledged every one.
pub async fn publish(cfg: &Config, messages: &[Message]) -> Result<(), String> {
    ensure_stream(cfg).await?;
    // One batch at a time on the kept connection (deliveries on a replica go one after the
    // other, so this is not a queue).
    let mut idle = cfg.idle.lock().await;
    let kept = idle.take();
    let reused = kept.is_some();
    let mut done = publish_on(cfg, kept, messages).await;
    if done.is_err() && reused {
        // The kept connection may have died while idle (a restarted server): once more on a
        // new one (JetStream drops what the first try did publish, by message id).
        done = publish_on(cfg, None, messages).await;
    }
    match done {
        Ok(conn) => {
            *idle = Some(conn);
            Ok(())
        }
        Err(why) => {
            // The stream may have been removed since: look for it again next time.
            cfg.stream_ready.store(false, Ordering::SeqCst);
            Err(why)
        }
    }
}

/// Publishes a batch on `conn` (or a new connection) and waits for every acknowledgement;
/// the connection, for the next batch.
async fn publish_on(
    cfg: &Config,
    conn: Option<Conn>,
    messages: &[Message],
) -> Result<Conn, String> {
    let exchange = async {
        let mut conn = match conn {
            Some(c) => c,
            None => Conn::open(cfg).await?,
        };
        let mut out = String::new();
        for (i, m) in messages.iter().enumerate() {
            let mut headers = vec![("Nats-Msg-Id", m.id.clone())];
            headers.extend(m.headers.iter().map(|(n, v)| (*n, v.clone())));
            out.push_str(&conn.frame(&m.subject, &i.to_string(), &headers, &m.payload));
        }
        conn.io
            .get_mut()
            .write_all(out.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        for answer in conn.answers(messages.len()).await? {
            if let Some(why) = refusal(&answer) {
                return Err(why);
            }
            if answer.get("seq").is_none() {
                return Err(format!(
                    "JetStream's acknowledgement does not read: {answer}"
                ));
            }
        }
        Ok(conn)
    };
    tokio::time::timeout(LIMIT, exchange)
        .await
        .map_err(|_| format!("JetStream did not acknowledge within {} s", LIMIT.as_secs()))?
}
