//! The arguments of `#[zeroipc::segment(...)]` and of the field attributes
//! `#[zeroipc(...)]`: every attribute name and key the macro knows is a constant here, and
//! this is the only place that parses them.
//!
//! Keys are known to the macro, types are not: which key a field's type takes is the
//! runtime's business (`zeroipc::__private::Declare`), checked in the generated code.

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, ExprLit, Lit, LitInt, LitStr, Meta};

use crate::ctxt::Ctxt;

/// The field attribute: `#[zeroipc(...)]`.
pub(crate) const ZEROIPC: &str = "zeroipc";
/// Field key: the table name, `name = "..."`.
pub(crate) const NAME: &str = "name";
/// Struct argument: the table's entry slots, `max_entries = N`.
pub(crate) const MAX_ENTRIES: &str = "max_entries";
/// Struct argument: the path of the runtime crate, `crate = "..."`.
pub(crate) const CRATE: &str = "crate";

/// A key whose value sizes a structure.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SizeKey {
    /// The key as written.
    pub(crate) name: &'static str,
    /// What its value counts, for messages.
    pub(crate) counts: &'static str,
}

/// Field key: a number of elements, `len = N`.
pub(crate) const LEN: SizeKey = SizeKey {
    name: "len",
    counts: "its number of elements",
};
/// Field key: a number of slots, `capacity = N`.
pub(crate) const CAPACITY: SizeKey = SizeKey {
    name: "capacity",
    counts: "its number of slots",
};
/// Every size key. A field takes at most one; its value is the `N` of `Declare<N>`.
pub(crate) const SIZE_KEYS: &[&SizeKey] = &[&LEN, &CAPACITY];

/// A key whose value is a parameter of a structure that does not change its size (an initial
/// count, a number of participants): handed to `Declare::declare` in a `Params` value,
/// checked against the type's keys in the generated code.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ParamKey {
    /// The key as written.
    pub(crate) name: &'static str,
    /// What its value is, for messages.
    pub(crate) means: &'static str,
}

/// Field key: an initial count, `count = N`.
pub(crate) const COUNT: ParamKey = ParamKey {
    name: "count",
    means: "its initial count",
};
/// Field key: a largest count, `max = N` (0: unbounded).
pub(crate) const MAX: ParamKey = ParamKey {
    name: "max",
    means: "its largest count",
};
/// Field key: a number of participants, `participants = N`.
pub(crate) const PARTICIPANTS: ParamKey = ParamKey {
    name: "participants",
    means: "the number of participants that open it",
};
/// Every parameter key. A field takes each at most once.
pub(crate) const PARAM_KEYS: &[&ParamKey] = &[&COUNT, &MAX, &PARTICIPANTS];

/// The arguments of `#[zeroipc::segment(...)]`.
#[derive(Default)]
pub(crate) struct SegmentArgs {
    /// `max_entries = N`, with the literal.
    pub(crate) max_entries: Option<(u32, LitInt)>,
    /// `crate = "path"`, parsed, spanned at the string.
    pub(crate) krate: Option<syn::Path>,
}

/// The keys of a field's `#[zeroipc(...)]` attributes.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    /// Size keys in the order written, each with its key and its literal.
    pub(crate) sizes: Vec<SizeArg>,
    /// Parameter keys in the order written, each with its key and its literal.
    pub(crate) params: Vec<ParamArg>,
    /// `name = "..."`.
    pub(crate) name: Option<LitStr>,
}

/// One size key of a field.
pub(crate) struct SizeArg {
    pub(crate) key: &'static SizeKey,
    /// The key as written, for spans.
    pub(crate) key_path: syn::Path,
    /// The literal's value; 1 for a constant expression, whose checks (not zero, a power of
    /// two where the type needs one) are generated instead (see `expr`).
    pub(crate) value: u64,
    pub(crate) lit: LitInt,
    /// The value as written when it is a constant expression (`SENSORS`, `2 * N`) rather than
    /// an integer literal: a `usize` the compiler evaluates.
    pub(crate) expr: Option<Expr>,
}

/// One parameter key of a field.
pub(crate) struct ParamArg {
    pub(crate) key: &'static ParamKey,
    /// The key as written, for spans.
    pub(crate) key_path: syn::Path,
    pub(crate) value: u64,
    pub(crate) lit: LitInt,
}

