//! What an entry's bytes look like.
//!
//! The format stores no types: an entry is a name, an offset and a size. What follows is a
//! guess from the structure's first words, its size and its name, made only where the bytes
//! are consistent with a layout of the format (a queue header whose capacity is a power of
//! two and whose geometry gives exactly the entry's size, and so on). Several guesses can fit
//! the same bytes; they are listed most plausible first.

use std::fmt::Write as _;

use serde::Serialize;
use zeroipc::inspect::{self, RawArrayHeader, RawRingHeader};
use zeroipc::layout;

/// What a structure may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    Array,
    Queue,
    Stack,
    Semaphore,
    Mutex,
    Latch,
    Barrier,
    Event,
    Once,
    RwlockState,
    MonitorCount,
    SignalState,
    Marker,
}

/// One reading of an entry's bytes.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Guess {
    pub(crate) kind: Kind,
    /// One line, for people.
    pub(crate) description: String,
    /// Element count (arrays) or slot count (queues, stacks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) capacity: Option<u64>,
    /// Bytes per element.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) elem_size: Option<u64>,
    /// Elements a queue or stack holds now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) items: Option<u64>,
    /// What in the bytes does not fit the layout, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) inconsistent: Option<String>,
}

impl Guess {
    fn new(kind: Kind, description: String) -> Guess {
        Guess {
            kind,
            description,
            capacity: None,
            elem_size: None,
            items: None,
            inconsistent: None,
        }
    }
}

/// The names of a table's entries, sorted, for the guesses that look at an entry's
/// neighbours (a composite structure's parts) without a scan per entry.
pub(crate) struct Names(Vec<String>);

impl Names {
    pub(crate) fn new(mut names: Vec<String>) -> Names {
        names.sort_unstable();
        Names(names)
    }

    fn contains(&self, name: &str) -> bool {
        self.0.binary_search_by(|n| n.as_str().cmp(name)).is_ok()
    }

    /// The suffixes of names that start with `prefix`, the first `limit` of them.
    fn suffixes<'a>(&'a self, prefix: &'a str, limit: usize) -> Vec<&'a str> {
        let from = self.0.partition_point(|n| n.as_str() < prefix);
        self.0[from..]
            .iter()
            .map_while(|n| n.strip_prefix(prefix))
            .take(limit)
            .collect()
    }
}

/// How many bytes of an entry [`guess`] looks at.
pub(crate) const BYTES_NEEDED: u64 = 16;

/// Guesses what the entry `name` of `size` bytes holds, from its first bytes `head` (up to
/// [`BYTES_NEEDED`]) and the names of all entries in the table.
pub(crate) fn guess(name: &str, size: u64, head: &[u8], all_names: &Names) -> Vec<Guess> {
    let mut out = Vec::new();
    if (head.len() as u64) < size.min(BYTES_NEEDED) {
        return out;
    }
    ring(size, head, &mut out);
    match size {
        16 => sync16(name, head, &mut out),
        12 => event(head, &mut out),
        8 if name.ends_with(layout::RWLOCK_STATE_SUFFIX) => rwlock_state(head, &mut out),
        4 => small_word(name, head, &mut out),
        1 => marker(name, all_names, &mut out),
        _ => {}
    }
    if name.ends_with(layout::SIGNAL_STATE_SUFFIX) && size > 8 {
        signal_state(name, size, head, all_names, &mut out);
    }
    array(size, head, &mut out);
    out
}

