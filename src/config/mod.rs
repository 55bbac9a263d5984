//! `segflow.toml`: where the store and the rules are, and shop settings.
//!
//! Every setting has a default, so segflow runs without a config file; command-line flags win
//! over the file. Secrets never live here: later settings that need them (SMTP passwords, API
//! tokens) name an environment variable instead.

mod daemon;

pub use daemon::DaemonConfig;

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub store: StoreConfig,
    pub rules: RulesConfig,
    pub shop: ShopConfig,
    pub mail: crate::mail::MailConfig,
    pub policy: crate::policy::PolicyConfig,
    pub lifecycle: crate::analytics::LifecycleConfig,
    pub daemon: DaemonConfig,
    /// `[[webhooks]]`: the endpoints that hear about segment, journey and message events.
    pub webhooks: Vec<crate::webhooks::WebhookConfig>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// The SQLite database file, relative to the config file's directory.
    pub path: PathBuf,
    /// How long a command (import, refresh, model fit, ...) waits for the write lock while
    /// another writer, usually a running `segflow run`, holds it, in milliseconds.
    #[serde(deserialize_with = "crate::policy::config::duration")]
    pub busy_timeout: i64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RulesConfig {
    /// The directory of segment rule files, relative to the config file's directory.
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ShopConfig {
    pub name: String,
    /// ISO 4217 code of the shop's currency; money is stored in its minor units.
    pub currency: String,
    /// The IANA time zone used where a customer has none.
    pub timezone: String,
    /// Order statuses that are no purchase: such orders stay in `orders` but count for no
    /// derived field, model or revenue figure (see `store::order_status`).
    pub uncounted_statuses: Vec<String>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: PathBuf::from("segflow.db"),
            busy_timeout: 30_000,
        }
    }
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig {
            dir: PathBuf::from("rules"),
        }
    }
}

