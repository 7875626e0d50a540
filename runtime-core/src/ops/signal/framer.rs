//! `SignalFramer` (TFLM `framer.cc`): each input row's samples, `step` at a time, into
//! overlapping frames of `frame` samples. State: a validity byte (the op's second output, read
//! from there by `copy_variable`), then one FIFO per row of `ceil(frame/step)·step` samples,
//! preloaded with `frame − step` zeros when `prefill` is set.

use super::fifo::Fifo;
use super::le::{get_i16, set_i16};

/// `input` is `rows × frames·step` int16, `output` `rows × frames × frame`. A frame the FIFO
/// cannot fill yet clears the validity byte and leaves its output as it was, as TFLM does.
pub fn signal_framer(input: &[u8], state: &mut [u8], output: &mut [u8], frames: usize, frame: usize, step: usize) {
    let capacity = frame.div_ceil(step.max(1)) * step;
    let Some((valid, fifos)) = state.split_first_mut() else {
        return;
    };
    *valid = 1;
    for (r, bytes) in fifos.chunks_exact_mut(Fifo::bytes(capacity)).enumerate() {
        let mut fifo = Fifo::new(bytes, capacity);
        for f in 0..frames {
            let (x, o) = ((r * frames + f) * step, (r * frames + f) * frame);
            fifo.write(step, |_, k| get_i16(input, x + k));
            if fifo.len() >= frame {
                for k in 0..frame {
                    set_i16(output, o + k, fifo.get(k));
                }
                fifo.discard(step);
            } else {
                *valid = 0;
            }
        }
    }
}
