//! `zeroipc show`: the header, the entries, a map of the segment and what each entry
//! looks like.

use std::fmt::Write as _;

use serde::Serialize;

use crate::map::{self, Range};
use crate::view::{finding_text, rule_id, EntryView, FileInfo, View};

/// Width of the map's bars, in cells.
const BAR_WIDTH: usize = 64;

#[derive(Serialize)]
struct ShowJson<'a> {
    file: FileInfo,
    zeroipc: bool,
    header: Option<HeaderJson>,
    entries: Vec<EntryView>,
    entries_unread: u32,
    map: Vec<Range>,
    problems: Vec<ProblemJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct HeaderJson {
    magic: u32,
    version: u32,
    entry_count: u32,
    max_entries: u32,
    memory_size: u64,
    next_offset: u64,
    table_end: u64,
}

#[derive(Serialize)]
pub(crate) struct ProblemJson {
    pub(crate) rule: &'static str,
    pub(crate) entries: Vec<u32>,
    pub(crate) message: String,
}

const GUESS_NOTE: &str =
    "guesses: the format stores no types; they are read from each entry's first words";

pub(crate) fn json(view: &View) -> serde_json::Value {
    let out = ShowJson {
        file: FileInfo::of(&view.file),
        zeroipc: view.is_zeroipc(),
        header: view.header().map(|h| HeaderJson {
            magic: h.magic,
            version: h.version,
            entry_count: h.entry_count,
            max_entries: h.max_entries,
            memory_size: h.memory_size,
            next_offset: h.next_offset,
            table_end: h.table_end(),
        }),
        entries: view.entries(),
        entries_unread: view.table.as_ref().map_or(0, |t| t.missing_entries),
        map: view.ranges(),
        problems: problems(view),
        note: Some(GUESS_NOTE),
    };
    serde_json::to_value(out).unwrap_or_else(|e| serde_json::Value::String(e.to_string()))
}

pub(crate) fn problems(view: &View) -> Vec<ProblemJson> {
    let mut out: Vec<ProblemJson> = view
        .findings
        .iter()
        .map(|f| ProblemJson {
            rule: rule_id(f.rule),
            entries: f.entries.clone(),
            message: finding_text(f),
        })
        .collect();
    if let Some(crate::declared::SchemaRead {
        index,
        result: Err(why),
    }) = &view.schema
    {
        out.push(ProblemJson {
            rule: "schema",
            entries: vec![*index],
            message: why.clone(),
        });
    }
    if view.table.is_none() {
        out.push(ProblemJson {
            rule: "table_fits",
            entries: Vec::new(),
            message: format!(
                "the segment has {} bytes, fewer than the 32-byte table header",
                view.file.len()
            ),
        });
    }
    out
}

pub(crate) fn text(view: &View) -> String {
    let mut s = String::new();
    let info = FileInfo::of(&view.file);
    let _ = writeln!(
        s,
        "segment {}  ({}, {} bytes, owner {}, mode {})",
        info.name, info.path, info.size, info.owner, info.mode
    );
    let Some(h) = view.header() else {
        let _ = writeln!(
            s,
            "  too short for a table header: {} bytes of 32",
            info.size
        );
        push_problems(&mut s, view);
        return s;
    };
    push_header(&mut s, h);

    let entries = view.entries();
    push_entries_section(&mut s, view, &entries);

    let ranges = view.ranges();
    if view.plausible {
        push_map(&mut s, &ranges, h.next_offset, view.file.len());
    } else {
        let _ = writeln!(s, "\nmap: not drawn, the header is not a zeroipc header");
    }
    for e in &entries {
        let claimed = e
            .end
            .map_or_else(|| "2^64 and beyond".to_owned(), |v| format!("{v:#x}"));
        if e.end.map_or(true, |end| end > view.file.len()) {
            let _ = writeln!(
                s,
                "  [{}] {} claims bytes up to {claimed}, past the end of the segment ({:#x})",
                e.index,
                e.name,
                view.file.len()
            );
        }
    }

    if !entries.is_empty() {
        let width = entries.iter().map(|e| e.name.len()).max().unwrap_or(0);
        let heading = if entries.iter().all(|e| e.declared.is_some()) {
            "\ncontents (as the segment's schema declares them):"
        } else if entries.iter().any(|e| e.declared.is_some()) {
            "\ncontents (as the segment's schema declares them; the others a guess read from each entry's first words):"
        } else {
            "\ncontents (a guess: the format stores no types; read from each entry's first words):"
        };
        let _ = writeln!(s, "{heading}");
        for e in &entries {
            if let Some(d) = &e.declared {
                let _ = writeln!(s, "  {:<width$}  {}", e.name, d.description);
                for line in d.doc.iter().flat_map(|d| d.lines()) {
                    let _ = writeln!(s, "  {:<width$}    /// {line}", "");
                }
                continue;
            }
            let mut lines = e.guesses.iter().map(|g| match &g.inconsistent {
                Some(why) => format!("{} (INCONSISTENT: {why})", g.description),
                None => g.description.clone(),
            });
            let first = lines
                .next()
                .unwrap_or_else(|| format!("{} bytes of no recognised layout", e.size));
            let _ = writeln!(s, "  {:<width$}  {first}", e.name);
            for other in lines {
                let _ = writeln!(s, "  {:<width$}    or {other}", "");
            }
        }
    }
    push_problems(&mut s, view);
    s
}

