//! The layers of a model built with the `std` feature on x86-64 without AVX-512 VNNI in the
//! build (`cfg(kiln_x86_dispatch)`): each takes both compile-time filter layouts and runs the
//! VNNI kernel if the CPU has the instructions ([`crate::arch::dispatch`], asked once), else the
//! SSE2 one. The results are the same bits either way (both are TFLM's).

use super::{conv2d_s8_sse2, depthwise_conv2d_s8_sse2, fully_connected_s8_sse2};
use super::{Conv2dParams, DepthwiseConv2dParams, FullyConnectedParams};
use crate::arch::dispatch;

/// CONV_2D: [`super::conv2d_s8_gemm`] on `gemm_filter` ([`super::pack_filter_gemm`]'s layout)
/// or [`conv2d_s8_sse2`] on `sse2_filter` ([`super::pack_filter_sse2`]'s).
#[inline(always)]
pub fn conv2d_s8_x86(p: &Conv2dParams, input: &[u8], gemm_filter: &[u8], sse2_filter: &[u8], output: &mut [u8]) {
    if !dispatch::try_conv2d_s8_gemm(p, input, gemm_filter, output) {
        conv2d_s8_sse2(p, input, sse2_filter, output);
    }
}

/// FULLY_CONNECTED: [`super::fully_connected_s8_gemm`] or [`fully_connected_s8_sse2`].
#[inline(always)]
pub fn fully_connected_s8_x86(p: &FullyConnectedParams, input: &[u8], gemm_filter: &[u8], sse2_filter: &[u8], output: &mut [u8]) {
    if !dispatch::try_fully_connected_s8_gemm(p, input, gemm_filter, output) {
        fully_connected_s8_sse2(p, input, sse2_filter, output);
    }
}

/// DEPTHWISE_CONV_2D: [`super::depthwise_conv2d_s8_gemm`] on `gemm_filter`
/// ([`super::pack_filter_depthwise_gemm`]'s layout) or [`depthwise_conv2d_s8_sse2`] on
/// `sse2_filter` ([`super::pack_filter_depthwise_sse2`]'s).
#[inline(always)]
pub fn depthwise_conv2d_s8_x86(p: &DepthwiseConv2dParams, input: &[u8], gemm_filter: &[u8], sse2_filter: &[u8], output: &mut [u8]) {
    if !dispatch::try_depthwise_conv2d_s8_gemm(p, input, gemm_filter, output) {
        depthwise_conv2d_s8_sse2(p, input, sse2_filter, output);
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::conv::testing::conv_case;
    use super::super::{conv2d_s8, gemm_filter_bytes, pack_filter_gemm, pack_filter_sse2, sse2_filter_bytes};
    use super::*;
    use crate::fixed_point::testing::Rng;
    use std::vec;

    /// The layer runs the kernel the start-up check chose, and only it: given only that
    /// kernel's filter (the other an empty slice, on which a kernel leaves its output as it is),
    /// it gives the reference bytes. CI runs this once as is (the VNNI kernel on its host) and
    /// once with `KILN_X86_BASELINE` set (the SSE2 one).
    #[test]
    fn runs_the_kernel_the_cpu_check_chose() {
        let mut rng = Rng::new(0xd15);
        let vnni = dispatch::avx512_vnni();
        for case in 0..50 {
            let (ic, oc) = (rng.usize(1, 40), rng.usize(1, 40));
            let (p, input, filter) = conv_case(&mut rng, ic, oc, [3, 3], [1, 1], case % 2 == 0);
            let depth = 9 * ic;
            let mut want = vec![0u8; p.output.iter().product()];
            conv2d_s8(&p, &input, &filter, &mut want);
            let (mut gemm, mut sse2) = (vec![0u8; gemm_filter_bytes(oc, depth)], vec![0u8; sse2_filter_bytes(oc, depth)]);
            pack_filter_gemm(&filter, p.bias, oc, depth, &mut gemm);
            pack_filter_sse2(&filter, p.bias, oc, depth, &mut sse2);
            let (gemm, sse2): (&[u8], &[u8]) = if vnni { (&gemm, &[]) } else { (&[], &sse2) };
            let mut got = vec![0u8; want.len()];
            conv2d_s8_x86(&p, &input, gemm, sse2, &mut got);
            assert_eq!(got, want, "case {case} (VNNI chosen: {vnni}): {p:?}");
        }
    }
}
