//! Fixed-point arithmetic, bit-identical to gemmlowp's `fixedpoint.h` and TFLM's `common.h`.
//!
//! Every integer kernel funnels its rescaling through these functions, so this is the only
//! place where rounding conventions live. TFLM is built *without* `TFLITE_SINGLE_ROUNDING`, so
//! requantization rounds twice (a rounding doubling high multiply, then a rounding shift);
//! matching that is what makes kiln bit-exact with the TFLM interpreter.
//!
//! All functions are total: C++'s undefined cases (signed overflow, shifts by ≥ 32 or by
//! negative amounts) get a documented, profile-independent result — wrapping where the compiled
//! C++ wraps, saturating where gemmlowp saturates, and the mathematically consistent value where
//! the C++ would assert.

/// A quantized multiplier: the real factor `multiplier · 2^(shift − 31)`, as produced by TFLite's
/// `QuantizeMultiplier` (`multiplier` in `[2^30, 2^31)` or 0; `shift > 0` shifts left).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requant {
    /// The mantissa, in `[2^30, 2^31)` or 0.
    pub multiplier: i32,
    /// The power of two: `shift > 0` shifts left, `shift < 0` right.
    pub shift: i32,
}

/// A [`Requant`] as the per-channel tables in flash hold it: 5 bytes, not 8. A layer's exponents
/// lie in `[−31, 30]` (TFLite's `QuantizeMultiplier` flushes smaller factors to `(0, 0)`), so one
/// byte holds the shift, and packing drops the padding. Over MobileNetV1-0.25's 2,700 channels
/// that is 8 KB of flash; the kernels read an entry once per output channel and block
/// ([`PackedRequant::get`]), where an unaligned word load costs what an aligned one does on a
/// Cortex-M3 and up.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PackedRequant {
    /// The mantissa, as [`Requant::multiplier`].
    pub multiplier: i32,
    /// The power of two, as [`Requant::shift`].
    pub shift: i8,
}

impl PackedRequant {
    /// The factor, widened for arithmetic.
    #[inline(always)]
    pub const fn get(self) -> Requant {
        Requant { multiplier: self.multiplier, shift: self.shift as i32 }
    }
}

impl TryFrom<Requant> for PackedRequant {
    /// The shift that does not fit a byte.
    type Error = i32;

    fn try_from(rq: Requant) -> Result<Self, i32> {
        match i8::try_from(rq.shift) {
            Ok(shift) => Ok(PackedRequant { multiplier: rq.multiplier, shift }),
            Err(_) => Err(rq.shift),
        }
    }
}

/// `round(a · b / 2^31)`, ties toward +∞, saturating the single overflow case
/// `i32::MIN · i32::MIN` to `i32::MAX` (ARM `VQRDMULH`; gemmlowp's fixed-point product).
#[inline]
pub const fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = a as i64 * b as i64;
    // gemmlowp nudges by ±2^30 and then divides truncating toward zero.
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// `x / 2^exponent` rounded to nearest, ties away from zero (gemmlowp `RoundingDivideByPOT`).
///
/// gemmlowp asserts `0 <= exponent <= 31`. Outside that range kiln returns the mathematically
/// consistent value instead: a non-positive exponent divides by 1 (returns `x`), and an exponent
/// ≥ 32 returns the correctly rounded quotient, which is 0 except for `i32::MIN / 2^32 = -½ → -1`.
#[inline]
pub const fn rounding_divide_by_pot(x: i32, exponent: i32) -> i32 {
    if exponent <= 0 {
        return x;
    }
    if exponent >= 32 {
        return if exponent == 32 && x == i32::MIN {
            -1
        } else {
            0
        };
    }
    let mask = ((1u32 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + (x < 0) as i32;
    (x >> exponent) + (remainder > threshold) as i32
}

/// `x · 2^exponent` without rounding, wrapping like the compiled C++ `x * (1 << exponent)`
/// (a product by 2^32 or more wraps to 0).
#[inline]
const fn wrapping_mul_pot(x: i32, exponent: i32) -> i32 {
    if exponent <= 0 {
        x
    } else if exponent >= 32 {
        0
    } else {
        x.wrapping_mul(1i32 << exponent)
    }
}

/// TFLM `MultiplyByQuantizedMultiplier` (double rounding): scales `x` by
/// `rq.multiplier · 2^(rq.shift − 31)`. The left part of the shift is applied before the
/// high multiply (wrapping, as the C++ does on overflow), the right part after it as a rounding
/// shift.
#[inline]
pub const fn multiply_by_quantized_multiplier(x: i32, rq: Requant) -> i32 {
    let left = if rq.shift > 0 { rq.shift } else { 0 };
    let right = if rq.shift > 0 {
        0
    } else {
        rq.shift.saturating_neg()
    };
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(wrapping_mul_pot(x, left), rq.multiplier),
        right,
    )
}

/// [`multiply_by_quantized_multiplier`] for the factors of real conv, depthwise and FC layers
/// (multiplier ≥ 0, a right shift of 1 to 31 bits) as one 64-bit multiply-add and one shift —
/// on Cortex-M an SMLAL-class sequence instead of TFLM's two roundings in 32-bit steps.
///
/// Why it is the same number: with `e = -shift`, TFLM computes `h = ⌊(x·m + 2^30) / 2^31⌋`, then
/// `⌊(h + 2^(e−1) − [h < 0]) / 2^e⌋` (its RoundingDivideByPOT, ties away from zero). Floors of
/// floors nest, so that is `⌊(x·m + 2^30 + 2^(30+e) − [h < 0]·2^31) / 2^(31+e)⌋`; and for
/// `m ≥ 0`, `e ≥ 1` the term `[h < 0]` may be `[x < 0]` (they differ only where `h = 0`, whose
/// quotient is 0 either way). Every intermediate fits in i64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoundingScale {
    multiplier: i32,
    /// `2^30 + 2^(30+e)`.
    round: i64,
    /// `e − 1`: the shift after taking the high word.
    shift: u32,
}

