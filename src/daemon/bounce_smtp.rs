//! The daemon's optional SMTP listener for the bounce address (`[mail.bounces] smtp_bind`):
//! delivery status notifications and feedback-loop complaints arrive as mail, and each is read
//! (`mail::bounce::read`) and recorded through the writer exactly as `segflow bounces import`
//! would record it. A message is acknowledged (250) only after the commit that holds it, so a
//! report is never lost between the listener and the store; a store failure answers 451 and
//! the sending server retries. Anything that is no report is accepted and dropped; a report
//! that does not read is refused with 554 and its reason. With `[mail.bounces] verp` it takes
//! mail for the bounce address's VERP addresses too, and the `RCPT TO` of a report names its
//! message once its signature checks (`mail::bounce::apply`).
//!
//! It speaks the small part of SMTP (RFC 5321) a server receiving for one address needs, on
//! std sockets. The embedded server the tests use (mailin) refuses `MAIL FROM:<>`, the null
//! sender every bounce is sent from (RFC 5321, 4.5.5), so it cannot take bounces.

use std::io::{BufRead, BufReader, Read, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::start_error::StartError;
use super::writer::{Write, Writer};
use crate::mail::bounce::webhook::ProviderEvent;
use crate::mail::bounce::{read, BounceConfig, Message};
use crate::mail::verp::Verp;

/// Connections served at once; more are told to come back later (421).
const MAX_CONNECTIONS: usize = 8;
/// The longest command or text line, CRLF included (RFC 5321, 4.5.3.1.6).
const MAX_LINE: u64 = 1000;
/// How long a client may stay silent.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What every connection shares.
struct Shared {
    writer: Writer,
    config: BounceConfig,
    runtime: tokio::runtime::Handle,
    /// The largest message taken, `[daemon] max_body_bytes`.
    max: usize,
    /// `[mail.bounces] verp`: the listener takes mail for the bounce address's VERP addresses
    /// too, and a report's `RCPT TO` names its message.
    verp: Option<Verp>,
    active: AtomicUsize,
}

/// Starts the listener on `[mail.bounces] smtp_bind`, if set, and returns its address.
pub fn start(
    config: &BounceConfig,
    writer: Writer,
    runtime: tokio::runtime::Handle,
    max: usize,
    verp: Option<Verp>,
) -> Result<Option<std::net::SocketAddr>, StartError> {
    let Some(bind) = &config.smtp_bind else {
        return Ok(None);
    };
    let failed = |source| StartError::BounceListen {
        bind: bind.clone(),
        source,
    };
    let listener = TcpListener::bind(bind).map_err(failed)?;
    let local = listener.local_addr().map_err(failed)?;
    let shared = Arc::new(Shared {
        writer,
        config: config.clone(),
        runtime,
        max,
        verp,
        active: AtomicUsize::new(0),
    });
    // The listener has no way to stop; its thread ends with the process, after the writer has
    // committed what it acknowledged.
    std::thread::Builder::new()
        .name("segflow-bounce-smtp".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                accept(stream, &shared);
            }
        })
        .map_err(|source| StartError::Thread {
            name: "bounce SMTP listener".into(),
            source,
        })?;
    tracing::info!(addr = %local, "bounce SMTP listener ready");
    Ok(Some(local))
}

fn accept(mut stream: TcpStream, shared: &Arc<Shared>) {
    if shared.active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
        shared.active.fetch_sub(1, Ordering::SeqCst);
        let _ = stream.write_all(b"421 4.3.2 too many connections, try again later\r\n");
        return;
    }
    let shared = shared.clone();
    let spawned = std::thread::Builder::new()
        .name("segflow-bounce-conn".into())
        .spawn(move || {
            if let Err(e) = serve(stream, &shared) {
                tracing::debug!(error = %e, "a bounce SMTP connection ended");
            }
            shared.active.fetch_sub(1, Ordering::SeqCst);
        });
    if spawned.is_err() {
        tracing::error!("cannot start a thread for a bounce SMTP connection");
    }
}

