//! `SignalFftAutoScale` (TFLM `fft_auto_scale.cc`): shifts an int16 frame left so its largest
//! magnitude uses the full range, and reports the shift (its second output).

use super::le::{get_i16, set_i16};
use super::msb32;

/// TFLM's `FftAutoScale` shift, from its `MaxAbs16` exactly: the running maximum is an int16,
/// so −32768 negates to −32768 (and the next sample then replaces it).
fn scale_bits(input: &[u8]) -> u32 {
    let mut max: i16 = 0;
    for i in 0..input.len() / 2 {
        let v = get_i16(input, i);
        if v > max {
            max = v;
        } else if i32::from(v).wrapping_neg() > i32::from(max) {
            max = v.wrapping_neg();
        }
    }
    // MostSignificantBit32 of the int16 (sign-extended to uint32 for a negative maximum).
    let bits = 16 - msb32(i32::from(max) as u32) as i32 - 1;
    bits.max(0) as u32
}

/// Output 0: each sample times 2^shift, truncated to int16 as TFLM's C does.
pub fn signal_fft_auto_scale(input: &[u8], output: &mut [u8]) {
    let bits = scale_bits(input);
    for i in 0..input.len() / 2 {
        set_i16(output, i, (i32::from(get_i16(input, i)) << bits) as i16);
    }
}

/// Output 1: the shift, an int32 scalar.
pub fn signal_fft_auto_scale_bits(input: &[u8], output: &mut [u8]) {
    if let Some(o) = output.get_mut(..4) {
        o.copy_from_slice(&(scale_bits(input) as i32).to_le_bytes());
    }
}
