//! Validate: the rules a declaration must keep that the macro can see from its tokens alone.
//! Every problem is reported (to the `Ctxt`), not only the first.
//!
//! What depends on types (whether a key belongs to the field's type, element alignment,
//! elements that are not plain old data, power-of-two capacities) is not decided here: the
//! macro knows no structure by name, so those checks are emitted as code (see `layout`).
//! Neither are the format's limits (the longest table name, the default table size): the
//! runtime owns them, in `zeroipc::layout`, and the checks against them are emitted too.

use std::collections::HashMap;

use proc_macro2::Span;
use quote::ToTokens;
use syn::Type;

use crate::ast::{Field, Segment, Shape};
use crate::ctxt::Ctxt;

/// Prefix of the items the macro adds to the user's code.
pub(crate) const RESERVED_PREFIX: &str = "__zeroipc_";

const NAMED_FIELDS: &str = "`#[zeroipc::segment]` goes on a struct with named fields, one per table entry, as in `struct Plant { #[zeroipc(len = 16)] temps: Structure<f32>, .. }`";

/// Checks a parsed declaration, reporting every problem to `cx`.
pub(crate) fn check(seg: &Segment<'_>, cx: &mut Ctxt) {
    match seg.shape {
        Shape::Named => {}
        Shape::Tuple(span) => {
            cx.error_at(
                span,
                format!("zeroipc: a tuple struct cannot be a segment: {NAMED_FIELDS}"),
            );
            return;
        }
        Shape::Unit(span) => {
            cx.error_at(
                span,
                format!("zeroipc: a unit struct cannot be a segment: {NAMED_FIELDS}"),
            );
            return;
        }
        Shape::Enum(span) => {
            cx.error_at(
                span,
                format!("zeroipc: an enum cannot be a segment: {NAMED_FIELDS}"),
            );
            return;
        }
        Shape::Union(span) => {
            cx.error_at(
                span,
                format!("zeroipc: a union cannot be a segment: {NAMED_FIELDS}"),
            );
            return;
        }
    }
    check_generics(seg, cx);
    check_table_size(seg, cx);
    check_names(seg, cx);
    for (index, field) in seg.fields.iter().enumerate() {
        check_field(field, index, cx);
    }
}

fn check_generics(seg: &Segment<'_>, cx: &mut Ctxt) {
    let generics = &seg.input.generics;
    if !generics.params.is_empty() {
        cx.error_spanned_by(
            generics,
            "zeroipc: a segment struct cannot have generic parameters: its layout (entry sizes and offsets) is fixed at compile time; use concrete types, as in `Structure<f32>` rather than `Structure<T>`",
        );
    }
    if let Some(where_clause) = &generics.where_clause {
        cx.error_spanned_by(
            where_clause,
            "zeroipc: a segment struct cannot have a `where` clause: its field types are concrete",
        );
    }
}

/// The table size given against the field count. Without `max_entries` the table has the
/// runtime's default size, which the macro does not know: that case is a generated check.
fn check_table_size(seg: &Segment<'_>, cx: &mut Ctxt) {
    let fields = seg.fields.len();
    match &seg.args.max_entries {
        Some((0, lit)) => cx.error_spanned_by(
            lit,
            format!(
                "zeroipc: `max_entries = 0` leaves no room for any entry; use at least the number of fields and one for the schema ({}), or leave it out for the default table size",
                fields + 1
            ),
        ),
        Some((max, lit)) if fields + 1 > *max as usize => cx.error_spanned_by(
            lit,
            format!(
                "zeroipc: {fields} fields need {} table entries (one more for the schema) but `max_entries = {max}`; use `max_entries = {}` or more",
                fields + 1,
                fields + 1
            ),
        ),
        Some(_) | None => {}
    }
}

/// Entry names: not empty, without NUL, and each used once. (Their length is checked against
/// the runtime's limit in the generated code.)
fn check_names(seg: &Segment<'_>, cx: &mut Ctxt) {
    let mut seen: HashMap<String, String> = HashMap::new();
    for (index, field) in seg.fields.iter().enumerate() {
        let field_name = field.name(index);
        let (name, span) = table_name(field, index);
        let origin = match &field.attrs.name {
            Some(_) => format!("`name = {name:?}` of field `{field_name}`"),
            None => format!("the name of field `{field_name}`"),
        };
        if name.is_empty() {
            cx.error_at(
                span,
                "zeroipc: an empty table name cannot be stored; give a name of at least one byte",
            );
        } else if name.contains('\0') {
            cx.error_at(
                span,
                format!("zeroipc: table name {name:?} contains a NUL byte, which ends a name in the table; remove it"),
            );
        }
        match seen.get(&name) {
            Some(first) => cx.error_at(
                span,
                format!(
                    "zeroipc: table name {name:?} ({origin}) is already used by field `{first}`; every entry needs its own name: give one of them another with `#[zeroipc(name = \"...\")]`"
                ),
            ),
            None => {
                seen.insert(name, field_name);
            }
        }
    }
}

