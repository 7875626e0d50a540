//! kiln's compiler: `.tflite` → verified flatbuffer → graph IR → passes (validation,
//! quantization constants, in-place layers and patched stages, arena planning) → Rust tokens.
//!
//! The proc-macro (`kiln::include_model!`), build scripts and the `kiln` CLI all call
//! [`compile`]; nothing here depends on running inside a proc-macro. The generated code calls
//! the runtime crate `kiln-tflite` (library `kiln`), which the user's crate depends on.
//!
//! # Quick start: a build script
//!
//! For builds that keep proc-macros out, or want the generated source on disk to read:
//!
//! ```no_run
//! // build.rs, with `kiln-codegen` under [build-dependencies] (and `kiln-tflite` under
//! // [dependencies]):
//! fn main() -> Result<(), kiln_codegen::Error> {
//!     kiln_codegen::Config::new()
//!         .model("models/person_detect.tflite") // relative to CARGO_MANIFEST_DIR
//!         .name("PersonDetect")
//!         .compile() // writes $OUT_DIR/person_detect.rs, emits cargo:rerun-if-changed
//! }
//! // src/lib.rs: include!(concat!(env!("OUT_DIR"), "/person_detect.rs"));
//! ```
//!
//! Or from bytes, as `kiln generate` does:
//!
//! ```
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/zoo/digits_int8.tflite");
//! let bytes = std::fs::read(path)?;
//! let opts = kiln_codegen::CompileOptions { name: Some("Digits".into()), ..Default::default() };
//! let source = kiln_codegen::generate_source("digits_int8.tflite", &bytes, &opts)?;
//! assert!(source.contains("pub struct Digits {"));
//!
//! // Errors are values, with the messages the macro gives:
//! let err = kiln_codegen::generate_source("notes.tflite", b"not a model", &opts).unwrap_err();
//! assert!(matches!(err.kind, kiln_codegen::ErrorKind::Format(_)), "{err}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod config;
mod control_flow;
mod emit;
mod flexbuffers;
pub mod error;
pub(crate) mod in_place;
pub mod ir;
pub mod limits;
mod lower;
pub mod op_table;
pub mod patch;
mod plan;
pub mod quant;
mod read;
pub mod report;
mod shapes;
mod sparse;
/// The flatc-generated TFLite schema (readers and builders); public for tests and fuzzers.
#[doc(hidden)]
pub mod schema;

pub use config::{generate_source, generate_source_timed, write_all_atomically, write_atomically, Config, F16Weights};
pub use emit::snake_case;
pub use error::{Error, ErrorKind, UnsupportedOp};
pub use lower::{Call, Operand, Step};
pub use plan::{ArenaPlan, PlacedBuffer};

use proc_macro2::TokenStream;

/// A model taken through every pass, ready to emit or report on.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// The validated graph the reader built.
    pub graph: ir::Graph,
    /// One step per layer that the generated code executes, in order (after lowering).
    pub steps: Vec<Step>,
    /// The arena (and state) layout.
    pub plan: ArenaPlan,
    /// The stage run in row bands, if the plan has one: to fit `max_arena_bytes`, or in the
    /// default build where one saves a quarter of the arena (`patch::default_stage`).
    pub patches: Option<patch::PatchPlan>,
}

/// Reads, validates, lowers and plans a model. `file` labels error messages.
pub fn analyze(file: &str, bytes: &[u8]) -> Result<Analysis, Error> {
    analyze_with(file, bytes, F16Weights::Fold)
}

/// [`analyze`] with a choice of how float16 weights are compiled.
pub fn analyze_with(file: &str, bytes: &[u8], f16: F16Weights) -> Result<Analysis, Error> {
    analyze_options(file, bytes, &CompileOptions { f16_weights: f16, ..Default::default() })
}

/// [`analyze`] with the options that change the model (float16 weights, the input shape).
pub fn analyze_options(file: &str, bytes: &[u8], opts: &CompileOptions) -> Result<Analysis, Error> {
    analyze_timed(file, bytes, opts, &mut Timings::default())
}

