//! x86-64's baseline SIMD, SSE2 (every x86-64 CPU has it): PMADDWD, eight 16-bit
//! multiply-adds per instruction into four `i32` lanes, for builds that cannot assume more (the
//! default `x86_64-unknown-linux-gnu` build, a binary shipped to unknown PCs).
//!
//! A vector is eight `i16` lanes ([`I16x8`]) or four `i32` lanes ([`I32x4`]). With
//! `cfg(kiln_x86_sse2)` (x86-64 with the target feature `sse2`, see `build.rs`) each is one XMM
//! register and each function one instruction or a tiny fixed sequence; elsewhere the
//! [`portable`] twins (arrays, the same bits for every operand) take their place, so the kernels
//! built on them run and are tested everywhere. Loads and stores go through array references:
//! no pointer leaves this file.

/// Plain-Rust twins: exactly the bits of each instruction, for every operand.
pub mod portable {
    /// Eight `i16` lanes.
    pub type I16x8 = [i16; 8];
    /// Four `i32` lanes.
    pub type I32x4 = [i32; 4];
    /// Two `i64` lanes.
    pub type I64x2 = [i64; 2];

    /// The array as a vector (MOVDQU).
    #[inline(always)]
    pub fn load_i64x2(a: &[i64; 2]) -> I64x2 {
        *a
    }

    /// Per lane, the high word of `x · m + round + [x < 0] · (−2^31)` in 64 bits (wrapping),
    /// with `m` taken *unsigned* (PMULUDQ; the kernels pass multipliers in `0..2^31`, where it
    /// is the same) and `round` for lanes 0, 2 in `round_even`, for lanes 1, 3 in `round_odd`:
    /// the multiply-and-round of [`crate::fixed_point::OutputScale::apply`]. (PMULUDQ on the even
    /// and the odd lanes, PSRAD/PSHUFD/PSLLQ for the sign term, PADDQ, SHUFPS/PSHUFD to gather the
    /// high words, PAND/PSUBD for the signed correction `[x < 0] · m` of the high word.)
    #[inline(always)]
    pub fn mul_round_high(x: I32x4, m: I32x4, round_even: I64x2, round_odd: I64x2) -> I32x4 {
        core::array::from_fn(|j| {
            let round = if j % 2 == 0 { round_even[j / 2] } else { round_odd[j / 2] };
            let p = i64::from(x[j]).wrapping_mul(i64::from(m[j] as u32)).wrapping_add(round).wrapping_add(i64::from(x[j] >> 31) << 31);
            (p >> 32) as i32
        })
    }

    /// Per lane, `x >> s` arithmetic (PSRAD once per lane, each lane picked by a mask); a
    /// count above 31 gives the sign (0 or −1).
    #[inline(always)]
    pub fn shift_right(x: I32x4, s: [u32; 4]) -> I32x4 {
        core::array::from_fn(|j| x[j] >> s[j].min(31))
    }

    /// PSRAD: every lane `x >> s` arithmetic; a count above 31 gives the sign.
    #[inline(always)]
    pub fn shift_right_all(x: I32x4, s: u32) -> I32x4 {
        x.map(|v| v >> s.min(31))
    }

    /// PADDD: per lane `a + b`, wrapping.
    #[inline(always)]
    pub fn add_i32(a: I32x4, b: I32x4) -> I32x4 {
        core::array::from_fn(|j| a[j].wrapping_add(b[j]))
    }

    /// The eight lanes of `a` then `b` saturated to `i16` (PACKSSDW), clamped to
    /// `lo..=hi` lane by lane (PMAXSW then PMINSW, TFLM's order), saturated to int8 (PACKSSWB):
    /// the output bytes of eight channels (MOVQ).
    #[inline(always)]
    pub fn narrow_clamp_i8(a: I32x4, b: I32x4, lo: I16x8, hi: I16x8) -> [u8; 8] {
        core::array::from_fn(|j| {
            let v = if j < 4 { a[j] } else { b[j - 4] };
            let v = (v.clamp(-32768, 32767) as i16).max(lo[j]).min(hi[j]);
            v.clamp(-128, 127) as i8 as u8
        })
    }

