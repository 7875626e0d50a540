//! LEAKY_RELU on int16 (TFLM `reference_ops::QuantizeLeakyRelu<int16_t>`); also RELU on int16,
//! which is the same computation with a zero alpha multiplier.

use crate::fixed_point::{multiply_by_quantized_multiplier, Requant};

/// Prepare-time constants of one int16 LEAKY_RELU (TFLM `LeakyReluOpData`).
#[derive(Clone, Copy, Debug)]
pub struct LeakyReluS16Params {
    /// Zero point of the input.
    pub input_zero_point: i32,
    /// Zero point of the output.
    pub output_zero_point: i32,
    /// `input_scale / output_scale`, applied to inputs at or above the zero point.
    pub identity: Requant,
    /// `|input_scale · alpha / output_scale|`, applied to inputs below the zero point. TFLM
    /// multiplies by the magnitude and negates the product for a negative alpha (rather than
    /// using a negative multiplier, which would round differently), hence the separate flag.
    pub alpha: Requant,
    /// Whether alpha is negative (the product of `alpha` is then negated).
    pub alpha_negative: bool,
}

#[inline(always)]
fn leaky_one(p: &LeakyReluS16Params, x: i16) -> i16 {
    let v = i32::from(x) - p.input_zero_point;
    let scaled = if v >= 0 {
        multiply_by_quantized_multiplier(v, p.identity)
    } else {
        let s = multiply_by_quantized_multiplier(v, p.alpha);
        if p.alpha_negative {
            s.wrapping_neg()
        } else {
            s
        }
    };
    p.output_zero_point
        .wrapping_add(scaled)
        .clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

/// LEAKY_RELU int16, bit-exact with TFLM. Little-endian 2-byte elements.
pub fn leaky_relu_s16(p: &LeakyReluS16Params, input: &[u8], output: &mut [u8]) {
    for (o, x) in output.chunks_exact_mut(2).zip(input.chunks_exact(2)) {
        let x = i16::from_le_bytes([x[0], x[1]]);
        o.copy_from_slice(&leaky_one(p, x).to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::fixed_point::testing::{quantize_multiplier, ref_mbqm, Rng};
    use std::vec;

    /// TFLM's formula in i64 with the reference multiply.
    fn reference(p: &LeakyReluS16Params, x: i16) -> i16 {
        let v = x as i32 - p.input_zero_point;
        let s = if v >= 0 {
            ref_mbqm(v, p.identity) as i64
        } else {
            let s = ref_mbqm(v, p.alpha) as i64;
            if p.alpha_negative { -s } else { s }
        };
        (p.output_zero_point as i64 + s).clamp(-32768, 32767) as i16
    }

    #[test]
    fn matches_reference_on_random_params() {
        let mut rng = Rng::new(0x1eaf);
        for case in 0..200 {
            let alpha = (rng.range(-2000, 2000) as f64) / 1000.0;
            let ratio = (rng.range(1, 4000) as f64) / 1000.0;
            let alpha_rq = if alpha == 0.0 {
                Requant { multiplier: 0, shift: 0 }
            } else {
                quantize_multiplier((ratio * alpha).abs())
            };
            let p = LeakyReluS16Params {
                input_zero_point: if case % 3 == 0 { 0 } else { rng.range(-100, 100) as i32 },
                output_zero_point: if case % 3 == 0 { 0 } else { rng.range(-100, 100) as i32 },
                identity: quantize_multiplier(ratio),
                alpha: alpha_rq,
                alpha_negative: alpha < 0.0,
            };
            let mut input = vec![0u8; 512];
            rng.fill(&mut input);
            input[0..2].copy_from_slice(&i16::MIN.to_le_bytes());
            input[2..4].copy_from_slice(&i16::MAX.to_le_bytes());
            let mut out = vec![0u8; 512];
            leaky_relu_s16(&p, &input, &mut out);
            for (x, o) in input.chunks_exact(2).zip(out.chunks_exact(2)) {
                let x = i16::from_le_bytes([x[0], x[1]]);
                let o = i16::from_le_bytes([o[0], o[1]]);
                assert_eq!(o, reference(&p, x), "case {case} x {x} params {p:?}");
            }
        }
    }
}
