//! UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations and weights with an int16 cell state (TFLM's
//! integer `LstmStep` for the standard Keras LSTM: no CIFG, peephole, projection or layer norm).
//!
//! Per time step and batch row, with `x` the input row and `h`, `c` the hidden and cell state:
//!
//! ```text
//! gate_k = act_k( sat16( FC_k(x) + FC_k'(h) ) )   FC outputs int16 in Q3.12, act → Q0.15
//!     i = σ(gate_input)  f = σ(gate_forget)  g = tanh(gate_cell)  o = σ(gate_output)
//! c ← clip( sat16( f·c + i·g ) )                  (two requantized int16 products)
//! h ← o · tanh(c)                                 (requantized to the int8 hidden state)
//! ```
//!
//! and the new `h` is also the step's output row. TFLM computes each of these stages for the
//! whole state vector before the next; every stage is elementwise per cell, except that the
//! recurrent FCs read the *previous* `h`. So this kernel runs cell by cell, writing the new `h`
//! into the output row (which is exactly where TFLM copies it) and only then into the state.
//! No scratch memory is needed.

use super::super::{window, window_mut};
use crate::fixed_point::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64, Requant};
use crate::ops::unary::sigmoid16::{logistic_one, tanh_one, Sigmoid16Params};

/// One gate's two fully connected layers (TFLM `GateParameters`), int8 × int8 → int16 Q3.12.
#[derive(Clone, Copy, Debug)]
pub struct LstmGate {
    /// `QuantizeMultiplier(input_scale · weight_scale / 2^-12)`, the product taken in f32.
    pub input_requant: Requant,
    /// Same for the hidden state and the recurrent weights.
    pub recurrent_requant: Requant,
    /// The gate bias with `-input_zero_point · Σ row` folded in (wrapping, exactly TFLM's sum).
    pub input_bias: &'static [i32],
    /// `-hidden_zero_point · Σ row` (the recurrent FC has no bias).
    pub recurrent_bias: &'static [i32],
}

/// Static parameters of one integer LSTM (TFLM `OpDataLSTM`).
#[derive(Clone, Copy, Debug)]
pub struct LstmParams {
    /// Batch size.
    pub batches: usize,
    /// Time steps per sequence.
    pub time_steps: usize,
    /// Input features per time step.
    pub input_size: usize,
    /// State dimension (cells = hidden units).
    pub cells: usize,
    /// Input `[time, batch, input]` instead of `[batch, time, input]` (same for the output).
    pub time_major: bool,
    /// The input gate.
    pub input_gate: LstmGate,
    /// The forget gate.
    pub forget_gate: LstmGate,
    /// The cell gate (candidate cell state).
    pub cell_gate: LstmGate,
    /// The output gate.
    pub output_gate: LstmGate,
    /// Forget gate (Q0.15) × cell state → cell state: `2^-15`.
    pub forget_requant: Requant,
    /// Input gate × cell gate (both Q0.15) → cell state: `2^-30 / cell_scale`.
    pub input_requant: Requant,
    /// tanh(cell) × output gate (both Q0.15) → hidden state: `2^-30 / hidden_scale`.
    pub hidden_requant: Requant,
    /// Zero point of the hidden state (and the output).
    pub hidden_zero_point: i32,
    /// Quantized cell clip; 0 disables clipping.
    pub cell_clip: i32,
    /// How TFLM feeds the cell state to tanh: `(c · multiplier + round) >> left_shift` puts it
    /// in the Q3.12-times-3 domain the table lookup expects (from the cell scale's power of 2).
    pub cell_tanh_multiplier: i32,
    /// The shift of `cell_tanh_multiplier`'s formula.
    pub cell_tanh_left_shift: i32,
}

/// TFLM's int16 logistic on a gate or the cell state (output Q0.15): the unary family's
/// [`logistic_one`], whose sigmoid table TFLM's LSTM shares with LOGISTIC and TANH.
#[inline(always)]
pub(crate) fn sigmoid_s16(x: i32, input_multiplier: i32, input_left_shift: i32) -> i32 {
    i32::from(logistic_one(&Sigmoid16Params { input_multiplier, input_left_shift }, x))
}

/// TFLM's int16 tanh (output Q0.15), the unary family's [`tanh_one`].
#[inline(always)]
pub(crate) fn tanh_s16(x: i32, input_multiplier: i32, input_left_shift: i32) -> i32 {
    i32::from(tanh_one(&Sigmoid16Params { input_multiplier, input_left_shift }, x))
}