    /// The array as a vector (MOVDQU).
    #[inline(always)]
    pub fn load_i32x4(a: &[i32; 4]) -> I32x4 {
        *a
    }

    /// The lanes as an array (MOVDQU).
    #[inline(always)]
    pub fn store_i32x4(v: I32x4) -> [i32; 4] {
        v
    }

    /// Sixteen bytes as eight little-endian `i16` (MOVDQU).
    #[inline(always)]
    pub fn load_i16x8(a: &[u8; 16]) -> I16x8 {
        core::array::from_fn(|j| i16::from_le_bytes([a[2 * j], a[2 * j + 1]]))
    }

    /// The lanes as an array (MOVDQU).
    #[inline(always)]
    pub fn store_i16x8(v: I16x8) -> [i16; 8] {
        v
    }

    /// Eight int8 bytes, each sign-extended to a lane (MOVQ; PUNPCKLBW of the bytes with
    /// themselves puts each in a lane's high byte; PSRAW by 8 brings it down with its sign).
    #[inline(always)]
    pub fn widen_i8x8(a: &[u8; 8]) -> I16x8 {
        a.map(|x| i16::from(x as i8))
    }

    /// `x` in every lane (MOVD, PUNPCKLWD, PSHUFD).
    #[inline(always)]
    pub fn splat_i16(x: i16) -> I16x8 {
        [x; 8]
    }

    /// PUNPCKLWD: lanes 0..4 of `a` and `b` interleaved, `[a0, b0, a1, b1, a2, b2, a3, b3]`.
    #[inline(always)]
    pub fn interleave_lo(a: I16x8, b: I16x8) -> I16x8 {
        core::array::from_fn(|j| if j % 2 == 0 { a[j / 2] } else { b[j / 2] })
    }

    /// PUNPCKHWD: lanes 4..8 of `a` and `b` interleaved, `[a4, b4, a5, b5, a6, b6, a7, b7]`.
    #[inline(always)]
    pub fn interleave_hi(a: I16x8, b: I16x8) -> I16x8 {
        core::array::from_fn(|j| if j % 2 == 0 { a[4 + j / 2] } else { b[4 + j / 2] })
    }

    /// Lanes `2K` and `2K + 1` (the `K`-th pair, `K < 4`) repeated in every pair (PSHUFD).
    #[inline(always)]
    pub fn splat_pair<const K: usize>(x: I16x8) -> I16x8 {
        core::array::from_fn(|j| x[2 * (K % 4) + j % 2])
    }

    /// PMADDWD then PADDD: per `i32` lane `j`, `acc + a[2j]·b[2j] + a[2j+1]·b[2j+1]`, wrapping
    /// (each product fits in `i32`; their sum may not, only for `(−2^15)²` twice, and PMADDWD
    /// wraps it to `i32::MIN` as this does).
    #[inline(always)]
    pub fn madd(acc: I32x4, a: I16x8, b: I16x8) -> I32x4 {
        core::array::from_fn(|j| {
            let (lo, hi) = (i32::from(a[2 * j]) * i32::from(b[2 * j]), i32::from(a[2 * j + 1]) * i32::from(b[2 * j + 1]));
            acc[j].wrapping_add(lo.wrapping_add(hi))
        })
    }
}

#[cfg(not(kiln_x86_sse2))]
pub use portable::*;

#[cfg(kiln_x86_sse2)]
pub use simd::*;

/// The instructions themselves.
#[cfg(kiln_x86_sse2)]
mod simd {
    use core::arch::x86_64::*;

    // SAFETY (every `unsafe` block below): this module is compiled only with the target feature
    // `sse2` enabled for the whole build (`cfg(kiln_x86_sse2)`), so each intrinsic's instruction
    // exists on every CPU the code can run on; and the loads and stores read or write exactly the
    // bytes of the array reference they are given, which are valid for that access (unaligned
    // forms: no alignment needed).

    /// Eight `i16` lanes (one XMM register).
    #[derive(Clone, Copy)]
    pub struct I16x8(__m128i);
    /// Four `i32` lanes (one XMM register).
    #[derive(Clone, Copy)]
    pub struct I32x4(__m128i);
    /// Two `i64` lanes (one XMM register).
    #[derive(Clone, Copy)]
    pub struct I64x2(__m128i);

