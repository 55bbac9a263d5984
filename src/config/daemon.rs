//! `[daemon]` in `segflow.toml`: where `segflow run` listens, which environment variables hold
//! its secrets, and the pace of its loops. Every setting has a default so a bare config works.

use serde::Deserialize;

use crate::policy::config::duration;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DaemonConfig {
    /// The address the HTTP API listens on; `SEGFLOW_BIND` overrides it.
    pub bind: String,
    /// The environment variable holding the bearer token of `/v1/*`. Without it the API
    /// answers 503 (tracking, unsubscribe and health endpoints still work).
    pub token_env: String,
    /// The environment variable holding the Shopify webhook secret. Without it webhooks get 503.
    pub shopify_secret_env: String,
    /// The environment variable holding the token that signs in to `/dashboard`. Without it
    /// the dashboard answers 503.
    pub dashboard_token_env: String,
    /// How often segments without a `refresh:` of their own are fully re-evaluated.
    #[serde(deserialize_with = "duration")]
    pub refresh_every: i64,
    /// How often rule, workflow and template files are checked for changes.
    #[serde(deserialize_with = "duration")]
    pub reload_poll: i64,
    /// The longest the engine sleeps when nothing wakes it.
    #[serde(deserialize_with = "duration")]
    pub tick: i64,
    /// How long a stop waits for in-flight work before exiting anyway.
    #[serde(deserialize_with = "duration")]
    pub shutdown_grace: i64,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long a webhook's body may take to arrive once its headers have.
    #[serde(deserialize_with = "duration")]
    pub body_timeout: i64,
    /// The most items (events, customers, orders) in one request.
    pub max_batch: usize,
    /// SMTP connections the sender keeps busy.
    pub send_connections: usize,
    /// Changed customers kept beside the warm snapshot before it is reloaded whole.
    pub max_overlay: usize,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        DaemonConfig {
            bind: "127.0.0.1:8080".into(),
            token_env: "SEGFLOW_API_TOKEN".into(),
            shopify_secret_env: "SEGFLOW_SHOPIFY_SECRET".into(),
            dashboard_token_env: "SEGFLOW_DASHBOARD_TOKEN".into(),
            refresh_every: 15 * 60_000,
            reload_poll: 2_000,
            tick: 1_000,
            shutdown_grace: 10_000,
            max_body_bytes: 1 << 20,
            body_timeout: 10_000,
            max_batch: 1_000,
            send_connections: 1,
            max_overlay: 50_000,
        }
    }
}
