//! One kernel per TFLite builtin op, TFLM reference semantics, bit-exact.
//!
//! CONTRACT (codegen emits exactly these calls; keep signatures stable):
//! * Tensors are `&[u8]` / `&mut [u8]` byte storage; int8 data is read `b as i8`, written `v as u8`.
//!   f32 data is little-endian 4-byte groups.
//! * Shapes are NHWC `[usize; 4]`. Filters are const byte strings (`&[u8]`, read `as i8`).
//! * `bias` slices hold the *folded* bias: `bias[c] - input_zero_point * Σ filter[c]` (wrapping i32),
//!   so kernels accumulate `Σ x * w` over *every* filter tap, taking `input_zero_point` as the
//!   value of padded taps (exactly TFLM's result, which skips padded taps and adds `input_offset`).
//! * `requant` slices have length 1 (per-tensor) or one entry per output channel (per-channel).
//! * `act_min`/`act_max` are the fused-activation clamp in the output's quantized domain.
//! * Slices always have exactly the lengths the params imply (codegen guarantees it).
//!
//! PANIC-FREE: no kernel contains a panic path (no indexing that can fail, no division that can
//! trap, no `unwrap`). Iterators (`zip`, `chunks_exact`, `cycle` for per-tensor/per-channel
//! requantization) walk the buffers; the few data-dependent windows (a filter tap's input pixel)
//! go through `window`/`window_mut`, which return an empty slice instead of panicking
//! for a range outside the buffer — a case the contract above rules out. The firmware's
//! `panic-check` build (`examples/firmware-cortex-m4`) proves this at link time for every model.
#![deny(ambiguous_glob_reexports)]

mod add;
mod add_n;
// Op families added in breadth work: one directory each, one file per op inside.
mod binary;
mod float32;
mod int16;
mod movement;
mod reduce;
mod signal;
mod state;
mod uint8;
mod unary;
mod concatenation;
mod control_flow;
mod cumsum;
mod conv;
mod depthwise;
mod dequantize;
mod detection_postprocess;
mod embedding_lookup;
mod fully_connected;
mod gemm;
#[cfg(kiln_x86_amx)]
mod gemm_amx;
mod gemm_neon;
mod gemm_sse2;
mod mean;
mod pad;
mod pooling;
mod quantize;
mod softmax;
#[cfg(kiln_x86_dispatch)]
mod x86_dispatch;

/// `s[start..start + len]`, or an empty slice if that range is not inside `s` (which the
/// contract above rules out: it exists so that kernels have no panic path).
#[inline(always)]
pub(crate) fn window<T>(s: &[T], start: usize, len: usize) -> &[T] {
    match s.get(start..) {
        Some(tail) => tail.get(..len).unwrap_or(&[]),
        None => &[],
    }
}

/// Mutable [`window`].
#[inline(always)]
pub(crate) fn window_mut<T>(s: &mut [T], start: usize, len: usize) -> &mut [T] {
    match s.get_mut(start..) {
        Some(tail) => match tail.get_mut(..len) {
            Some(w) => w,
            None => &mut [],
        },
        None => &mut [],
    }
}

/// Copies `src` into the front of `dst` (`min` of the two lengths; equal under the contract).
#[inline(always)]
pub(crate) fn copy_prefix<T: Copy>(dst: &mut [T], src: &[T]) {
    let n = dst.len().min(src.len());
    if let (Some(d), Some(s)) = (dst.get_mut(..n), src.get(..n)) {
        d.copy_from_slice(s);
    }
}

pub use add::{add_s8, add_u8, AddParams};
pub use add_n::{add_n_f32, add_n_s8, SumRescale};
pub use concatenation::concatenation;
pub use control_flow::copy_tensor;
pub use cumsum::{cumsum_f32, cumsum_s8, CumSumParams, CumSumS8Params};
pub use conv::{conv2d_s8, conv2d_s8_dsp, conv2d_s8_dsp_patch, conv2d_s8_dsp_pointwise, conv2d_s8_dsp_words, pack_filter_dsp, MAX_CONST_ROW, MAX_PATCH, conv2d_s8_packed, conv2d_s8_rows, pack_filter, Conv2dParams, OC_BLOCK};
pub use depthwise::{depthwise_conv2d_s8_sse2, depthwise_sse2_filter_bytes, pack_filter_depthwise_sse2, depthwise_conv2d_s8_neon, depthwise_neon_filter_bytes, pack_filter_depthwise_neon, depthwise_conv2d_s8_gemm, depthwise_gemm_filter_bytes, pack_filter_depthwise_gemm, depthwise_conv2d_s8, depthwise_conv2d_s8_dsp, depthwise_conv2d_s8_dsp_3x3, depthwise_conv2d_s8_3x3_in_place, depthwise_conv2d_s8_dsp_broadcast, pack_filter_broadcast, DepthwiseConv2dParams, MAX_BROADCAST_WIDTH, MAX_BROADCAST_WORDS, MAX_CONST_CHANNELS, MAX_IN_PLACE_WIDTH};
pub use dequantize::{dequantize_s8, dequantize_s8_f32, dequantize_u8_f32};
pub use signal::*;
pub use detection_postprocess::{detection_postprocess, detection_postprocess_output, DetectionInput, DetectionPostProcessParams};
pub use crate::custom::copy_output as custom_op_output;
pub use embedding_lookup::{embedding_lookup_s8_f32, EmbeddingLookupParams};
pub use fully_connected::{fully_connected_s8, fully_connected_s8_dsp, FullyConnectedParams};
pub use gemm_neon::{conv2d_s8_neon, fully_connected_s8_neon, pack_filter_neon};
pub use gemm_sse2::{conv2d_s8_sse2, fully_connected_s8_sse2, pack_filter_sse2, sse2_block_bytes, sse2_filter_bytes, SSE2_LANES};
pub use gemm::{conv2d_s8_gemm, fully_connected_s8_gemm, gemm_block_bytes, gemm_filter_bytes, pack_filter_gemm, GEMM_LANES, MAX_GEMM_WINDOW};
#[cfg(kiln_x86_dispatch)]
pub use x86_dispatch::{conv2d_s8_x86, depthwise_conv2d_s8_x86, fully_connected_s8_x86};
pub use mean::{mean_f32, mean_s16, mean_s8, MeanParams};
pub use pad::{pad, pad_s8, PadNdParams, PadParams};
pub use pooling::{average_pool2d_s8, average_pool2d_u8, max_pool2d_s8, max_pool2d_u8, Pool2dParams};
pub use quantize::{quantize_f32_s8, quantize_f32_u8, quantize_s8, requantize_s8, requantize_s8_u8, requantize_u8, requantize_u8_s8};
pub use softmax::{softmax_s8, softmax_s8_s16, softmax_u8, SoftmaxParams};
// Families re-export their kernels by glob; two families exporting one name would otherwise
// only warn (and the generated call could bind to the wrong kernel), so that is an error.
#[allow(unused_imports)]
pub use binary::*;
#[allow(unused_imports)]
pub use float32::*;
#[allow(unused_imports)]
pub use int16::*;
#[allow(unused_imports)]
pub use movement::*;
#[allow(unused_imports)]
pub use reduce::*;
#[allow(unused_imports)]
pub use state::*;
#[allow(unused_imports)]
pub use uint8::*;
#[allow(unused_imports)]
pub use unary::*;
