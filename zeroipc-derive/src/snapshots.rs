//! Expansion snapshots: each `tests/expand/<case>.rs` is expanded whole and compared with
//! `tests/expand/<case>.expanded.rs`, so that any change to the generated code shows up as a
//! diff to read. `ZEROIPC_BLESS=1 cargo test -p zeroipc-derive snapshots` rewrites the
//! snapshots from the current output.
//!
//! An input is one item, optionally led by `#[zeroipc::segment(...)]`, whose arguments are
//! the macro's. Output is printed from the tokens by [`pretty`]: a line per statement,
//! field and attribute, indented by braces; no dependency beyond `proc_macro2`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// Environment variable that rewrites the snapshots instead of comparing with them.
const BLESS: &str = "ZEROIPC_BLESS";

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand")
}

/// The macro's arguments and the item, from an input file's tokens.
fn split_attribute(tokens: TokenStream) -> (TokenStream, TokenStream) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    if let [TokenTree::Punct(hash), TokenTree::Group(attr), rest @ ..] = tokens.as_slice() {
        let path: Vec<String> = attr
            .stream()
            .into_iter()
            .take(4)
            .map(|t| t.to_string())
            .collect();
        if hash.as_char() == '#'
            && attr.delimiter() == Delimiter::Bracket
            && path.len() >= 4
            && path[..4] == ["zeroipc", ":", ":", "segment"]
        {
            let args = match attr.stream().into_iter().nth(4) {
                Some(TokenTree::Group(args)) => args.stream(),
                _ => TokenStream::new(),
            };
            return (args, rest.iter().cloned().collect());
        }
    }
    (TokenStream::new(), tokens.into_iter().collect())
}

/// The tokens as indented lines.
fn pretty(tokens: TokenStream) -> String {
    let mut printer = Printer::default();
    printer.stream(tokens, true);
    printer.newline();
    printer.out
}

#[derive(Default)]
struct Printer {
    out: String,
    depth: usize,
    /// Whether the current line has text after its indent.
    started: bool,
    /// Whether the last token asks for no space after it (a joint punctuation, an open
    /// delimiter, `#`, `&`).
    glue: bool,
    /// Open `<` of generic arguments, within the current delimiters.
    generics: usize,
    /// Whether the last token is the first `:` of `::`.
    colon_joint: bool,
}

impl Printer {
    fn newline(&mut self) {
        if self.started {
            self.out.push('\n');
            self.started = false;
        }
        self.glue = false;
    }

    fn word(&mut self, text: &str, space_before: bool) {
        if !self.started {
            for _ in 0..self.depth {
                self.out.push_str("    ");
            }
            self.started = true;
        } else if space_before && !self.glue {
            self.out.push(' ');
        }
        self.out.push_str(text);
        self.glue = false;
    }

    /// Prints `tokens`; `block` says they are the inside of braces (or the whole input), where
    /// `,` and `;` end a line.
    fn stream(&mut self, tokens: TokenStream, block: bool) {
        let mut tokens = tokens.into_iter().peekable();
        while let Some(token) = tokens.next() {
            match token {
                TokenTree::Group(group) => match group.delimiter() {
                    Delimiter::Brace => {
                        self.word("{", true);
                        self.newline();
                        self.depth += 1;
                        self.stream(group.stream(), true);
                        self.newline();
                        self.depth -= 1;
                        self.word("}", true);
                        let follows = matches!(
                            tokens.peek(),
                            Some(TokenTree::Punct(p)) if matches!(p.as_char(), ';' | ',' | '.' | '?')
                        );
                        if block && !follows {
                            self.newline();
                        }
                    }
                    Delimiter::None => self.stream(group.stream(), block),
                    delimiter => {
                        let (open, close) = match delimiter {
                            Delimiter::Parenthesis => ("(", ")"),
                            _ => ("[", "]"),
                        };
                        // A call, an index or an attribute hugs what it follows.
                        let hug = self.last().is_some_and(|c| {
                            c.is_alphanumeric() || matches!(c, '_' | '!' | '>' | ')' | ']' | '#')
                        }) && !self.out.ends_with("->");
                        self.word(open, !hug);
                        self.glue = true;
                        let generics = std::mem::take(&mut self.generics);
                        self.stream(group.stream(), false);
                        self.generics = generics;
                        self.word(close, false);
                        // An attribute is a line of its own.
                        if open == "[" && self.is_attribute_line() {
                            self.newline();
                        }
                    }
                },
                TokenTree::Punct(punct) => {
                    let c = punct.as_char();
                    let joint = punct.spacing() == Spacing::Joint;
                    let after_word = self
                        .last()
                        .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '>' | ')'))
                        && !self.out.ends_with("->")
                        && !self.out.ends_with(" as");
                    let closes_generics = c == '>' && self.generics > 0 && !self.out.ends_with('-');
                    let space_before = match c {
                        ',' | ';' | '.' | '?' => false,
                        // `Name::item`, `name: Type`, `assert!`, `Name<T>` hug the word before.
                        ':' | '!' => !after_word,
                        '<' if !joint => !after_word && !self.out.ends_with("::"),
                        '>' if closes_generics => false,
                        _ => true,
                    };
                    self.word(&c.to_string(), space_before);
                    if block && matches!(c, ',' | ';') {
                        self.newline();
                        continue;
                    }
                    if c == '<' && !joint {
                        self.generics += 1;
                    } else if closes_generics {
                        self.generics -= 1;
                    }
                    let second_colon = c == ':' && self.colon_joint;
                    self.colon_joint = c == ':' && joint;
                    // `<` opens generic arguments here (a joint one is `<=`): glued too.
                    self.glue = joint || second_colon || matches!(c, '#' | '.' | '&' | '!' | '<');
                }
                other => self.word(&other.to_string(), true),
            }
        }
    }

    fn last(&self) -> Option<char> {
        if self.started {
            self.out.chars().last()
        } else {
            None
        }
    }

    /// Whether the current line is one attribute, `#[...]`.
    fn is_attribute_line(&self) -> bool {
        let line = self
            .out
            .rsplit('\n')
            .next()
            .unwrap_or_default()
            .trim_start();
        line.starts_with("#[") || line.starts_with("# [")
    }
}