/// A field's table name and the span to blame for it.
pub(crate) fn table_name(field: &Field<'_>, index: usize) -> (String, Span) {
    match (&field.attrs.name, field.ident) {
        (Some(lit), _) => (lit.value(), lit.span()),
        (None, Some(ident)) => (field.name(index), ident.span()),
        (None, None) => (
            field.name(index),
            field
                .ty
                .to_token_stream()
                .into_iter()
                .next()
                .map_or_else(Span::call_site, |t| t.span()),
        ),
    }
}

fn check_field(field: &Field<'_>, index: usize, cx: &mut Ctxt) {
    let name = field.name(index);
    if name.starts_with(RESERVED_PREFIX) {
        cx.error_spanned_by(
            field.ident,
            format!("zeroipc: field names starting with `{RESERVED_PREFIX}` are reserved for the macro's own items; rename field `{name}`"),
        );
    }
    for a in &field.source.attrs {
        if a.path().is_ident("cfg") || a.path().is_ident("cfg_attr") {
            cx.error_spanned_by(
                a,
                format!("zeroipc: `#[cfg]` and `#[cfg_attr]` cannot go on a segment field (field `{name}`): the layout must be the same in every build and every process; declare two structs instead"),
            );
        }
    }
    if let [first, rest @ ..] = field.attrs.sizes.as_slice() {
        for other in rest.iter().filter(|o| o.key != first.key) {
            cx.error_spanned_by(
                &other.key_path,
                format!(
                    "zeroipc: field `{name}` has both `{}` and `{}`; a structure has one size: keep the one its type takes",
                    first.key.name, other.key.name
                ),
            );
        }
    }
    for size in &field.attrs.sizes {
        if size.value == 0 {
            cx.error_spanned_by(
                &size.lit,
                format!(
                    "zeroipc: `{} = 0` for field `{name}`: a structure holds at least one element; use 1 or more",
                    size.key.name
                ),
            );
        }
    }
    if !is_path_type(field.ty) {
        cx.error_spanned_by(
            field.ty,
            format!(
                "zeroipc: field `{name}` has type `{}`, which is not a zeroipc structure; a segment field's type is a structure of the zeroipc crate, named by its path (as in `Structure<f32>` or `zeroipc::Structure<f32>`)",
                type_text(field.ty)
            ),
        );
    }
}

/// Whether a type is a plain path (`Name<f32>`, `zeroipc::Name<u8>`), the only kind a
/// structure can be: references, tuples, slices, pointers and the like never are.
fn is_path_type(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path.qself.is_none(),
        Type::Group(group) => is_path_type(&group.elem),
        Type::Paren(paren) => is_path_type(&paren.elem),
        _ => false,
    }
}

