//! x86-64 with AVX-512 VNNI: sixteen 4-byte dot products per instruction (VPDPBUSD) and the
//! 16-lane requantization around them (AVX-512F).
//!
//! A vector is 16 `i32` lanes ([`I32x16`]), 64 int8 bytes ([`I8x64`]) or 8 `i64` lanes
//! ([`I64x8`]). With `cfg(kiln_x86_vnni)` (`target_feature` `avx512f` and `avx512vnni`, see
//! [`super::X86_VNNI`]) each is one ZMM register and each function one instruction or a tiny
//! fixed sequence of them; elsewhere the [`portable`] twins (arrays, the same bits for every
//! operand) take their place, so the kernels built on them run and are tested everywhere.
//! Loads and stores go through array references: no pointer leaves this file.

/// Plain-Rust twins: exactly the bits of each instruction, for every operand.
pub mod portable {
    /// Sixteen `i32` lanes.
    pub type I32x16 = [i32; 16];
    /// Sixty-four int8 bytes (lane `j` of an [`I32x16`] is bytes `4j..4j + 4`).
    pub type I8x64 = [u8; 64];
    /// Eight `i64` lanes.
    pub type I64x8 = [i64; 8];

    /// The array as a vector (VMOVDQU32).
    #[inline(always)]
    pub fn load_i32x16(a: &[i32; 16]) -> I32x16 {
        *a
    }

    /// The lanes as an array (VMOVDQU32).
    #[inline(always)]
    pub fn store_i32x16(v: I32x16) -> [i32; 16] {
        v
    }

    /// The bytes as a vector (VMOVDQU8).
    #[inline(always)]
    pub fn load_i8x64(a: &[u8; 64]) -> I8x64 {
        *a
    }

    /// The array as a vector (VMOVDQU64).
    #[inline(always)]
    pub fn load_i64x8(a: &[i64; 8]) -> I64x8 {
        *a
    }

    /// `x` in every lane (VPBROADCASTD).
    #[inline(always)]
    pub fn splat_i32(x: i32) -> I32x16 {
        [x; 16]
    }

    /// VPDPBUSD: per lane, `acc + Σ u[k] · s[k]` over the lane's four bytes, `u` unsigned (the
    /// bytes of `a`), `s` signed (of `b`), wrapping (the instruction does not saturate).
    #[inline(always)]
    pub fn dpbusd(acc: I32x16, a: I32x16, b: I8x64) -> I32x16 {
        core::array::from_fn(|j| {
            let u = a[j].to_le_bytes();
            (0..4).fold(acc[j], |s, k| s.wrapping_add(i32::from(u[k]) * i32::from(b[4 * j + k] as i8)))
        })
    }

    /// VPMOVSXBD: the 16 bytes, each sign-extended to a lane.
    #[inline(always)]
    pub fn load_i8x16_widened(a: &[u8; 16]) -> I32x16 {
        a.map(|x| i32::from(x as i8))
    }

    /// VPDPWSSD: per lane, `acc + a.lo · b.lo + a.hi · b.hi` over the lane's two `i16` halves
    /// (`b`: bytes `4j..4j + 2` and `4j + 2..4j + 4`), wrapping (the instruction does not
    /// saturate).
    #[inline(always)]
    pub fn dpwssd(acc: I32x16, a: I32x16, b: I8x64) -> I32x16 {
        core::array::from_fn(|j| {
            let (a_lo, a_hi) = (i32::from(a[j] as i16), i32::from((a[j] >> 16) as i16));
            let b_lo = i32::from(i16::from_le_bytes([b[4 * j], b[4 * j + 1]]));
            let b_hi = i32::from(i16::from_le_bytes([b[4 * j + 2], b[4 * j + 3]]));
            // Each product fits in i32 ((−2^15)² = 2^30), their sum may not: wrap.
            acc[j].wrapping_add(a_lo * b_lo).wrapping_add(a_hi * b_hi)
        })
    }

