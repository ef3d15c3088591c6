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
/// it after that.
pub(crate) fn ranges(
    file_len: u64,
    memory_size: u64,
    next_offset: u64,
    claims: &[Claim],
) -> Vec<Range> {
    let mut cuts = vec![
        0,
        file_len,
        memory_size.min(file_len),
        next_offset.min(file_len),
    ];
    for c in claims {
        cuts.push(c.start.min(file_len));
        cuts.push(c.end.min(file_len));
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out: Vec<Range> = Vec::new();
    for pair in cuts.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        let holders: Vec<&Claim> = claims
            .iter()
            .filter(|c| c.start <= start && end <= c.end && c.start < c.end)
            .collect();
        let owner = match holders.as_slice() {
            [] if start >= memory_size => Owner::BeyondMemorySize,
            [] if start >= next_offset => Owner::Free,
            [] => Owner::Unused,
            [one] => one.owner.clone(),
            many => Owner::Overlap {
                claimants: many.iter().map(|c| c.owner.label()).collect(),
            },
        };
        match out.last_mut() {
            Some(last) if last.owner == owner && last.end == start => last.end = end,
            _ => out.push(Range { start, end, owner }),
        }
    }
    out
}

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
    fn many_ranges_fall_back_to_majority_cells() {
        let claims: Vec<Claim> = (0..100)
            .map(|i| entry(i, u64::from(i) * 10, u64::from(i) * 10 + 10))
            .collect();
        let r = ranges(1000, 1000, 1000, &claims);
        assert_eq!(bar(&r, 10).chars().count(), 10);
    }
}
