//! The Rust side of the cross-language tests (`tests/cross_language/`): small steps that a
//! test in another language drives, one process per step.
//!
//! ```text
//! interop write-array SEG ENTRY N          create SEG and an f32 array ENTRY of N elements,
//!                                          element i = pattern(i); exit, leaving SEG
//! interop read-array SEG ENTRY [N]         open SEG and the f32 array ENTRY (of N elements,
//!                                          if given); check every element against pattern(i)
//! interop set SEG ENTRY INDEX VALUE        store VALUE at INDEX of the existing f32 array ENTRY
//! interop create-queue SEG ENTRY CAPACITY [START]
//!                                          create SEG and an empty Queue<u64> ENTRY whose
//!                                          head and tail counters start at START (default 0,
//!                                          as the format creates them; near 2^32 to test
//!                                          their wrap); exit, leaving SEG
//! interop produce SEG ENTRY COUNT ID       push items ID << 32 | seq, for seq in 0..COUNT
//! interop consume SEG ENTRY COUNT|until-stop OUT
//!                                          pop COUNT items, or until a stop item
//!                                          (u64::MAX); write what was popped to file OUT, in
//!                                          order, as little-endian u64s
//! interop attached SEG                    open SEG and print whether any other handle (of any
//!                                          process taking the attachment lock) has it open
//! interop declared SEG                     create SEG from the #[zeroipc::segment] struct
//!                                          `Plant`, fill it with known values; exit, leaving SEG
//! interop declared-check SEG               open SEG as a `Plant` (each entry checked against the
//!                                          declaration) and check that it holds what `declared`
//!                                          writes, popping the queue and the stack
//! interop create-sync SEG PARTICIPANTS     create SEG with a mutex `lock` (a semaphore of count 1,
//!                                          maximum 1), a u64 array `counter` of 1 element, a
//!                                          barrier `phase` of PARTICIPANTS, a u64 array
//!                                          `progress` of PARTICIPANTS elements and a latch
//!                                          `start` of PARTICIPANTS; exit, leaving SEG
//! interop lock-increment SEG ROUNDS        count `start` down and wait for it to open (so that all
//!                                          the workers start together), then ROUNDS times: take
//!                                          `lock`, read `counter[0]`, write it back plus one,
//!                                          release `lock`
//! interop barrier-rounds SEG INDEX GENERATIONS
//!                                          as `lock-increment`, `start` first; then
//!                                          GENERATIONS times: set `progress[INDEX]` to the
//!                                          generation, wait at `phase`, check that every
//!                                          participant's progress has reached it, wait again;
//!                                          print how many of those waits this process led
//! interop map-worker SEG ID N SHARED     on the Map<u64, u64> `map` (and the latches `start`
//!                                          and `map_phase`, all made by the test): the steps of
//!                                          "Map, Set, Pool and Ring workers" below
//! interop set-worker SEG ID N SHARED     the same on the Set<u64> `set` (latch `set_phase`)
//! interop pool-worker SEG ID ROUNDS HOLD ROUNDS times: allocate HOLD nodes of the Pool<u64>
//!                                          `pool`, mark each ID << 32 | round, check every mark
//!                                          is still there, free them; print `clashes=`
//! interop ring-produce SEG ENTRY COUNT   write 0..COUNT, in order, to the Ring<u64> ENTRY
//! interop ring-consume SEG ENTRY COUNT   read COUNT elements of the Ring<u64> ENTRY; check
//!                                          that element i is i
//! interop described SEG                    create SEG from the #[zeroipc::segment] struct
//!                                          `Described` (arrays of primitives and of a record, a
//!                                          queue of records, a map, a semaphore, a signal) and
//!                                          fill it with known values; exit, leaving SEG
//! interop open-declared SEG f32|i32        open SEG as the declaration `Written` (whose
//!                                          `temps` is an array of f32) or `WrittenI32` (the same
//!                                          but of i32); print `opened=1` or fail with the error
//!
//! options: --timeout SECS   how long one push or pop may wait (default 30)
//! ```
//!
//! `pattern(i) = 20 + (i % 1000) / 4`, exact in `f32`, so both languages compare for equality.
//! What `declared` writes is described at [`Plant`].
//!
//! Every step that creates a segment leaves it behind, also when the step fails after
//! creating it: the test that started the step owns the name and unlinks it. Each step prints one line of `key=value` pairs on
//! success; on any error it prints a message to stderr and exits with status 1 (2 for a
//! command line it does not understand). It never panics on bad input.

