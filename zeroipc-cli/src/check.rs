//! `zeroipc check`: every rule the runtime applies when it opens a segment, each reported,
//! then the runtime's own open of the segment and of each structure whose kind can be told.
//!
//! The table rules come from [`zeroipc::inspect`], which reports all problems with the
//! runtime's error values; the verdict also needs the runtime's own open to pass, so a rule
//! this tool did not list still fails the check. The runtime opens a private copy of the
//! segment (`Memory::open_copy`), read with `pread` and needing only read permission: a
//! peer that shrinks the segment meanwhile can make the copy inconsistent, which is reported
//! as damage, but cannot raise `SIGBUS` here.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;
use zeroipc::inspect::{self, RawTable, Rule};
use zeroipc::Memory;

use crate::segment::{SegmentFile, SegmentName};
use crate::view::{finding_text, rule_id, View};

/// How long the runtime's open waits for an unpublished segment.
pub(crate) const OPEN_TIMEOUT: Duration = Duration::from_millis(100);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Status {
    Pass,
    Fail,
    Skip,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        }
    }
}

/// One check and its outcome.
#[derive(Debug, Serialize)]
pub(crate) struct Item {
    /// What was checked: a rule of the table, `runtime_open` or `structure`.
    pub(crate) check: String,
    /// The entry checked, for per-entry checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) entry: Option<String>,
    pub(crate) status: Status,
    /// What the check requires, or what is wrong (the runtime's words).
    pub(crate) detail: String,
    /// For a per-entry rule: where the entry lies and what the rule requires, so that text
    /// output can put an entry's passing rules on one line.
    #[serde(skip)]
    brief: Option<(String, &'static str)>,
}

/// The outcome of `check`.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) segment: String,
    pub(crate) size: Option<u64>,
    pub(crate) sound: bool,
    pub(crate) checks: Vec<Item>,
}

fn item(check: &str, entry: Option<String>, status: Status, detail: impl Into<String>) -> Item {
    Item {
        check: check.to_owned(),
        entry,
        status,
        detail: detail.into(),
        brief: None,
    }
}

pub(crate) fn run(name: &SegmentName) -> Report {
    let mut checks = Vec::new();
    let file = match SegmentFile::open(name) {
        Ok(f) => f,
        Err(e) => {
            checks.push(item("file", None, Status::Fail, e));
            return Report {
                segment: name.posix.clone(),
                size: None,
                sound: false,
                checks,
            };
        }
    };
    let size = file.len();
    checks.push(item(
        "file",
        None,
        Status::Pass,
        format!("{} is a regular file of {size} bytes", file.path.display()),
    ));
    let view = View::read(file);
    table_rules(&view, &mut checks);
    let table_sound = !checks.iter().any(|c| c.status == Status::Fail);

    let mem = Memory::options()
        .timeout(OPEN_TIMEOUT)
        .private_copy(true)
        .open(&name.posix);
    match &mem {
        Ok(_) => checks.push(item(
            "runtime_open",
            None,
            Status::Pass,
            "the runtime opens the segment (Memory::open_copy, a private copy)",
        )),
        Err(e) => {
            let mut detail = format!("Memory::open_copy: {e}");
            if table_sound {
                detail.push_str(" (a problem the rules above did not catch)");
            }
            checks.push(item("runtime_open", None, Status::Fail, detail));
        }
    }
    match &mem {
        Ok(mem) => {
            schema(mem, &view, &mut checks);
            structures(mem, &view, &mut checks);
        }
        Err(_) => checks.push(item(
            "structure",
            None,
            Status::Skip,
            "structures not opened: the segment does not open",
        )),
    }
    let sound = !checks.iter().any(|c| c.status == Status::Fail);
    Report {
        segment: name.posix.clone(),
        size: Some(size),
        sound,
        checks,
    }
}

