//! `kiln`: the compiler outside the proc-macro, for vendoring, review and sizing hardware.
//!
//! ```text
//! kiln generate MODEL.tflite [-o model.rs] [--name X] [--profile]
//!                                                      formatted Rust source (stdout by default);
//!                                                      --profile: per-layer markers (kiln::profile)
//! kiln inspect  MODEL.tflite [--json | --dot]            per-layer MACs, parameters, memory
//! kiln ops                                               the supported op × type table (Markdown)
//! ```
//! Exit status: 0 success; 1 `inspect` found unsupported ops (the report is still printed);
//! 2 the model is missing, unreadable, corrupt or cannot be compiled (one line on stderr).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kiln_codegen::{CompileOptions, Error, ErrorKind};

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
    },
    /// The table of supported ops and element types (Markdown, as in the README).
    Ops,
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
        Command::Generate { model, output, name, profile } => {
            let (label, bytes) = read(&model)?;
            let opts = CompileOptions { name, profile_layers: profile, ..Default::default() };
            let source = kiln_codegen::generate_source(&label, &bytes, &opts)?;
            match output {
                Some(path) => kiln_codegen::write_atomically(&path, source.as_bytes())
                    .map_err(|e| Error::new(path.display().to_string(), ErrorKind::Write(e)))?,
                None => {
                    // A closed pipe (`kiln generate m.tflite | head`) is not an error worth a panic.
                    let _ = std::io::stdout().lock().write_all(source.as_bytes());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Inspect { model, json, dot } => {
            let (label, bytes) = read(&model)?;
            let report = kiln_codegen::report::inspect(&label, &bytes)?;
            let text = if json {
                let mut s = serde_json::to_string_pretty(&report.to_json()).expect("JSON values serialize");
                s.push('\n');
                s
            } else if dot {
                report.to_dot()
            } else {
                report.to_text()
            };
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Ok(if report.unsupported.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
    }
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
