//! What an entry's bytes look like.
//!
//! The format stores no types: an entry is a name, an offset and a size. Each structure of
//! the runtime reads an entry's first words its own way (`zeroipc::inspect::readings`),
//! only where the bytes are consistent with its layout; several readings can fit the same
//! bytes, most plausible first. This module turns them into what `show` and `check` print.

use serde::Serialize;
use zeroipc::inspect::{self, Reading};

pub(crate) use zeroipc::inspect::{Names, BYTES_NEEDED};

/// One reading of an entry's bytes.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Guess {
    /// The kind, in `snake_case`.
    pub(crate) kind: &'static str,
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
    /// The runtime's reading, for `check`'s open.
    #[serde(skip)]
    pub(crate) reading: Reading,
}

impl From<Reading> for Guess {
    fn from(r: Reading) -> Guess {
        Guess {
            kind: r.kind,
            description: r.description.clone(),
            capacity: r.capacity,
            elem_size: r.elem_size,
            items: r.items,
            inconsistent: r.inconsistent.clone(),
            reading: r,
        }
    }
}

/// Guesses what the entry `name` of `size` bytes holds, from its first bytes `head` (up to
/// [`BYTES_NEEDED`]) and the names of all entries in the table.
pub(crate) fn guess(name: &str, size: u64, head: &[u8], all_names: &Names) -> Vec<Guess> {
    inspect::readings(name, size, head, all_names)
        .into_iter()
        .map(Guess::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[u32]) -> Vec<u8> {
        w.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    fn kinds(name: &str, size: u64, head: &[u8]) -> Vec<&'static str> {
        guess(name, size, head, &Names::new(vec![name.to_owned()]))
            .into_iter()
            .map(|g| g.kind)
            .collect()
    }

    #[test]
    fn golden_structures_are_recognised() {
        let mut sensor = 1000u64.to_le_bytes().to_vec();
        sensor.extend([0; 8]);
        assert_eq!(kinds("sensor_data", 4008, &sensor), ["array"]);
        let events = words(&[10, 50, 128, 4]);
        assert_eq!(kinds("events", 1040, &events), ["queue"]);
        let g = &guess("events", 1040, &events, &Names::new(vec![]))[0];
        assert_eq!(g.items, Some(40));
        let stack = words(&[19, 64, 8, 0]);
        assert_eq!(kinds("stack", 784, &stack), ["stack"]);
        assert_eq!(
            guess("stack", 784, &stack, &Names::new(vec![]))[0].items,
            Some(20)
        );
        assert_eq!(
            kinds("sem", 16, &words(&[3, 0, 10, 0])),
            ["semaphore", "barrier"]
        );
        assert_eq!(kinds("latch", 16, &words(&[4, 4, 0, 0]))[0], "latch");
        assert_eq!(kinds("barrier", 16, &words(&[0, 0, 2, 0]))[0], "barrier");
    }

    #[test]
    fn a_marker_names_its_parts() {
        let names = Names::new(
            ["lock", "lock_state", "lock_rmtx", "lock_wmtx", "other"]
                .map(String::from)
                .to_vec(),
        );
        let g = &guess("lock", 1, &[1], &names)[0];
        assert_eq!(g.kind, "marker");
        assert_eq!(
            g.description,
            "marker of a composite structure with parts _rmtx, _state, _wmtx"
        );
    }

    #[test]
    fn an_inconsistent_queue_says_why() {
        let g = &guess("q", 1040, &words(&[0, 500, 128, 4]), &Names::new(vec![]))[0];
        assert_eq!(g.kind, "queue");
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