/// [`analyze_options`], adding the wall time of each phase to `timings`. The one place that
/// runs the analysis passes in order.
pub fn analyze_timed(file: &str, bytes: &[u8], opts: &CompileOptions, timings: &mut Timings) -> Result<Analysis, Error> {
    let mut repaired = None;
    let model = timings.time("verify", || read::verify(file, bytes, &mut repaired))?;
    let (mut graph, dynamic) = timings.time("build-ir", || read::build_graph(file, bytes.len(), &model))?;
    timings.time("shapes", || shapes::resolve(file, &mut graph, &dynamic, opts.input_shape.as_deref()))?;
    let steps = timings.time("lower", || {
        lower::prepare_f16_weights(&mut graph, opts.f16_weights == F16Weights::Keep);
        lower::map_custom_ops(file, &mut graph, &opts.custom_ops)?;
        let steps = lower::lower(file, &mut graph)?;
        check_output_size(file, bytes.len(), &graph, &steps)?;
        if opts.deterministic_timing {
            check_deterministic_timing(file, &steps)?;
        }
        Ok(steps)
    })?;
    let (steps, plan, patches) = timings.time("plan", || plan_model(file, &mut graph, steps, opts.max_arena_bytes))?;
    Ok(Analysis { graph, steps, plan, patches })
}

/// Plans the arena of lowered steps: in-place layers, and patched stages where the default
/// build gains a lot from one or `max_arena_bytes` needs one. Rewrites `graph` with the band
/// and window tensors of the plan it returns. Shared by [`analyze_timed`] and `kiln inspect`.
pub(crate) fn plan_model(
    file: &str,
    graph: &mut ir::Graph,
    steps: Vec<Step>,
    max_arena_bytes: Option<usize>,
) -> Result<(Vec<Step>, ArenaPlan, Option<patch::PatchPlan>), Error> {
    // In-place layers first (in the default build only those that cost little); under a
    // cap, any in-place layer; patched stages (which assume whole layers) only where the
    // arena must go lower than that, or in the default build where one saves a lot.
    let mut free = graph.clone();
    let (free_steps, free_plan) =
        in_place::plan_in_place(&mut free, steps.clone(), in_place::Goal::Free);
    let Some(max) = max_arena_bytes else {
        // The default build: whole layers, unless a coarse patched stage saves a quarter
        // of the arena (`patch::default_stage`).
        let Some((steps, _, patches)) = patch::default_stage(file, graph, &steps, &free_plan)? else {
            *graph = free;
            return Ok((free_steps, free_plan, None));
        };
        return Ok(in_place_after(graph, steps, patches));
    };
    // Under a cap: the fastest plan that fits, so a cap the whole-layer plan meets keeps
    // whole layers even where the default build would patch, and one the default build's
    // stage meets gets that stage (it costs little).
    if free_plan.size <= max {
        *graph = free;
        return Ok((free_steps, free_plan, None));
    }
    let mut staged = graph.clone();
    if let Some((steps, _, patches)) = patch::default_stage(file, &mut staged, &steps, &free_plan)? {
        let planned = in_place_after(&mut staged, steps, patches);
        if planned.1.size <= max {
            *graph = staged;
            return Ok(planned);
        }
    }
    let mut fit = graph.clone();
    let (fit_steps, fit_plan) =
        in_place::plan_in_place(&mut fit, steps.clone(), in_place::Goal::Fit(max));
    if fit_plan.size <= max {
        *graph = fit;
        return Ok((fit_steps, fit_plan, None));
    }
    match patch::fit_arena(file, graph, steps, max, &fit_plan)? {
        (steps, _, Some(patches)) => Ok(in_place_after(graph, steps, patches)),
        (steps, plan, None) => Ok((steps, plan, None)),
    }
}