/// Expands every case and compares it with its snapshot, or writes the snapshots when
/// `ZEROIPC_BLESS` is set. Returns the failures, as messages.
fn run_cases() -> Vec<String> {
    let bless = std::env::var_os(BLESS).is_some_and(|v| v != "0");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/expand exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            path.extension().is_some_and(|e| e == "rs") && !name.ends_with(".expanded.rs")
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no cases in {}", cases_dir().display());
    let mut failures = Vec::new();
    for input in inputs {
        let source = std::fs::read_to_string(&input).expect("readable case");
        let tokens: TokenStream = source.parse().expect("case tokenizes");
        let (args, item) = split_attribute(tokens);
        let actual = pretty(crate::expand(args, &item));
        let snapshot = input.with_extension("expanded.rs");
        if bless {
            std::fs::write(&snapshot, &actual).expect("writable snapshot");
            continue;
        }
        let Ok(expected) = std::fs::read_to_string(&snapshot) else {
            failures.push(format!(
                "{}: no snapshot; write it with {BLESS}=1",
                snapshot.display()
            ));
            continue;
        };
        if expected != actual {
            let mut message = format!(
                "{} differs from the expansion; read the diff, then rewrite it with {BLESS}=1\n",
                snapshot.display()
            );
            let (expected, actual): (Vec<&str>, Vec<&str>) =
                (expected.lines().collect(), actual.lines().collect());
            let _ = writeln!(
                message,
                "{} lines in the snapshot, {} expanded",
                expected.len(),
                actual.len()
            );
            for (line, (e, a)) in expected.iter().zip(&actual).enumerate() {
                if e != a {
                    let _ = write!(
                        message,
                        "first difference at line {}:\n  snapshot: {e}\n  expanded: {a}",
                        line + 1
                    );
                    break;
                }
            }
            failures.push(message);
        }
    }
    failures
}

#[test]
fn expansions_match_their_snapshots() {
    let failures = run_cases();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_printer_breaks_lines_at_statements_fields_and_attributes() {
    let tokens: TokenStream =
        "#[doc = \"x\"] struct S { a: u8, b: [u8; 2] } const _: () = { f(1, 2); };"
            .parse()
            .unwrap();
    assert_eq!(
        pretty(tokens),
        "#[doc = \"x\"]\nstruct S {\n    a: u8,\n    b: [u8; 2]\n}\nconst _: () = {\n    f(1, 2);\n};\n"
    );
}

#[test]
fn the_segment_attribute_gives_the_arguments() {
    let tokens: TokenStream = "#[zeroipc::segment(max_entries = 8)] struct S {}"
        .parse()
        .unwrap();
    let (args, item) = split_attribute(tokens);
    assert_eq!(args.to_string(), "max_entries = 8");
    assert_eq!(item.to_string(), "struct S { }");
    let (args, item) = split_attribute("#[zeroipc::segment] fn f() {}".parse().unwrap());
    assert!(args.is_empty());
    assert_eq!(item.to_string(), "fn f () { }");
}
