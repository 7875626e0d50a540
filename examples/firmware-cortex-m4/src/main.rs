//! kiln on Cortex-M: runs compiled models on their TFLM golden inputs *on the target* (QEMU),
//! compares every output element with TFLM's, prints a summary and exits through semihosting
//! with status 0 only if every element is equal.
//!
//! By default the image holds one zoo model, `digits_int8`, as a user's firmware would
//! (`KILN_FW_MODELS=a,b` picks others). The zoo (every model in `tests/fixtures/zoo`) does not
//! fit one image: `KILN_FW_SHARD=i/n` builds every n-th model from the i-th (`.ci/firmware.sh`
//! runs 5 shards, ≤ 2.5 MB each).
//!
//! ```sh
//! cargo run --release                            # Cortex-M4F, mps2-an386 (the default): digits_int8
//! KILN_FW_SHARD=0/5 cargo run --release          # every 5th zoo model from the first
//! cargo run --release --features shared          # the real TFLM models from ../shared (build.rs)
//! KILN_FW_SHARD=0/5 cargo run --release --config .cargo/m7.toml                      # Cortex-M7, mps2-an500
//! KILN_FW_SHARD=0/5 cargo run --release --target thumbv8m.main-none-eabihf --features dsp  # Cortex-M33+DSP, mps2-an505
//! KILN_FW_SHARD=0/5 cargo run --release --config .cargo/m55.toml --features mve       # Cortex-M55 (Helium), mps3-an547
//! cargo build --release --target thumbv6m-none-eabi                                  # Cortex-M0 (build only)
//! cargo +nightly build --release -Zbuild-std=core --target armv7r-none-eabihf        # Cortex-R5 (build only)
//! cargo run --release --bin arch_check [same machine flags]   # DSP wrappers vs portable twins (src/bin/arch_check.rs)
//! ```
//!
//! Machines (runner and rustflags in `.cargo/config.toml`, `.cargo/m7.toml` and `.cargo/m55.toml`; `build.rs` picks
//! `memory/<machine>.x` from the target and `-C target-cpu`, so one source runs on all):
//!
//! | core | target, cpu | QEMU machine | flash (vector table) | RAM |
//! |---|---|---|---|---|
//! | Cortex-M4F | `thumbv7em-none-eabihf`, `cortex-m4` | `mps2-an386` | 4 MiB at `0x0` | 4 MiB at `0x2000_0000` |
//! | Cortex-M7 | `thumbv7em-none-eabihf`, `cortex-m7` | `mps2-an500` | 4 MiB at `0x0` | 4 MiB at `0x2000_0000` |
//! | Cortex-M33 (DSP, Secure) | `thumbv8m.main-none-eabihf`, `cortex-m33`, feature `dsp` | `mps2-an505` | 4 MiB at `0x1000_0000` (Secure alias of SSRAM1) | 4 MiB at `0x3800_0000` (Secure alias of SSRAM2+3) |
//! | Cortex-M55 (Helium, Secure) | `thumbv8m.main-none-eabihf`, `cortex-m55` (`.cargo/m55.toml`), feature `mve` (or `dsp`) | `mps3-an547` | 512 KiB at `0x1000_0000` (Secure alias of the ITCM; read-only data in QSPI, 8 MiB at `0x3800_0000`) | 4 MiB at `0x3100_0000` (Secure alias of ISRAM0+1) |
//! | Cortex-M0 | `thumbv6m-none-eabi` | — (build only) | as the M4 | as the M4 |
//! | Cortex-R5 | `armv7r-none-eabihf`, `cortex-r5` (nightly build-std) | — (build only, no vector table: `cfg(fw_no_cortex_m)`) | — | — |
//!
//! The firmware prints the machine it was linked for and `kiln::arch::ARM_DSP`; on a target with
//! the Arm DSP extension (`thumbv7em`, `armv7r`, or the `dsp` feature) a const assert fails the
//! build if the runtime did not select its DSP kernels.
//!
//! Which models: zoo models (one by default, see above), or with `--features shared` hello_world_int8,
//! micro_speech_quantized, person_detect (plus TFLM's `person.bmp` / `no_person.bmp`),
//! simple_add_model and test_conv_model from `../shared/models/tflm` (those that fit 4 MiB
//! flash / 4 MiB RAM; the LSTM and keyword models use ops kiln does not compile).
//!
//! Which samples (`build.rs`): every golden sample of a model if its inputs+outputs fit in the
//! suite's budget (32 KiB per zoo model, 512 KiB per shared model), else the leading samples that
//! fit, at least 16 (the MobileNets). Shared: all 200 for hello_world, micro_speech and
//! test_conv, 56 + the two images for person_detect, 16 for simple_add. The firmware prints the
//! exact count per model.
//!
//! The harness is generic over [`kiln::Model`] and uses the zero-copy path, as firmware
//! should: each golden input is written straight into the model's arena
//! (`input_bytes_mut`), the model `invoke`s, and the outputs are compared where the model left
//! them (`output_bytes`): no input or output buffers besides the arena. It is written without
//! a panic path so that the `panic-check` feature (a panic handler that cannot link) proves
//! every model's `invoke` and I/O views panic-free:
//! `cargo build --release --bin kiln-firmware-cortex-m4 --features panic-check`.
//!
//! Instruction counts: *every* inference (`invoke`, the copies into the arena excluded) is one
//! region between [`rt::region_begin`] and [`rt::region_end`], so the qemu-insncount plugin's
//! k-th region is the k-th inference in the printed order. `tests/firmware/report.sh` takes each model's first; `tests/firmware/determinism.sh`
//! checks that all of a model's counts are equal (unless it has an op with value-dependent
//! control flow, listed there with the reason). The first inference's peak stack is measured by
//! painting the stack before it; on the Cortex-M4 a model whose peak exceeds [`STACK_BUDGET`]
//! (1 KiB) fails.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

