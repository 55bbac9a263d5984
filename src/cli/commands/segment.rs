//! `segflow segment show|export|history NAME`: one segment's members and figures.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::segments::find;
use crate::cli::args::ExportFormat;
use crate::cli::table::{money, percent, Table};
use crate::cli::{CliResult, Context};
use crate::compile::columnar::Program;
use crate::segment::spreadsheet::text_cell;
use crate::segment::stats::{self, MemberRow};
use crate::store::snapshot::Snapshot;

fn members(
    ctx: &Context,
    name: &str,
) -> Result<(rusqlite::Connection, Vec<i64>), crate::cli::CliError> {
    let set = ctx.load_rules()?;
    let segment = find(&set, name)?;
    let conn = ctx.open_store()?;
    let snapshot = Snapshot::load(&conn)?;
    let program = Program::compile(&segment.expr).map_err(|e| e.to_string())?;
    let members = program.members(&snapshot, ctx.now);
    Ok((conn, members))
}

#[derive(Serialize)]
struct Show {
    segment: String,
    #[serde(flatten)]
    stats: stats::MemberStats,
    share: f64,
    aov_cents: f64,
    orders_per_customer: f64,
    sample: Vec<MemberRow>,
}

pub fn show(ctx: &Context, name: &str, json: bool) -> CliResult {
    let (conn, members) = members(ctx, name)?;
    let st = stats::stats(&conn, &members)?;
    let sample = stats::rows(&conn, &members, Some(10))?;
    if json {
        let show = Show {
            segment: name.into(),
            share: st.share(),
            aov_cents: st.aov_cents(),
            orders_per_customer: st.orders_per_customer(),
            stats: st,
            sample,
        };
        println!("{}", serde_json::to_string_pretty(&show)?);
        return Ok(());
    }
    println!("segment {name}");
    println!(
        "  members              {} ({} of {} customers)",
        st.members,
        percent(st.share()),
        st.customers
    );
    let currency = &ctx.config.shop.currency;
    println!(
        "  revenue              {} {currency}",
        money(st.revenue_cents)
    );
    println!("  orders               {}", st.orders);
    println!(
        "  AOV                  {} {currency}",
        money(st.aov_cents().round() as i64)
    );
    println!("  orders per customer  {:.2}", st.orders_per_customer());
    if sample.is_empty() {
        return Ok(());
    }
    println!("\nsample members:");
    let mut table = Table::new(
        &[
            "customer_id",
            "email",
            "name",
            "country",
            "orders",
            &format!("spent {currency}"),
            "last order",
        ],
        &[4, 5],
    );
    for r in &sample {
        let name = [r.first_name.as_deref(), r.last_name.as_deref()]
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        table.row(vec![
            r.customer_id.clone(),
            r.email.clone().unwrap_or_default(),
            name,
            r.country.clone().unwrap_or_default(),
            r.orders.to_string(),
            money(r.total_spent_cents),
            r.last_order_at.map(date).unwrap_or_default(),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}

pub fn date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

pub fn export(ctx: &Context, name: &str, format: ExportFormat, out: Option<&Path>) -> CliResult {
    let (conn, members) = members(ctx, name)?;
    let rows = stats::rows(&conn, &members, None)?;
    let mut writer: Box<dyn Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match format {
        ExportFormat::Csv => {
            let mut csv = csv::Writer::from_writer(&mut writer);
            csv.write_record([
                "customer_id",
                "email",
                "first_name",
                "last_name",
                "country",
                "orders",
                "total_spent",
                "last_order_at",
            ])?;
            for r in &rows {
                let text = |v: Option<&str>| text_cell(v.unwrap_or("")).into_owned();
                csv.write_record([
                    &text(Some(&r.customer_id)),
                    &text(r.email.as_deref()),
                    &text(r.first_name.as_deref()),
                    &text(r.last_name.as_deref()),
                    &text(r.country.as_deref()),
                    &r.orders.to_string(),
                    // A plain decimal, which a spreadsheet reads as a number.
                    &crate::mail::money::decimal(r.total_spent_cents),
                    &r.last_order_at.map(date).unwrap_or_default(),
                ])?;
            }
            csv.flush()?;
        }
        ExportFormat::Jsonl => {
            for r in &rows {
                serde_json::to_writer(&mut writer, r)?;
                writer.write_all(b"\n")?;
            }
        }
    }
    writer.flush()?;
    if let Some(path) = out {
        eprintln!(
            "wrote {} members of {name} to {}",
            rows.len(),
            path.display()
        );
    }
    Ok(())
}

pub fn history(ctx: &Context, name: &str, json: bool) -> CliResult {
    let set = ctx.load_rules()?;
    find(&set, name)?;
    let conn = ctx.open_store()?;
    let rows = stats::history(&conn, name)?;
    if json {
        let v: Vec<_> = rows
            .iter()
            .map(|(at, m, e, x)| serde_json::json!({"at": at, "members": m, "entered": e, "exited": x}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("no history for {name} yet: `segflow refresh` records one point per run");
        return Ok(());
    }
    let mut table = Table::new(
        &["refreshed at", "members", "entered", "exited"],
        &[1, 2, 3],
    );
    for (at, m, e, x) in rows {
        let when = chrono::DateTime::from_timestamp_millis(at)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        table.row(vec![when, m.to_string(), e.to_string(), x.to_string()]);
    }
    print!("{}", table.render());
    Ok(())
}
