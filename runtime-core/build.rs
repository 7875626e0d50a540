//! Chooses the runtime's instruction-set code at compile time (never at run time on an MCU).
//!
//! On stable Rust, Arm target features are invisible to `cfg` (`#[cfg(target_feature = "dsp")]`
//! is false even on `thumbv7em`), so the choice is made here from the target name:
//!
//! * `kiln_arm_dsp`: the Armv7E-M / Armv7-R / Armv8-M Mainline DSP extension (SMLAD, SXTB16)
//!   is there. Every `thumbv7em-*` (Cortex-M4/M7) and `armv7r-*` (Cortex-R4/R5/R7/R8) core has it;
//!   on `thumbv8m.main-*` (Cortex-M33/M35P/M55) it is optional, so it is on only with the `dsp`
//!   feature (the user knows the part).
//! * `kiln_arm_mve`: Armv8.1-M Helium (MVE), only with the `mve` feature on a `thumbv8m.main-*` or
//!   `thumbv8.1m.main-*` target (rustc 1.95 has no built-in `thumbv8.1m` target: the M55 is
//!   `thumbv8m.main-none-eabihf` with `-C target-cpu=cortex-m55`, which this script cannot see
//!   either, so the user says so); the int8 1×1 CONV_2D dot products use VMLADAVA.S8.
//! * `kiln_x86_vnni`: x86-64 built with the target features `avx512f` and `avx512vnni`
//!   (`-C target-cpu=native` on such a CPU, `x86-64-v4` plus `+avx512vnni`): the int8 GEMM
//!   kernels use VPDPBUSD. (x86 features are visible to `cfg`; the one name keeps the
//!   runtime's and the generated code's choice the same, see `arch::X86_VNNI`.)
//! * `kiln_x86_sse2`: x86-64 with the target feature `sse2` (every x86-64 target but the
//!   soft-float kernel ones): the baseline build's int8 CONV_2D and FULLY_CONNECTED use PMADDWD.
//! * `kiln_x86_dispatch`: x86-64 with `sse2` but without AVX-512 VNNI in the build, and the
//!   `std` feature: the AVX-512 VNNI kernels are compiled too, under `#[target_feature]`, and
//!   chosen once at start-up if the CPU has the instructions (`is_x86_feature_detected!`, see
//!   `arch::dispatch`); else the SSE2 ones run. For host programs shipped to unknown PCs.
//! * `kiln_aarch64_neon`: AArch64 with the target feature `neon` (the Advanced SIMD unit, on by
//!   default on every `aarch64-*` target except the `-softfloat` ones): the int8 CONV_2D,
//!   FULLY_CONNECTED and DEPTHWISE_CONV_2D kernels use SMULL/SMLAL/SADALP and SMULL/SADDW on 128-bit
//!   vectors, with SQRDMULH/SRSHL requantization.
//! * `kiln_aarch64_dotprod`: the same with the target feature `dotprod` too (Armv8.2-A's optional,
//!   Armv8.4-A's mandatory SDOT; `-C target-feature=+dotprod` or a `target-cpu` that has it): the
//!   matrix product uses SDOT, sixteen multiply-adds per instruction.
//! * `kiln_x86_amx`: the `amx` feature on x86-64 Linux in a `kiln_x86_vnni` build: 1×1 CONV_2D
//!   layer calls of at least 16 pixels and 2^20 multiply-adds, with a depth that is a multiple of
//!   64 (or of 4 below 64), run as Intel AMX tile products (`arch::amx`) when the CPU and the
//!   OS offer AMX (checked once per process at run time: stable Rust cannot see `amx-*` target
//!   features), else the VNNI kernel.
//! * the `portable` feature turns them off everywhere (for A/B measurements against the
//!   plain-Rust twins).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(kiln_arm_dsp)");
    println!("cargo::rustc-check-cfg=cfg(kiln_arm_mve)");
    println!("cargo::rustc-check-cfg=cfg(kiln_x86_vnni)");
    println!("cargo::rustc-check-cfg=cfg(kiln_x86_sse2)");
    println!("cargo::rustc-check-cfg=cfg(kiln_x86_dispatch)");
    println!("cargo::rustc-check-cfg=cfg(kiln_aarch64_neon)");
    println!("cargo::rustc-check-cfg=cfg(kiln_aarch64_dotprod)");
    println!("cargo::rustc-check-cfg=cfg(kiln_x86_amx)");
    println!("cargo::rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    let feature = |name: &str| std::env::var_os(format!("CARGO_FEATURE_{}", name.to_uppercase())).is_some();
    let dsp_always = target.starts_with("thumbv7em") || target.starts_with("armv7r") || target.starts_with("armebv7r");
    let dsp_optional = target.starts_with("thumbv8m.main") || target.starts_with("thumbv8.1m.main");
    if !feature("portable") && (dsp_always || (dsp_optional && feature("dsp"))) {
        println!("cargo::rustc-cfg=kiln_arm_dsp");
    }
    if !feature("portable") && dsp_optional && feature("mve") {
        println!("cargo::rustc-cfg=kiln_arm_mve");
    }
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let has = |f: &str| features.split(',').any(|x| x == f);
    let x86_64 = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "x86_64");
    let vnni = x86_64 && has("avx512f") && has("avx512vnni");
    if !feature("portable") && vnni {
        println!("cargo::rustc-cfg=kiln_x86_vnni");
    }
    if !feature("portable") && feature("std") && x86_64 && has("sse2") && !vnni {
        // AVX-512 `#[target_feature]` and its intrinsics are stable from Rust 1.89 (the
        // workspace's minimum is 1.85): older compilers keep the compile-time choice.
        if rustc_minor().is_some_and(|minor| minor >= 89) {
            println!("cargo::rustc-cfg=kiln_x86_dispatch");
        } else {
            println!("cargo::warning=kiln: the `std` feature's start-up choice of the AVX-512 VNNI kernels needs Rust 1.89 or later; this build keeps the SSE2 kernels");
        }
    }
    if !feature("portable") && x86_64 && has("sse2") {
        println!("cargo::rustc-cfg=kiln_x86_sse2");
    }
    // AMX: opt-in (the `amx` feature), on x86-64 Linux (the tile state needs the kernel's
    // permission) in builds that have AVX-512 VNNI (the AMX layers share its output stage).
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|o| o == "linux");
    if !feature("portable") && feature("amx") {
        if x86_64 && linux && vnni {
            println!("cargo::rustc-cfg=kiln_x86_amx");
        } else {
            println!("cargo::warning=kiln: the `amx` feature needs x86-64 Linux and a build with AVX-512 VNNI (`-C target-cpu=native` on such a CPU); this build has no AMX kernels");
        }
    }
    let aarch64 = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "aarch64");
    if !feature("portable") && aarch64 && has("neon") {
        println!("cargo::rustc-cfg=kiln_aarch64_neon");
        if has("dotprod") {
            println!("cargo::rustc-cfg=kiln_aarch64_dotprod");
        }
    }
}

/// The minor version of the compiler building the runtime (`1.89.0` → 89).
fn rustc_minor() -> Option<u32> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = std::process::Command::new(rustc).arg("--version").output().ok()?;
    let version = String::from_utf8(out.stdout).ok()?;
    version.split_whitespace().nth(1)?.split('.').nth(1)?.parse().ok()
}
