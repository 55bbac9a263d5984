//! `[mail.bounces]`: when soft bounces suppress an address. A full mailbox or a greylisting
//! server deserves a few more tries; an address that keeps failing should stop costing
//! reputation. Hard bounces and complaints suppress at once and have no setting. The secrets
//! that authenticate providers' webhooks are named here by their environment variables.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BounceConfig {
    /// An address is suppressed at its `soft_limit`-th soft bounce within `soft_window`.
    pub soft_limit: u32,
    /// The window soft bounces are counted in, in milliseconds (written like `30d`).
    #[serde(deserialize_with = "crate::policy::config::duration")]
    pub soft_window: i64,
    /// The environment variable holding Mailgun's HTTP webhook signing key; while it is unset,
    /// `POST /webhooks/mailgun` answers 503.
    pub mailgun_signing_key_env: String,
    /// The environment variables holding the basic auth user name and password put into
    /// Postmark's webhook URL; while either is unset, `POST /webhooks/postmark` answers 503.
    pub postmark_username_env: String,
    pub postmark_password_env: String,
    /// The environment variable holding SendGrid's Event Webhook verification key (base64 of
    /// its DER, as SendGrid shows it, or a PEM); while it is unset, `POST /webhooks/sendgrid`
    /// answers 503.
    pub sendgrid_public_key_env: String,
    /// The SNS signing certificate (PEM, downloaded once from the notifications'
    /// `SigningCertURL`) that Amazon SES bounce notifications are verified with; relative to
    /// the config file. Without it and `ses_topic_arn`, `POST /webhooks/ses` answers 503.
    pub ses_certificate: Option<std::path::PathBuf>,
    /// The one SNS topic whose notifications are accepted.
    pub ses_topic_arn: Option<String>,
    /// Where `segflow run` takes bounce and complaint reports by SMTP (such as
    /// `127.0.0.1:2525`, behind the MX of the bounce address); no listener when absent.
    pub smtp_bind: Option<String>,
    /// The one recipient the listener accepts, such as `bounces@shop.example`; any when absent.
    /// With `verp`, its VERP addresses (`bounces+TOKEN@shop.example`) too.
    pub smtp_address: Option<String>,
    /// The bounce address: the envelope sender (`MAIL FROM`, the `Return-Path` receivers
    /// record) of every message, where bounces go; the `From` address when absent.
    pub return_path: Option<String>,
    /// Each message's envelope sender is its own VERP address, `local+TOKEN@domain` of
    /// `return_path`, signed with the unsubscribe secret, so a bounce delivered to it names its
    /// message even when it quotes nothing of the original.
    pub verp: bool,
    /// Whether each message carries `X-PM-Metadata-segflow-message` (the local part of its
    /// Message-ID), which Postmark returns in its bounce and spam complaint webhooks as
    /// `Metadata` so they name the message. When absent: when `[mail.smtp] host` is a
    /// `postmarkapp.com` host.
    pub postmark_metadata: Option<bool>,
    /// Where the daemon may confirm an SNS subscription instead of
    /// `https://sns.<region>.amazonaws.com/`: only an `http://127.0.0.1:PORT/` prefix is
    /// accepted, for tests of the confirmation on this machine.
    pub ses_confirm_url_prefix: Option<String>,
}

impl Default for BounceConfig {
    fn default() -> Self {
        BounceConfig {
            soft_limit: 3,
            soft_window: 30 * 86_400_000,
            mailgun_signing_key_env: "SEGFLOW_MAILGUN_SIGNING_KEY".into(),
            postmark_username_env: "SEGFLOW_POSTMARK_USERNAME".into(),
            postmark_password_env: "SEGFLOW_POSTMARK_PASSWORD".into(),
            sendgrid_public_key_env: "SEGFLOW_SENDGRID_PUBLIC_KEY".into(),
            ses_certificate: None,
            ses_topic_arn: None,
            smtp_bind: None,
            smtp_address: None,
            return_path: None,
            verp: false,
            postmark_metadata: None,
            ses_confirm_url_prefix: None,
        }
    }
}