/// The table's rules in the runtime's order: the header's, each entry's, then the whole
/// table's.
fn table_rules(view: &View, checks: &mut Vec<Item>) {
    let Some(table) = &view.table else {
        checks.push(item(
            rule_id(Rule::TableFits),
            None,
            Status::Fail,
            format!(
                "the segment has {} bytes, fewer than the 32-byte table header",
                view.file.len()
            ),
        ));
        return;
    };
    let h = &table.header;
    let rules = Rules::new(view);
    rules.push(
        checks,
        Rule::Magic,
        None,
        format!("magic is {:#010x}", zeroipc::layout::MAGIC),
    );
    // Past a wrong version, or a wrong magic in a header that is not a zeroipc header at all,
    // the other fields mean nothing.
    let stop = if rules.broken(Rule::Magic) && view.entries_skipped {
        Some("magic")
    } else {
        rules.push(checks, Rule::Version, None, "version is 2".to_owned());
        rules.broken(Rule::Version).then_some("version")
    };
    if let Some(what) = stop {
        checks.push(item(
            "table",
            None,
            Status::Skip,
            format!("the other rules: not checked, a header with a wrong {what} is not a zeroipc v2 header"),
        ));
        return;
    }
    rules.push(
        checks,
        Rule::TableFits,
        None,
        format!(
            "the table of {} slots ({} bytes) fits in the segment and in memory_size",
            h.max_entries,
            h.table_end()
        ),
    );
    rules.push(
        checks,
        Rule::EntryCount,
        None,
        format!(
            "entry_count {} is at most max_entries {}",
            h.entry_count, h.max_entries
        ),
    );
    rules.push(
        checks,
        Rule::MemorySize,
        None,
        format!(
            "memory_size {} is at most the segment's {} bytes",
            h.memory_size,
            view.file.len()
        ),
    );
    entry_rules(view, table, &rules, checks);
    rules.push(
        checks,
        Rule::Overlap,
        None,
        Rule::Overlap.describe().to_owned(),
    );
    rules.push(
        checks,
        Rule::NextOffset,
        None,
        format!(
            "next_offset {} is past the table and every entry, within the segment",
            h.next_offset
        ),
    );
}

/// Each entry's rules, and what kept entries from being checked.
fn entry_rules(view: &View, table: &RawTable, rules: &Rules, checks: &mut Vec<Item>) {
    for e in &table.entries {
        let at = format!(
            "[{}] at {}..{}",
            e.index,
            e.offset,
            e.end()
                .map_or_else(|| "overflow".to_owned(), |v| v.to_string())
        );
        for rule in Rule::ALL.into_iter().filter(|r| r.per_entry()) {
            rules.push_entry(checks, rule, e.index, &e.name_lossy(), &at);
        }
    }
    if view.blank_slots > 0 {
        checks.push(item(
            "entry_count",
            None,
            Status::Skip,
            format!(
                "{} blank slots counted in by entry_count were not checked as entries",
                view.blank_slots
            ),
        ));
    }
    if table.missing_entries > 0 {
        checks.push(item(
            "entries_read",
            None,
            Status::Fail,
            format!(
                "{} entries in use lie past the bytes that could be read",
                table.missing_entries
            ),
        ));
    }
}

/// The findings of a view, by rule and by the entry they are about (the first one named).
struct Rules {
    by_rule: HashMap<(Rule, Option<u32>), Vec<String>>,
}

impl Rules {
    fn new(view: &View) -> Rules {
        let mut by_rule: HashMap<(Rule, Option<u32>), Vec<String>> = HashMap::new();
        for f in &view.findings {
            let entry = if f.rule.per_entry() {
                f.entries.first().copied()
            } else {
                None
            };
            by_rule
                .entry((f.rule, entry))
                .or_default()
                .push(finding_text(f));
        }
        Rules { by_rule }
    }

    fn errors(&self, rule: Rule, entry: Option<u32>) -> Vec<String> {
        self.by_rule
            .get(&(rule, entry))
            .cloned()
            .unwrap_or_default()
    }

    fn broken(&self, rule: Rule) -> bool {
        !self.errors(rule, None).is_empty()
    }

    /// One item for a passed rule, one per problem for a broken one.
    fn push(&self, checks: &mut Vec<Item>, rule: Rule, entry: Option<u32>, what: String) {
        let errors = self.errors(rule, entry);
        if errors.is_empty() {
            checks.push(item(rule_id(rule), None, Status::Pass, what));
        }
        for e in errors {
            checks.push(item(rule_id(rule), None, Status::Fail, e));
        }
    }

    fn push_entry(&self, checks: &mut Vec<Item>, rule: Rule, index: u32, name: &str, at: &str) {
        let errors = self.errors(rule, Some(index));
        if errors.is_empty() {
            let mut passed = item(
                rule_id(rule),
                Some(name.to_owned()),
                Status::Pass,
                format!("{at}: {}", rule.describe()),
            );
            passed.brief = Some((at.to_owned(), short(rule)));
            checks.push(passed);
        }
        for e in errors {
            checks.push(item(rule_id(rule), Some(name.to_owned()), Status::Fail, e));
        }
    }
}

/// A per-entry rule in a word or two, for an entry's one-line summary.
fn short(rule: Rule) -> &'static str {
    match rule {
        Rule::EntryName => "name",
        Rule::EntryBounds => "bounds",
        Rule::EntryAlignment => "8-aligned",
        Rule::EntryInTable => "past the table",
        _ => rule.describe(),
    }
}

