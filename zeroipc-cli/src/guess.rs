//! What an entry's bytes look like.
//!
//! The format stores no types: an entry is a name, an offset and a size. Each structure of
//! the runtime reads an entry's first words its own way (`zeroipc::inspect::readings`),
//! only where the bytes are consistent with its layout; several readings can fit the same
//! bytes, most plausible first. This module turns them into what `show` and `check` print.

use serde::Serialize;
use zeroipc::inspect::{self, Reading};

pub(crate) use zeroipc::inspect::{Names, BYTES_NEEDED};

/// One reading of an entry's bytes, as `show --json` writes it: the runtime's reading,
/// with the fields it does not know left out.
#[derive(Clone, Debug)]
pub(crate) struct Guess(pub(crate) Reading);

impl std::ops::Deref for Guess {
    type Target = Reading;

    fn deref(&self) -> &Reading {
        &self.0
    }
}

impl Serialize for Guess {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let r = &self.0;
        let mut out = serializer.serialize_struct("Guess", 6)?;
        out.serialize_field("kind", r.kind)?;
        out.serialize_field("description", &r.description)?;
        for (key, value) in [
            ("capacity", r.capacity),
            ("elem_size", r.elem_size),
            ("items", r.items),
        ] {
            match value {
                Some(v) => out.serialize_field(key, &v)?,
                None => out.skip_field(key)?,
            }
        }
        match &r.inconsistent {
            Some(why) => out.serialize_field("inconsistent", why)?,
            None => out.skip_field("inconsistent")?,
        }
        out.end()
    }
}

/// Guesses what the entry `name` of `size` bytes holds, from its first bytes `head` (up to
/// [`BYTES_NEEDED`]) and the names of all entries in the table.
pub(crate) fn guess(name: &str, size: u64, head: &[u8], all_names: &Names) -> Vec<Guess> {
    inspect::readings(name, size, head, all_names)
        .into_iter()
        .map(Guess)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words, then zeros up to `BYTES_NEEDED`: what a tool reads of an entry.
    fn words(w: &[u32]) -> Vec<u8> {
        let mut head: Vec<u8> = w.iter().flat_map(|v| v.to_le_bytes()).collect();
        head.resize(head.len().max(BYTES_NEEDED as usize), 0);
        head
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
        sensor.extend([0; 16]);
        assert_eq!(kinds("sensor_data", 4008, &sensor), ["array"]);
        let events = words(&[10, 50, 128, 4]);
        assert_eq!(kinds("events", 1040, &events), ["queue"]);
        let g = &guess("events", 1040, &events, &Names::new(vec![]))[0];
        assert_eq!(g.items, Some(40));
        let stack = words(&[19, 64, 8, 0]);
        // A set of 64 slots of 8-byte, 4-aligned elements has the same size and a header
        // these words fit; the name hints at the stack.
        assert_eq!(kinds("stack", 784, &stack), ["stack", "set"]);
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
