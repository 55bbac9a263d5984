//! Renders an arbitrary template under the shipped limits (`[mail] template_fuel`), the way a
//! send step renders a merchant's template: every input must either render or fail with a
//! template error, never panic, hang or outgrow libFuzzer's memory limit (`-rss_limit_mb`).
//! The input's first line is the subject and the rest the HTML body, so both parts are reached.

#![no_main]

use libfuzzer_sys::fuzz_target;
use segflow::mail::{MailConfig, Templates};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (subject, body) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let folder = dir.path().join("fuzz");
    if std::fs::create_dir(&folder).is_err()
        || std::fs::write(folder.join("subject.txt"), subject).is_err()
        || std::fs::write(folder.join("body.html"), body).is_err()
    {
        return;
    }
    // A template that does not parse is a `check` error, not a rendering; nothing to render.
    let Ok(templates) = Templates::load_dir(dir.path(), MailConfig::default().template_fuel) else {
        return;
    };
    let context = serde_json::json!({
        "customer": { "first_name": "Ada", "email": "ada@example.test", "total_spent": "120.50" },
        "cart": { "items": [ { "title": "Shoes", "quantity": 1, "price": "59.99" } ], "total": "59.99" },
        "recommendations": [ { "title": "Socks", "url": "https://shop.example.test/p/2" } ],
        "unsubscribe_url": "https://shop.example.test/u/TOKEN",
        "shop": { "name": "Acme", "currency": "USD" }
    });
    let _ = templates.render("fuzz", &context);
});
