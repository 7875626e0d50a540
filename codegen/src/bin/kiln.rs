//! `kiln`: the compiler outside the proc-macro, for vendoring, review and sizing hardware.
//!
//! ```text
//! kiln generate MODEL.tflite [-o model.rs] [--name X] [--profile] [--deterministic-timing] [--input-shape 1,N] [-v]
//!                                                      formatted Rust source (stdout by default);
//!                                                      --profile: per-layer markers (kiln::profile)
//!                                                      --input-shape: fixes a dynamic input shape
//!                                                      -v: each phase's wall time on stderr
//! kiln inspect  MODEL.tflite [--json | --dot] [--input-shape 1,N]
//!                                                      per-layer MACs, parameters, memory
//!               [--html FILE] [--svg FILE]               …or as a page / the arena plan picture
//!               [-v]                                     each phase's wall time on stderr
//! kiln ops                                               the supported op × type table (Markdown)
//! ```
//! Exit status: 0 success; 1 `inspect` found unsupported ops (the report is still printed);
//! 2 the model is missing, unreadable, corrupt or cannot be compiled, or an output file cannot
//! be written (one line on stderr).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kiln_codegen::{CompileOptions, Error, ErrorKind, Timings};

#[derive(Parser)]
#[command(name = "kiln", version, about = "Compile int8 TensorFlow Lite models to interpreter-free Rust")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print (or write) the Rust source for a model.
    Generate {
        model: PathBuf,
        /// Output file; written only if generation succeeds (never left truncated).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Struct name, any Rust identifier (default: the file stem in UpperCamelCase).
        #[arg(long)]
        name: Option<String>,
        /// Call `kiln::profile::layer_begin(i)` / `layer_end(i)` around every layer (per-layer
        /// measurements on the target).
        #[arg(long)]
        profile: bool,
        /// Refuse models whose run time depends on the input (WHILE loops, a detection
        /// post-process), naming each such op.
        #[arg(long)]
        deterministic_timing: bool,
        /// The first input's shape, comma-separated (`1,16000`), for models whose shape_signature
        /// has −1s (dynamic batch or length).
        #[arg(long, value_delimiter = ',', num_args = 1..)]
        input_shape: Option<Vec<usize>>,
        /// Cap the arena at this many bytes: the first layers run in row bands (patches) when
        /// the plain plan is larger; fails naming the smallest arena kiln can reach.
        #[arg(long, value_name = "BYTES")]
        max_arena_bytes: Option<usize>,
        /// Map a custom op to your function, `CODE=crate::path::to::function` (repeatable); see
        /// `kiln::custom` for the function's signature.
        #[arg(long = "custom-op", value_name = "CODE=PATH", value_parser = parse_custom_op)]
        custom_op: Vec<(String, String)>,
        /// Print the wall time of each compiler phase to stderr (read, verify, build-ir, shapes,
        /// lower, plan, emit, format, write).
        #[arg(short, long)]
        verbose: bool,
    },
    /// Per-layer report: shapes, quantization, MACs, parameters, weight and arena bytes.
    Inspect {
        model: PathBuf,
        /// JSON instead of a table.
        #[arg(long, conflicts_with = "dot")]
        json: bool,
        /// The graph in Graphviz DOT.
        #[arg(long)]
        dot: bool,
        /// Write the report as one self-contained HTML page (table, totals, memory plan)
        /// instead of printing it.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["json", "dot"])]
        html: Option<PathBuf>,
        /// Write the memory plan picture (SVG) instead of printing the report.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["json", "dot"])]
        svg: Option<PathBuf>,
        /// The first input's shape, comma-separated (`1,16000`), for models with dynamic shapes.
        #[arg(long, value_delimiter = ',', num_args = 1..)]
        input_shape: Option<Vec<usize>>,
        /// Report the model as compiled with this arena cap (`kiln generate --max-arena-bytes`):
        /// the patched stage, its bands and the MACs they recompute.
        #[arg(long, value_name = "BYTES")]
        max_arena_bytes: Option<usize>,
        /// Map a custom op to a function, `CODE=crate::path::to::function` (repeatable), as
        /// `kiln generate --custom-op` does.
        #[arg(long = "custom-op", value_name = "CODE=PATH", value_parser = parse_custom_op)]
        custom_op: Vec<(String, String)>,
        /// Print the wall time of each phase to stderr (read, verify, build-ir, shapes, lower,
        /// plan, report, render, write).
        #[arg(short, long)]
        verbose: bool,
    },
    /// The table of supported ops and element types (Markdown, as in the README).
    Ops,
}