use std::error::Error as StdError;
use std::fmt;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bytemuck::{Pod, Zeroable};
use zeroipc::{layout, Array, Barrier, Latch, Map, Memory, Mutex, Pool, Queue, Ring, Set, Stack};

/// The item a consumer stops at, in `until-stop` mode. Producers never push it: their ids
/// are below `u32::MAX`.
const STOP: u64 = u64::MAX;

/// Room in a segment beyond its structures' sizes: the table and alignment.
const SEGMENT_SLACK: usize = 64 << 10;

/// The value `write-array` stores at index `i`, and `read-array` expects there.
fn pattern(i: usize) -> f32 {
    // `i % 1000` fits a u16 (so it is exact in f32), and a quarter step is exact too: no
    // rounding in either language.
    20.0 + f32::from((i % 1000) as u16) * 0.25
}

type Result<T, E = Box<dyn StdError>> = std::result::Result<T, E>;

/// A command line this program does not understand.
#[derive(Debug)]
struct Usage(String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\nrun with no arguments for the list of steps", self.0)
    }
}

impl StdError for Usage {}

const HELP: &str = "usage: interop STEP ARGS... [--timeout SECS]
  write-array SEG ENTRY N
  read-array SEG ENTRY [N]
  set SEG ENTRY INDEX VALUE
  create-queue SEG ENTRY CAPACITY [START]
  produce SEG ENTRY COUNT ID
  consume SEG ENTRY COUNT|until-stop OUT
  declared SEG
  declared-check SEG
  create-sync SEG PARTICIPANTS
  lock-increment SEG ROUNDS
  barrier-rounds SEG INDEX GENERATIONS
  map-worker SEG ID N SHARED
  set-worker SEG ID N SHARED
  pool-worker SEG ID ROUNDS HOLD
  ring-produce SEG ENTRY COUNT
  ring-consume SEG ENTRY COUNT";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprintln!("{HELP}");
        return ExitCode::from(2);
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<Usage>() => {
            eprintln!("interop: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("interop {}: {e}", args[0]);
            ExitCode::FAILURE
        }
    }
}

/// The command line: positional arguments, and the one option.
struct Args {
    positional: Vec<String>,
    timeout: Duration,
}

impl Args {
    fn parse(raw: &[String]) -> Result<Args> {
        let mut positional = Vec::new();
        let mut timeout = Duration::from_secs(30);
        let mut iter = raw.iter();
        while let Some(arg) = iter.next() {
            if arg == "--timeout" {
                let secs = iter
                    .next()
                    .ok_or_else(|| Usage("--timeout needs a number of seconds".into()))?;
                timeout = secs
                    .parse::<f64>()
                    .ok()
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .ok_or_else(|| Usage(format!("bad --timeout {secs:?}")))?;
            } else if arg.starts_with("--") {
                return Err(Usage(format!("unknown option {arg:?}")).into());
            } else {
                positional.push(arg.clone());
            }
        }
        Ok(Args {
            positional,
            timeout,
        })
    }

    /// The positional arguments after the step's name, exactly `min..=max` of them.
    fn operands(&self, min: usize, max: usize) -> Result<&[String]> {
        let operands = &self.positional[1..];
        if operands.len() < min || operands.len() > max {
            return Err(Usage(format!(
                "{} takes {}, not {}",
                self.positional[0],
                if min == max {
                    format!("{min} arguments")
                } else {
                    format!("{min} to {max} arguments")
                },
                operands.len()
            ))
            .into());
        }
        Ok(operands)
    }
}

/// Parses `text` as a number for argument `what`.
fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T> {
    text.parse()
        .map_err(|_| Usage(format!("{what} must be a number, not {text:?}")).into())
}

