//! The build-script API, in the manner of prost-build: compile models to `$OUT_DIR/<stem>.rs`
//! for `include!`, with exactly the tokens `include_model!` would expand to.

use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind};
use crate::CompileOptions;

struct ModelEntry {
    path: String,
    name: Option<String>,
    f16_weights: F16Weights,
    profile_layers: bool,
    input_shape: Option<Vec<usize>>,
    max_arena_bytes: Option<usize>,
    custom_ops: Vec<(String, String)>,
    deterministic_timing: bool,
}

/// How float16 weights (the converter's float16 mode: float16 constants widened by DEQUANTIZE
/// ops) are compiled. `include_model!(path, f16 = "fold" | "keep")`, [`Config::f16_weights`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum F16Weights {
    /// Widen to f32 constants at compile time: fastest, twice the flash of the float16 file.
    #[default]
    Fold,
    /// Keep CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED filters as float16 in flash (half the
    /// bytes) and widen each weight as the kernel reads it; needs the `kiln-tflite` feature `f16`.
    /// Results are identical to `Fold` (widening is exact).
    Keep,
}

impl F16Weights {
    /// `"fold"` or `"keep"`.
    pub fn parse(s: &str) -> Option<F16Weights> {
        match s {
            "fold" => Some(F16Weights::Fold),
            "keep" => Some(F16Weights::Keep),
            _ => None,
        }
    }
}