impl RoundingScale {
    /// The scale of `rq`, or `None` outside its domain (negative multiplier, shift not in
    /// `-31..=-1`): callers keep [`multiply_by_quantized_multiplier`] for those.
    #[inline]
    pub const fn new(rq: Requant) -> Option<Self> {
        if rq.multiplier < 0 || rq.shift > -1 || rq.shift < -31 {
            return None;
        }
        let e = -rq.shift as u32;
        Some(RoundingScale { multiplier: rq.multiplier, round: (1 << 30) + (1i64 << (30 + e)), shift: e - 1 })
    }

    /// [`RoundingScale::new`] without the check, for a layer whose factors the caller checked
    /// once: no branch (a factor outside the domain gives some scale, never a panic).
    #[inline(always)]
    pub(crate) fn new_in_domain(rq: Requant) -> Self {
        let e = rq.shift.unsigned_abs() & 31;
        // 2^30 + 2^(30+e) as words: the high word 2^(e−2) (0 for e = 1), the low word 2^30
        // plus 2^31 for e = 1.
        let t = 1u32 << e;
        let round = (i64::from(t >> 2) << 32) | i64::from((1u32 << 30) | t.wrapping_shl(30));
        RoundingScale { multiplier: rq.multiplier, round, shift: e.wrapping_sub(1) & 31 }
    }

    /// `multiply_by_quantized_multiplier(x, rq)`, bit for bit.
    #[inline(always)]
    pub fn apply(self, x: i32) -> i32 {
        let p = i64::from(x) * i64::from(self.multiplier) + self.round + (i64::from(x >> 31) << 31);
        ((p >> 32) as i32) >> self.shift
    }
}

/// [`RoundingScale`] with the output zero point folded into its rounding term: TFLM's
/// requantization *plus* `zp`, still one 64-bit multiply-add and one shift. With the output
/// range the whole int8 range (ReLU6 and no activation on real models), a layer's output stage
/// is then this and one SSAT: on Cortex-M about 8 instructions per output byte instead of 14.
///
/// Why it is the same number: `⌊N / 2^(31+e)⌋ + zp = ⌊(N + zp·2^(31+e)) / 2^(31+e)⌋` for an
/// integer `zp`, with `N` as in [`RoundingScale`]; the rounding term
/// `2^30 + 2^(30+e) + zp·2^(31+e)` is `(2·zp + 1)·2^(30+e) + 2^30`. The domain
/// keeps the sum in i64 and its high word in i32: `|x·m| < 2^62`, the rounding term `< 2^62`,
/// and `|zp|·2^(31+e) ≤ 2^60` for `|zp| ≤ 128`, `e ≤` [`Self::MAX_SHIFT`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputScale {
    multiplier: i32,
    /// The rounding term `(2·zp + 1)·2^(30+e) + 2^30` (one LDRD where it is applied).
    round: i64,
    /// `e − 1`.
    shift: u32,
}

impl OutputScale {
    /// Smallest right shift `e` (`rq.shift = −e`) in the domain. (With 2, a depthwise channel
    /// of person_detect whose factor is in `[0.25, 0.5)` sent its group to the slow path: its
    /// layer 792 k → 1,050 k instructions.)
    pub const MIN_SHIFT: u32 = 1;
    /// Largest right shift `e` in the domain.
    pub const MAX_SHIFT: u32 = 22;

    /// The scale of `rq` and output zero point `zp`, or `None` outside the domain (negative
    /// multiplier, shift not in `−22..=−1`, `|zp| > 128`).
    #[inline]
    pub const fn new(rq: Requant, zp: i32) -> Option<Self> {
        let e = rq.shift.unsigned_abs();
        if rq.multiplier < 0 || rq.shift > 0 || e < Self::MIN_SHIFT || e > Self::MAX_SHIFT || zp < -128 || zp > 128 {
            return None;
        }
        Some(Self::new_in_domain(rq, zp))
    }

    /// [`OutputScale::new`] without the check, for a layer whose factors the caller checked
    /// once: no branch, and a factor outside the domain gives some scale, never a panic.
    #[inline(always)]
    pub const fn new_in_domain(rq: Requant, zp: i32) -> Self {
        let e = rq.shift.unsigned_abs();
        OutputScale {
            multiplier: rq.multiplier,
            round: Self::round(zp, e),
            shift: e.wrapping_sub(1) & 31,
        }
    }

    /// `(2·zp + 1)·2^(30+e) + 2^30` in 32-bit steps (a 64-bit shift by a variable amount is a
    /// long sequence on Cortex-M, and kernels set channels up per group or pair): with
    /// `t = (2·zp + 1)·2^(e−1)` the high word is `t >> 1` and the low word `2^30 + 2^31·(t & 1)`.
    #[inline(always)]
    const fn round(zp: i32, e: u32) -> i64 {
        let t = zp.wrapping_mul(2).wrapping_add(1).wrapping_shl(e.wrapping_sub(1));
        (((t >> 1) as i64) << 32) | ((1u32 << 30) | ((t as u32) << 31)) as i64
    }

    /// The multiplier, the rounding term and the shift after the high word: what a vector
    /// kernel puts in its lanes to compute [`OutputScale::apply`] for several channels at once.
    #[inline(always)]
    pub(crate) const fn parts(self) -> (i32, i64, u32) {
        (self.multiplier, self.round, self.shift)
    }

    /// `multiply_by_quantized_multiplier(x, rq) + zp`, bit for bit.
    #[inline(always)]
    pub fn apply(self, x: i32) -> i32 {
        let p = i64::from(x) * i64::from(self.multiplier) + self.round + (i64::from(x >> 31) << 31);
        ((p >> 32) as i32) >> self.shift
    }
}