/// The plan of a patched model whose layers after the stage may still run in place.
fn in_place_after(
    graph: &mut ir::Graph,
    steps: Vec<Step>,
    mut patches: patch::PatchPlan,
) -> (Vec<Step>, ArenaPlan, Option<patch::PatchPlan>) {
    let views = std::mem::take(&mut patches.views);
    let (steps, plan, views) = in_place::plan_in_place_with_views(graph, steps, views, in_place::Goal::Free);
    patches.views = views;
    (steps, plan, Some(patches))
}

/// The phases of `kiln generate`, in order, with what each does (`kiln generate -v` prints
/// their wall times). [`generate_source_timed`] times all but `read` and `write`, which belong
/// to the caller (reading the file, writing the source). `kiln inspect -v` runs the same phases
/// up to `plan`, then `report`, `render` and `write` ([`report::inspect_timed`]).
pub const PHASES: [(&str, &str); 9] = [
    ("read", "read the .tflite file"),
    ("verify", "check and verify the flatbuffer"),
    ("build-ir", "build the IR graph (tensors, constant data, ops)"),
    ("shapes", "resolve dynamic shapes, fold shape computations"),
    ("lower", "lower ops to kernel calls, quantization parameters"),
    ("plan", "plan the arena"),
    ("emit", "emit the Rust tokens"),
    ("format", "format the source (prettyplease)"),
    ("write", "write the source"),
];

/// What a phase of [`PHASES`] or of `kiln inspect` (`report`, `render`) does; `""` if unknown.
pub fn phase_description(name: &str) -> &'static str {
    match name {
        "report" => "per-layer figures (MACs, parameters, memory)",
        "render" => "render the report (text, JSON, DOT, HTML or SVG)",
        "write" => "write the output",
        _ => PHASES.iter().find(|(n, _)| *n == name).map_or("", |(_, what)| what),
    }
}

/// Wall time of each compiler phase, in the order they ran (names from [`PHASES`]).
#[derive(Clone, Debug, Default)]
pub struct Timings {
    /// `(phase, wall time)`, one per phase that ran.
    pub phases: Vec<(&'static str, std::time::Duration)>,
}

impl Timings {
    /// Runs `f` as phase `name`, recording its wall time (also when it fails).
    pub fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let start = std::time::Instant::now();
        let out = f();
        self.phases.push((name, start.elapsed()));
        out
    }

    /// The sum of the recorded phases.
    pub fn total(&self) -> std::time::Duration {
        self.phases.iter().map(|(_, d)| *d).sum()
    }
}

/// The arena of the default plan and the smallest one patched stages reach (equal when no stage
/// of the model can run in row bands): the range `max_arena_bytes` can ask for.
pub fn arena_range(file: &str, bytes: &[u8], opts: &CompileOptions) -> Result<(usize, usize), Error> {
    let plain = analyze_options(file, bytes, &CompileOptions { max_arena_bytes: None, ..opts.clone() })?.plan.size;
    match analyze_options(file, bytes, &CompileOptions { max_arena_bytes: Some(0), ..opts.clone() }) {
        Err(Error { kind: ErrorKind::ArenaLimit { smallest, .. }, .. }) => Ok((plain, smallest)),
        Err(e) => Err(e),
        // A model without activations fits any cap.
        Ok(a) => Ok((plain, a.plan.size)),
    }
}

