//! The layers of a model built with the `std` feature on x86-64 without AVX-512 VNNI in the
//! build (`cfg(kiln_x86_dispatch)`): each takes both compile-time filter layouts and runs the
//! VNNI kernel if the CPU has the instructions ([`crate::arch::dispatch`], asked once), else the
//! SSE2 one. The results are the same bits either way (both are TFLM's).

use super::{conv2d_s8_sse2, depthwise_conv2d_s8_sse2, fully_connected_s8_sse2};
use super::{Conv2dParams, DepthwiseConv2dParams, FullyConnectedParams};
use crate::arch::dispatch;

/// CONV_2D: [`super::conv2d_s8_gemm`] on `gemm_filter` ([`super::pack_filter_gemm`]'s layout)
/// or [`conv2d_s8_sse2`] on `sse2_filter` ([`super::pack_filter_sse2`]'s).
pub fn conv2d_s8_x86(p: &Conv2dParams, input: &[u8], gemm_filter: &[u8], sse2_filter: &[u8], output: &mut [u8]) {
    if !dispatch::try_conv2d_s8_gemm(p, input, gemm_filter, output) {
        conv2d_s8_sse2(p, input, sse2_filter, output);
    }
}

/// FULLY_CONNECTED: [`super::fully_connected_s8_gemm`] or [`fully_connected_s8_sse2`].
pub fn fully_connected_s8_x86(p: &FullyConnectedParams, input: &[u8], gemm_filter: &[u8], sse2_filter: &[u8], output: &mut [u8]) {
    if !dispatch::try_fully_connected_s8_gemm(p, input, gemm_filter, output) {
        fully_connected_s8_sse2(p, input, sse2_filter, output);
    }
}

/// DEPTHWISE_CONV_2D: [`super::depthwise_conv2d_s8_gemm`] on `gemm_filter`
/// ([`super::pack_filter_depthwise_gemm`]'s layout) or [`depthwise_conv2d_s8_sse2`] on
/// `sse2_filter` ([`super::pack_filter_depthwise_sse2`]'s).
pub fn depthwise_conv2d_s8_x86(p: &DepthwiseConv2dParams, input: &[u8], gemm_filter: &[u8], sse2_filter: &[u8], output: &mut [u8]) {
    if !dispatch::try_depthwise_conv2d_s8_gemm(p, input, gemm_filter, output) {
        depthwise_conv2d_s8_sse2(p, input, sse2_filter, output);
    }
}
