//! A wake-up flag shared between threads: writers raise it after committing new data, and the
//! engine sleeps on it with a deadline, so an event is acted on at once instead of at the next
//! tick while an idle daemon uses no CPU.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

#[derive(Default)]
pub struct Wake {
    raised: Mutex<bool>,
    cond: Condvar,
}

impl Wake {
    pub fn raise(&self) {
        if let Ok(mut raised) = self.raised.lock() {
            *raised = true;
            self.cond.notify_all();
        }
    }

    /// Sleeps until raised or `timeout` passes; returns whether it was raised, and lowers it.
    pub fn wait(&self, timeout: Duration) -> bool {
        let Ok(guard) = self.raised.lock() else {
            return false;
        };
        let result = self
            .cond
            .wait_timeout_while(guard, timeout, |raised| !*raised);
        match result {
            Ok((mut raised, _)) => std::mem::replace(&mut *raised, false),
            Err(_) => false,
        }
    }
}