fn run(raw: &[String]) -> Result<()> {
    let args = Args::parse(raw)?;
    let step = args
        .positional
        .first()
        .ok_or_else(|| Usage("no step given".into()))?;
    match step.as_str() {
        "write-array" => {
            let [seg, entry, n] = args.operands(3, 3)? else {
                unreachable!()
            };
            write_array(seg, entry, number(n, "N")?)
        }
        "read-array" => {
            let ops = args.operands(2, 3)?;
            let expected = ops.get(2).map(|n| number(n, "N")).transpose()?;
            read_array(&ops[0], &ops[1], expected)
        }
        "set" => {
            let [seg, entry, index, value] = args.operands(4, 4)? else {
                unreachable!()
            };
            set(seg, entry, number(index, "INDEX")?, number(value, "VALUE")?)
        }
        "create-queue" => {
            let ops = args.operands(3, 4)?;
            let start = ops.get(3).map(|n| number(n, "START")).transpose()?;
            create_queue(
                &ops[0],
                &ops[1],
                number(&ops[2], "CAPACITY")?,
                start.unwrap_or(0),
            )
        }
        "produce" => {
            let [seg, entry, count, id] = args.operands(4, 4)? else {
                unreachable!()
            };
            produce(
                seg,
                entry,
                number(count, "COUNT")?,
                number(id, "ID")?,
                args.timeout,
            )
        }
        "consume" => {
            let [seg, entry, count, out] = args.operands(4, 4)? else {
                unreachable!()
            };
            let count = match count.as_str() {
                "until-stop" => None,
                n => Some(number(n, "COUNT")?),
            };
            consume(seg, entry, count, out, args.timeout)
        }
        "declared" => {
            let [seg] = args.operands(1, 1)? else {
                unreachable!()
            };
            declared(seg)
        }
        "attached" => {
            let [seg] = args.operands(1, 1)? else {
                unreachable!()
            };
            let mem = Memory::open(seg)?;
            println!("others_attached={}", mem.others_attached()?);
            Ok(())
        }
        "declared-check" => {
            let [seg] = args.operands(1, 1)? else {
                unreachable!()
            };
            declared_check(seg)
        }
        "create-sync" => {
            let [seg, participants] = args.operands(2, 2)? else {
                unreachable!()
            };
            create_sync(seg, number(participants, "PARTICIPANTS")?)
        }
        "lock-increment" => {
            let [seg, rounds] = args.operands(2, 2)? else {
                unreachable!()
            };
            lock_increment(seg, number(rounds, "ROUNDS")?, args.timeout)
        }
        "barrier-rounds" => {
            let [seg, index, generations] = args.operands(3, 3)? else {
                unreachable!()
            };
            barrier_rounds(
                seg,
                number(index, "INDEX")?,
                number(generations, "GENERATIONS")?,
                args.timeout,
            )
        }
        // Map, Set, Pool and Ring, then the schema's steps, and the error for a step no one
        // knows.
        other => run_ext(other, &args),
    }
}

/// Creates `seg` with room for `bytes` of structures besides the table.
/// The steps of the Map, Set, Pool and Ring workers.
fn run_ext(step: &str, args: &Args) -> Result<()> {
    match step {
        "map-worker" | "set-worker" => {
            let [seg, id, n, shared] = args.operands(4, 4)? else {
                unreachable!()
            };
            let (id, n, shared) = (
                number(id, "ID")?,
                number(n, "N")?,
                number(shared, "SHARED")?,
            );
            if step == "map-worker" {
                map_worker(seg, id, n, shared, args.timeout)
            } else {
                set_worker(seg, id, n, shared, args.timeout)
            }
        }
        "pool-worker" => {
            let [seg, id, rounds, hold] = args.operands(4, 4)? else {
                unreachable!()
            };
            pool_worker(
                seg,
                number(id, "ID")?,
                number(rounds, "ROUNDS")?,
                number(hold, "HOLD")?,
            )
        }
        "ring-produce" | "ring-consume" => {
            let [seg, entry, count] = args.operands(3, 3)? else {
                unreachable!()
            };
            let count = number(count, "COUNT")?;
            if step == "ring-produce" {
                ring_produce(seg, entry, count, args.timeout)
            } else {
                ring_consume(seg, entry, count, args.timeout)
            }
        }
        // The schema's steps, and the error for a step no one knows.
        other => schema_step(other, args),
    }
}

fn create_segment(seg: &str, bytes: usize) -> Result<Memory> {
    let size = bytes
        .checked_add(SEGMENT_SLACK)
        .ok_or("the segment would be larger than the address space")?;
    Ok(Memory::create(seg, size)?)
}

fn write_array(seg: &str, entry: &str, n: usize) -> Result<()> {
    if n == 0 {
        return Err(Usage("N must be at least 1".into()).into());
    }
    let bytes = layout::checked_array_size(n, size_of::<f32>())
        .ok_or("N is too large for an array of f32")?;
    let mem = create_segment(seg, bytes)?;
    let array = Array::<f32>::create(&mem, entry, n)?;
    let values: Vec<f32> = (0..n).map(pattern).collect();
    array.copy_from_slice(0, &values)?;
    println!("wrote={n} segment_size={}", mem.size());
    Ok(())
}

