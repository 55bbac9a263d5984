//! `OutboxDispatcher`: the real `Dispatcher`. A journey's send step becomes an outbox row here,
//! inside the engine's transaction, after the sending policy has had its say.
//!
//! For each request it loads the customer, applies `policy::decide` (consent, suppression, the
//! frequency cap over this customer's outbox rows, quiet hours in the customer's zone), builds the
//! template context, renders the template and enqueues the message. A held message is enqueued
//! with `not_before`, so it is delayed, never dropped; when the journey asks again the row already
//! exists and the request is a no-op. A template that fails to render skips the step with the
//! error as the reason (recorded in `journey_log`): no half-rendered email can be queued. Two
//! customers sharing one address get one email per step: the second send is skipped with the
//! reason recorded.

use std::collections::{BTreeMap, HashMap};

use rusqlite::Transaction;

use crate::store::outbox;
use serde_json::{json, Value};

use super::definition::Reentry;
use super::dispatch::{DispatchError, DispatchOutcome, Dispatcher, SendRequest};
use super::mail_context::{self as context, CoPurchases};
use super::set::Workflows;
use crate::config::ShopConfig;
use crate::mail::outbox::Origin;
use crate::mail::{enqueue, suppressions, NewMessage, Templates, UnsubscribeClaims};
use crate::mail::{instrument, TrackClaims, TrackKind, TrackingSigner};
use crate::mail::{TokenError, UnsubscribeSigner};
use crate::policy::{decide, Decision, PolicyConfig};

/// The secret used when the configured environment variable is unset: good for trying segflow
/// out, never for mail that leaves the machine, as anyone can forge links with it.
pub const DEVELOPMENT_SECRET: &str = "segflow-development-secret-not-for-production";

/// The unsubscribe signer keyed by environment variable `var`, and a warning to print when the
/// variable is unset and the development secret stands in.
pub fn signer_from_env(var: &str) -> Result<(UnsubscribeSigner, Option<String>), TokenError> {
    match UnsubscribeSigner::from_env(var) {
        Ok(signer) => Ok((signer, None)),
        Err(TokenError::MissingSecret { .. }) => Ok((
            UnsubscribeSigner::new(DEVELOPMENT_SECRET.as_bytes())?,
            Some(format!(
                "warning: {var} is not set, so unsubscribe links are signed with the public development secret; set {var} to a random string of at least 16 characters before sending real mail"
            )),
        )),
        Err(e) => Err(e),
    }
}

/// What the dispatcher did for one workflow step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepCounts {
    pub queued: usize,
    pub held: usize,
    pub skipped: usize,
}

/// Everything the dispatcher needs besides the request.
pub struct OutboxDispatcher {
    templates: Templates,
    /// The effective policy of each workflow (global policy with the workflow's overrides).
    policies: HashMap<String, PolicyConfig>,
    /// Each workflow's re-entry rule, which also says how long an address that several
    /// customers share keeps a step it was sent (`shared_address`).
    reentry: HashMap<String, Reentry>,
    default_policy: PolicyConfig,
    signer: UnsubscribeSigner,
    /// Signs the open pixel and click links of every rendered email; `None` leaves the HTML as
    /// rendered (`[mail] tracking = false`).
    tracking: Option<TrackingSigner>,
    unsubscribe_base_url: String,
    message_id_domain: String,
    shop: ShopConfig,
    co_purchases: Option<CoPurchases>,
    /// The shop's most frequent open hour, for `send_time: optimal`.
    shop_hour: super::send_time::ShopHour,
    /// Counts per (workflow, step), for reports.
    pub counts: BTreeMap<(String, String), StepCounts>,
    /// Template errors met, one line each, for the caller to show.
    pub errors: Vec<String>,
}

/// Settings of an `OutboxDispatcher` that come from configuration.
pub struct DispatchSettings {
    pub policy: PolicyConfig,
    pub signer: UnsubscribeSigner,
    pub unsubscribe_base_url: String,
    pub message_id_domain: String,
    pub shop: ShopConfig,
}

impl OutboxDispatcher {
    pub fn new(templates: Templates, workflows: &Workflows, s: DispatchSettings) -> Self {
        let policies = workflows
            .workflows
            .iter()
            .map(|w| (w.name.clone(), s.policy.with(&w.policy)))
            .collect();
        let reentry = workflows
            .workflows
            .iter()
            .map(|w| (w.name.clone(), w.reentry))
            .collect();
        OutboxDispatcher {
            templates,
            policies,
            reentry,
            default_policy: s.policy,
            tracking: Some(TrackingSigner::from_unsubscribe(&s.signer)),
            signer: s.signer,
            unsubscribe_base_url: s.unsubscribe_base_url,
            message_id_domain: s.message_id_domain,
            shop: s.shop,
            co_purchases: None,
            shop_hour: Default::default(),
            counts: BTreeMap::new(),
            errors: Vec::new(),
        }
    }

    /// Switches open and click tracking on (the default) or off; the tracking links share the
    /// unsubscribe secret and `unsubscribe_base_url`.
    pub fn with_tracking(mut self, enabled: bool) -> Self {
        self.tracking = enabled.then(|| TrackingSigner::from_unsubscribe(&self.signer));
        self
    }

