//! `CIRCULAR_BUFFER` (TFLM custom op, `kernels/circular_buffer.cc`) for streaming strided
//! convolutions: the output holds the last `slots` inputs, oldest first; each call drops the
//! oldest and appends the input. TFLM keeps that history in the output tensor itself; kiln keeps
//! it in the model's state (zero at start) and copies it out.

/// `input` is one slot (`depth` int8), `state` and `output` hold `slots × depth`.
pub fn circular_buffer_s8(input: &[u8], state: &mut [u8], output: &mut [u8], depth: usize) {
    let n = state.len();
    for k in 0..n.saturating_sub(depth) {
        if let Some(&v) = state.get(k + depth) {
            if let Some(d) = state.get_mut(k) {
                *d = v;
            }
        }
    }
    let tail = super::super::window_mut(state, n.saturating_sub(depth), depth);
    super::super::copy_prefix(tail, input);
    super::super::copy_prefix(output, state);
}
