//! Why `segflow run` could not start, each said in one message with what to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("another segflow daemon is running on {} (it holds {}); stop it first, `segflow status` shows it", .db.display(), .lock.display())]
    Running { db: PathBuf, lock: PathBuf },
    #[error("cannot create the lock file {}: {source}", .path.display())]
    LockFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("the store: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error(transparent)]
    Files(#[from] crate::repository::LoadError),
    #[error(transparent)]
    Secret(#[from] crate::mail::TokenError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot listen on {bind}: {source}; set [daemon] bind or --bind to a free address")]
    Listen {
        bind: String,
        source: std::io::Error,
    },
    #[error("cannot listen for bounces on {bind}: {source}; set [mail.bounces] smtp_bind to a free address")]
    BounceListen {
        bind: String,
        source: std::io::Error,
    },
    #[error("cannot start the {name} thread: {source}")]
    Thread {
        name: String,
        source: std::io::Error,
    },
    #[error("[mail] in the config: {0}")]
    Mail(crate::mail::message::ConfigError),
    #[error(transparent)]
    Webhooks(#[from] crate::webhooks::WebhookError),
    #[error("cannot apply [shop] uncounted_statuses: {0}")]
    Statuses(rusqlite::Error),
}
