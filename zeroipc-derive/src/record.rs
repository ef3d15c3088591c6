//! `#[derive(zeroipc::Record)]`: a `#[repr(C)]` struct without padding becomes plain old data
//! (`bytemuck::Zeroable` and `Pod`) that describes itself for the schema (`Describe`): its
//! name, size, and each field's name, offset and type.
//!
//! What the tokens show is checked here (a struct with named fields, `#[repr(C)]` and no
//! other representation, no generics); what needs types (no padding, every field's type
//! describes itself and so is plain old data) becomes `const` checks in the generated code.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

/// The expansion, or the errors.
pub(crate) fn expand(input: &DeriveInput) -> TokenStream {
    match check(input) {
        Ok(fields) => emit(input, &fields),
        Err(e) => e.to_compile_error(),
    }
}

fn check(input: &DeriveInput) -> syn::Result<Vec<&syn::Field>> {
    let ident = &input.ident;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            Span::call_site(),
            format!(
                "zeroipc: `Record` goes on a struct with named fields; `{ident}` is not a struct"
            ),
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new(
            data.fields.span(),
            format!("zeroipc: `Record` needs named fields: the schema records each field by name, and `{ident}` has none"),
        ));
    };
    if named.named.is_empty() {
        return Err(syn::Error::new(
            ident.span(),
            format!("zeroipc: `{ident}` has no fields; a record holds at least one"),
        ));
    }
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            format!("zeroipc: `Record` cannot be derived for a generic struct: `{ident}`'s layout must be one, known when it is declared"),
        ));
    }
    let mut repr_c = false;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("repr")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("C") {
                repr_c = true;
                Ok(())
            } else {
                Err(meta.error(format!(
                    "zeroipc: a record is `#[repr(C)]` and nothing else: `{ident}`'s layout must be the one every language computes (no `packed`, `align` or integer representation)"
                )))
            }
        })?;
    }
    if !repr_c {
        return Err(syn::Error::new(
            ident.span(),
            format!("zeroipc: `{ident}` needs `#[repr(C)]` to derive `Record`: without it Rust may reorder its fields, and no other language could read them"),
        ));
    }
    Ok(named.named.iter().collect())
}

fn emit(input: &DeriveInput, fields: &[&syn::Field]) -> TokenStream {
    let p = quote!(::zeroipc::__private);
    let ident = &input.ident;
    let name = ident.to_string();
    let types: Vec<&syn::Type> = fields.iter().map(|f| &f.ty).collect();
    let descs = fields.iter().map(|f| {
        let field = f.ident.as_ref().expect("named fields");
        let field_name = field.to_string();
        let field_name = field_name.strip_prefix("r#").unwrap_or(&field_name);
        let ty = &f.ty;
        quote_spanned! {ty.span()=>
            #p::FieldDesc {
                name: #field_name,
                offset: ::core::mem::offset_of!(#ident, #field),
                ty: &<#ty as #p::Describe>::TYPE,
            }
        }
    });
    let padding = format!(
        "zeroipc: `{name}` has padding (bytes between or after its fields that belong to no field), which a record cannot have: another process could read them as anything; reorder the fields from the most aligned to the least, or add explicit fields for the padding"
    );
    quote! {
        const _: () = {
            ::core::assert!(
                ::core::mem::size_of::<#ident>() == 0 #(+ ::core::mem::size_of::<#types>())*,
                #padding
            );
        };

        // SAFETY (of both impls): the struct is `#[repr(C)]` (checked by the derive), has no
        // padding (the assertion above), and each field's type implements `Describe`, whose
        // supertrait is `Pod` (the impl below names `<Field as Describe>::TYPE` for each), so
        // every bit pattern, all zeros included, is a valid value.
        unsafe impl #p::bytemuck::Zeroable for #ident {}
        unsafe impl #p::bytemuck::Pod for #ident {}

        impl #p::Describe for #ident {
            const TYPE: #p::TypeDesc = #p::TypeDesc::Record {
                name: #name,
                size: ::core::mem::size_of::<#ident>(),
                fields: &[#(#descs),*],
            };
        }
    }
}