impl Default for ShopConfig {
    fn default() -> Self {
        ShopConfig {
            name: "My Shop".into(),
            currency: "USD".into(),
            timezone: "UTC".into(),
            uncounted_statuses: vec!["cancelled".into(), "voided".into()],
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
}

impl Config {
    /// Reads `path`; relative paths inside are resolved against the file's directory.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Reads `text` as the file `path` (an editor's unsaved text of it, say).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim().replace('\n', "\n  "),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.store.path = base.join(&config.store.path);
        config.rules.dir = base.join(&config.rules.dir);
        config.mail.templates_dir = base.join(&config.mail.templates_dir);
        config.mail.file.dir = base.join(&config.mail.file.dir);
        if let Some(cert) = &config.mail.bounces.ses_certificate {
            config.mail.bounces.ses_certificate = Some(base.join(cert));
        }
        Ok(config)
    }

    /// The config in `segflow.toml` of the current directory if there is one, else defaults.
    pub fn discover() -> Result<Config, ConfigError> {
        let path = Path::new("segflow.toml");
        if path.exists() {
            Config::load(path)
        } else {
            Ok(Config::default())
        }
    }
}

/// The commented `segflow.toml` that `segflow init` writes.
pub const TEMPLATE: &str = r#"#:schema ./schemas/config.schema.json
# segflow configuration. Every setting has a default; paths are relative to this file.

[store]
# The SQLite database with customers, orders, events and segment membership.
path = "segflow.db"
# How long a command such as import or refresh waits for the write lock while `segflow run`
# or another command is writing, before it gives up and says so.
busy_timeout = "30s"

[rules]
# Segment definitions, one YAML file per segment.
dir = "rules"

[shop]
name = "My Shop"
# Money is stored in this currency's minor units (cents).
currency = "USD"
# Used for customers without a time zone of their own.
timezone = "UTC"
# Orders with these statuses (or a cancellation time) stay in `orders` but are no purchase:
# orders_count, total_spent, aov, the models and report revenue leave them out.
uncounted_statuses = ["cancelled", "voided"]

[mail]
from = "Shop <shop@localhost>"
# reply_to = "Shop <help@shop.example>"
# message_id_domain = "shop.example"      # default: the domain of `from`
# Unsubscribe links are BASE/u/TOKEN, signed with the secret in this environment variable.
unsubscribe_base_url = "http://localhost:8080"
# unsubscribe_mailto = "unsubscribe@shop.example"
unsubscribe_secret_env = "SEGFLOW_UNSUBSCRIBE_SECRET"
# One folder per template: NAME/subject.txt, NAME/body.html and optionally NAME/body.txt.
templates_dir = "workflows/templates"
# Work one template rendering may do before it is stopped.
template_fuel = 50000
# "file" writes .eml files into [mail.file] dir; "smtp" relays through [mail.smtp].
transport = "file"

[mail.file]
dir = "outbox"

[mail.smtp]
host = "localhost"
port = 587
tls = "starttls"                          # "none", "starttls" or "tls"
# username_env = "SEGFLOW_SMTP_USER"
# password_env = "SEGFLOW_SMTP_PASSWORD"
timeout_secs = 30
pool_size = 4

[mail.delivery]
batch_size = 200
rate_per_second = 20.0
max_attempts = 8
backoff_base_secs = 60
backoff_factor = 4.0
backoff_max_secs = 21600
poll_interval_ms = 1000

[mail.bounces]
# `segflow bounces import` suppresses hard bounces and spam complaints at once, and an address
# with this many soft bounces (a full mailbox, a timeout) within the window.
soft_limit = 3
soft_window = "30d"
# `segflow run` takes Mailgun's bounce and complaint webhooks at /webhooks/mailgun, signed
# with the key in this environment variable.
mailgun_signing_key_env = "SEGFLOW_MAILGUN_SIGNING_KEY"
# ... and Postmark's at /webhooks/postmark, with these basic auth credentials in its URL.
postmark_username_env = "SEGFLOW_POSTMARK_USERNAME"
postmark_password_env = "SEGFLOW_POSTMARK_PASSWORD"
# ... and SendGrid's signed Event Webhook at /webhooks/sendgrid, with its verification key.
sendgrid_public_key_env = "SEGFLOW_SENDGRID_PUBLIC_KEY"
# ... and Amazon SES notifications through SNS at /webhooks/ses, verified with the SNS
# signing certificate saved from a notification's SigningCertURL, of this topic only.
# ses_certificate = "sns-signing.pem"
# ses_topic_arn = "arn:aws:sns:us-east-1:123456789012:ses-bounces"
# `segflow run` can also take reports by SMTP, behind the MX of the bounce address.
# smtp_bind = "127.0.0.1:2525"
# smtp_address = "bounces@shop.example"
# Bounces go to the envelope sender: set it to the bounce address, and with verp = true give
# every message its own signed address bounces+TOKEN@shop.example that names it.
# return_path = "bounces@shop.example"
# verp = true
# Postmark metadata naming the message; by default when [mail.smtp] host is on postmarkapp.com.
# postmark_metadata = true

[policy]
# Marketing mail needs accepts_marketing = true; a workflow may say `policy: { marketing: false }`.
marketing = true
require_consent = true
# Customers without a valid time zone of their own.
default_timezone = "UTC"
# At most `max` marketing emails per customer in any window of `per`; "hold" or "skip" the rest.
frequency_cap = { max = 3, per = "7d", action = "hold" }
# No email in these local hours of the customer; held messages go out when the window ends.
quiet_hours = { start = "21:00", end = "08:00" }

[lifecycle]
# The lifecycle stage rules (README, "Model scores"): new, reactivated, at risk, lapsed, loyal.
new_within = "30d"
recent_within = "30d"
loyal_orders = 3
lapsed_after = "365d"
at_risk_factor = 1.5
at_risk_min = "30d"
one_time_at_risk_after = "90d"

[daemon]
# `segflow run` serves its HTTP API here (SEGFLOW_BIND overrides it).
bind = "127.0.0.1:8080"
# Bearer token of /v1/* and the Shopify webhook secret, read from these environment variables.
token_env = "SEGFLOW_API_TOKEN"
shopify_secret_env = "SEGFLOW_SHOPIFY_SECRET"
# The token that signs in to the dashboard at /dashboard; unset, the dashboard is disabled.
dashboard_token_env = "SEGFLOW_DASHBOARD_TOKEN"
# Segments without a `refresh:` of their own are fully re-evaluated this often.
refresh_every = "15m"
reload_poll = "2s"
tick = "1s"
shutdown_grace = "10s"
max_body_bytes = 1048576
# How long a webhook's body may take to arrive once its headers have (then 408).
body_timeout = "10s"
max_batch = 1000
send_connections = 1
max_overlay = 50000
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parses_to_defaults() {
        let parsed: Config = toml::from_str(TEMPLATE).unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(toml::from_str::<Config>("[store]\npaht = \"x\"").is_err());
        assert!(toml::from_str::<Config>("[mail]\nform = \"x\"").is_err());
        assert!(toml::from_str::<Config>("[policy]\nquiet = true").is_err());
    }
}
