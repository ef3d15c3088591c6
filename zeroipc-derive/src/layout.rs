//! Lay out: the ordered plan of table entries, one per field in declaration order, and the
//! compile-time checks each one needs.
//!
//! The macro cannot know `size_of::<T>()`, nor which keys a type takes. The plan therefore
//! holds no byte counts: `emit` turns each entry into `<Type as Declare<N>>::SIZE` and the
//! offsets into calls of `zeroipc::layout::entry_offsets`, so the runtime's `const fn`s do
//! every sum. What the plan decides is the order, the names, the `N` of each entry, and
//! the text of each check's message (so that the text is tested here, on plain data).
//!
//! The format's limits are the runtime's too (`zeroipc::layout::MAX_NAME_LEN`,
//! `DEFAULT_MAX_ENTRIES`): the macro holds no copy of them, and plans a [`Limit`] check for
//! each name and for a table of the default size.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{DeriveInput, Ident, Type};

use crate::ast::Segment;
use crate::attr::{PARAM_KEYS, SIZE_KEYS};
use crate::validate::{table_name, type_text};

/// Everything `emit` needs.
pub(crate) struct Plan<'a> {
    pub(crate) input: &'a DeriveInput,
    /// Path of the runtime crate: `::zeroipc`, or the `crate = "..."` argument.
    pub(crate) krate: syn::Path,
    /// `max_entries = N`; `None` for the runtime's default table size.
    pub(crate) max_entries: Option<u32>,
    /// The declaration against the format's limits: one per table name, in field order, then
    /// one for the field count if the table has the default size.
    pub(crate) limits: Vec<LimitCheck>,
    /// One per field, in declaration order: the order entries are added to the table.
    pub(crate) entries: Vec<PlannedEntry<'a>>,
}

/// One table entry.
pub(crate) struct PlannedEntry<'a> {
    pub(crate) field: &'a Ident,
    /// The field's name without `r#`.
    pub(crate) field_name: String,
    pub(crate) table_name: String,
    pub(crate) ty: &'a Type,
    /// The value of the field's size key (`len` or `capacity`), 0 if it has none: the `N` of
    /// `Declare<N>`.
    pub(crate) n: u64,
    /// The size key's value when it is a constant expression: then `N` is that expression,
    /// and `n` means nothing.
    pub(crate) n_expr: Option<syn::Expr>,
    /// The field's parameter keys and their values, in the order written: the `Params` given
    /// to `Declare::declare`.
    pub(crate) params: Vec<(&'static str, u64)>,
    pub(crate) checks: Vec<Check>,
    /// The field's doc comment, its lines joined by `\n` (leading spaces of each removed):
    /// the description the schema records.
    pub(crate) doc: String,
}

/// A compile-time check on a field's type, over the associated constants of its
/// `Declare<N>` impl. Each fails with its message, at its span.
#[derive(Debug)]
pub(crate) enum Check {
    /// A size given as a constant expression: `N` is not zero (else `zero`), and a power of
    /// two where the type needs one for `key` (else `prefix`, `N`, `middle`, the next power
    /// of two, `suffix`): the literal's checks, evaluated by the compiler.
    SizeExpr {
        key: &'static str,
        span: Span,
        zero: String,
        prefix: String,
        middle: String,
        suffix: String,
    },
    /// The type must take `key` (it is in `Declare::KEYS`). The message is `prefix`, the
    /// keys the type takes, then `suffix`.
    Takes {
        key: &'static str,
        span: Span,
        prefix: String,
        suffix: String,
    },
    /// The type must not need `key` (it is not in `Declare::REQUIRED_KEYS`).
    DoesNotNeed {
        key: &'static str,
        span: Span,
        message: String,
    },
    /// The type must not need a power of two for `key` (it is not in
    /// `Declare::POWER_OF_TWO_KEYS`): added only when the value given is not one.
    NoPowerOfTwoNeeded {
        key: &'static str,
        span: Span,
        message: String,
    },
    /// The type must not need a value of at least 1 for `key` (it is not in
    /// `Declare::POSITIVE_KEYS`): added only when the value given is 0.
    NotZero {
        key: &'static str,
        span: Span,
        message: String,
    },
    /// The value given for a parameter key must be at most `Declare::PARAM_MAX`.
    Fits {
        value: u64,
        span: Span,
        message: String,
    },
    /// The type must not need `key`'s value to be at most `other`'s (the pair is not in
    /// `Declare::NOT_ABOVE`): added only when it is larger and `other`'s is not 0.
    NotAbove {
        key: &'static str,
        other: &'static str,
        span: Span,
        message: String,
    },
    /// The element type's alignment must be at most 8 (`Declare::ELEMENT_ALIGN_OK`).
    ElementAlign { span: Span, message: String },
}