/// One input's rescaling in an 8-bit ADD (or SUB), `MultiplyByQuantizedMultiplierSmallerThanOneExp(v ·
/// 2^l, m, −e)` for the offset input `v`, in 32-bit steps: two multiplies, a masked add and two
/// shifts (on a Cortex-M `MUL`, `MLA`, `AND`/`ADD` and an `ADD` with a shifted operand, where the
/// 64-bit product took twice as many).
///
/// Why it is the same number. In 64 bits it is `⌊p / 2^32⌋ >> max(e − 1, 0)` with
/// `p = v·2^L·m + R + [v < 0]·N`: for `e ≥ 1`, `L = l`, `R = 2^30 + 2^(30+e)`, `N = −2^31`
/// ([`RoundingScale`]'s formula); for `e = 0` (the larger input's factor is exactly ½, so most
/// real ADDs have one), TFLM's rounding shift does nothing and its high multiply, nudge and
/// truncation included, is `⌊(x·m + 2^30) / 2^31⌋` for every `x·m` (the negative nudge
/// `1 − 2^30` under truncation toward zero is that floor), which is `L = l + 1`, `R = 2^31`,
/// `N = 0`. `R` and `N` are multiples of `2^L`, so with `S = 32 − L` and `m = m_h·2^S + m_l`
/// (`0 ≤ m_l < 2^S`), `⌊p / 2^32⌋ = v·m_h + ⌊(v·m_l + R/2^L + [v < 0]·N/2^L) / 2^S⌋` exactly
/// (an integer comes out of a floor whole). The domain keeps every term in i32: `|v| ≤ 510`,
/// `l ≤ 20` (`v·2^l`, TFLM's own product, fits), `L ≥ 12` (so `|v·m_l| < 2^29`; `|v·m_h| < 2^29`
/// always) and `e ≤ L − 2` (so `R/2^L ≤ 2^28`). An 8-bit ADD (`l = 20`) is in it for every
/// `e ≤ 18`, i.e. every input factor above 2^−19.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputScale {
    /// `m_h = m >> S`.
    high: i32,
    /// `m_l = m mod 2^S`.
    low: i32,
    /// `R / 2^L`.
    round: i32,
    /// Added where `v < 0`: `N / 2^L` (`−2^(31−L)`, the ties-away term of TFLM's rounding
    /// shift), 0 for `e = 0`.
    negative: i32,
    /// `S = 32 − L`.
    split: u32,
    /// `e − 1` (0 for `e = 0`).
    shift: u32,
}

impl InputScale {
    /// The rescaling of `rq` after a left shift by `left_shift`, or `None` outside the domain
    /// (negative multiplier, `rq.shift` not in `−31..=0`, `left_shift` not in `0..=20`, `L < 12`
    /// or `e > L − 2`; see above); the input `v` must be in `−510..=510` (an 8-bit value minus a
    /// zero point).
    #[inline(always)]
    pub fn new(rq: Requant, left_shift: i32) -> Option<Self> {
        if rq.multiplier < 0 || rq.shift > 0 || rq.shift < -31 || !(0..=20).contains(&left_shift) {
            return None;
        }
        let e = rq.shift.unsigned_abs();
        let (l, round, negative, shift) = if e == 0 {
            (left_shift as u32 + 1, 1i64 << 31, 0i64, 0)
        } else {
            (left_shift as u32, (1i64 << 30) + (1i64 << (30 + e)), -(1i64 << 31), e - 1)
        };
        if l < 12 || e + 2 > l {
            return None;
        }
        let split = 32 - l;
        Some(InputScale {
            high: rq.multiplier >> split,
            low: rq.multiplier & ((1 << split) - 1),
            round: (round >> l) as i32,
            negative: (negative >> l) as i32,
            split,
            shift,
        })
    }

    /// `multiply_by_quantized_multiplier_smaller_than_one_exp(v · 2^left_shift, rq)`, bit for bit.
    #[inline(always)]
    pub fn apply(self, v: i32) -> i32 {
        // Wrapping only in name: in the domain no step leaves i32 (above).
        let low = v.wrapping_mul(self.low).wrapping_add(self.round).wrapping_add((v >> 31) & self.negative);
        v.wrapping_mul(self.high).wrapping_add(low >> self.split) >> self.shift
    }
}

/// TFLM `MultiplyByQuantizedMultiplierSmallerThanOneExp` (used by ADD): high multiply, then a
/// rounding right shift by `-rq.shift`. TFLM requires `rq.shift <= 0`; a positive shift is
/// treated as 0 (see [`rounding_divide_by_pot`]).
#[inline]
pub const fn multiply_by_quantized_multiplier_smaller_than_one_exp(x: i32, rq: Requant) -> i32 {
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(x, rq.multiplier),
        rq.shift.saturating_neg(),
    )
}

/// TFLM `MultiplyByQuantizedMultiplierGreaterThanOne` (used by SOFTMAX input scaling):
/// `SRDHM(x · 2^left_shift, multiplier)`, the product wrapping as in the C++.
#[inline]
pub const fn multiply_by_quantized_multiplier_greater_than_one(
    x: i32,
    multiplier: i32,
    left_shift: i32,
) -> i32 {
    saturating_rounding_doubling_high_mul(wrapping_mul_pot(x, left_shift), multiplier)
}

/// gemmlowp `SaturatingRoundingMultiplyByPOT`: `x · 2^exponent`, saturating for positive
/// exponents (with gemmlowp's symmetric threshold, so values below `-(2^(31-e) - 1)` become
/// `i32::MIN`) and rounding (ties away from zero) for negative ones.
#[inline]
pub const fn saturating_rounding_multiply_by_pot(x: i32, exponent: i32) -> i32 {
    if exponent < 0 {
        return rounding_divide_by_pot(x, exponent.saturating_neg());
    }
    if exponent == 0 {
        return x;
    }
    let e = if exponent > 31 { 31 } else { exponent };
    let threshold = (1i32 << (31 - e)) - 1;
    if x > threshold {
        i32::MAX
    } else if x < -threshold {
        i32::MIN
    } else {
        x.wrapping_shl(e as u32)
    }
}