#[inline(always)]
fn sat16(x: i32) -> i32 {
    x.clamp(i32::from(i16::MIN), i32::from(i16::MAX))
}

#[inline(always)]
fn dot_s8(w: &[u8], x: &[u8]) -> i32 {
    w.iter().zip(x).fold(0i32, |acc, (&w, &x)| acc.wrapping_add(i32::from(w as i8) * i32::from(x as i8)))
}

#[inline(always)]
fn get(s: &[i32], k: usize) -> i32 {
    s.get(k).copied().unwrap_or(0)
}

/// One gate's pre-activation for cell `k`: both FCs requantized to int16, then added with
/// saturation (TFLM `FullyConnected` ×2 + `AddElementWise`).
#[inline(always)]
fn gate_sum(g: &LstmGate, k: usize, x: &[u8], h: &[u8], w_in: &[u8], w_rec: &[u8]) -> i32 {
    let (ni, nh) = (x.len(), h.len());
    let a = get(g.input_bias, k).wrapping_add(dot_s8(window(w_in, k * ni, ni), x));
    let b = get(g.recurrent_bias, k).wrapping_add(dot_s8(window(w_rec, k * nh, nh), h));
    let a = sat16(multiply_by_quantized_multiplier(a, g.input_requant));
    let b = sat16(multiply_by_quantized_multiplier(b, g.recurrent_requant));
    sat16(a + b)
}


/// UNIDIRECTIONAL_SEQUENCE_LSTM int8 with an int16 cell state, bit-exact with TFLM.
///
/// `w_*` are the input-to-gate weights `[cells, input_size]`, `r_*` the recurrent weights
/// `[cells, cells]` (gate order input, forget, cell, output, as in the file); `hidden`
/// (int8 `[batches, cells]`) and `cell` (int16) are the variable tensors, updated in place.
#[allow(clippy::too_many_arguments)]
pub fn unidirectional_sequence_lstm_s8(
    p: &LstmParams,
    input: &[u8],
    w_i: &[u8],
    w_f: &[u8],
    w_c: &[u8],
    w_o: &[u8],
    r_i: &[u8],
    r_f: &[u8],
    r_c: &[u8],
    r_o: &[u8],
    hidden: &mut [u8],
    cell: &mut [u8],
    output: &mut [u8],
) {
    let (n, ni) = (p.cells, p.input_size);
    for b in 0..p.batches {
        for t in 0..p.time_steps {
            let row = if p.time_major { t * p.batches + b } else { b * p.time_steps + t };
            let x = window(input, row * ni, ni);
            let out = window_mut(output, row * n, n);
            let h = window_mut(hidden, b * n, n);
            let c = window_mut(cell, b * n * 2, n * 2);
            for (k, (o, c2)) in out.iter_mut().zip(c.chunks_exact_mut(2)).enumerate() {
                let f = sigmoid_s16(gate_sum(&p.forget_gate, k, x, h, w_f, r_f), 3, 0);
                let i = sigmoid_s16(gate_sum(&p.input_gate, k, x, h, w_i, r_i), 3, 0);
                let g = tanh_s16(gate_sum(&p.cell_gate, k, x, h, w_c, r_c), 3, 0);
                let old = match *c2 {
                    [lo, hi] => i32::from(i16::from_le_bytes([lo, hi])),
                    _ => 0,
                };
                let kept = sat16(multiply_by_quantized_multiplier(f * old, p.forget_requant));
                let added = sat16(multiply_by_quantized_multiplier(i * g, p.input_requant));
                let mut new = sat16(kept + added);
                if p.cell_clip > 0 {
                    new = new.clamp(-p.cell_clip, p.cell_clip);
                }
                c2.copy_from_slice(&(new as i16).to_le_bytes());
                let og = sigmoid_s16(gate_sum(&p.output_gate, k, x, h, w_o, r_o), 3, 0);
                let th = tanh_s16(new, p.cell_tanh_multiplier, p.cell_tanh_left_shift);
                let hv = multiply_by_quantized_multiplier(th * og, p.hidden_requant)
                    .wrapping_add(p.hidden_zero_point)
                    .clamp(i32::from(i8::MIN), i32::from(i8::MAX));
                *o = hv as i8 as u8;
            }
            // The new hidden state is the output row; the next step's recurrent FCs read it.
            super::super::copy_prefix(h, out);
        }
    }
}