/// Parses the arguments of `#[zeroipc::segment(...)]`, reporting mistakes to `cx`.
pub(crate) fn parse_segment_args(args: TokenStream, cx: &mut Ctxt) -> SegmentArgs {
    let mut out = SegmentArgs::default();
    if args.is_empty() {
        return out;
    }
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident(MAX_ENTRIES) {
            if out.max_entries.is_some() {
                cx.error_spanned_by(&meta.path, "zeroipc: `max_entries` is given twice");
            }
            let lit = int_value(&meta, "max_entries = 64")?;
            match lit.base10_parse::<u32>() {
                Ok(n) => out.max_entries = Some((n, lit)),
                Err(_) => cx.error_spanned_by(
                    &lit,
                    format!(
                        "zeroipc: `max_entries = {}` does not fit the table header's u32; use 1 to {}",
                        lit.base10_digits(),
                        u32::MAX
                    ),
                ),
            }
            Ok(())
        } else if meta.path.is_ident(CRATE) {
            if out.krate.is_some() {
                cx.error_spanned_by(&meta.path, "zeroipc: `crate` is given twice");
            }
            let lit = str_value(&meta, "crate = \"zeroipc\"")?;
            match lit.parse_with(syn::Path::parse_mod_style) {
                Ok(path) => out.krate = Some(path),
                Err(_) => cx.error_spanned_by(
                    &lit,
                    format!(
                        "zeroipc: `crate = {:?}` is not a path; give the path of the zeroipc crate, as in `crate = \"my_crate::zeroipc\"`",
                        lit.value()
                    ),
                ),
            }
            Ok(())
        } else {
            Err(meta.error(format!(
                "zeroipc: unknown argument `{}` of `#[zeroipc::segment(...)]`; accepted: `{MAX_ENTRIES} = N`, `{CRATE} = \"path\"`",
                path_text(&meta.path)
            )))
        }
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, args) {
        cx.syn_error(e);
    }
    out
}

/// The integer value of a `key = N` argument of field `field`. A key given before (`given`)
/// is reported and its value still taken; a value past `u64` is reported and skipped (`None`),
/// `what` naming it in the message ("a size", "a value"); `example` is the value shown when
/// the argument is not an integer at all.
fn int_arg(
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
    what: &str,
    given: bool,
    field: &str,
    cx: &mut Ctxt,
) -> syn::Result<Option<(u64, LitInt)>> {
    let lit = int_value(meta, &format!("{key} = {example}"))?;
    if given {
        cx.error_spanned_by(
            &meta.path,
            format!("zeroipc: `{key}` is given twice for field `{field}`"),
        );
    }
    if let Ok(value) = lit.base10_parse::<u64>() {
        return Ok(Some((value, lit)));
    }
    cx.error_spanned_by(
        &lit,
        format!(
            "zeroipc: `{key} = {}` is too large; {what} is at most {}",
            lit.base10_digits(),
            u64::MAX
        ),
    );
    Ok(None)
}

