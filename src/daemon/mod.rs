//! `segflow run`: the long-running process merchants deploy. It keeps segments fresh on their
//! schedules, reacts to events within a second, sends from the outbox, and serves the HTTP API,
//! webhooks and email links.
//!
//! Threads and what they own:
//! - the tokio runtime serves HTTP; handlers never touch SQLite themselves;
//! - `writer` is the only thread that writes ingested data (group commit, answer after commit);
//! - `engine` owns the warm snapshot, segment refreshes, hot reload and the journey engine;
//! - `sender` drains the outbox through the configured transport.
//!
//! They share nothing but the database (WAL lets readers and the one writer at a time proceed
//! together), the metrics, and two wake-ups. A stop (SIGTERM or SIGINT) stops accepting
//! requests, lets in-flight requests commit, lets the sender finish the messages on the wire,
//! records the stop, and exits within `[daemon] shutdown_grace`.

mod bounce_smtp;
mod engine;
mod http;
pub mod membership;
mod metrics;
pub(crate) mod priority;
mod start_error;
pub mod status;
mod wake;
pub mod warm;
mod webhooks;
mod writer;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::config::DaemonConfig;
pub use start_error::StartError;

use crate::config::Config;
use crate::mail::{Clock, TrackingSigner};
use crate::repository::{Generation, Paths};
use engine::Engine;
use metrics::Metrics;
use wake::Wake;
use warm::WarmSnapshot;
use writer::Writer;

/// Everything `segflow run` needs to start.
pub struct Setup {
    pub config: Config,
    pub db: PathBuf,
    pub paths: Paths,
    /// Overrides `[daemon] bind`.
    pub bind: Option<String>,
    /// The time the engine (passes, journeys, reloads) and the sender work by: the wall clock
    /// in production. The HTTP handlers stamp receipt with the wall clock.
    pub clock: Arc<dyn Clock + Send + Sync>,
}