/// One gate of the int16x8 LSTM: int16 activations × int8 weights, int64 accumulators.
#[derive(Clone, Copy, Debug)]
pub struct LstmS16Gate {
    /// `QuantizeMultiplier(input_scale · weight_scale / 2^-12)`, the product taken in f32.
    pub input_requant: Requant,
    /// Same for the hidden state and the recurrent weights.
    pub recurrent_requant: Requant,
    /// The gate's int64 bias (activations are symmetric: no zero point to fold).
    pub bias: &'static [i64],
}

/// Static parameters of one int16x8 LSTM: int16 input, hidden state and output, int8
/// weights, int64 biases, int16 cell state (TFLM's `LstmStep<int16, int8, int16, int64>`).
#[derive(Clone, Copy, Debug)]
pub struct LstmS16Params {
    /// Batch size (independent rows of the input and output).
    pub batches: usize,
    /// Time steps per sequence.
    pub time_steps: usize,
    /// Input features per time step.
    pub input_size: usize,
    /// State dimension (cells = hidden units).
    pub cells: usize,
    /// Input `[time, batch, input]` instead of `[batch, time, input]` (same for the output).
    pub time_major: bool,
    /// The input gate.
    pub input_gate: LstmS16Gate,
    /// The forget gate.
    pub forget_gate: LstmS16Gate,
    /// The cell gate (candidate cell state).
    pub cell_gate: LstmS16Gate,
    /// The output gate.
    pub output_gate: LstmS16Gate,
    /// Forget gate × cell state → cell state.
    pub forget_requant: Requant,
    /// Input gate × cell gate → cell state.
    pub input_requant: Requant,
    /// tanh(cell) × output gate → hidden state.
    pub hidden_requant: Requant,
    /// Zero point of the hidden state (and the output).
    pub hidden_zero_point: i32,
    /// Quantized cell clip; 0 disables clipping.
    pub cell_clip: i32,
    /// How TFLM feeds the cell state to tanh: `(c · multiplier + round) >> left_shift`.
    pub cell_tanh_multiplier: i32,
    /// The shift of `cell_tanh_multiplier`'s formula.
    pub cell_tanh_left_shift: i32,
}

#[inline(always)]
fn i16_at(b: &[u8]) -> i32 {
    match *b {
        [lo, hi, ..] => i32::from(i16::from_le_bytes([lo, hi])),
        _ => 0,
    }
}

/// One int16x8 gate's pre-activation for cell `k` (TFLM's int16 `FullyConnected` ×2, int64
/// accumulation, then `AddElementWise`).
#[inline(always)]
fn gate_sum_s16(g: &LstmS16Gate, k: usize, x: &[u8], h: &[u8], w_in: &[u8], w_rec: &[u8]) -> i32 {
    let (ni, nh) = (x.len() / 2, h.len() / 2);
    let dot = |w: &[u8], v: &[u8]| {
        w.iter().zip(v.chunks_exact(2)).fold(0i64, |acc, (&w, v)| acc + i64::from(w as i8) * i64::from(i16_at(v)))
    };
    let a = dot(window(w_in, k * ni, ni), x).wrapping_add(g.bias.get(k).copied().unwrap_or(0));
    let b = dot(window(w_rec, k * nh, nh), h);
    let a = sat16(multiply_by_quantized_multiplier_i64(a, g.input_requant));
    let b = sat16(multiply_by_quantized_multiplier_i64(b, g.recurrent_requant));
    sat16(a + b)
}

