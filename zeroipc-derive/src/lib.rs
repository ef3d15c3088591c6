//! The `#[zeroipc::segment]` attribute macro. Use it through the `zeroipc` crate, which
//! re-exports it and owns every item the generated code names.
//!
//! The pipeline, one module per stage: `ast` and `attr` parse, `validate` checks what the
//! tokens show, `layout` plans the entries and the compile-time checks on their types, `emit`
//! writes the code. Errors gather in a `ctxt::Ctxt`, so that every mistake is reported at
//! once; on error the struct is emitted as written, beside the errors and stubs of the
//! generated items (`emit::fallback`), so that one mistake is one error.
//!
//! The macro names no structure: which keys a field's type takes, its size, and the format's
//! limits are the runtime's (`zeroipc::__private::Declare`, `zeroipc::layout`), checked in
//! the generated code. Whole expansions are compared with the snapshots in `tests/expand/`.

#![deny(unsafe_op_in_unsafe_fn)]

mod ast;
mod attr;
mod ctxt;
mod emit;
mod layout;
mod record;
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

/// Derives `zeroipc::schema::Describe` and `bytemuck::Pod` for a `#[repr(C)]` struct without
/// padding, so that segments' schemas record its fields.
///
/// See the `zeroipc` crate.
#[proc_macro_derive(Record)]
pub fn record(input: TokenStream) -> TokenStream {
    match syn::parse::<syn::DeriveInput>(input) {
        Ok(item) => record::expand(&item).into(),
        Err(e) => e.to_compile_error().into(),
    }
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
        Err(errors) => emit::fallback(&item, seg.args.krate.as_ref(), &errors),
    }
}

#[cfg(test)]
mod snapshots;

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// The structures the runtime exports: the names of its `pub use structures::...` and
    /// `pub use sync::...` items, read from its `lib.rs` (so that this test holds no list).
    fn runtime_structure_names() -> Vec<String> {
        fn leaves(tree: &syn::UseTree, under: bool, out: &mut Vec<String>) {
            match tree {
                syn::UseTree::Path(path) => {
                    let top = path.ident == "structures" || path.ident == "sync";
                    leaves(&path.tree, under || top, out);
                }
                syn::UseTree::Group(group) => {
                    for tree in &group.items {
                        leaves(tree, under, out);
                    }
                }
                syn::UseTree::Name(name) if under => out.push(name.ident.to_string()),
                syn::UseTree::Rename(rename) if under => out.push(rename.rename.to_string()),
                _ => {}
            }
        }
        let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("../zeroipc/src/lib.rs");
        let source = std::fs::read_to_string(&lib).expect("the runtime crate beside this one");
        let file = syn::parse_file(&source).expect("the runtime's lib.rs parses");
        let mut names = Vec::new();
        for item in &file.items {
            if let syn::Item::Use(item) = item {
                if matches!(item.vis, syn::Visibility::Public(_)) {
                    leaves(&item.tree, false, &mut names);
                }
            }
        }
        names
    }

    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("readable directory") {
            let path = entry.expect("readable entry").path();
            if path.is_dir() {
                files(&path, out);
            } else {
                out.push(path);
            }
        }
    }

    #[test]
    fn the_macro_names_no_structure() {
        let names = runtime_structure_names();
        assert!(names.len() >= 3, "structures found: {names:?}");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = Vec::new();
        files(&root.join("src"), &mut paths);
        files(&root.join("tests"), &mut paths);
        let mut found = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(&path).expect("readable source");
            for word in text.split(|c: char| !c.is_alphanumeric() && c != '_') {
                if names.iter().any(|n| n == word) {
                    found.push(format!("{}: `{word}`", path.display()));
                }
            }
        }
        assert!(
            found.is_empty(),
            "the macro's sources name structures of the runtime; which keys a type takes is its `Declare` impl's to say:\n{}",
            found.join("\n")
        );
    }
}
