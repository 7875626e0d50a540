//! `include_model!`: the proc-macro face of `kiln-codegen`. It only parses its arguments,
//! reads the file and turns errors into spanned `compile_error!`s; all logic is in the codegen crate.
//!
//! Do not depend on this crate directly: depend on `kiln-tflite` and call the macro as
//! `kiln::include_model!`, since the generated code calls the runtime by the path `::kiln`.
//! The quick start is in `kiln-tflite`'s documentation.
#![warn(missing_docs)]

use proc_macro::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitBool, LitStr, Token};

struct Args {
    path: LitStr,
    name: Option<Ident>,
    f16: Option<kiln_codegen::F16Weights>,
    profile: Option<bool>,
    deterministic_timing: Option<bool>,
    /// The sizes and the span of the list (errors about the shape point there).
    input_shape: Option<(Vec<usize>, proc_macro2::Span)>,
    /// The cap and its literal's span (an arena error points there).
    max_arena_bytes: Option<(usize, proc_macro2::Span)>,
    /// `custom_ops = { "MyOp" => crate::my_op, … }`: custom code → the function's path.
    custom_ops: Vec<(String, String)>,
    /// The functions' paths as written (their spans: a signature mismatch points there).
    custom_paths: Vec<syn::Path>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let path: LitStr = input.parse().map_err(|e| {
            syn::Error::new(e.span(), "kiln: expected the model path as a string literal, e.g. `include_model!(\"models/net.tflite\")`")
        })?;
        let mut name = None;
        let mut f16 = None;
        let mut profile = None;
        let mut deterministic_timing = None;
        let mut input_shape = None;
        let mut max_arena_bytes = None;
        let mut custom_ops: Option<Vec<(String, String)>> = None;
        let mut custom_paths = Vec::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse().map_err(|e| {
                syn::Error::new(e.span(), "kiln: expected an option after the path, e.g. `name = PersonDetect`")
            })?;
            match key.to_string().as_str() {
                "name" => {
                    if name.is_some() {
                        return Err(syn::Error::new(key.span(), "kiln: `name` is given twice"));
                    }
                    input.parse::<Token![=]>()?;
                    // `parse_any`: a keyword reaches kiln-codegen's name check, whose message
                    // says why it cannot name a struct.
                    name = Some(input.call(Ident::parse_any).map_err(|e| {
                        syn::Error::new(
                            e.span(),
                            "kiln: `name` takes an identifier (no quotes), e.g. `name = PersonDetect`",
                        )
                    })?);
                }
                "f16" => {
                    if f16.is_some() {
                        return Err(syn::Error::new(key.span(), "kiln: `f16` is given twice"));
                    }
                    input.parse::<Token![=]>()?;
                    let lit: LitStr = input.parse().map_err(|e| {
                        syn::Error::new(e.span(), "kiln: `f16` takes a string, `f16 = \"fold\"` or `f16 = \"keep\"`")
                    })?;
                    let Some(mode) = kiln_codegen::F16Weights::parse(&lit.value()) else {
                        return Err(syn::Error::new(
                            lit.span(),
                            format!("kiln: `f16 = {:?}`: expected \"fold\" (widen to f32 at compile time) or \"keep\" (float16 in flash)", lit.value()),
                        ));
                    };
                    f16 = Some(mode);
                }
                "input_shape" => {
                    if input_shape.is_some() {
                        return Err(syn::Error::new(key.span(), "kiln: `input_shape` is given twice"));
                    }
                    input.parse::<Token![=]>()?;
                    let bad = |span| {
                        syn::Error::new(span, "kiln: `input_shape` takes a list of sizes, e.g. `input_shape = [1, 16000]`")
                    };
                    let list: syn::ExprArray = input.parse().map_err(|e| bad(e.span()))?;
                    let mut dims = Vec::new();
                    for e in &list.elems {
                        match e {
                            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) => {
                                dims.push(i.base10_parse::<usize>().map_err(|_| bad(i.span()))?)
                            }
                            other => return Err(bad(syn::spanned::Spanned::span(other))),
                        }
                    }
                    input_shape = Some((dims, syn::spanned::Spanned::span(&list)));
                }
                "max_arena_bytes" => {
                    if max_arena_bytes.is_some() {
                        return Err(syn::Error::new(key.span(), "kiln: `max_arena_bytes` is given twice"));
                    }
                    input.parse::<Token![=]>()?;
                    let bad = |span| syn::Error::new(span, "kiln: `max_arena_bytes` takes a byte count, e.g. `max_arena_bytes = 32_768`");
                    let lit: syn::LitInt = input.parse().map_err(|e| bad(e.span()))?;
                    max_arena_bytes = Some((lit.base10_parse::<usize>().map_err(|_| bad(lit.span()))?, lit.span()));
                }
                "custom_ops" => {
                    if custom_ops.is_some() {
                        return Err(syn::Error::new(key.span(), "kiln: `custom_ops` is given twice"));
                    }
                    input.parse::<Token![=]>()?;
                    let bad = |span| {
                        syn::Error::new(
                            span,
                            "kiln: `custom_ops` takes a map of custom codes to functions, e.g. `custom_ops = { \"MyOp\" => crate::ops::my_op }`",
                        )
                    };
                    let body;
                    syn::braced!(body in input);
                    let mut map = Vec::new();
                    while !body.is_empty() {
                        let code: LitStr = body.parse().map_err(|e| bad(e.span()))?;
                        body.parse::<Token![=>]>().map_err(|e| bad(e.span()))?;
                        let path: syn::Path = body.parse().map_err(|e| bad(e.span()))?;
                        map.push((code.value(), quote!(#path).to_string().replace(' ', "")));
                        custom_paths.push(path);
                        if body.is_empty() {
                            break;
                        }
                        body.parse::<Token![,]>().map_err(|e| bad(e.span()))?;
                    }
                    custom_ops = Some(map);
                }
                "profile" => {
                    if profile.is_some() {
                        return Err(syn::Error::new(key.span(), "kiln: `profile` is given twice"));
                    }
                    input.parse::<Token![=]>()?;
                    let lit: LitBool = input.parse().map_err(|e| {
                        syn::Error::new(
                            e.span(),
                            "kiln: `profile` takes `true` (call kiln::profile markers around every layer) or `false`, without quotes",
                        )
                    })?;
                    profile = Some(lit.value);
                }
                "deterministic_timing" => {
                    if deterministic_timing.is_some() {
                        return Err(syn::Error::new(key.span(), "kiln: `deterministic_timing` is given twice"));
                    }
                    input.parse::<Token![=]>()?;
                    let lit: LitBool = input.parse().map_err(|e| {
                        syn::Error::new(
                            e.span(),
                            "kiln: `deterministic_timing` takes `true` (refuse models whose run time depends on the input: WHILE, IF, detection post-processing) or `false`, without quotes",
                        )
                    })?;
                    deterministic_timing = Some(lit.value);
                }
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("kiln: unknown option `{other}` (the options are `name = StructName`, `f16 = \"fold\"|\"keep\"`, `profile = true|false`, `deterministic_timing = true|false`, `input_shape = [1, N, …]`, `max_arena_bytes = N` and `custom_ops = {{ \"MyOp\" => crate::my_op }}`)"),
                    ))
                }
            }
        }
        Ok(Args { path, name, f16, profile, deterministic_timing, input_shape, max_arena_bytes, custom_ops: custom_ops.unwrap_or_default(), custom_paths })
    }
}