/// Runs until SIGTERM or SIGINT. `Err` is a start-up failure, said in one message.
pub fn run(setup: Setup) -> Result<(), StartError> {
    let Setup {
        config,
        db,
        paths,
        bind,
        clock,
    } = setup;
    let now = || clock.now_ms();
    let bind = bind
        .or_else(|| std::env::var("SEGFLOW_BIND").ok())
        .unwrap_or_else(|| config.daemon.bind.clone());
    let _lock = lock(&db)?;
    let mut conn = crate::store::open(&db)?;
    writer::immediate(&mut conn);
    conn.busy_timeout(Duration::from_secs(60))?;
    let gen = Generation::load(&paths, &config)?;
    if let Some(w) = &gen.warning {
        tracing::warn!("{w}");
    }
    let started = Instant::now();
    let warm = WarmSnapshot::load(&conn, config.daemon.max_overlay, Some(db.clone()))?;
    tracing::info!(
        customers = warm.customers(),
        millis = started.elapsed().as_millis() as u64,
        segments = gen.segments.len(),
        workflows = gen.workflows.workflows.len(),
        "store loaded"
    );

    let metrics = Arc::new(Metrics::default());
    let wake = Arc::new(Wake::default());
    let send_wake = Arc::new(Wake::default());
    let checkpoint_wake = Arc::new(Wake::default());
    let webhook_wake = Arc::new(Wake::default());
    let stop = Arc::new(AtomicBool::new(false));
    let (writer, writer_thread) = Writer::spawn(&db, wake.clone(), metrics.clone())?;

    let (unsubscribe, _) = crate::workflow::signer_from_env(&config.mail.unsubscribe_secret_env)?;
    // The sender writes VERP addresses and the bounce listener reads them: a setting that
    // cannot work stops the start rather than the sender thread later.
    let verp = crate::mail::message::verp_of(&config.mail).map_err(StartError::Mail)?;
    let hooks = crate::webhooks::load(&config.webhooks, &|var| std::env::var(var).ok())?;
    // Before any request is served: a webhook seen for the first time starts at the journals'
    // ends now, so the changes of the first requests cannot fall before its start.
    crate::webhooks::pump(&mut conn, &hooks, now())?;
    let secret = |var: &str| std::env::var(var).ok().filter(|v| !v.is_empty());
    let token = secret(&config.daemon.token_env);
    if token.is_none() {
        tracing::warn!(var = %config.daemon.token_env, "no API token is set: /v1/* answers 503");
    }
    let shopify_secret = secret(&config.daemon.shopify_secret_env).map(String::into_bytes);
    let dashboard_token = secret(&config.daemon.dashboard_token_env);
    if dashboard_token.is_none() {
        tracing::warn!(var = %config.daemon.dashboard_token_env, "no dashboard token is set: /dashboard answers 503");
    }
    let dashboard = http::dashboard::DashboardState::new(
        dashboard_token.as_deref(),
        db.clone(),
        config.shop.clone(),
        gen.workflows
            .split_metrics()
            .into_iter()
            .map(|(workflow, split, metric)| ((workflow, split), metric))
            .collect(),
    );
    let state = Arc::new(http::AppState {
        writer,
        metrics: metrics.clone(),
        token,
        shopify_secret,
        mailgun_key: secret(&config.mail.bounces.mailgun_signing_key_env).map(String::into_bytes),
        postmark_credentials: secret(&config.mail.bounces.postmark_username_env)
            .zip(secret(&config.mail.bounces.postmark_password_env)),
        sendgrid_key: secret(&config.mail.bounces.sendgrid_public_key_env)
            .map(|key| crate::mail::bounce::webhook::sendgrid::public_key(&key)),
        ses: http::ses_settings(&config.mail.bounces),
        bounces: config.mail.bounces.clone(),
        tracking: TrackingSigner::from_unsubscribe(&unsubscribe),
        unsubscribe,
        max_batch: config.daemon.max_batch,
        max_body: config.daemon.max_body_bytes,
        body_timeout: Duration::from_millis(config.daemon.body_timeout.max(1) as u64),
        dashboard,
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(StartError::Runtime)?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(&bind))
        .map_err(|source| StartError::Listen {
            bind: bind.clone(),
            source,
        })?;
    let local = listener
        .local_addr()
        .map_or(bind.clone(), |a| a.to_string());
    let max_body = config.daemon.max_body_bytes;
    let runtime_handle = runtime.handle().clone();
    bounce_smtp::start(
        &config.mail.bounces,
        state.writer.clone(),
        runtime_handle,
        max_body,
        verp,
    )?;
    status::started(&conn, &local, now())?;
    // The workflows go live now, before the first request is served: what the API receives
    // from here on happens after their activation and starts journeys; what the store already
    // holds does not (README, "Triggers never reach back").
    crate::workflow::activate(&mut conn, &gen.workflows, now())?;
    crate::store::order_status::sync(&mut conn, &config.shop.uncounted_statuses)
        .map_err(StartError::Statuses)?;

    let grace = Duration::from_millis(config.daemon.shutdown_grace.max(0) as u64);
    let future = warm.after(now()).into_iter().collect();
    let engine = Engine {
        clock: clock.clone(),
        conn,
        gen,
        warm,
        paths,
        config: config.clone(),
        metrics: metrics.clone(),
        wake: wake.clone(),
        send_wake: send_wake.clone(),
        stop: stop.clone(),
        last_poll: Instant::now(),
        next_due: Default::default(),
        last_beat: None,
        future,
        rescored_at: None,
    };
    let engine_thread = spawn("segflow-engine", move || {
        priority::lower_this_thread();
        engine.run()
    })?;
    let sender_thread = {
        let (db, mail, stop, wake) = (
            db.clone(),
            config.mail.clone(),
            stop.clone(),
            send_wake.clone(),
        );
        let metrics = metrics.clone();
        let connections = config.daemon.send_connections;
        let clock = clock.clone();
        spawn("segflow-sender", move || {
            sender_loop(&db, &mail, &stop, &wake, &metrics, connections, &*clock)
        })?
    };

    let webhook_thread = if hooks.is_empty() {
        None
    } else {
        let (db, stop, wake, clock) = (
            db.clone(),
            stop.clone(),
            webhook_wake.clone(),
            clock.clone(),
        );
        Some(spawn("segflow-webhooks", move || {
            webhooks::webhook_loop(&db, &hooks, &stop, &wake, &*clock)
        })?)
    };

    let checkpoint_thread = {
        let (db, stop, wake) = (db.clone(), stop.clone(), checkpoint_wake.clone());
        spawn("segflow-checkpoint", move || {
            checkpointer(&db, &stop, &wake)
        })?
    };

    tracing::info!(address = %local, "listening");
    // Printed for scripts and tests that start the daemon on port 0.
    println!("segflow listening on http://{local}");
    let app = http::router(state);
    let served = runtime.block_on(async {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
    });
    if let Err(e) = served {
        tracing::error!(error = %e, "the HTTP server failed");
    }
    tracing::info!("stopping: no new requests; finishing in-flight work");
    let deadline = Instant::now() + grace;
    // Dropping the runtime drops the router's state and with it the last `Writer`, so the
    // writer thread commits what it holds and ends.
    runtime.shutdown_timeout(grace);
    stop.store(true, Ordering::SeqCst);
    wake.raise();
    send_wake.raise();
    checkpoint_wake.raise();
    webhook_wake.raise();
    let mut clean = true;
    let threads = [
        ("writer", Some(writer_thread)),
        ("engine", Some(engine_thread)),
        ("sender", Some(sender_thread)),
        ("checkpoint", Some(checkpoint_thread)),
        ("webhooks", webhook_thread),
    ];
    for (name, handle) in threads
        .into_iter()
        .filter_map(|(name, h)| h.map(|h| (name, h)))
    {
        while !handle.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if handle.is_finished() {
            let _ = handle.join();
        } else {
            clean = false;
            tracing::warn!(
                thread = name,
                "did not finish within shutdown_grace; its work resumes at the next start"
            );
        }
    }
    if let Ok(conn) = crate::store::open(&db) {
        let _ = status::stopped(&conn, now());
    }
    tracing::info!(clean, "stopped");
    Ok(())
}

fn spawn(
    name: &str,
    f: impl FnOnce() + Send + 'static,
) -> Result<std::thread::JoinHandle<()>, StartError> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map_err(|source| StartError::Thread {
            name: name.to_string(),
            source,
        })
}

