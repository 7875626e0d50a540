//! float32 kernels of the core ops (conv, pooling, softmax, ...), float16 and dynamic-range weights.
//!
//! Every kernel follows TFLite's float reference kernels (`reference_ops::Conv`,
//! `DepthwiseConv`, `FullyConnected`, `AveragePool`, `MaxPool`, `Softmax`) operation for
//! operation: the same accumulation order, the bias added after the sum, the same clamp. IEEE
//! single-precision arithmetic is deterministic once the order of operations is fixed (Rust never
//! contracts `a * b + c` into a fused multiply-add unless asked), so the results are the reference
//! kernels' results bit for bit.
//!
//! Tensors are little-endian f32 bytes (4 per element); constant weights are the model's own bytes.

mod conv2d;
mod depthwise_conv2d;
mod fully_connected;
mod hybrid_conv2d;
mod hybrid_depthwise_conv2d;
mod hybrid_fully_connected;
mod pooling;
mod softmax;

pub use conv2d::{conv2d_f32, Conv2dF32Params};
pub use depthwise_conv2d::{depthwise_conv2d_f32, DepthwiseConv2dF32Params};
pub use fully_connected::{fully_connected_f32, FullyConnectedF32Params};
pub use hybrid_conv2d::{conv2d_hybrid, HybridConv2dParams};
pub use hybrid_depthwise_conv2d::{depthwise_conv2d_hybrid, HybridDepthwiseConv2dParams};
pub use hybrid_fully_connected::{fully_connected_hybrid, HybridFullyConnectedParams};
#[cfg(feature = "f16")]
pub use {conv2d::conv2d_f16w, depthwise_conv2d::depthwise_conv2d_f16w, fully_connected::fully_connected_f16w};
pub use pooling::{average_pool2d_f32, max_pool2d_f32, Pool2dF32Params};
pub use softmax::{softmax_f32, SoftmaxF32Params};

use super::conv::{tap_coord, tap_range};

/// The f32 stored at element `i` of little-endian byte storage (0.0 outside the buffer, which the
/// kernel contract rules out).
#[inline(always)]
pub(crate) fn load(bytes: &[u8], i: usize) -> f32 {
    le(super::window(bytes, i * 4, 4))
}

/// Four little-endian bytes as an f32 (0.0 for a slice of another length).
#[inline(always)]
pub(crate) fn le(b: &[u8]) -> f32 {
    match <[u8; 4]>::try_from(b) {
        Ok(b) => f32::from_le_bytes(b),
        Err(_) => 0.0,
    }
}

/// The f32 elements of little-endian byte storage.
#[inline(always)]
pub(crate) fn values(bytes: &[u8]) -> impl Iterator<Item = f32> + '_ {
    bytes.chunks_exact(4).map(le)
}

/// How a kernel reads its constant weights: f32, or float16 kept in flash and widened on read
/// (`f16 = "keep"`; exact, every f16 is an f32, so the arithmetic is the f32 kernel's).
pub(crate) trait WeightFormat {
    /// Bytes per weight.
    const BYTES: usize;
    /// One little-endian weight (0.0 for a slice of another length, ruled out by the contract).
    fn decode(b: &[u8]) -> f32;
}

/// Weights stored as little-endian f32.
pub(crate) struct F32Weights;

impl WeightFormat for F32Weights {
    const BYTES: usize = 4;
    #[inline(always)]
    fn decode(b: &[u8]) -> f32 {
        le(b)
    }
}

/// Weights stored as little-endian IEEE float16 (the converter's float16 mode), widened on read.
#[cfg(feature = "f16")]
pub(crate) struct F16Weights;

#[cfg(feature = "f16")]
impl WeightFormat for F16Weights {
    const BYTES: usize = 2;
    #[inline(always)]
    fn decode(b: &[u8]) -> f32 {
        match <[u8; 2]>::try_from(b) {
            Ok(b) => half::f16::from_le_bytes(b).to_f32(),
            Err(_) => 0.0,
        }
    }
}

