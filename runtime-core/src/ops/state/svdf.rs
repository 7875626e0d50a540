//! SVDF, int8 input/output with an int16 (or int8) state (TFLM `EvalIntegerSvdfReference`).
//!
//! An SVDF layer is a rank-`rank` factorisation of a dense layer over the last `memory` frames:
//! each of `filters` feature filters projects the current input to one number, which is pushed
//! into that filter's row of the state (a FIFO of the last `memory` projections); each filter's
//! row is then dotted with its time weights and groups of `rank` filters are summed into one
//! output unit. The state is a variable tensor: it persists across inferences, which is what
//! makes the layer see a window of time while each call gets one frame.

use crate::fixed_point::{multiply_by_quantized_multiplier, Requant};

/// Static parameters of one int8 SVDF (TFLM `OpDataSvdf` plus the shapes).
#[derive(Clone, Copy, Debug)]
pub struct SvdfParams {
    /// Rows of the input (and of the state and output).
    pub batches: usize,
    /// Input features per batch row.
    pub input_size: usize,
    /// Feature filters (`units · rank`).
    pub filters: usize,
    /// Filters summed into one output unit.
    pub rank: usize,
    /// Frames of history per filter (the state row length).
    pub memory: usize,
    /// Zero point of the input.
    pub input_zero_point: i32,
    /// Zero point of the state (and so of the projections pushed into it).
    pub state_zero_point: i32,
    /// Zero point of the output.
    pub output_zero_point: i32,
    /// `QuantizeMultiplier(input_scale · feature_weight_scale / state_scale)` (computed in f32
    /// as TFLM does, then widened).
    pub feature_requant: Requant,
    /// `QuantizeMultiplier(state_scale · time_weight_scale / output_scale)`.
    pub output_requant: Requant,
}

/// Little-endian storage of the state and time weights: int16 (TFLM's usual layout) or int8.
trait Word {
    const BYTES: usize;
    const MIN: i32;
    const MAX: i32;
    fn get(b: &[u8]) -> i32;
    fn put(v: i32, b: &mut [u8]);
}

struct W16;
struct W8;

impl Word for W16 {
    const BYTES: usize = 2;
    const MIN: i32 = i16::MIN as i32;
    const MAX: i32 = i16::MAX as i32;
    #[inline(always)]
    fn get(b: &[u8]) -> i32 {
        match b {
            [lo, hi, ..] => i32::from(i16::from_le_bytes([*lo, *hi])),
            _ => 0,
        }
    }
    #[inline(always)]
    fn put(v: i32, b: &mut [u8]) {
        if let [lo, hi, ..] = b {
            [*lo, *hi] = (v as i16).to_le_bytes();
        }
    }
}

impl Word for W8 {
    const BYTES: usize = 1;
    const MIN: i32 = i8::MIN as i32;
    const MAX: i32 = i8::MAX as i32;
    #[inline(always)]
    fn get(b: &[u8]) -> i32 {
        b.first().map_or(0, |&x| i32::from(x as i8))
    }
    #[inline(always)]
    fn put(v: i32, b: &mut [u8]) {
        if let Some(x) = b.first_mut() {
            *x = v as i8 as u8;
        }
    }
}

/// Byte sizes of the rows an SVDF walks, all non-zero (else `None`: nothing to compute).
struct Sizes {
    input_row: usize,
    state_row: usize,
    batch_state: usize,
    output_row: usize,
}

fn chunk_sizes(input_size: usize, filters: usize, rank: usize, memory: usize, word: usize, io: usize) -> Option<Sizes> {
    let units = filters.checked_div(rank)?;
    let state_row = memory.checked_mul(word)?;
    let s = Sizes {
        input_row: input_size.checked_mul(io)?,
        batch_state: filters.checked_mul(state_row)?,
        state_row,
        output_row: units.checked_mul(io)?,
    };
    (s.input_row != 0 && s.state_row != 0 && s.batch_state != 0 && s.output_row != 0).then_some(s)
}

