//! Compile errors. Every message names the model file and the offending thing, because the
//! user sees it as a `compile_error!` in a firmware build, far from the model's origin.

use std::fmt;

/// An op kiln cannot compile, with where it sits in the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsupportedOp {
    /// Position in the subgraph's operator list (TFLite's execution order).
    pub index: usize,
    /// Builtin name (`CONV_2D`) or `CUSTOM(<code>)`.
    pub name: String,
    /// Why: the op itself, a dtype, or an option.
    pub reason: String,
}

#[derive(Debug)]
/// What went wrong, with the details for the message.
pub enum ErrorKind {
    /// The model file could not be read.
    Io(std::io::Error),
    /// A generated file could not be written (`Error::file` is the output path).
    Write(std::io::Error),
    /// A report file (`kiln inspect --html/--svg`) could not be written (`Error::file` is its path).
    WriteReport(std::io::Error),
    /// The bytes are not a valid TFLite flatbuffer (empty, truncated, wrong identifier, …).
    Format(String),
    /// The file is a valid model that violates a structural rule (indices, shapes, buffers, quantization).
    Invalid(String),
    /// Every op the compiler cannot handle, listed in graph order.
    Unsupported(Vec<UnsupportedOp>),
    /// A request to the generator itself was wrong (bad name, option).
    Usage(String),
    /// `max_arena_bytes` is below the smallest arena kiln can plan for the model, even with
    /// patches: `smallest` is that arena (what the user can ask for instead).
    ArenaLimit {
        /// The arena the user asked for.
        requested: usize,
        /// The smallest arena kiln reaches.
        smallest: usize,
        /// The message: both figures and how the smallest is reached.
        why: String,
    },
    /// The `input_shape` option does not fit the model's first input (the macro points at it).
    InputShape(String),
    /// `deterministic_timing` was asked for, but the model's run time depends on its input
    /// (a WHILE loop, a detection post-process): every such op, in graph order.
    DataDependentTiming(String),
}

/// A compile error tied to a model file.
pub struct Error {
    /// The model path as the user wrote it (or a label such as `<bytes>`).
    pub file: String,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl Error {
    /// An error about `file`.
    pub fn new(file: impl Into<String>, kind: ErrorKind) -> Self {
        Error { file: file.into(), kind }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "kiln: `{}`: ", self.file)?;
        match &self.kind {
            ErrorKind::Io(e) => match e.kind() {
                std::io::ErrorKind::NotFound => write!(f, "cannot read the model file: no such file"),
                std::io::ErrorKind::IsADirectory => {
                    write!(f, "cannot read the model file: it is a directory, not a .tflite file")
                }
                _ => write!(f, "cannot read the model file: {e}"),
            },
            ErrorKind::Write(e) => write!(f, "cannot write the generated source: {e}"),
            ErrorKind::WriteReport(e) => write!(f, "cannot write the report: {e}"),
            ErrorKind::Format(m) => write!(f, "not a valid .tflite model: {m}"),
            ErrorKind::Invalid(m) => write!(f, "{m}"),
            ErrorKind::Usage(m) | ErrorKind::InputShape(m) | ErrorKind::DataDependentTiming(m) => write!(f, "{m}"),
            ErrorKind::ArenaLimit { why, .. } => write!(f, "{why}"),
            ErrorKind::Unsupported(ops) => {
                let n = ops.len();
                write!(f, "{n} unsupported op{}:", if n == 1 { "" } else { "s" })?;
                for op in ops {
                    write!(f, "\n  op #{} {}: {}", op.index, op.name, op.reason)?;
                }
                Ok(())
            }
        }
    }
}

/// `Debug` shows the message too, so `fn main() -> Result<(), kiln_codegen::Error>` in a
/// build script prints something a person can act on.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io(e) | ErrorKind::Write(e) | ErrorKind::WriteReport(e) => Some(e),
            _ => None,
        }
    }
}