    /// Per lane, the high word of `x · m + round + [x · m < 0] · (−2^31)` in 64 bits (wrapping),
    /// `round` for the even lanes in `round_even`, for the odd ones in `round_odd`: the
    /// multiply-and-round of [`crate::fixed_point::OutputScale::apply`] (VPMULDQ on the even
    /// and the odd lanes, VPCMPQ of each product with zero, VPADDQ, a masked VPSUBQ, a blend
    /// of the high words).
    ///
    /// The nudge follows the *product's* sign, which the instructions test directly (the
    /// argument's sign bit spread over 64 bits took five shifts and masks). For the output
    /// stage's multipliers it is `OutputScale::apply`'s result: `m > 0` has the sign of `x`,
    /// and `m = 0` leaves `round ± 2^31`, whose high word shifted right by `e − 1` is the zero
    /// point either way (`round / 2^(31+e)` is `zp + 1/2 + 2^(−1−e)`, less `2^(−e)` with the
    /// nudge: both floor to `zp` for `e ≥ 1`).
    #[inline(always)]
    pub fn mul_round_high(x: I32x16, m: I32x16, round_even: I64x8, round_odd: I64x8) -> I32x16 {
        core::array::from_fn(|j| {
            let round = if j % 2 == 0 { round_even[j / 2] } else { round_odd[j / 2] };
            let product = i64::from(x[j]) * i64::from(m[j]);
            let nudge = if product < 0 { -(1i64 << 31) } else { 0 };
            (product.wrapping_add(round).wrapping_add(nudge) >> 32) as i32
        })
    }

    /// VPSRAVD: per lane, `x >> s` arithmetic; a count above 31 gives the sign (0 or −1).
    #[inline(always)]
    pub fn shift_right(x: I32x16, s: I32x16) -> I32x16 {
        core::array::from_fn(|j| x[j] >> (s[j] as u32).min(31))
    }

    /// VPMAXSD then VPMINSD: per lane `x.max(lo).min(hi)` (TFLM's clamp order).
    #[inline(always)]
    pub fn clamp(x: I32x16, lo: I32x16, hi: I32x16) -> I32x16 {
        core::array::from_fn(|j| x[j].max(lo[j]).min(hi[j]))
    }

    /// VPMOVDB: the low byte of each lane.
    #[inline(always)]
    pub fn narrow_i8(x: I32x16) -> [u8; 16] {
        x.map(|v| v as u8)
    }
}

#[cfg(not(any(kiln_x86_vnni, kiln_x86_dispatch)))]
pub use portable::*;

#[cfg(any(kiln_x86_vnni, kiln_x86_dispatch))]
pub use vnni::*;

/// The instructions themselves.
#[cfg(any(kiln_x86_vnni, kiln_x86_dispatch))]
mod vnni {
    // SAFETY (every `unsafe` block below): this module is compiled either with the target
    // features `avx512f` and `avx512vnni` enabled for the whole build (`cfg(kiln_x86_vnni)`), so
    // each intrinsic's instruction exists on every CPU the code can run on; or
    // (`cfg(kiln_x86_dispatch)`, the `std` feature's start-up choice) with each function under
    // `#[target_feature(enable = "avx512f,avx512vnni")]`, which Rust lets safe code call only from
    // functions with the same features (the VNNI kernels, compiled so too); code without them
    // reaches those only through `super::super::dispatch`, after `is_x86_feature_detected!` found
    // both. The loads and stores read or write exactly the 64
    // (16) bytes of the array reference they are given, which are valid for that access
    // (unaligned forms: no alignment needed). Under `target_feature`, the register-only
    // intrinsics need no `unsafe` block: it is allowed unused.
    // Clippy counts a `#[target_feature]` function as `unsafe` (its callers without the
    // features need `unsafe`: the SAFETY note above is that section) and checks the intrinsics
    // against the workspace's minimum Rust (1.85), while `build.rs` sets `kiln_x86_dispatch`
    // only from 1.89 on, where they are stable.
    #![cfg_attr(kiln_x86_dispatch, allow(unused_unsafe, clippy::missing_safety_doc, clippy::incompatible_msrv))]

    use core::arch::x86_64::*;

    /// Sixteen `i32` lanes (one ZMM register).
    #[derive(Clone, Copy)]
    pub struct I32x16(__m512i);
    /// Sixty-four int8 bytes.
    #[derive(Clone, Copy)]
    pub struct I8x64(__m512i);
    /// Eight `i64` lanes.
    #[derive(Clone, Copy)]
    pub struct I64x8(__m512i);

    /// See [`super::portable::load_i32x16`].
    #[cfg_attr(not(kiln_x86_dispatch), inline(always))]
    #[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
    pub fn load_i32x16(a: &[i32; 16]) -> I32x16 {
        // SAFETY: see the module comment: `a` is 64 readable bytes, VMOVDQU32 needs no alignment.
        I32x16(unsafe { _mm512_loadu_si512(a.as_ptr().cast()) })
    }

