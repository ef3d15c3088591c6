//! Emit: the generated code, from the plan. `quote!` only; nothing is parsed or decided here.
//!
//! Every runtime item is named through `<krate>::__private`, every std item through
//! `::core`, and the helper items added to the user's code start with `__zeroipc_`
//! (`__ZEROIPC_` for constants). The checks and the `impl` live in an anonymous
//! `const _: () = { ... };` block, so that nothing but the struct, its hidden field and its
//! associated items is visible from outside.

use proc_macro2::{Delimiter, Group, Literal, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::{Data, DeriveInput, Fields};

use crate::attr;
use crate::layout::{Check, Limit, LimitCheck, Plan, PlannedEntry};

/// The name of the hidden field that keeps the segment's [`Memory`].
const MEMORY_FIELD: &str = "__zeroipc_memory";

/// The struct, with its hidden field, and its generated items.
pub(crate) fn segment(plan: &Plan<'_>) -> TokenStream {
    let krate = &plan.krate;
    let p = quote!(#krate::__private);
    let mut item = plan.input.clone();
    strip_attrs(&mut item);
    let memory_field = memory_field();
    if let Data::Struct(data) = &mut item.data {
        if let Fields::Named(named) = &mut data.fields {
            named.named.push(syn::parse_quote! {
                #[doc(hidden)]
                #memory_field: #p::Memory
            });
        }
    }
    // Without `max_entries`, the runtime's default: the macro keeps no copy of it.
    let max_entries = plan.max_entries.map_or_else(
        || quote!(#p::layout::DEFAULT_MAX_ENTRIES),
        |n| Literal::u32_unsuffixed(n).into_token_stream(),
    );
    let count = plan.entries.len();
    let mut checks: Vec<TokenStream> = plan.limits.iter().map(|l| limit_item(l, &p)).collect();
    let mut sizes = Vec::new();
    let mut parts = Vec::new();
    let mut named = Vec::new();
    let mut descs = Vec::new();
    let mut entries = Vec::new();
    for (i, entry) in plan.entries.iter().enumerate() {
        let decl = declare_path(entry, &p);
        for check in &entry.checks {
            checks.push(check_item(check, &decl, &p, entry));
        }
        sizes.push(quote_spanned!(first_span(entry.ty)=> #decl::SIZE));
        parts.push(quote_spanned!(first_span(entry.ty)=> #decl::PARTS));
        named.push(quote_spanned!(first_span(entry.ty)=> #decl::NAMED_PART));
        descs.push(schema_line(entry, &p));
        let (field_name, table_name) = (&entry.field_name, &entry.table_name);
        let index = Literal::usize_unsuffixed(i);
        entries.push(quote! {
            #p::DeclaredEntry {
                field: #field_name,
                name: #table_name,
                offset: __ZEROIPC_OFFSETS[#index],
                size: __ZEROIPC_SIZES[#index],
            }
        });
    }
    let methods = methods(plan, &p);
    let ident = &item.ident;
    let size_doc = format!(
        " The size in bytes of the segment [`create`](Self::create) makes: a table of \
         [`MAX_ENTRIES`](Self::MAX_ENTRIES) entry slots, then the {count} entries in field \
         order, laid out by `zeroipc::layout`, then the schema entry that describes them."
    );
    let fields = plan.entries.iter().map(|e| &e.field_name);
    let table_check = composite_table_check(count, &p);
    quote! {
        #item

        const _: () = {
            #(#checks)*

            const __ZEROIPC_MAX_ENTRIES: u32 = #max_entries;
            const __ZEROIPC_SIZES: [usize; #count] = [#(#sizes),*];
            const __ZEROIPC_PARTS: [&[usize]; #count] = [#(#parts),*];
            const __ZEROIPC_NAMED: [usize; #count] = [#(#named),*];
            const __ZEROIPC_OFFSETS: [usize; #count] = #p::layout::declared_offsets(
                __ZEROIPC_MAX_ENTRIES,
                __ZEROIPC_SIZES,
                __ZEROIPC_PARTS,
                __ZEROIPC_NAMED,
            );
            #table_check
            #[allow(unused_imports)]
            use #p::DeclaredProbeFallback as _;
            #[allow(unused_imports)]
            use #p::DeclaredValueProbeFallback as _;
            const __ZEROIPC_FIELDS: [&str; #count] = [#(#fields),*];
            const __ZEROIPC_SCHEMA: [#p::EntryDesc<'static>; #count] = [#(#descs),*];
            const __ZEROIPC_SCHEMA_LEN: usize = #p::encoded_len(&__ZEROIPC_SCHEMA);
            const __ZEROIPC_SCHEMA_TEXT: [u8; __ZEROIPC_SCHEMA_LEN] =
                #p::encode(&__ZEROIPC_SCHEMA);

            #[allow(dead_code)]
            impl #ident {
                /// The number of entry slots in the table of the segment
                /// [`create`](Self::create) makes.
                pub const MAX_ENTRIES: u32 = __ZEROIPC_MAX_ENTRIES;

                #[doc = #size_doc]
                pub const SIZE: usize = #p::layout::declared_size(
                    __ZEROIPC_MAX_ENTRIES,
                    __ZEROIPC_SIZES,
                    __ZEROIPC_PARTS,
                    #p::entry_size(__ZEROIPC_SCHEMA_LEN),
                );

                /// The table entries [`create`](Self::create) adds, in field order: field,
                /// table name, offset and size of each.
                pub const ENTRIES: [#p::DeclaredEntry; #count] = [#(#entries),*];

                #methods
            }
        };
    }
}

fn memory_field() -> syn::Ident {
    syn::Ident::new(MEMORY_FIELD, Span::call_site())
}

/// `<Type as Declare<N>>`, every token spanned at the type (the runtime path and `N`
/// included), so that a type that is not a structure, or whose element is not plain old
/// data, is reported there, once.
fn declare_path(entry: &PlannedEntry<'_>, p: &TokenStream) -> TokenStream {
    let ty = entry.ty;
    let span = first_span(ty);
    let p = respan(p.clone(), span);
    let n = n_tokens(entry, span);
    quote_spanned!(span=> <#ty as #p::Declare<#n>>)
}

/// The `N` of `Declare<N>`: the size key's literal (spanned at `span`), or its constant
/// expression in braces.
fn n_tokens(entry: &PlannedEntry<'_>, span: Span) -> TokenStream {
    match &entry.n_expr {
        Some(syn::Expr::Paren(paren)) => {
            let inner = &paren.expr;
            quote!({ #inner })
        }
        Some(expr) => quote!({ #expr }),
        None => {
            let mut n = Literal::u64_unsuffixed(entry.n);
            n.set_span(span);
            n.into_token_stream()
        }
    }
}

/// `tokens` with every span, inside groups too, set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// The struct initialiser of every field, creating or opening its entry.
fn field_inits(plan: &Plan<'_>, p: &TokenStream, mode: &TokenStream) -> Vec<TokenStream> {
    plan.entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let decl = declare_path(entry, p);
            let (field, field_name, table_name) =
                (entry.field, &entry.field_name, &entry.table_name);
            // The whole call is spanned at the type, so that an element type that is not
            // plain old data (a bound of `declare`) is reported there.
            let (start, end) = range(entry.ty, first_span(entry.ty));
            let declare_fn = syn::Ident::new("declare", end);
            let path = quote_spanned!(start=> #decl::#declare_fn);
            let params = params(entry, p);
            let mut args = Group::new(
                Delimiter::Parenthesis,
                quote!(__zeroipc_mem, #table_name, #mode, &#params),
            );
            args.set_span(end);
            let declare = quote!(#path #args);
            let index = Literal::usize_unsuffixed(i);
            quote! {
                #field: #p::field(
                    __zeroipc_mem,
                    #mode,
                    #field_name,
                    #table_name,
                    __ZEROIPC_SIZES[#index],
                    #declare,
                )?,
            }
        })
        .collect()
}

/// The table holds every entry of the fields, a composite's several included, and the
/// schema's. (A table too small for the fields alone is reported by the checks of the
/// field count, once.)
fn composite_table_check(count: usize, p: &TokenStream) -> TokenStream {
    let count = Literal::usize_unsuffixed(count);
    let message = quote! {
        #p::Message::new()
            .push("zeroipc: the fields take ")
            .push_usize(#p::layout::declared_entry_count(__ZEROIPC_PARTS) + 1)
            .push(" table entries (a composite takes one for each of its parts, and the schema one) but the table holds ")
            .push_usize(__ZEROIPC_MAX_ENTRIES as usize)
            .push("; declare `max_entries` that large")
            .as_str()
    };
    // The entries and the schema's fit (`count + 1 <= max`), unless the fields alone do not.
    let condition = quote! {
        #p::layout::declared_entry_count(__ZEROIPC_PARTS) < __ZEROIPC_MAX_ENTRIES as usize
            || #count >= __ZEROIPC_MAX_ENTRIES as usize
    };
    assert_at(Span::call_site(), Span::call_site(), &condition, &message)
}

/// The field's line of the schema: `EntryDesc { name, kind, params, ty, doc, parts }`, its
/// kind from `Declare::KIND`, its size key's value first among its parameters, its element
/// type described by `Probe` (opaque bytes for a type that does not describe itself; none
/// for a structure without elements).
fn schema_line(entry: &PlannedEntry<'_>, p: &TokenStream) -> TokenStream {
    let table_name = &entry.table_name;
    let n = n_tokens(entry, Span::call_site());
    let n_u64 = if entry.n_expr.is_some() {
        quote!(#n as u64)
    } else {
        n
    };
    let pairs = entry.params.iter().map(|(key, value)| {
        let value = Literal::u64_unsuffixed(*value);
        quote!((#key, #value))
    });
    let doc = &entry.doc;
    // Each item of `Declare` is named with its last token spanned at the type's end, as the
    // `declare` call is: a type that is not a structure is then reported once, over the
    // whole type, not once more for each item named here.
    let (start, end) = range(entry.ty, first_span(entry.ty));
    let ty = entry.ty;
    let n_lit = n_tokens(entry, start);
    let p_start = respan(p.clone(), start);
    let decl = &quote_spanned!(start=> <#ty as #p_start::Declare<#n_lit>>);
    let item = |name: &str| {
        let ident = syn::Ident::new(name, end);
        quote_spanned!(start=> #decl::#ident)
    };
    let (kind, size_key, element_size) = (item("KIND"), item("SIZE_KEY"), item("ELEMENT_SIZE"));
    let probe = quote_spanned!(start=> <#p_start::DeclaredProbe<#ty, #n_lit>>::TYPE);
    let element = quote_spanned!(start=> #p_start::element_type(#probe, #element_size));
    let value_size = item("VALUE_SIZE");
    let value_probe = quote_spanned!(start=> <#p_start::DeclaredValueProbe<#ty>>::TYPE);
    let value = quote_spanned!(start=> #p_start::element_type(#value_probe, #value_size));
    quote_spanned! {start=>
        #p::EntryDesc {
            name: #table_name,
            kind: #kind,
            params: &[(#size_key, #n_u64), #(#pairs),*],
            ty: #element,
            value_ty: #value,
            doc: #doc,
            parts: &[],
        }
    }
}

/// `Params::new(&[("key", value), ...])`: the field's parameter keys, for `declare`.
fn params(entry: &PlannedEntry<'_>, p: &TokenStream) -> TokenStream {
    let pairs = entry.params.iter().map(|(key, value)| {
        let value = Literal::u64_unsuffixed(*value);
        quote!((#key, #value))
    });
    quote!(#p::Params::new(&[#(#pairs),*]))
}

/// `create`, `create_with`, `open`, `open_with`, `memory`.
fn methods(plan: &Plan<'_>, p: &TokenStream) -> TokenStream {
    let memory_field = memory_field();
    let creates = field_inits(plan, p, &quote!(#p::Mode::Create));
    let opens = field_inits(plan, p, &quote!(#p::Mode::Open));
    quote! {
        /// Creates the segment called `name`, of exactly [`SIZE`](Self::SIZE) bytes
        /// and mode `0o600`, and adds every entry in field order.
        ///
        /// # Errors
        ///
        /// `zeroipc::Error::AlreadyExists` if the segment exists (it is never
        /// replaced unless the options say so), `InvalidName`, `Io`; an error of an
        /// entry names its field (`zeroipc::Error::Field`). A failed create leaves
        /// no segment behind.
        pub fn create(name: &str) -> #p::Result<Self> {
            Self::create_with(name, &#p::SegmentOptions::new())
        }

        /// Creates the segment called `name` as [`create`](Self::create) does, with
        /// the options given (mode, extra space, replacing a stale segment).
        ///
        /// # Errors
        ///
        /// As [`create`](Self::create).
        pub fn create_with(name: &str, options: &#p::SegmentOptions) -> #p::Result<Self> {
            #p::create_segment(name, options, Self::MAX_ENTRIES, Self::SIZE, &__ZEROIPC_SCHEMA_TEXT, |__zeroipc_mem| {
                ::core::result::Result::Ok(Self {
                    #(#creates)*
                    #memory_field: ::core::clone::Clone::clone(__zeroipc_mem),
                })
            })
        }

        /// Opens the segment called `name` and every declared entry in it, checking
        /// each against the declaration: present, of the declared length or
        /// capacity and entry size, its own header consistent. Other entries in the
        /// segment are allowed.
        ///
        /// # Errors
        ///
        /// Those of `zeroipc::Memory::open`; for an entry, `zeroipc::Error::Field`
        /// naming the field around `NotFound`, `DeclarationMismatch` (expected and
        /// found), `ElementSizeMismatch` or a validation error.
        pub fn open(name: &str) -> #p::Result<Self> {
            Self::open_with(name, &#p::SegmentOptions::new())
        }

        /// Opens the segment called `name` as [`open`](Self::open) does, waiting
        /// for its creator as long as the options say.
        ///
        /// # Errors
        ///
        /// As [`open`](Self::open).
        pub fn open_with(name: &str, options: &#p::SegmentOptions) -> #p::Result<Self> {
            #p::open_segment(name, options, |__zeroipc_mem| {
                let __zeroipc_segment = Self {
                    #(#opens)*
                    #memory_field: ::core::clone::Clone::clone(__zeroipc_mem),
                };
                #p::check_declared(__zeroipc_mem, &__ZEROIPC_FIELDS, &__ZEROIPC_SCHEMA)?;
                ::core::result::Result::Ok(__zeroipc_segment)
            })
        }

        /// The segment, for what the fields do not cover: its name and size, its
        /// table, entries added with the dynamic API.
        #[must_use]
        pub fn memory(&self) -> &#p::Memory {
            &self.#memory_field
        }
    }
}

/// One check against a limit the runtime defines: `value <= limit`, failing at the check's
/// span with a message that quotes the limit.
fn limit_item(check: &LimitCheck, p: &TokenStream) -> TokenStream {
    let limit = match check.limit {
        Limit::NameLen => quote!(#p::layout::MAX_NAME_LEN),
        Limit::DefaultMaxEntries => quote!((#p::layout::DEFAULT_MAX_ENTRIES as usize)),
    };
    let value = Literal::usize_suffixed(check.value);
    let (prefix, suffix) = (&check.prefix, &check.suffix);
    let message = quote! {
        #p::Message::new()
            .push(#prefix)
            .push_usize(#limit)
            .push(#suffix)
            .as_str()
    };
    assert_at(check.span, check.span, &quote!(#value <= #limit), &message)
}

/// One `const` check. Its panic is spanned at the check's span, so the error points at the
/// key, value or type it is about.
fn check_item(
    check: &Check,
    decl: &TokenStream,
    p: &TokenStream,
    entry: &PlannedEntry<'_>,
) -> TokenStream {
    let ty = entry.ty;
    match check {
        Check::SizeExpr {
            key,
            span,
            zero,
            prefix,
            middle,
            suffix,
        } => {
            let n = n_tokens(entry, *span);
            // The whole expression is where the error points.
            let mut tokens = entry.n_expr.to_token_stream().into_iter();
            let start = tokens.next().map_or(*span, |t| t.span());
            let end = tokens.last().map_or(start, |t| t.span());
            let not_zero = assert_at(start, end, &quote!(#n != 0), &zero.to_token_stream());
            let message = quote! {
                {
                    let n: usize = #n;
                    let m = #p::Message::new().push(#prefix).push_usize(n).push(#middle);
                    match n.checked_next_power_of_two() {
                        ::core::option::Option::Some(next) => m.push_usize(next).push(#suffix),
                        ::core::option::Option::None => m.push("a power of two`"),
                    }
                }
                .as_str()
            };
            let condition =
                quote!(!#p::has_key(#decl::POWER_OF_TWO_KEYS, #key) || (#n).is_power_of_two());
            let power_of_two = assert_at(start, end, &condition, &message);
            quote!(#not_zero #power_of_two)
        }
        Check::Takes {
            key,
            span,
            prefix,
            suffix,
        } => {
            let message = quote! {
                #p::Message::new()
                    .push(#prefix)
                    .push_keys(#decl::KEYS)
                    .push(#suffix)
                    .as_str()
            };
            let condition = quote!(#p::has_key(#decl::KEYS, #key));
            assert_at(*span, *span, &condition, &message)
        }
        Check::DoesNotNeed { key, span, message } => {
            let condition = quote!(!#p::has_key(#decl::REQUIRED_KEYS, #key));
            let (start, end) = range(ty, *span);
            assert_at(start, end, &condition, &message.to_token_stream())
        }
        Check::NoPowerOfTwoNeeded { key, span, message } => {
            let condition = quote!(!#p::has_key(#decl::POWER_OF_TWO_KEYS, #key));
            assert_at(*span, *span, &condition, &message.to_token_stream())
        }
        Check::NotZero { key, span, message } => {
            let condition = quote!(!#p::has_key(#decl::POSITIVE_KEYS, #key));
            assert_at(*span, *span, &condition, &message.to_token_stream())
        }
        Check::Fits {
            value,
            span,
            message,
        } => {
            let value = Literal::u64_suffixed(*value);
            let condition = quote!(#value <= #decl::PARAM_MAX);
            assert_at(*span, *span, &condition, &message.to_token_stream())
        }
        Check::NotAbove {
            key,
            other,
            span,
            message,
        } => {
            let condition = quote!(!#p::has_pair(#decl::NOT_ABOVE, #key, #other));
            assert_at(*span, *span, &condition, &message.to_token_stream())
        }
        Check::ElementAlign { span, message } => {
            let condition = quote!(#decl::ELEMENT_ALIGN_OK);
            let (start, end) = range(ty, *span);
            assert_at(start, end, &condition, &message.to_token_stream())
        }
    }
}

/// `const _: () = ::core::assert!(condition, "{}", message);`, with the assertion spanned
/// from `start` to `end`: a failed `const` assertion is reported at the macro call.
fn assert_at(
    start: Span,
    end: Span,
    condition: &TokenStream,
    message: &TokenStream,
) -> TokenStream {
    let path = quote_spanned!(start=> ::core::assert!);
    let mut args = Group::new(Delimiter::Parenthesis, quote!(#condition, "{}", #message));
    args.set_span(end);
    quote!(const _: () = #path #args;)
}

/// The first and last spans of a type, so that an error covers all of it.
fn range(ty: &syn::Type, fallback: Span) -> (Span, Span) {
    let mut tokens = ty.to_token_stream().into_iter();
    let start = tokens.next().map_or(fallback, |t| t.span());
    let end = tokens.last().map_or(start, |t| t.span());
    (start, end)
}

fn first_span(ty: &syn::Type) -> Span {
    ty.to_token_stream()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span())
}

/// What to emit when the declaration has errors: the errors, the item as written (less the
/// `#[zeroipc(...)]` attributes, which would otherwise be errors of their own), and stubs of
/// the items the macro generates, so that code using the struct (`Plant::create`,
/// `Plant::SIZE`) does not fail to find them as well: one mistake, one error. The stubs
/// never run, since the errors fail the build.
pub(crate) fn fallback(
    item: &DeriveInput,
    krate: Option<&syn::Path>,
    errors: &syn::Error,
) -> TokenStream {
    let mut item = item.clone();
    strip_attrs(&mut item);
    let errors = errors.to_compile_error();
    let krate = krate.map_or_else(|| quote!(::zeroipc), ToTokens::to_token_stream);
    let p = quote!(#krate::__private);
    let count = match &item.data {
        Data::Struct(data) => data.fields.len(),
        Data::Enum(_) | Data::Union(_) => 0,
    };
    let ident = &item.ident;
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    quote! {
        #errors
        #item

        const _: () = {
            #[allow(dead_code, unused_variables)]
            impl #impl_generics #ident #ty_generics #where_clause {
                pub const MAX_ENTRIES: u32 = #p::layout::DEFAULT_MAX_ENTRIES;
                pub const SIZE: usize = 0;
                pub const ENTRIES: [#p::DeclaredEntry; #count] = [#p::DeclaredEntry {
                    field: "",
                    name: "",
                    offset: 0,
                    size: 0,
                }; #count];

                pub fn create(name: &str) -> #p::Result<Self> {
                    ::core::unreachable!()
                }

                pub fn create_with(name: &str, options: &#p::SegmentOptions) -> #p::Result<Self> {
                    ::core::unreachable!()
                }

                pub fn open(name: &str) -> #p::Result<Self> {
                    ::core::unreachable!()
                }

                pub fn open_with(name: &str, options: &#p::SegmentOptions) -> #p::Result<Self> {
                    ::core::unreachable!()
                }

                pub fn memory(&self) -> &#p::Memory {
                    ::core::unreachable!()
                }
            }
        };
    }
}

/// Removes the `#[zeroipc(...)]` attributes from every field (of every variant).
fn strip_attrs(item: &mut DeriveInput) {
    let strip = |fields: &mut Fields| {
        for field in fields.iter_mut() {
            field.attrs.retain(|a| !attr::is_zeroipc(a));
        }
    };
    match &mut item.data {
        Data::Struct(data) => strip(&mut data.fields),
        Data::Enum(data) => data.variants.iter_mut().for_each(|v| strip(&mut v.fields)),
        Data::Union(data) => data
            .fields
            .named
            .iter_mut()
            .for_each(|f| f.attrs.retain(|a| !attr::is_zeroipc(a))),
    }
}
