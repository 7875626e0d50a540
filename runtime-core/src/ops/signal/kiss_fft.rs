//! KISS FFT v130's complex FFT, the version TFLM builds for its real FFTs, in its three
//! arithmetics: 16- and 32-bit fixed point (`FIXED_POINT 16/32`: every stage divides by its radix,
//! `C_FIXDIV` multiplying by `SAMP_MAX / radix`; products rounded by `sround`; additions wrapping
//! as the C's stores do) and float32 (plain float operations in the C's order). Decimation in
//! time over radix-4 then radix-2 stages.

/// One of KISS FFT's scalar types and its macros (`_kiss_fft_guts.h`).
pub trait Scalar: Copy + Default + 'static {
    /// Bytes per value (little-endian in the tensors).
    const BYTES: usize;
    /// Reads value `i` of `b` (0 outside it).
    fn load(b: &[u8], i: usize) -> Self;
    /// Writes value `i` of `b` (nothing outside it).
    fn store(b: &mut [u8], i: usize, v: Self);
    /// `C_FIXDIV` by 2 or 4 (a no-op in float).
    fn fixdiv(self, div: i32) -> Self;
    /// `C_MUL`'s real part `a·b − c·d` and imaginary part `a·d' + c·b'`, rounded (`sround`).
    fn mul_sub(a: Self, b: Self, c: Self, d: Self) -> Self;
    /// `a·b + c·d`, rounded.
    fn mul_add(a: Self, b: Self, c: Self, d: Self) -> Self;
    /// `+` as the C stores it.
    fn add(self, o: Self) -> Self;
    /// `-` as the C stores it.
    fn sub(self, o: Self) -> Self;
    /// Unary minus (`* -1`) as the C stores it.
    fn neg(self) -> Self;
    /// `HALF_OF(a + b)`: the sum at the C's width, halved (`>> 1`; `* 0.5` in float).
    fn half_sum(a: Self, b: Self) -> Self;
    /// `HALF_OF(a - b)`.
    fn half_diff(a: Self, b: Self) -> Self;
}

/// `sround` on one fixed-point type: a product in Q`frac` rounded, truncated as the C's cast.
trait Round: Sized {
    type Wide;
    fn round(x: Self::Wide) -> Self;
}

macro_rules! fixed {
    ($t:ty, $wide:ty, $frac:expr, $sum:ty) => {
        impl Round for $t {
            type Wide = $wide;
            fn round(x: $wide) -> Self {
                (x.wrapping_add(1 << ($frac - 1)) >> $frac) as $t
            }
        }
        impl Scalar for $t {
            const BYTES: usize = core::mem::size_of::<$t>();
            fn load(b: &[u8], i: usize) -> Self {
                match b.get(i * Self::BYTES..(i + 1) * Self::BYTES) {
                    Some(s) => {
                        let mut a = [0u8; core::mem::size_of::<$t>()];
                        a.copy_from_slice(s);
                        <$t>::from_le_bytes(a)
                    }
                    None => 0,
                }
            }
            fn store(b: &mut [u8], i: usize, v: Self) {
                if let Some(s) = b.get_mut(i * Self::BYTES..(i + 1) * Self::BYTES) {
                    s.copy_from_slice(&v.to_le_bytes());
                }
            }
            fn fixdiv(self, div: i32) -> Self {
                let k = <$t>::MAX / div as $t;
                Self::round(<$wide>::from(self) * <$wide>::from(k))
            }
            fn mul_sub(a: Self, b: Self, c: Self, d: Self) -> Self {
                let w = |x: Self| <$wide>::from(x);
                Self::round((w(a) * w(b)).wrapping_sub(w(c) * w(d)))
            }
            fn mul_add(a: Self, b: Self, c: Self, d: Self) -> Self {
                let w = |x: Self| <$wide>::from(x);
                Self::round((w(a) * w(b)).wrapping_add(w(c) * w(d)))
            }
            fn add(self, o: Self) -> Self {
                self.wrapping_add(o)
            }
            fn sub(self, o: Self) -> Self {
                self.wrapping_sub(o)
            }
            fn neg(self) -> Self {
                self.wrapping_neg()
            }
            fn half_sum(a: Self, b: Self) -> Self {
                (<$sum>::from(a).wrapping_add(<$sum>::from(b)) >> 1) as $t
            }
            fn half_diff(a: Self, b: Self) -> Self {
                (<$sum>::from(a).wrapping_sub(<$sum>::from(b)) >> 1) as $t
            }
        }
    };
}

// int16: products in int32, Q15; `HALF_OF`'s sum is an int (no wrap). int32: products in
// int64, Q31; the sum is an int32 (wraps).
fixed!(i16, i32, 15, i32);
fixed!(i32, i64, 31, i32);