    /// See [`super::portable::store_i32x16`].
    #[cfg_attr(not(kiln_x86_dispatch), inline(always))]
    #[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
    pub fn store_i32x16(v: I32x16) -> [i32; 16] {
        let mut a = [0i32; 16];
        // SAFETY: see the module comment: `a` is 64 writable bytes, no alignment needed.
        unsafe { _mm512_storeu_si512(a.as_mut_ptr().cast(), v.0) };
        a
    }

    /// See [`super::portable::load_i8x64`].
    #[cfg_attr(not(kiln_x86_dispatch), inline(always))]
    #[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
    pub fn load_i8x64(a: &[u8; 64]) -> I8x64 {
        // SAFETY: see the module comment: `a` is 64 readable bytes, no alignment needed.
        I8x64(unsafe { _mm512_loadu_si512(a.as_ptr().cast()) })
    }

    /// See [`super::portable::load_i64x8`].
    #[cfg_attr(not(kiln_x86_dispatch), inline(always))]
    #[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
    pub fn load_i64x8(a: &[i64; 8]) -> I64x8 {
        // SAFETY: see the module comment: `a` is 64 readable bytes, no alignment needed.
        I64x8(unsafe { _mm512_loadu_si512(a.as_ptr().cast()) })
    }

    /// See [`super::portable::splat_i32`].
    #[cfg_attr(not(kiln_x86_dispatch), inline(always))]
    #[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
    pub fn splat_i32(x: i32) -> I32x16 {
        // SAFETY: see the module comment (AVX-512F, register only).
        I32x16(unsafe { _mm512_set1_epi32(x) })
    }

    /// See [`super::portable::dpbusd`].
    #[cfg_attr(not(kiln_x86_dispatch), inline(always))]
    #[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
    pub fn dpbusd(acc: I32x16, a: I32x16, b: I8x64) -> I32x16 {
        // SAFETY: see the module comment (AVX-512 VNNI, register only).
        I32x16(unsafe { _mm512_dpbusd_epi32(acc.0, a.0, b.0) })
    }

    /// See [`super::portable::load_i8x16_widened`].
    #[cfg_attr(not(kiln_x86_dispatch), inline(always))]
    #[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
    pub fn load_i8x16_widened(a: &[u8; 16]) -> I32x16 {
        // SAFETY: see the module comment: `a` is 16 readable bytes, no alignment needed.
        I32x16(unsafe { _mm512_cvtepi8_epi32(_mm_loadu_si128(a.as_ptr().cast())) })
    }

    /// See [`super::portable::dpwssd`].
    #[cfg_attr(not(kiln_x86_dispatch), inline(always))]
    #[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
    pub fn dpwssd(acc: I32x16, a: I32x16, b: I8x64) -> I32x16 {
        // SAFETY: see the module comment (AVX-512 VNNI, register only).
        I32x16(unsafe { _mm512_dpwssd_epi32(acc.0, a.0, b.0) })
    }

    /// See [`super::portable::mul_round_high`]: VPMULDQ takes the low (even) `i32` of each
    /// 64-bit lane, so the odd lanes are shifted down first; VPCMPQ marks the negative
    /// products and a masked VPSUBQ takes 2^31 off those sums; the even lanes' high words are
    /// shifted down and the odd lanes' left in place, then blended.
    #[cfg_attr(not(kiln_x86_dispatch), inline(always))]
    #[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
    pub fn mul_round_high(x: I32x16, m: I32x16, round_even: I64x8, round_odd: I64x8) -> I32x16 {
        // SAFETY: see the module comment (AVX-512F, register only).
        unsafe {
            let (x, m) = (x.0, m.0);
            let (x_odd, m_odd) = (_mm512_srli_epi64::<32>(x), _mm512_srli_epi64::<32>(m));
            let (nudge, zero) = (_mm512_set1_epi64(1 << 31), _mm512_setzero_si512());
            let (even, odd) = (_mm512_mul_epi32(x, m), _mm512_mul_epi32(x_odd, m_odd));
            let (neg_even, neg_odd) = (_mm512_cmplt_epi64_mask(even, zero), _mm512_cmplt_epi64_mask(odd, zero));
            let (even, odd) = (_mm512_add_epi64(even, round_even.0), _mm512_add_epi64(odd, round_odd.0));
            let even = _mm512_mask_sub_epi64(even, neg_even, even, nudge);
            let odd = _mm512_mask_sub_epi64(odd, neg_odd, odd, nudge);
            I32x16(_mm512_mask_blend_epi32(0xaaaa, _mm512_srli_epi64::<32>(even), odd))
        }
    }