/// A limit of the format, as the runtime defines it in `zeroipc::layout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    /// `MAX_NAME_LEN`: the longest table name, in bytes.
    NameLen,
    /// `DEFAULT_MAX_ENTRIES`: the slots of a table whose size is not given.
    DefaultMaxEntries,
}

/// A compile-time check that `value` is at most `limit`, failing at `span` with `prefix`,
/// the limit, then `suffix`.
#[derive(Debug)]
pub(crate) struct LimitCheck {
    pub(crate) value: usize,
    pub(crate) limit: Limit,
    pub(crate) span: Span,
    pub(crate) prefix: String,
    pub(crate) suffix: String,
}

/// Plans a validated declaration.
pub(crate) fn plan<'a>(seg: &Segment<'a>) -> Plan<'a> {
    let krate = seg
        .args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::zeroipc));
    let max_entries = seg.args.max_entries.as_ref().map(|(n, _)| *n);
    let mut entries = Vec::with_capacity(seg.fields.len());
    for (index, field) in seg.fields.iter().enumerate() {
        // Validation refused every struct without named fields.
        let Some(ident) = field.ident else { continue };
        let field_name = field.name(index);
        let (table_name, _) = table_name(field, index);
        let ty_text = type_text(field.ty);
        let ty_span = field.ty.span();
        let n = field.attrs.sizes.first().map_or(0, |s| s.value);
        let n_expr = field.attrs.sizes.first().and_then(|s| s.expr.clone());
        let mut checks = Vec::new();
        for size in &field.attrs.sizes {
            checks.push(Check::Takes {
                key: size.key.name,
                span: size.key_path.span(),
                prefix: format!(
                    "zeroipc: `{ty_text}` does not take `{}` (field `{field_name}`); it takes ",
                    size.key.name
                ),
                suffix: ", besides `name`".to_owned(),
            });
        }
        for key in SIZE_KEYS {
            if field.attrs.sizes.iter().all(|s| s.key != *key) {
                checks.push(Check::DoesNotNeed {
                    key: key.name,
                    span: ty_span,
                    message: format!(
                        "zeroipc: `{ty_text}` needs `{key} = N`, {counts}: add `#[zeroipc({key} = N)]` to field `{field_name}`, with N at least 1",
                        key = key.name,
                        counts = key.counts
                    ),
                });
            }
        }
        size_expr_checks(field, &field_name, &ty_text, &mut checks);
        for size in field.attrs.sizes.iter().filter(|s| s.expr.is_none()) {
            if size.value != 0 && !size.value.is_power_of_two() {
                let advice = match size.value.checked_next_power_of_two() {
                    Some(next) => {
                        format!("use `{} = {next}`, the next power of two", size.key.name)
                    }
                    None => "use a power of two".to_owned(),
                };
                checks.push(Check::NoPowerOfTwoNeeded {
                    key: size.key.name,
                    span: size.lit.span(),
                    message: format!(
                        "zeroipc: `{ty_text}` needs a power of two for `{}`, and {} is not one; {advice}",
                        size.key.name, size.value
                    ),
                });
            }
        }
        param_checks(field, &field_name, &ty_text, ty_span, &mut checks);
        checks.push(Check::ElementAlign {
            span: ty_span,
            message: format!(
                "zeroipc: the element type of `{ty_text}` (field `{field_name}`) is aligned to more than 8 bytes, which format v2 does not support (every structure and section in a segment starts 8-aligned); use an element type whose alignment is 8 or less"
            ),
        });
        entries.push(PlannedEntry {
            field: ident,
            field_name,
            table_name,
            ty: field.ty,
            n,
            n_expr,
            params: field
                .attrs
                .params
                .iter()
                .map(|p| (p.key.name, p.value))
                .collect(),
            checks,
            doc: doc_text(&field.source.attrs),
        });
    }
    Plan {
        input: seg.input,
        krate,
        max_entries,
        limits: limits(seg),
        entries,
    }
}