/// gemmlowp `Rescale`: converts a raw value from a fixed-point format with `src_integer_bits`
/// integer bits to one with `dst_integer_bits` (saturating / rounding as needed).
#[inline]
pub const fn rescale(x: i32, src_integer_bits: i32, dst_integer_bits: i32) -> i32 {
    saturating_rounding_multiply_by_pot(x, src_integer_bits - dst_integer_bits)
}

/// `(a + b) / 2` rounded to nearest, ties away from zero (gemmlowp `RoundingHalfSum`, NEON `VRHADD`).
#[inline]
pub const fn rounding_half_sum(a: i32, b: i32) -> i32 {
    let sum = a as i64 + b as i64;
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i32
}

/// gemmlowp `exp_on_interval_between_negative_one_quarter_and_0_excl`: `exp(a)` for Q0.31 `a` in
/// `[-1/4, 0)`, by a 4th-order Taylor expansion around −1/8. Additions wrap as gemmlowp's do.
#[inline]
pub const fn exp_on_interval_between_negative_one_quarter_and_0_excl(a: i32) -> i32 {
    const CONSTANT_TERM: i32 = 1_895_147_668; // exp(-1/8) in Q0.31
    const CONSTANT_1_OVER_3: i32 = 715_827_883; // 1/3 in Q0.31
    let x = a.wrapping_add(1 << 28); // a + 1/8
    let x2 = saturating_rounding_doubling_high_mul(x, x);
    let x3 = saturating_rounding_doubling_high_mul(x2, x);
    let x4 = saturating_rounding_doubling_high_mul(x2, x2);
    let x4_over_4 = rounding_divide_by_pot(x4, 2);
    let poly = rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(x4_over_4.wrapping_add(x3), CONSTANT_1_OVER_3)
            .wrapping_add(x2),
        1,
    );
    CONSTANT_TERM.wrapping_add(saturating_rounding_doubling_high_mul(
        CONSTANT_TERM,
        x.wrapping_add(poly),
    ))
}

/// gemmlowp `exp_on_negative_values`: `exp(a)` in Q0.31 for `a <= 0` given with `INTEGER_BITS`
/// integer bits. The argument is split into its residue modulo 1/4 (Taylor series) and a
/// barrel shifter over the remaining bits, each multiplying by a constant `exp(-2^k)`.
#[inline]
pub const fn exp_on_negative_values<const INTEGER_BITS: i32>(a: i32) -> i32 {
    const {
        assert!(
            INTEGER_BITS >= 0 && INTEGER_BITS <= 29,
            "format must leave 2 fractional bits"
        )
    };
    let fractional_bits = 31 - INTEGER_BITS;
    let one_quarter = 1i32 << (fractional_bits - 2);
    let mask = one_quarter - 1;
    let a_mod_quarter_minus_one_quarter = (a & mask).wrapping_sub(one_quarter);
    let mut result = exp_on_interval_between_negative_one_quarter_and_0_excl(rescale(
        a_mod_quarter_minus_one_quarter,
        INTEGER_BITS,
        0,
    ));
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);

    // (exponent k, exp(-2^k) in Q0.31)
    const BARREL: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    let mut i = 0;
    while i < BARREL.len() {
        let (exponent, multiplier) = BARREL[i];
        let shift = fractional_bits + exponent;
        if INTEGER_BITS > exponent && shift >= 0 && shift < 32 && remainder & (1i32 << shift) != 0 {
            result = saturating_rounding_doubling_high_mul(result, multiplier);
        }
        i += 1;
    }

    if INTEGER_BITS > 5 {
        // Below -32 the result is exactly 0 in Q0.31.
        let clamp = -(1i32 << (36 - INTEGER_BITS));
        if a < clamp {
            result = 0;
        }
    }
    if a == 0 {
        result = i32::MAX; // exp(0) = 1, the largest Q0.31 value
    }
    result
}

/// gemmlowp `one_over_one_plus_x_for_x_in_0_1`: `1 / (1 + a)` in Q0.31 for Q0.31 `a` in
/// `[0, 1)`, by three Newton–Raphson steps in Q2.29 from the 48/17 − 32/17·d initial guess.
#[inline]
pub const fn one_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    const CONSTANT_48_OVER_17: i32 = 1_515_870_810; // Q2.29
    const CONSTANT_NEG_32_OVER_17: i32 = -1_010_580_540; // Q2.29
    const F2_ONE: i32 = 1 << 29;
    let half_denominator = rounding_half_sum(a, i32::MAX);
    let mut x = CONSTANT_48_OVER_17.wrapping_add(saturating_rounding_doubling_high_mul(
        half_denominator,
        CONSTANT_NEG_32_OVER_17,
    ));
    let mut i = 0;
    while i < 3 {
        let half_denominator_times_x = saturating_rounding_doubling_high_mul(half_denominator, x);
        let one_minus_half_denominator_times_x = F2_ONE.wrapping_sub(half_denominator_times_x);
        // Q2.29 × Q2.29 = Q4.27, rescaled back to Q2.29.
        x = x.wrapping_add(rescale(
            saturating_rounding_doubling_high_mul(x, one_minus_half_denominator_times_x),
            4,
            2,
        ));
        i += 1;
    }
    // x / 2 read as Q1.30, then rescaled to Q0.31.
    rescale(x, 1, 0)
}