mod rt;
mod vectors;

// A DSP target (thumbv7em, armv7r, or the `dsp` feature: build.rs) must get the runtime's DSP
// kernels; this fails the build if the runtime's cfg is broken (the Cortex-R build relies on it).
#[cfg(fw_expect_dsp)]
const _: () = assert!(kiln::arch::ARM_DSP, "this target has the Arm DSP extension but kiln::arch::ARM_DSP is false");
// The same for Helium (the `mve` feature, Cortex-M55).
#[cfg(fw_expect_mve)]
const _: () = assert!(kiln::arch::ARM_MVE, "the mve feature is on but kiln::arch::ARM_MVE is false");

use kiln::Model;

#[allow(dead_code)]
mod suite {
    include!(concat!(env!("OUT_DIR"), "/suite.rs"));
}

/// One line of output for semihosting, built without `core::fmt`: the harness prints only
/// strings and integers, and `core::fmt` with its integer formatting (and the 64-bit division
/// it links for `u64`) was about 4 KB of this test firmware's flash, counted in the model's
/// flash by `tests/firmware/report.sh`. A real firmware would not carry either; this printer
/// is ~0.3 KB. Printing is off in the panic-check build (which proves the model's code
/// panic-free and prints nothing) and in the build-only Cortex-R firmware (no semihosting).
struct Line {
    buf: [u8; 200],
    len: usize,
}

/// Powers of ten from 10¹⁹ (the largest below `u64::MAX`) down to 1, for [`Line::n`].
const POW10: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut i = 19;
    while i > 0 {
        t[i - 1] = t[i] * 10;
        i -= 1;
    }
    t
};

impl Line {
    fn new() -> Line {
        Line { buf: [0; 200], len: 0 }
    }

