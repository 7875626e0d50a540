//! The `std` feature's start-up choice on x86-64 (`cfg(kiln_x86_dispatch)`): the AVX-512 VNNI
//! kernels where the CPU has the instructions, else the SSE2 ones.
//!
//! A host program shipped to unknown PCs cannot assume AVX-512 at compile time, but most of the
//! speed is there (MobileNets 4–5× the SSE2 kernels, BENCHMARKS.md). With the `std` feature the
//! VNNI kernels are compiled under `#[target_feature(enable = "avx512f,avx512vnni")]` (see
//! [`super::x86`]), which makes them callable only from code with those features or through
//! `unsafe`: the three `try_*` functions here are that `unsafe`, each behind the one check.
//! `is_x86_feature_detected!` asks CPUID once and caches the answer; after that each layer's
//! check is a load and a bit test. Generated code calls `kiln::ops::conv2d_s8_x86` and its
//! siblings, which try the VNNI kernel and fall back to the SSE2 one.
//!
//! Setting the environment variable `KILN_X86_BASELINE` (to anything but the empty string)
//! before the first layer runs makes the program keep to the SSE2 kernels: how the fallback is
//! tested, and measured, on a CPU that has AVX-512 VNNI.

use core::sync::atomic::{AtomicU8, Ordering};

use crate::ops::{Conv2dParams, DepthwiseConv2dParams, FullyConnectedParams};

/// Not asked yet / the SSE2 kernels / the VNNI kernels.
const UNKNOWN: u8 = 0;
const BASELINE: u8 = 1;
const VNNI: u8 = 2;

static LEVEL: AtomicU8 = AtomicU8::new(UNKNOWN);

/// Whether this CPU runs the AVX-512 VNNI kernels (`avx512f` and `avx512vnni` detected, and
/// `KILN_X86_BASELINE` not set): one load and a compare once asked.
#[inline(always)]
pub fn avx512_vnni() -> bool {
    match LEVEL.load(Ordering::Relaxed) {
        UNKNOWN => detect(),
        level => level == VNNI,
    }
}

/// Asks the CPU (and the environment) once; racing first calls ask twice and agree.
#[cold]
#[inline(never)]
fn detect() -> bool {
    let vnni = std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512vnni")
        && std::env::var_os("KILN_X86_BASELINE").is_none_or(|v| v.is_empty());
    LEVEL.store(if vnni { VNNI } else { BASELINE }, Ordering::Relaxed);
    vnni
}

/// [`crate::ops::conv2d_s8_gemm`] if this CPU has AVX-512 VNNI ([`avx512_vnni`]); `false`
/// (output untouched) if not.
#[inline(always)]
pub fn try_conv2d_s8_gemm(p: &Conv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) -> bool {
    if !avx512_vnni() {
        return false;
    }
    // SAFETY: the kernel's only requirement beyond its safe signature is its target features,
    // `avx512f` and `avx512vnni`, which `avx512_vnni()` found on this CPU.
    unsafe { crate::ops::conv2d_s8_gemm(p, input, filter, output) };
    true
}

/// [`crate::ops::fully_connected_s8_gemm`] if this CPU has AVX-512 VNNI; `false` if not.
#[inline(always)]
pub fn try_fully_connected_s8_gemm(p: &FullyConnectedParams, input: &[u8], filter: &[u8], output: &mut [u8]) -> bool {
    if !avx512_vnni() {
        return false;
    }
    // SAFETY: as in `try_conv2d_s8_gemm`: the target features were found on this CPU.
    unsafe { crate::ops::fully_connected_s8_gemm(p, input, filter, output) };
    true
}

/// [`crate::ops::depthwise_conv2d_s8_gemm`] if this CPU has AVX-512 VNNI; `false` if not.
#[inline(always)]
pub fn try_depthwise_conv2d_s8_gemm(p: &DepthwiseConv2dParams, input: &[u8], filter: &[u8], output: &mut [u8]) -> bool {
    if !avx512_vnni() {
        return false;
    }
    // SAFETY: as in `try_conv2d_s8_gemm`: the target features were found on this CPU.
    unsafe { crate::ops::depthwise_conv2d_s8_gemm(p, input, filter, output) };
    true
}
