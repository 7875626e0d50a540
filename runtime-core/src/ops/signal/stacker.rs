//! `SignalStacker` (TFLM `stacker.cc`): stacks `left + 1 + right` consecutive frames of
//! `channels` values, advancing `step` frames per output. The first frame is repeated `left`
//! times (TFLM's `CircularBufferExtend`). State: the validity byte (second output), a
//! "has the first frame" byte, then a FIFO of `channels · (left + right + 1)` samples.

use super::fifo::Fifo;
use super::le::{get_i16, set_i16};

/// `input` is one frame (`channels` int16), `output` the stack. While the FIFO is short the
/// validity byte is 0 and the output is left as it was, as TFLM does.
pub fn signal_stacker(input: &[u8], state: &mut [u8], output: &mut [u8], channels: usize, left: usize, step: usize) {
    let capacity = output.len() / 2;
    let Some((flags, bytes)) = state.split_at_mut_checked(2) else {
        return;
    };
    let mut fifo = Fifo::new(bytes, capacity);
    fifo.write(channels, |_, k| get_i16(input, k));
    if flags[1] == 0 {
        for _ in 0..left {
            let last = fifo.len().saturating_sub(channels);
            fifo.write(channels, |f, k| f.get(last + k));
        }
        flags[1] = 1;
    }
    if fifo.len() >= capacity {
        for k in 0..capacity {
            set_i16(output, k, fifo.get(k));
        }
        fifo.discard(channels * step);
        flags[0] = 1;
    } else {
        flags[0] = 0;
    }
}