    fn byte(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// Appends a string (bytes past the buffer are dropped). Out of line, as [`Line::n`] and
    /// [`Line::print`]: one copy for every call site.
    #[inline(never)]
    fn s(&mut self, s: &str) -> &mut Line {
        let n = s.len().min(self.buf.len() - self.len.min(self.buf.len()));
        if let (Some(dst), Some(src)) = (self.buf.get_mut(self.len..self.len + n), s.as_bytes().get(..n)) {
            dst.copy_from_slice(src);
            self.len += n;
        }
        self
    }

    /// Appends `v` in decimal, by subtracting powers of ten (no 64-bit division on a 32-bit core).
    #[inline(never)]
    fn n(&mut self, v: u64) -> &mut Line {
        let mut v = v;
        let mut started = false;
        // (The table through `black_box`: unrolled over its 20 entries, this was 400 bytes.)
        for (i, &p) in core::hint::black_box(&POW10).iter().enumerate() {
            let mut d = 0u8;
            while v >= p {
                v -= p;
                d += 1;
            }
            if d > 0 || started || i == POW10.len() - 1 {
                started = true;
                self.byte(b'0' + d);
            }
        }
        self
    }

    /// Prints the line and a newline.
    #[inline(never)]
    fn print(&mut self) {
        self.byte(b'\n');
        #[cfg(not(any(feature = "panic-check", fw_no_cortex_m)))]
        if let Ok(mut out) = cortex_m_semihosting::hio::hstdout() {
            let _ = out.write_all(self.buf.get(..self.len).unwrap_or(&[]));
        }
    }
}

/// What went wrong with one model (the panic-check build only counts them).
#[derive(Clone, Copy)]
enum Problem {
    /// A golden file's length is not `samples ×` the model's tensor size.
    GoldenSize { output: bool, index: usize, bytes: usize, expected: usize },
    /// The model's tensor table and its arena views disagree.
    Harness,
}

/// Peak stack one inference may use, as measured on the target (issue #14: kernels keep their
/// buffers in the arena, not on the stack). On the Cortex-M4 (`cfg(fw_stack_budget)`, set by
/// build.rs for mps2-an386) a model over it — or whose measurement exhausted the paint — fails
/// the run like a wrong output element; the other machines only print their figures.
pub const STACK_BUDGET: usize = 1024;

pub struct Harness {
    models: usize,
    failed_models: usize,
    elements: usize,
    mismatches: usize,
}

impl Harness {
    /// Runs `samples` golden samples through a fresh `M` and compares every output element.
    #[inline(never)]
    pub fn check<M: Model + Default>(&mut self, name: &str, samples: usize, inputs: &[&[u8]], outputs: &[&[u8]]) {
        let mut model = M::default();
        let mut stats = Stats::default();
        let result = check_model(&mut model, samples, inputs, outputs, &mut stats);
        self.models += 1;
        self.elements += stats.elements;
        self.mismatches += stats.mismatches;
        let over_budget = cfg!(fw_stack_budget) && (stats.stack > STACK_BUDGET || stats.stack_exhausted);
        let ok = result.is_ok() && stats.mismatches == 0 && stats.elements > 0 && !over_budget;
        if !ok {
            self.failed_models += 1;
        }
        Line::new()
            .s(if ok { "ok   " } else { "FAIL " })
            .s(name)
            .s(": ")
            .n(samples as u64)
            .s(" samples, ")
            .n(stats.elements as u64)
            .s(" elements, ")
            .n(stats.mismatches as u64)
            .s(" differ; arena ")
            .n(M::ARENA_BYTES as u64)
            .s(" B, ")
            .n(M::MACS)
            .s(" MACs, peak stack ")
            .n(stats.stack as u64)
            .s(if stats.stack_exhausted { " B (paint exhausted: lower bound)" } else { " B" })
            .print();
        if over_budget {
            Line::new()
                .s("     peak stack ")
                .n(stats.stack as u64)
                .s(" B is over the ")
                .n(STACK_BUDGET as u64)
                .s(" B budget (STACK_BUDGET in src/main.rs)")
                .print();
        }
        if let Some((s, o, e)) = stats.first_mismatch {
            Line::new()
                .s("     first difference: sample ")
                .n(s as u64)
                .s(", output ")
                .n(o as u64)
                .s(", element ")
                .n(e as u64)
                .print();
        }
        match result {
            Ok(()) => {}
            Err(Problem::GoldenSize { output, index, bytes, expected }) => {
                Line::new()
                    .s(if output { "     golden output" } else { "     golden input" })
                    .n(index as u64)
                    .s(".bin has ")
                    .n(bytes as u64)
                    .s(" bytes, expected ")
                    .n(expected as u64)
                    .s(" (")
                    .n(samples as u64)
                    .s(" samples)")
                    .print();
            }
            Err(Problem::Harness) => {
                Line::new().s("     the tensor table and the arena views disagree").print();
            }
        }
    }
}

#[derive(Default)]
struct Stats {
    elements: usize,
    mismatches: usize,
    first_mismatch: Option<(usize, usize, usize)>,
    stack: usize,
    stack_exhausted: bool,
}

fn check_model<M: Model>(
    model: &mut M,
    samples: usize,
    inputs: &[&[u8]],
    outputs: &[&[u8]],
    stats: &mut Stats,
) -> Result<(), Problem> {
    // Golden sizes must agree with the model's own tensor table.
    let n_in = M::INPUTS.len();
    let n_out = M::OUTPUTS.len();
    if inputs.len() != n_in || outputs.len() != n_out {
        return Err(Problem::Harness);
    }
    for (output, files, infos) in [(false, inputs, M::INPUTS), (true, outputs, M::OUTPUTS)] {
        for (index, (file, info)) in files.iter().zip(infos).enumerate() {
            let expected = samples * info.byte_len();
            if file.len() != expected {
                return Err(Problem::GoldenSize { output, index, bytes: file.len(), expected });
            }
        }
    }
    for s in 0..samples {
        // This sample's inputs, written straight into the model's arena.
        for (i, (file, info)) in inputs.iter().zip(M::INPUTS).enumerate() {
            let n = info.byte_len();
            let src = file.get(s * n..(s + 1) * n).ok_or(Problem::Harness)?;
            let dst = model.input_bytes_mut(i).ok_or(Problem::Harness)?;
            if dst.len() != src.len() {
                return Err(Problem::Harness);
            }
            dst.copy_from_slice(src);
        }
        // Every inference is one instruction-count region (the same call site for every sample,
        // so the harness adds the same instructions to each); the first one's peak stack is
        // measured by painting the stack below this frame first.
        let painted = (s == 0).then(|| rt::Painted::paint(rt::sp()));
        rt::counted(|| model.invoke());
        if let Some(painted) = painted {
            (stats.stack, stats.stack_exhausted) = painted.peak();
        }
        // The outputs, compared where the model left them.
        for (o, (file, info)) in outputs.iter().zip(M::OUTPUTS).enumerate() {
            let n = info.byte_len();
            let want = file.get(s * n..(s + 1) * n).ok_or(Problem::Harness)?;
            let got = model.output_bytes(o).ok_or(Problem::Harness)?;
            let size = info.dtype.size();
            for (e, (g, w)) in got.chunks_exact(size).zip(want.chunks_exact(size)).enumerate() {
                stats.elements += 1;
                if g != w {
                    stats.mismatches += 1;
                    stats.first_mismatch.get_or_insert((s, o, e));
                }
            }
            if got.len() != want.len() {
                return Err(Problem::Harness);
            }
        }
    }
    Ok(())
}

/// The typed zero-copy path, for the panic-check build to prove panic-free: int16 and float32
/// views (whose alignment checks the 16-byte-aligned arena and the planner's aligned offsets let
/// the optimizer remove), through a `&mut` model in a function that is not inlined, and in a
/// caller-owned arena larger than the model's.
#[cfg(feature = "panic-check")]
mod typed_views {
    kiln::include_model!("../../tests/fixtures/zoo/digits_i16.tflite", name = DigitsI16);
    kiln::include_model!("../../tests/fixtures/zoo/digits_f32.tflite", name = DigitsF32);