fn ring(size: u64, head: &[u8], out: &mut Vec<Guess>) {
    let Some(raw) = RawRingHeader::read(head) else {
        return;
    };
    let q = raw.as_queue();
    if q.capacity.is_power_of_two()
        && q.elem_size > 0
        && inspect::ring_geometry(q.capacity, q.elem_size).map(|g| g.0) == Some(size)
    {
        // Free-running u32 counters: the fill level is their wrapping difference.
        let len = q.tail.wrapping_sub(q.head);
        let mut g = Guess::new(
            Kind::Queue,
            format!(
                "queue of {} slots of {} bytes: head {}, tail {}",
                q.capacity, q.elem_size, q.head, q.tail
            ),
        );
        g.capacity = Some(u64::from(q.capacity));
        g.elem_size = Some(u64::from(q.elem_size));
        if len <= q.capacity {
            let _ = write!(g.description, ", {len} queued");
            g.items = Some(u64::from(len));
        } else {
            g.inconsistent = Some(format!(
                "tail - head is {len}, more than the capacity {}",
                q.capacity
            ));
        }
        out.push(g);
    }
    let s = raw.as_stack();
    if s.capacity > 0
        && s.elem_size > 0
        && inspect::ring_geometry(s.capacity, s.elem_size).map(|g| g.0) == Some(size)
    {
        let mut g = Guess::new(
            Kind::Stack,
            format!(
                "stack of {} slots of {} bytes: top {}",
                s.capacity, s.elem_size, s.top
            ),
        );
        g.capacity = Some(u64::from(s.capacity));
        g.elem_size = Some(u64::from(s.elem_size));
        if s.top >= -1 && i64::from(s.top) < i64::from(s.capacity) {
            let items = u64::try_from(i64::from(s.top) + 1).unwrap_or(0);
            let _ = write!(g.description, ", {items} stacked");
            g.items = Some(items);
        } else {
            g.inconsistent = Some(format!(
                "top {} is outside -1..{}",
                s.top,
                i64::from(s.capacity) - 1
            ));
        }
        if s.reserved != 0 {
            g.inconsistent = Some(format!("reserved word is {}, not 0", s.reserved));
        }
        out.push(g);
    }
}

fn array(size: u64, head: &[u8], out: &mut Vec<Guess>) {
    let Some(raw) = RawArrayHeader::read(head) else {
        return;
    };
    let Some(elem) = raw.element_size(size) else {
        return;
    };
    let plural = if raw.capacity == 1 { "" } else { "s" };
    let mut g = Guess::new(
        Kind::Array,
        format!("array of {} element{plural} of {elem} bytes", raw.capacity),
    );
    g.capacity = Some(raw.capacity);
    g.elem_size = Some(elem);
    out.push(g);
}

fn i32_words(head: &[u8]) -> Vec<i32> {
    inspect::words(head).into_iter().map(|w| w as i32).collect()
}

/// Semaphore, mutex, latch and barrier all take 16 bytes; the name decides the order.
fn sync16(name: &str, head: &[u8], out: &mut Vec<Guess>) {
    let w = i32_words(&head[..16]);
    let (a, b, c, pad) = (w[0], w[1], w[2], w[3]);
    let mut found = Vec::new();
    if pad == 0 && a >= 0 && b >= 0 && c >= 0 && (c == 0 || a <= c) {
        if c == 1 {
            let state = if a == 0 { "locked" } else { "unlocked" };
            found.push(Guess::new(
                Kind::Mutex,
                format!("mutex: {state}, {b} waiting"),
            ));
        }
        let max = if c == 0 {
            "unbounded".to_owned()
        } else {
            format!("max {c}")
        };
        found.push(Guess::new(
            Kind::Semaphore,
            format!("semaphore: count {a}, {max}, {b} waiting"),
        ));
    }
    if pad == 0 && c == 0 && b > 0 && (0..=b).contains(&a) {
        found.push(Guess::new(Kind::Latch, format!("latch: count {a} of {b}")));
    }
    if pad == 0 && c > 0 && (0..c).contains(&a) && b >= 0 {
        found.push(Guess::new(
            Kind::Barrier,
            format!("barrier: {a} of {c} arrived, generation {b}"),
        ));
    }
    let lower = name.to_ascii_lowercase();
    let hint = |k: Kind| match k {
        Kind::Mutex => ["mtx", "mutex", "lock"].iter().any(|h| lower.contains(h)),
        Kind::Semaphore => ["sem", "cond"].iter().any(|h| lower.contains(h)),
        Kind::Latch => lower.contains("latch"),
        Kind::Barrier => lower.contains("barrier"),
        _ => false,
    };
    // Stable: named kinds first, the rest in the order above.
    found.sort_by_key(|g| !hint(g.kind));
    out.extend(found);
}

fn event(head: &[u8], out: &mut Vec<Guess>) {
    let w = inspect::words(&head[..12]);
    if w[0] <= 1 && w[1] <= 1 && (w[2] as i32) >= 0 {
        let signaled = if w[0] == 1 { "set" } else { "clear" };
        let mode = if w[1] == 1 {
            "manual-reset"
        } else {
            "auto-reset"
        };
        out.push(Guess::new(
            Kind::Event,
            format!("event: {signaled}, {mode}, {} waiting", w[2]),
        ));
    }
}

