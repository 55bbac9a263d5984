//! Email marketing consent from Shopify. Since API version 2025-01 a customer in
//! `customers/create|update`, `orders/create` and `checkouts/create` carries neither `tags` nor
//! `email_marketing_consent`; consent changes arrive only on the
//! `customers/email_marketing_consent_update` topic. So a payload without the field says
//! nothing (the stored consent stays), the consent topic sets it, and an order or checkout whose
//! buyer ticked "email me" (`buyer_accepts_marketing: true`) grants it.

use serde::Deserialize;

use super::model::{CustomerIn, FieldError};
use super::shopify::ShopifyId;

/// `email_marketing_consent` as Shopify writes it.
#[derive(Deserialize)]
pub(super) struct Consent {
    pub state: Option<String>,
}

/// Whether a consent state means the customer may get marketing email; `None` for a state
/// segflow does not know (the stored consent is kept).
pub(super) fn accepts(consent: &Consent) -> Option<bool> {
    match consent.state.as_deref().map(str::trim)? {
        "subscribed" => Some(true),
        "not_subscribed" | "unsubscribed" | "pending" | "redacted" | "invalid" => Some(false),
        _ => None,
    }
}

/// The body of `customers/email_marketing_consent_update`.
#[derive(Deserialize)]
pub(super) struct ConsentUpdate {
    customer_id: ShopifyId,
    email_address: Option<String>,
    email_marketing_consent: Option<Consent>,
}

/// The customer whose consent changed; only the consent (and the address, when given) is set.
pub(super) fn consent_update(body: ConsentUpdate) -> Result<CustomerIn, FieldError> {
    let accepts_marketing = body.email_marketing_consent.as_ref().and_then(accepts);
    Ok(CustomerIn {
        id: body.customer_id.0,
        email: body
            .email_address
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty()),
        accepts_marketing,
        ..CustomerIn::default()
    })
}

/// Consent an order or checkout grants its buyer: ticking "email me" is consent; not ticking
/// it says nothing about an earlier subscription, so it changes nothing.
pub(super) fn granted_by_purchase(buyer: &mut CustomerIn, buyer_accepts_marketing: Option<bool>) {
    if buyer.accepts_marketing.is_none() && buyer_accepts_marketing == Some(true) {
        buyer.accepts_marketing = Some(true);
    }
}
