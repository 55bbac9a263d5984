//! The SMTP transport: lettre's blocking client with a connection pool, TLS per config,
//! credentials from environment variables, and timeouts. Its job beyond sending is to classify
//! failures: lettre's `is_transient()`/`is_permanent()` decide retry versus give up, and the
//! reply code decides whether a permanent failure is a hard bounce that suppresses the address.

use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::PoolConfig;

use super::config::{SmtpConfig, TlsMode};
use super::message::{ConfigError, OutgoingEmail};
use super::transport::{SendError, Transport};

/// Sends email through an SMTP relay over pooled connections.
#[derive(Clone)]
pub struct SmtpTransport {
    inner: lettre::SmtpTransport,
}

impl std::fmt::Debug for SmtpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpTransport { .. }")
    }
}

impl SmtpTransport {
    /// Builds the transport from `[mail.smtp]`, reading credentials from the named variables.
    pub fn from_config(config: &SmtpConfig) -> Result<Self, ConfigError> {
        let tls = match config.tls {
            TlsMode::None => Tls::None,
            TlsMode::Starttls => Tls::Required(tls_parameters(&config.host)?),
            TlsMode::Tls => Tls::Wrapper(tls_parameters(&config.host)?),
        };
        let mut builder = lettre::SmtpTransport::builder_dangerous(config.host.clone())
            .port(config.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(config.timeout_secs.max(1))))
            .pool_config(PoolConfig::new().max_size(config.pool_size.max(1)));
        if let Some(name) = &config.hello_name {
            builder = builder.hello_name(ClientId::Domain(name.clone()));
        }
        if let Some(user_var) = &config.username_env {
            let username = env_var("smtp.username_env", user_var)?;
            let password =
                match &config.password_env {
                    Some(var) => env_var("smtp.password_env", var)?,
                    None => return Err(ConfigError {
                        field: "smtp.password_env",
                        value: String::new(),
                        reason:
                            "a user name is configured but no password variable; set password_env"
                                .to_string(),
                    }),
                };
            builder = builder.credentials(Credentials::new(username, password));
        }
        Ok(SmtpTransport {
            inner: builder.build(),
        })
    }
}

fn tls_parameters(host: &str) -> Result<TlsParameters, ConfigError> {
    TlsParameters::new(host.to_string()).map_err(|e| ConfigError {
        field: "smtp.tls",
        value: host.to_string(),
        reason: format!("cannot set up TLS: {e}"),
    })
}

fn env_var(field: &'static str, var: &str) -> Result<String, ConfigError> {
    std::env::var(var).map_err(|_| ConfigError {
        field,
        value: var.to_string(),
        reason: format!("the environment variable {var} is not set"),
    })
}

impl Transport for SmtpTransport {
    fn send(&self, msg: &OutgoingEmail) -> Result<(), SendError> {
        lettre::Transport::send(&self.inner, msg.message())
            .map(|_| ())
            .map_err(|e| classify(&e))
    }
}

/// Maps a lettre error onto the retry policy.
pub fn classify(error: &lettre::transport::smtp::Error) -> SendError {
    let message = error.to_string();
    if error.is_permanent() {
        let code = error.status().map(u16::from);
        SendError::Permanent {
            hard_bounce: is_hard_bounce(code, &message),
            code,
            message,
        }
    } else {
        // 4xx replies, timeouts, refused connections and TLS hiccups may all pass.
        SendError::Transient { message }
    }
}

/// Whether a permanent reply says the mailbox itself is bad: 550 (unavailable), 551 (not local)
/// or 553 (name not allowed), unless its enhanced status says the refusal is a policy block
/// (5.7.x), which is about the sender or content rather than the address.
pub fn is_hard_bounce(code: Option<u16>, message: &str) -> bool {
    matches!(code, Some(550 | 551 | 553)) && !message.contains("5.7.")
}