impl Scalar for f32 {
    const BYTES: usize = 4;
    fn load(b: &[u8], i: usize) -> Self {
        match b.get(4 * i..4 * i + 4) {
            Some(s) => f32::from_le_bytes([s[0], s[1], s[2], s[3]]),
            None => 0.0,
        }
    }
    fn store(b: &mut [u8], i: usize, v: Self) {
        if let Some(s) = b.get_mut(4 * i..4 * i + 4) {
            s.copy_from_slice(&v.to_le_bytes());
        }
    }
    fn fixdiv(self, _div: i32) -> Self {
        self
    }
    fn mul_sub(a: Self, b: Self, c: Self, d: Self) -> Self {
        a * b - c * d
    }
    fn mul_add(a: Self, b: Self, c: Self, d: Self) -> Self {
        a * b + c * d
    }
    fn add(self, o: Self) -> Self {
        self + o
    }
    fn sub(self, o: Self) -> Self {
        self - o
    }
    fn neg(self) -> Self {
        -self
    }
    fn half_sum(a: Self, b: Self) -> Self {
        (a + b) * 0.5
    }
    fn half_diff(a: Self, b: Self) -> Self {
        (a - b) * 0.5
    }
}

/// One transform's compile-time plan.
#[derive(Clone, Copy, Debug)]
pub struct KissFft<T: 'static> {
    /// The factorization of the complex length, outermost stage first: (radix, m), radix 2 or 4.
    pub factors: &'static [(usize, usize)],
    /// One twiddle per complex point, (real, imaginary): `e^{∓2πik/n}` (in Q15/Q31 for fixed point).
    pub twiddles: &'static [[T; 2]],
    /// The inverse transform (its radix-4 butterfly rotates the other way).
    pub inverse: bool,
}

#[derive(Clone, Copy)]
pub(crate) struct C<T> {
    pub(crate) r: T,
    pub(crate) i: T,
}

pub(crate) fn get<T: Scalar>(b: &[u8], k: usize) -> C<T> {
    C { r: T::load(b, 2 * k), i: T::load(b, 2 * k + 1) }
}

pub(crate) fn set<T: Scalar>(b: &mut [u8], k: usize, c: C<T>) {
    T::store(b, 2 * k, c.r);
    T::store(b, 2 * k + 1, c.i);
}

pub(crate) fn fixdiv<T: Scalar>(c: C<T>, div: i32) -> C<T> {
    C { r: c.r.fixdiv(div), i: c.i.fixdiv(div) }
}

/// `C_MUL`.
pub(crate) fn mul<T: Scalar>(a: C<T>, b: [T; 2]) -> C<T> {
    C { r: T::mul_sub(a.r, b[0], a.i, b[1]), i: T::mul_add(a.r, b[1], a.i, b[0]) }
}

pub(crate) fn add<T: Scalar>(a: C<T>, b: C<T>) -> C<T> {
    C { r: a.r.add(b.r), i: a.i.add(b.i) }
}

pub(crate) fn sub<T: Scalar>(a: C<T>, b: C<T>) -> C<T> {
    C { r: a.r.sub(b.r), i: a.i.sub(b.i) }
}

pub(crate) fn twiddle<T: Scalar>(t: &[[T; 2]], k: usize) -> [T; 2] {
    t.get(k).copied().unwrap_or_default()
}

/// KISS FFT's `kf_work`: the decimation-in-time recursion, writing complex values `out[at..]`
/// from the row's complex values `f, f + stride, …` (scalars past `valid` read as zero).
#[allow(clippy::too_many_arguments)] // the C recursion's own arguments, plus the row bound
pub(crate) fn work<T: Scalar>(p: &KissFft<T>, out: &mut [u8], at: usize, row: &[u8], valid: usize, f: usize, stride: usize, stage: usize) {
    let Some(&(radix, m)) = p.factors.get(stage) else {
        return;
    };
    if m == 1 {
        for k in 0..radix {
            let c = f + k * stride;
            let sample = |j: usize| if j < valid { T::load(row, j) } else { T::default() };
            set(out, at + k, C { r: sample(2 * c), i: sample(2 * c + 1) });
        }
    } else {
        for k in 0..radix {
            work(p, out, at + k * m, row, valid, f + k * stride, stride * radix, stage + 1);
        }
    }
    let tw = p.twiddles;
    if radix == 2 {
        for k in 0..m {
            let a = fixdiv(get(out, at + k), 2);
            let t = mul(fixdiv(get(out, at + k + m), 2), twiddle(tw, k * stride));
            set(out, at + k + m, sub(a, t));
            set(out, at + k, add(a, t));
        }
    } else {
        for k in 0..m {
            let f0 = fixdiv(get(out, at + k), 4);
            let s0 = mul(fixdiv(get(out, at + k + m), 4), twiddle(tw, k * stride));
            let s1 = mul(fixdiv(get(out, at + k + 2 * m), 4), twiddle(tw, 2 * k * stride));
            let s2 = mul(fixdiv(get(out, at + k + 3 * m), 4), twiddle(tw, 3 * k * stride));
            let s5 = sub(f0, s1);
            let f0 = add(f0, s1);
            let (s3, s4) = (add(s0, s2), sub(s0, s2));
            set(out, at + k + 2 * m, sub(f0, s3));
            set(out, at + k, add(f0, s3));
            let (a, b) = (C { r: s5.r.add(s4.i), i: s5.i.sub(s4.r) }, C { r: s5.r.sub(s4.i), i: s5.i.add(s4.r) });
            let (m1, m3) = if p.inverse { (b, a) } else { (a, b) };
            set(out, at + k + m, m1);
            set(out, at + k + 3 * m, m3);
        }
    }
}