/// Compiles a `.tflite` model (path relative to `CARGO_MANIFEST_DIR`) into a model struct.
///
/// ```ignore
/// kiln::include_model!("models/person_detect.tflite", name = PersonDetect);
/// // float16 weights stay float16 in flash (needs the `kiln-tflite` feature `f16`):
/// kiln::include_model!("models/net_f16.tflite", f16 = "keep");
/// // per-layer markers (`kiln::profile::layer_begin/layer_end`) around every layer:
/// kiln::include_model!("models/person_detect.tflite", profile = true);
/// // a model with a dynamic length (shape_signature [1, -1]), compiled for 16000 samples:
/// kiln::include_model!("models/kws.tflite", input_shape = [1, 16000]);
/// // at most 24 KiB of arena: the first layers run in row bands if the plain plan is larger
/// // (a compile error names the smallest arena kiln can reach if 24 KiB is too little):
/// kiln::include_model!("models/person_detect.tflite", max_arena_bytes = 24_576);
/// // the model's custom op `MyOp` runs your function (signature: see `kiln::custom`):
/// kiln::include_model!("models/net.tflite", custom_ops = { "MyOp" => crate::ops::my_op });
/// ```
#[proc_macro]
pub fn include_model(input: TokenStream) -> TokenStream {
    let args = match syn::parse::<Args>(input) {
        Ok(a) => a,
        Err(e) => return e.to_compile_error().into(),
    };
    let rel = args.path.value();
    let span = args.path.span();
    // `KILN_MANIFEST_DIR_OVERRIDE` exists for kiln's own compile-fail tests only: trybuild
    // compiles each case in a project under the target directory, so `CARGO_MANIFEST_DIR`
    // points there, not at the crate holding the fixtures (see macros/tests/compile_fail.rs).
    let base = std::env::var_os("KILN_MANIFEST_DIR_OVERRIDE")
        .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR"))
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let full = base.join(&rel);
    let full_str = full.to_string_lossy().into_owned();
    let fail = |msg: String, track: bool| -> TokenStream {
        let err = syn::Error::new(span, msg).to_compile_error();
        // Keep tracking the file when it exists, so fixing it triggers a rebuild.
        let track = track.then(|| quote!(const _: &[u8] = include_bytes!(#full_str);));
        quote!(#err #track).into()
    };
    let bytes = match std::fs::read(&full) {
        Ok(b) => b,
        Err(e) => {
            let err = kiln_codegen::Error::new(rel.clone(), kiln_codegen::ErrorKind::Io(e));
            return fail(format!("{err} (looked for {})", full.display()), false);
        }
    };
    let opts = kiln_codegen::CompileOptions {
        name: args.name.as_ref().map(|n| n.to_string()),
        // The struct's name carries the user's span: rustc's `non_camel_case_types` lint (not
        // allowed in the expansion) then warns about `name = digits_model` like any struct.
        name_span: args.name.as_ref().map(|n| n.span()),
        track_path: Some(full_str.clone()),
        f16_weights: args.f16.unwrap_or_default(),
        profile_layers: args.profile.unwrap_or(false),
        input_shape: args.input_shape.as_ref().map(|(dims, _)| dims.clone()),
        max_arena_bytes: args.max_arena_bytes.map(|(n, _)| n),
        custom_ops: args.custom_ops.clone(),
        deterministic_timing: args.deterministic_timing.unwrap_or(false),
    };
    match kiln_codegen::compile(&rel, &bytes, &opts) {
        Ok(tokens) => {
            // Each custom op's function, checked against the fixed signature where the user
            // wrote its path, so rustc's error (if any) points at that path.
            let checks = args.custom_paths.iter().map(|path| {
                quote! {
                    const _: () = {
                        let _: fn(&[::kiln::custom::Input<'_>], &mut [::kiln::custom::Output<'_>], &::kiln::custom::Options) = #path;
                    };
                }
            });
            quote!(#(#checks)* #tokens).into()
        }
        // A bad struct name is the `name = …` argument's fault: point there.
        Err(e @ kiln_codegen::Error { kind: kiln_codegen::ErrorKind::Usage(_), .. }) if args.name.is_some() => {
            let name_span = args.name.as_ref().map_or(span, |n| n.span());
            let err = syn::Error::new(name_span, e.to_string()).to_compile_error();
            quote!(#err const _: &[u8] = include_bytes!(#full_str);).into()
        }
        // An input_shape that does not fit the model: point at the list.
        Err(e @ kiln_codegen::Error { kind: kiln_codegen::ErrorKind::InputShape(_), .. }) if args.input_shape.is_some() => {
            let list_span = args.input_shape.as_ref().map_or(span, |(_, s)| *s);
            let err = syn::Error::new(list_span, e.to_string()).to_compile_error();
            quote!(#err const _: &[u8] = include_bytes!(#full_str);).into()
        }
        // An arena cap below what kiln can reach: point at the number.
        Err(e @ kiln_codegen::Error { kind: kiln_codegen::ErrorKind::ArenaLimit { .. }, .. }) => {
            let cap_span = args.max_arena_bytes.map_or(span, |(_, s)| s);
            let err = syn::Error::new(cap_span, e.to_string()).to_compile_error();
            quote!(#err const _: &[u8] = include_bytes!(#full_str);).into()
        }
        Err(e) => fail(e.to_string(), true),
    }
}
