//! Configuration of the email layer: who mail comes from, how unsubscribe links are signed, which
//! transport carries messages and how the outbox sender paces and retries them.
//!
//! Every struct deserializes with serde and has a `Default`, so `segflow.toml` may leave out any
//! part. Secrets never appear here: only the names of the environment variables that hold them.

use std::path::PathBuf;

use serde::Deserialize;

/// The `[mail]` section of `segflow.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// The `From` mailbox, e.g. `"Acme Shop <news@acme.example>"`.
    pub from: String,
    /// An optional `Reply-To` mailbox.
    pub reply_to: Option<String>,
    /// The domain after `@` in generated Message-IDs; the domain of `from` when absent.
    pub message_id_domain: Option<String>,
    /// The public base URL of `segflow run`: it serves one-click unsubscribe links
    /// (`BASE/u/TOKEN`) and, with `tracking`, the open pixel (`BASE/o/TOKEN`) and click links
    /// (`BASE/c/TOKEN`). The key keeps its historical name.
    pub unsubscribe_base_url: String,
    /// Open and click tracking of campaign email (default true): every http(s) link of the HTML
    /// part is rewritten to a signed `BASE/c/TOKEN` that redirects to it, and a 1x1 pixel
    /// `BASE/o/TOKEN` is added; both become `email_opened` / `email_clicked` events. The text
    /// part is left as written. Set to false to send the HTML exactly as rendered.
    pub tracking: bool,
    /// An optional address for `mailto:` unsubscribe requests in `List-Unsubscribe`.
    pub unsubscribe_mailto: Option<String>,
    /// The name of the environment variable holding the HMAC secret of unsubscribe tokens.
    pub unsubscribe_secret_env: String,
    /// The folder holding one subfolder per template.
    pub templates_dir: PathBuf,
    /// Fuel for one template rendering; bounds the work a merchant template can do.
    pub template_fuel: u64,
    /// Which transport carries messages.
    pub transport: TransportKind,
    pub smtp: SmtpConfig,
    pub file: FileConfig,
    pub delivery: DeliveryConfig,
    /// DKIM signing of every outgoing message; no signing when the section is absent.
    pub dkim: Option<DkimConfig>,
    /// When reported bounces suppress an address (`segflow bounces import`).
    pub bounces: super::bounce::BounceConfig,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            from: "Shop <shop@localhost>".to_string(),
            reply_to: None,
            message_id_domain: None,
            unsubscribe_base_url: "http://localhost:8080".to_string(),
            tracking: true,
            unsubscribe_mailto: None,
            unsubscribe_secret_env: "SEGFLOW_UNSUBSCRIBE_SECRET".to_string(),
            templates_dir: PathBuf::from("workflows/templates"),
            template_fuel: 50_000,
            transport: TransportKind::File,
            smtp: SmtpConfig::default(),
            file: FileConfig::default(),
            delivery: DeliveryConfig::default(),
            dkim: None,
            bounces: super::bounce::BounceConfig::default(),
        }
    }
}

/// The transport that carries messages out of the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// Relay through an SMTP server (`[mail.smtp]`).
    Smtp,
    /// Write `.eml` files into a folder (`[mail.file]`), for previews and development.
    File,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text; only for a trusted relay on the same host or network.
    None,
    /// Plain connection upgraded with STARTTLS, which must succeed (usually port 587).
    Starttls,
    /// TLS from the first byte (implicit TLS, usually port 465).
    Tls,
}

/// The `[mail.smtp]` section.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// The environment variable holding the user name; no authentication when absent.
    pub username_env: Option<String>,
    /// The environment variable holding the password.
    pub password_env: Option<String>,
    /// Timeout of each network operation, in seconds.
    pub timeout_secs: u64,
    /// The most connections kept open to the server.
    pub pool_size: u32,
    /// The name sent in EHLO; the machine's host name when absent.
    pub hello_name: Option<String>,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: "localhost".to_string(),
            port: 587,
            tls: TlsMode::Starttls,
            username_env: None,
            password_env: None,
            timeout_secs: 30,
            pool_size: 4,
            hello_name: None,
        }
    }
}

/// The `[mail.file]` section.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    /// The folder that receives one `<message-id>.eml` file per message.
    pub dir: PathBuf,
}

impl Default for FileConfig {
    fn default() -> Self {
        FileConfig {
            dir: PathBuf::from("outbox"),
        }
    }
}

/// The `[mail.dkim]` section: the signing domain and selector published in DNS, and where the
/// private key comes from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DkimConfig {
    /// The signing domain (`d=`); the domain of `from` when absent.
    pub domain: Option<String>,
    /// The selector (`s=`): the key is published at `SELECTOR._domainkey.DOMAIN`.
    pub selector: String,
    /// The environment variable holding the private key: a PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`)
    /// for `rsa`, the base64 of the 32-byte secret key for `ed25519`.
    pub private_key_env: String,
    /// The signing algorithm.
    pub algorithm: DkimAlgorithm,
}