/// Weight `i` of `W`-encoded storage.
#[inline(always)]
pub(crate) fn weight<W: WeightFormat>(w: &[u8], i: usize) -> f32 {
    W::decode(super::window(w, i * W::BYTES, W::BYTES))
}

/// `acc + a[0]·w[0] + a[1]·w[1] + …` over f32 activations `a` and `W`-encoded weights `w`, each
/// product rounded and added in order: the reference kernels' `total += input * filter` loop
/// continued from a running total.
#[inline(always)]
pub(crate) fn dot_acc_w<W: WeightFormat>(acc: f32, a: &[u8], w: &[u8]) -> f32 {
    values(a).zip(w.chunks_exact(W::BYTES).map(W::decode)).fold(acc, |acc, (x, w)| acc + x * w)
}

/// TFLite's `ActivationFunctionWithMinMax`: `min(max(x, lo), hi)`.
#[inline(always)]
pub(crate) fn clamp(x: f32, lo: f32, hi: f32) -> f32 {
    // C++ `std::max(x, lo)` is `x < lo ? lo : x`; written out so a NaN passes through as there.
    let x = if x < lo { lo } else { x };
    if hi < x {
        hi
    } else {
        x
    }
}

/// Writes `v` as little-endian bytes into a 4-byte output element.
#[inline(always)]
pub(crate) fn store(out: &mut [u8], v: f32) {
    for (o, b) in out.iter_mut().zip(v.to_le_bytes()) {
        *o = b;
    }
}

/// Stores `clamp(v, lo, hi)` (TFLite's fused activation) as the next 4-byte output element; the
/// epilogue of every float conv / fully-connected kernel. Running out of output elements is ruled
/// out by the kernel contract (the value is then dropped).
#[inline(always)]
pub(crate) fn store_clamped(out: &mut core::slice::ChunksExactMut<'_, u8>, v: f32, lo: f32, hi: f32) {
    if let Some(o) = out.next() {
        store(o, clamp(v, lo, hi));
    }
}

/// `v + bias[c]`, or `v` unchanged when the model has no bias: the dynamic-range conv kernels
/// add nothing then (the float kernels add 0.0 instead, which turns -0.0 into +0.0).
#[inline(always)]
pub(crate) fn plus_bias_if_any(v: f32, bias: &[f32], c: usize) -> f32 {
    match bias.get(c) {
        Some(&b) => v + b,
        None => v,
    }
}

/// The per-image quantization of the dynamic-range conv kernels: `(scaling factor, zero point,
/// 1 / scaling factor)` of [`hybrid_fully_connected::asymmetric_params`]. An all-zero image
/// quantizes to zeros (scale 1, zero point 0; any scale gives 0·s).
#[inline(always)]
pub(crate) fn image_quantization(image: &[u8]) -> (f32, i32, f32) {
    hybrid_fully_connected::asymmetric_params(image).unwrap_or((1.0, 0, 0.0))
}

/// One spatial axis of a sliding window: input and output extents, filter taps, stride,
/// dilation and leading padding.
#[derive(Clone, Copy, Debug)]
struct Axis {
    size: usize,
    out: usize,
    taps: usize,
    stride: usize,
    dilation: usize,
    pad: usize,
}

impl Axis {
    /// The real taps `t0..t1` of output coordinate `o`, and its input origin (see [`tap_range`]).
    #[inline(always)]
    fn taps_of(&self, o: usize) -> (usize, usize, isize) {
        tap_range(o, self.stride, self.pad, self.dilation, self.taps, self.size)
    }
}

/// Sliding-window geometry of the float conv kernels (CONV_2D, DEPTHWISE_CONV_2D and their
/// dynamic-range forms), NHWC: the batch count, the bytes of one f32 input image, and the two
/// spatial axes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConvWindow {
    batches: usize,
    image_bytes: usize,
    rows: Axis,
    cols: Axis,
}