fn read_array(seg: &str, entry: &str, expected_len: Option<usize>) -> Result<()> {
    let mem = Memory::open(seg)?;
    let array = Array::<f32>::open(&mem, entry)?;
    if let Some(n) = expected_len {
        if array.len() != n {
            return Err(format!("{entry} has {} elements, not {n}", array.len()).into());
        }
    }
    let values = array.to_vec();
    let mut sum = 0.0f64;
    for (i, &v) in values.iter().enumerate() {
        if v.to_bits() != pattern(i).to_bits() {
            return Err(format!("{entry}[{i}] is {v}, not {}", pattern(i)).into());
        }
        sum += f64::from(v);
    }
    println!(
        "len={} first={} last={} sum={sum}",
        values.len(),
        values.first().copied().unwrap_or(f32::NAN),
        values.last().copied().unwrap_or(f32::NAN),
    );
    Ok(())
}

fn set(seg: &str, entry: &str, index: usize, value: f32) -> Result<()> {
    let mem = Memory::open(seg)?;
    let array = Array::<f32>::open(&mem, entry)?;
    array.set(index, value)?;
    println!("set={index} value={value}");
    Ok(())
}

fn create_queue(seg: &str, entry: &str, capacity: usize, start: u32) -> Result<()> {
    if capacity == 0 {
        return Err(Usage("CAPACITY must be at least 1".into()).into());
    }
    let bytes = layout::queue_capacity(capacity)
        .and_then(|c| layout::checked_ring_size(c, size_of::<u64>()))
        .ok_or("CAPACITY is too large")?;
    let mem = create_segment(seg, bytes)?;
    // As if `start` items had passed through already, so that a test crosses the counters'
    // wrap at 2^32 soon.
    let queue = Queue::<u64>::create_at(&mem, entry, capacity, start)?;
    println!("capacity={}", queue.capacity());
    Ok(())
}

/// The item producer `id` pushes as its `seq`th.
fn item(id: u32, seq: u32) -> u64 {
    u64::from(id) << 32 | u64::from(seq)
}

