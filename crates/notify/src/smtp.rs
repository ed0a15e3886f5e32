//! A small SMTP client (RFC 5321) for handing a plain-text message to the configured relay:
//! greeting, EHLO, MAIL, RCPT, DATA, QUIT, each within a time limit. The message is UTF-8,
//! its body base64 and its subject an RFC 2047 encoded word, with a `Message-ID` naming the
//! outbox row, so a relay or mailbox can tell a message it has seen. A 5xx answer (a
//! recipient that does not exist, say) is permanent; anything else may be tried again.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::model::Failure;

/// An SMTP relay for email: `host:port`, the sender's address, the name to greet with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smtp {
    pub addr: String,
    pub from: String,
    pub helo: String,
}

const STEP: Duration = Duration::from_secs(10);

/// `text` as RFC 2047 encoded words, each short enough for a header line.
fn encoded_words(text: &str) -> String {
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(&chunk)));
    }
    words.join("\r\n ")
}

/// The whole message: headers and a base64 body in lines of 76.
pub fn message(relay: &Smtp, to: &str, subject: &str, body: &str, id: &str, date: &str) -> String {
    let encoded = STANDARD.encode(body.replace('\n', "\r\n"));
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    format!(
        "From: {} <{}>\r\nTo: <{to}>\r\nSubject: {}\r\nDate: {date}\r\nMessage-ID: <{id}@{}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        encoded_words("一网"),
        relay.from,
        encoded_words(subject),
        relay.helo,
        lines.join("\r\n"),
    )
}

/// Reads one reply (all its lines); its code and last line's text.
async fn reply(
    r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> Result<(u16, String), Failure> {
    let mut line = String::new();
    loop {
        line.clear();
        let n = tokio::time::timeout(STEP, r.read_line(&mut line))
            .await
            .map_err(|_| Failure::Retry("the relay did not answer in time".into()))?
            .map_err(|e| Failure::Retry(format!("reading from the relay: {e}")))?;
        if n == 0 {
            return Err(Failure::Retry("the relay closed the connection".into()));
        }
        let code = line
            .get(..3)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| Failure::Retry(format!("not an SMTP reply: {}", line.trim_end())))?;
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok((code, line.trim_end().to_owned()));
        }
    }
}

/// Sends a command and expects a reply in `ok`; a 5xx is permanent.
async fn step(
    w: &mut tokio::net::tcp::OwnedWriteHalf,
    r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    command: &str,
    ok: &[u16],
) -> Result<(), Failure> {
    if !command.is_empty() {
        tokio::time::timeout(STEP, w.write_all(command.as_bytes()))
            .await
            .map_err(|_| Failure::Retry("the relay did not take the command in time".into()))?
            .map_err(|e| Failure::Retry(format!("writing to the relay: {e}")))?;
    }
    let (code, text) = reply(r).await?;
    if ok.contains(&code) {
        Ok(())
    } else if (500..600).contains(&code) {
        Err(Failure::Permanent(text))
    } else {
        Err(Failure::Retry(text))
    }
}

/// Hands one message for `to` to the relay.
pub async fn send(
    relay: &Smtp,
    to: &str,
    subject: &str,
    body: &str,
    id: &str,
    date: &str,
) -> Result<(), Failure> {
    if to.contains(['\r', '\n', '<', '>']) {
        return Err(Failure::Permanent(format!("not an address: {to}")));
    }
    let stream = tokio::time::timeout(STEP, TcpStream::connect(&relay.addr))
        .await
        .map_err(|_| Failure::Retry(format!("{} did not answer in time", relay.addr)))?
        .map_err(|e| Failure::Retry(format!("cannot reach {}: {e}", relay.addr)))?;
    let (read, mut w) = stream.into_split();
    let mut r = BufReader::new(read);
    step(&mut w, &mut r, "", &[220]).await?;
    step(&mut w, &mut r, &format!("EHLO {}\r\n", relay.helo), &[250]).await?;
    step(
        &mut w,
        &mut r,
        &format!("MAIL FROM:<{}>\r\n", relay.from),
        &[250],
    )
    .await?;
    step(&mut w, &mut r, &format!("RCPT TO:<{to}>\r\n"), &[250, 251]).await?;
    step(&mut w, &mut r, "DATA\r\n", &[354]).await?;
    let data = format!("{}.\r\n", message(relay, to, subject, body, id, date));
    step(&mut w, &mut r, &data, &[250]).await?;
    let _ = step(&mut w, &mut r, "QUIT\r\n", &[221]).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_tibetan_subject_is_split_into_encoded_words_that_decode_back() {
        let subject = "ཁྱེད་ཀྱི་ལས་དོན་ལེན་ཟིན། 您的办件已受理";
        let words = encoded_words(subject);
        let mut back = Vec::new();
        for w in words.split("\r\n ") {
            assert!(w.len() <= 75, "{w}");
            let inner = w.trim_start_matches("=?UTF-8?B?").trim_end_matches("?=");
            back.extend(STANDARD.decode(inner).expect("base64"));
        }
        assert_eq!(String::from_utf8(back).expect("utf-8"), subject);
    }
}