/// SVDF int8 with an int16 state and int16 time weights (the layout TFLM's converters and
/// the micro_speech/keyword models use), bit-exact with TFLM.
///
/// `weights_feature` is `[filters, input_size]` int8, `weights_time` `[filters, memory]` int16,
/// `bias` `[units]` int32, `state` `[batches, filters · memory]` int16, updated in place.
pub fn svdf_s8(
    p: &SvdfParams,
    input: &[u8],
    weights_feature: &[u8],
    weights_time: &[u8],
    bias: &[u8],
    state: &mut [u8],
    output: &mut [u8],
) {
    svdf::<W16>(p, input, weights_feature, weights_time, bias, state, output);
}

/// SVDF int8 with an int8 state and int8 time weights (TFLM's other integer instantiation).
pub fn svdf_s8_s8state(
    p: &SvdfParams,
    input: &[u8],
    weights_feature: &[u8],
    weights_time: &[u8],
    bias: &[u8],
    state: &mut [u8],
    output: &mut [u8],
) {
    svdf::<W8>(p, input, weights_feature, weights_time, bias, state, output);
}

fn svdf<T: Word>(
    p: &SvdfParams,
    input: &[u8],
    weights_feature: &[u8],
    weights_time: &[u8],
    bias: &[u8],
    state: &mut [u8],
    output: &mut [u8],
) {
    let (filters, memory, rank) = (p.filters, p.memory, p.rank);
    // Every chunk size below is checked non-zero here, so no `chunks_exact` can panic.
    let sizes = chunk_sizes(p.input_size, filters, rank, memory, T::BYTES, 1);
    let Some(Sizes { input_row: in_row, state_row: row, batch_state, output_row }) = sizes else { return };
    // `chunk_sizes` guarantees these, but when this function is not inlined the optimizer
    // cannot see it; restating it here keeps the panic-free link proof (firmware `panic-check`).
    if in_row == 0 || row == 0 || batch_state == 0 || output_row == 0 || T::BYTES == 0 {
        return;
    }
    // 1. Age the state: every frame moves one slot toward the front of its row. TFLM shifts
    //    the whole buffer by one element; the element that crosses into the previous row lands
    //    in that row's newest slot, which step 2 overwrites, so this is the same thing.
    if state.len() > T::BYTES {
        state.copy_within(T::BYTES.., 0);
    }
    for ((x_row, state_rows), out_row) in input
        .chunks_exact(in_row)
        .zip(state.chunks_exact_mut(batch_state))
        .zip(output.chunks_exact_mut(output_row))
        .take(p.batches)
    {
        // 2. Project the frame with each feature filter into the filter's newest slot. The
        //    state zero point is added before the saturating clamp (TFLM does the same, so an
        //    int8 state cannot wrap).
        for (w_row, s_row) in weights_feature.chunks_exact(in_row).zip(state_rows.chunks_exact_mut(row)) {
            let dot = x_row.iter().zip(w_row).fold(0i32, |acc, (&x, &w)| {
                acc.wrapping_add(i32::from(w as i8).wrapping_mul(i32::from(x as i8).wrapping_sub(p.input_zero_point)))
            });
            let v = multiply_by_quantized_multiplier(dot, p.feature_requant)
                .wrapping_add(p.state_zero_point)
                .clamp(T::MIN, T::MAX);
            if let Some(newest) = s_row.get_mut(row - T::BYTES..) {
                T::put(v, newest);
            }
        }
        // 3. Each filter's history dotted with its time weights; 4. `rank` filters summed per
        //    unit on top of the bias, requantized to int8. TFLM's integer path applies no fused
        //    activation: the int8 range is the only clamp.
        let s_rows = state_rows.chunks_exact(row);
        let t_rows = weights_time.chunks_exact(row);
        let mut per_filter = s_rows.zip(t_rows).map(|(s_row, t_row)| {
            s_row.chunks_exact(T::BYTES).zip(t_row.chunks_exact(T::BYTES)).fold(0i32, |acc, (s, t)| {
                acc.wrapping_add(T::get(t).wrapping_mul(T::get(s).wrapping_sub(p.state_zero_point)))
            })
        });
        let mut biases = bias.chunks_exact(4).map(|b| match *b {
            [b0, b1, b2, b3] => i32::from_le_bytes([b0, b1, b2, b3]),
            _ => 0,
        });
        for o in out_row.iter_mut() {
            let mut acc = biases.next().unwrap_or(0);
            for _ in 0..rank {
                acc = acc.wrapping_add(per_filter.next().unwrap_or(0));
            }
            let v = multiply_by_quantized_multiplier(acc, p.output_requant)
                .wrapping_add(p.output_zero_point)
                .clamp(i32::from(i8::MIN), i32::from(i8::MAX));
            *o = v as i8 as u8;
        }
    }
}

