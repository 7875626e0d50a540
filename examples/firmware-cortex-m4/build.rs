//! Generates the firmware's model suite (`$OUT_DIR/suite.rs`) and trims the golden files to
//! the samples that go into flash (`$OUT_DIR/goldens/`).
//!
//! Suites (chosen by the `shared` feature):
//! * zoo: models from `tests/fixtures/zoo` with their TFLM goldens from `tests/fixtures/golden`,
//!   and the uint8 models of `tests/fixtures/uint8` with their LiteRT-ref goldens.
//!   By default one model, `digits_int8` (`DEFAULT_MODEL`), as a user's firmware would hold one:
//!   plain `cargo run --release` builds and runs that. The whole zoo does not fit one image's
//!   4 MiB of flash; `KILN_FW_SHARD=i/n` runs every n-th zoo model from the i-th (CI's loop over
//!   the zoo), `KILN_FW_MODELS=all` all of them in one image (build-only targets).
//! * shared: the real TFLM models that fit the board (`hello_world_int8`,
//!   `micro_speech_quantized`, `person_detect` with both test images, `simple_add_model`,
//!   `test_conv_model`) from `$KILN_SHARED/models/tflm` (default `../shared` beside the
//!   repository), goldens from `$KILN_SHARED_GOLDENS` (default `target/shared-goldens`, which
//!   `.ci/run` writes with `tests/scripts/make_goldens.py`).
//!
//! Samples per model: all of a model's golden samples if they fit in the suite's budget
//! (inputs + outputs: 32 KiB per zoo model, 512 KiB per shared model), else as many leading
//! samples as fit, but never fewer than `MIN_SAMPLES` (16: the MobileNets). `KILN_FW_SAMPLES=N`
//! caps every model at N samples and `KILN_FW_MODELS=a,b` keeps only the named models (used by
//! the report and the panic-check bisection; `all`: the whole suite); `KILN_FW_SHARD=i/n` keeps
//! every n-th model from the i-th of the whole suite (of the named ones if `KILN_FW_MODELS` names
//! models). A missing model or golden file fails the build.
//! `KILN_FW_PROFILE=1` compiles every model with `profile = true` (`kiln::profile::layer_begin`/
//! `layer_end` around each layer, for `tests/firmware/report.sh --per-layer`).
//! `KILN_FW_PATCH=smallest|fewest|N` compiles every model with `max_arena_bytes`: the smallest
//! arena kiln reaches (most row bands), one byte under the plain plan (fewest bands), or `N`; models
//! whose layers cannot run in patches are left out, and a suite left empty fails the build.
//!
//! Also: the memory map (`memory/<machine>.x`, see [`machine`]) and the cfgs `fw_expect_dsp`
//! (this target must use the DSP kernels), `fw_expect_mve` (the Helium ones) and `fw_no_cortex_m` (build-only Cortex-R).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

/// Golden bytes (inputs + outputs) per model: the zoo has 40 models in 4 MiB of flash, the shared
/// suite five.
const ZOO_BUDGET: usize = 32 * 1024;
const SHARED_BUDGET: usize = 512 * 1024;
const MIN_SAMPLES: usize = 16;
/// The zoo model a plain `cargo run --release` runs (the README's quick-start model).
const DEFAULT_MODEL: &str = "digits_int8";

const SHARED_MODELS: [&str; 5] = [
    "hello_world_int8",
    "micro_speech_quantized",
    "person_detect",
    "simple_add_model",
    "test_conv_model",
];

fn fail(msg: String) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(1);
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| fail(format!("cannot read {}: {e}", path.display())))
}

/// `"samples": N` from a golden meta.json.
fn sample_count(meta: &Path) -> usize {
    let text = String::from_utf8(read(meta)).unwrap_or_else(|_| fail(format!("{} is not UTF-8", meta.display())));
    let rest = text
        .split("\"samples\":")
        .nth(1)
        .unwrap_or_else(|| fail(format!("{}: no \"samples\" field", meta.display())));
    let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or_else(|_| fail(format!("{}: bad \"samples\" field", meta.display())))
}

/// `, input_shape = [..]` for a model with a dynamic input (its golden meta.json records the shape
/// the goldens were made at, `"input_shape": [1, 40, 4]`), else nothing.
fn input_shape_option(meta: &Path) -> String {
    let text = String::from_utf8(read(meta)).unwrap_or_else(|_| fail(format!("{} is not UTF-8", meta.display())));
    match text.split("\"input_shape\":").nth(1) {
        Some(rest) => {
            let list: String = rest.trim_start().chars().take_while(|&c| c != ']').collect();
            let dims: Vec<&str> = list.trim_start_matches('[').split(',').map(str::trim).collect();
            if dims.iter().any(|d| d.parse::<usize>().is_err()) {
                fail(format!("{}: bad \"input_shape\" field", meta.display()));
            }
            format!(", input_shape = [{}]", dims.join(", "))
        }
        None => String::new(),
    }
}

