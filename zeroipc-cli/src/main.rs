//! `zeroipc`: look inside shared-memory segments of the zeroipc format v2, whoever wrote
//! them.
//!
//! Segments are read through their files in `/dev/shm` with plain reads, as untrusted bytes:
//! nothing in a segment is used as a pointer, and a corrupt one is described, not crashed on.
//! `check` and `dump` also open the segment with the runtime, so they report what a program
//! using the `zeroipc` crate would meet; the runtime opens a private copy of it
//! (`Memory::open_copy`). Every command but `rm` needs only read permission on a segment,
//! and none maps one: a peer that shrinks a segment meanwhile cannot crash it.
//! `repair` is the one command that writes, through the runtime's `Memory::repair`.

mod check;
mod declared;
mod dump;
mod guess;
mod ls;
mod map;
mod repair;
mod segment;
mod show;
mod view;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::dump::{ElemType, IndexRange, Structure};
use crate::segment::{SegmentFile, SegmentName};

/// Look inside zeroipc shared-memory segments (format v2).
#[derive(Parser, Debug)]
#[command(
    name = "zeroipc",
    version,
    about,
    long_about = None,
    after_help = "Segment names are taken with or without their leading `/` (`sensors` or \
                  `/sensors`); segments are the files in /dev/shm. Nothing is trusted: a \
                  damaged segment is described, never crashed on."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the segments in /dev/shm that carry the format's magic.
    Ls {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show a segment's header, entries, a map of its bytes, and what each entry looks like.
    Show {
        /// The segment's name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the values of an array, or the contents of a queue, stack, map, set, pool or
    /// ring, without changing them.
    Dump {
        /// The segment's name.
        name: String,
        /// The entry's name in the segment's table.
        entry: String,
        /// The element type; by default the one the segment's schema declares (the format
        /// itself stores none).
        #[arg(long = "type", short = 't', value_enum, value_name = "TYPE")]
        ty: Option<ElemType>,
        /// What the entry holds; by default the kind the segment's schema declares, or an
        /// array. A queue is printed oldest first and a stack bottom first, from a snapshot
        /// that leaves them as they are.
        #[arg(long = "as", value_enum)]
        structure: Option<Structure>,
        /// A map's value type (`--type` is its key type); by default the one the schema
        /// declares, else the key type.
        #[arg(long = "value-type", value_enum, value_name = "TYPE")]
        value_ty: Option<ElemType>,
        /// Which elements: A..B, A..=B, A.., ..B or a single index.
        #[arg(long, value_parser = IndexRange::parse)]
        range: Option<IndexRange>,
        /// Print each element's index before its value.
        #[arg(long, short = 'n')]
        index: bool,
    },
    /// Check a segment the way the runtime does when it opens one; exit 0 only if it is
    /// sound.
    Check {
        /// The segment's name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Repair what processes that died in the middle of an operation left half-way: queues
    /// and stacks keep every fully published item, in order, and drop half-written slots; a
    /// dead holder's mutex is unlocked. Refused while any other process is attached.
    Repair {
        /// The segment's name.
        name: String,
        /// Only this entry.
        entry: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove segments. Files without the format's magic are refused unless --force.
    Rm {
        /// The segments' names.
        #[arg(required = true)]
        names: Vec<String>,
        /// Remove even files that do not carry the magic.
        #[arg(long, short = 'f')]
        force: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "zeroipc: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Ls { json } => {
            let listed = ls::list(std::path::Path::new(segment::SHM_DIR))?;
            if json {
                print_json(&listed)?;
            } else {
                print(&ls::text(&listed))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { name, json } => {
            let name = SegmentName::parse(&name)?;
            let view = view::View::read(SegmentFile::open(&name)?);
            if json {
                print_json(&show::json(&view))?;
            } else {
                print(&show::text(&view))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Dump {
            name,
            entry,
            ty,
            structure,
            value_ty,
            range,
            index,
        } => {
            let name = SegmentName::parse(&name)?;
            dump::run(&dump::Request {
                name: &name,
                entry: &entry,
                ty,
                value_ty,
                structure,
                range,
                index,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { name, json } => {
            let name = SegmentName::parse(&name)?;
            let report = check::run(&name);
            if json {
                print_json(&report)?;
            } else {
                print(&check::text(&report))?;
            }
            Ok(if report.sound {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Repair { name, entry, json } => {
            let name = SegmentName::parse(&name)?;
            let report = repair::run(&name, entry.as_deref())?;
            if json {
                print_json(&report)?;
            } else {
                print(&repair::text(&report))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rm { names, force } => {
            let mut failed = false;
            for name in &names {
                match ls::remove(name, force) {
                    Ok(done) => print(&format!("{done}\n"))?,
                    Err(e) => {
                        failed = true;
                        let _ = writeln!(std::io::stderr(), "zeroipc: {e}");
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// Writes to stdout; a closed pipe ends the output quietly.
fn print(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write the output: {e}"))
        }
        _ => Ok(()),
    }
}

fn print_json(value: &impl serde::Serialize) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    print(&format!("{text}\n"))
}