/// UNIDIRECTIONAL_SEQUENCE_LSTM int16x8, bit-exact with TFLM: the int8 kernel's stages with
/// int16 activations (input, hidden state, output) and int64-accumulated gate FCs.
#[allow(clippy::too_many_arguments)]
pub fn unidirectional_sequence_lstm_s16(
    p: &LstmS16Params,
    input: &[u8],
    w_i: &[u8],
    w_f: &[u8],
    w_c: &[u8],
    w_o: &[u8],
    r_i: &[u8],
    r_f: &[u8],
    r_c: &[u8],
    r_o: &[u8],
    hidden: &mut [u8],
    cell: &mut [u8],
    output: &mut [u8],
) {
    let (n, ni) = (p.cells, p.input_size);
    for b in 0..p.batches {
        for t in 0..p.time_steps {
            let row = if p.time_major { t * p.batches + b } else { b * p.time_steps + t };
            let x = window(input, row * ni * 2, ni * 2);
            let out = window_mut(output, row * n * 2, n * 2);
            let h = window_mut(hidden, b * n * 2, n * 2);
            let c = window_mut(cell, b * n * 2, n * 2);
            for (k, (o, c2)) in out.chunks_exact_mut(2).zip(c.chunks_exact_mut(2)).enumerate() {
                let f = sigmoid_s16(gate_sum_s16(&p.forget_gate, k, x, h, w_f, r_f), 3, 0);
                let i = sigmoid_s16(gate_sum_s16(&p.input_gate, k, x, h, w_i, r_i), 3, 0);
                let g = tanh_s16(gate_sum_s16(&p.cell_gate, k, x, h, w_c, r_c), 3, 0);
                let kept = sat16(multiply_by_quantized_multiplier(f * i16_at(c2), p.forget_requant));
                let added = sat16(multiply_by_quantized_multiplier(i * g, p.input_requant));
                let mut new = sat16(kept + added);
                if p.cell_clip > 0 {
                    new = new.clamp(-p.cell_clip, p.cell_clip);
                }
                c2.copy_from_slice(&(new as i16).to_le_bytes());
                let og = sigmoid_s16(gate_sum_s16(&p.output_gate, k, x, h, w_o, r_o), 3, 0);
                let th = tanh_s16(new, p.cell_tanh_multiplier, p.cell_tanh_left_shift);
                let hv = sat16(multiply_by_quantized_multiplier(th * og, p.hidden_requant).wrapping_add(p.hidden_zero_point));
                o.copy_from_slice(&(hv as i16).to_le_bytes());
            }
            super::super::copy_prefix(h, out);
        }
    }
}

/// One gate of the float LSTM: the bias of its input FC (the recurrent FC has none).
#[derive(Clone, Copy, Debug)]
pub struct LstmF32Gate {
    /// The bias of the gate's input fully connected layer.
    pub bias: &'static [f32],
}

/// Static parameters of one float32 LSTM (TFLM's float `LstmStep`).
#[derive(Clone, Copy, Debug)]
pub struct LstmF32Params {
    /// Batch size (independent rows of the input and output).
    pub batches: usize,
    /// Time steps per sequence.
    pub time_steps: usize,
    /// Input features per time step.
    pub input_size: usize,
    /// State dimension (cells = hidden units).
    pub cells: usize,
    /// Input `[time, batch, input]` instead of `[batch, time, input]` (same for the output).
    pub time_major: bool,
    /// The input gate.
    pub input_gate: LstmF32Gate,
    /// The forget gate.
    pub forget_gate: LstmF32Gate,
    /// The cell gate (candidate cell state).
    pub cell_gate: LstmF32Gate,
    /// The output gate.
    pub output_gate: LstmF32Gate,
    /// Cell clip; 0 disables it.
    pub cell_clip: f32,
}

#[inline(always)]
fn f32_at(b: &[u8]) -> f32 {
    match *b {
        [b0, b1, b2, b3, ..] => f32::from_le_bytes([b0, b1, b2, b3]),
        _ => 0.0,
    }
}

/// TFLM's float FC/Mul clamp to the finite range (`ActivationFunctionWithMinMax` with
/// `lowest()`/`max()`): ±∞ become ±FLT_MAX, NaN passes.
#[inline(always)]
fn finite(v: f32) -> f32 {
    v.clamp(f32::MIN, f32::MAX)
}

/// TFLM's float FC for one output: `Σ x·w` from 0 in order, plus the bias (0 when none), clamped.
#[inline(always)]
fn fc_f32(w: &[u8], x: &[u8], bias: f32) -> f32 {
    finite(x.chunks_exact(4).zip(w.chunks_exact(4)).fold(0.0f32, |acc, (x, w)| acc + f32_at(x) * f32_at(w)) + bias)
}