fn rwlock_state(head: &[u8], out: &mut Vec<Guess>) {
    let w = i32_words(&head[..8]);
    if w[0] >= 0 && (0..=1).contains(&w[1]) {
        out.push(Guess::new(
            Kind::RwlockState,
            format!(
                "read-write lock state: {} readers, writer {}",
                w[0],
                if w[1] == 1 { "active" } else { "inactive" }
            ),
        ));
    }
}

fn small_word(name: &str, head: &[u8], out: &mut Vec<Guess>) {
    let v = inspect::words(&head[..4])[0];
    if name.ends_with(layout::MONITOR_COUNT_SUFFIX) {
        out.push(Guess::new(
            Kind::MonitorCount,
            format!("monitor waiter count: {v}"),
        ));
    }
    if v <= 2 {
        let state = ["pending", "running", "done"][v as usize];
        out.push(Guess::new(Kind::Once, format!("once flag: {state}")));
    }
}

fn marker(name: &str, all_names: &Names, out: &mut Vec<Guess>) {
    let prefix = format!("{name}_");
    let parts = all_names.suffixes(&prefix, 8);
    let description = if parts.is_empty() {
        "marker byte of a composite structure (no parts found)".to_owned()
    } else {
        format!(
            "marker of a composite structure with parts _{}",
            parts.join(", _")
        )
    };
    out.push(Guess::new(Kind::Marker, description));
}

fn signal_state(name: &str, size: u64, head: &[u8], all_names: &Names, out: &mut Vec<Guess>) {
    let base = &name[..name.len() - layout::SIGNAL_STATE_SUFFIX.len()];
    if !all_names.contains(base) {
        return;
    }
    let version = u64::from_le_bytes(head[..8].try_into().unwrap_or([0; 8]));
    out.push(Guess::new(
        Kind::SignalState,
        format!(
            "signal state: version {version}, a value of up to {} bytes",
            size - 8
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[u32]) -> Vec<u8> {
        w.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    fn kinds(name: &str, size: u64, head: &[u8]) -> Vec<Kind> {
        guess(name, size, head, &Names::new(vec![name.to_owned()]))
            .into_iter()
            .map(|g| g.kind)
            .collect()
    }

    #[test]
    fn golden_structures_are_recognised() {
        let mut sensor = 1000u64.to_le_bytes().to_vec();
        sensor.extend([0; 8]);
        assert_eq!(kinds("sensor_data", 4008, &sensor), [Kind::Array]);
        let events = words(&[10, 50, 128, 4]);
        assert_eq!(kinds("events", 1040, &events), [Kind::Queue]);
        let g = &guess("events", 1040, &events, &Names::new(vec![]))[0];
        assert_eq!(g.items, Some(40));
        let stack = words(&[19, 64, 8, 0]);
        assert_eq!(kinds("stack", 784, &stack), [Kind::Stack]);
        assert_eq!(
            guess("stack", 784, &stack, &Names::new(vec![]))[0].items,
            Some(20)
        );
        assert_eq!(
            kinds("sem", 16, &words(&[3, 0, 10, 0])),
            [Kind::Semaphore, Kind::Barrier]
        );
        assert_eq!(kinds("latch", 16, &words(&[4, 4, 0, 0]))[0], Kind::Latch);
        assert_eq!(
            kinds("barrier", 16, &words(&[0, 0, 2, 0]))[0],
            Kind::Barrier
        );
    }

    #[test]
    fn a_marker_names_its_parts() {
        let names = Names::new(
            ["lock", "lock_state", "lock_rmtx", "lock_wmtx", "other"]
                .map(String::from)
                .to_vec(),
        );
        let g = &guess("lock", 1, &[1], &names)[0];
        assert_eq!(g.kind, Kind::Marker);
        assert_eq!(
            g.description,
            "marker of a composite structure with parts _rmtx, _state, _wmtx"
        );
    }

    #[test]
    fn an_inconsistent_queue_says_why() {
        let g = &guess("q", 1040, &words(&[0, 500, 128, 4]), &Names::new(vec![]))[0];
        assert_eq!(g.kind, Kind::Queue);
        assert!(g.inconsistent.as_deref().unwrap().contains("tail - head"));
    }

    #[test]
    fn garbage_gives_no_guess_and_never_panics() {
        let none = Names::new(vec![]);
        assert!(guess("x", 4096, &[0xff; 16], &none).is_empty());
        assert!(guess("x", 16, &[1; 3], &none).is_empty());
        for size in 0..40 {
            let _ = guess("x_state", size, &[7; 16], &Names::new(vec!["x".to_owned()]));
        }
    }
}