/// Configures and runs code generation from `build.rs`.
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), kiln_codegen::Error> {
///     kiln_codegen::Config::new()
///         .model("models/person_detect.tflite") // relative to CARGO_MANIFEST_DIR
///         .name("PersonDetect")
///         .compile() // writes $OUT_DIR/person_detect.rs and prints cargo:rerun-if-changed
/// }
/// // src/lib.rs: include!(concat!(env!("OUT_DIR"), "/person_detect.rs"));
/// ```
#[derive(Default)]
pub struct Config {
    models: Vec<ModelEntry>,
    out_dir: Option<PathBuf>,
    manifest_dir: Option<PathBuf>,
}

impl Config {
    /// A configuration with no models; add them with [`Config::model`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a model (path relative to the manifest directory, as for `include_model!`).
    pub fn model(&mut self, path: impl Into<String>) -> &mut Self {
        self.models.push(ModelEntry { path: path.into(), name: None, f16_weights: F16Weights::Fold, profile_layers: false, input_shape: None, max_arena_bytes: None, custom_ops: Vec::new(), deterministic_timing: false });
        self
    }

    /// Names the struct of the model added last: any Rust identifier (default: the file stem in
    /// UpperCamelCase). Keywords and non-identifiers are a [`ErrorKind::Usage`] error at
    /// [`Config::compile`].
    pub fn name(&mut self, name: impl Into<String>) -> &mut Self {
        if let Some(m) = self.models.last_mut() {
            m.name = Some(name.into());
        }
        self
    }

    /// How the float16 weights of the model added last are compiled (default: [`F16Weights::Fold`]).
    pub fn f16_weights(&mut self, mode: F16Weights) -> &mut Self {
        if let Some(m) = self.models.last_mut() {
            m.f16_weights = mode;
        }
        self
    }

    /// Per-layer profiling markers for the model added last (default: off): the generated code
    /// calls `kiln::profile::layer_begin(i)` before and `kiln::profile::layer_end(i)` after every
    /// layer that has code, `i` being the op's index in the model, so a debugger or an
    /// instruction counter on the target can measure each layer. Off, the output is unchanged.
    pub fn profile_layers(&mut self, on: bool) -> &mut Self {
        if let Some(m) = self.models.last_mut() {
            m.profile_layers = on;
        }
        self
    }

    /// Refuse the model added last if its run time depends on its input (WHILE loops, IF, a
    /// detection post-process): compiling fails with
    /// [`ErrorKind::DataDependentTiming`](crate::ErrorKind::DataDependentTiming) naming each such
    /// op. Default: off.
    pub fn deterministic_timing(&mut self, on: bool) -> &mut Self {
        if let Some(m) = self.models.last_mut() {
            m.deterministic_timing = on;
        }
        self
    }

    /// Fixes the first input's shape of the model added last, for models whose
    /// `shape_signature` has −1s (dynamic batch or length), e.g. `&[1, 16000]`; every shape that
    /// depends on it is re-inferred at compile time. Default: the file's shapes.
    pub fn input_shape(&mut self, shape: &[usize]) -> &mut Self {
        if let Some(m) = self.models.last_mut() {
            m.input_shape = Some(shape.to_vec());
        }
        self
    }

    /// Caps the arena of the model added last at `bytes`, asking for the fastest plan that
    /// fits: whole layers when they fit (even where the default build would stream the first
    /// layers to save RAM), else in-place layers, else the first layers in row bands (patches)
    /// with the fewest kernel calls; when no split fits, [`Config::compile`] fails with
    /// [`ErrorKind::ArenaLimit`], which names the smallest arena kiln can reach. Outputs are
    /// bit-identical either way.
    pub fn max_arena_bytes(&mut self, bytes: usize) -> &mut Self {
        if let Some(m) = self.models.last_mut() {
            m.max_arena_bytes = Some(bytes);
        }
        self
    }

    /// Maps the custom op `code` of the model added last to the user's function at `path` (a
    /// Rust path from the crate root, e.g. `"crate::ops::my_op"`), which the generated code
    /// calls; see `kiln::custom` for its signature. Call once per custom op.
    pub fn custom_op(&mut self, code: impl Into<String>, path: impl Into<String>) -> &mut Self {
        if let Some(m) = self.models.last_mut() {
            m.custom_ops.push((code.into(), path.into()));
        }
        self
    }

    /// Where to write (default: `$OUT_DIR`).
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Base for relative model paths (default: `$CARGO_MANIFEST_DIR`).
    pub fn manifest_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.manifest_dir = Some(dir.into());
        self
    }

    /// Generates every model; each becomes `<out_dir>/<file stem>.rs`.
    pub fn compile(&mut self) -> Result<(), Error> {
        let env_dir = |var: &str, what: &str| -> Result<PathBuf, Error> {
            std::env::var_os(var).map(PathBuf::from).ok_or_else(|| {
                Error::new("<build script>", ErrorKind::Usage(format!("${var} is not set; call {what} or run from build.rs")))
            })
        };
        let out_dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => env_dir("OUT_DIR", "Config::out_dir")?,
        };
        let base = match &self.manifest_dir {
            Some(d) => d.clone(),
            None => env_dir("CARGO_MANIFEST_DIR", "Config::manifest_dir")?,
        };
        if self.models.is_empty() {
            return Err(Error::new("<build script>", ErrorKind::Usage("no model given: call Config::model".into())));
        }
        for m in &self.models {
            let full = base.join(&m.path);
            println!("cargo:rerun-if-changed={}", full.display());
            let bytes = std::fs::read(&full).map_err(|e| Error::new(m.path.clone(), ErrorKind::Io(e)))?;
            let opts = CompileOptions {
                name: m.name.clone(),
                name_span: None,
                track_path: Some(full.to_string_lossy().into_owned()),
                f16_weights: m.f16_weights,
                profile_layers: m.profile_layers,
                input_shape: m.input_shape.clone(),
                max_arena_bytes: m.max_arena_bytes,
                custom_ops: m.custom_ops.clone(),
                deterministic_timing: m.deterministic_timing,
            };
            let source = generate_source(&m.path, &bytes, &opts)?;
            let stem = Path::new(&m.path).file_stem().and_then(|s| s.to_str()).unwrap_or("model");
            let target = out_dir.join(format!("{stem}.rs"));
            std::fs::create_dir_all(&out_dir)
                .and_then(|()| write_atomically(&target, source.as_bytes()))
                .map_err(|e| Error::new(target.display().to_string(), ErrorKind::Write(e)))?;
        }
        Ok(())
    }
}