    #[inline(never)]
    fn int16(model: &mut DigitsI16, x: i16) -> i16 {
        *model.input_mut() = [x; 64];
        model.invoke();
        model.output()[9]
    }

    #[inline(never)]
    fn float32<const N: usize>(arena: &mut kiln::Aligned<[u8; N]>, x: f32) -> f32 {
        *DigitsF32::input_in(arena) = [x; 64];
        DigitsF32::invoke_in(arena);
        DigitsF32::output_in(arena)[9]
    }

    pub fn check() {
        let mut model = DigitsI16::new();
        core::hint::black_box(int16(&mut model, core::hint::black_box(3)));
        let mut arena = kiln::Aligned([0u8; DigitsF32::ARENA_BYTES + 24]);
        core::hint::black_box(float32(&mut arena, core::hint::black_box(0.5)));
    }
}

#[cortex_m_rt::entry]
fn main() -> ! {
    Line::new()
        .s("kiln firmware (")
        .s(suite::SUITE)
        .s(" suite) for ")
        .s(env!("KILN_FW_MACHINE"))
        .s("; kiln::arch::ARM_DSP = ")
        .s(if kiln::arch::ARM_DSP { "true" } else { "false" })
        .s(", ARM_MVE = ")
        .s(if kiln::arch::ARM_MVE { "true" } else { "false" })
        .print();
    let mut h = Harness { models: 0, failed_models: 0, elements: 0, mismatches: 0 };
    #[cfg(feature = "panic-check")]
    typed_views::check();
    #[cfg(feature = "panic-canary")]
    {
        let table = [1u8, 2, 3];
        h.elements += usize::from(table[core::hint::black_box(3)]);
    }
    suite::run_suite(&mut h);
    let ok = h.models > 0 && h.failed_models == 0 && h.mismatches == 0;
    Line::new()
        .s(if ok { "PASS: " } else { "FAIL: " })
        .n(h.models as u64)
        .s(" models, ")
        .n(h.failed_models as u64)
        .s(" failed; ")
        .n(h.elements as u64)
        .s(" output elements compared, ")
        .n(h.mismatches as u64)
        .s(" differ from TFLM")
        .print();
    rt::exit(ok)
}