    /// See [`super::portable::load_i64x2`].
    #[inline(always)]
    pub fn load_i64x2(a: &[i64; 2]) -> I64x2 {
        // SAFETY: see the module comment: `a` is 16 readable bytes, no alignment needed.
        I64x2(unsafe { _mm_loadu_si128(a.as_ptr().cast()) })
    }

    /// See [`super::portable::mul_round_high`]. PMULUDQ multiplies the even `u32` lanes into
    /// 64 bits, so the odd lanes are moved down first (PSHUFD). `x`'s sign as a 64-bit
    /// `−2^31` is its PSRAD-by-31 mask duplicated into both words of the lane and shifted left
    /// by 31. The four high words are gathered (SHUFPS, PSHUFD), and since PMULUDQ took `x`
    /// unsigned, `[x < 0] · m` is subtracted from each.
    #[inline(always)]
    pub fn mul_round_high(x: I32x4, m: I32x4, round_even: I64x2, round_odd: I64x2) -> I32x4 {
        // SAFETY: see the module comment (register only).
        unsafe {
            let (x, m) = (x.0, m.0);
            let sign = _mm_srai_epi32::<31>(x);
            let (x_odd, m_odd) = (_mm_shuffle_epi32::<0xf5>(x), _mm_shuffle_epi32::<0xf5>(m));
            let sign_even = _mm_slli_epi64::<31>(_mm_shuffle_epi32::<0xa0>(sign));
            let sign_odd = _mm_slli_epi64::<31>(_mm_shuffle_epi32::<0xf5>(sign));
            let even = _mm_add_epi64(_mm_add_epi64(_mm_mul_epu32(x, m), round_even.0), sign_even);
            let odd = _mm_add_epi64(_mm_add_epi64(_mm_mul_epu32(x_odd, m_odd), round_odd.0), sign_odd);
            // [even.hi0, even.hi1, odd.hi0, odd.hi1], then lanes in order 0, 1, 2, 3.
            let high = _mm_castps_si128(_mm_shuffle_ps::<0xdd>(_mm_castsi128_ps(even), _mm_castsi128_ps(odd)));
            let high = _mm_shuffle_epi32::<0xd8>(high);
            I32x4(_mm_sub_epi32(high, _mm_and_si128(sign, m)))
        }
    }

    /// See [`super::portable::shift_right`].
    #[inline(always)]
    pub fn shift_right(x: I32x4, s: [u32; 4]) -> I32x4 {
        // SAFETY: see the module comment (register only).
        I32x4(unsafe {
            let lane = |j: usize| {
                let mask = _mm_set_epi32(-i32::from(j == 3), -i32::from(j == 2), -i32::from(j == 1), -i32::from(j == 0));
                _mm_and_si128(_mm_sra_epi32(x.0, _mm_cvtsi32_si128(s[j] as i32)), mask)
            };
            _mm_or_si128(_mm_or_si128(lane(0), lane(1)), _mm_or_si128(lane(2), lane(3)))
        })
    }

    /// See [`super::portable::shift_right_all`].
    #[inline(always)]
    pub fn shift_right_all(x: I32x4, s: u32) -> I32x4 {
        // SAFETY: see the module comment (register only).
        I32x4(unsafe { _mm_sra_epi32(x.0, _mm_cvtsi32_si128(s as i32)) })
    }

    /// See [`super::portable::add_i32`].
    #[inline(always)]
    pub fn add_i32(a: I32x4, b: I32x4) -> I32x4 {
        // SAFETY: see the module comment (register only).
        I32x4(unsafe { _mm_add_epi32(a.0, b.0) })
    }