    /// See [`super::portable::shift_right`].
    #[cfg_attr(not(kiln_x86_dispatch), inline(always))]
    #[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
    pub fn shift_right(x: I32x16, s: I32x16) -> I32x16 {
        // SAFETY: see the module comment (AVX-512F, register only).
        I32x16(unsafe { _mm512_srav_epi32(x.0, s.0) })
    }

    /// See [`super::portable::clamp`].
    #[cfg_attr(not(kiln_x86_dispatch), inline(always))]
    #[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
    pub fn clamp(x: I32x16, lo: I32x16, hi: I32x16) -> I32x16 {
        // SAFETY: see the module comment (AVX-512F, register only).
        I32x16(unsafe { _mm512_min_epi32(_mm512_max_epi32(x.0, lo.0), hi.0) })
    }

    /// See [`super::portable::narrow_i8`].
    #[cfg_attr(not(kiln_x86_dispatch), inline(always))]
    #[cfg_attr(kiln_x86_dispatch, inline, target_feature(enable = "avx512f,avx512vnni"))]
    pub fn narrow_i8(x: I32x16) -> [u8; 16] {
        let mut a = [0u8; 16];
        // SAFETY: see the module comment: VPMOVDB to a register, then `a`'s 16 writable bytes
        // (unaligned store).
        unsafe { _mm_storeu_si128(a.as_mut_ptr().cast(), _mm512_cvtepi32_epi8(x.0)) };
        a
    }
}

#[cfg(test)]
mod tests {
    //! The twins against their definitions, lane by lane (these run under Miri), and in a build
    //! with `cfg(kiln_x86_vnni)` the instructions against the twins, on random and edge operands.
    #[cfg(kiln_x86_dispatch)]
    extern crate std;
    use super::portable as p;
    use crate::fixed_point::testing::Rng;

    const EDGE: [i32; 10] = [0, 1, -1, 127, -128, 255, i32::MAX, i32::MIN, 0x7f80_ff01, -0x0100_0000];

    fn lanes(rng: &mut Rng) -> [i32; 16] {
        core::array::from_fn(|_| if rng.bool() { EDGE[rng.usize(0, EDGE.len() - 1)] } else { rng.edgy_i32() })
    }

    fn wide(rng: &mut Rng) -> [i64; 8] {
        core::array::from_fn(|_| (i64::from(rng.edgy_i32()) << 32) | i64::from(rng.edgy_i32() as u32))
    }

    #[test]
    fn twins_match_the_definitions() {
        let mut rng = Rng::new(0x512);
        for _ in 0..if cfg!(miri) { 200 } else { 5_000 } {
            let (acc, a, x, m) = (lanes(&mut rng), lanes(&mut rng), lanes(&mut rng), lanes(&mut rng));
            let b: [u8; 64] = core::array::from_fn(|_| rng.range(0, 255) as u8);
            let (re, ro) = (wide(&mut rng), wide(&mut rng));
            let dp = p::dpbusd(acc, a, b);
            let dw = p::dpwssd(acc, a, b);
            let x16: [u8; 16] = core::array::from_fn(|j| b[j]);
            let wide = p::load_i8x16_widened(&x16);
            let hi = p::mul_round_high(x, m, re, ro);
            for j in 0..16 {
                let mut want = i64::from(acc[j]);
                for k in 0..4 {
                    want += i64::from((a[j] as u32 >> (8 * k)) as u8) * i64::from(b[4 * j + k] as i8);
                }
                assert_eq!(dp[j], want as i32, "dpbusd lane {j}");
                let half = |v: i32, k: u32| i64::from((v as u32 >> (16 * k)) as u16 as i16);
                let bh = |k: usize| i64::from(i16::from_le_bytes([b[4 * j + 2 * k], b[4 * j + 2 * k + 1]]));
                let want = i64::from(acc[j]) + half(a[j], 0) * bh(0) + half(a[j], 1) * bh(1);
                assert_eq!(dw[j], want as i32, "dpwssd lane {j}");
                assert_eq!(wide[j], i32::from(b[j] as i8));
                let round = if j % 2 == 0 { re[j / 2] } else { ro[j / 2] };
                let sign = if i64::from(x[j]) * i64::from(m[j]) < 0 { -(1i128 << 31) } else { 0 };
                let full = i128::from(x[j]) * i128::from(m[j]) + i128::from(round) + sign;
                assert_eq!(hi[j], (full as i64 >> 32) as i32, "mul_round_high lane {j}");
            }
            let s: [i32; 16] = core::array::from_fn(|j| if j < 12 { rng.range(0, 31) as i32 } else { EDGE[j - 6] });
            let sh = p::shift_right(x, s);
            let cl = p::clamp(x, a, m);
            let nb = p::narrow_i8(x);
            for j in 0..16 {
                let want = if (0..32).contains(&s[j]) { x[j] >> s[j] } else if x[j] < 0 { -1 } else { 0 };
                assert_eq!(sh[j], want, "shift lane {j}");
                assert_eq!(cl[j], x[j].max(a[j]).min(m[j]));
                assert_eq!(nb[j], x[j] as u8);
            }
        }
    }

