//! The one thread that writes what the HTTP API accepts, with group commit.
//!
//! SQLite allows one writer at a time, and a commit costs a WAL append plus a sync, so writing
//! each request in its own transaction would cap ingestion at the commit rate. The writer takes
//! every request waiting in its queue, writes each inside its own SAVEPOINT (a bad request
//! rolls back alone), commits them together, and only then answers each one: an acknowledged
//! request is always committed, and a commit failure is reported to every request in it.

use std::path::Path;
use std::sync::mpsc;
use std::sync::Arc;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::metrics::Metrics;
use super::wake::Wake;
use crate::ingest::write::{self, WriteError, Written};
use crate::ingest::{CustomerIn, EventIn, OrderIn};

/// One thing to write.
#[derive(Debug, Clone)]
pub enum Write {
    Customer(CustomerIn),
    Order(OrderIn),
    Event(EventIn),
    /// What a Shopify webhook maps to, resolved as the Shopify CSV import resolves customers.
    Shopify(crate::ingest::Ingest),
    /// The `X-Shopify-Webhook-Id` of the webhook whose writes follow: a redelivery skips them.
    ShopifyDelivery {
        id: String,
        topic: String,
    },
    /// A verified open or click and the request that made it; the customer's external id and
    /// the message's history (for the human or machine class) are read in the transaction.
    Track(crate::mail::TrackClaims, crate::mail::engagement::Fetch),
    /// An email address to suppress, with the reason (an unsubscribe link).
    Suppress {
        email: String,
        reason: String,
    },
    /// The token of a verified Mailgun webhook, signed at `signed_at` (unix ms): recorded
    /// before the request's event, and a token seen before refuses the whole request as a
    /// replay (a conflict on `signature.token`).
    MailgunToken {
        token: String,
        signed_at: i64,
    },
    /// A bounce or complaint a provider's webhook reported, applied as `[mail.bounces]` says.
    Feedback {
        event: crate::mail::bounce::webhook::ProviderEvent,
        config: crate::mail::bounce::BounceConfig,
        /// The addresses a report by SMTP was delivered to (`RCPT TO`); empty for webhooks.
        addressed_to: Vec<String>,
        /// `[mail.bounces] verp`, which reads a VERP address among them.
        verp: Option<crate::mail::verp::Verp>,
    },
}

impl Write {
    fn is_event(&self) -> bool {
        matches!(
            self,
            Write::Event(_) | Write::Track(..) | Write::Shopify(crate::ingest::Ingest::Event(_))
        )
    }
}

/// Why a request was not stored; nothing of it was written either way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Item `index` of the request contradicts the store (an event id of another customer):
    /// the sender must change the request, a retry cannot help (409).
    #[error("{message}")]
    Conflict {
        index: usize,
        field: &'static str,
        message: String,
    },
    /// The store failed; a retry may succeed (503).
    #[error("{0}")]
    Store(String),
}

type Reply = oneshot::Sender<Result<Vec<Written>, Refused>>;

struct Job {
    writes: Vec<Write>,
    now: i64,
    reply: Reply,
}

/// The sending side, cloned into every handler.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

/// The most requests, and items, committed together: bounds the latency one commit adds to the
/// first request and how long the engine's own writes wait for the lock.
const GROUP: usize = 256;
const GROUP_ITEMS: usize = 2_000;

impl Writer {
    /// Starts the writer thread on its own connection to `db`.
    pub fn spawn(
        db: &Path,
        wake: Arc<Wake>,
        metrics: Arc<Metrics>,
    ) -> Result<(Writer, std::thread::JoinHandle<()>), super::StartError> {
        let mut conn = crate::store::open(db)?;
        immediate(&mut conn);
        // The engine's write transactions are kept short, but a refresh that moves a large
        // segment can still hold the lock for seconds: requests wait for it rather than fail.
        conn.busy_timeout(std::time::Duration::from_secs(60))?;
        // A checkpoint copies the WAL into the database file and syncs it, tens of
        // milliseconds the committing request would wait for; a thread of its own runs them
        // (`checkpointer` in mod.rs).
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let (queue, jobs) = mpsc::channel::<Job>();
        let handle = std::thread::Builder::new()
            .name("segflow-writer".into())
            .spawn(move || run(conn, jobs, &wake, &metrics))
            .map_err(|source| super::StartError::Thread {
                name: "writer".into(),
                source,
            })?;
        Ok((Writer { queue }, handle))
    }