/// The checks of a declaration against the format's limits: every table name's length, and
/// the field count when the table has the default size.
fn limits(seg: &Segment<'_>) -> Vec<LimitCheck> {
    let mut limits = Vec::new();
    for (index, field) in seg.fields.iter().enumerate() {
        let field_name = field.name(index);
        let (table_name, span) = table_name(field, index);
        limits.push(LimitCheck {
            value: table_name.len(),
            limit: Limit::NameLen,
            span,
            prefix: format!(
                "zeroipc: table name {table_name:?} is {} bytes long, but a table entry holds at most ",
                table_name.len()
            ),
            suffix: format!(
                "; shorten it, or give field `{field_name}` a shorter one with `#[zeroipc(name = \"...\")]`"
            ),
        });
    }
    if seg.args.max_entries.is_none() {
        let fields = seg.fields.len();
        let needed = fields + 1;
        limits.push(LimitCheck {
            value: needed,
            limit: Limit::DefaultMaxEntries,
            span: seg.input.ident.span(),
            prefix: format!(
                "zeroipc: {fields} fields need {needed} table entries (one more for the schema) but the table holds "
            ),
            suffix: format!(" by default; add `#[zeroipc::segment(max_entries = {needed})]`"),
        });
    }
    limits
}

/// The checks of sizes given as constant expressions: not zero, and a power of two where the
/// type needs one, with the messages of the literals' checks, the value filled in when the
/// compiler evaluates it.
fn size_expr_checks(
    field: &crate::ast::Field<'_>,
    field_name: &str,
    ty_text: &str,
    checks: &mut Vec<Check>,
) {
    for size in &field.attrs.sizes {
        if let Some(expr) = &size.expr {
            let key = size.key.name;
            checks.push(Check::SizeExpr {
                key,
                span: expr.span(),
                zero: format!(
                    "zeroipc: `{key} = 0` for field `{field_name}`: a structure holds at least one element; use 1 or more"
                ),
                prefix: format!("zeroipc: `{ty_text}` needs a power of two for `{key}`, and "),
                middle: format!(" is not one; use `{key} = "),
                suffix: "`, the next power of two".to_owned(),
            });
        }
    }
}