/// The segment's schema, if it has one: it reads (the runtime's reader, every rule), and
/// each entry it describes has the size its declared kind, parameters and element type
/// give, and bytes that read as that kind.
fn schema(mem: &Memory, view: &View, checks: &mut Vec<Item>) {
    let name = Some(zeroipc::schema::ENTRY_NAME.to_owned());
    let schema = match zeroipc::schema::read(mem) {
        Ok(None) => return,
        Ok(Some(schema)) => schema,
        Err(e) => {
            checks.push(item("schema", name, Status::Fail, e.to_string()));
            return;
        }
    };
    checks.push(item(
        "schema",
        name,
        Status::Pass,
        format!(
            "the schema reads: {} entries described, each in the table",
            schema.entries().len()
        ),
    ));
    let entries = view.entries();
    for d in schema.entries() {
        let Some(e) = entries.iter().find(|e| e.name == d.name) else {
            continue;
        };
        let entry = Some(e.name.clone());
        let declared = crate::declared::describe(d);
        if let Some(expected) = d.expected_size() {
            let (status, detail) = if expected == e.size {
                (
                    Status::Pass,
                    format!("declared {declared}: {expected} bytes, as its entry"),
                )
            } else {
                (
                    Status::Fail,
                    format!(
                        "declared {declared}, which takes {expected} bytes, but its entry has {}",
                        e.size
                    ),
                )
            };
            checks.push(item("schema_size", entry.clone(), status, detail));
        }
        // A composite's entry of its own name is its marker (or, for an event, its words):
        // its kind is the composite's, not what the bytes read as.
        if d.parts.is_empty()
            && !e.guesses.is_empty()
            && !e.guesses.iter().any(|g| g.kind == d.kind)
        {
            let read: Vec<&str> = e.guesses.iter().map(|g| g.kind).collect();
            checks.push(item(
                "schema_kind",
                entry,
                Status::Fail,
                format!(
                    "declared a {}, but its bytes read as {}",
                    d.kind,
                    read.join(" or ")
                ),
            ));
        }
    }
}

/// Opens each entry whose kind the bytes tell, with the runtime's own `open`.
fn structures(mem: &Memory, view: &View, checks: &mut Vec<Item>) {
    for e in view.entries() {
        let entry = Some(e.name.clone());
        if e.name == zeroipc::schema::ENTRY_NAME {
            continue;
        }
        // The declared kind's reading, where it is among those that fit.
        let declared = e
            .declared
            .as_ref()
            .and_then(|d| e.guesses.iter().find(|g| g.kind == d.kind));
        let Some(g) = declared.or(e.guesses.first()) else {
            checks.push(item(
                "structure",
                entry,
                Status::Skip,
                format!(
                    "{} bytes of no recognised layout; the format stores no types, so only a \
                     program that knows its type can open it",
                    e.size
                ),
            ));
            continue;
        };
        let (status, detail) = match (inspect::check(mem, &e.name, g), &g.inconsistent) {
            (Some(Ok(what)), None) if declared.is_some() => (
                Status::Pass,
                format!("opens as {what} (the kind its schema declares)"),
            ),
            (Some(Ok(what)), None) => (
                Status::Pass,
                format!("opens as {what} (the kind is a guess from its bytes)"),
            ),
            (Some(Ok(what)), Some(why)) => (
                Status::Fail,
                format!("opens as {what}, but {why}: its counters are corrupt"),
            ),
            (Some(Err(err)), _) => (Status::Fail, err),
            (None, Some(why)) => (
                Status::Fail,
                format!("looks like {}, but {why}", g.description),
            ),
            (None, None) => (
                Status::Skip,
                format!(
                    "looks like {}; no open of the runtime checks it here",
                    g.description
                ),
            ),
        };
        checks.push(item("structure", entry, status, detail));
    }
}

pub(crate) fn text(report: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "check {}{}",
        report.segment,
        report
            .size
            .map_or_else(String::new, |n| format!(" ({n} bytes)"))
    );
    let mut i = 0;
    while i < report.checks.len() {
        let c = &report.checks[i];
        let who = c
            .entry
            .as_ref()
            .map_or_else(String::new, |n| format!("entry {n:?} "));
        // An entry's passing rules share one line.
        if let (Some((at, _)), Status::Pass) = (&c.brief, c.status) {
            let run: Vec<&'static str> = report.checks[i..]
                .iter()
                .take_while(|d| d.status == Status::Pass && d.entry == c.entry && d.brief.is_some())
                .filter_map(|d| d.brief.as_ref().map(|b| b.1))
                .collect();
            let _ = writeln!(s, "  pass  {who}{at}: {}", run.join(", "));
            i += run.len();
            continue;
        }
        match c.status {
            Status::Fail => {
                let _ = writeln!(s, "  FAIL  {}: {}", c.check, c.detail);
            }
            _ => {
                let _ = writeln!(s, "  {}  {who}{}", c.status.word(), c.detail);
            }
        }
        i += 1;
    }
    let fails = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .count();
    if report.sound {
        let _ = writeln!(s, "sound: every check passed");
    } else {
        let _ = writeln!(s, "NOT SOUND: {fails} check(s) failed");
    }
    s
}
