//! The reads of one customer's page in the dashboard: their profile, scores, and a timeline of
//! orders, events, emails and segment entries and exits; and the search that finds them.

use rusqlite::{params, Connection, OptionalExtension};

/// The stored profile of a customer; texts as stored, `tags` and `attributes` as JSON.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub id: i64,
    pub external_id: String,
    pub email: Option<String>,
    pub name: String,
    pub created_at: Option<i64>,
    pub birthday: Option<i64>,
    pub gender: Option<String>,
    pub place: String,
    pub accepts_marketing: Option<bool>,
    pub tags: String,
    pub attributes: String,
}

/// The model scores of a customer (`customer_scores`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scores {
    pub computed_at: i64,
    pub rfm_r: Option<i64>,
    pub rfm_f: Option<i64>,
    pub rfm_m: Option<i64>,
    pub rfm_group: Option<String>,
    pub lifecycle: String,
    pub p_alive: Option<f64>,
    pub purchases_90d: Option<f64>,
    pub predicted_aov: Option<f64>,
    pub predicted_clv: Option<f64>,
    pub churn_risk: Option<f64>,
}

/// One thing that happened to a customer: `kind` is `order`, `event`, `email`, `entered` or
/// `exited`; `what` names it (order id, event type, workflow/step, segment); `detail` is the
/// order's total (minor units) and line count, the event's properties, the email's subject and
/// status.
#[derive(Debug, Clone, PartialEq)]
pub struct Happening {
    pub at: i64,
    pub kind: String,
    pub what: String,
    pub detail: String,
    pub amount: Option<i64>,
}

pub fn profile(conn: &Connection, external_id: &str) -> rusqlite::Result<Option<Profile>> {
    conn.query_row(
        "SELECT id, external_id, email, trim(COALESCE(first_name, '') || ' ' || COALESCE(last_name, '')),
                created_at, birthday, gender,
                trim(COALESCE(city, '') || ', ' || COALESCE(region, '') || ', ' || COALESCE(country, ''), ', '),
                accepts_marketing, tags, attributes
         FROM customers WHERE external_id = ?1",
        [external_id],
        |r| {
            Ok(Profile {
                id: r.get(0)?,
                external_id: r.get(1)?,
                email: r.get(2)?,
                name: r.get(3)?,
                created_at: r.get(4)?,
                birthday: r.get(5)?,
                gender: r.get(6)?,
                place: r.get(7)?,
                accepts_marketing: r.get(8)?,
                tags: r.get(9)?,
                attributes: r.get(10)?,
            })
        },
    )
    .optional()
}

pub fn scores(conn: &Connection, customer: i64) -> rusqlite::Result<Option<Scores>> {
    conn.query_row(
        "SELECT computed_at, rfm_r, rfm_f, rfm_m, rfm_group, lifecycle, p_alive, purchases_90d,
                predicted_aov, predicted_clv, churn_risk
         FROM customer_scores WHERE customer = ?1",
        [customer],
        |r| {
            Ok(Scores {
                computed_at: r.get(0)?,
                rfm_r: r.get(1)?,
                rfm_f: r.get(2)?,
                rfm_m: r.get(3)?,
                rfm_group: r.get(4)?,
                lifecycle: r.get(5)?,
                p_alive: r.get(6)?,
                purchases_90d: r.get(7)?,
                predicted_aov: r.get(8)?,
                predicted_clv: r.get(9)?,
                churn_risk: r.get(10)?,
            })
        },
    )
    .optional()
}

/// The latest `limit` happenings of a customer, newest first.
pub fn timeline(conn: &Connection, customer: i64, limit: i64) -> rusqlite::Result<Vec<Happening>> {
    let mut stmt = conn.prepare(
        "SELECT at, kind, what, detail, amount FROM (
           SELECT o.placed_at AS at, 'order' AS kind, o.external_id AS what,
                  (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id) || ' lines'
                    || CASE WHEN o.counted = 0 THEN ', ' || COALESCE(o.status, 'not counted') ELSE '' END
                    || CASE WHEN o.refunded > 0 THEN ', after a refund' ELSE '' END AS detail,
                  o.total - o.refunded AS amount
           FROM orders o WHERE o.customer = ?1
           UNION ALL
           SELECT occurred_at, 'event', type, properties, NULL FROM events WHERE customer = ?1
           UNION ALL
           SELECT COALESCE(sent_at, created_at), 'email', workflow || ' / ' || step,
                  subject || ' (' || status || ')', NULL FROM outbox WHERE customer = ?1
           UNION ALL
           SELECT at, change, segment, '', NULL FROM segment_changes WHERE customer = ?1)
         ORDER BY at DESC, kind LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![customer, limit], |r| {
        Ok(Happening {
            at: r.get(0)?,
            kind: r.get(1)?,
            what: r.get(2)?,
            detail: r.get(3)?,
            amount: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// Up to `limit` customers whose id, email or name contains `query` (case-insensitive), by id:
/// (external id, email, name).
pub fn search(
    conn: &Connection,
    query: &str,
    limit: i64,
) -> rusqlite::Result<Vec<(String, Option<String>, String)>> {
    let escaped = query
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    let mut stmt = conn.prepare(
        "SELECT external_id, email, trim(COALESCE(first_name, '') || ' ' || COALESCE(last_name, ''))
         FROM customers
         WHERE external_id LIKE ?1 ESCAPE '\\' OR email LIKE ?1 ESCAPE '\\'
            OR (COALESCE(first_name, '') || ' ' || COALESCE(last_name, '')) LIKE ?1 ESCAPE '\\'
         ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![pattern, limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    rows.collect()
}