/// UNIDIRECTIONAL_SEQUENCE_LSTM float32: TFLM's float `LstmStep`, stage for stage and in its
/// summation order, bit-exact: `expf` and `tanhf` are [`crate::float_math`]'s, both rounding exactly as glibc's, which TFLM calls. (A libm whose
/// `tanhf` rounds differently — e.g. a correctly rounded one — would move TFLM's results, not
/// kiln's.)
#[allow(clippy::too_many_arguments)]
pub fn unidirectional_sequence_lstm_f32(
    p: &LstmF32Params,
    input: &[u8],
    w_i: &[u8],
    w_f: &[u8],
    w_c: &[u8],
    w_o: &[u8],
    r_i: &[u8],
    r_f: &[u8],
    r_c: &[u8],
    r_o: &[u8],
    hidden: &mut [u8],
    cell: &mut [u8],
    output: &mut [u8],
) {
    use crate::float_math::tanhf;
    use crate::ops::unary::logistic::logistic;
    let (n, ni) = (p.cells, p.input_size);
    let gate = |g: &LstmF32Gate, k: usize, x: &[u8], h: &[u8], w: &[u8], r: &[u8]| -> f32 {
        let a = fc_f32(window(w, k * ni * 4, ni * 4), x, g.bias.get(k).copied().unwrap_or(0.0));
        let b = fc_f32(window(r, k * n * 4, n * 4), h, 0.0);
        a + b
    };
    for b in 0..p.batches {
        for t in 0..p.time_steps {
            let row = if p.time_major { t * p.batches + b } else { b * p.time_steps + t };
            let x = window(input, row * ni * 4, ni * 4);
            let out = window_mut(output, row * n * 4, n * 4);
            let h = window_mut(hidden, b * n * 4, n * 4);
            let c = window_mut(cell, b * n * 4, n * 4);
            for (k, (o, c4)) in out.chunks_exact_mut(4).zip(c.chunks_exact_mut(4)).enumerate() {
                let f = logistic(gate(&p.forget_gate, k, x, h, w_f, r_f));
                let i = logistic(gate(&p.input_gate, k, x, h, w_i, r_i));
                let g = tanhf(gate(&p.cell_gate, k, x, h, w_c, r_c));
                let mut new = finite(f * f32_at(c4)) + finite(i * g);
                if p.cell_clip > 0.0 {
                    // std::max(std::min(clip, v), -clip), comparison for comparison.
                    new = if new < p.cell_clip { new } else { p.cell_clip };
                    new = if new < -p.cell_clip { -p.cell_clip } else { new };
                }
                c4.copy_from_slice(&new.to_le_bytes());
                let og = logistic(gate(&p.output_gate, k, x, h, w_o, r_o));
                o.copy_from_slice(&finite(tanhf(new) * og).to_le_bytes());
            }
            super::super::copy_prefix(h, out);
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    /// Every int16 Q3.12 input: within 2^-12 of the real sigmoid/tanh, odd/even symmetric as
    /// TFLM's rounding makes them, and saturating at the ends.
    #[test]
    fn activations_track_the_real_functions() {
        for x in i16::MIN..=i16::MAX {
            let x = i32::from(x);
            let real = f64::from(x) / 4096.0;
            let s = f64::from(sigmoid_s16(x, 3, 0)) / 32768.0;
            let t = f64::from(tanh_s16(x, 3, 0)) / 32768.0;
            assert!((s - 1.0 / (1.0 + (-real).exp())).abs() < 1.0 / 4096.0, "sigmoid({real}) = {s}");
            assert!((t - real.tanh()).abs() < 1.0 / 2048.0, "tanh({real}) = {t}");
            assert!((0..=32767).contains(&sigmoid_s16(x, 3, 0)));
        }
        assert_eq!(sigmoid_s16(0, 3, 0), 16384);
        assert_eq!(tanh_s16(0, 3, 0), 0);
        assert_eq!(sigmoid_s16(32767, 3, 0), 32757); // σ(8) = 0.99966
        assert_eq!(sigmoid_s16(-32768, 3, 0), 11); // σ(−8)
        assert_eq!(tanh_s16(32767, 3, 0), 32767);
        assert_eq!(tanh_s16(-32768, 3, 0), -32767); // TFLM rounds the negative end to −32767
    }

    /// A 1-cell LSTM against the same step written from the formulas in floating point:
    /// int8 outputs within a few quanta over a sequence (the state carries).
    #[test]
    fn tracks_a_float_lstm_over_a_sequence() {
        use crate::fixed_point::testing::{quantize_multiplier, Rng};
        let mut rng = Rng::new(0x157);
        let (ni, n, steps) = (3usize, 2usize, 12usize);
        let (in_s, in_zp) = (1.0 / 64.0, 5i32);
        let w_s = 1.0 / 100.0;
        let (h_s, h_zp) = (1.0 / 128.0, -3i32);
        let c_s = 1.0 / 4096.0;
        let mut ws: std::vec::Vec<std::vec::Vec<u8>> = std::vec::Vec::new();
        for _ in 0..4 {
            ws.push((0..n * ni).map(|_| rng.range(-100, 100) as i8 as u8).collect());
        }
        for _ in 0..4 {
            ws.push((0..n * n).map(|_| rng.range(-100, 100) as i8 as u8).collect());
        }
        let biases: std::vec::Vec<std::vec::Vec<i32>> =
            (0..4).map(|_| (0..n).map(|_| rng.range(-2000, 2000) as i32).collect()).collect();
        let fold = |w: &[u8], bias: &[i32], zp: i32, cols: usize| -> &'static [i32] {
            let v: std::vec::Vec<i32> = (0..n)
                .map(|k| bias.get(k).copied().unwrap_or(0) - zp * w[k * cols..(k + 1) * cols].iter().map(|&x| x as i8 as i32).sum::<i32>())
                .collect();
            std::vec::Vec::leak(v)
        };
        let gate = |g: usize| LstmGate {
            input_requant: quantize_multiplier(in_s * w_s * 4096.0),
            recurrent_requant: quantize_multiplier(h_s * w_s * 4096.0),
            input_bias: fold(&ws[g], &biases[g], in_zp, ni),
            recurrent_bias: fold(&ws[4 + g], &[], h_zp, n),
        };
        let p = LstmParams {
            batches: 1,
            time_steps: steps,
            input_size: ni,
            cells: n,
            time_major: false,
            input_gate: gate(0),
            forget_gate: gate(1),
            cell_gate: gate(2),
            output_gate: gate(3),
            forget_requant: quantize_multiplier(1.0 / 32768.0),
            input_requant: quantize_multiplier(1.0 / (1u64 << 30) as f64 / c_s),
            hidden_requant: quantize_multiplier(1.0 / (1u64 << 30) as f64 / h_s),
            hidden_zero_point: h_zp,
            cell_clip: 0,
            cell_tanh_multiplier: 3,
            cell_tanh_left_shift: 0,
        };
        let x: std::vec::Vec<u8> = (0..steps * ni).map(|_| rng.range(-128, 127) as i8 as u8).collect();
        let mut hidden = std::vec![h_zp as i8 as u8; n];
        let mut cell = std::vec![0u8; 2 * n];
        let mut out = std::vec![0u8; steps * n];
        unidirectional_sequence_lstm_s8(
            &p, &x, &ws[0], &ws[1], &ws[2], &ws[3], &ws[4], &ws[5], &ws[6], &ws[7], &mut hidden, &mut cell, &mut out,
        );
        // Float reference.
        let sig = |v: f64| 1.0 / (1.0 + (-v).exp());
        let (mut hf, mut cf) = (std::vec![0.0f64; n], std::vec![0.0f64; n]);
        for t in 0..steps {
            let xr: std::vec::Vec<f64> = (0..ni).map(|j| in_s * f64::from(x[t * ni + j] as i8 as i32 - in_zp)).collect();
            let pre = |g: usize, k: usize| -> f64 {
                let wi = &ws[g];
                let wr = &ws[4 + g];
                let a: f64 = (0..ni).map(|j| w_s * f64::from(wi[k * ni + j] as i8) * xr[j]).sum();
                let r: f64 = (0..n).map(|j| w_s * f64::from(wr[k * n + j] as i8) * hf[j]).sum();
                a + r + f64::from(biases[g][k]) * in_s * w_s
            };
            let mut hn = std::vec![0.0; n];
            for k in 0..n {
                let (i, f, g, o) = (sig(pre(0, k)), sig(pre(1, k)), pre(2, k).tanh(), sig(pre(3, k)));
                cf[k] = f * cf[k] + i * g;
                hn[k] = o * cf[k].tanh();
            }
            hf = hn;
            for k in 0..n {
                let got = h_s * f64::from(out[t * n + k] as i8 as i32 - h_zp);
                assert!((got - hf[k]).abs() < 4.0 * h_s, "step {t} cell {k}: {got} vs {}", hf[k]);
            }
        }
        assert_eq!(hidden, out[(steps - 1) * n..]);
    }
}