/// TFLM `GetReciprocal`: for a positive fixed-point `x` with `x_integer_digits` integer bits,
/// returns `(scale, num_bits_over_unit)` with `scale` in Q0.31 such that
/// `1/x = scale · 2^-num_bits_over_unit` (x is normalised into `[1, 2)` first).
/// `x == 0` (never produced by SOFTMAX) yields the reciprocal of 1.
#[inline]
pub const fn get_reciprocal(x: i32, x_integer_digits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros();
    let num_bits_over_unit = x_integer_digits - headroom_plus_one as i32;
    let shifted = match (x as u32).checked_shl(headroom_plus_one) {
        Some(v) => v,
        None => 0,
    };
    let shifted_sum_minus_one = shifted.wrapping_sub(1 << 31) as i32;
    (
        one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one),
        num_bits_over_unit,
    )
}

/// Shared test helpers: a tiny seeded PRNG and exact reference arithmetic in i128.
#[cfg(test)]
pub(crate) mod testing {
    extern crate std;
    use super::Requant;
    use std::vec::Vec;

    /// SplitMix64: small, seeded, good enough to spread test cases.
    pub struct Rng(u64);

    impl Rng {
        pub fn new(seed: u64) -> Self {
            Rng(seed)
        }
        pub fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        pub fn i32(&mut self) -> i32 {
            self.next_u64() as i32
        }
        /// Uniform in `lo..=hi`.
        pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
            lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
        }
        pub fn usize(&mut self, lo: usize, hi: usize) -> usize {
            self.range(lo as i64, hi as i64) as usize
        }
        pub fn bool(&mut self) -> bool {
            self.next_u64() & 1 == 1
        }
        /// An i32 biased toward edge cases (0, ±1, extremes, powers of two and their neighbours).
        pub fn edgy_i32(&mut self) -> i32 {
            match self.next_u64() % 8 {
                0 => [0, 1, -1, i32::MIN, i32::MAX, i32::MIN + 1, i32::MAX - 1][self.usize(0, 6)],
                1 => {
                    let p = 1i64 << self.usize(0, 31);
                    (if self.bool() { p } else { -p } + self.range(-1, 1)) as i32
                }
                2 => self.range(-70000, 70000) as i32,
                _ => self.i32(),
            }
        }
        pub fn fill(&mut self, buf: &mut [u8]) {
            for b in buf {
                *b = self.next_u64() as u8;
            }
        }
        /// The lower bound of a fused-activation clamp: int8's minimum half the time (no
        /// activation), otherwise anywhere up to 0.
        pub fn act_min(&mut self) -> i32 {
            if self.bool() {
                -128
            } else {
                self.range(-128, 0) as i32
            }
        }
        /// The upper bound, likewise.
        pub fn act_max(&mut self) -> i32 {
            if self.bool() {
                127
            } else {
                self.range(0, 127) as i32
            }
        }
        /// A realistic requantization factor (as `QuantizeMultiplier` of a real in `2^[-20, 3]`).
        pub fn requant(&mut self) -> Requant {
            Requant {
                multiplier: self.range(1 << 30, (1i64 << 31) - 1) as i32,
                shift: self.range(-20, 3) as i32,
            }
        }
        /// [`Rng::requant`] as a per-channel table entry.
        pub fn packed_requant(&mut self) -> super::PackedRequant {
            let r = self.requant();
            super::PackedRequant { multiplier: r.multiplier, shift: r.shift as i8 }
        }
    }

    /// `num / 2^k` rounded to nearest, ties away from zero, exactly.
    /// TFLM's `QuantizeMultiplier` for positive normal reals (frexp by halving/doubling),
    /// to build realistic kernel parameters in tests the way the compiler does.
    pub fn quantize_multiplier(real: f64) -> Requant {
        let (mut frac, mut shift) = (real, 0i32);
        while frac >= 1.0 {
            frac /= 2.0;
            shift += 1;
        }
        while frac < 0.5 {
            frac *= 2.0;
            shift -= 1;
        }
        let mut m = (frac * (1u64 << 31) as f64).round() as i64;
        if m == 1i64 << 31 {
            m /= 2;
            shift += 1;
        }
        Requant { multiplier: m as i32, shift }
    }

    pub fn round_half_away(num: i128, k: u32) -> i128 {
        let d = 1i128 << k;
        let (q, r) = (num.abs() / d, num.abs() % d);
        let q = if 2 * r >= d { q + 1 } else { q };
        if num < 0 {
            -q
        } else {
            q
        }
    }

    /// `floor(num / 2^k + 1/2)`: round to nearest, ties toward +∞, exactly.
    pub fn round_half_up(num: i128, k: u32) -> i128 {
        (num + (1i128 << k >> 1)).div_euclid(1i128 << k)
    }

    /// Mathematical definition of TFLM's double-rounding requantization, in i128:
    /// `round_half_away(round_half_up((x·2^l mod 2^32)·m / 2^31) / 2^r)` with the high product
    /// saturated to i32.
    pub fn ref_mbqm(x: i32, rq: Requant) -> i32 {
        let left = rq.shift.max(0) as u32;
        let right = (-rq.shift).max(0) as u32;
        let xl = ((x as i128) << left) as i32 as i128; // wraps mod 2^32 like the C++
        let high =
            round_half_up(xl * rq.multiplier as i128, 31).clamp(i32::MIN as i128, i32::MAX as i128);
        round_half_away(high, right) as i32
    }

    /// Folds `-zp · Σ w` into each bias, for filters whose output channels are contiguous rows.
    pub fn fold_bias(bias: &[i32], filter: &[u8], zp: i32) -> Vec<i32> {
        let per = filter.len() / bias.len();
        bias.iter()
            .zip(filter.chunks_exact(per))
            .map(|(&b, f)| b.wrapping_sub(zp.wrapping_mul(f.iter().map(|&w| w as i8 as i32).sum())))
            .collect()
    }

    /// Kernel params hold `&'static` slices; tests leak their small vectors.
    pub fn leak<T>(v: Vec<T>) -> &'static [T] {
        Vec::leak(v)
    }

    /// TFLM's output stage: requantize, add the output zero point, clamp, store as a byte.
    pub fn ref_output(acc: i64, rq: Requant, zp: i32, lo: i32, hi: i32) -> u8 {
        let acc = acc as i32; // TFLM's int32 accumulator wraps
        (ref_mbqm(acc, rq) + zp).max(lo).min(hi) as i8 as u8
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    /// [`InputScale`] against TFLM's two roundings for every offset input `v` in `−510..=510`:
    /// random factors of every exponent and left shift, the multiplier's edges (0, 2^30,
    /// 2^31 − 1), and ADD's own case (`l = 20`) always in the domain up to `e = 18`.
    #[test]
    fn input_scale_is_tflms_two_roundings() {
        let mut rng = testing::Rng::new(20);
        let mut checked = 0;
        for case in 0..3000 {
            let multiplier = match case % 5 {
                0 => [0, 1 << 30, i32::MAX, (1 << 30) + 1, i32::MAX - 1][case / 5 % 5],
                _ => rng.range(1 << 30, (1i64 << 31) - 1) as i32,
            };
            let shift = -(case as i32 % 32);
            let left_shift = if case % 3 == 0 { 20 } else { rng.range(10, 20) as i32 };
            let rq = Requant { multiplier, shift };
            let Some(scale) = InputScale::new(rq, left_shift) else {
                assert!(!(left_shift == 20 && shift >= -18), "l = 20, e = {} refused", -shift);
                continue;
            };
            for v in -510..=510 {
                let want = multiply_by_quantized_multiplier_smaller_than_one_exp(v * (1 << left_shift), rq);
                assert_eq!(scale.apply(v), want, "v {v}, {rq:?}, l {left_shift}");
            }
            checked += 1;
        }
        assert!(checked > 1300, "only {checked} factors in the domain");
    }

    #[test]
    fn srdhm_matches_exact_rounding() {
        let mut rng = Rng::new(1);
        for _ in 0..200_000 {
            let (a, b) = (rng.edgy_i32(), rng.edgy_i32());
            let exact =
                round_half_up(a as i128 * b as i128, 31).clamp(i32::MIN as i128, i32::MAX as i128);
            assert_eq!(
                saturating_rounding_doubling_high_mul(a, b) as i128,
                exact,
                "{a} {b}"
            );
        }
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN),
            i32::MAX
        );
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MIN, i32::MAX),
            -i32::MAX
        );
        // Ties: -1/2 rounds up to 0, +1/2 rounds up to 1.
        assert_eq!(
            saturating_rounding_doubling_high_mul(-(1 << 15), 1 << 15),
            0
        );
        assert_eq!(saturating_rounding_doubling_high_mul(1 << 15, 1 << 15), 1);
    }

    #[test]
    fn rounding_divide_by_pot_matches_exact_rounding() {
        let mut rng = Rng::new(2);
        for _ in 0..200_000 {
            let x = rng.edgy_i32();
            let e = rng.range(-3, 40) as i32;
            let exact = if e <= 0 {
                x as i128
            } else {
                round_half_away(x as i128, e as u32)
            };
            assert_eq!(rounding_divide_by_pot(x, e) as i128, exact, "{x} >> {e}");
        }
        for x in -100..100 {
            for e in 0..8 {
                assert_eq!(
                    rounding_divide_by_pot(x, e) as i128,
                    round_half_away(x as i128, e as u32)
                );
            }
        }
        assert_eq!(rounding_divide_by_pot(i32::MIN, 32), -1);
        assert_eq!(rounding_divide_by_pot(i32::MIN, 31), -1);
        assert_eq!(rounding_divide_by_pot(i32::MAX, 31), 1);
        assert_eq!(rounding_divide_by_pot(i32::MAX, 32), 0);
    }

    #[test]
    fn mbqm_matches_exact_double_rounding() {
        let mut rng = Rng::new(3);
        for _ in 0..200_000 {
            let x = rng.edgy_i32();
            let rq = Requant {
                multiplier: rng.edgy_i32().max(0),
                shift: rng.range(-40, 31) as i32,
            };
            assert_eq!(
                multiply_by_quantized_multiplier(x, rq),
                ref_mbqm(x, rq),
                "{x} {rq:?}"
            );
            if rq.shift <= 0 {
                assert_eq!(
                    multiply_by_quantized_multiplier_smaller_than_one_exp(x, rq),
                    ref_mbqm(x, rq)
                );
            }
        }
        // Extreme shifts never panic.
        for s in [i32::MIN, -1000, 1000, i32::MAX] {
            let _ = multiply_by_quantized_multiplier(
                12345,
                Requant {
                    multiplier: 1 << 30,
                    shift: s,
                },
            );
            let _ = multiply_by_quantized_multiplier_smaller_than_one_exp(
                -5,
                Requant {
                    multiplier: 1 << 30,
                    shift: s,
                },
            );
            let _ = saturating_rounding_multiply_by_pot(7, s);
        }
    }

    /// The one-step scale equals TFLM's two roundings on edge and random operands, every shift
    /// of its domain, multipliers including 0 and the largest; outside the domain it declines.
    #[test]
    fn rounding_scale_matches_mbqm() {
        let mut rng = Rng::new(0x5ca1e);
        for case in 0..400_000 {
            let shift = -(rng.usize(1, 31) as i32);
            let multiplier = match rng.usize(0, 7) {
                0 => [0, 1, i32::MAX, 1 << 30][rng.usize(0, 3)],
                _ => rng.range(1 << 30, (1i64 << 31) - 1) as i32,
            };
            let rq = Requant { multiplier, shift };
            let x = rng.edgy_i32();
            let scale = RoundingScale::new(rq).expect("in the domain");
            assert_eq!(RoundingScale::new_in_domain(rq), scale, "{rq:?}");
            assert_eq!(scale.apply(x), multiply_by_quantized_multiplier(x, rq), "case {case}: x {x}, {rq:?}");
            // Exact ties of both roundings: m = 2^30 makes x·m / 2^(31+e) = x / 2^(1+e).
            let half = Requant { multiplier: 1 << 30, shift };
            let k = rng.range(-(1 << 20), 1 << 20) as i32;
            let tie = k.wrapping_shl((1 - shift) as u32).wrapping_add(1 << (-shift - 1).min(30));
            for x in [tie, tie.wrapping_neg(), tie.wrapping_add(1), tie.wrapping_sub(1), k, -k] {
                let s = RoundingScale::new(half).expect("in the domain");
                assert_eq!(s.apply(x), multiply_by_quantized_multiplier(x, half), "tie case {case}: x {x}, {half:?}");
            }
        }
        for rq in [Requant { multiplier: -1, shift: -3 }, Requant { multiplier: 1 << 30, shift: 0 }, Requant { multiplier: 1 << 30, shift: 2 }, Requant { multiplier: 1 << 30, shift: -32 }] {
            assert_eq!(RoundingScale::new(rq), None, "{rq:?}");
        }
    }

    /// The scale with the zero point folded equals TFLM's requantization plus the zero point on
    /// edge and random operands, at the domain's corners (largest shift, zero points ±128,
    /// accumulators ±2^31) and on exact ties; outside the domain it declines.
    #[test]
    fn output_scale_matches_mbqm_plus_zero_point() {
        let mut rng = Rng::new(0x0f5e7);
        for case in 0..400_000 {
            let shift = -(rng.usize(OutputScale::MIN_SHIFT as usize, OutputScale::MAX_SHIFT as usize) as i32);
            let multiplier = match rng.usize(0, 7) {
                0 => [0, 1, i32::MAX, 1 << 30][rng.usize(0, 3)],
                _ => rng.range(1 << 30, (1i64 << 31) - 1) as i32,
            };
            let zp = match rng.usize(0, 4) {
                0 => [-128, 128, 127, 0][rng.usize(0, 3)],
                _ => rng.range(-128, 128) as i32,
            };
            let rq = Requant { multiplier, shift };
            let x = if case % 5 == 0 { [i32::MIN, i32::MAX, -1, 0][case / 5 % 4] } else { rng.edgy_i32() };
            let scale = OutputScale::new(rq, zp).expect("in the domain");
            let want = multiply_by_quantized_multiplier(x, rq).wrapping_add(zp);
            assert_eq!(scale.apply(x), want, "case {case}: x {x}, {rq:?}, zp {zp}");
            let half = Requant { multiplier: 1 << 30, shift };
            let k = rng.range(-(1 << 20), 1 << 20) as i32;
            let tie = k.wrapping_shl((1 - shift) as u32).wrapping_add(1 << (-shift - 1).min(30));
            let s = OutputScale::new(half, zp).expect("in the domain");
            for x in [tie, tie.wrapping_neg(), tie.wrapping_add(1), tie.wrapping_sub(1), k, -k] {
                assert_eq!(s.apply(x), multiply_by_quantized_multiplier(x, half).wrapping_add(zp), "tie case {case}: x {x}, zp {zp}");
            }
        }
        let ok = Requant { multiplier: 1 << 30, shift: -3 };
        for (rq, zp) in [(Requant { multiplier: -1, shift: -3 }, 0), (Requant { multiplier: 1 << 30, shift: 0 }, 0), (Requant { multiplier: 1 << 30, shift: -23 }, 0), (Requant { multiplier: 1 << 30, shift: 1 }, 0), (ok, 129), (ok, -129)] {
            assert_eq!(OutputScale::new(rq, zp), None, "{rq:?} {zp}");
        }
    }

    #[test]
    fn saturating_rounding_multiply_by_pot_matches_definition() {
        let mut rng = Rng::new(4);
        for _ in 0..100_000 {
            let x = rng.edgy_i32();
            let e = rng.range(-31, 31) as i32;
            let got = saturating_rounding_multiply_by_pot(x, e) as i128;
            if e <= 0 {
                assert_eq!(got, round_half_away(x as i128, (-e) as u32));
            } else {
                // gemmlowp saturates symmetrically: |x| must be below 2^(31-e).
                let t = (1i128 << (31 - e)) - 1;
                let want = if (x as i128) > t {
                    i32::MAX as i128
                } else if (x as i128) < -t {
                    i32::MIN as i128
                } else {
                    (x as i128) << e
                };
                assert_eq!(got, want, "{x} << {e}");
            }
        }
    }

    #[test]
    fn rounding_half_sum_matches_definition() {
        let mut rng = Rng::new(5);
        for _ in 0..100_000 {
            let (a, b) = (rng.edgy_i32(), rng.edgy_i32());
            assert_eq!(
                rounding_half_sum(a, b) as i128,
                round_half_away(a as i128 + b as i128, 1)
            );
        }
    }

    fn q(x: i32, fractional_bits: i32) -> f64 {
        x as f64 / (1u64 << fractional_bits) as f64
    }

    #[test]
    fn exp_on_negative_values_approximates_exp() {
        let mut rng = Rng::new(6);
        for _ in 0..50_000 {
            let a = -(rng.range(0, i32::MAX as i64) as i32);
            let got = q(exp_on_negative_values::<5>(a), 31);
            let want = q(a, 26).exp();
            assert!(
                (got - want).abs() < 2e-7 + want * 1e-6,
                "exp({}) = {got}, want {want}",
                q(a, 26)
            );
        }
        assert_eq!(exp_on_negative_values::<5>(0), i32::MAX);
        // Integer-bit counts above 5 clamp below −32 to exactly 0.
        assert_eq!(exp_on_negative_values::<6>(-(33 << 25)), 0);
        assert!(exp_on_negative_values::<6>(-(10 << 25)) > 0);
        for a in [-(1 << 28), -(1 << 20), -1, i32::MIN] {
            let got = q(exp_on_negative_values::<3>(a), 31);
            assert!((got - q(a, 28).exp()).abs() < 1e-6);
        }
    }

    #[test]
    fn reciprocal_approximates_one_over_x() {
        let mut rng = Rng::new(7);
        for _ in 0..50_000 {
            let a = rng.range(0, i32::MAX as i64) as i32;
            let got = q(one_over_one_plus_x_for_x_in_0_1(a), 31);
            let want = 1.0 / (1.0 + q(a, 31));
            assert!((got - want).abs() < 1e-8, "{a}: {got} vs {want}");
        }
        for _ in 0..50_000 {
            let x = rng.range(1, i32::MAX as i64) as i32;
            let (scale, bits) = get_reciprocal(x, 12);
            let got = q(scale, 31) * 2f64.powi(-bits);
            let want = 1.0 / q(x, 19);
            assert!((got / want - 1.0).abs() < 1e-8, "1/{x}: {got} vs {want}");
        }
        let _ = get_reciprocal(0, 12);
        let _ = get_reciprocal(-5, 12);
    }
}