/// `CODE=PATH` of `--custom-op`.
fn parse_custom_op(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((code, path)) if !code.is_empty() && !path.is_empty() => Ok((code.to_string(), path.to_string())),
        _ => Err(format!("`{s}`: expected CODE=PATH, e.g. MyOp=crate::ops::my_op")),
    }
}

fn read(path: &PathBuf) -> Result<(String, Vec<u8>), Error> {
    let label = path.display().to_string();
    match std::fs::read(path) {
        Ok(b) => Ok((label, b)),
        Err(e) => Err(Error::new(label, ErrorKind::Io(e))),
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Ops => {
            print!("{}", kiln_codegen::op_table::op_table_markdown());
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate { model, output, name, profile, deterministic_timing, input_shape, max_arena_bytes, custom_op, verbose } => {
            let mut timings = Timings::default();
            let (label, bytes) = timings.time("read", || read(&model))?;
            let opts = CompileOptions {
                name,
                profile_layers: profile,
                deterministic_timing,
                input_shape,
                max_arena_bytes,
                custom_ops: custom_op,
                ..Default::default()
            };
            let generated = kiln_codegen::generate_source_timed(&label, &bytes, &opts, &mut timings);
            if verbose && generated.is_err() {
                print_timings("generate", &label, bytes.len(), &timings);
            }
            let source = generated?;
            timings.time("write", || match &output {
                Some(path) => kiln_codegen::write_atomically(path, source.as_bytes())
                    .map_err(|e| Error::new(path.display().to_string(), ErrorKind::Write(e))),
                None => {
                    // A closed pipe (`kiln generate m.tflite | head`) is not an error worth a panic.
                    let _ = std::io::stdout().lock().write_all(source.as_bytes());
                    Ok(())
                }
            })?;
            if verbose {
                print_timings("generate", &label, bytes.len(), &timings);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Inspect { model, json, dot, html, svg, input_shape, max_arena_bytes, custom_op, verbose } => {
            let mut timings = Timings::default();
            let (label, bytes) = timings.time("read", || read(&model))?;
            let opts = CompileOptions { input_shape, max_arena_bytes, custom_ops: custom_op, ..Default::default() };
            let report = kiln_codegen::report::inspect_timed(&label, &bytes, &opts, &mut timings);
            if verbose && report.is_err() {
                print_timings("inspect", &label, bytes.len(), &timings);
            }
            let report = report?;
            let status = if report.unsupported.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) };
            if html.is_some() || svg.is_some() {
                if html.is_some() && html == svg {
                    let path = html.unwrap_or_default().display().to_string();
                    return Err(Error::new(path, ErrorKind::Usage("--html and --svg name the same file".into())));
                }
                let files: Vec<(PathBuf, String)> = timings.time("render", || {
                    [html.map(|p| (p, report.to_html())), svg.map(|p| (p, report.to_svg()))].into_iter().flatten().collect()
                });
                let files: Vec<(&std::path::Path, &[u8])> = files.iter().map(|(p, t)| (p.as_path(), t.as_bytes())).collect();
                // All or nothing: a failure leaves every existing file as it was.
                timings
                    .time("write", || kiln_codegen::write_all_atomically(&files))
                    .map_err(|(path, e)| Error::new(path.display().to_string(), ErrorKind::WriteReport(e)))?;
                if verbose {
                    print_timings("inspect", &label, bytes.len(), &timings);
                }
                return Ok(status);
            }
            let text = timings.time("render", || {
                if json {
                    let mut s = serde_json::to_string_pretty(&report.to_json()).expect("JSON values serialize");
                    s.push('\n');
                    s
                } else if dot {
                    report.to_dot()
                } else {
                    report.to_text()
                }
            });
            timings.time("write", || {
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
            });
            if verbose {
                print_timings("inspect", &label, bytes.len(), &timings);
            }
            Ok(status)
        }
    }
}

/// `kiln generate -v`, `kiln inspect -v`: one line per phase that ran (a failed run stops at
/// its failing phase) and the total, on stderr.
fn print_timings(command: &str, label: &str, file_bytes: usize, timings: &Timings) {
    let mut text = format!("kiln {command} {label} ({file_bytes} bytes): wall time per phase\n");
    for (name, took) in &timings.phases {
        let what = kiln_codegen::phase_description(name);
        text += &format!("  {name:<9} {:>10.3} ms  {what}\n", took.as_secs_f64() * 1e3);
    }
    text += &format!("  {:<9} {:>10.3} ms\n", "total", timings.total().as_secs_f64() * 1e3);
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
