//! The command-line interface as clap types: every command, flag and its help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "segflow",
    version,
    about = "Customer segments and targeted email campaigns from plain text files"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// The SQLite database (default: store.path of segflow.toml, else segflow.db).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// The directory of rule files (default: rules.dir of segflow.toml, else rules).
    #[arg(long, global = true, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// The evaluation time, such as 2026-11-22T10:00:00Z or 2026-11-22 (default: the clock).
    #[arg(long, global = true, value_name = "TIMESTAMP")]
    pub now: Option<String>,
    /// The configuration file (default: segflow.toml in the current directory, if present).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scaffold a merchant repository: segflow.toml, rules/, workflows/templates/, .gitignore.
    Init {
        /// Where to create it (default: the current directory).
        dir: Option<PathBuf>,
        /// Also copy the starter rules, workflows and email templates to adapt.
        #[arg(long)]
        examples: bool,
    },
    /// Check every rule, workflow and template file and report all problems; exits non-zero if
    /// there is any.
    Check {
        /// `text` (with source lines), `json`, `github` (workflow annotations on a pull
        /// request's lines) or `sarif` (SARIF 2.1.0 for code scanning).
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// Evaluate every segment and print its member count and share of customers.
    Segments {
        #[arg(long)]
        json: bool,
    },
    /// Inspect one segment.
    Segment {
        #[command(subcommand)]
        command: SegmentCommand,
    },
    /// Print the SQL a segment compiles to, with its parameters.
    Explain { name: String },
    /// Evaluate every segment, store members and record who entered and exited.
    Refresh {
        #[arg(long)]
        json: bool,
        /// Also rebuild each segment's past sizes week by week over this span (e.g. 52w) from
        /// the orders and events already in the store.
        #[arg(long, value_name = "SPAN")]
        history: Option<String>,
    },
    /// Fit the customer models and store RFM, lifecycle and predictions per customer.
    Model {
        #[command(subcommand)]
        command: ModelCommand,
    },
    /// Import a CSV file (generic headers or a Shopify export).
    Import {
        #[arg(value_enum)]
        kind: ImportKindArg,
        file: PathBuf,
        /// Import all rows or nothing: any bad row aborts the whole import.
        #[arg(long)]
        strict: bool,
        /// A TOML column map (`[columns] order_id = "Order Number"`) for an export whose
        /// columns have other names.
        #[arg(long, value_name = "MAP")]
        map: Option<PathBuf>,
    },
    /// What a change to the rule files does on the current store: members before and after,
    /// who enters and leaves, the journeys it would start and the check problems it adds or
    /// fixes. BASE defaults to where HEAD left main; HEAD to the working tree.
    Diff {
        base: Option<String>,
        head: Option<String>,
        #[arg(long)]
        json: bool,
        /// Markdown for a pull request's comment.
        #[arg(long, conflicts_with = "json")]
        markdown: bool,
    },
    /// Run the rule tests in tests/*.yaml: a small shop each and the members its segments
    /// must have, through both evaluators; exits non-zero if any fails.
    Test,
    /// Print the JSON Schema of rule files, workflow files or segflow.toml (also in schemas/),
    /// for editors that validate YAML and TOML.
    Schema {
        #[arg(value_enum)]
        kind: SchemaArg,
    },
    /// Serve editors as a language server (LSP over stdio) for rules/, workflows/ and
    /// segflow.toml: check problems as you type, completion, hover, go to definition, fixes.
    Lsp,
    /// Write a realistic synthetic shop as CSV files.
    Generate {
        #[arg(long, default_value_t = 10_000)]
        customers: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Campaign workflows: run journeys, list workflows, show journey status.
    Workflows {
        #[command(subcommand)]
        command: WorkflowsCommand,
    },
    /// KPIs per segment, per workflow and step, and A/B split verdicts over a period.
    Report {
        #[arg(long)]
        json: bool,
        /// Start of the period, such as 2026-09-01 (default: 90 days before --now).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Also write HTML: to FILE.html one self-contained page with charts; to any other
        /// path, a directory of the dashboard's pages (index.html, cohorts.html, ...).
        #[arg(long, value_name = "FILE.html|DIR")]
        html: Option<PathBuf>,
        /// Days after a send within which an order is attributed to it (last touch).
        #[arg(long, value_name = "DAYS", default_value_t = 7)]
        window_days: u32,
    },
    /// Render what a customer would get from a workflow's send step (subject, text, HTML).
    Preview {
        workflow: String,
        step: String,
        /// The customer's id (external_id as imported).
        #[arg(long, value_name = "ID")]
        customer: String,
    },
    /// Render a template and deliver it through the configured transport, as a test.
    SendTest {
        template: String,
        #[arg(long, value_name = "ADDRESS")]
        to: String,
        /// Fill the template with this customer's data (external id; default: the first customer).
        #[arg(long, value_name = "ID")]
        customer: Option<String>,
    },
    /// Never email this address again (suppressed with reason `unsubscribed`).
    Unsubscribe { email: String },
    /// The suppression list.
    Suppress {
        #[command(subcommand)]
        command: SuppressCommand,
    },
    /// Bounces and spam complaints that came back by mail.
    Bounces {
        #[command(subcommand)]
        command: BouncesCommand,
    },
    /// Deliver the outbox: SMTP if [mail] transport = "smtp", else .eml files into [mail.file] dir.
    /// Exit codes: 0 when the outbox was drained (failed messages are recorded per message and
    /// counted in the summary); 1 when sending could not start or stopped on an error.
    Send {
        /// Send one batch ([mail.delivery] batch_size) and exit, instead of draining everything due.
        #[arg(long)]
        once: bool,
        /// Messages in flight at once over the SMTP pool (raise [mail.smtp] pool_size to match).
        /// After a crash, up to this many messages may arrive twice (with their Message-ID).
        #[arg(long, default_value_t = 1, value_name = "N")]
        connections: usize,
    },
    /// Outgoing webhooks ([[webhooks]] in segflow.toml).
    Webhooks {
        #[command(subcommand)]
        command: WebhooksCommand,
    },
    /// Run the daemon: scheduled refreshes, real-time events over HTTP, journeys, sending, and
    /// the unsubscribe and tracking links, until SIGTERM or SIGINT.
    Run {
        /// The address to listen on (default: [daemon] bind, or SEGFLOW_BIND).
        #[arg(long, value_name = "ADDR")]
        bind: Option<String>,
    },
    /// What the daemon on this database is doing: running or not, journeys, outbox, refreshes.
    Status,
    /// Create a sample shop in demo/, import it, refresh every segment in rules/ and print them.
    Demo {
        #[arg(long, default_value_t = 5_000)]
        customers: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Where the sample shop and its database go.
        #[arg(long, default_value = "demo")]
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum WorkflowsCommand {
    /// Consume new triggers and advance journeys: everything due now (--once), or simulated
    /// forward from --now to a later time (--until).
    Run {
        #[arg(long, conflicts_with = "until")]
        once: bool,
        /// Simulate forward to this time, waking at every wait and schedule slot on the way.
        #[arg(long, value_name = "TIMESTAMP")]
        until: Option<String>,
    },
    /// Every workflow with its trigger and number of steps.
    List,
    /// Journeys by step and state (all workflows, or one).
    Status { name: Option<String> },
}

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Queue the new segment, journey and message events for each webhook and make the due
    /// calls (the daemon does this by itself); failed calls are retried by later runs.
    Send {
        /// One pass of calls, instead of calling until nothing more is delivered.
        #[arg(long)]
        once: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SuppressCommand {
    /// Add every address of a CSV file with an `email` column and an optional `reason` column.
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum BouncesCommand {
    /// Read delivery status notifications (RFC 3464) and feedback-loop complaints (ARF, RFC
    /// 5965) from mbox or .eml files: record each against its message, suppress hard bounces,
    /// complaints and repeated soft bounces ([mail.bounces]), end complained-about journeys.
    /// Exit 1 when a message could not be read (the others are still recorded).
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SegmentCommand {
    /// Member count, sample members, revenue, AOV and orders per customer.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Write the members with their key fields.
    Export {
        name: String,
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// The segment's size over time, from earlier refreshes.
    History {
        name: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Fit BG/NBD and Gamma-Gamma on the orders up to --now and score every customer.
    Fit {
        #[arg(long)]
        json: bool,
    },
    /// Print the stored parameters and fit diagnostics.
    Show {
        /// Also fit on the orders before DATE and compare predicted with actual purchases
        /// between DATE and --now.
        #[arg(long, value_name = "DATE")]
        holdout: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaArg {
    Rules,
    Workflows,
    Config,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Github,
    Sarif,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportKindArg {
    Customers,
    Orders,
    Items,
    Products,
    Events,
}