/// One daemon per database: two would both run schedules and send. The lock is an OS file
/// lock, released by the kernel however the process ends.
fn lock(db: &Path) -> Result<File, StartError> {
    let path = db.with_extension("daemon.lock");
    let file = File::create(&path).map_err(|source| StartError::LockFile {
        path: path.clone(),
        source,
    })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(_) => Err(StartError::Running {
            db: db.to_path_buf(),
            lock: path,
        }),
    }
}

fn sender_loop(
    db: &Path,
    mail: &crate::mail::MailConfig,
    stop: &AtomicBool,
    wake: &Wake,
    metrics: &Metrics,
    connections: usize,
    clock: &dyn Clock,
) {
    let setup = crate::store::open(db)
        .map_err(|e| e.to_string())
        .and_then(|conn| crate::mail::configured_sender(mail).map(|s| (conn, s)));
    let (mut conn, sender) = match setup {
        Ok(pair) => pair,
        Err(e) => {
            tracing::error!(error = %e, "the sender cannot start; queued mail waits for a restart");
            return;
        }
    };
    writer::immediate(&mut conn);
    // A `segflow send` from cron may be delivering right now: wait for it to finish rather than
    // take its message in flight.
    let mut said = false;
    let _lock = loop {
        match crate::mail::sender_lock::try_lock(db) {
            Ok(Some(lock)) => break lock,
            Ok(None) if !said => {
                said = true;
                tracing::info!("another sender (`segflow send`) is delivering; waiting for it");
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "the sender cannot take its lock; retrying"),
        }
        if stop.load(Ordering::SeqCst) {
            return;
        }
        wake.wait(Duration::from_secs(1));
    };
    match sender.recover(&conn, clock.now_ms()) {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            messages = n,
            "messages interrupted by an earlier stop are sent again with their Message-ID"
        ),
        Err(e) => tracing::error!(error = %e, "recovering interrupted sends failed"),
    }
    let poll = Duration::from_millis(mail.delivery.poll_interval_ms.max(50));
    while !stop.load(Ordering::SeqCst) {
        match sender.drain_concurrent(&conn, clock, stop, connections) {
            Ok(r) => {
                metrics.sends("sent", r.sent as u64);
                metrics.sends("retried", r.retried as u64);
                metrics.sends("failed", r.failed as u64);
                metrics.sends("bounced", r.bounced as u64);
                metrics.sends("suppressed", r.skipped as u64);
                if r.processed() > 0 {
                    tracing::info!(
                        sent = r.sent,
                        retried = r.retried,
                        failed = r.failed,
                        "outbox drained"
                    );
                    continue;
                }
            }
            Err(e) => tracing::error!(error = %e, "sending failed; retrying"),
        }
        wake.wait(poll);
    }
    tracing::info!("sender stopped");
}

/// Moves the WAL into the database file once a second (PASSIVE: it never blocks a writer or a
/// reader), so that neither the HTTP writer, which has automatic checkpoints turned off, nor the
/// engine spends a request's or a journey's time on it.
fn checkpointer(db: &Path, stop: &AtomicBool, wake: &Wake) {
    priority::lower_this_thread();
    let conn = match crate::store::open(db) {
        Ok(conn) => conn,
        Err(e) => {
            tracing::error!(error = %e, "the checkpoint thread cannot open the store; the WAL grows until a restart");
            return;
        }
    };
    while !stop.load(Ordering::SeqCst) {
        if let Err(e) = crate::store::checkpoint(&conn) {
            tracing::warn!(error = %e, "checkpoint failed; retrying");
        }
        wake.wait(Duration::from_secs(1));
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("stop signal received");
}

/// Sets up logging: `SEGFLOW_LOG` (a tracing filter such as `info` or `segflow=debug`),
/// `info` by default, on stderr.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SEGFLOW_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