    /// The templates this dispatcher renders.
    /// The dispatcher `config` describes, with the templates of `templates_dir`, and a warning
    /// to show when the development secret stands in for the unsubscribe secret. `Err` lists
    /// every template problem (with file, line and column) or names the bad setting.
    pub fn from_config(
        config: &crate::config::Config,
        templates_dir: &std::path::Path,
        workflows: &Workflows,
    ) -> Result<(Self, Option<String>), String> {
        let mail = &config.mail;
        let templates =
            Templates::load_dir(templates_dir, mail.template_fuel).map_err(|errors| {
                let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
                format!(
                    "the templates in {} have problems; fix them and run again:\n{}",
                    templates_dir.display(),
                    lines.join("\n")
                )
            })?;
        let (signer, warning) =
            signer_from_env(&mail.unsubscribe_secret_env).map_err(|e| e.to_string())?;
        let defaults =
            crate::mail::MessageDefaults::from_config(mail).map_err(|e| e.to_string())?;
        let dispatcher = OutboxDispatcher::new(
            templates,
            workflows,
            DispatchSettings {
                policy: config.policy.clone(),
                signer,
                unsubscribe_base_url: mail.unsubscribe_base_url.clone(),
                message_id_domain: defaults.message_id_domain,
                shop: config.shop.clone(),
            },
        )
        .with_tracking(mail.tracking);
        Ok((dispatcher, warning))
    }

    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// The full template context of `req` for a customer, without applying any policy.
    pub fn context(
        &mut self,
        tx: &Transaction,
        req: &SendRequest,
        customer: &Value,
        email: &str,
    ) -> rusqlite::Result<Value> {
        if self.co_purchases.is_none() {
            self.co_purchases = Some(CoPurchases::load(tx)?);
        }
        let bought = context::bought(tx, req.customer)?;
        let picks = self
            .co_purchases
            .as_ref()
            .map(|c| c.recommend(&bought))
            .unwrap_or_default();
        let claims = UnsubscribeClaims {
            customer: req.customer,
            email: email.to_string(),
            purpose: "marketing".into(),
            issued_at: req.now,
        };
        Ok(json!({
            "customer": customer,
            "last_order": context::last_order(tx, req.customer)?,
            "segments": context::segments(tx, req.customer)?,
            "trigger": req.trigger_event,
            "cart": super::mail_cart::cart(tx, req.trigger_event.as_ref(), &self.shop.currency)?,
            "recommendations": context::products(tx, &picks)?,
            "viewed": context::viewed(tx, req.customer, req.now)?,
            "unsubscribe_url": self.signer.url(&self.unsubscribe_base_url, &claims),
            "shop": { "name": self.shop.name, "currency": self.shop.currency, "timezone": self.shop.timezone },
            "workflow": req.workflow,
            "step": req.step,
            "now": context::iso(req.now),
        }))
    }

