//! A rule test file (`tests/NAME.yaml` in the merchant's repository): a tiny shop written
//! inline, the time to evaluate at, and the members each named segment must have.
//!
//! ```yaml
//! now: 2026-11-01
//! customers:
//!   - { id: ana, email: ana@example.com, created_at: 2025-03-01 }
//! orders:
//!   - { id: o1, customer_id: ana, placed_at: 2026-10-20, total: "120.00",
//!       items: [{ product_id: shoes, price: "120.00" }] }
//! events:
//!   - { type: checkout_started, customer_id: ana, occurred_at: 2026-10-30 }
//! expect:
//!   repeat_buyers: []
//!   recent_buyers: [ana]
//! ```
//!
//! Customers, orders and events have the HTTP API's shapes, checked by the same validation,
//! so a test file says nothing the store could not hold.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::ingest::{parse_batch, CustomerIn, EventIn, OrderIn};

/// A test file that cannot be used, with what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", .file.display())]
pub struct TestFileError {
    pub file: PathBuf,
    pub message: String,
}

/// One parsed test file.
#[derive(Debug, Clone)]
pub struct RuleTest {
    pub file: PathBuf,
    pub now: i64,
    pub customers: Vec<CustomerIn>,
    pub orders: Vec<OrderIn>,
    pub events: Vec<EventIn>,
    /// Segment name → the merchant ids of its expected members.
    pub expect: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    now: String,
    #[serde(default)]
    customers: Vec<Value>,
    #[serde(default)]
    orders: Vec<Value>,
    #[serde(default)]
    events: Vec<Value>,
    expect: BTreeMap<String, Vec<String>>,
}

impl RuleTest {
    pub fn load(file: &Path) -> Result<RuleTest, TestFileError> {
        let fail = |message: String| TestFileError {
            file: file.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(file).map_err(|e| fail(format!("cannot read: {e}")))?;
        let raw: Raw = serde_saphyr::from_str(&text).map_err(|e| {
            fail(format!(
                "{e}; a test file has the keys now, customers, orders, events and expect"
            ))
        })?;
        let now = crate::timestamp::parse(raw.now.trim()).map_err(|e| fail(format!("now: {e}")))?;
        if raw.expect.is_empty() {
            return Err(fail(
                "expect: name at least one segment and the ids of its members".into(),
            ));
        }
        let customers: Vec<CustomerIn> = section(&raw.customers, "customers").map_err(&fail)?;
        let orders: Vec<OrderIn> = section(&raw.orders, "orders").map_err(&fail)?;
        let events: Vec<EventIn> = section(&raw.events, "events").map_err(&fail)?;
        // Orders and events create the customers they name, as they do through the API.
        let mut known: Vec<&str> = customers.iter().map(|c| c.id.as_str()).collect();
        known.extend(orders.iter().map(|o| o.customer_id.as_str()));
        known.extend(events.iter().map(|e| e.customer_id.as_str()));
        known.sort_unstable();
        known.dedup();
        let mut expect = raw.expect;
        for (segment, ids) in &mut expect {
            // A member listed twice is still one member; the order of the list is not a claim.
            ids.sort();
            ids.dedup();
            if let Some(stranger) = ids
                .iter()
                .find(|id| known.binary_search(&id.as_str()).is_err())
            {
                let listed = if known.is_empty() {
                    "the test has no customers".to_string()
                } else {
                    format!("its customers are {}", known.join(", "))
                };
                return Err(fail(format!(
                    "expect.{segment}: no customer `{stranger}` in this test ({listed}); list the ids of the test's own customers"
                )));
            }
        }
        Ok(RuleTest {
            file: file.to_path_buf(),
            now,
            customers,
            orders,
            events,
            expect,
        })
    }

    /// The test's name: its file's stem.
    pub fn name(&self) -> String {
        self.file
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
    }
}

/// Parses one section with the API's shapes and validation; errors name `section[i].field`.
fn section<T>(items: &[Value], name: &str) -> Result<Vec<T>, String>
where
    T: for<'de> Deserialize<'de> + crate::ingest::Validate,
{
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let body = serde_json::to_vec(items).map_err(|e| format!("{name}: {e}"))?;
    // The positions of the error are in the JSON made here, not in the file: only the path of
    // the field is shown (`customers[2].email`).
    parse_batch(&body, usize::MAX).map_err(|e| {
        let field = if e.field.is_empty() || e.field.starts_with('[') {
            e.field.clone()
        } else {
            format!(".{}", e.field)
        };
        format!("{name}{field}: {}", e.message)
    })
}
