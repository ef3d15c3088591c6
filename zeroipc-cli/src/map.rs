//! Which byte ranges of a segment hold what, and a bar that draws them.

use serde::Serialize;

/// What a range of bytes holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Owner {
    /// The table: header and entry slots.
    Table,
    /// One entry's structure.
    Entry { index: u32, name: String },
    /// Claimed by several of the above at once: a corrupt table.
    Overlap { claimants: Vec<String> },
    /// Below `next_offset` but claimed by nothing (alignment padding, or a lost entry).
    Unused,
    /// From `next_offset` to `memory_size`: room for new structures.
    Free,
    /// Past the header's `memory_size`, still in the file.
    BeyondMemorySize,
}

impl Owner {
    /// The character the bar draws for it.
    fn symbol(&self) -> char {
        const ENTRY_SYMBOLS: &[u8] =
            b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        match self {
            Owner::Table => '#',
            Owner::Entry { index, .. } => ENTRY_SYMBOLS
                .get(*index as usize)
                .map_or('*', |&b| char::from(b)),
            Owner::Overlap { .. } => '!',
            Owner::Unused => '-',
            Owner::Free => '.',
            Owner::BeyondMemorySize => '~',
        }
    }

    pub(crate) fn label(&self) -> String {
        match self {
            Owner::Table => "table".to_owned(),
            Owner::Entry { index, name } => format!("[{index}] {name}"),
            Owner::Overlap { claimants } => format!("OVERLAP of {}", claimants.join(" and ")),
            Owner::Unused => "unused (padding, or claimed by no entry)".to_owned(),
            Owner::Free => "free".to_owned(),
            Owner::BeyondMemorySize => "past memory_size (not part of the segment)".to_owned(),
        }
    }
}

/// A range of bytes, `start..end`, and what holds it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Range {
    pub(crate) start: u64,
    pub(crate) end: u64,
    #[serde(flatten)]
    pub(crate) owner: Owner,
}

/// A claim on bytes: the table or one entry.
pub(crate) struct Claim {
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) owner: Owner,
}

/// Splits `0..file_len` into ranges by what claims them. Claims are clipped to the file;
/// bytes nobody claims are unused below `next_offset`, free below `memory_size`, and beyond
/// it after that. A sweep over the claims' ends, so a table of millions of entries (or a
/// hostile one whose entries all overlap) takes `O(n log n)`.
pub(crate) fn ranges(
    file_len: u64,
    memory_size: u64,
    next_offset: u64,
    claims: &[Claim],
) -> Vec<Range> {
    // (position, starts?, claim): ends sort before starts at the same position.
    let mut events: Vec<(u64, bool, usize)> = Vec::with_capacity(claims.len() * 2);
    for (i, c) in claims.iter().enumerate() {
        let (start, end) = (c.start.min(file_len), c.end.min(file_len));
        if start < end {
            events.push((start, true, i));
            events.push((end, false, i));
        }
    }
    let mut cuts = vec![
        0,
        file_len,
        memory_size.min(file_len),
        next_offset.min(file_len),
    ];
    cuts.extend(events.iter().map(|e| e.0));
    cuts.sort_unstable();
    cuts.dedup();
    events.sort_unstable();
    let mut active = std::collections::BTreeSet::new();
    let mut next_event = 0;
    let mut out: Vec<Range> = Vec::new();
    for pair in cuts.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        while let Some(&(pos, starts, i)) = events.get(next_event) {
            if pos > start {
                break;
            }
            if starts {
                active.insert(i);
            } else {
                active.remove(&i);
            }
            next_event += 1;
        }
        let owner = match active.len() {
            0 if start >= memory_size => Owner::BeyondMemorySize,
            0 if start >= next_offset => Owner::Free,
            0 => Owner::Unused,
            1 => active
                .first()
                .map_or(Owner::Unused, |&i| claims[i].owner.clone()),
            n => {
                let mut claimants: Vec<String> = active
                    .iter()
                    .take(MAX_CLAIMANTS)
                    .map(|&i| claims[i].owner.label())
                    .collect();
                if n > MAX_CLAIMANTS {
                    claimants.push(format!("{} more", n - MAX_CLAIMANTS));
                }
                Owner::Overlap { claimants }
            }
        };
        match out.last_mut() {
            Some(last) if last.owner == owner && last.end == start => last.end = end,
            _ => out.push(Range { start, end, owner }),
        }
    }
    out
}

/// The most claimants an overlap names.
const MAX_CLAIMANTS: usize = 4;

