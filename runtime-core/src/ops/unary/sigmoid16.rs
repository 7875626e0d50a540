//! The 16-bit sigmoid table behind TFLM's int16 LOGISTIC and TANH, and the int16 LSTM gates
//! (`reference_integer_ops::Logistic`/`Tanh`, int16 overloads, which `LstmStep` calls).

/// `sigmoid(k / 24)` in unsigned Q0.16 for `k` in `0..256` (inputs 0 to 10.625), saturated at
/// 65535: TFLM's `sigmoid_table_uint16`, the data its int16 LOGISTIC and TANH interpolate
/// linearly (`tanh(x) = 2·sigmoid(2x) − 1`, and both functions are odd around their midpoint, so
/// only non-negative inputs are tabulated). The values are TFLM's constants, not recomputed:
/// they are not exactly `round(65536 · sigmoid(k / 24))` (44 entries differ by one, and
/// some lie up to 1.11 above `65536 · sigmoid(k / 24)`), and
/// bit-exactness needs the very same numbers.
pub(crate) const SIGMOID_TABLE_U16: [u16; 256] = [
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
];

/// Linear interpolation in [`SIGMOID_TABLE_U16`] for a non-negative input `x` with `frac_bits`
/// fractional bits per table step: `table[h] · 2^frac_bits + t · (table[h + 1] − table[h])`
/// (`h = x >> frac_bits`, `t` the fraction), or `None` past the last step (`h ≥ 255`), where
/// TFLM saturates. The table is monotonic, so the difference never wraps.
#[inline(always)]
fn interpolate(x: u32, frac_bits: u32) -> Option<u32> {
    let h = (x >> frac_bits) as usize;
    if h >= 255 {
        return None;
    }
    let lo = u32::from(*SIGMOID_TABLE_U16.get(h)?);
    let hi = u32::from(*SIGMOID_TABLE_U16.get(h + 1)?);
    let t = x & ((1 << frac_bits) - 1);
    Some((lo << frac_bits).wrapping_add(t.wrapping_mul(hi.wrapping_sub(lo))))
}

/// Prepare-time constants of an int16 LOGISTIC or TANH: the input is rescaled to the table's
/// scale by `(x · input_multiplier + round) >> input_left_shift`. (TFLM's power-of-two-scale
/// special case, multiplier 0 meaning `3 << shift` and shift 0, is resolved by the compiler.)
#[derive(Clone, Copy, Debug)]
pub struct Sigmoid16Params {
    /// Multiplier of the rescaling formula above.
    pub input_multiplier: i32,
    /// Shift of the rescaling formula above.
    pub input_left_shift: i32,
}

/// The rescaled input, with TFLM's round-half-up right shift (the C++ int32 arithmetic wraps).
#[inline(always)]
fn rescale_input(p: &Sigmoid16Params, x: i32) -> i32 {
    let shift = p.input_left_shift.clamp(0, 31) as u32;
    let round = if shift > 0 { 1i32 << (shift - 1) } else { 0 };
    x.wrapping_mul(p.input_multiplier).wrapping_add(round) >> shift
}

/// TFLM's int16 sigmoid of one input (scale from the params), in Q0.15: LOGISTIC and the
/// LSTM gates. The input is an int16 value widened to i32.
#[inline(always)]
pub(crate) fn logistic_one(p: &Sigmoid16Params, x: i32) -> i16 {
    let v = rescale_input(p, x);
    // Table steps are 2^9 units of the rescaled input (1/24 each: the input scale is 1/(3·4096)).
    let magnitude = interpolate(v.unsigned_abs(), 9).unwrap_or(0x7fff << 10);
    // sigmoid(−x) = 1 − sigmoid(x); both branches round to nearest on the way back to Q0.15
    // (the −1 makes the negative side's ties go the same way as TFLM's).
    let r = if v >= 0 {
        magnitude.wrapping_add(1 << 9)
    } else {
        (1u32 << 25).wrapping_sub(magnitude).wrapping_add((1 << 9) - 1)
    };
    (r >> 10) as i16
}

/// TFLM's int16 tanh of one input (scale from the params), in Q0.15: TANH and the LSTM
/// cell. The input is an int16 value widened to i32.
#[inline(always)]
pub(crate) fn tanh_one(p: &Sigmoid16Params, x: i32) -> i16 {
    let v = rescale_input(p, x);
    // Steps of 2^8 input units: the doubled argument of tanh = 2·sigmoid(2x) − 1.
    let magnitude = interpolate(v.unsigned_abs(), 8).unwrap_or(0xffff << 8) as i32;
    // Subtracting 1/2 (2^23 in Q.24) then dropping 8 bits doubles the sigmoid and centres it,
    // with 2^7 (and 2^7 − 1 on the negative side) rounding to nearest as TFLM does.
    let r = if v >= 0 {
        magnitude - (1 << 23) + (1 << 7)
    } else {
        -magnitude + (1 << 23) + (1 << 7) - 1
    };
    (r >> 8) as i16
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn table_is_a_monotonic_sigmoid() {
        for (k, w) in SIGMOID_TABLE_U16.windows(2).enumerate() {
            assert!(w[0] <= w[1], "not monotonic at {k}");
        }
        for (k, &v) in SIGMOID_TABLE_U16.iter().enumerate() {
            let want = 65536.0 / (1.0 + libm_exp(-(k as f64) / 24.0));
            assert!((v as f64 - want.min(65535.0)).abs() < 1.5, "entry {k}: {v} vs {want}");
        }
    }

    fn libm_exp(x: f64) -> f64 {
        std::primitive::f64::exp(x)
    }

    #[test]
    fn interpolation_hits_table_points_and_saturates() {
        assert_eq!(interpolate(0, 9), Some(32768 << 9));
        assert_eq!(interpolate(3 << 9, 9), Some(u32::from(SIGMOID_TABLE_U16[3]) << 9));
        let mid = interpolate((3 << 9) + 256, 9).unwrap();
        let (a, b) = (u32::from(SIGMOID_TABLE_U16[3]) << 9, u32::from(SIGMOID_TABLE_U16[4]) << 9);
        assert!(a < mid && mid < b);
        assert_eq!(interpolate(255 << 8, 8), None);
        assert!(interpolate((255 << 8) - 1, 8).is_some());
    }
}