impl Default for DkimConfig {
    fn default() -> Self {
        DkimConfig {
            domain: None,
            selector: "segflow".to_string(),
            private_key_env: "SEGFLOW_DKIM_PRIVATE_KEY".to_string(),
            algorithm: DkimAlgorithm::Rsa,
        }
    }
}

/// The DKIM signing algorithm, always with SHA-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DkimAlgorithm {
    /// `rsa-sha256`, understood by every receiver.
    Rsa,
    /// `ed25519-sha256` (RFC 8463); not all receivers verify it yet.
    Ed25519,
}

/// The `[mail.delivery]` section: batching, pacing and retries of the outbox sender.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    /// The most messages one drain of the outbox takes.
    pub batch_size: usize,
    /// The most messages sent per second; 0 means no limit.
    pub rate_per_second: f64,
    /// Attempts (the first send included) before a transient failure becomes final.
    pub max_attempts: u32,
    /// The wait before the first retry, in seconds.
    pub backoff_base_secs: u64,
    /// The factor by which each further wait grows.
    pub backoff_factor: f64,
    /// The longest wait between two attempts, in seconds.
    pub backoff_max_secs: u64,
    /// How long the sender loop sleeps when nothing is due, in milliseconds.
    pub poll_interval_ms: u64,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            batch_size: 200,
            rate_per_second: 20.0,
            max_attempts: 8,
            backoff_base_secs: 60,
            backoff_factor: 4.0,
            backoff_max_secs: 6 * 3600,
            poll_interval_ms: 1000,
        }
    }
}

impl DeliveryConfig {
    /// The wait in milliseconds after the `attempts`-th failed attempt (1-based).
    pub fn backoff_ms(&self, attempts: u32) -> i64 {
        let exponent = attempts.saturating_sub(1).min(64) as i32;
        let secs = self.backoff_base_secs as f64 * self.backoff_factor.max(1.0).powi(exponent);
        let capped = secs.min(self.backoff_max_secs as f64).max(0.0);
        (capped * 1000.0) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_toml_keeps_defaults_and_rejects_unknown_keys() {
        let config: MailConfig = toml::from_str(
            "from = \"Acme <news@acme.test>\"\ntransport = \"smtp\"\n[smtp]\nport = 2525\ntls = \"none\"\n[delivery]\nmax_attempts = 3\n",
        )
        .unwrap();
        assert_eq!(config.transport, TransportKind::Smtp);
        assert_eq!((config.smtp.port, config.smtp.tls), (2525, TlsMode::None));
        assert_eq!(config.smtp.host, "localhost");
        assert_eq!(config.delivery.max_attempts, 3);
        assert_eq!(
            config.delivery.batch_size,
            DeliveryConfig::default().batch_size
        );
        assert!(toml::from_str::<MailConfig>("form = \"typo\"").is_err());
        assert_eq!(config.dkim, None);
        assert!(config.tracking, "tracking is on unless switched off");
        let off: MailConfig = toml::from_str("tracking = false\n").unwrap();
        assert!(!off.tracking);
    }

    #[test]
    fn dkim_section_has_defaults_and_rejects_unknown_keys() {
        let config: MailConfig =
            toml::from_str("[dkim]\nselector = \"s2026\"\nalgorithm = \"ed25519\"\n").unwrap();
        let dkim = config.dkim.unwrap();
        assert_eq!(dkim.selector, "s2026");
        assert_eq!(dkim.algorithm, DkimAlgorithm::Ed25519);
        assert_eq!(dkim.domain, None);
        assert_eq!(dkim.private_key_env, DkimConfig::default().private_key_env);
        let defaulted: MailConfig = toml::from_str("[dkim]\n").unwrap();
        assert_eq!(defaulted.dkim.unwrap().algorithm, DkimAlgorithm::Rsa);
        assert!(toml::from_str::<MailConfig>("[dkim]\nkey = \"inline\"\n").is_err());
        assert!(toml::from_str::<MailConfig>("[dkim]\nalgorithm = \"dsa\"\n").is_err());
    }

    #[test]
    fn backoff_grows_by_the_factor_up_to_the_cap() {
        let delivery = DeliveryConfig {
            backoff_base_secs: 60,
            backoff_factor: 4.0,
            backoff_max_secs: 3600,
            ..DeliveryConfig::default()
        };
        let waits: Vec<i64> = (1..=5).map(|n| delivery.backoff_ms(n)).collect();
        assert_eq!(waits, [60_000, 240_000, 960_000, 3_600_000, 3_600_000]);
    }
}
