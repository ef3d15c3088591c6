//! Parse: the attribute's arguments and the item it is on, into the macro's own view of a
//! declared segment. Nothing is judged here beyond what parsing needs; `validate` decides
//! what is acceptable.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::attr::{self, FieldAttrs, SegmentArgs};
use crate::ctxt::Ctxt;

/// A declared segment, as written.
pub(crate) struct Segment<'a> {
    pub(crate) input: &'a DeriveInput,
    pub(crate) args: SegmentArgs,
    pub(crate) shape: Shape,
    /// The fields, named or not, in declaration order (none for an enum or a union).
    pub(crate) fields: Vec<Field<'a>>,
}

/// What kind of item the attribute is on.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    /// `struct S { a: A, .. }`: the one accepted shape.
    Named,
    /// `struct S(A, ..);`, spanned at the parentheses' contents.
    Tuple(Span),
    /// `struct S;`
    Unit(Span),
    /// `enum E { .. }`, spanned at `enum`.
    Enum(Span),
    /// `union U { .. }`, spanned at `union`.
    Union(Span),
}

/// One field.
pub(crate) struct Field<'a> {
    /// The field as written.
    pub(crate) source: &'a syn::Field,
    /// `None` in a tuple struct.
    pub(crate) ident: Option<&'a Ident>,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: FieldAttrs,
}

impl Field<'_> {
    /// The field's name without a raw-identifier prefix, or its index in a tuple struct.
    pub(crate) fn name(&self, index: usize) -> String {
        match self.ident {
            Some(ident) => syn::ext::IdentExt::unraw(ident).to_string(),
            None => index.to_string(),
        }
    }
}

/// Parses `#[zeroipc::segment(args)]` on `input`, reporting what cannot be parsed to `cx`.
pub(crate) fn parse<'a>(args: TokenStream, input: &'a DeriveInput, cx: &mut Ctxt) -> Segment<'a> {
    let args = attr::parse_segment_args(args, cx);
    let (shape, fields) = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => (Shape::Named, named.named.iter().collect()),
            Fields::Unnamed(unnamed) => (
                Shape::Tuple(unnamed.paren_token.span.join()),
                unnamed.unnamed.iter().collect(),
            ),
            Fields::Unit => (Shape::Unit(input.ident.span()), Vec::new()),
        },
        Data::Enum(data) => (Shape::Enum(data.enum_token.span()), Vec::new()),
        Data::Union(data) => (Shape::Union(data.union_token.span()), Vec::new()),
    };
    let fields = fields
        .into_iter()
        .enumerate()
        .map(|(index, field): (usize, &syn::Field)| {
            let name = match &field.ident {
                Some(ident) => syn::ext::IdentExt::unraw(ident).to_string(),
                None => index.to_string(),
            };
            Field {
                source: field,
                ident: field.ident.as_ref(),
                ty: &field.ty,
                attrs: attr::parse_field_attrs(&field.attrs, &name, cx),
            }
        })
        .collect();
    Segment {
        input,
        args,
        shape,
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parsed(args: TokenStream, item: TokenStream) -> (DeriveInput, Vec<String>) {
        let input: DeriveInput = syn::parse2(item).unwrap();
        let mut cx = Ctxt::new();
        parse(args, &input, &mut cx);
        let errors = match cx.check() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        };
        (input, errors)
    }

    #[test]
    fn named_fields_are_read_in_order_with_their_keys() {
        let input: DeriveInput = syn::parse2(quote! {
            pub struct Plant {
                #[zeroipc(len = 1000, name = "sensor_data")]
                pub temps: Samples<f32>,
                #[zeroipc(capacity = 128)]
                pub alarms: Fifo<i32>,
                pub r#type: Samples<u8>,
            }
        })
        .unwrap();
        let mut cx = Ctxt::new();
        let seg = parse(quote!(max_entries = 8), &input, &mut cx);
        assert!(matches!(seg.shape, Shape::Named));
        assert_eq!(seg.args.max_entries.as_ref().map(|m| m.0), Some(8));
        let names: Vec<String> = seg
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| f.name(i))
            .collect();
        assert_eq!(names, ["temps", "alarms", "type"]);
        assert_eq!(seg.fields[0].attrs.sizes[0].value, 1000);
        assert_eq!(
            seg.fields[0].attrs.name.as_ref().unwrap().value(),
            "sensor_data"
        );
        assert_eq!(seg.fields[1].attrs.sizes[0].key.name, "capacity");
        assert!(seg.fields[2].attrs.sizes.is_empty());
        drop(seg);
        assert!(cx.check().is_ok());
    }

    #[test]
    fn other_shapes_are_recorded_for_validation() {
        for (item, expect) in [
            (
                quote!(
                    struct T(Samples<u8>);
                ),
                "tuple",
            ),
            (
                quote!(
                    struct U;
                ),
                "unit",
            ),
            (
                quote!(
                    enum E {
                        A,
                    }
                ),
                "enum",
            ),
            (quote!(union N { a: u8 }), "union"),
        ] {
            let input: DeriveInput = syn::parse2(item).unwrap();
            let mut cx = Ctxt::new();
            let seg = parse(TokenStream::new(), &input, &mut cx);
            let kind = match seg.shape {
                Shape::Tuple(_) => "tuple",
                Shape::Unit(_) => "unit",
                Shape::Enum(_) => "enum",
                Shape::Union(_) => "union",
                Shape::Named => "named",
            };
            assert_eq!(kind, expect);
        }
    }

    #[test]
    fn attribute_mistakes_of_every_field_are_collected() {
        let (_, errors) = parsed(
            quote!(max_entrys = 3),
            quote! {
                struct S {
                    #[zeroipc(size = 4)]
                    a: Samples<u8>,
                    #[zeroipc(name = b)]
                    b: Samples<u8>,
                }
            },
        );
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].contains("unknown argument `max_entrys`"));
        assert!(errors[1].contains("unknown key `size`"));
        assert!(errors[2].contains("`name` takes a string literal"));
    }
}