    /// Writes `writes` in one savepoint and answers after the commit that contains it.
    pub async fn write(&self, writes: Vec<Write>, now: i64) -> Result<Vec<Written>, Refused> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job { writes, now, reply })
            .map_err(|_| Refused::Store("the daemon is shutting down".to_string()))?;
        answer
            .await
            .map_err(|_| Refused::Store("the writer stopped before committing".to_string()))?
    }
}

/// Runs until every `Writer` is dropped and the queue is empty.
fn run(mut conn: Connection, jobs: mpsc::Receiver<Job>, wake: &Wake, metrics: &Metrics) {
    while let Ok(first) = jobs.recv() {
        let mut items = first.writes.len();
        let mut group = vec![first];
        while group.len() < GROUP && items < GROUP_ITEMS {
            match jobs.try_recv() {
                Ok(job) => {
                    items += job.writes.len();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        let (results, committed) = write_group(&mut conn, &group);
        let mut events = 0;
        for (job, result) in group.into_iter().zip(results) {
            let result = match committed {
                Ok(()) => result,
                Err(ref e) => Err(Refused::Store(format!(
                    "the database refused the commit: {e}"
                ))),
            };
            if let Ok(written) = &result {
                events += job
                    .writes
                    .iter()
                    .zip(written)
                    .filter(|(w, done)| done.fresh && w.is_event())
                    .count();
            }
            // A client that went away simply does not read its answer.
            let _ = job.reply.send(result);
        }
        if committed.is_ok() {
            metrics.add_events(events as u64);
            wake.raise();
        }
    }
}

type GroupResult = (Vec<Result<Vec<Written>, Refused>>, Result<(), String>);

fn write_group(conn: &mut Connection, group: &[Job]) -> GroupResult {
    let mut tx = match conn.transaction() {
        Ok(tx) => tx,
        Err(e) => {
            let message = format!("cannot start a transaction: {e}");
            let refused = Refused::Store(message.clone());
            return (vec![Err(refused); group.len()], Err(message));
        }
    };
    let mut results = Vec::with_capacity(group.len());
    for job in group {
        results.push(write_job(&mut tx, job));
    }
    let committed = tx.commit().map_err(|e| e.to_string());
    if let Err(e) = &committed {
        tracing::error!(error = %e, "commit of ingested data failed; the requests get 503");
    }
    (results, committed)
}

/// Writes one request's items in a savepoint of the group's transaction, so a refused item
/// undoes that request alone (the savepoint rolls back when dropped uncommitted).
fn write_job(tx: &mut rusqlite::Transaction, job: &Job) -> Result<Vec<Written>, Refused> {
    let fail = |e: rusqlite::Error| Refused::Store(e.to_string());
    let sp = tx.savepoint().map_err(fail)?;
    let tx: &rusqlite::Connection = &sp;
    let mut written = Vec::with_capacity(job.writes.len());
    let mut outcome = Ok(());
    for (index, w) in job.writes.iter().enumerate() {
        if let Write::ShopifyDelivery { id, topic } = w {
            match crate::ingest::shopify_delivery::record(tx, id, topic, job.now) {
                Ok(true) => {}
                Ok(false) => {
                    tracing::info!(webhook_id = %id, %topic, "a redelivered Shopify webhook was acknowledged and not stored again");
                    break;
                }
                Err(e) => {
                    outcome = Err(Refused::Store(e.to_string()));
                    break;
                }
            }
        }
        let result = match w {
            Write::Customer(c) => write::customer(tx, c).map_err(WriteError::from),
            Write::Order(o) => write::order(tx, o).map_err(WriteError::from),
            Write::Event(e) => write::event(tx, e, job.now),
            Write::Shopify(item) => crate::ingest::shopify::write(tx, item, job.now),
            // Recorded above; it writes no customer data.
            Write::ShopifyDelivery { .. } => Ok(Written {
                customer: 0,
                fresh: false,
            }),
            Write::Track(claims, fetch) => track(tx, claims, fetch, job.now),
            Write::MailgunToken { token, signed_at } => {
                mailgun_token(tx, token, *signed_at, job.now)
            }
            Write::Feedback {
                event,
                config,
                addressed_to,
                verp,
            } => feedback(tx, event, config, (addressed_to, verp.as_ref()), job.now),
            Write::Suppress { email, reason } => {
                crate::mail::suppressions::suppress(tx, email, reason, job.now)
                    .map(|_| Written {
                        customer: 0,
                        fresh: true,
                    })
                    .map_err(WriteError::from)
            }
        };
        match result {
            Ok(w) => written.push(w),
            Err(WriteError::Conflict { field, message }) => {
                outcome = Err(Refused::Conflict {
                    index,
                    field,
                    message,
                });
                break;
            }
            Err(WriteError::Store(e)) => {
                outcome = Err(Refused::Store(e.to_string()));
                break;
            }
        }
    }
    match outcome {
        Ok(()) => {
            sp.commit().map_err(fail)?;
            Ok(written)
        }
        Err(refused) => {
            // Dropping uncommitted, the savepoint rolls back to its start and is released.
            sp.finish().map_err(fail)?;
            Err(refused)
        }
    }
}

/// Records a provider's bounce or complaint; `fresh` when it was not recorded before.
fn mailgun_token(
    tx: &rusqlite::Connection,
    token: &str,
    signed_at: i64,
    now: i64,
) -> Result<Written, WriteError> {
    use crate::mail::bounce::webhook::mailgun::REPLAY_WINDOW_MS;
    if crate::store::mailgun_tokens::record(tx, token, signed_at, now, REPLAY_WINDOW_MS)? {
        return Ok(Written {
            customer: 0,
            fresh: false,
        });
    }
    tracing::warn!(
        token,
        "refused a Mailgun webhook whose token was seen before (a replay)"
    );
    Err(WriteError::Conflict {
        field: "signature.token",
        message:
            "this signature's token was accepted before: a replayed webhook is not recorded again"
                .into(),
    })
}

fn feedback(
    tx: &rusqlite::Connection,
    event: &crate::mail::bounce::webhook::ProviderEvent,
    config: &crate::mail::bounce::BounceConfig,
    (addressed_to, verp): (&[String], Option<&crate::mail::verp::Verp>),
    now: i64,
) -> Result<Written, WriteError> {
    use crate::mail::bounce::{apply, Outcome, Source};
    let label = format!("{} event {}", event.provider, event.event_id);
    let source = Source {
        label: &label,
        received_at: event.at.unwrap_or(now),
        report_key: &label,
        addressed_to,
        verp,
    };
    let outcome = apply(tx, &event.feedback, &source, config, now)?;
    if let Outcome::Unknown { recipient } = &outcome {
        tracing::info!(provider = event.provider, recipient = ?recipient, "a reported bounce or complaint names no known message or customer; not recorded");
    }
    Ok(Written {
        customer: 0,
        fresh: matches!(outcome, Outcome::Recorded(_)),
    })
}

fn track(
    tx: &rusqlite::Connection,
    claims: &crate::mail::TrackClaims,
    fetch: &crate::mail::engagement::Fetch,
    now: i64,
) -> Result<Written, WriteError> {
    use crate::mail::engagement::{classify, History, BURST_MS};
    let external = crate::store::customers::external(tx, claims.customer)?;
    match external {
        Some(external) => {
            let history = History {
                sent_at: crate::store::outbox::sent_at_of(tx, &claims.message_id)?,
                clicks: crate::store::events::clicks_of_message(
                    tx,
                    claims.customer,
                    &claims.message_id,
                    now - BURST_MS,
                )?,
            };
            let class = classify(claims.kind, fetch, &history, claims.url.as_deref(), now);
            let event = crate::mail::event_for(claims, &external, now, &class);
            write::event(tx, &event, now)
        }
        // The customer was deleted since the email went out: nothing to attribute it to.
        None => Ok(Written {
            customer: claims.customer,
            fresh: false,
        }),
    }
}

/// Makes every transaction of `conn` take the write lock when it begins. A deferred transaction
/// that reads first and writes later fails at once with SQLITE_BUSY (no busy wait is possible)
/// when another connection committed in between; the daemon has three writing connections.
pub fn immediate(conn: &mut Connection) {
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
}