/// One line without its line ending; `None` at the end of the stream. A line longer than
/// `MAX_LINE` is read whole but marked, so the client gets an error instead of a split line.
fn line(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<(Vec<u8>, bool)>> {
    let mut buf = Vec::new();
    let n = reader.by_ref().take(MAX_LINE).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    let mut too_long = false;
    if !buf.ends_with(b"\n") {
        too_long = true;
        let mut rest = Vec::new();
        reader.read_until(b'\n', &mut rest)?;
    }
    while buf.ends_with(b"\n") || buf.ends_with(b"\r") {
        buf.pop();
    }
    Ok(Some((buf, too_long)))
}

fn serve(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let mut out = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut say = |text: &str| out.write_all(format!("{text}\r\n").as_bytes());
    say("220 segflow ESMTP bounce receiver")?;
    let (mut from_given, mut recipients) = (false, Vec::<String>::new());
    while let Some((raw, too_long)) = line(&mut reader)? {
        if too_long {
            say("500 5.5.6 line too long")?;
            continue;
        }
        let text = String::from_utf8_lossy(&raw).to_string();
        let upper = text.to_ascii_uppercase();
        let verb = upper.split_whitespace().next().unwrap_or("");
        match verb {
            "HELO" => say("250 segflow")?,
            "EHLO" => say(&format!(
                "250-segflow\r\n250-8BITMIME\r\n250 SIZE {}",
                shared.max
            ))?,
            "MAIL" if upper.starts_with("MAIL FROM:") => {
                // Any reverse path, the null one `<>` of bounces above all.
                (from_given, recipients) = (true, Vec::new());
                say("250 2.1.0 ok")?
            }
            "RCPT" if upper.starts_with("RCPT TO:") => {
                if !from_given {
                    say("503 5.5.1 MAIL first")?;
                    continue;
                }
                let to = text["RCPT TO:".len()..]
                    .trim()
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_lowercase();
                if accepts(shared, &to) {
                    if recipients.len() < 16 {
                        recipients.push(to);
                    }
                    say("250 2.1.5 ok")?
                } else {
                    say("550 5.1.1 this server takes mail for the bounce address only")?
                }
            }
            "DATA" => {
                if recipients.is_empty() {
                    say("503 5.5.1 RCPT first")?;
                    continue;
                }
                say("354 end data with <CRLF>.<CRLF>")?;
                let Some(data) = message(&mut reader, shared.max)? else {
                    say(&format!(
                        "552 5.3.4 the message is larger than {} bytes",
                        shared.max
                    ))?;
                    (from_given, recipients) = (false, Vec::new());
                    continue;
                };
                say(&record(shared, &data, &recipients))?;
                (from_given, recipients) = (false, Vec::new());
            }
            "RSET" => {
                (from_given, recipients) = (false, Vec::new());
                say("250 2.0.0 ok")?
            }
            "NOOP" => say("250 2.0.0 ok")?,
            "VRFY" => say("252 2.5.0 cannot verify")?,
            "QUIT" => {
                say("221 2.0.0 bye")?;
                return Ok(());
            }
            _ => say("502 5.5.2 command not recognized")?,
        }
    }
    Ok(())
}

/// Whether the listener takes mail for `to`: any address without `smtp_address`, else that
/// address, and with VERP its `local+TOKEN@domain` forms (the token is checked when the report
/// is recorded; one that does not verify ties nothing).
fn accepts(shared: &Shared, to: &str) -> bool {
    let Some(address) = &shared.config.smtp_address else {
        return true;
    };
    let address = address.trim().to_lowercase();
    if address == to {
        return true;
    }
    let base = match to.split_once('@') {
        Some((local, domain)) => {
            let local = local.split_once('+').map_or(local, |(base, _)| base);
            format!("{local}@{domain}")
        }
        None => return false,
    };
    shared.verp.is_some() && base == address
}

/// The message after DATA up to the lone `.`, dot-stuffing undone (RFC 5321, 4.5.2); `None`
/// when it is larger than `max` (it is still read to its end).
fn message(reader: &mut BufReader<TcpStream>, max: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    let mut too_big = false;
    loop {
        let mut buf = Vec::new();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let content = buf
            .strip_suffix(b"\r\n")
            .or(buf.strip_suffix(b"\n"))
            .unwrap_or(&buf);
        if content == b"." {
            return Ok((!too_big).then_some(data));
        }
        let content = content.strip_prefix(b".").unwrap_or(content);
        if data.len() + content.len() + 2 > max {
            too_big = true;
        } else if !too_big {
            data.extend_from_slice(content);
            data.extend_from_slice(b"\r\n");
        }
    }
}

/// Reads one message and records its reports; the reply to its DATA.
fn record(shared: &Shared, raw: &[u8], recipients: &[String]) -> String {
    let (date, message_id, feedback) = match read(raw) {
        Ok(Message::Report {
            date,
            message_id,
            feedback,
            ..
        }) => (date, message_id, feedback),
        Ok(Message::NotAReport) => return "250 2.0.0 accepted".into(),
        Err(e) => {
            tracing::warn!(error = %e, "refused a bounce message that does not read");
            return format!("554 5.6.0 not a readable report: {e}");
        }
    };
    let key = message_id.unwrap_or_else(|| {
        Sha256::digest(raw)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    });
    let writes: Vec<Write> = feedback
        .into_iter()
        .map(|feedback| Write::Feedback {
            event: ProviderEvent {
                feedback,
                provider: "smtp",
                event_id: key.clone(),
                at: date,
            },
            config: shared.config.clone(),
            addressed_to: recipients.to_vec(),
            verp: shared.verp.clone(),
        })
        .collect();
    if writes.is_empty() {
        return "250 2.0.0 accepted".into();
    }
    let now = chrono::Utc::now().timestamp_millis();
    match shared.runtime.block_on(shared.writer.write(writes, now)) {
        Ok(_) => "250 2.0.0 recorded".into(),
        Err(e) => {
            tracing::error!(error = %e, "a bounce report by SMTP was not stored; the sender will retry");
            "451 4.3.0 the report could not be stored; try again later".into()
        }
    }
}