/// Static parameters of one float32 SVDF (TFLM `EvalFloatSvdfReference`).
#[derive(Clone, Copy, Debug)]
pub struct SvdfF32Params {
    /// Rows of the input (and of the state and output).
    pub batches: usize,
    /// Input features per batch row.
    pub input_size: usize,
    /// Feature filters (`units · rank`).
    pub filters: usize,
    /// Filters summed into one output unit.
    pub rank: usize,
    /// Frames of history per filter (the state row length).
    pub memory: usize,
    /// The fused activation as a clamp (`-inf..inf` for none; TFLM's float SVDF applies it).
    pub act_min: f32,
    /// Upper clamp of the fused activation, in output units.
    pub act_max: f32,
}

#[inline(always)]
fn f32_at(b: &[u8]) -> f32 {
    match *b {
        [b0, b1, b2, b3, ..] => f32::from_le_bytes([b0, b1, b2, b3]),
        _ => 0.0,
    }
}

/// SVDF float32, bit-exact with TFLM's reference: the same three stages as the integer
/// kernel, every sum accumulated from 0 in TFLM's order (no fused multiply-add), then the
/// bias, the rank reduction and the activation.
pub fn svdf_f32(
    p: &SvdfF32Params,
    input: &[u8],
    weights_feature: &[u8],
    weights_time: &[u8],
    bias: &[u8],
    state: &mut [u8],
    output: &mut [u8],
) {
    let (filters, memory, rank) = (p.filters, p.memory, p.rank);
    let sizes = chunk_sizes(p.input_size, filters, rank, memory, 4, 4);
    let Some(Sizes { input_row: in_row, state_row: row, batch_state, output_row }) = sizes else { return };
    if state.len() > 4 {
        state.copy_within(4.., 0);
    }
    for ((x_row, state_rows), out_row) in input
        .chunks_exact(in_row)
        .zip(state.chunks_exact_mut(batch_state))
        .zip(output.chunks_exact_mut(output_row))
        .take(p.batches)
    {
        for (w_row, s_row) in weights_feature.chunks_exact(in_row).zip(state_rows.chunks_exact_mut(row)) {
            let dot = x_row.chunks_exact(4).zip(w_row.chunks_exact(4)).fold(0.0f32, |acc, (x, w)| acc + f32_at(w) * f32_at(x));
            if let Some(newest) = s_row.get_mut(row - 4..) {
                newest.copy_from_slice(&dot.to_le_bytes());
            }
        }
        let mut per_filter = state_rows.chunks_exact(row).zip(weights_time.chunks_exact(row)).map(|(s_row, t_row)| {
            s_row.chunks_exact(4).zip(t_row.chunks_exact(4)).fold(0.0f32, |acc, (s, t)| acc + f32_at(t) * f32_at(s))
        });
        let mut biases = bias.chunks_exact(4).map(f32_at);
        for o in out_row.chunks_exact_mut(4) {
            let mut acc = biases.next().unwrap_or(0.0);
            for _ in 0..rank {
                acc += per_filter.next().unwrap_or(0.0);
            }
            // Comparisons, not f32::max/min: a NaN passes through, as in TFLM's TfLiteMax/Min.
            let v = if acc < p.act_min {
                p.act_min
            } else if acc > p.act_max {
                p.act_max
            } else {
                acc
            };
            o.copy_from_slice(&v.to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{ref_mbqm, Rng};
    use std::{vec, vec::Vec};

    /// TFLM's algorithm spelled out on i64 element arrays: shift the flat state left by one,
    /// write projections at `memory − 1` with stride `memory`, then the time dot products into
    /// a scratch, bias + rank reduction, requantize.
    #[allow(clippy::too_many_arguments)]
    fn reference(
        p: &SvdfParams,
        (lo, hi): (i64, i64),
        x: &[i8],
        wf: &[i8],
        wt: &[i64],
        bias: &[i32],
        state: &mut [i64],
    ) -> Vec<i8> {
        let (b_n, n_in, nf, mem, rank) = (p.batches, p.input_size, p.filters, p.memory, p.rank);
        let units = nf / rank;
        let total = state.len();
        for i in 0..total - 1 {
            state[i] = state[i + 1];
        }
        for b in 0..b_n {
            for f in 0..nf {
                let mut dot = 0i32;
                for c in 0..n_in {
                    dot = dot.wrapping_add(wf[f * n_in + c] as i32 * (x[b * n_in + c] as i32 - p.input_zero_point));
                }
                let v = (ref_mbqm(dot, p.feature_requant) as i64 + p.state_zero_point as i64).clamp(lo, hi);
                state[b * nf * mem + f * mem + mem - 1] = v;
            }
        }
        let mut out = Vec::new();
        for b in 0..b_n {
            let scratch: Vec<i32> = (0..nf)
                .map(|f| {
                    (0..mem).fold(0i32, |acc, j| {
                        let s = state[b * nf * mem + f * mem + j] - p.state_zero_point as i64;
                        acc.wrapping_add((wt[f * mem + j] * s) as i32)
                    })
                })
                .collect();
            for u in 0..units {
                let mut acc = bias[u];
                for r in 0..rank {
                    acc = acc.wrapping_add(scratch[u * rank + r]);
                }
                out.push((ref_mbqm(acc, p.output_requant) + p.output_zero_point).clamp(-128, 127) as i8);
            }
        }
        out
    }

    fn case(rng: &mut Rng, int16: bool) {
        let batches = rng.usize(1, 3);
        let input_size = rng.usize(1, 12);
        let rank = rng.usize(1, 3);
        let units = rng.usize(1, 6);
        let filters = units * rank;
        let memory = rng.usize(1, 9);
        let (lo, hi) = if int16 { (-32768i64, 32767i64) } else { (-128, 127) };
        let p = SvdfParams {
            batches,
            input_size,
            filters,
            rank,
            memory,
            input_zero_point: rng.range(-128, 127) as i32,
            state_zero_point: if int16 { 0 } else { rng.range(-20, 20) as i32 },
            output_zero_point: rng.range(-128, 127) as i32,
            feature_requant: rng.requant(),
            output_requant: rng.requant(),
        };
        let wf: Vec<i8> = (0..filters * input_size).map(|_| rng.range(-127, 127) as i8).collect();
        let wt: Vec<i64> = (0..filters * memory).map(|_| rng.range(lo + 1, hi)).collect();
        let bias: Vec<i32> = (0..units).map(|_| rng.range(-100_000, 100_000) as i32).collect();
        let bytes = if int16 { 2 } else { 1 };
        let enc = |v: &[i64]| -> Vec<u8> {
            v.iter().flat_map(|&x| if int16 { (x as i16).to_le_bytes().to_vec() } else { vec![x as i8 as u8] }).collect()
        };
        let mut ref_state: Vec<i64> = (0..batches * filters * memory).map(|_| rng.range(lo, hi)).collect();
        let mut state = enc(&ref_state);
        let wt_bytes = enc(&wt);
        let wf_bytes: Vec<u8> = wf.iter().map(|&w| w as u8).collect();
        let bias_bytes: Vec<u8> = bias.iter().flat_map(|b| b.to_le_bytes()).collect();
        // Several frames in sequence: the state must carry exactly as TFLM's does.
        for frame in 0..memory + 2 {
            let x: Vec<i8> = (0..batches * input_size).map(|_| rng.range(-128, 127) as i8).collect();
            let x_bytes: Vec<u8> = x.iter().map(|&v| v as u8).collect();
            let want = reference(&p, (lo, hi), &x, &wf, &wt, &bias, &mut ref_state);
            let mut got = vec![0u8; batches * units];
            let f = if int16 { svdf_s8 } else { svdf_s8_s8state };
            f(&p, &x_bytes, &wf_bytes, &wt_bytes, &bias_bytes, &mut state, &mut got);
            let got: Vec<i8> = got.iter().map(|&b| b as i8).collect();
            assert_eq!(got, want, "frame {frame}: {p:?}");
            assert_eq!(state, enc(&ref_state), "state after frame {frame}: {p:?}");
            assert_eq!(state.len(), ref_state.len() * bytes);
        }
    }

    #[test]
    fn int16_state_matches_reference_over_sequences() {
        let mut rng = Rng::new(0x5fdf);
        for _ in 0..400 {
            case(&mut rng, true);
        }
    }

    #[test]
    fn int8_state_matches_reference_over_sequences() {
        let mut rng = Rng::new(0x5fd8);
        for _ in 0..400 {
            case(&mut rng, false);
        }
    }

    /// Float SVDF against the same stages on f64 (a different rounding, so within a tolerance),
    /// over a sequence; and exact FIFO behaviour with unit weights.
    #[test]
    fn f32_tracks_a_wide_reference() {
        let mut rng = Rng::new(0x5ff3);
        for _ in 0..100 {
            let (batches, input_size, rank, units, memory) =
                (rng.usize(1, 3), rng.usize(1, 8), rng.usize(1, 3), rng.usize(1, 5), rng.usize(1, 6));
            let filters = units * rank;
            let p = SvdfF32Params { batches, input_size, filters, rank, memory, act_min: f32::NEG_INFINITY, act_max: f32::INFINITY };
            let r = |rng: &mut Rng| (rng.range(-1000, 1000) as f32) / 1000.0;
            let wf: Vec<f32> = (0..filters * input_size).map(|_| r(&mut rng)).collect();
            let wt: Vec<f32> = (0..filters * memory).map(|_| r(&mut rng)).collect();
            let bias: Vec<f32> = (0..units).map(|_| r(&mut rng)).collect();
            let bytes = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
            let mut state = vec![0u8; batches * filters * memory * 4];
            let mut ref_state = vec![0f64; batches * filters * memory];
            for _ in 0..memory + 2 {
                let x: Vec<f32> = (0..batches * input_size).map(|_| r(&mut rng)).collect();
                let mut out = vec![0u8; batches * units * 4];
                svdf_f32(&p, &bytes(&x), &bytes(&wf), &bytes(&wt), &bytes(&bias), &mut state, &mut out);
                ref_state.rotate_left(1);
                for b in 0..batches {
                    for f in 0..filters {
                        ref_state[(b * filters + f) * memory + memory - 1] =
                            (0..input_size).map(|k| wf[f * input_size + k] as f64 * x[b * input_size + k] as f64).sum();
                    }
                }
                for b in 0..batches {
                    for u in 0..units {
                        let want: f64 = bias[u] as f64
                            + (0..rank)
                                .map(|k| {
                                    let f = u * rank + k;
                                    (0..memory).map(|j| wt[f * memory + j] as f64 * ref_state[(b * filters + f) * memory + j]).sum::<f64>()
                                })
                                .sum::<f64>();
                        let got = f32_at(&out[(b * units + u) * 4..]) as f64;
                        assert!((got - want).abs() < 1e-4, "{p:?}: {got} vs {want}");
                    }
                }
            }
        }
    }

    /// The newest projection lands at the end of each filter's row and older ones move
    /// forward: with unit weights the state is the last `memory` inputs.
    #[test]
    fn state_is_a_fifo_of_projections() {
        let p = SvdfParams {
            batches: 1,
            input_size: 1,
            filters: 1,
            rank: 1,
            memory: 3,
            input_zero_point: 0,
            state_zero_point: 0,
            output_zero_point: 0,
            // Exactly 1.0: multiplier 2^30, shift 1.
            feature_requant: Requant { multiplier: 1 << 30, shift: 1 },
            output_requant: Requant { multiplier: 1 << 30, shift: 1 },
        };
        let wt: Vec<u8> = [1i16, 2, 4].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut state = vec![0u8; 6];
        let mut out = [0u8; 1];
        let mut outs = Vec::new();
        for x in [1i8, 2, 3, 4] {
            svdf_s8(&p, &[x as u8], &[1], &wt, &0i32.to_le_bytes(), &mut state, &mut out);
            outs.push(out[0] as i8);
        }
        // Time weights 1, 2, 4 over (oldest, middle, newest).
        assert_eq!(outs, [4, 2 + 8, 1 + 4 + 12, 2 + 6 + 16]);
        let s: Vec<i16> = state.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect();
        assert_eq!(s, [2, 3, 4]);
    }
}