/// Parses every `#[zeroipc(...)]` attribute of a field (there may be several; their keys
/// add up), reporting mistakes to `cx`. Other attributes are left alone.
pub(crate) fn parse_field_attrs(attrs: &[Attribute], field: &str, cx: &mut Ctxt) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| is_zeroipc(a)) {
        if !matches!(attr.meta, Meta::List(_)) {
            cx.error_spanned_by(
                attr,
                "zeroipc: expected `#[zeroipc(key = value, ...)]` with keys `len`, `capacity`, `count`, `max`, `participants` or `name`",
            );
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(NAME) {
                let lit = str_value(&meta, "name = \"sensor_data\"")?;
                if out.name.is_some() {
                    cx.error_spanned_by(
                        &meta.path,
                        format!("zeroipc: `name` is given twice for field `{field}`"),
                    );
                }
                out.name = Some(lit);
                return Ok(());
            }
            if let Some(key) = SIZE_KEYS.iter().find(|k| meta.path.is_ident(k.name)) {
                let given = out.sizes.iter().any(|s| s.key == *key);
                if let Some(expr) = const_expr(&meta)? {
                    if given {
                        cx.error_spanned_by(
                            &meta.path,
                            format!("zeroipc: `{}` is given twice for field `{field}`", key.name),
                        );
                    }
                    out.sizes.push(SizeArg {
                        key,
                        key_path: meta.path.clone(),
                        value: 1,
                        lit: LitInt::new("1", proc_macro2::Span::call_site()),
                        expr: Some(expr),
                    });
                } else if let Some((value, lit)) =
                    int_arg(&meta, key.name, "16", "a size", given, field, cx)?
                {
                    out.sizes.push(SizeArg {
                        key,
                        key_path: meta.path.clone(),
                        value,
                        lit,
                        expr: None,
                    });
                }
                return Ok(());
            }
            if let Some(key) = PARAM_KEYS.iter().find(|k| meta.path.is_ident(k.name)) {
                let given = out.params.iter().any(|p| p.key == *key);
                if let Some((value, lit)) = int_arg(&meta, key.name, "2", "a value", given, field, cx)? {
                    out.params.push(ParamArg {
                        key,
                        key_path: meta.path.clone(),
                        value,
                        lit,
                    });
                }
                return Ok(());
            }
            let written = path_text(&meta.path);
            let hint = closest_key(&written)
                .map(|k| format!("did you mean `{k}`? "))
                .unwrap_or_default();
            // Skip the value, so that one unknown key does not hide the keys after it.
            if meta.input.peek(syn::Token![=]) {
                let _: Expr = meta.value()?.parse()?;
            }
            cx.error_spanned_by(
                &meta.path,
                format!(
                    "zeroipc: unknown key `{written}` in `#[zeroipc(...)]`; {hint}accepted keys: {}",
                    accepted_field_keys()
                ),
            );
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

/// Whether `attr` is one of ours, `#[zeroipc(...)]`.
pub(crate) fn is_zeroipc(attr: &Attribute) -> bool {
    attr.path().is_ident(ZEROIPC)
}

/// `` `len = N`, `capacity = N`, `count = N`, `max = N`, `participants = N`, `name = "..."` ``
pub(crate) fn accepted_field_keys() -> String {
    let mut keys: Vec<String> = SIZE_KEYS
        .iter()
        .map(|k| k.name)
        .chain(PARAM_KEYS.iter().map(|k| k.name))
        .map(|k| format!("`{k} = N`"))
        .collect();
    keys.push(format!("`{NAME} = \"...\"`"));
    keys.join(", ")
}

/// The value of `key = <expression>` when it is a constant expression other than a literal
/// (a path such as `SENSORS`, arithmetic such as `2 * N`, a call of a `const fn`, in
/// parentheses or a block); `None`, with nothing consumed, for a literal or no `=`, which
/// `int_value` then reads (and refuses unless an integer).
fn const_expr(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Expr>> {
    let fork = meta.input.fork();
    if fork.parse::<syn::Token![=]>().is_err() {
        return Ok(None);
    }
    let expr: Expr = fork.parse()?;
    // A literal, or a negated one, is read as a literal (and a negative one refused).
    let negated_literal = matches!(&expr, Expr::Unary(u) if matches!(*u.expr, Expr::Lit(_)));
    let constant = matches!(
        expr,
        Expr::Path(_)
            | Expr::Binary(_)
            | Expr::Unary(_)
            | Expr::Paren(_)
            | Expr::Call(_)
            | Expr::MethodCall(_)
            | Expr::Block(_)
            | Expr::Cast(_)
            | Expr::Field(_)
            | Expr::Index(_)
    );
    if constant && !negated_literal {
        let expr: Expr = meta.value()?.parse()?;
        Ok(Some(expr))
    } else {
        Ok(None)
    }
}

/// The value of `key = <integer literal>`.
fn int_value(meta: &ParseNestedMeta<'_>, example: &str) -> syn::Result<LitInt> {
    let key = path_text(&meta.path);
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => Ok(lit),
        other => Err(syn::Error::new_spanned(
            other,
            format!("zeroipc: `{key}` takes an integer literal, as in `{example}`"),
        )),
    }
}

/// The value of `key = "<string literal>"`.
fn str_value(meta: &ParseNestedMeta<'_>, example: &str) -> syn::Result<LitStr> {
    let key = path_text(&meta.path);
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(lit),
        other => Err(syn::Error::new_spanned(
            other,
            format!("zeroipc: `{key}` takes a string literal, as in `{example}`"),
        )),
    }
}

fn path_text(path: &syn::Path) -> String {
    quote::ToTokens::to_token_stream(path)
        .to_string()
        .replace(' ', "")
}

/// The known field key nearest to a misspelt one, if it is near enough to be a typo.
fn closest_key(written: &str) -> Option<&'static str> {
    SIZE_KEYS
        .iter()
        .map(|k| k.name)
        .chain([NAME])
        .chain(PARAM_KEYS.iter().map(|k| k.name))
        .map(|k| (edit_distance(written, k), k))
        .filter(|&(d, k)| d > 0 && (d <= k.len() / 3 + 1 || shares_prefix(written, k)))
        // A key the misspelling shares a prefix with first (`cap`, `maximum`), then the nearest.
        .min_by_key(|&(d, k)| (!shares_prefix(written, k), d))
        .map(|(_, k)| k)
}