    /// See [`super::portable::narrow_clamp_i8`].
    #[inline(always)]
    pub fn narrow_clamp_i8(a: I32x4, b: I32x4, lo: I16x8, hi: I16x8) -> [u8; 8] {
        let mut out = [0u8; 8];
        // SAFETY: see the module comment: register only, then MOVQ writes exactly `out`'s 8
        // bytes (no alignment needed).
        unsafe {
            let v = _mm_min_epi16(_mm_max_epi16(_mm_packs_epi32(a.0, b.0), lo.0), hi.0);
            _mm_storel_epi64(out.as_mut_ptr().cast(), _mm_packs_epi16(v, v));
        }
        out
    }

    /// See [`super::portable::load_i32x4`].
    #[inline(always)]
    pub fn load_i32x4(a: &[i32; 4]) -> I32x4 {
        // SAFETY: see the module comment: `a` is 16 readable bytes, MOVDQU needs no alignment.
        I32x4(unsafe { _mm_loadu_si128(a.as_ptr().cast()) })
    }

    /// See [`super::portable::store_i32x4`].
    #[inline(always)]
    pub fn store_i32x4(v: I32x4) -> [i32; 4] {
        let mut a = [0i32; 4];
        // SAFETY: see the module comment: `a` is 16 writable bytes, no alignment needed.
        unsafe { _mm_storeu_si128(a.as_mut_ptr().cast(), v.0) };
        a
    }

    /// See [`super::portable::load_i16x8`].
    #[inline(always)]
    pub fn load_i16x8(a: &[u8; 16]) -> I16x8 {
        // SAFETY: see the module comment: `a` is 16 readable bytes, no alignment needed.
        I16x8(unsafe { _mm_loadu_si128(a.as_ptr().cast()) })
    }

    /// See [`super::portable::store_i16x8`].
    #[inline(always)]
    pub fn store_i16x8(v: I16x8) -> [i16; 8] {
        let mut a = [0i16; 8];
        // SAFETY: see the module comment: `a` is 16 writable bytes, no alignment needed.
        unsafe { _mm_storeu_si128(a.as_mut_ptr().cast(), v.0) };
        a
    }

    /// See [`super::portable::widen_i8x8`].
    #[inline(always)]
    pub fn widen_i8x8(a: &[u8; 8]) -> I16x8 {
        // SAFETY: see the module comment: MOVQ reads exactly `a`'s 8 bytes (no alignment
        // needed); the rest is register only.
        I16x8(unsafe {
            let x = _mm_loadl_epi64(a.as_ptr().cast());
            _mm_srai_epi16::<8>(_mm_unpacklo_epi8(x, x))
        })
    }

    /// See [`super::portable::splat_i16`].
    #[inline(always)]
    pub fn splat_i16(x: i16) -> I16x8 {
        // SAFETY: see the module comment (register only).
        I16x8(unsafe { _mm_set1_epi16(x) })
    }

    /// See [`super::portable::interleave_lo`].
    #[inline(always)]
    pub fn interleave_lo(a: I16x8, b: I16x8) -> I16x8 {
        // SAFETY: see the module comment (register only).
        I16x8(unsafe { _mm_unpacklo_epi16(a.0, b.0) })
    }

    /// See [`super::portable::interleave_hi`].
    #[inline(always)]
    pub fn interleave_hi(a: I16x8, b: I16x8) -> I16x8 {
        // SAFETY: see the module comment (register only).
        I16x8(unsafe { _mm_unpackhi_epi16(a.0, b.0) })
    }

    /// See [`super::portable::splat_pair`].
    #[inline(always)]
    pub fn splat_pair<const K: usize>(x: I16x8) -> I16x8 {
        // SAFETY: see the module comment (register only). `K` is a constant: one PSHUFD.
        I16x8(unsafe {
            match K % 4 {
                0 => _mm_shuffle_epi32::<0x00>(x.0),
                1 => _mm_shuffle_epi32::<0x55>(x.0),
                2 => _mm_shuffle_epi32::<0xaa>(x.0),
                _ => _mm_shuffle_epi32::<0xff>(x.0),
            }
        })
    }

    /// See [`super::portable::madd`].
    #[inline(always)]
    pub fn madd(acc: I32x4, a: I16x8, b: I16x8) -> I32x4 {
        // SAFETY: see the module comment (register only).
        I32x4(unsafe { _mm_add_epi32(acc.0, _mm_madd_epi16(a.0, b.0)) })
    }
}

