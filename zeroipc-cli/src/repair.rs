//! `zeroipc repair`: the runtime's repair of a segment (`Memory::repair`), or of one entry,
//! and its report. Unlike the other commands it writes to the segment, through the runtime,
//! and only while nobody else is attached: the runtime refuses otherwise, and so does this.

use std::fmt::Write as _;

use serde::Serialize;
use zeroipc::{Memory, RepairReport};

use crate::check::OPEN_TIMEOUT;
use crate::segment::SegmentName;

/// What one entry's repair found and changed.
#[derive(Debug, Serialize)]
pub(crate) struct Repaired {
    pub(crate) entry: String,
    pub(crate) kind: &'static str,
    pub(crate) changed: bool,
    /// Items held after the repair (queues and stacks).
    pub(crate) kept: u64,
    /// Of those, items a consumer had claimed and never taken, put back.
    pub(crate) returned: u64,
    /// Slots a producer claimed and never finished, dropped.
    pub(crate) dropped: u64,
    /// Each word set back, in words.
    pub(crate) reset: Vec<String>,
}

/// An entry left alone, and why.
#[derive(Debug, Serialize)]
pub(crate) struct Skipped {
    pub(crate) entry: String,
    pub(crate) reason: String,
}

/// The outcome of `repair`.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) segment: String,
    pub(crate) changed: bool,
    pub(crate) repaired: Vec<Repaired>,
    pub(crate) skipped: Vec<Skipped>,
}

impl From<RepairReport> for Report {
    fn from(r: RepairReport) -> Report {
        Report {
            segment: r.segment.clone(),
            changed: r.changed(),
            repaired: r
                .repaired
                .into_iter()
                .map(|e| Repaired {
                    changed: e.changed(),
                    entry: e.entry,
                    kind: e.kind,
                    kept: e.kept,
                    returned: e.returned,
                    dropped: e.dropped,
                    reset: e.reset,
                })
                .collect(),
            skipped: r
                .skipped
                .into_iter()
                .map(|s| Skipped {
                    entry: s.entry,
                    reason: s.reason,
                })
                .collect(),
        }
    }
}

/// Opens the segment with the runtime and repairs it (or its entry `entry`).
pub(crate) fn run(name: &SegmentName, entry: Option<&str>) -> Result<Report, String> {
    let mem = Memory::options()
        .timeout(OPEN_TIMEOUT)
        .open(&name.posix)
        .map_err(|e| format!("cannot open {}: {e}", name.posix))?;
    let report = match entry {
        Some(entry) => mem.repair_entry(entry),
        None => mem.repair(),
    };
    report.map(Report::from).map_err(|e| match e {
        zeroipc::Error::InUse { .. } => {
            format!("{e}; repair refuses while any other process is attached, and changed nothing")
        }
        e => format!("repair of {}: {e}", name.posix),
    })
}

/// The report for people: a line per entry repaired, then the entries skipped.
pub(crate) fn text(report: &Report) -> String {
    let mut out = format!("segment {}\n", report.segment);
    for e in &report.repaired {
        let _ = write!(out, "  {} ({}): ", e.entry, e.kind);
        let mut parts = Vec::new();
        if matches!(e.kind, "queue" | "stack") {
            parts.push(format!(
                "{} kept ({} put back), {} half-written dropped",
                e.kept, e.returned, e.dropped
            ));
        }
        parts.extend(e.reset.iter().cloned());
        if !e.changed {
            parts.push("sound, unchanged".to_owned());
        }
        let _ = writeln!(out, "{}", parts.join("; "));
    }
    for s in &report.skipped {
        let _ = writeln!(out, "  {}: skipped, {}", s.entry, s.reason);
    }
    if report.repaired.is_empty() && report.skipped.is_empty() {
        out.push_str("  no structure with anything to repair\n");
    }
    out
}
