//! The daemon's counters and gauges, rendered in the Prometheus text format by `GET /metrics`.
//!
//! Counters are atomics (the HTTP path must not wait on a lock); per-segment figures are few
//! and written by the engine thread only, so a mutex around a small map is enough.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

#[derive(Default)]
pub struct Metrics {
    events_ingested: AtomicU64,
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    segments: Mutex<BTreeMap<String, SegmentFigures>>,
    sends: Mutex<BTreeMap<&'static str, u64>>,
    reloads: Mutex<BTreeMap<&'static str, u64>>,
    pub journeys_active: AtomicI64,
    pub outbox_depth: AtomicI64,
    pub journeys_started: AtomicU64,
}

#[derive(Default, Clone)]
struct SegmentFigures {
    evaluations: u64,
    seconds_total: f64,
    last_seconds: f64,
    members: u64,
}

impl Metrics {
    pub fn add_events(&self, n: u64) {
        self.events_ingested.fetch_add(n, Relaxed);
    }

    pub fn events_ingested(&self) -> u64 {
        self.events_ingested.load(Relaxed)
    }

    pub fn request(&self, endpoint: &'static str, status: u16) {
        if let Ok(mut map) = self.requests.lock() {
            *map.entry((endpoint, status)).or_default() += 1;
        }
    }

    pub fn segment(&self, name: &str, seconds: f64, members: usize) {
        if let Ok(mut map) = self.segments.lock() {
            let f = map.entry(name.to_string()).or_default();
            f.evaluations += 1;
            f.seconds_total += seconds;
            f.last_seconds = seconds;
            f.members = members as u64;
        }
    }

    pub fn sends(&self, outcome: &'static str, n: u64) {
        if n == 0 {
            return;
        }
        if let Ok(mut map) = self.sends.lock() {
            *map.entry(outcome).or_default() += n;
        }
    }

    pub fn reload(&self, outcome: &'static str) {
        if let Ok(mut map) = self.reloads.lock() {
            *map.entry(outcome).or_default() += 1;
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        header(
            &mut out,
            "segflow_events_ingested_total",
            "counter",
            "Events committed to the store by the API, webhooks and tracking.",
        );
        let _ = writeln!(
            out,
            "segflow_events_ingested_total {}",
            self.events_ingested()
        );
        header(
            &mut out,
            "segflow_http_requests_total",
            "counter",
            "HTTP requests by endpoint and status.",
        );
        if let Ok(map) = self.requests.lock() {
            for ((endpoint, status), n) in map.iter() {
                let _ = writeln!(out, "segflow_http_requests_total{{endpoint=\"{endpoint}\",status=\"{status}\"}} {n}");
            }
        }
        if let Ok(map) = self.segments.lock() {
            header(
                &mut out,
                "segflow_segment_evaluations_total",
                "counter",
                "Full evaluations of each segment.",
            );
            for (name, f) in map.iter() {
                let _ = writeln!(
                    out,
                    "segflow_segment_evaluations_total{{segment=\"{name}\"}} {}",
                    f.evaluations
                );
            }
            header(
                &mut out,
                "segflow_segment_evaluation_seconds_total",
                "counter",
                "Time spent evaluating each segment.",
            );
            for (name, f) in map.iter() {
                let _ = writeln!(
                    out,
                    "segflow_segment_evaluation_seconds_total{{segment=\"{name}\"}} {:.6}",
                    f.seconds_total
                );
            }
            header(
                &mut out,
                "segflow_segment_last_evaluation_seconds",
                "gauge",
                "Duration of each segment's latest evaluation.",
            );
            for (name, f) in map.iter() {
                let _ = writeln!(
                    out,
                    "segflow_segment_last_evaluation_seconds{{segment=\"{name}\"}} {:.6}",
                    f.last_seconds
                );
            }
            header(
                &mut out,
                "segflow_segment_members",
                "gauge",
                "Members of each segment at its latest evaluation.",
            );
            for (name, f) in map.iter() {
                let _ = writeln!(
                    out,
                    "segflow_segment_members{{segment=\"{name}\"}} {}",
                    f.members
                );
            }
        }
        header(
            &mut out,
            "segflow_journeys_active",
            "gauge",
            "Journeys active or waiting.",
        );
        let _ = writeln!(
            out,
            "segflow_journeys_active {}",
            self.journeys_active.load(Relaxed)
        );
        header(
            &mut out,
            "segflow_journeys_started_total",
            "counter",
            "Journeys started by this process.",
        );
        let _ = writeln!(
            out,
            "segflow_journeys_started_total {}",
            self.journeys_started.load(Relaxed)
        );
        header(
            &mut out,
            "segflow_outbox_depth",
            "gauge",
            "Outbox rows waiting to be sent (queued or retrying).",
        );
        let _ = writeln!(
            out,
            "segflow_outbox_depth {}",
            self.outbox_depth.load(Relaxed)
        );
        header(
            &mut out,
            "segflow_sends_total",
            "counter",
            "Delivery attempts by outcome.",
        );
        if let Ok(map) = self.sends.lock() {
            for (outcome, n) in map.iter() {
                let _ = writeln!(out, "segflow_sends_total{{outcome=\"{outcome}\"}} {n}");
            }
        }
        header(
            &mut out,
            "segflow_reloads_total",
            "counter",
            "Reloads of rules, workflows and templates by outcome.",
        );
        if let Ok(map) = self.reloads.lock() {
            for (outcome, n) in map.iter() {
                let _ = writeln!(out, "segflow_reloads_total{{outcome=\"{outcome}\"}} {n}");
            }
        }
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}
