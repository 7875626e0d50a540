//! `SignalDelay` (TFLM `delay.cc`): each row of the input delayed by `delay` samples. TFLM keeps
//! a ring buffer per row preloaded with `delay` zeros; its content between calls is exactly the
//! row's last `delay` samples, which is the state here (`rows × delay` int16, zero at start).

use super::le::{get_i16, set_i16};

/// `input` and `output` are `rows × frame` int16; `state` is `rows × delay` int16.
pub fn signal_delay(input: &[u8], state: &mut [u8], output: &mut [u8], frame: usize, delay: usize) {
    if frame == 0 {
        return;
    }
    for r in 0..input.len() / 2 / frame {
        let (x, s) = (r * frame, r * delay);
        // The row's stream is state ++ input: the output is its first `frame` samples, the new
        // state its last `delay`.
        let at = |k: usize, state: &[u8]| {
            if k < delay {
                get_i16(state, s + k)
            } else {
                get_i16(input, x + k - delay)
            }
        };
        for k in 0..frame {
            set_i16(output, x + k, at(k, state));
        }
        for k in 0..delay {
            let v = at(frame + k, state);
            set_i16(state, s + k, v);
        }
    }
}