/// Whether one starts with the other's first three characters or more (`lenght`, `cap`).
fn shares_prefix(written: &str, key: &str) -> bool {
    written.len() >= 3
        && (written.starts_with(key)
            || key.starts_with(written)
            || written.starts_with(&key[..3.min(key.len())]))
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = prev + usize::from(ca != cb);
            prev = row[j + 1];
            row[j + 1] = substitute.min(prev + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;
    use syn::parse_quote;

    fn messages(cx: Ctxt) -> Vec<String> {
        match cx.check() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn segment_args_default_to_nothing() {
        let mut cx = Ctxt::new();
        let args = parse_segment_args(TokenStream::new(), &mut cx);
        assert!(args.max_entries.is_none() && args.krate.is_none());
        assert!(messages(cx).is_empty());
    }

    #[test]
    fn segment_args_read_max_entries_and_crate() {
        let mut cx = Ctxt::new();
        let args = parse_segment_args(quote!(max_entries = 8, crate = "::my::zeroipc"), &mut cx);
        assert_eq!(args.max_entries.map(|(n, _)| n), Some(8));
        let krate = args.krate.unwrap();
        assert_eq!(quote!(#krate).to_string(), ":: my :: zeroipc");
        assert!(messages(cx).is_empty());
    }

    #[test]
    fn segment_args_reject_unknown_and_malformed() {
        let mut cx = Ctxt::new();
        parse_segment_args(quote!(max_entry = 8), &mut cx);
        let m = messages(cx);
        assert!(
            m[0].starts_with("zeroipc: unknown argument `max_entry`"),
            "{m:?}"
        );

        let mut cx = Ctxt::new();
        parse_segment_args(quote!(max_entries = "8"), &mut cx);
        let m = messages(cx);
        assert!(m[0].contains("takes an integer literal"), "{m:?}");

        let mut cx = Ctxt::new();
        parse_segment_args(quote!(max_entries = 5000000000), &mut cx);
        assert!(messages(cx)[0].contains("does not fit"));

        let mut cx = Ctxt::new();
        parse_segment_args(quote!(crate = "not a path"), &mut cx);
        assert!(messages(cx)[0].contains("is not a path"));
    }

    #[test]
    fn field_keys_are_read_from_every_zeroipc_attribute() {
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[doc = "temperatures"]),
            parse_quote!(#[zeroipc(len = 1_000)]),
            parse_quote!(#[zeroipc(name = "sensor_data")]),
        ];
        let mut cx = Ctxt::new();
        let parsed = parse_field_attrs(&attrs, "temps", &mut cx);
        assert!(messages(cx).is_empty());
        assert_eq!(parsed.sizes.len(), 1);
        assert_eq!(parsed.sizes[0].key, &LEN);
        assert_eq!(parsed.sizes[0].value, 1000);
        assert_eq!(parsed.name.unwrap().value(), "sensor_data");
    }

    #[test]
    fn unknown_keys_are_reported_with_a_suggestion_and_parsing_goes_on() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[zeroipc(lenght = 4, capacity = 8)])];
        let mut cx = Ctxt::new();
        let parsed = parse_field_attrs(&attrs, "x", &mut cx);
        let m = messages(cx);
        assert_eq!(m.len(), 1);
        assert!(
            m[0].starts_with(
                "zeroipc: unknown key `lenght` in `#[zeroipc(...)]`; did you mean `len`?"
            ),
            "{m:?}"
        );
        assert!(m[0].contains("`capacity = N`"));
        assert_eq!(parsed.sizes[0].key, &CAPACITY);
    }

    #[test]
    fn values_of_the_wrong_kind_are_errors() {
        for (attr, text) in [
            (
                parse_quote!(#[zeroipc(name = sensor_data)]),
                "`name` takes a string literal",
            ),
            (
                parse_quote!(#[zeroipc(name = 5)]),
                "`name` takes a string literal",
            ),
            (
                parse_quote!(#[zeroipc(len = "5")]),
                "`len` takes an integer literal",
            ),
            (
                parse_quote!(#[zeroipc(len = -5)]),
                "`len` takes an integer literal",
            ),
            (
                parse_quote!(#[zeroipc]),
                "expected `#[zeroipc(key = value, ...)]`",
            ),
            (
                parse_quote!(#[zeroipc(len = 4, len = 5)]),
                "`len` is given twice",
            ),
        ] {
            let attr: Attribute = attr;
            let mut cx = Ctxt::new();
            parse_field_attrs(&[attr], "x", &mut cx);
            let m = messages(cx);
            assert!(m.iter().any(|m| m.contains(text)), "{text}: {m:?}");
        }
    }

    #[test]
    fn typos_near_a_key_are_suggested_and_others_are_not() {
        assert_eq!(closest_key("lne"), Some("len"));
        assert_eq!(closest_key("capacty"), Some("capacity"));
        assert_eq!(closest_key("nmae"), Some("name"));
        assert_eq!(closest_key("mode"), None);
        assert_eq!(closest_key("cap"), Some("capacity"));
        assert_eq!(closest_key("length"), Some("len"));
        assert_eq!(closest_key("participant"), Some("participants"));
        assert_eq!(closest_key("cuont"), Some("count"));
        assert_eq!(closest_key("maximum"), Some("max"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
