//! `SignalOverlapAdd` (TFLM `overlap_add.cc`): frames of `frame` samples overlap-added at a hop
//! of `step`; each row keeps the `frame` running sums as state (zero at start). int16 sums
//! saturate, float32 ones are plain float additions.

use super::le::{get_i16, set_i16};

fn get_f32(b: &[u8], i: usize) -> f32 {
    match b.get(4 * i..4 * i + 4) {
        Some(s) => f32::from_le_bytes([s[0], s[1], s[2], s[3]]),
        None => 0.0,
    }
}

fn set_f32(b: &mut [u8], i: usize, v: f32) {
    if let Some(s) = b.get_mut(4 * i..4 * i + 4) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

macro_rules! overlap_add {
    ($(#[$doc:meta])* $name:ident, $size:expr, $get:ident, $set:ident, $zero:expr, $add:expr) => {
        $(#[$doc])*
        pub fn $name(input: &[u8], state: &mut [u8], output: &mut [u8], frames: usize, frame: usize, step: usize) {
            let rows = (input.len() / $size).checked_div(frames * frame).unwrap_or(0);
            for r in 0..rows {
                let s = r * frame;
                for f in 0..frames {
                    let (x, o) = ((r * frames + f) * frame, (r * frames + f) * step);
                    for i in 0..frame {
                        let v = $add($get(state, s + i), $get(input, x + i));
                        $set(state, s + i, v);
                    }
                    for k in 0..step.min(frame) {
                        $set(output, o + k, $get(state, s + k));
                    }
                    // The sums move down by `step`; the freed tail starts from zero.
                    for k in 0..frame {
                        let v = if k + step < frame { $get(state, s + k + step) } else { $zero };
                        $set(state, s + k, v);
                    }
                }
            }
        }
    };
}

overlap_add!(
    /// int16: `input` is `rows × frames × frame`, `output` `rows × frames·step`, `state`
    /// `rows × frame` (the running sums, saturated).
    signal_overlap_add_s16, 2, get_i16, set_i16, 0,
    |a: i16, b: i16| (i32::from(a) + i32::from(b)).clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
);
overlap_add!(
    /// float32, same layout.
    signal_overlap_add_f32, 4, get_f32, set_f32, 0.0,
    |a: f32, b: f32| a + b
);