// ---- int16 ----

/// `MultiplyByQuantizedMultiplier` with one rounding (LiteRT's `TFLITE_SINGLE_ROUNDING` form):
/// `(x · multiplier + 2^(total − 1)) >> total` in i64 with `total = 31 − shift`, ties toward +∞.
/// LiteRT's reference FULLY_CONNECTED rounds this way (measured on uint8, the oracle there; on
/// int8 kiln follows TFLM's double rounding instead). Its CONV_2D and DEPTHWISE_CONV_2D round
/// twice, as TFLM. `total` is clamped to `1..=63`, so the function
/// is total; LiteRT's valid shifts (−31..=30) never reach the clamp.
#[inline]
pub const fn multiply_by_quantized_multiplier_single_rounding(x: i32, rq: Requant) -> i32 {
    let total = 31 - rq.shift;
    let total = if total < 1 {
        1
    } else if total > 63 {
        63
    } else {
        total
    };
    let round = 1i64 << (total - 1);
    ((x as i64).wrapping_mul(rq.multiplier as i64).wrapping_add(round) >> total) as i32
}

/// TFLM's 64-bit `MultiplyByQuantizedMultiplier(int64_t x, …)`, the requantization of the
/// int16x8 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED kernels (int64 accumulators).
///
/// Unlike the 32-bit version it rounds once, but with a multiplier *reduced to 15 bits*:
/// `reduced = (multiplier + 2^15) >> 16` (0x7FFF when that would overflow), then
/// `(x · reduced + 2^(total − 1)) >> total` with `total = 15 − shift`, truncated to i32 as the
/// C++ `int32_t` conversion does. TFLM asserts `shift ∈ [−31, 7]` (so `total ∈ [8, 46]`) and
/// `|x| < 2^47`; outside those ranges kiln clamps `total` to `1..=63` and wraps the product
/// instead of invoking undefined behaviour, so the function is total.
#[inline]
pub const fn multiply_by_quantized_multiplier_i64(x: i64, rq: Requant) -> i32 {
    let reduced = if rq.multiplier < 0x7FFF_0000 {
        rq.multiplier.wrapping_add(1 << 15) >> 16
    } else {
        0x7FFF
    };
    let total = 15 - rq.shift;
    let total = if total < 1 {
        1
    } else if total > 63 {
        63
    } else {
        total
    };
    let round = 1i64 << (total - 1);
    (x.wrapping_mul(reduced as i64).wrapping_add(round) >> total) as i32
}