fn camel(stem: &str) -> String {
    stem.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Golden files of one case, trimmed into `$OUT_DIR/goldens/<case>/`.
struct Case {
    label: String,
    samples: usize,
    inputs: Vec<PathBuf>,
    outputs: Vec<PathBuf>,
}

fn files(dir: &Path, prefix: &str, stem_prefix: &str) -> Vec<PathBuf> {
    (0..)
        .map(|k| dir.join(format!("{stem_prefix}{prefix}{k}.bin")))
        .take_while(|p| p.exists())
        .collect()
}

fn trim_case(out: &Path, label: &str, dir: &Path, stem_prefix: &str, total: usize, cap: Option<usize>, budget: usize) -> Case {
    let ins = files(dir, "input", stem_prefix);
    let outs = files(dir, "output", stem_prefix);
    if ins.is_empty() || outs.is_empty() {
        fail(format!("no golden {stem_prefix}input0.bin / output0.bin in {}", dir.display()));
    }
    let sizes: Vec<usize> = ins.iter().chain(&outs).map(|p| read(p).len()).collect();
    for (p, &n) in ins.iter().chain(&outs).zip(&sizes) {
        if total == 0 || n % total != 0 {
            fail(format!("{}: {n} bytes is not {total} whole samples", p.display()));
        }
    }
    let per_sample: usize = sizes.iter().map(|n| n / total).sum();
    let fit = (budget / per_sample.max(1)).max(MIN_SAMPLES);
    let samples = total.min(fit).min(cap.unwrap_or(usize::MAX)).max(1);
    let case_dir = out.join("goldens").join(label.replace('/', "__"));
    fs::create_dir_all(&case_dir).unwrap_or_else(|e| fail(format!("{}: {e}", case_dir.display())));
    let trim = |paths: &[PathBuf]| -> Vec<PathBuf> {
        paths
            .iter()
            .map(|p| {
                let bytes = read(p);
                let keep = bytes.len() / total * samples;
                let dst = case_dir.join(p.file_name().unwrap_or_default());
                fs::write(&dst, &bytes[..keep]).unwrap_or_else(|e| fail(format!("{}: {e}", dst.display())));
                println!("cargo:rerun-if-changed={}", p.display());
                dst
            })
            .collect()
    };
    Case { label: label.to_string(), samples, inputs: trim(&ins), outputs: trim(&outs) }
}

/// The QEMU machine (and `memory/<machine>.x`) this build is for: from the target and the
/// `-C target-cpu` in the rustflags (`.cargo/config.toml`, `m7.toml`, `m55.toml`).
///
/// | target | target-cpu | machine |
/// |---|---|---|
/// | `thumbv7em-none-eabihf` | `cortex-m4` (or none) | `mps2-an386` |
/// | `thumbv7em-none-eabihf` | `cortex-m7` | `mps2-an500` |
/// | `thumbv8m.main-none-eabihf` | `cortex-m33` | `mps2-an505` (Secure aliases) |
/// | `thumbv8m.main-none-eabihf` | `cortex-m55` | `mps3-an547` (Secure aliases; `m55.toml`) |
/// | `thumbv6m-none-eabi`, `armv7r-none-eabihf` | any | `mps2-an386` (build only) |
fn machine() -> &'static str {
    let target = env::var("TARGET").unwrap_or_default();
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let cpu = flags
        .split('\x1f')
        .filter_map(|f| f.strip_prefix("-C").unwrap_or(f).trim_start().strip_prefix("target-cpu="))
        .next_back()
        .unwrap_or("");
    if target.starts_with("thumbv8m.main") && cpu == "cortex-m55" {
        "mps3-an547"
    } else if target.starts_with("thumbv8m.main") {
        "mps2-an505"
    } else if cpu == "cortex-m7" {
        "mps2-an500"
    } else {
        "mps2-an386"
    }
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let repo = manifest.join("../..").canonicalize().unwrap_or_else(|e| fail(format!("repository root: {e}")));

    // cortex-m-rt's link.x includes memory.x from the linker search path: the machine's map.
    let machine = machine();
    let map = manifest.join("memory").join(format!("{machine}.x"));
    fs::copy(&map, out.join("memory.x")).unwrap_or_else(|e| fail(format!("{}: {e}", map.display())));
    // cortex-m-rt's `device` feature (Cargo.toml): its link.x also includes device.x, where a
    // device crate names its interrupt handlers; src/vectors.rs has the one (unused) entry.
    fs::write(out.join("device.x"), "/* no device interrupt handlers: src/vectors.rs */\n")
        .unwrap_or_else(|e| fail(format!("device.x: {e}")));
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory");
    println!("cargo:rustc-env=KILN_FW_MACHINE={machine}");
    // Whether this build must use the Arm DSP instructions (checked by arch_check on the target
    // and by a const assert in main.rs): decided here from the target and this crate's own `dsp`
    // feature, independently of the runtime's build script, so a broken runtime cfg is caught.
    let target = env::var("TARGET").unwrap_or_default();
    println!("cargo::rustc-check-cfg=cfg(fw_expect_dsp)");
    // The same for Helium (the `mve` feature): arch_check and main.rs require kiln::arch::ARM_MVE.
    println!("cargo::rustc-check-cfg=cfg(fw_expect_mve)");
    if env::var_os("CARGO_FEATURE_MVE").is_some() {
        println!("cargo::rustc-cfg=fw_expect_mve");
    }
    // No cortex-m-rt runtime (Cortex-R, built but never run): rt.rs leaves out HardFault and
    // the linker-script symbols.
    println!("cargo::rustc-check-cfg=cfg(fw_no_cortex_m)");
    if !target.starts_with("thumb") {
        println!("cargo::rustc-cfg=fw_no_cortex_m");
    }
    // The stack budget (main.rs `STACK_BUDGET`) fails a run on the Cortex-M4, the machine the
    // budget is stated for; the other machines print their figures.
    println!("cargo::rustc-check-cfg=cfg(fw_stack_budget)");
    if machine == "mps2-an386" && target.starts_with("thumbv7em") {
        println!("cargo::rustc-cfg=fw_stack_budget");
    }
    if target.starts_with("thumbv7em") || target.starts_with("armv7r") || env::var_os("CARGO_FEATURE_DSP").is_some() {
        println!("cargo::rustc-cfg=fw_expect_dsp");
    }
    for v in ["KILN_FW_MODELS", "KILN_FW_SAMPLES", "KILN_FW_SHARD", "KILN_FW_PROFILE", "KILN_FW_PATCH", "KILN_SHARED", "KILN_SHARED_GOLDENS"] {
        println!("cargo:rerun-if-env-changed={v}");
    }

    let shard_var = env::var("KILN_FW_SHARD").ok().filter(|s| !s.is_empty());
    let only: Option<Vec<String>> = match env::var("KILN_FW_MODELS").ok().filter(|s| !s.trim().is_empty()) {
        Some(s) if s.trim() == "all" => None,
        Some(s) => Some(s.split(',').map(|m| m.trim().to_string()).collect()),
        // One model, as a user's firmware, unless a shard of the whole zoo or the shared suite
        // (five models, all of them by default) is asked for.
        None if shard_var.is_none() && env::var_os("CARGO_FEATURE_SHARED").is_none() => Some(vec![DEFAULT_MODEL.to_string()]),
        None => None,
    };
    let cap: Option<usize> = env::var("KILN_FW_SAMPLES")
        .ok()
        .map(|s| s.parse().unwrap_or_else(|_| fail(format!("KILN_FW_SAMPLES={s} is not a number"))));
    let shared_suite = env::var_os("CARGO_FEATURE_SHARED").is_some();
    let profile = match env::var("KILN_FW_PROFILE").as_deref() {
        Err(_) | Ok("") | Ok("0") => false,
        Ok("1") => true,
        Ok(other) => fail(format!("KILN_FW_PROFILE={other}: expected 1 (or 0/unset)")),
    };

    // (model stem, .tflite path, golden dir)
    let mut models: Vec<(String, PathBuf, PathBuf)> = Vec::new();
    if shared_suite {
        let shared = env::var_os("KILN_SHARED").map(PathBuf::from).unwrap_or_else(|| repo.join("../shared"));
        let goldens = env::var_os("KILN_SHARED_GOLDENS")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo.join("target/shared-goldens"));
        for m in SHARED_MODELS {
            models.push((m.to_string(), shared.join("models/tflm").join(format!("{m}.tflite")), goldens.join(m)));
        }
    } else {
        let zoo = repo.join("tests/fixtures/zoo");
        println!("cargo:rerun-if-changed={}", zoo.display());
        let mut stems: Vec<String> = fs::read_dir(&zoo)
            .unwrap_or_else(|e| fail(format!("{}: {e}", zoo.display())))
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".tflite")).map(str::to_string))
            .collect();
        stems.sort();
        if stems.is_empty() {
            fail(format!("no .tflite models in {}", zoo.display()));
        }
        for s in stems {
            let golden = repo.join("tests/fixtures/golden").join(&s);
            models.push((s.clone(), zoo.join(format!("{s}.tflite")), golden));
        }
        // The uint8 legacy models (LiteRT-ref goldens beside them), in the same suite.
        let uint8 = repo.join("tests/fixtures/uint8");
        println!("cargo:rerun-if-changed={}", uint8.display());
        let mut stems: Vec<String> = fs::read_dir(&uint8)
            .unwrap_or_else(|e| fail(format!("{}: {e}", uint8.display())))
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".tflite")).map(str::to_string))
            .filter(|s| s.starts_with("u8_"))
            .collect();
        stems.sort();
        for s in stems {
            models.push((s.clone(), uint8.join(format!("{s}.tflite")), uint8.join(&s)));
        }
    }
    if let Some(only) = &only {
        for name in only {
            if !models.iter().any(|(m, _, _)| m == name) {
                fail(format!("KILN_FW_MODELS names `{name}`, which is not in this suite"));
            }
        }
        models.retain(|(m, _, _)| only.contains(m));
    }
    // `KILN_FW_SHARD=i/n`: every n-th model from the i-th, so a zoo larger than one image's
    // flash runs as n firmware images (.ci/firmware.sh loops over the shards).
    if let Some(shard) = shard_var {
        let parsed = shard.split_once('/').and_then(|(i, n)| Some((i.parse::<usize>().ok()?, n.parse::<usize>().ok()?)));
        let Some((i, n)) = parsed.filter(|&(i, n)| i < n) else {
            fail(format!("KILN_FW_SHARD={shard}: expected i/n with i < n"));
        };
        models = models.into_iter().enumerate().filter(|(k, _)| k % n == i).map(|(_, m)| m).collect();
    }

    // `KILN_FW_PATCH`: each model's arena cap, from the compiler itself.
    let patch = env::var("KILN_FW_PATCH").ok().filter(|s| !s.is_empty());
    let mut caps = std::collections::HashMap::new();
    if let Some(mode) = &patch {
        let fixed: Option<usize> = mode.parse().ok();
        if mode != "smallest" && mode != "fewest" && fixed.is_none() {
            fail(format!("KILN_FW_PATCH={mode}: expected smallest, fewest or a byte count"));
        }
        models.retain(|(stem, tflite, golden)| {
            let bytes = read(tflite);
            let label = tflite.display().to_string();
            let shape = input_shape_option(&golden.join("meta.json"));
            if !shape.is_empty() {
                return false; // dynamic models: their static twins are in the suite
            }
            let Ok((whole, smallest)) = kiln_codegen::arena_range(&label, &bytes, &Default::default()) else { return false };
            if smallest >= whole {
                return false;
            }
            let cap = match (mode.as_str(), fixed) {
                (_, Some(bytes)) => bytes,
                ("smallest", _) => smallest,
                _ => whole - 1,
            };
            caps.insert(stem.clone(), cap);
            true
        });
        if models.is_empty() {
            fail(format!("KILN_FW_PATCH={mode}: no model of this suite runs in patches"));
        }
    }

    let mut src = String::from("// @generated by build.rs\n");
    let mut body = String::new();
    for (stem, tflite, golden) in &models {
        if !tflite.exists() {
            fail(format!("model {} not found", tflite.display()));
        }
        let ty = camel(stem);
        let mut opts = if profile { ", profile = true".to_string() } else { String::new() };
        if let Some(cap) = caps.get(stem) {
            opts += &format!(", max_arena_bytes = {cap}");
        }
        let shape = input_shape_option(&golden.join("meta.json"));
        writeln!(src, "kiln::include_model!({:?}, name = {ty}{opts}{shape});", tflite.display().to_string()).unwrap();
        let total = sample_count(&golden.join("meta.json"));
        let budget = if shared_suite { SHARED_BUDGET } else { ZOO_BUDGET };
        let mut cases = vec![trim_case(&out, stem, golden, "", total, cap, budget)];
        if stem == "person_detect" {
            for img in ["person", "no_person"] {
                let label = format!("person_detect/{img}.bmp");
                cases.push(trim_case(&out, &label, &golden.join("images"), &format!("{img}."), 1, cap, budget));
            }
        }
        for c in cases {
            let list = |ps: &[PathBuf]| {
                ps.iter().map(|p| format!("include_bytes!({:?})", p.display().to_string())).collect::<Vec<_>>().join(", ")
            };
            writeln!(
                body,
                "    h.check::<{ty}>({:?}, {}, &[{}], &[{}]);",
                c.label,
                c.samples,
                list(&c.inputs),
                list(&c.outputs)
            )
            .unwrap();
        }
    }
    writeln!(src, "\n/// Which suite this firmware runs.\npub const SUITE: &str = {:?};", if shared_suite { "shared" } else { "zoo" })
        .unwrap();
    writeln!(src, "\npub fn run_suite(h: &mut crate::Harness) {{\n{body}}}").unwrap();
    fs::write(out.join("suite.rs"), src).unwrap_or_else(|e| fail(format!("suite.rs: {e}")));
}
