//! `segflow preview`, `send-test`, `unsubscribe` and `suppress import`: looking at and testing
//! campaign email, and keeping the suppression list, from the command line.

use std::path::Path;

use super::workflows::dispatcher;
use crate::cli::{CliError, CliResult, Context};
use crate::mail::config::TransportKind;
use crate::mail::{
    message_id_for, suppressions, EmailParts, FileTransport, MessageDefaults, NewMessage,
    OutgoingEmail, SmtpTransport, Transport,
};
use crate::workflow::{preview_trigger, SendRequest, StepKind};

/// The internal id of the customer with external id `id`.
fn customer_id(conn: &rusqlite::Connection, id: &str) -> Result<i64, CliError> {
    crate::store::customers::internal(conn, id)?.ok_or_else(|| {
        CliError::Message(format!(
            "no customer with id {id}; the id is the customer id of the imported CSV"
        ))
    })
}

fn render(ctx: &Context, req: &SendRequest) -> Result<NewMessage, CliError> {
    let set = ctx.load_rules()?;
    let workflows = ctx.load_workflows(&set)?;
    let mut d = dispatcher(ctx, &workflows)?;
    let mut conn = ctx.open_store()?;
    let tx = conn.transaction()?;
    // The transaction is dropped without commit: rendering never changes the store.
    let msg = d
        .render(&tx, req)
        .map_err(|e| CliError::Message(e.to_string()))?;
    Ok(msg)
}

pub fn preview(ctx: &Context, workflow: &str, step: &str, customer: &str) -> CliResult {
    let set = ctx.load_rules()?;
    let workflows = ctx.load_workflows(&set)?;
    let wf = workflows.get(workflow).ok_or_else(|| {
        let names: Vec<&str> = workflows
            .workflows
            .iter()
            .map(|w| w.name.as_str())
            .collect();
        CliError::Message(format!(
            "no workflow named {workflow}; the workflows are: {}",
            names.join(", ")
        ))
    })?;
    let Some(StepKind::Send {
        template, subject, ..
    }) = wf.step(step).map(|s| &s.kind)
    else {
        return Err(CliError::Message(format!(
            "workflow {workflow} has no send step {step}; its steps are: {}",
            wf.step_ids().join(", ")
        )));
    };
    let mut conn = ctx.open_store()?;
    let id = customer_id(&conn, customer)?;
    let tx = conn.transaction()?;
    let trigger_event = preview_trigger(&tx, wf, id)?;
    drop(tx);
    drop(conn);
    if let Some(event) = &trigger_event {
        eprintln!(
            "previewing with the customer's {} event {} as the trigger",
            event["type"].as_str().unwrap_or("trigger"),
            event["id"]
        );
    }
    let req = SendRequest {
        idempotency_key: SendRequest::key(workflow, step, id, 0),
        workflow: workflow.to_string(),
        step: step.to_string(),
        customer: id,
        run: 0,
        template: template.clone(),
        subject_override: subject.clone(),
        trigger_event,
        now: ctx.now,
        at: None,
    };
    let msg = render(ctx, &req)?;
    println!("To: {}", msg.to_email);
    println!("Subject: {}", msg.email.subject);
    println!("\n--- text ---\n{}", msg.email.text.trim_end());
    println!("\n--- html ---\n{}", msg.email.html.trim_end());
    Ok(())
}

pub fn send_test(ctx: &Context, template: &str, to: &str, customer: Option<&str>) -> CliResult {
    let conn = ctx.open_store()?;
    let id = match customer {
        Some(c) => customer_id(&conn, c)?,
        None => crate::store::customers::first(&conn)?
            .ok_or("the store has no customers; import some or pass --customer")?,
    };
    drop(conn);
    let req = SendRequest {
        idempotency_key: SendRequest::key("send-test", template, id, ctx.now),
        workflow: "send-test".into(),
        step: template.to_string(),
        customer: id,
        run: ctx.now,
        template: template.to_string(),
        subject_override: None,
        trigger_event: None,
        now: ctx.now,
        at: None,
    };
    let msg = render(ctx, &req)?;
    let mail = &ctx.config.mail;
    let defaults = MessageDefaults::from_config(mail)?;
    let message_id = message_id_for(&req.idempotency_key, &defaults.message_id_domain);
    let email = OutgoingEmail::build(
        &defaults,
        &EmailParts {
            to,
            subject: &msg.email.subject,
            html: &msg.email.html,
            text: &msg.email.text,
            message_id: &message_id,
            unsubscribe_url: msg.unsubscribe_url.as_deref(),
            date_ms: ctx.now,
            outbox_id: None,
        },
    )
    .map_err(|e| CliError::Message(e.to_string()))?;
    match mail.transport {
        TransportKind::File => {
            let transport = FileTransport::new(&mail.file.dir).map_err(|e| {
                format!(
                    "cannot create the outbox folder {}: {e}",
                    mail.file.dir.display()
                )
            })?;
            transport.send(&email).map_err(|e| e.to_string())?;
            println!("wrote {}", transport.path_for(&message_id).display());
        }
        TransportKind::Smtp => {
            let transport = SmtpTransport::from_config(&mail.smtp)?;
            transport.send(&email).map_err(|e| e.to_string())?;
            println!("sent {template} to {to} over SMTP ({message_id})");
        }
    }
    Ok(())
}

pub fn unsubscribe(ctx: &Context, email: &str) -> CliResult {
    if !email.contains('@') {
        return Err(CliError::Message(format!(
            "{email} is not an email address"
        )));
    }
    let conn = ctx.open_store()?;
    if suppressions::suppress(&conn, email, "unsubscribed", ctx.now)? {
        println!("{} is unsubscribed", suppressions::normalize(email));
    } else {
        let reason = suppressions::reason(&conn, email)?.unwrap_or_default();
        println!(
            "{} was already suppressed ({reason})",
            suppressions::normalize(email)
        );
    }
    Ok(())
}

pub fn suppress_import(ctx: &Context, file: &Path) -> CliResult {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let headers = reader
        .headers()
        .map_err(|e| format!("{}: cannot read the header row: {e}", file.display()))?
        .clone();
    let column = |name: &str| {
        headers.iter().position(|h| {
            h.trim()
                .trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case(name)
        })
    };
    let email_col = column("email").ok_or_else(|| {
        format!(
            "{}: no `email` column in the header row; the file needs email and optionally reason",
            file.display()
        )
    })?;
    let reason_col = column("reason");
    let mut conn = ctx.open_store()?;
    let tx = conn.transaction()?;
    let (mut added, mut known, mut rejected) = (0usize, 0usize, 0usize);
    for (index, record) in reader.records().enumerate() {
        // The header is line 1.
        let line = index + 2;
        let record = record.map_err(|e| format!("{}:{line}: {e}", file.display()))?;
        let email = record.get(email_col).unwrap_or("").trim();
        if !email.contains('@') {
            eprintln!(
                "{}:{line}: skipped: {:?} is not an email address",
                file.display(),
                email
            );
            rejected += 1;
            continue;
        }
        let reason = reason_col
            .and_then(|c| record.get(c))
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or("imported");
        if suppressions::suppress(&tx, email, reason, ctx.now)? {
            added += 1;
        } else {
            known += 1;
        }
    }
    tx.commit()?;
    println!("{added} addresses suppressed, {known} already suppressed, {rejected} rows skipped");
    Ok(())
}