/// The text of the `#[doc = "..."]` attributes (doc comments) among `attrs`, one line each,
/// without the one leading space a `///` comment leaves, trailing blank lines dropped.
pub(crate) fn doc_text(attrs: &[syn::Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }),
                ..
            }) => Some(s.value()),
            _ => None,
        })
        .flat_map(|text| {
            text.lines()
                .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    lines.join("\n").trim().to_owned()
}

/// The checks of a field's parameter keys: each given one is taken by the type, fits, is not
/// zero where the type needs at least 1, and is not above another where the type orders
/// them; each missing one is not needed.
fn param_checks(
    field: &crate::ast::Field<'_>,
    field_name: &str,
    ty_text: &str,
    ty_span: Span,
    checks: &mut Vec<Check>,
) {
    let params = &field.attrs.params;
    for param in params {
        let key = param.key.name;
        checks.push(Check::Takes {
            key,
            span: param.key_path.span(),
            prefix: format!(
                "zeroipc: `{ty_text}` does not take `{key}` (field `{field_name}`); it takes "
            ),
            suffix: ", besides `name`".to_owned(),
        });
        checks.push(Check::Fits {
            value: param.value,
            span: param.lit.span(),
            message: format!(
                "zeroipc: `{key} = {}` is larger than `{ty_text}` can hold (field `{field_name}`); use a smaller value",
                param.value
            ),
        });
        if param.value == 0 {
            checks.push(Check::NotZero {
                key,
                span: param.lit.span(),
                message: format!(
                    "zeroipc: `{ty_text}` needs `{key}` of at least 1 (field `{field_name}`), {}; use `{key} = 1` or more",
                    param.key.means
                ),
            });
        }
        for other in params {
            if other.value != 0 && param.value > other.value {
                checks.push(Check::NotAbove {
                    key,
                    other: other.key.name,
                    span: param.lit.span(),
                    message: format!(
                        "zeroipc: `{ty_text}` needs `{key}` no larger than `{other_key}` (field `{field_name}`), and {} is larger than {}; raise `{other_key}` or lower `{key}`",
                        param.value,
                        other.value,
                        other_key = other.key.name
                    ),
                });
            }
        }
    }
    for key in PARAM_KEYS {
        if params.iter().all(|p| p.key != *key) {
            checks.push(Check::DoesNotNeed {
                key: key.name,
                span: ty_span,
                message: format!(
                    "zeroipc: `{ty_text}` needs `{key} = N`, {means}: add `#[zeroipc({key} = N)]` to field `{field_name}`",
                    key = key.name,
                    means = key.means
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast;
    use crate::ctxt::Ctxt;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn with_plan(args: TokenStream, item: TokenStream, f: impl FnOnce(&Plan<'_>)) {
        let input: DeriveInput = syn::parse2(item).unwrap();
        let mut cx = Ctxt::new();
        let seg = ast::parse(args, &input, &mut cx);
        crate::validate::check(&seg, &mut cx);
        assert!(cx.check().is_ok());
        f(&plan(&seg));
    }

    fn plant() -> TokenStream {
        quote! {
            pub struct Plant {
                #[zeroipc(len = 1000, name = "sensor_data")]
                pub temps: Samples<f32>,
                #[zeroipc(len = 16)]
                pub counters: Samples<u64>,
                #[zeroipc(capacity = 100)]
                pub alarms: Fifo<i32>,
                #[zeroipc(capacity = 64)]
                pub r#history: Lifo<f64>,
            }
        }
    }

    #[test]
    fn entries_follow_field_order_with_their_names_and_sizes() {
        with_plan(TokenStream::new(), plant(), |plan| {
            assert_eq!(plan.max_entries, None);
            let krate = &plan.krate;
            assert_eq!(quote!(#krate).to_string(), ":: zeroipc");
            let rows: Vec<(&str, &str, u64)> = plan
                .entries
                .iter()
                .map(|e| (e.field_name.as_str(), e.table_name.as_str(), e.n))
                .collect();
            assert_eq!(
                rows,
                [
                    ("temps", "sensor_data", 1000),
                    ("counters", "counters", 16),
                    ("alarms", "alarms", 100),
                    ("history", "history", 64),
                ]
            );
        });
    }

    #[test]
    fn arguments_set_table_size_and_crate_path() {
        with_plan(
            quote!(max_entries = 5, crate = "reexport::zeroipc"),
            plant(),
            |plan| {
                assert_eq!(plan.max_entries, Some(5));
                assert_eq!(plan.limits.len(), 4, "{:?}", plan.limits);
                let krate = &plan.krate;
                assert_eq!(quote!(#krate).to_string(), "reexport :: zeroipc");
            },
        );
    }

    #[test]
    fn every_name_and_a_default_table_are_checked_against_the_runtime_limits() {
        with_plan(TokenStream::new(), plant(), |plan| {
            let limits: Vec<(usize, Limit)> =
                plan.limits.iter().map(|l| (l.value, l.limit)).collect();
            assert_eq!(
                limits,
                [
                    (11, Limit::NameLen),
                    (8, Limit::NameLen),
                    (6, Limit::NameLen),
                    (7, Limit::NameLen),
                    (5, Limit::DefaultMaxEntries),
                ]
            );
            let first = &plan.limits[0];
            assert_eq!(
                format!("{}31{}", first.prefix, first.suffix),
                "zeroipc: table name \"sensor_data\" is 11 bytes long, but a table entry holds at most 31; shorten it, or give field `temps` a shorter one with `#[zeroipc(name = \"...\")]`"
            );
            let table = &plan.limits[4];
            assert_eq!(
                format!("{}64{}", table.prefix, table.suffix),
                "zeroipc: 4 fields need 5 table entries (one more for the schema) but the table holds 64 by default; add `#[zeroipc::segment(max_entries = 5)]`"
            );
        });
    }

    #[test]
    fn constant_sizes_are_checked_when_evaluated_and_docs_are_kept() {
        let item = quote! {
            pub struct Plant {
                /// Temperatures,
                ///   in C.
                #[zeroipc(len = SENSORS)]
                pub temps: Samples<f32>,
                #[zeroipc(capacity = 2 * N)]
                pub events: Fifo<i32>,
            }
        };
        with_plan(TokenStream::new(), item, |plan| {
            let temps = &plan.entries[0];
            assert_eq!(temps.doc, "Temperatures,\n  in C.");
            assert!(temps.n_expr.is_some());
            assert!(kinds(&temps.checks).contains(&"evaluated len".to_owned()));
            let events = &plan.entries[1];
            assert_eq!(events.doc, "");
            let Some(Check::SizeExpr { zero, prefix, .. }) = events
                .checks
                .iter()
                .find(|c| matches!(c, Check::SizeExpr { .. }))
            else {
                panic!("no evaluated check");
            };
            assert_eq!(
                zero,
                "zeroipc: `capacity = 0` for field `events`: a structure holds at least one element; use 1 or more"
            );
            assert_eq!(
                prefix,
                "zeroipc: `Fifo<i32>` needs a power of two for `capacity`, and "
            );
        });
    }

    fn kinds(checks: &[Check]) -> Vec<String> {
        checks
            .iter()
            .map(|c| match c {
                Check::Takes { key, .. } => format!("takes {key}"),
                Check::DoesNotNeed { key, .. } => format!("does not need {key}"),
                Check::NoPowerOfTwoNeeded { key, .. } => format!("no power of two for {key}"),
                Check::NotZero { key, .. } => format!("not zero {key}"),
                Check::Fits { value, .. } => format!("fits {value}"),
                Check::NotAbove { key, other, .. } => format!("{key} not above {other}"),
                Check::ElementAlign { .. } => "align".to_owned(),
                Check::SizeExpr { key, .. } => format!("evaluated {key}"),
            })
            .collect()
    }

    #[test]
    fn each_field_checks_its_keys_both_ways_and_its_alignment() {
        with_plan(TokenStream::new(), plant(), |plan| {
            assert_eq!(
                kinds(&plan.entries[1].checks),
                [
                    "takes len",
                    "does not need capacity",
                    "does not need count",
                    "does not need max",
                    "does not need participants",
                    "align"
                ]
            );
            // 1000 is not a power of two: whether `len` needs one is the type's to say.
            assert_eq!(
                kinds(&plan.entries[0].checks),
                [
                    "takes len",
                    "does not need capacity",
                    "no power of two for len",
                    "does not need count",
                    "does not need max",
                    "does not need participants",
                    "align"
                ]
            );
            assert_eq!(
                kinds(&plan.entries[2].checks),
                [
                    "takes capacity",
                    "does not need len",
                    "no power of two for capacity",
                    "does not need count",
                    "does not need max",
                    "does not need participants",
                    "align"
                ]
            );
            // 64 is a power of two: no check is needed for it.
            assert_eq!(
                kinds(&plan.entries[3].checks),
                [
                    "takes capacity",
                    "does not need len",
                    "does not need count",
                    "does not need max",
                    "does not need participants",
                    "align"
                ]
            );
        });
    }

    #[test]
    fn messages_name_the_type_the_field_and_the_fix() {
        with_plan(TokenStream::new(), plant(), |plan| {
            let Check::NoPowerOfTwoNeeded { message, .. } = &plan.entries[2].checks[2] else {
                panic!("{:?}", plan.entries[2].checks)
            };
            assert_eq!(
                message,
                "zeroipc: `Fifo<i32>` needs a power of two for `capacity`, and 100 is not one; use `capacity = 128`, the next power of two"
            );
            let Check::DoesNotNeed { message, .. } = &plan.entries[0].checks[1] else {
                panic!()
            };
            assert_eq!(
                message,
                "zeroipc: `Samples<f32>` needs `capacity = N`, its number of slots: add `#[zeroipc(capacity = N)]` to field `temps`, with N at least 1"
            );
            let Check::Takes { prefix, suffix, .. } = &plan.entries[0].checks[0] else {
                panic!()
            };
            assert_eq!(
                prefix,
                "zeroipc: `Samples<f32>` does not take `len` (field `temps`); it takes "
            );
            assert_eq!(suffix, ", besides `name`");
        });
    }

    #[test]
    fn a_field_without_keys_checks_every_key() {
        with_plan(
            TokenStream::new(),
            quote!(
                struct S {
                    lock: Lock,
                }
            ),
            |plan| {
                assert_eq!(plan.entries[0].n, 0);
                assert_eq!(plan.entries[0].params, []);
                assert_eq!(
                    kinds(&plan.entries[0].checks),
                    [
                        "does not need len",
                        "does not need capacity",
                        "does not need count",
                        "does not need max",
                        "does not need participants",
                        "align"
                    ]
                );
            },
        );
    }

    #[test]
    fn parameter_keys_are_passed_on_and_checked_against_the_type() {
        with_plan(
            TokenStream::new(),
            quote!(
                struct S {
                    #[zeroipc(count = 11, max = 10)]
                    sem: Permits,
                    #[zeroipc(participants = 0)]
                    phase: Rendezvous,
                }
            ),
            |plan| {
                assert_eq!(plan.entries[0].n, 0);
                assert_eq!(plan.entries[0].params, [("count", 11), ("max", 10)]);
                assert_eq!(
                    kinds(&plan.entries[0].checks),
                    [
                        "does not need len",
                        "does not need capacity",
                        "takes count",
                        "fits 11",
                        "count not above max",
                        "takes max",
                        "fits 10",
                        "does not need participants",
                        "align"
                    ]
                );
                assert_eq!(
                    kinds(&plan.entries[1].checks),
                    [
                        "does not need len",
                        "does not need capacity",
                        "takes participants",
                        "fits 0",
                        "not zero participants",
                        "does not need count",
                        "does not need max",
                        "align"
                    ]
                );
                let Check::NotAbove { message, .. } = &plan.entries[0].checks[4] else {
                    panic!("{:?}", plan.entries[0].checks)
                };
                assert_eq!(
                    message,
                    "zeroipc: `Permits` needs `count` no larger than `max` (field `sem`), and 11 is larger than 10; raise `max` or lower `count`"
                );
                let Check::NotZero { message, .. } = &plan.entries[1].checks[4] else {
                    panic!()
                };
                assert_eq!(
                    message,
                    "zeroipc: `Rendezvous` needs `participants` of at least 1 (field `phase`), the number of participants that open it; use `participants = 1` or more"
                );
            },
        );
    }
}