/// A bar of `width` cells over `ranges` (which cover `0..total` in order). Every range gets
/// at least one cell, so that small structures stay visible; the cells left over are shared
/// in proportion to size. With more ranges than cells, each cell shows whatever holds most of
/// its bytes.
pub(crate) fn bar(ranges: &[Range], width: usize) -> String {
    let total: u64 = ranges.iter().map(|r| r.end - r.start).sum();
    if ranges.is_empty() || total == 0 || width == 0 {
        return String::new();
    }
    if ranges.len() > width {
        return majority_bar(ranges, total, width);
    }
    let spare = (width - ranges.len()) as u128;
    let total = u128::from(total);
    let shares: Vec<(usize, u128)> = ranges
        .iter()
        .map(|r| {
            let exact = u128::from(r.end - r.start) * spare;
            ((exact / total) as usize, exact % total)
        })
        .collect();
    let mut cells: Vec<usize> = shares.iter().map(|&(n, _)| n + 1).collect();
    // Largest remainders first; fewer cells are left over than there are ranges.
    let left = width - cells.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..ranges.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(shares[i].1));
    for &i in order.iter().take(left) {
        cells[i] += 1;
    }
    ranges
        .iter()
        .zip(cells)
        .flat_map(|(r, n)| std::iter::repeat(r.owner.symbol()).take(n))
        .collect()
}

fn majority_bar(ranges: &[Range], total: u64, width: usize) -> String {
    let total = u128::from(total);
    (0..width)
        .map(|cell| {
            let lo = (total * cell as u128 / width as u128) as u64;
            let hi = (total * (cell as u128 + 1) / width as u128) as u64;
            ranges
                .iter()
                .filter(|r| r.start < hi.max(lo + 1) && r.end > lo)
                .max_by_key(|r| r.end.min(hi.max(lo + 1)) - r.start.max(lo))
                .map_or(' ', |r| r.owner.symbol())
        })
        .collect()
}

/// The legend for the symbols a bar over `ranges` uses.
pub(crate) fn legend(ranges: &[Range]) -> String {
    let mut parts = Vec::new();
    let has = |f: fn(&Owner) -> bool| ranges.iter().any(|r| f(&r.owner));
    if has(|o| matches!(o, Owner::Table)) {
        parts.push("# table".to_owned());
    }
    if has(|o| matches!(o, Owner::Entry { .. })) {
        parts.push("0-9a-zA-Z entries by index (* past 61)".to_owned());
    }
    for (f, text) in [
        (
            (|o: &Owner| matches!(o, Owner::Overlap { .. })) as fn(&Owner) -> bool,
            "! overlap",
        ),
        (|o| matches!(o, Owner::Unused), "- unused"),
        (|o| matches!(o, Owner::Free), ". free"),
        (
            |o| matches!(o, Owner::BeyondMemorySize),
            "~ past memory_size",
        ),
    ] {
        if has(f) {
            parts.push(text.to_owned());
        }
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(index: u32, start: u64, end: u64) -> Claim {
        Claim {
            start,
            end,
            owner: Owner::Entry {
                index,
                name: format!("e{index}"),
            },
        }
    }

    #[test]
    fn golden_like_layout_splits_into_table_entries_and_free() {
        let claims = [
            Claim {
                start: 0,
                end: 3104,
                owner: Owner::Table,
            },
            entry(0, 3104, 7112),
            entry(1, 7112, 7248),
        ];
        let r = ranges(1 << 20, 1 << 20, 7248, &claims);
        let spans: Vec<(u64, u64, char)> = r
            .iter()
            .map(|r| (r.start, r.end, r.owner.symbol()))
            .collect();
        assert_eq!(
            spans,
            [
                (0, 3104, '#'),
                (3104, 7112, '0'),
                (7112, 7248, '1'),
                (7248, 1 << 20, '.')
            ]
        );
        let b = bar(&r, 40);
        assert_eq!(b.chars().count(), 40);
        assert!(b.starts_with("#01."));
    }

    #[test]
    fn overlaps_gaps_and_bytes_past_memory_size_are_marked() {
        let claims = [entry(0, 100, 200), entry(1, 150, 260), entry(2, 280, 5000)];
        let r = ranges(1000, 900, 300, &claims);
        let owners: Vec<char> = r.iter().map(|r| r.owner.symbol()).collect();
        assert_eq!(owners, ['-', '0', '!', '1', '-', '2']);
        assert_eq!(r.last().unwrap().end, 1000, "clipped to the file");
        let r = ranges(1000, 900, 300, &[]);
        let owners: Vec<char> = r.iter().map(|r| r.owner.symbol()).collect();
        assert_eq!(owners, ['-', '.', '~']);
    }

    #[test]
    fn a_hundred_thousand_overlapping_claims_are_swept_quickly() {
        let claims: Vec<Claim> = (0..100_000).map(|i| entry(i, 8, 1 << 20)).collect();
        let r = ranges(1 << 20, 1 << 20, 1 << 20, &claims);
        assert_eq!(r.len(), 2);
        match &r[1].owner {
            Owner::Overlap { claimants } => {
                assert_eq!(claimants.len(), MAX_CLAIMANTS + 1);
                assert_eq!(claimants[MAX_CLAIMANTS], "99996 more");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn many_ranges_fall_back_to_majority_cells() {
        let claims: Vec<Claim> = (0..100)
            .map(|i| entry(i, u64::from(i) * 10, u64::from(i) * 10 + 10))
            .collect();
        let r = ranges(1000, 1000, 1000, &claims);
        assert_eq!(bar(&r, 10).chars().count(), 10);
    }
}
