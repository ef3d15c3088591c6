//! The `#[zeroipc::segment]` attribute macro. Use it through the `zeroipc` crate, which
//! re-exports it and owns every item the generated code names.
//!
//! The pipeline, one module per stage: `ast` and `attr` parse, `validate` checks what the
//! tokens show, `layout` plans the entries and the compile-time checks on their types, `emit`
//! writes the code. Errors gather in a `ctxt::Ctxt`, so that every mistake is reported at
//! once; on error the struct is emitted as written, beside the errors.

#![deny(unsafe_op_in_unsafe_fn)]

mod ast;
mod attr;
mod ctxt;
mod emit;
mod layout;
mod validate;

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};

/// Declares a shared-memory segment as a struct of typed handles.
///
/// See the `zeroipc` crate for the accepted forms.
#[proc_macro_attribute]
pub fn segment(args: TokenStream, input: TokenStream) -> TokenStream {
    expand(args.into(), &input.into()).into()
}

/// Parse, validate, lay out and emit; or the errors and the item as written.
fn expand(args: TokenStream2, input: &TokenStream2) -> TokenStream2 {
    let Ok(item) = syn::parse2::<syn::DeriveInput>(input.clone()) else {
        let error = syn::Error::new(
                Span::call_site(),
                "zeroipc: `#[zeroipc::segment]` goes on a struct with named fields, one per table entry",
            )
            .to_compile_error();
        return quote::quote!(#error #input);
    };
    let mut cx = ctxt::Ctxt::new();
    let seg = ast::parse(args, &item, &mut cx);
    validate::check(&seg, &mut cx);
    match cx.check() {
        Ok(()) => emit::segment(&layout::plan(&seg)),
        Err(errors) => emit::fallback(&item, &errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn a_valid_declaration_expands_to_the_struct_and_its_items() {
        let out = expand(
            quote!(),
            &quote! {
                pub struct Plant {
                    #[zeroipc(len = 1000, name = "sensor_data")]
                    pub temps: Array<f32>,
                }
            },
        )
        .to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(!out.contains("# [zeroipc"), "{out}");
        assert!(
            out.contains("__zeroipc_memory : :: zeroipc :: __private :: Memory"),
            "{out}"
        );
        assert!(
            out.contains("< Array < f32 > as :: zeroipc :: __private :: Declare < 1000 >>"),
            "{out}"
        );
        assert!(out.contains("pub fn create (name : & str)"), "{out}");
    }

    #[test]
    fn the_crate_argument_replaces_every_runtime_path() {
        let out = expand(
            quote!(crate = "my::zipc"),
            &quote!(
                struct S {
                    #[zeroipc(len = 1)]
                    a: Array<u8>,
                }
            ),
        )
        .to_string();
        assert!(!out.contains(":: zeroipc ::"), "{out}");
        assert!(out.contains("my :: zipc :: __private :: Declare"));
    }

    #[test]
    fn errors_come_with_the_struct_less_our_attributes() {
        let out = expand(
            quote!(),
            &quote!(
                struct S {
                    #[zeroipc(len = 0)]
                    #[doc = "kept"]
                    a: Array<u8>,
                }
            ),
        )
        .to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("struct S"), "{out}");
        assert!(out.contains("# [doc = \"kept\"]"), "{out}");
        assert!(!out.contains("# [zeroipc"), "{out}");
        assert!(!out.contains("impl S"), "{out}");
    }

    #[test]
    fn something_other_than_a_type_definition_is_passed_through_with_an_error() {
        let out = expand(
            quote!(),
            &quote!(
                fn f() {}
            ),
        )
        .to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("fn f"), "{out}");
    }
}