/// Formatted source of one model, headed by where it came from.
pub fn generate_source(file: &str, bytes: &[u8], opts: &CompileOptions) -> Result<String, Error> {
    generate_source_timed(file, bytes, opts, &mut crate::Timings::default())
}

/// [`generate_source`], adding the wall time of each phase to `timings` (`kiln generate -v`).
pub fn generate_source_timed(file: &str, bytes: &[u8], opts: &CompileOptions, timings: &mut crate::Timings) -> Result<String, Error> {
    use sha2::Digest;
    let tokens = crate::compile_timed(file, bytes, opts, timings)?;
    timings.time("format", || {
        let body = crate::format_tokens(&tokens)
            .map_err(|e| Error::new(file, ErrorKind::Usage(format!("internal error: generated code does not parse: {e}"))))?;
        let digest = sha2::Sha256::digest(bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Ok(format!(
            "// @generated by kiln-codegen {} from `{file}`. Do not edit.\n// source sha256: {hex}\n\n{body}",
            env!("CARGO_PKG_VERSION")
        ))
    })
}

/// Writes via a temporary file and a rename, so a failed run never leaves a truncated file
/// and never clobbers the previous output.
pub fn write_atomically(path: &Path, data: &[u8]) -> std::io::Result<()> {
    write_all_atomically(&[(path, data)]).map_err(|(_, e)| e)
}

/// How one output reaches its path.
enum Destination {
    /// A regular file, or none yet: a temporary beside it, renamed over it. For a symlink the
    /// target is replaced and the link kept.
    Replace { target: PathBuf, tmp: PathBuf },
    /// A device, pipe or socket (`/dev/stdout`, a FIFO): written in place, since a rename
    /// would replace the special file itself with a regular one.
    Stream,
}

/// [`write_atomically`] for files that belong together (`kiln inspect --html … --svg …`):
/// every file goes to a temporary first, and the renames start only once all were written and
/// no destination is a directory, so a failure leaves every existing file as it was. The
/// error names the file it is about.
pub fn write_all_atomically(files: &[(&Path, &[u8])]) -> Result<(), (PathBuf, std::io::Error)> {
    let mut plan = Vec::new();
    let mut result = Ok(());
    for (i, (path, data)) in files.iter().enumerate() {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                result = Err((path.to_path_buf(), std::io::Error::new(std::io::ErrorKind::IsADirectory, "it is a directory")));
                break;
            }
            Ok(m) if !m.is_file() => {
                plan.push(Destination::Stream);
                continue;
            }
            _ => {}
        }
        let target = if path.is_symlink() { std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()) } else { path.to_path_buf() };
        let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        let tmp = dir.join(format!(".{name}.kiln-{}-{i}.tmp", std::process::id()));
        let written = std::fs::write(&tmp, data);
        plan.push(Destination::Replace { target, tmp });
        if let Err(e) = written {
            result = Err((path.to_path_buf(), e));
            break;
        }
    }
    // Streams first: they cannot be taken back, but a failed one leaves the files untouched.
    if result.is_ok() {
        for ((path, data), dest) in files.iter().zip(&plan) {
            if let Destination::Stream = dest {
                if let Err(e) = std::fs::write(path, data) {
                    result = Err((path.to_path_buf(), e));
                    break;
                }
            }
        }
    }
    if result.is_ok() {
        for ((path, _), dest) in files.iter().zip(&plan) {
            if let Destination::Replace { target, tmp } = dest {
                if let Err(e) = std::fs::rename(tmp, target) {
                    result = Err((path.to_path_buf(), e));
                    break;
                }
            }
        }
    }
    if result.is_err() {
        for dest in &plan {
            if let Destination::Replace { tmp, .. } = dest {
                let _ = std::fs::remove_file(tmp);
            }
        }
    }
    result
}
