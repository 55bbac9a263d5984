//! Finding the customer of a Shopify order row. Shopify orders carry no customer id, and an
//! order of a cash-on-delivery or phone-only shop has no email either, so the customer is found
//! by the first of these that the row has:
//!
//! 1. Email: a customer whose email matches (any case), or one created with the lower-cased
//!    email as its external id.
//! 2. Phone (the order's `Phone`, else `Billing Phone`, else `Shipping Phone`): a customer whose
//!    phone matches once both are normalised (`cell::phone_key`), or one created with the
//!    external id `phone:+573158173380` and that phone.
//! 3. Neither: a guest customer of that one order, external id `guest:#1004` (the order's Name).
//!
//! The keys derive from the row only, so importing the file again finds the same customers.
//! When a later export gives the order an email that no customer has yet, the order's guest
//! customer (`guest:NAME`, else the `phone:` customer of the row's phone) is adopted: it takes
//! the email as external id and email, keeping its id, orders and events. When a customer with
//! that email exists, the order moves to it and the guest is left without orders. A customers
//! export adopts a `phone:` customer in the same way (`entity.rs`).

use std::collections::HashMap;

use rusqlite::{Connection, Statement};

use super::cell::phone_key;
use super::ids::IdMap;

pub struct Buyers<'c> {
    customers: IdMap<'c>,
    /// Lower-cased email → customer id, so orders attach to customers imported with Shopify ids.
    emails: HashMap<String, i64>,
    /// Normalised phone → customer id.
    phones: HashMap<String, i64>,
    set_phone: Statement<'c>,
    adopt: Statement<'c>,
}

impl<'c> Buyers<'c> {
    pub fn load(conn: &'c Connection) -> rusqlite::Result<Self> {
        let mut emails = HashMap::new();
        let mut phones = HashMap::new();
        let mut select = conn.prepare(
            "SELECT lower(email), phone, id FROM customers \
             WHERE coalesce(email, '') <> '' OR coalesce(phone, '') <> '' ORDER BY id",
        )?;
        let mut rows = select.query([])?;
        while let Some(row) = rows.next()? {
            let (email, phone, id): (Option<String>, Option<String>, i64) =
                (row.get(0)?, row.get(1)?, row.get(2)?);
            if let Some(email) = email.filter(|e| !e.is_empty()) {
                emails.entry(email).or_insert(id);
            }
            if let Some(key) = phone.as_deref().and_then(phone_key) {
                phones.entry(key).or_insert(id);
            }
        }
        Ok(Buyers {
            customers: IdMap::load(conn, "customers", Some("email"))?,
            emails,
            phones,
            set_phone: conn.prepare("UPDATE customers SET phone = ?2 WHERE id = ?1")?,
            adopt: conn
                .prepare("UPDATE customers SET external_id = ?2, email = ?3 WHERE id = ?1")?,
        })
    }

    /// Customers this import created.
    pub fn created(&self) -> u64 {
        self.customers.created
    }

    /// The customer of an order row with this email, phone cell and order Name.
    pub fn find(
        &mut self,
        email: Option<&str>,
        phone: Option<&str>,
        order: &str,
    ) -> rusqlite::Result<i64> {
        let phone = phone.and_then(phone_key);
        match (email, phone) {
            (Some(email), phone) => self.by_email(email, phone.as_deref(), order),
            (None, Some(phone)) => self.by_phone(&phone),
            (None, None) => self.customers.get_or_create(&guest_key(order), None),
        }
    }

    /// The customer with this email; when none has it, the order's guest or phone customer
    /// adopts it, else one is created with the lower-cased email as external id (emails differ
    /// in case between exports of the same shop).
    fn by_email(&mut self, email: &str, phone: Option<&str>, order: &str) -> rusqlite::Result<i64> {
        let key = email.to_lowercase();
        if let Some(&id) = self.emails.get(&key) {
            return Ok(id);
        }
        let stand_in = std::iter::once(guest_key(order))
            .chain(phone.map(|p| format!("phone:{p}")))
            .find_map(|old| self.customers.get(&old).map(|id| (old, id)));
        let id = match stand_in {
            Some((old, id)) if self.customers.get(&key).is_none() => {
                self.adopt.execute((id, &key, email))?;
                self.customers.rename(&old, &key, id);
                id
            }
            _ => self.customers.get_or_create(&key, Some(email))?,
        };
        self.emails.insert(key, id);
        Ok(id)
    }

    /// The customer with this (normalised) phone, created as `phone:PHONE` when unknown.
    fn by_phone(&mut self, phone: &str) -> rusqlite::Result<i64> {
        if let Some(&id) = self.phones.get(phone) {
            return Ok(id);
        }
        let id = self
            .customers
            .get_or_create(&format!("phone:{phone}"), None)?;
        self.set_phone.execute((id, phone))?;
        self.phones.insert(phone.to_owned(), id);
        Ok(id)
    }
}

/// The external id of the guest customer of an order with neither email nor phone.
fn guest_key(order: &str) -> String {
    format!("guest:{order}")
}
