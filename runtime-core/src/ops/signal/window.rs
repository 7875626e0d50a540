//! `SignalWindow` (TFLM `window.cc`): each row of the int16 input times the int16 window,
//! shifted right by `shift` (arithmetic) and saturated to int16.

use super::le::{get_i16, set_i16};

/// `weights` is the window (one row's length); the input is any number of rows of it.
pub fn signal_window(input: &[u8], weights: &[u8], output: &mut [u8], shift: u32) {
    let n = weights.len() / 2;
    if n == 0 {
        return;
    }
    for i in 0..input.len() / 2 {
        let raw = (i32::from(get_i16(input, i)) * i32::from(get_i16(weights, i % n))).wrapping_shr(shift);
        set_i16(output, i, raw.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16);
    }
}