/// A type as a person writes it (`Samples<f32>`, not `Samples < f32 >`), for messages.
pub(crate) fn type_text(ty: &Type) -> String {
    let mut text = ty.to_token_stream().to_string();
    for (from, to) in [
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" :: ", "::"),
        (":: ", "::"),
        (" ,", ","),
        (" ;", ";"),
        ("& ", "&"),
        ("[ ", "["),
        (" ]", "]"),
        ("( ", "("),
        (" )", ")"),
    ] {
        text = text.replace(from, to);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn errors(args: TokenStream, item: TokenStream) -> Vec<String> {
        let input: syn::DeriveInput = syn::parse2(item).unwrap();
        let mut cx = Ctxt::new();
        let seg = ast::parse(args, &input, &mut cx);
        check(&seg, &mut cx);
        match cx.check() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn the_issue_example_is_accepted() {
        let e = errors(
            TokenStream::new(),
            quote! {
                pub struct Plant {
                    #[zeroipc(len = 1000, name = "sensor_data")]
                    pub temps: Samples<f32>,
                    #[zeroipc(len = 16)]
                    pub counters: Samples<u64>,
                    #[zeroipc(capacity = 128)]
                    pub alarms: Fifo<i32>,
                    #[zeroipc(capacity = 64)]
                    pub history: zeroipc::Lifo<f64>,
                }
            },
        );
        assert!(e.is_empty(), "{e:?}");
    }

    #[test]
    fn shapes_other_than_named_structs_are_refused() {
        for (item, text) in [
            (
                quote!(
                    struct T(Samples<u8>);
                ),
                "a tuple struct cannot be a segment",
            ),
            (
                quote!(
                    struct U;
                ),
                "a unit struct cannot be a segment",
            ),
            (
                quote!(
                    enum E {
                        A,
                    }
                ),
                "an enum cannot be a segment",
            ),
            (quote!(union N { a: u8 }), "a union cannot be a segment"),
        ] {
            let e = errors(TokenStream::new(), item);
            assert_eq!(e.len(), 1, "{e:?}");
            assert!(e[0].starts_with(&format!("zeroipc: {text}")), "{e:?}");
        }
    }

    #[test]
    fn generics_are_refused() {
        let e = errors(
            TokenStream::new(),
            quote!(
                struct S<T>
                where
                    T: Copy,
                {
                    #[zeroipc(len = 1)]
                    a: Samples<T>,
                }
            ),
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("cannot have generic parameters"));
        assert!(e[1].contains("cannot have a `where` clause"));
    }

    #[test]
    fn names_are_checked_for_emptiness_and_duplicates_but_not_length() {
        let e = errors(
            TokenStream::new(),
            quote! {
                struct S {
                    #[zeroipc(len = 1)]
                    a_field_name_that_is_far_too_long_for_the_table: Samples<u8>,
                    #[zeroipc(len = 1)]
                    b: Samples<u8>,
                    #[zeroipc(len = 1, name = "b")]
                    c: Samples<u8>,
                    #[zeroipc(len = 1, name = "")]
                    d: Samples<u8>,
                }
            },
        );
        // The longest name is the runtime's to say: a generated check (see `layout`).
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains(
            r#"table name "b" (`name = "b"` of field `c`) is already used by field `b`"#
        ));
        assert!(e[1].contains("empty table name"));
    }

    #[test]
    fn table_size_is_checked_against_the_field_count() {
        let two = quote!(
            struct S {
                #[zeroipc(len = 1)]
                a: Samples<u8>,
                #[zeroipc(len = 1)]
                b: Samples<u8>,
            }
        );
        let e = errors(quote!(max_entries = 0), two.clone());
        assert!(
            e[0].starts_with("zeroipc: `max_entries = 0` leaves no room"),
            "{e:?}"
        );
        let e = errors(quote!(max_entries = 2), two.clone());
        assert!(
            e[0].contains(
                "2 fields need 3 table entries (one more for the schema) but `max_entries = 2`"
            ),
            "{e:?}"
        );
        assert!(errors(quote!(max_entries = 3), two).is_empty());

        let fields = (0..65).map(|i| {
            let ident = quote::format_ident!("f{i}");
            quote!(#[zeroipc(len = 1)] #ident: Samples<u8>)
        });
        // The default table size is the runtime's: a generated check (see `layout`).
        let e = errors(TokenStream::new(), quote!(struct Big { #(#fields),* }));
        assert!(e.is_empty(), "{e:?}");
    }

    #[test]
    fn sizes_must_be_nonzero_and_single() {
        let e = errors(
            TokenStream::new(),
            quote!(
                struct S {
                    #[zeroipc(len = 0)]
                    a: Samples<u8>,
                    #[zeroipc(len = 2, capacity = 2)]
                    b: Samples<u8>,
                }
            ),
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("`len = 0` for field `a`"));
        assert!(e[1].contains("has both `len` and `capacity`"));
    }

    #[test]
    fn types_that_cannot_be_structures_are_refused_by_the_macro() {
        let e = errors(
            TokenStream::new(),
            quote!(
                struct S {
                    a: [u8; 4],
                    b: &'static str,
                    c: (Samples<u8>,),
                    d: Samples<u8>,
                }
            ),
        );
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e[0].contains("field `a` has type `[u8; 4]`, which is not a zeroipc structure"),
            "{e:?}"
        );
        assert!(e[1].contains("field `b` has type `&'static str`"), "{e:?}");
        assert!(
            e[2].contains("field `c` has type `(Samples<u8>,)`"),
            "{e:?}"
        );
    }

    #[test]
    fn reserved_names_and_cfg_are_refused() {
        let e = errors(
            TokenStream::new(),
            quote!(
                struct S {
                    #[zeroipc(len = 1)]
                    __zeroipc_memory: Samples<u8>,
                    #[cfg(unix)]
                    #[zeroipc(len = 1)]
                    b: Samples<u8>,
                }
            ),
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("reserved"));
        assert!(e[1].contains("`#[cfg]`"));
    }

    #[test]
    fn types_read_as_written() {
        let ty: Type = syn::parse_quote!(zeroipc::Samples<Option<[u8; 4]>>);
        assert_eq!(type_text(&ty), "zeroipc::Samples<Option<[u8; 4]>>");
        let ty: Type = syn::parse_quote!(&'static str);
        assert_eq!(type_text(&ty), "&'static str");
    }
}