/// The steps whose run time depends on the input, as `op #i NAME: why` (one per op, in order):
/// a WHILE (its trip count is computed by the model), an IF (it runs one of two branches, which
/// may take different times: bounded by the slower, but not constant) and
/// `TFLite_Detection_PostProcess` (its
/// sort, score threshold and non-maximum suppression depend on the scores). `kiln inspect`
/// lists them; `deterministic_timing` refuses them.
pub fn data_dependent_ops(steps: &[Step]) -> Vec<String> {
    let mut out = Vec::new();
    for s in steps {
        let why = match (&s.call, s.op_name.as_str()) {
            (Call::Flow(ir::Flow::LoopBegin), _) => "a loop runs until its condition says stop, as often as the input makes it",
            (Call::Flow(ir::Flow::IfBegin), _) => "the input chooses which branch runs, and the branches may take different times",
            (_, "CUSTOM(TFLite_Detection_PostProcess)") => "its sort, score threshold and non-maximum suppression depend on the scores",
            _ => continue,
        };
        let line = format!("op #{} {}: {why}", s.op_index, s.op_name);
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

/// `deterministic_timing`: no step may take a time that depends on the input.
fn check_deterministic_timing(file: &str, steps: &[Step]) -> Result<(), Error> {
    let ops = data_dependent_ops(steps);
    if ops.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        file,
        ErrorKind::DataDependentTiming(format!(
            "deterministic timing was asked for, but the model's run time depends on its input:\n  {}\n\
             (drop `deterministic_timing` to compile it; a WHILE runs as many iterations as the model computes, \
             unbounded if the model never stops)",
            ops.join("\n  ")
        )),
    ))
}

/// The emitter writes every constant operand out once per tensor. Tensors may share a buffer,
/// so a small file whose many tensors point at one large buffer would expand into gigabytes of
/// source; real models (one buffer per tensor, at most a few shared) stay near the file size.
fn check_output_size(file: &str, file_len: usize, graph: &ir::Graph, steps: &[Step]) -> Result<(), Error> {
    let limit = file_len.saturating_mul(4).saturating_add(1 << 20);
    let mut seen = std::collections::HashSet::new();
    let mut total = 0usize;
    for step in steps {
        let consts = step.operands.iter().filter_map(|o| if let Operand::Const(t) = o { Some(*t) } else { None });
        for t in consts.chain(step.weights.iter().copied()) {
            if seen.insert(t) {
                total = total.saturating_add(graph.tensors[t].bytes());
            }
        }
    }
    if total > limit {
        return Err(Error::new(
            file,
            ErrorKind::Invalid(format!(
                "the constant operands add up to {total} bytes from a {file_len}-byte file: tensors share \
                 buffers far more than any converter writes (the file is corrupt)"
            )),
        ));
    }
    Ok(())
}

/// The scratch bytes the planner reserves for one `TFLite_Detection_PostProcess` (anchors,
/// classes, `max_detections`, output slots, detections per class, regular NMS): kiln's tests
/// compare it with the runtime's `DetectionPostProcessParams::scratch_bytes`.
#[doc(hidden)]
pub fn detection_postprocess_scratch_bytes(n: usize, classes: usize, max_detections: usize, slots: usize, per_class: usize, regular: bool) -> usize {
    lower::detection_postprocess::scratch_bytes(n, classes, max_detections, slots, per_class, regular)
}

/// Options for [`compile`].
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// Struct name, any Rust identifier (raw ones such as `r#type` included); defaults to the
    /// file stem in UpperCamelCase. A name that is not UpperCamelCase compiles, and rustc's
    /// `non_camel_case_types` lint warns about it where the struct is used as usual.
    pub name: Option<String>,
    /// Where the struct's name comes from in the user's source (`include_model!` passes its
    /// `name = …` token), so rustc's lints and errors about the name point there; `None`: the
    /// call site.
    pub name_span: Option<proc_macro2::Span>,
    /// Absolute path to `include_bytes!` in the output so cargo rebuilds when the model changes.
    pub track_path: Option<String>,
    /// How float16 weights are compiled (default: folded to f32 constants).
    pub f16_weights: F16Weights,
    /// Call `kiln::profile::layer_begin(i)` / `layer_end(i)` around every layer that has code
    /// (`i`: the op's index in the model), for per-layer measurements on the target. Off by
    /// default; off, the output is exactly what it is without the option.
    pub profile_layers: bool,
    /// The shape of the first input, for models whose `shape_signature` has −1s (dynamic batch
    /// or length): kiln compiles static shapes only, so the user fixes them here and every
    /// dependent shape is re-inferred at compile time. `None`: the file's shapes.
    pub input_shape: Option<Vec<usize>>,
    /// The most arena bytes the model may use: kiln takes the fastest plan that fits (whole
    /// layers, then layers in place, then the first layers in row bands, patches, in the
    /// fewest kernel calls); when nothing fits, compiling fails naming the smallest arena it
    /// can reach. `None`: the default plan (in-place layers that cost little, and a patched
    /// stage only where one saves a quarter of the arena). Outputs are bit-identical either way.
    pub max_arena_bytes: Option<usize>,
    /// Custom ops mapped to the user's functions: `(custom code, Rust path)`, e.g.
    /// `("MyOp", "crate::ops::my_op")`. See the `kiln::custom` module for the signature.
    pub custom_ops: Vec<(String, String)>,
    /// Refuse models whose run time depends on the input (WHILE loops, whose trip count is the
    /// model's own business, IF, whose branches may differ in time, and `TFLite_Detection_PostProcess`, whose sort and NMS depend on
    /// the scores): compiling them fails with [`ErrorKind::DataDependentTiming`] naming each
    /// such op. Off by default; `kiln inspect` reports the same ops either way.
    pub deterministic_timing: bool,
}