#[cfg(test)]
mod tests {
    //! The twins against their definitions (these run under Miri), and in a build with
    //! `cfg(kiln_x86_sse2)` the instructions against the twins, on random and edge operands.
    use super::portable as p;
    use crate::fixed_point::testing::Rng;

    const EDGE: [i16; 8] = [0, 1, -1, 127, -128, 255, i16::MAX, i16::MIN];

    fn halves(rng: &mut Rng) -> [i16; 8] {
        core::array::from_fn(|_| if rng.bool() { EDGE[rng.usize(0, EDGE.len() - 1)] } else { rng.range(-32768, 32767) as i16 })
    }

    fn words(rng: &mut Rng) -> [i32; 4] {
        const EDGE32: [i32; 8] = [0, 1, -1, i32::MAX, i32::MIN, 1 << 30, -(1 << 30), 0x7f80_ff01];
        core::array::from_fn(|_| if rng.bool() { EDGE32[rng.usize(0, EDGE32.len() - 1)] } else { rng.edgy_i32() })
    }

    fn wide(rng: &mut Rng) -> [i64; 2] {
        core::array::from_fn(|_| (i64::from(rng.edgy_i32()) << 32) | i64::from(rng.edgy_i32() as u32))
    }

    fn bytes16(x: [i16; 8]) -> [u8; 16] {
        core::array::from_fn(|i| x[i / 2].to_le_bytes()[i % 2])
    }

    #[test]
    fn twins_match_the_definitions() {
        let mut rng = Rng::new(0x55e2);
        for _ in 0..if cfg!(miri) { 200 } else { 5_000 } {
            let (a, b) = (halves(&mut rng), halves(&mut rng));
            let acc: [i32; 4] = core::array::from_fn(|_| rng.edgy_i32());
            let m = p::madd(acc, a, b);
            for j in 0..4 {
                let want = i64::from(acc[j]) + i64::from(a[2 * j]) * i64::from(b[2 * j]) + i64::from(a[2 * j + 1]) * i64::from(b[2 * j + 1]);
                assert_eq!(m[j], want as i32, "madd lane {j}");
            }
            assert_eq!(p::load_i16x8(&bytes16(a)), a);
            let x8: [u8; 8] = core::array::from_fn(|j| a[j] as u8);
            assert_eq!(p::widen_i8x8(&x8), x8.map(|x| i16::from(x as i8)));
            let s = [p::splat_pair::<0>(a), p::splat_pair::<1>(a), p::splat_pair::<2>(a), p::splat_pair::<3>(a)];
            assert_eq!(p::splat_i16(a[3]), [a[3]; 8]);
            let (lo, hi) = (p::interleave_lo(a, b), p::interleave_hi(a, b));
            for j in 0..4 {
                assert_eq!([lo[2 * j], lo[2 * j + 1], hi[2 * j], hi[2 * j + 1]], [a[j], b[j], a[4 + j], b[4 + j]]);
            }
            for (k, s) in s.iter().enumerate() {
                assert_eq!(*s, [a[2 * k], a[2 * k + 1]].repeat(4)[..]);
            }
        }
        for _ in 0..if cfg!(miri) { 200 } else { 5_000 } {
            let (x, m) = (words(&mut rng), words(&mut rng));
            let (re, ro) = (wide(&mut rng), wide(&mut rng));
            let hi = p::mul_round_high(x, m, re, ro);
            for j in 0..4 {
                let round = if j % 2 == 0 { re[j / 2] } else { ro[j / 2] };
                let sign = if x[j] < 0 { -(1i128 << 31) } else { 0 };
                let full = i128::from(x[j]) * i128::from(m[j] as u32) + i128::from(round) + sign;
                assert_eq!(hi[j], (full as i64 >> 32) as i32, "mul_round_high lane {j}");
            }
            let s: [u32; 4] = core::array::from_fn(|j| if j < 3 { rng.range(0, 31) as u32 } else { [32, 40, 0][rng.usize(0, 2)] });
            let sh = p::shift_right(x, s);
            let all = p::shift_right_all(x, s[1]);
            let sum = p::add_i32(x, m);
            for j in 0..4 {
                let want = |s: u32| if s < 32 { x[j] >> s } else if x[j] < 0 { -1 } else { 0 };
                assert_eq!(sh[j], want(s[j]), "shift lane {j}");
                assert_eq!(all[j], want(s[1]), "shift_all lane {j}");
                assert_eq!(sum[j], x[j].wrapping_add(m[j]));
            }
            let (lo, hi16) = (halves(&mut rng), halves(&mut rng));
            let bytes = p::narrow_clamp_i8(x, m, lo, hi16);
            for j in 0..8 {
                let v = i64::from(if j < 4 { x[j] } else { m[j - 4] });
                let v = v.clamp(-32768, 32767).max(i64::from(lo[j])).min(i64::from(hi16[j])).clamp(-128, 127);
                assert_eq!(bytes[j], v as i8 as u8, "narrow lane {j}");
            }
        }
        // The one sum PMADDWD wraps.
        assert_eq!(p::madd([0; 4], [i16::MIN; 8], [i16::MIN; 8]), [i32::MIN; 4]);
    }