fn push_header(s: &mut String, h: &zeroipc::inspect::RawHeader) {
    let magic_note = if h.magic == zeroipc::layout::MAGIC {
        "ok"
    } else if h.magic == 0 {
        "ZERO: not published"
    } else {
        "WRONG: not a zeroipc segment, or a damaged one"
    };
    let version_note = if h.version == zeroipc::layout::VERSION {
        ""
    } else {
        "  (WRONG: this tool reads version 2)"
    };
    let table_end = h.table_end();
    let _ = writeln!(s, "header:");
    let _ = writeln!(s, "  magic        {:#010x}  ({magic_note})", h.magic);
    let _ = writeln!(s, "  version      {}{version_note}", h.version);
    let _ = writeln!(
        s,
        "  entries      {} in use of {} slots",
        h.entry_count, h.max_entries
    );
    let _ = writeln!(s, "  memory_size  {}", h.memory_size);
    let _ = writeln!(
        s,
        "  next_offset  {}  ({:#x})",
        h.next_offset, h.next_offset
    );
    let _ = writeln!(s, "  table        0..{table_end}  ({table_end:#x})");
    if h.memory_size > 0 && h.next_offset <= h.memory_size {
        let used = h.next_offset;
        let _ = writeln!(
            s,
            "  used         {used} bytes ({:.1}%), {} free",
            percent(used, h.memory_size),
            h.memory_size - used
        );
    }
}

fn push_entries_section(s: &mut String, view: &View, entries: &[EntryView]) {
    if view.entries_skipped {
        let _ = writeln!(
            s,
            "\nentries: not read (the header is not a zeroipc header, so its entry count means nothing)"
        );
    } else {
        push_entries(s, entries);
        if view.blank_slots > 0 {
            let _ = writeln!(
                s,
                "  ({} blank slots that entry_count counts in are not shown)",
                view.blank_slots
            );
        }
        if let Some(t) = &view.table {
            if t.missing_entries > 0 {
                let _ = writeln!(
                    s,
                    "  ({} more entries in use lie past the bytes that could be read)",
                    t.missing_entries
                );
            }
        }
    }
}

fn push_entries(s: &mut String, entries: &[EntryView]) {
    if entries.is_empty() {
        let _ = writeln!(s, "\nentries: none");
        return;
    }
    let width = entries
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let _ = writeln!(s, "\nentries:");
    let _ = writeln!(
        s,
        "  {:>3}  {:<width$}  {:>18}  {:>10}  {:>18}",
        "#", "name", "offset", "size", "end"
    );
    for e in entries {
        let end = e
            .end
            .map_or_else(|| "overflows".to_owned(), |v| format!("{v} {v:#06x}"));
        let mark = if e.problems.is_empty() { "" } else { "  !" };
        let name = if e.name_valid {
            e.name.clone()
        } else {
            format!("{:?}", e.name)
        };
        let _ = writeln!(
            s,
            "  {:>3}  {:<width$}  {:>18}  {:>10}  {:>18}{mark}",
            e.index,
            name,
            format!("{} {:#06x}", e.offset, e.offset),
            e.size,
            end
        );
        for p in &e.problems {
            let _ = writeln!(s, "       ! {p}");
        }
    }
}

fn push_map(s: &mut String, ranges: &[Range], next_offset: u64, file_len: u64) {
    let _ = writeln!(s, "\nmap of 0..{file_len} ({}):", map::legend(ranges));
    let _ = writeln!(s, "  [{}]", map::bar(ranges, BAR_WIDTH));
    // The part in use, drawn again on its own when it is a small part of the whole.
    let used_end = next_offset.min(file_len);
    if used_end > 0 && used_end.saturating_mul(2) < file_len {
        let used: Vec<Range> = ranges
            .iter()
            .filter(|r| r.start < used_end)
            .map(|r| Range {
                end: r.end.min(used_end),
                ..r.clone()
            })
            .collect();
        let _ = writeln!(s, "  in use, 0..{used_end}:");
        let _ = writeln!(s, "  [{}]", map::bar(&used, BAR_WIDTH));
    }
    let digits = format!("{file_len:#x}").len().max(6);
    for r in ranges {
        let _ = writeln!(
            s,
            "  {:>digits$}..{:<digits$} {:>12} B  {}",
            format!("{:#x}", r.start),
            format!("{:#x}", r.end),
            r.end - r.start,
            r.owner.label()
        );
    }
}

fn push_problems(s: &mut String, view: &View) {
    let problems = problems(view);
    if problems.is_empty() {
        let _ = writeln!(s, "\nproblems: none found in the table");
        return;
    }
    let _ = writeln!(
        s,
        "\nPROBLEMS ({}; `zeroipc check` and the runtime's open refuse this segment):",
        problems.len()
    );
    for p in problems {
        let _ = writeln!(s, "  - {}", p.message);
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    // Display only: the rounding of a u64 to f64 does not matter at one decimal.
    #[allow(clippy::cast_precision_loss)]
    let p = part as f64 * 100.0 / whole as f64;
    p
}