/// Compiles model bytes to the tokens of a module defining the model struct.
pub fn compile(file: &str, bytes: &[u8], opts: &CompileOptions) -> Result<TokenStream, Error> {
    compile_timed(file, bytes, opts, &mut Timings::default())
}

/// [`compile`], adding the wall time of each phase to `timings`.
pub fn compile_timed(file: &str, bytes: &[u8], opts: &CompileOptions, timings: &mut Timings) -> Result<TokenStream, Error> {
    let name = match &opts.name {
        Some(n) => n.clone(),
        None => struct_name_for(file),
    };
    check_name(file, &name)?;
    let a = analyze_timed(file, bytes, opts, timings)?;
    Ok(timings.time("emit", || {
        emit::emit(
            &a.graph,
            &a.steps,
            &a.plan,
            &emit::EmitOptions {
                name: &name,
                name_span: opts.name_span,
                source: file,
                track_path: opts.track_path.as_deref(),
                profile_layers: opts.profile_layers,
            },
        )
    }))
}

/// `models/person_detect.tflite` → `PersonDetect`.
pub fn struct_name_for(path: &str) -> String {
    let stem = std::path::Path::new(path).file_stem().and_then(|s| s.to_str()).unwrap_or("model");
    let mut out = String::new();
    let mut upper = true;
    for ch in stem.chars() {
        if ch.is_ascii_alphanumeric() {
            if upper {
                out.extend(ch.to_uppercase());
            } else {
                out.push(ch);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Model");
    }
    out
}

/// Any Rust identifier names a model (`DigitsInt8`, `M_Digits`, `digits_model`, `r#type`);
/// keywords (unless raw) and non-identifiers do not.
fn check_name(file: &str, name: &str) -> Result<(), Error> {
    use syn::ext::IdentExt;
    let usage = |why: String| Err(Error::new(file, ErrorKind::Usage(format!("`{name}` is not a valid model name: {why}"))));
    // `parse_any` accepts keywords too, so keywords get their own message.
    let Ok(any) = syn::parse::Parser::parse_str(syn::Ident::parse_any, name) else {
        return usage(
            "a model name is a Rust identifier (a letter or `_` first, then letters, digits and `_`), e.g. `PersonDetect`".into(),
        );
    };
    if any.to_string() != name || name == "_" {
        return usage("a model name is a Rust identifier, e.g. `PersonDetect`".into());
    }
    if syn::parse_str::<syn::Ident>(name).is_err() {
        let raw = if matches!(name, "self" | "Self" | "super" | "crate") { String::new() } else { format!(" or write it raw, `r#{name}`") };
        return usage(format!("it is a Rust keyword, which cannot name a struct; choose another name{raw}"));
    }
    Ok(())
}

/// Pretty-prints generated tokens as a source file.
pub fn format_tokens(tokens: &TokenStream) -> Result<String, syn::Error> {
    let file: syn::File = syn::parse2(tokens.clone())?;
    Ok(prettyplease::unparse(&file))
}