#[cfg(test)]
mod int16_tests {
    use super::testing::{round_half_up, Rng};
    use super::*;

    #[test]
    fn mbqm_i64_reduces_the_multiplier_to_16_bits() {
        // 0.75 = 0x6000_0000 · 2^-31 (shift 0): the 16-bit multiplier is 0x6000.
        let rq = Requant { multiplier: 0x6000_0000, shift: 0 };
        assert_eq!(multiply_by_quantized_multiplier_i64(1000, rq), 750);
        assert_eq!(multiply_by_quantized_multiplier_i64(-1000, rq), -750);
        assert_eq!(multiply_by_quantized_multiplier_i64(3, rq), 2); // 2.25 rounds to 2
        assert_eq!(multiply_by_quantized_multiplier_i64(-3, rq), -2); // −2.25 rounds half up: −2
        // Multipliers from 0x7FFF_0000 up saturate to 0x7FFF (just under 1).
        assert_eq!(multiply_by_quantized_multiplier_i64(1 << 40, Requant { multiplier: 0x7fff_ffff, shift: -20 }), 0x7fff << 5);
    }

    /// Exact definition: `floor(x · reduced / 2^(15 − shift) + 1/2)` in i128.
    #[test]
    fn mbqm_i64_matches_exact_rounding() {
        let mut rng = Rng::new(1600);
        for _ in 0..200_000 {
            let rq = rng.requant();
            let x = rng.range(-(1i64 << 40), 1i64 << 40);
            let reduced = if rq.multiplier < 0x7FFF_0000 { (rq.multiplier as i64 + (1 << 15)) >> 16 } else { 0x7FFF };
            let want = round_half_up(x as i128 * reduced as i128, (15 - rq.shift) as u32) as i32;
            assert_eq!(multiply_by_quantized_multiplier_i64(x, rq), want, "{x} {rq:?}");
        }
        // The reduced multiplier saturates at 0x7FFF near 2^31.
        let top = Requant { multiplier: i32::MAX, shift: 0 };
        assert_eq!(multiply_by_quantized_multiplier_i64(1 << 20, top), (((1i64 << 20) * 0x7FFF + (1 << 14)) >> 15) as i32);
        // Out-of-contract shifts do not panic.
        let _ = multiply_by_quantized_multiplier_i64(i64::MAX, Requant { multiplier: 1 << 30, shift: 40 });
        let _ = multiply_by_quantized_multiplier_i64(i64::MIN, Requant { multiplier: 1 << 30, shift: -80 });
    }
}