/// The real (non-padded) filter taps of one output pixel: along each axis the clamped range of
/// [`tap_range`], so padded taps are skipped rather than multiplied by zero (which could flip
/// the sign of a zero sum, and would not be the reference's sum).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Taps {
    ky: (usize, usize),
    kx: (usize, usize),
    origin: [isize; 2],
    dilation: [usize; 2],
    k_w: usize,
    in_w: usize,
}

impl Taps {
    /// Folds `f(acc, tap, pixel)` over the real taps in the reference kernels' order (filter row,
    /// then filter column), where `tap = ky · k_w + kx` indexes the filter's spatial positions
    /// and `pixel = iy · in_w + ix` the input image's.
    #[inline(always)]
    pub(crate) fn fold<A>(&self, init: A, mut f: impl FnMut(A, usize, usize) -> A) -> A {
        let mut acc = init;
        for ky in self.ky.0..self.ky.1 {
            let iy = tap_coord(self.origin[0], ky, self.dilation[0]);
            for kx in self.kx.0..self.kx.1 {
                let ix = tap_coord(self.origin[1], kx, self.dilation[1]);
                acc = f(acc, ky * self.k_w + kx, iy * self.in_w + ix);
            }
        }
        acc
    }
}

impl ConvWindow {
    /// The geometry from a conv params struct's fields (input and output NHWC; kernel, stride,
    /// dilation and leading padding as `[rows, columns]`).
    #[inline(always)]
    pub(crate) fn new(
        input: [usize; 4],
        output: [usize; 4],
        kernel: [usize; 2],
        stride: [usize; 2],
        dilation: [usize; 2],
        pad: [usize; 2],
    ) -> Self {
        let [batches, in_h, in_w, in_c] = input;
        let axis = |d: usize, size: usize| Axis {
            size,
            out: output[1 + d],
            taps: kernel[d],
            stride: stride[d],
            dilation: dilation[d],
            pad: pad[d],
        };
        ConvWindow { batches, image_bytes: in_h * in_w * in_c * 4, rows: axis(0, in_h), cols: axis(1, in_w) }
    }

    /// Calls `pixel(image, state, taps)` for every output pixel in NHWC order, where `image` is
    /// the pixel's batch image (`in_h · in_w · in_c` f32s) and `state = per_image(image)` is
    /// computed once per image (the dynamic-range kernels quantize the image there).
    #[inline(always)]
    pub(crate) fn walk<S>(
        &self,
        input: &[u8],
        mut per_image: impl FnMut(&[u8]) -> S,
        mut pixel: impl FnMut(&[u8], &S, &Taps),
    ) {
        let (rows, cols) = (self.rows, self.cols);
        for b in 0..self.batches {
            let image = super::window(input, b * self.image_bytes, self.image_bytes);
            let state = per_image(image);
            for oy in 0..rows.out {
                let (ky0, ky1, iy_origin) = rows.taps_of(oy);
                for ox in 0..cols.out {
                    let (kx0, kx1, ix_origin) = cols.taps_of(ox);
                    let taps = Taps {
                        ky: (ky0, ky1),
                        kx: (kx0, kx1),
                        origin: [iy_origin, ix_origin],
                        dilation: [rows.dilation, cols.dilation],
                        k_w: cols.taps,
                        in_w: cols.size,
                    };
                    pixel(image, &state, &taps);
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    extern crate std;
    use crate::fixed_point::testing::Rng;
    use std::vec::Vec;

    /// Uniform in `[-1, 1)` with a spread of exponents (some tiny, some large values).
    pub fn f32_value(rng: &mut Rng) -> f32 {
        let u = (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
        let v = 2.0 * u - 1.0;
        match rng.usize(0, 9) {
            0 => v * 1e-3,
            1 => v * 100.0,
            _ => v,
        }
    }

    pub fn f32_bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
        (0..n).flat_map(|_| f32_value(rng).to_le_bytes()).collect()
    }

    pub fn floats(b: &[u8]) -> Vec<f32> {
        super::values(b).collect()
    }

    pub fn leak_f32(v: Vec<f32>) -> &'static [f32] {
        v.leak()
    }
}
