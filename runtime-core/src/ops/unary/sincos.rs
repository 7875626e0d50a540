//! The single-precision sine/cosine core shared by SIN and COS: Arm optimized-routines'
//! `sinf`/`cosf` (what glibc and newlib ship, so what TFLM's `std::sin`/`std::cos` run on the
//! host): reduction to [−π/4, π/4] by one multiply-subtract in double below 120, by an exact
//! integer product with 192 bits of 4/π above, then one odd or even polynomial in double,
//! rounded once to float.

/// Polynomials and constants; the second set has the cosine polynomial negated, so that
/// quadrants 2 and 3 get their sign for free.
struct SinCos {
    c: [f64; 5],
    s: [f64; 3],
}

/// 2/π · 2^24 and π/2.
const HPI_INV: f64 = f64::from_bits(0x4164_5f30_6dc9_c883);
const HPI: f64 = f64::from_bits(0x3ff9_21fb_5444_2d18);
/// 2π · 2^-64.
const PI63: f64 = f64::from_bits(0x3c19_21fb_5444_2d18);
const TABLE: [SinCos; 2] = [
    SinCos {
        c: [
            1.0,
            f64::from_bits(0xbfdf_ffff_fd0c_621c),
            f64::from_bits(0x3fa5_5553_e106_8f19),
            f64::from_bits(0xbf56_c087_e89a_359d),
            f64::from_bits(0x3ef9_9343_027b_f8c3),
        ],
        s: [
            f64::from_bits(0xbfc5_5554_5995_a603),
            f64::from_bits(0x3f81_1076_0523_0bc4),
            f64::from_bits(0xbf29_94eb_3774_cf24),
        ],
    },
    SinCos {
        c: [
            -1.0,
            f64::from_bits(0x3fdf_ffff_fd0c_621c),
            f64::from_bits(0xbfa5_5553_e106_8f19),
            f64::from_bits(0x3f56_c087_e89a_359d),
            f64::from_bits(0xbef9_9343_027b_f8c3),
        ],
        s: [
            f64::from_bits(0xbfc5_5554_5995_a603),
            f64::from_bits(0x3f81_1076_0523_0bc4),
            f64::from_bits(0xbf29_94eb_3774_cf24),
        ],
    },
];

/// 4/π to 192 bits; entry `j` holds bits `8j − 24 .. 8j + 8` (so any 96-bit window is three
/// aligned loads four entries apart).
const INV_PIO4: [u32; 24] = [
    0xa2, 0xa2f9, 0xa2f983, 0xa2f9836e, 0xf9836e4e, 0x836e4e44, 0x6e4e4415, 0x4e441529, 0x441529fc,
    0x1529fc27, 0x29fc2757, 0xfc2757d1, 0x2757d1f5, 0x57d1f534, 0xd1f534dd, 0xf534ddc0, 0x34ddc0db,
    0xddc0db62, 0xc0db6295, 0xdb629599, 0x6295993c, 0x95993c43, 0x993c4390, 0x3c439041,
];

/// Top 12 bits of a float without the sign: a cheap magnitude class.
fn abstop12(x: f32) -> u32 {
    (x.to_bits() >> 20) & 0x7ff
}

/// sin(x) (`n` even) or cos(x) (`n` odd) of a reduced `x` with `x2 = x²`.
fn poly(x: f64, x2: f64, p: &SinCos, n: i32) -> f32 {
    if n & 1 == 0 {
        let x3 = x * x2;
        let s1 = p.s[1] + x2 * p.s[2];
        let x7 = x3 * x2;
        let s = x + x3 * p.s[0];
        (s + x7 * s1) as f32
    } else {
        let x4 = x2 * x2;
        let c2 = p.c[3] + x2 * p.c[4];
        let c1 = p.c[0] + x2 * p.c[1];
        let x6 = x4 * x2;
        let c = c1 + x4 * p.c[2];
        (c + x6 * c2) as f32
    }
}

/// `x − n·π/2` and the quadrant `n`, for |x| < 120.
fn reduce_fast(x: f64) -> (f64, i32) {
    let r = x * HPI_INV;
    let n = ((r as i32).wrapping_add(0x80_0000)) >> 24;
    (x - f64::from(n) * HPI, n)
}

/// The same for large finite `xi` (float bits; sign ignored), exactly in integers.
fn reduce_large(xi: u32) -> (f64, i32) {
    let at = ((xi >> 26) & 15) as usize;
    let word = |k: usize| INV_PIO4.get(at + k).copied().unwrap_or(0);
    let shift = (xi >> 23) & 7;
    let m = ((xi & 0xff_ffff) | 0x80_0000) << shift;
    let res0 = u64::from(m.wrapping_mul(word(0)));
    let res1 = u64::from(m) * u64::from(word(4));
    let res2 = u64::from(m) * u64::from(word(8));
    let mut res = ((res2 >> 32) | (res0 << 32)).wrapping_add(res1);
    let n = res.wrapping_add(1 << 61) >> 62;
    res = res.wrapping_sub(n << 62);
    ((res as i64) as f64 * PI63, n as i32)
}

/// x86's default quiet NaN, what `(y − y) / (y − y)` gives for an infinite `y`.
const DEFAULT_NAN: u32 = 0xffc0_0000;

/// `sinf(y)` (`cosine == false`) or `cosf(y)`.
pub(crate) fn sin_or_cos(y: f32, cosine: bool) -> f32 {
    let x = f64::from(y);
    let [first, second] = &TABLE;
    let top = abstop12(y);
    if top < abstop12(f32::from_bits(0x3f49_0fdb)) {
        // |y| < π/4: no reduction.
        if top < abstop12(f32::from_bits(0x3980_0000)) {
            return if cosine { 1.0 } else { y }; // |y| < 2^-12
        }
        return poly(x, x * x, first, i32::from(cosine));
    }
    let (r, n, sign) = if top < abstop12(120.0) {
        let (r, n) = reduce_fast(x);
        (r, n, 0)
    } else if top < abstop12(f32::INFINITY) {
        let (r, n) = reduce_large(y.to_bits());
        (r, n, (y.to_bits() >> 31) as i32)
    } else {
        return if y.is_nan() { y + y } else { f32::from_bits(DEFAULT_NAN) };
    };
    let q = n.wrapping_add(sign);
    // The sine's sign per quadrant: +, −, −, +.
    let s = if matches!(q & 3, 1 | 2) { -1.0 } else { 1.0 };
    let p = if q & 2 != 0 { second } else { first };
    poly(r * s, r * r, p, if cosine { n ^ 1 } else { n })
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::super::f32_map::testing::specials;
    use super::*;

    #[test]
    fn bit_identical_to_the_host_sinf_and_cosf() {
        let mut xs = specials();
        let mut s = 0x5151_5151_1234_5678u64;
        for i in 0..300_000u32 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let u = (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
            xs.push((u * [1.0, 4.0, 150.0, 1e6][i as usize % 4]) as f32);
            xs.push(f32::from_bits(s as u32)); // every exponent, both signs
        }
        for x in xs {
            for cosine in [false, true] {
                let got = sin_or_cos(x, cosine);
                let want = if cosine { std::primitive::f32::cos(x) } else { std::primitive::f32::sin(x) };
                assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "{}({x:e}): {got:e} vs {want:e}",
                    if cosine { "cos" } else { "sin" }
                );
            }
        }
    }
}
