//! The `#[zeroipc::segment]` attribute macro. Use it through the `zeroipc` crate, which
//! re-exports it and owns every item the generated code names.

use proc_macro::TokenStream;

/// Declares a shared-memory segment as a struct of typed handles.
///
/// See the `zeroipc` crate for the accepted forms.
#[proc_macro_attribute]
pub fn segment(_args: TokenStream, input: TokenStream) -> TokenStream {
    input
}