fn produce(seg: &str, entry: &str, count: u32, id: u32, timeout: Duration) -> Result<()> {
    if id == u32::MAX {
        return Err(Usage(format!("ID must be below {}", u32::MAX)).into());
    }
    let mem = Memory::open(seg)?;
    let queue = Queue::<u64>::open(&mem, entry)?;
    let started = Instant::now();
    for seq in 0..count {
        if queue.push_timeout(item(id, seq), timeout).is_err() {
            return Err(format!(
                "the queue stayed full for {timeout:?} after {seq} of {count} pushes"
            )
            .into());
        }
    }
    println!(
        "pushed={count} id={id} seconds={:.3}",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn consume(seg: &str, entry: &str, count: Option<u64>, out: &str, timeout: Duration) -> Result<()> {
    let mem = Memory::open(seg)?;
    let queue = Queue::<u64>::open(&mem, entry)?;
    let mut items: Vec<u64> = Vec::new();
    let mut started = None;
    loop {
        if count.is_some_and(|n| items.len() as u64 >= n) {
            break;
        }
        let Ok(value) = queue.pop_timeout(timeout) else {
            return Err(format!(
                "the queue stayed empty for {timeout:?} after {} items",
                items.len()
            )
            .into());
        };
        started.get_or_insert_with(Instant::now);
        if value == STOP {
            if count.is_some() {
                return Err(format!("a stop item after {} items", items.len()).into());
            }
            break;
        }
        items.push(value);
    }
    let seconds = started.map_or(0.0, |t| t.elapsed().as_secs_f64());

    // Each producer's items must come in the order it pushed them.
    let mut last_seq: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
    let mut in_order = true;
    for &value in &items {
        let (id, seq) = ((value >> 32) as u32, value as u32);
        if last_seq.insert(id, seq).is_some_and(|last| seq <= last) {
            in_order = false;
        }
    }
    let bytes: Vec<u8> = items.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(out, bytes).map_err(|e| format!("cannot write {out}: {e}"))?;
    println!(
        "received={} producers={} in_order={in_order} seconds={seconds:.3}",
        items.len(),
        last_seq.len()
    );
    Ok(())
}

/// A record element: numpy's `[("id", "<i4"), ("x", "<f4"), ("y", "<f8")]`, 16 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
struct Reading {
    id: i32,
    x: f32,
    y: f64,
}

/// The declared segment of the cross-language tests. `declared` writes:
///
/// - `temperature`: `pattern(i)` at index `i`;
/// - `counters`: `i * i` at index `i`;
/// - `readings`: `READINGS` records pushed, record `i` being `reading(i)`;
/// - `jobs`: `JOBS` pushed in order (so popped in reverse).
#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = 1000, name = "temperature")]
    temps: Array<f32>,
    #[zeroipc(len = 16)]
    counters: Array<u64>,
    #[zeroipc(capacity = 128)]
    readings: Queue<Reading>,
    #[zeroipc(capacity = 8)]
    jobs: Stack<i32>,
}

const READINGS: i32 = 5;
const JOBS: [i32; 3] = [10, 20, 30];

fn reading(i: i32) -> Reading {
    Reading {
        id: i,
        x: f32::from(i as i16) * 0.5,
        y: f64::from(i) * 0.25,
    }
}

fn declared(seg: &str) -> Result<()> {
    let plant = Plant::create(seg)?;
    let temps: Vec<f32> = (0..plant.temps.len()).map(pattern).collect();
    plant.temps.copy_from_slice(0, &temps)?;
    for i in 0..plant.counters.len() {
        plant.counters.set(i, (i * i) as u64)?;
    }
    for i in 0..READINGS {
        plant
            .readings
            .push(reading(i))
            .map_err(|_| "the readings queue is full")?;
    }
    for job in JOBS {
        plant.jobs.push(job).map_err(|_| "the jobs stack is full")?;
    }
    // The layout the macro computed, for the test to compare with the table it reads: the
    // declared entries, then the schema entry, from the end of the last one (8-aligned) to
    // the end of the segment.
    let mut entries: Vec<String> = Plant::ENTRIES
        .iter()
        .map(|e| format!("{}@{}+{}", e.name, e.offset, e.size))
        .collect();
    let last = Plant::ENTRIES[Plant::ENTRIES.len() - 1];
    let schema_offset = zeroipc::layout::align8(last.offset + last.size);
    entries.push(format!(
        "{}@{}+{}",
        zeroipc::schema::ENTRY_NAME,
        schema_offset,
        Plant::SIZE - schema_offset
    ));
    println!("size={} entries={}", Plant::SIZE, entries.join(","));
    Ok(())
}

fn declared_check(seg: &str) -> Result<()> {
    let plant = Plant::open(seg)?;
    for (i, v) in plant.temps.iter().enumerate() {
        if v.to_bits() != pattern(i).to_bits() {
            return Err(format!("temperature[{i}] is {v}, not {}", pattern(i)).into());
        }
    }
    for (i, v) in plant.counters.iter().enumerate() {
        if v != (i * i) as u64 {
            return Err(format!("counters[{i}] is {v}, not {}", i * i).into());
        }
    }
    for i in 0..READINGS {
        match plant.readings.pop() {
            Some(r) if r == reading(i) => {}
            other => return Err(format!("reading {i} is {other:?}, not {:?}", reading(i)).into()),
        }
    }
    if let Some(extra) = plant.readings.pop() {
        return Err(format!("an extra reading {extra:?}").into());
    }
    for &job in JOBS.iter().rev() {
        match plant.jobs.pop() {
            Some(j) if j == job => {}
            other => return Err(format!("job {other:?} popped, not {job}").into()),
        }
    }
    if let Some(extra) = plant.jobs.pop() {
        return Err(format!("an extra job {extra}").into());
    }
    println!(
        "temperature={} counters={} readings={READINGS} jobs={}",
        plant.temps.len(),
        plant.counters.len(),
        JOBS.len()
    );
    Ok(())
}

/// A record that describes itself (`#[derive(zeroipc::Record)]`): numpy's
/// `{"names": ["t", "xyz", "id"], "formats": ["<f8", ("<f4", (3,)), "<u4"], "offsets": [0, 8, 20],
/// "itemsize": 24}`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, zeroipc::Record)]
pub struct Sample {
    t: f64,
    xyz: [f32; 3],
    id: u32,
}

fn sample(i: u16) -> Sample {
    let x = f32::from(i);
    Sample {
        t: f64::from(i) * 1.5,
        xyz: [x, x + 0.5, -x],
        id: 100 + u32::from(i),
    }
}

/// A declared segment with a schema for Python to open by it alone. `described` writes:
///
/// - `temps`: `i * 0.25` at index `i`; `counts`: `i * 1000` at index `i`;
/// - `samples`: `sample(i)` at index `i`;
/// - `pending`: `sample(10)`, `sample(11)` pushed;
/// - `table`: keys 1 and 2 mapped to 0.5 and 2.5;
/// - `slots`: count 2 (maximum 5);
/// - `latest`: set to `sample(7)`.
#[zeroipc::segment(max_entries = 24)]
pub struct Described {
    /// Temperatures.
    #[zeroipc(len = 8)]
    temps: Array<f32>,
    #[zeroipc(len = 4)]
    counts: Array<u64>,
    #[zeroipc(len = 3)]
    samples: Array<Sample>,
    #[zeroipc(capacity = 4)]
    pending: Queue<Sample>,
    #[zeroipc(capacity = 16)]
    table: zeroipc::Map<u32, f64>,
    #[zeroipc(count = 2, max = 5)]
    slots: zeroipc::Semaphore,
    latest: zeroipc::Signal<Sample>,
}

/// The steps of the schema's tests, `described` and `open-declared`; any other step is a
/// usage error.
fn schema_step(step: &str, args: &Args) -> Result<()> {
    match step {
        "described" => {
            let [seg] = args.operands(1, 1)? else {
                unreachable!()
            };
            return described(seg);
        }
        "open-declared" => {}
        other => return Err(Usage(format!("unknown step {other:?}")).into()),
    }
    let [seg, ty] = args.operands(2, 2)? else {
        unreachable!()
    };
    match ty.as_str() {
        "f32" => Written::open(seg).map(drop)?,
        "i32" => WrittenI32::open(seg).map(drop)?,
        other => return Err(Usage(format!("unknown element type {other:?}")).into()),
    }
    println!("opened=1");
    Ok(())
}

fn described(seg: &str) -> Result<()> {
    let d = Described::create(seg)?;
    for i in 0..8u16 {
        d.temps.set(usize::from(i), f32::from(i) * 0.25)?;
    }
    for i in 0..4u16 {
        d.counts.set(usize::from(i), u64::from(i) * 1000)?;
    }
    for i in 0..3u16 {
        d.samples.set(usize::from(i), sample(i))?;
    }
    for i in [10, 11] {
        d.pending
            .push(sample(i))
            .map_err(|_| "the pending queue is full")?;
    }
    d.table.insert(1, 0.5)?;
    d.table.insert(2, 2.5)?;
    d.latest.set(sample(7));
    println!("size={} slots={}", Described::SIZE, d.slots.count());
    Ok(())
}

/// What Python writes with a schema (`tests/cross_language/test_xlang_schema.py`).
#[allow(dead_code)] // opened only for `open`'s checks
#[zeroipc::segment]
pub struct Written {
    #[zeroipc(len = 8)]
    temps: Array<f32>,
    #[zeroipc(len = 3)]
    samples: Array<Sample>,
    #[zeroipc(capacity = 4)]
    pending: Queue<Sample>,
    #[zeroipc(count = 2, max = 5)]
    slots: zeroipc::Semaphore,
}

/// [`Written`] with `temps` of `i32`: the same sizes, another element type.
#[allow(dead_code)] // opened only for `open`'s checks
#[zeroipc::segment]
pub struct WrittenI32 {
    #[zeroipc(len = 8)]
    temps: Array<i32>,
    #[zeroipc(len = 3)]
    samples: Array<Sample>,
    #[zeroipc(capacity = 4)]
    pending: Queue<Sample>,
    #[zeroipc(count = 2, max = 5)]
    slots: zeroipc::Semaphore,
}

fn create_sync(seg: &str, participants: i32) -> Result<()> {
    if participants < 1 {
        return Err(Usage("PARTICIPANTS must be at least 1".into()).into());
    }
    let n = participants as usize;
    let bytes = layout::MUTEX_SIZE
        + layout::array_size(1, size_of::<u64>())
        + layout::BARRIER_SIZE
        + layout::checked_array_size(n, size_of::<u64>()).ok_or("PARTICIPANTS is too large")?
        + layout::LATCH_SIZE;
    let mem = create_segment(seg, bytes)?;
    Mutex::create(&mem, "lock")?;
    Array::<u64>::create(&mem, "counter", 1)?;
    Barrier::create(&mem, "phase", participants)?;
    Array::<u64>::create(&mem, "progress", n)?;
    Latch::create(&mem, "start", participants)?;
    println!("participants={participants}");
    Ok(())
}

fn lock_increment(seg: &str, rounds: u64, timeout: Duration) -> Result<()> {
    let mem = Memory::open(seg)?;
    let lock = Mutex::open(&mem, "lock")?;
    let counter = Array::<u64>::open(&mem, "counter")?;
    start_together(&mem, timeout)?;
    let started = Instant::now();
    for round in 0..rounds {
        let guard = lock
            .lock_timeout(timeout)
            .map_err(|e| format!("round {round} of {rounds}: {e}"))?;
        // Read, then write: an update is lost if another process is ever in here too.
        let value = counter.get(0)?;
        counter.set(0, value + 1)?;
        drop(guard);
    }
    println!(
        "rounds={rounds} seconds={:.3}",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn barrier_rounds(seg: &str, index: usize, generations: u64, timeout: Duration) -> Result<()> {
    let mem = Memory::open(seg)?;
    let phase = Barrier::open(&mem, "phase")?;
    let progress = Array::<u64>::open(&mem, "progress")?;
    if index >= progress.len() {
        return Err(Usage(format!("INDEX must be below {}", progress.len())).into());
    }
    start_together(&mem, timeout)?;
    let mut leads = 0u64;
    for generation in 1..=generations {
        progress.set(index, generation)?;
        leads += u64::from(phase.wait_timeout(timeout)?);
        for (other, reached) in progress.iter().enumerate() {
            if reached < generation {
                return Err(format!(
                    "participant {other} is at {reached} after the barrier of generation {generation}"
                )
                .into());
            }
        }
        leads += u64::from(phase.wait_timeout(timeout)?);
    }
    println!("generations={generations} leads={leads}");
    Ok(())
}

/// Counts the latch `start` down and waits for the other workers to do the same.
fn start_together(mem: &Memory, timeout: Duration) -> Result<()> {
    let start = Latch::open(mem, "start")?;
    start.count_down(1);
    start
        .wait_timeout(timeout)
        .map_err(|e| format!("the other workers did not start: {e}").into())
}

// ---- Map, Set, Pool and Ring workers (tests/cross_language/test_xlang_ext.py) -------------
//
// A map or set worker ID (its twin in Python is `xlang_ext_worker.py`):
//
// 0. counts the latch `start` (made by the test) down and waits for every worker, so that
//    all four begin together;
// 1. its own keys `own(ID, i)`, i in 0..N: inserts i; then, for even i, updates to
//    i + UPDATED (the update must give i back); the shared keys `shared(j)`, j in 0..SHARED:
//    inserts j * 7, as every worker does; counts the inserts that found the key new;
// 2. counts the latch down and waits for every worker to reach it;
// 3. removes its own keys with i % 3 == 0 (each must be there) and every shared key with
//    j < SHARED / 2, counting the removals that found it.
//
// It prints `new_shared=... removed_shared=...`: over all workers, each sum must be exactly the
// number of shared keys concerned (a key held twice would be found twice).

/// Added to an own key's value by its update.
const UPDATED: u64 = 1_000_000;

fn own_key(id: u64, i: u64) -> u64 {
    id * 1_000_000 + i
}

fn shared_key(j: u64) -> u64 {
    5_000_000 + j
}

fn phase(mem: &Memory, latch: &str, timeout: Duration) -> Result<()> {
    let phase = Latch::open(mem, latch)?;
    phase.count_down(1);
    phase
        .wait_timeout(timeout)
        .map_err(|e| format!("the other workers did not reach {latch}: {e}").into())
}

fn map_worker(seg: &str, id: u64, n: u64, shared: u64, timeout: Duration) -> Result<()> {
    let mem = Memory::open(seg)?;
    let map = Map::<u64, u64>::open(&mem, "map")?;
    start_together(&mem, timeout)?;
    let mut new_shared = 0u64;
    for i in 0..n {
        if map.insert_timeout(own_key(id, i), i, timeout)?.is_some() {
            return Err(format!("own key {i} was there before its insert").into());
        }
    }
    for j in 0..shared {
        new_shared += u64::from(map.insert_timeout(shared_key(j), j * 7, timeout)?.is_none());
    }
    for i in (0..n).step_by(2) {
        let old = map.insert_timeout(own_key(id, i), i + UPDATED, timeout)?;
        if old != Some(i) {
            return Err(format!("own key {i} held {old:?} at its update, not {i}").into());
        }
    }
    phase(&mem, "map_phase", timeout)?;
    let mut removed_shared = 0u64;
    for i in (0..n).step_by(3) {
        let want = if i % 2 == 0 { i + UPDATED } else { i };
        let got = map.remove_timeout(&own_key(id, i), timeout)?;
        if got != Some(want) {
            return Err(format!("own key {i} held {got:?} at its removal, not {want}").into());
        }
    }
    for j in 0..shared / 2 {
        removed_shared += u64::from(map.remove_timeout(&shared_key(j), timeout)?.is_some());
    }
    println!("new_shared={new_shared} removed_shared={removed_shared}");
    Ok(())
}

fn set_worker(seg: &str, id: u64, n: u64, shared: u64, timeout: Duration) -> Result<()> {
    let mem = Memory::open(seg)?;
    let set = Set::<u64>::open(&mem, "set")?;
    start_together(&mem, timeout)?;
    let mut new_shared = 0u64;
    for i in 0..n {
        if !set.insert_timeout(own_key(id, i), timeout)? {
            return Err(format!("own element {i} was there before its insert").into());
        }
    }
    for j in 0..shared {
        new_shared += u64::from(set.insert_timeout(shared_key(j), timeout)?);
    }
    phase(&mem, "set_phase", timeout)?;
    let mut removed_shared = 0u64;
    for i in (0..n).step_by(3) {
        if !set.remove_timeout(&own_key(id, i), timeout)? {
            return Err(format!("own element {i} was gone at its removal").into());
        }
    }
    for j in 0..shared / 2 {
        removed_shared += u64::from(set.remove_timeout(&shared_key(j), timeout)?);
    }
    println!("new_shared={new_shared} removed_shared={removed_shared}");
    Ok(())
}

fn pool_worker(seg: &str, id: u64, rounds: u64, hold: usize) -> Result<()> {
    let mem = Memory::open(seg)?;
    let pool = Pool::<u64>::open(&mem, "pool")?;
    let (mut clashes, mut allocations, mut empty) = (0u64, 0u64, 0u64);
    let mut nodes = Vec::with_capacity(hold);
    for round in 0..rounds {
        let mark = id << 32 | round;
        while nodes.len() < hold {
            let Some(node) = pool.allocate()? else {
                empty += 1;
                break;
            };
            pool.set(&node, mark)?;
            nodes.push(node);
            allocations += 1;
        }
        std::thread::yield_now();
        for node in &nodes {
            clashes += u64::from(pool.get(node)? != mark);
        }
        for node in nodes.drain(..) {
            pool.free(node)?;
        }
    }
    println!("clashes={clashes} allocations={allocations} empty={empty}");
    Ok(())
}

/// Elements a ring step moves per call.
const RING_CHUNK: usize = 4096;

fn ring_produce(seg: &str, entry: &str, count: u64, timeout: Duration) -> Result<()> {
    let mem = Memory::open(seg)?;
    let ring = Ring::<u64>::open(&mem, entry)?;
    let started = Instant::now();
    let mut chunk = Vec::with_capacity(RING_CHUNK);
    let (mut next, mut progress) = (0u64, Instant::now());
    while next < count {
        chunk.clear();
        chunk.extend(next..count.min(next + RING_CHUNK as u64));
        let n = ring.write(&chunk);
        if n == 0 {
            if progress.elapsed() > timeout {
                return Err(format!("the ring stayed full for {timeout:?} at {next}").into());
            }
            std::thread::yield_now();
            continue;
        }
        next += n as u64;
        progress = Instant::now();
    }
    println!(
        "written={count} seconds={:.3}",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn ring_consume(seg: &str, entry: &str, count: u64, timeout: Duration) -> Result<()> {
    let mem = Memory::open(seg)?;
    let ring = Ring::<u64>::open(&mem, entry)?;
    let started = Instant::now();
    let mut chunk = vec![0u64; RING_CHUNK];
    let (mut next, mut progress) = (0u64, Instant::now());
    while next < count {
        let want = RING_CHUNK.min((count - next) as usize);
        let n = ring.read(&mut chunk[..want]);
        if n == 0 {
            if progress.elapsed() > timeout {
                return Err(format!("the ring stayed empty for {timeout:?} at {next}").into());
            }
            std::thread::yield_now();
            continue;
        }
        for &value in &chunk[..n] {
            if value != next {
                return Err(format!("element {next} is {value}").into());
            }
            next += 1;
        }
        progress = Instant::now();
    }
    println!(
        "received={count} in_order=true seconds={:.3}",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