    /// The instructions against the twins (only in a build that has them).
    #[cfg(kiln_x86_sse2)]
    #[test]
    fn instructions_match_the_twins() {
        use super::simd as v;
        let mut rng = Rng::new(0x5e2e);
        for _ in 0..20_000 {
            let (a, b) = (halves(&mut rng), halves(&mut rng));
            let acc: [i32; 4] = core::array::from_fn(|_| rng.edgy_i32());
            let (va, vb) = (v::load_i16x8(&bytes16(a)), v::load_i16x8(&bytes16(b)));
            assert_eq!(v::store_i32x4(v::load_i32x4(&acc)), acc);
            assert_eq!(v::store_i32x4(v::madd(v::load_i32x4(&acc), va, vb)), p::madd(acc, a, b));
            assert_eq!(v::store_i16x8(va), p::store_i16x8(a));
            assert_eq!(v::store_i16x8(v::splat_pair::<0>(va)), p::splat_pair::<0>(a));
            assert_eq!(v::store_i16x8(v::splat_pair::<1>(va)), p::splat_pair::<1>(a));
            assert_eq!(v::store_i16x8(v::splat_pair::<2>(va)), p::splat_pair::<2>(a));
            assert_eq!(v::store_i16x8(v::splat_pair::<3>(va)), p::splat_pair::<3>(a));
            let x8: [u8; 8] = core::array::from_fn(|j| (a[j] >> (j % 9)) as u8);
            assert_eq!(v::store_i16x8(v::widen_i8x8(&x8)), p::widen_i8x8(&x8));
            assert_eq!(v::store_i16x8(v::splat_i16(b[5])), p::splat_i16(b[5]));
            assert_eq!(v::store_i16x8(v::interleave_lo(va, vb)), p::interleave_lo(a, b));
            assert_eq!(v::store_i16x8(v::interleave_hi(va, vb)), p::interleave_hi(a, b));
            let (x, m) = (words(&mut rng), words(&mut rng));
            let (re, ro) = (wide(&mut rng), wide(&mut rng));
            let (vx, vm) = (v::load_i32x4(&x), v::load_i32x4(&m));
            assert_eq!(
                v::store_i32x4(v::mul_round_high(vx, vm, v::load_i64x2(&re), v::load_i64x2(&ro))),
                p::mul_round_high(x, m, re, ro)
            );
            let s: [u32; 4] = core::array::from_fn(|j| if j < 3 { rng.range(0, 31) as u32 } else { [32, 40, 0][rng.usize(0, 2)] });
            assert_eq!(v::store_i32x4(v::shift_right(vx, s)), p::shift_right(x, s));
            assert_eq!(v::store_i32x4(v::shift_right_all(vx, s[2])), p::shift_right_all(x, s[2]));
            assert_eq!(v::store_i32x4(v::add_i32(vx, vm)), p::add_i32(x, m));
            assert_eq!(v::narrow_clamp_i8(vx, vm, va, vb), p::narrow_clamp_i8(x, m, a, b));
        }
    }
}
