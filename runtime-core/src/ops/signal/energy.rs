//! `SignalEnergy` (TFLM `energy.cc`): |z|² of the complex int16 bins `start..end` as uint32.

use super::le::{get_i16, set_u32};

/// `input` holds interleaved (real, imaginary) int16 pairs. TFLM leaves the output's other
/// elements as the arena held them; kiln writes 0 there, so they are at least deterministic.
pub fn signal_energy(input: &[u8], output: &mut [u8], start: usize, end: usize) {
    for i in 0..output.len() / 4 {
        let v = if (start..end).contains(&i) {
            let (re, im) = (i32::from(get_i16(input, 2 * i)), i32::from(get_i16(input, 2 * i + 1)));
            // Two squares of −32768 sum to 2³¹: int32 overflow in TFLM's C, the uint32 value here.
            (re * re) as u32 + (im * im) as u32
        } else {
            0
        };
        set_u32(output, i, v);
    }
}