    /// The instructions against the twins (only in a build that has them: with them enabled
    /// for the whole build, or with the `std` feature's start-up choice on a CPU that has them;
    /// one that does not fails here, loudly).
    #[cfg(any(kiln_x86_vnni, kiln_x86_dispatch))]
    #[test]
    fn instructions_match_the_twins() {
        #[cfg(kiln_x86_dispatch)]
        {
            let found = std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vnni");
            assert!(found, "this CPU has no AVX-512 VNNI: the `std` build's VNNI wrappers cannot be tested");
            // SAFETY: the two target features `compare` is compiled with were found above.
            unsafe { compare() };
        }
        #[cfg(not(kiln_x86_dispatch))]
        compare();
    }

    /// [`instructions_match_the_twins`]' comparison, under the wrappers' target features.
    #[cfg(any(kiln_x86_vnni, kiln_x86_dispatch))]
    #[cfg_attr(kiln_x86_dispatch, target_feature(enable = "avx512f,avx512vnni"))]
    fn compare() {
        use super::vnni as v;
        let mut rng = Rng::new(0xf00d);
        for _ in 0..20_000 {
            let (acc, a, x, m) = (lanes(&mut rng), lanes(&mut rng), lanes(&mut rng), lanes(&mut rng));
            let b: [u8; 64] = core::array::from_fn(|_| rng.range(0, 255) as u8);
            let (re, ro) = (wide(&mut rng), wide(&mut rng));
            let s: [i32; 16] = core::array::from_fn(|j| if j < 12 { rng.range(0, 31) as i32 } else { EDGE[j - 6] });
            let ld = |x: &[i32; 16]| v::load_i32x16(x);
            assert_eq!(v::store_i32x16(ld(&x)), p::store_i32x16(p::load_i32x16(&x)));
            assert_eq!(v::store_i32x16(v::splat_i32(x[3])), p::splat_i32(x[3]));
            assert_eq!(
                v::store_i32x16(v::dpbusd(ld(&acc), ld(&a), v::load_i8x64(&b))),
                p::dpbusd(acc, a, p::load_i8x64(&b))
            );
            assert_eq!(
                v::store_i32x16(v::mul_round_high(ld(&x), ld(&m), v::load_i64x8(&re), v::load_i64x8(&ro))),
                p::mul_round_high(x, m, re, ro)
            );
            assert_eq!(v::store_i32x16(v::dpwssd(ld(&acc), ld(&a), v::load_i8x64(&b))), p::dpwssd(acc, a, p::load_i8x64(&b)));
            let x16: [u8; 16] = core::array::from_fn(|j| b[j + 7]);
            assert_eq!(v::store_i32x16(v::load_i8x16_widened(&x16)), p::load_i8x16_widened(&x16));
            assert_eq!(v::store_i32x16(v::shift_right(ld(&x), ld(&s))), p::shift_right(x, s));
            assert_eq!(v::store_i32x16(v::clamp(ld(&x), ld(&a), ld(&m))), p::clamp(x, a, m));
            assert_eq!(v::narrow_i8(ld(&x)), p::narrow_i8(x));
        }
    }
}