    /// Renders `req` for its customer as it would be queued, ignoring the policy; `Err` says
    /// why it cannot be (no such customer, no address, a template error). With tracking on, the
    /// HTML part is instrumented (`mail::instrument`), so `preview` and `send-test` show and send
    /// the tracked links too; the text part is left as written.
    pub fn render(
        &mut self,
        tx: &Transaction,
        req: &SendRequest,
    ) -> Result<NewMessage, RenderError> {
        let recipient =
            context::recipient(tx, req.customer)?.ok_or(RenderError::NoCustomer(req.customer))?;
        let email = recipient
            .info
            .email
            .clone()
            .filter(|e| !e.trim().is_empty())
            .ok_or(RenderError::NoAddress)?;
        let ctx = self.context(tx, req, &recipient.json, &email)?;
        let origin = Origin {
            workflow: req.workflow.clone(),
            step: req.step.clone(),
            customer: req.customer,
            run: req.run,
        };
        let mut msg = NewMessage::render(
            &self.templates,
            &req.template,
            &ctx,
            origin,
            &email,
            &self.message_id_domain,
        )?;
        if let Some(subject) = &req.subject_override {
            msg.email.subject = subject.clone();
        }
        if let Some(signer) = &self.tracking {
            let claims = TrackClaims {
                kind: TrackKind::Open,
                customer: req.customer,
                workflow: req.workflow.clone(),
                step: req.step.clone(),
                message_id: msg.message_id.clone(),
                url: None,
            };
            msg.email.html =
                instrument(&msg.email.html, &self.unsubscribe_base_url, signer, &claims)?;
        }
        let url = ctx["unsubscribe_url"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        Ok(msg.with_unsubscribe_url(url))
    }

    fn decide(&mut self, tx: &Transaction, req: &SendRequest) -> rusqlite::Result<Decision> {
        let Some(recipient) = context::recipient(tx, req.customer)? else {
            return Ok(Decision::Skip {
                reason: format!("no customer with internal id {}", req.customer),
            });
        };
        let policy = self
            .policies
            .get(&req.workflow)
            .unwrap_or(&self.default_policy);
        let suppressed = match recipient.info.email.as_deref() {
            Some(email) => suppressions::reason(tx, email)?.is_some(),
            None => false,
        };
        let recent = recent_sends(tx, req.customer, req.now, policy)?;
        let decision = decide(policy, &recipient.info, &recent, req.now, &|_| suppressed);
        let Some(at) = req.at else {
            return Ok(decision);
        };
        let tz = crate::policy::zone(recipient.info.timezone.as_deref(), &policy.default_timezone);
        let minutes =
            super::send_time::minutes(tx, at, req.customer, tz, req.now, &mut self.shop_hour)?;
        Ok(crate::policy::send_time::apply(
            decision,
            policy,
            &recipient.info,
            minutes,
            req.now,
        ))
    }

    fn count(&mut self, req: &SendRequest) -> &mut StepCounts {
        self.counts
            .entry((req.workflow.clone(), req.step.clone()))
            .or_default()
    }
}

/// The times of this customer's marketing sends that a frequency cap may count: rows sent,
/// sending or queued (a queued row counts at its planned time), inside the cap's window.
fn recent_sends(
    tx: &Transaction,
    customer: i64,
    now: i64,
    policy: &PolicyConfig,
) -> rusqlite::Result<Vec<i64>> {
    let Some(cap) = &policy.frequency_cap else {
        return Ok(Vec::new());
    };
    outbox::recent_send_times(tx, customer, now - cap.per)
}

/// Why this send would be a second email to one mailbox: another customer with the same address
/// (compared trimmed and lower-cased, as a re-created Shopify customer keeps it) already has a
/// message of this workflow step in the outbox, within the workflow's re-entry window, so the
/// address is treated as one customer would be. `reentry: never` keeps the step for good,
/// `after D` for D, `always` only within the same engine pass.
fn shared_address(
    tx: &Transaction,
    req: &SendRequest,
    email: &str,
    reentry: Option<&Reentry>,
) -> rusqlite::Result<Option<String>> {
    let since = match reentry {
        Some(Reentry::Never) => i64::MIN,
        Some(Reentry::After(d)) => req.now.saturating_sub(*d).saturating_add(1),
        Some(Reentry::Always) | None => req.now,
    };
    let found = outbox::same_address(tx, &req.workflow, &req.step, email, req.customer, since)?;
    Ok(found.map(|(other, status, at)| {
        format!(
            "duplicate address: customer {other} has the same email and already has this step ({status} since {}); one email per address",
            context::iso(at)
        )
    }))
}

fn already_queued(tx: &Transaction, req: &SendRequest) -> rusqlite::Result<bool> {
    let key = Origin {
        workflow: req.workflow.clone(),
        step: req.step.clone(),
        customer: req.customer,
        run: req.run,
    }
    .idempotency_key();
    outbox::exists(tx, &key)
}

/// Why a request cannot be rendered into a message; all but a store failure make the step a
/// skip with this reason.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("no customer with internal id {0}")]
    NoCustomer(i64),
    #[error("the customer has no email address")]
    NoAddress,
    #[error("template error: {0}")]
    Template(#[from] crate::mail::TemplateError),
    #[error("link error: {0}")]
    Link(#[from] crate::mail::tracking::UntrackableLink),
    #[error("the store: {0}")]
    Sql(#[from] rusqlite::Error),
}

impl Dispatcher for OutboxDispatcher {
    fn dispatch(
        &mut self,
        tx: &Transaction,
        req: &SendRequest,
    ) -> Result<DispatchOutcome, DispatchError> {
        // A held message was enqueued when it was held; asking again finds it and is a no-op.
        if already_queued(tx, req)? {
            return Ok(DispatchOutcome::Queued);
        }
        let hold = match self.decide(tx, req)? {
            Decision::Skip { reason } => {
                self.count(req).skipped += 1;
                return Ok(DispatchOutcome::Skipped { reason });
            }
            Decision::Hold { until } => Some(until),
            Decision::Send => None,
        };
        if let Some(email) = context::recipient(tx, req.customer)?.and_then(|r| r.info.email) {
            let reentry = self.reentry.get(&req.workflow);
            if let Some(reason) = shared_address(tx, req, &email, reentry)? {
                self.count(req).skipped += 1;
                return Ok(DispatchOutcome::Skipped { reason });
            }
        }
        let msg = match self.render(tx, req) {
            Ok(msg) => msg,
            Err(RenderError::Sql(e)) => return Err(e.into()),
            Err(error) => {
                let reason = error.to_string();
                self.errors.push(format!(
                    "{}/{} for customer {}: {reason}",
                    req.workflow, req.step, req.customer
                ));
                self.count(req).skipped += 1;
                return Ok(DispatchOutcome::Skipped { reason });
            }
        };
        match hold {
            Some(until) => {
                enqueue(tx, &msg.not_before(until), req.now)?;
                self.count(req).held += 1;
                Ok(DispatchOutcome::Held { until })
            }
            None => {
                enqueue(tx, &msg, req.now)?;
                self.count(req).queued += 1;
                Ok(DispatchOutcome::Queued)
            }
        }
    }
}
