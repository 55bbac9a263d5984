//! The boundary between the journey engine and mail: a send step hands a `SendRequest` to a
//! `Dispatcher` inside the engine's transaction, so the journey's advance and the outbox row
//! commit together. The real dispatcher (policy, templates, outbox) is
//! `workflow::mail_dispatch::OutboxDispatcher`; this module defines the contract and a recording
//! double for tests.

/// One message a journey wants to send.
#[derive(Clone, Debug, PartialEq)]
pub struct SendRequest {
    /// `{workflow}/{step}/{customer}/{run}`: unique per message, so a retry never sends twice.
    pub idempotency_key: String,
    pub workflow: String,
    pub step: String,
    /// The internal customer id.
    pub customer: i64,
    pub run: i64,
    pub template: String,
    pub subject_override: Option<String>,
    /// The event that started the journey, if it was an event.
    pub trigger_event: Option<serde_json::Value>,
    /// The engine's time for this step (unix ms), so policy decisions follow simulated time.
    pub now: i64,
    /// The step's time of day, if it has one.
    pub at: Option<crate::workflow::SendAt>,
}

impl SendRequest {
    pub fn key(workflow: &str, step: &str, customer: i64, run: i64) -> String {
        format!("{workflow}/{step}/{customer}/{run}")
    }
}

/// What the dispatcher did with a request.
#[derive(Clone, Debug, PartialEq)]
pub enum DispatchOutcome {
    /// In the outbox (or already there under the same key).
    Queued,
    /// Not now (quiet hours, frequency cap): the journey waits and asks again at `until`.
    Held { until: i64 },
    /// Not at all (no consent, suppressed): the journey goes on without it.
    Skipped { reason: String },
}

/// Why a dispatcher could not answer a request at all (as opposed to skipping it, which is an
/// outcome): the engine's transaction rolls back and the step is tried again.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error("the store: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// Accepts send requests inside the engine's transaction.
pub trait Dispatcher {
    fn dispatch(
        &mut self,
        tx: &rusqlite::Transaction,
        req: &SendRequest,
    ) -> Result<DispatchOutcome, DispatchError>;
}

/// A dispatcher that records every request and answers with a scripted outcome: the test
/// double.
#[derive(Default, Debug)]
pub struct RecordingDispatcher {
    pub requests: Vec<SendRequest>,
    /// The answer for a request; `Queued` when `None`.
    pub answer: Option<fn(&SendRequest) -> DispatchOutcome>,
}

impl Dispatcher for RecordingDispatcher {
    fn dispatch(
        &mut self,
        _tx: &rusqlite::Transaction,
        req: &SendRequest,
    ) -> Result<DispatchOutcome, DispatchError> {
        self.requests.push(req.clone());
        Ok(self.answer.map_or(DispatchOutcome::Queued, |f| f(req)))
    }
}
