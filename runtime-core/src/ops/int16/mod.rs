//! int16x8 kernels of the core ops (int16 activations, int8 weights, int64 bias).
//!
//! int16 tensors are little-endian 2-byte groups in the byte-slice contract of [`super`]: kernels
//! read them with [`load`] and write them with [`store`]. The int16x8 quantization scheme is
//! symmetric (every activation zero point is 0, which codegen checks), so padded taps contribute
//! nothing and there is no bias folding: the int64 bias is passed as is.

mod conv2d;
mod depthwise_conv2d;
mod fully_connected;
mod pooling;
mod quantize;
mod softmax;

pub use conv2d::{conv2d_s16, Conv2dS16Params};
pub use depthwise_conv2d::{depthwise_conv2d_s16, DepthwiseConv2dS16Params};
pub use fully_connected::{fully_connected_s16, FullyConnectedS16Params};
pub use pooling::{average_pool2d_s16, max_pool2d_s16};
pub use quantize::{
    dequantize_s16, dequantize_s16_f32, quantize_f32_s16, quantize_s16, requantize_s16_s16,
    requantize_s16_s32, requantize_s16_s8, requantize_s32_s16, requantize_s8_s16,
};
pub use softmax::{softmax_s16, SoftmaxS16Params, SOFTMAX_S16_LUT_LEN};

/// The int16 value in the first two bytes of `b` (0 if `b` is shorter, which the contract rules out).
#[inline(always)]
pub(crate) fn load(b: &[u8]) -> i32 {
    match b {
        [lo, hi, ..] => i32::from(i16::from_le_bytes([*lo, *hi])),
        _ => 0,
    }
}

/// Byte length of `n` int16 values, or `None` if it is 0 or overflows `usize` (the kernel then
/// writes nothing). Kernels walk pixels/rows with `chunks_exact(bytes)`, which panics on a chunk
/// size of 0: checking `n != 0` is not enough, since `n * 2` wraps to 0 for `n = usize::MAX / 2 + 1`
/// (out of the contract, but the optimizer cannot rule it out when the kernel is not inlined).
#[inline(always)]
pub(crate) fn s16_byte_len(n: usize) -> Option<usize> {
    match n.checked_mul(2) {
        Some(bytes) if bytes != 0 => Some(bytes),
        _ => None,
    }
}

/// Stores `v` (already clamped to the int16 range by the caller) into the first two bytes of `o`.
#[inline(always)]
pub(crate) fn store(o: &mut [u8], v: i32) {
    super::copy_prefix(o, &(v as i16).to_le_bytes());
}

/// `Σ x[i] · w[i]` over int16 activations (2-byte groups) and int8 weights, in i64 as TFLM's
/// int16x8 accumulators (each product fits in i32; the sum cannot overflow i64 for any tensor
/// that fits in memory, and wraps rather than panics regardless).
#[inline(always)]
pub(crate) fn dot_s16_s8(x: &[u8], w: &[u8]) -> i64 {
    dot_s16_s8_each(x, w, 0)
}

/// [`dot_s16_s8`] for long runs (a FULLY_CONNECTED row): with the Arm DSP extension four
/// products per step ([`dot_s16_s8_words`] on SMLALD; the zoo's int16 FULLY_CONNECTED layers
/// 7.9 → 4.3 instructions per MAC on a Cortex-M4). The convolution's runs (a tap row) keep
/// [`dot_s16_s8`]: on the zoo's int16 convolutions (1–8 input channels) the steps cost more
/// than they saved.
#[inline(always)]
pub(crate) fn dot_s16_s8_long(x: &[u8], w: &[u8]) -> i64 {
    #[cfg(kiln_arm_dsp)]
    {
        dot_s16_s8_words(x, w, crate::arch::arm_dsp::dot_s16x4_s8)
    }
    #[cfg(not(kiln_arm_dsp))]
    {
        dot_s16_s8_each(x, w, 0)
    }
}

/// [`dot_s16_s8`] one product at a time, from `acc`.
#[inline(always)]
fn dot_s16_s8_each(x: &[u8], w: &[u8], acc: i64) -> i64 {
    x.chunks_exact(2).zip(w).fold(acc, |acc, (x, &w)| acc.wrapping_add(i64::from(load(x) * i32::from(w as i8))))
}

/// [`dot_s16_s8`] four products per `step` (two words of int16 halves, one word of int8
/// weights: [`crate::arch::arm_dsp::dot_s16x4_s8`] or its twin), the last `n mod 4` one by one.
#[cfg_attr(not(kiln_arm_dsp), allow(dead_code))]
#[inline(always)]
fn dot_s16_s8_words(x: &[u8], w: &[u8], step: impl Fn(i64, u32, u32, u32) -> i64) -> i64 {
    use super::conv::word;
    let mut acc = 0i64;
    let mut done = 0;
    for (x8, w4) in x.chunks_exact(8).zip(w.chunks_exact(4)) {
        let (x01, x23) = x8.split_at_checked(4).unwrap_or_default();
        acc = step(acc, word(x01), word(x23), word(w4));
        done += 4;
    }
    dot_s16_s8_each(x.get(2 * done..).unwrap_or(&[]), w.get(done..).unwrap_or(&[]), acc)
}

#[cfg(test)]
pub(crate) mod testing {
    extern crate std;
    use crate::fixed_point::testing::Rng;
    use std::vec::Vec;

    /// Random int16 tensor bytes, biased toward the extremes now and then.
    pub fn s16_bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
        (0..n)
            .flat_map(|_| {
                let v = match rng.usize(0, 9) {
                    0 => i16::MIN,
                    1 => i16::MAX,
                    _ => rng.range(-32768, 32767) as i16,
                };
                v.to_le_bytes()
            })
            .collect()
    }

    pub fn s16_values(b: &[u8]) -> Vec<i64> {
        b.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]]) as i64).collect()
    }

    /// TFLM's int16x8 output stage in exact arithmetic: 64-bit requantization, clamp.
    pub fn ref_out(acc: i64, rq: crate::fixed_point::Requant, lo: i32, hi: i32) -> i16 {
        let reduced = if rq.multiplier < 0x7FFF_0000 { (rq.multiplier as i64 + (1 << 15)) >> 16 } else { 0x7FFF };
        let v = crate::fixed_point::testing::round_half_up(acc as i128 * reduced as i128, (15 - rq.shift) as u32) as i32;
        v.max(lo).min(hi) as i16
    }

    /// Activation clamp bounds on int16: the full range half the time.
    pub fn act(rng: &mut Rng) -> (i32, i32) {
        if rng.bool() {
            (-32768, 32767)
        } else {
            (rng.range(-32768, 0) as i32, rng.range(0, 32767) as i32)
        }
    }

    /// The four-at-a-time dot product (as the DSP build runs it, here on the twin) equals the
    /// one-at-a-time one for every length remainder, extreme values included.
    #[test]
    fn word_steps_match_the_plain_dot() {
        let mut rng = Rng::new(1616);
        for case in 0..2000 {
            let (n, m) = (rng.usize(0, 40), rng.usize(0, 40));
            let x = s16_bytes(&mut rng, n);
            let mut w = std::vec![0u8; m];
            rng.fill(&mut w);
            if case % 7 == 0 {
                w.iter_mut().for_each(|b| *b = 0x80);
            }
            let want = super::dot_s16_s8_each(&x, &w, 0);
            assert_eq!(super::dot_s16_s8_words(&x, &w, crate::arch::arm_dsp::portable::dot_s16x4_s8), want, "{n} × {m}");
            assert_eq!(super::dot_s16_s8_long(&x, &w), want);
        }
    }
}
