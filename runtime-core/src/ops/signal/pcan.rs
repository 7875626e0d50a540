//! `SignalPCAN` (TFLM `pcan.cc`, `pcan_argc_fixed.cc`): per-channel automatic gain control. The
//! gain is a piecewise-quadratic function of the noise estimate (the constant `gain_lut`, three
//! int16 coefficients per power-of-two interval), the gained signal is compressed by
//! `PcanShrink`.

use super::le::{get_i16, get_u32, set_u32};
use super::msb32;

const SNR_BITS: u32 = 12;
const OUTPUT_BITS: u32 = 6;

/// TFLM's `WideDynamicFunction`: int16 arithmetic as its C does it (wrapping int32, the
/// int16 result truncated).
fn gain(x: u32, lut: &[u8]) -> i16 {
    if x <= 2 {
        return get_i16(lut, x as usize);
    }
    let interval = msb32(x);
    let base = (4 * interval - 6) as usize;
    let frac = (if interval < 11 { x << (11 - interval) } else { x >> (interval - 11) } & 0x3FF) as i32;
    let mut r = (i32::from(get_i16(lut, base + 2)) * frac) >> 5;
    r = r.wrapping_add(((i32::from(get_i16(lut, base + 1)) as u32) << 5) as i32);
    r = r.wrapping_mul(frac);
    r = r.wrapping_add(1 << 14) >> 15;
    r = r.wrapping_add(i32::from(get_i16(lut, base)));
    r as i16
}

/// TFLM's `PcanShrink`: quadratic below 2·2^SNR_BITS, linear above.
fn shrink(x: u32) -> u32 {
    if x < 2 << SNR_BITS {
        x.wrapping_mul(x) >> (2 + 2 * SNR_BITS - OUTPUT_BITS)
    } else {
        (x >> (SNR_BITS - OUTPUT_BITS)).wrapping_sub(1 << OUTPUT_BITS)
    }
}

/// `snr_shift` < 64 and `gain_lut` has 125 entries (the lowering checks both).
pub fn signal_pcan(input: &[u8], noise_estimate: &[u8], gain_lut: &[u8], output: &mut [u8], snr_shift: u32) {
    for i in 0..output.len() / 4 {
        // The int16 gain converts to uint32 sign-extended, as in TFLM.
        let g = i32::from(gain(get_u32(noise_estimate, i), gain_lut)) as u32;
        let snr = (u64::from(get_u32(input, i)) * u64::from(g)).wrapping_shr(snr_shift) as u32;
        set_u32(output, i, shrink(snr));
    }
}
