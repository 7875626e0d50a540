//! AArch64 Advanced SIMD (NEON) and its optional dot product (SDOT): the int8 multiply-adds of
//! the matrix-product and depthwise kernels, and TFLM's requantization four lanes at a time.
//!
//! A vector is four `i32` lanes ([`I32x4`]), eight `i16` lanes ([`I16x8`]) or sixteen int8 bytes
//! ([`I8x16`]). With `cfg(kiln_aarch64_neon)` (AArch64 with the target feature `neon`, see
//! [`super::AARCH64_NEON`]) each is one 128-bit register and each function one instruction or a
//! tiny fixed sequence of them, through `core::arch::aarch64` intrinsics; SDOT, whose intrinsic
//! is unstable on Rust 1.95, is one `asm!` instruction, and only with `cfg(kiln_aarch64_dotprod)`
//! (elsewhere it is computed from its twin, for the tests). Without NEON the [`portable`] twins
//! (arrays, the same bits for every operand) take their place, so the kernels built on them run
//! and are tested everywhere. Loads and stores go through array references: no pointer leaves
//! this file.

/// Plain-Rust twins: exactly the bits of each instruction, for every operand.
pub mod portable {
    /// Four `i32` lanes.
    pub type I32x4 = [i32; 4];
    /// Eight `i16` lanes.
    pub type I16x8 = [i16; 8];
    /// Sixteen int8 bytes (lane `j` of an [`I32x4`] is bytes `4j..4j + 4`).
    pub type I8x16 = [i8; 16];

    /// The bytes as a vector (LD1 {V.16B}).
    #[inline(always)]
    pub fn load_i8x16(a: &[u8; 16]) -> I8x16 {
        a.map(|x| x as i8)
    }

    /// `x` in every byte (DUP V.16B).
    #[inline(always)]
    pub fn splat_i8(x: i8) -> I8x16 {
        [x; 16]
    }

    /// The array as a vector (LD1 {V.4S}).
    #[inline(always)]
    pub fn load_i32x4(a: &[i32; 4]) -> I32x4 {
        *a
    }

    /// The lanes as an array (ST1 {V.4S}).
    #[inline(always)]
    pub fn store_i32x4(v: I32x4) -> [i32; 4] {
        v
    }

    /// `x` in every lane (DUP V.4S).
    #[inline(always)]
    pub fn splat_i32(x: i32) -> I32x4 {
        [x; 4]
    }

    /// `DUP V.4S, V.S[L]`: the 4-byte word `L` of `x` (bytes `4L..4L + 4`) in every word.
    #[inline(always)]
    pub fn dup_word<const L: i32>(x: I8x16) -> I8x16 {
        let l = (L & 3) as usize;
        core::array::from_fn(|i| x[4 * l + i % 4])
    }

    /// SMULL: the products of the low eight bytes, as `i16` (every product of two int8 fits).
    #[inline(always)]
    pub fn smull_low(a: I8x16, b: I8x16) -> I16x8 {
        core::array::from_fn(|i| i16::from(a[i]) * i16::from(b[i]))
    }

    /// SMULL2: the products of the high eight bytes, as `i16`.
    #[inline(always)]
    pub fn smull_high(a: I8x16, b: I8x16) -> I16x8 {
        core::array::from_fn(|i| i16::from(a[8 + i]) * i16::from(b[8 + i]))
    }

    /// SMLAL: per lane `acc + a[i] · b[i]` over the low eight bytes, in `i16`, wrapping (the
    /// kernels use it only where the sum cannot wrap: see `ops::gemm_neon::SmullPairs`).
    #[inline(always)]
    pub fn smlal_low(acc: I16x8, a: I8x16, b: I8x16) -> I16x8 {
        core::array::from_fn(|i| acc[i].wrapping_add(i16::from(a[i]) * i16::from(b[i])))
    }

    /// SMLAL2: per lane `acc + a[8 + i] · b[8 + i]` (the high eight bytes), in `i16`, wrapping.
    #[inline(always)]
    pub fn smlal_high(acc: I16x8, a: I8x16, b: I8x16) -> I16x8 {
        core::array::from_fn(|i| acc[i].wrapping_add(i16::from(a[8 + i]) * i16::from(b[8 + i])))
    }

    /// SADALP: per lane `acc + x[2j] + x[2j + 1]`, the pair widened to `i32` (no overflow), the
    /// add wrapping.
    #[inline(always)]
    pub fn sadalp(acc: I32x4, x: I16x8) -> I32x4 {
        core::array::from_fn(|j| acc[j].wrapping_add(i32::from(x[2 * j]) + i32::from(x[2 * j + 1])))
    }

    /// SADDW: per lane `acc + x[j]` (the low four `i16`, widened), wrapping.
    #[inline(always)]
    pub fn saddw_low(acc: I32x4, x: I16x8) -> I32x4 {
        core::array::from_fn(|j| acc[j].wrapping_add(i32::from(x[j])))
    }

    /// SADDW2: per lane `acc + x[4 + j]` (the high four `i16`, widened), wrapping.
    #[inline(always)]
    pub fn saddw_high(acc: I32x4, x: I16x8) -> I32x4 {
        core::array::from_fn(|j| acc[j].wrapping_add(i32::from(x[4 + j])))
    }

    /// ADDP V.4S: `[a0 + a1, a2 + a3, b0 + b1, b2 + b3]`, wrapping.
    #[inline(always)]
    pub fn addp(a: I32x4, b: I32x4) -> I32x4 {
        [a[0].wrapping_add(a[1]), a[2].wrapping_add(a[3]), b[0].wrapping_add(b[1]), b[2].wrapping_add(b[3])]
    }

    /// `SDOT V.4S, V.16B, V.4B[L]`: per lane `acc + Σ a[4j + k] · b[4L + k]` over `k < 4`, signed
    /// by signed, wrapping (the instruction does not saturate).
    #[inline(always)]
    pub fn sdot_lane<const L: i32>(acc: I32x4, a: I8x16, b: I8x16) -> I32x4 {
        let l = (L & 3) as usize;
        core::array::from_fn(|j| (0..4).fold(acc[j], |s, k| s.wrapping_add(i32::from(a[4 * j + k]) * i32::from(b[4 * l + k]))))
    }

    /// SQRDMULH: per lane the high word of `2 · a · b + 2^31` (gemmlowp's
    /// `SaturatingRoundingDoublingHighMul`), `i32::MAX` for `i32::MIN · i32::MIN`.
    #[inline(always)]
    pub fn sqrdmulh(a: I32x4, b: I32x4) -> I32x4 {
        core::array::from_fn(|j| {
            let p = (2 * i128::from(a[j]) * i128::from(b[j]) + (1 << 31)) >> 32;
            p.min(i128::from(i32::MAX)) as i32
        })
    }

    /// SSHL: per lane `x` shifted by the signed low byte `n` of `s`: left (bits above 32 lost,
    /// so 0 from 32 on) for `n ≥ 0`, else right by `−n`, arithmetic (the sign from 31 on).
    #[inline(always)]
    pub fn sshl(x: I32x4, s: I32x4) -> I32x4 {
        core::array::from_fn(|j| {
            let n = i32::from(s[j] as i8);
            if n >= 0 {
                (i128::from(x[j]) << n) as i32
            } else {
                x[j] >> (-n).min(31)
            }
        })
    }

    /// SRSHL: per lane `x` shifted by the signed low byte `n` of `s`: left (bits above 32 lost)
    /// for `n ≥ 0`, else right by `−n` rounding half up (`(x + 2^(−n−1)) >> −n`, exactly).
    #[inline(always)]
    pub fn srshl(x: I32x4, s: I32x4) -> I32x4 {
        core::array::from_fn(|j| {
            let n = i32::from(s[j] as i8);
            if n >= 0 {
                (i128::from(x[j]) << n) as i32
            } else {
                // Right shifts of more than 33 bits give 0 for every i32 (as do 33 and 32,
                // except that (x + 2^31) >> 32 is 0 too): cap them where i128 is exact.
                let r = (-n).min(64);
                ((i128::from(x[j]) + (1i128 << (r - 1))) >> r) as i32
            }
        })
    }

    /// AND, SSHR #31, SQADD, SRSHL: per lane `x / 2^e` rounded to nearest, ties away from zero
    /// (gemmlowp's `RoundingDivideByPOT`), for `neg_e = −e`: the sign of `x` where `e > 0` (`x &
    /// neg_e` has the sign bit of both) is added to `x`, saturating, then SRSHL rounds half up.
    #[inline(always)]
    pub fn rounding_divide_by_pot(x: I32x4, neg_e: I32x4) -> I32x4 {
        let fixed: I32x4 = core::array::from_fn(|j| x[j].saturating_add((x[j] & neg_e[j]) >> 31));
        srshl(fixed, neg_e)
    }

    /// ADD V.4S: per lane `a + b`, wrapping.
    #[inline(always)]
    pub fn add(a: I32x4, b: I32x4) -> I32x4 {
        core::array::from_fn(|j| a[j].wrapping_add(b[j]))
    }

    /// SMAX then SMIN: per lane `x.max(lo).min(hi)` (TFLM's clamp order).
    #[inline(always)]
    pub fn clamp(x: I32x4, lo: I32x4, hi: I32x4) -> I32x4 {
        core::array::from_fn(|j| x[j].max(lo[j]).min(hi[j]))
    }

    /// XTN, XTN2 (twice each), then XTN, XTN2 of those: the low byte of each lane of `a`, `b`,
    /// `c`, `d` in turn.
    #[inline(always)]
    pub fn narrow_i8(a: I32x4, b: I32x4, c: I32x4, d: I32x4) -> [u8; 16] {
        core::array::from_fn(|i| [a, b, c, d][i / 4][i % 4] as u8)
    }
}

#[cfg(not(kiln_aarch64_neon))]
pub use portable::*;

#[cfg(kiln_aarch64_neon)]
pub use neon::*;

/// The instructions themselves.
#[cfg(kiln_aarch64_neon)]
mod neon {
    use core::arch::aarch64::*;

    // SAFETY (every `unsafe` block below): this module is compiled only with the target feature
    // `neon` enabled for the whole build (`cfg(kiln_aarch64_neon)`), so each intrinsic's
    // instruction exists on every CPU the code can run on (SDOT: only with `dotprod` enabled for
    // the whole build, `cfg(kiln_aarch64_dotprod)`); the register-only ones touch no memory, and
    // the loads and stores read or write exactly the 16 bytes of the array reference they are
    // given, which are valid for that access (LD1/ST1 need no alignment).

    /// Four `i32` lanes (one 128-bit register).
    #[derive(Clone, Copy)]
    pub struct I32x4(int32x4_t);
    /// Eight `i16` lanes.
    #[derive(Clone, Copy)]
    pub struct I16x8(int16x8_t);
    /// Sixteen int8 bytes.
    #[derive(Clone, Copy)]
    pub struct I8x16(int8x16_t);

    /// See [`super::portable::load_i8x16`].
    #[inline(always)]
    pub fn load_i8x16(a: &[u8; 16]) -> I8x16 {
        // SAFETY: see the module comment: `a` is 16 readable bytes.
        I8x16(unsafe { vld1q_s8(a.as_ptr().cast()) })
    }

    /// See [`super::portable::splat_i8`].
    #[inline(always)]
    pub fn splat_i8(x: i8) -> I8x16 {
        // SAFETY: see the module comment (NEON, register only).
        I8x16(unsafe { vdupq_n_s8(x) })
    }

    /// See [`super::portable::load_i32x4`].
    #[inline(always)]
    pub fn load_i32x4(a: &[i32; 4]) -> I32x4 {
        // SAFETY: see the module comment: `a` is 16 readable bytes.
        I32x4(unsafe { vld1q_s32(a.as_ptr()) })
    }

    /// See [`super::portable::store_i32x4`].
    #[inline(always)]
    pub fn store_i32x4(v: I32x4) -> [i32; 4] {
        let mut a = [0i32; 4];
        // SAFETY: see the module comment: `a` is 16 writable bytes.
        unsafe { vst1q_s32(a.as_mut_ptr(), v.0) };
        a
    }

    /// See [`super::portable::splat_i32`].
    #[inline(always)]
    pub fn splat_i32(x: i32) -> I32x4 {
        // SAFETY: see the module comment (NEON, register only).
        I32x4(unsafe { vdupq_n_s32(x) })
    }

    /// See [`super::portable::dup_word`].
    #[inline(always)]
    pub fn dup_word<const L: i32>(x: I8x16) -> I8x16 {
        // SAFETY: see the module comment (NEON, register only; the lane is checked at compile
        // time by the intrinsic).
        I8x16(unsafe { vreinterpretq_s8_s32(vdupq_laneq_s32::<L>(vreinterpretq_s32_s8(x.0))) })
    }

    /// See [`super::portable::smull_low`].
    #[inline(always)]
    pub fn smull_low(a: I8x16, b: I8x16) -> I16x8 {
        // SAFETY: see the module comment (NEON, register only).
        I16x8(unsafe { vmull_s8(vget_low_s8(a.0), vget_low_s8(b.0)) })
    }

    /// See [`super::portable::smull_high`].
    #[inline(always)]
    pub fn smull_high(a: I8x16, b: I8x16) -> I16x8 {
        // SAFETY: see the module comment (NEON, register only).
        I16x8(unsafe { vmull_high_s8(a.0, b.0) })
    }

    /// See [`super::portable::smlal_low`].
    #[inline(always)]
    pub fn smlal_low(acc: I16x8, a: I8x16, b: I8x16) -> I16x8 {
        // SAFETY: see the module comment (NEON, register only).
        I16x8(unsafe { vmlal_s8(acc.0, vget_low_s8(a.0), vget_low_s8(b.0)) })
    }

    /// See [`super::portable::smlal_high`].
    #[inline(always)]
    pub fn smlal_high(acc: I16x8, a: I8x16, b: I8x16) -> I16x8 {
        // SAFETY: see the module comment (NEON, register only).
        I16x8(unsafe { vmlal_high_s8(acc.0, a.0, b.0) })
    }

    /// See [`super::portable::sadalp`].
    #[inline(always)]
    pub fn sadalp(acc: I32x4, x: I16x8) -> I32x4 {
        // SAFETY: see the module comment (NEON, register only).
        I32x4(unsafe { vpadalq_s16(acc.0, x.0) })
    }

    /// See [`super::portable::saddw_low`].
    #[inline(always)]
    pub fn saddw_low(acc: I32x4, x: I16x8) -> I32x4 {
        // SAFETY: see the module comment (NEON, register only).
        I32x4(unsafe { vaddw_s16(acc.0, vget_low_s16(x.0)) })
    }

    /// See [`super::portable::saddw_high`].
    #[inline(always)]
    pub fn saddw_high(acc: I32x4, x: I16x8) -> I32x4 {
        // SAFETY: see the module comment (NEON, register only).
        I32x4(unsafe { vaddw_high_s16(acc.0, x.0) })
    }

    /// See [`super::portable::addp`].
    #[inline(always)]
    pub fn addp(a: I32x4, b: I32x4) -> I32x4 {
        // SAFETY: see the module comment (NEON, register only).
        I32x4(unsafe { vpaddq_s32(a.0, b.0) })
    }

    /// See [`super::portable::sdot_lane`]: one SDOT (by element) in `asm!` (`vdotq_laneq_s32` is
    /// unstable on Rust 1.95).
    #[cfg(kiln_aarch64_dotprod)]
    #[inline(always)]
    pub fn sdot_lane<const L: i32>(acc: I32x4, a: I8x16, b: I8x16) -> I32x4 {
        let mut acc = acc.0;
        // SAFETY: see the module comment: `dotprod` is enabled for the whole build; SDOT reads
        // and writes only the three registers named (no memory, no stack, no flags), and `L` is
        // masked to the four valid lanes.
        unsafe {
            core::arch::asm!(
                "sdot {acc:v}.4s, {a:v}.16b, {b:v}.4b[{l}]",
                acc = inout(vreg) acc,
                a = in(vreg) a.0,
                b = in(vreg) b.0,
                l = const L & 3,
                options(pure, nomem, nostack, preserves_flags),
            );
        }
        I32x4(acc)
    }

    /// See [`super::portable::sdot_lane`]: without `dotprod`, through the twin (only the tests
    /// call it in such a build: the kernels take SMULL/SMLAL/SADALP there).
    #[cfg(not(kiln_aarch64_dotprod))]
    #[inline(always)]
    pub fn sdot_lane<const L: i32>(acc: I32x4, a: I8x16, b: I8x16) -> I32x4 {
        let bytes = |v: I8x16| {
            let mut a = [0u8; 16];
            // SAFETY: see the module comment: `a` is 16 writable bytes.
            unsafe { vst1q_s8(a.as_mut_ptr().cast(), v.0) };
            a
        };
        let r = super::portable::sdot_lane::<L>(store_i32x4(acc), super::portable::load_i8x16(&bytes(a)), super::portable::load_i8x16(&bytes(b)));
        load_i32x4(&r)
    }

    /// See [`super::portable::sqrdmulh`].
    #[inline(always)]
    pub fn sqrdmulh(a: I32x4, b: I32x4) -> I32x4 {
        // SAFETY: see the module comment (NEON, register only).
        I32x4(unsafe { vqrdmulhq_s32(a.0, b.0) })
    }

    /// See [`super::portable::sshl`].
    #[inline(always)]
    pub fn sshl(x: I32x4, s: I32x4) -> I32x4 {
        // SAFETY: see the module comment (NEON, register only).
        I32x4(unsafe { vshlq_s32(x.0, s.0) })
    }

    /// See [`super::portable::srshl`].
    #[inline(always)]
    pub fn srshl(x: I32x4, s: I32x4) -> I32x4 {
        // SAFETY: see the module comment (NEON, register only).
        I32x4(unsafe { vrshlq_s32(x.0, s.0) })
    }

    /// See [`super::portable::rounding_divide_by_pot`].
    #[inline(always)]
    pub fn rounding_divide_by_pot(x: I32x4, neg_e: I32x4) -> I32x4 {
        // SAFETY: see the module comment (NEON, register only).
        I32x4(unsafe {
            let fixup = vshrq_n_s32::<31>(vandq_s32(x.0, neg_e.0));
            vrshlq_s32(vqaddq_s32(x.0, fixup), neg_e.0)
        })
    }

    /// See [`super::portable::add`].
    #[inline(always)]
    pub fn add(a: I32x4, b: I32x4) -> I32x4 {
        // SAFETY: see the module comment (NEON, register only).
        I32x4(unsafe { vaddq_s32(a.0, b.0) })
    }

    /// See [`super::portable::clamp`].
    #[inline(always)]
    pub fn clamp(x: I32x4, lo: I32x4, hi: I32x4) -> I32x4 {
        // SAFETY: see the module comment (NEON, register only).
        I32x4(unsafe { vminq_s32(vmaxq_s32(x.0, lo.0), hi.0) })
    }

    /// See [`super::portable::narrow_i8`].
    #[inline(always)]
    pub fn narrow_i8(a: I32x4, b: I32x4, c: I32x4, d: I32x4) -> [u8; 16] {
        let mut out = [0u8; 16];
        // SAFETY: see the module comment: register-only narrowing, then `out`'s 16 writable
        // bytes.
        unsafe {
            let ab = vmovn_high_s32(vmovn_s32(a.0), b.0);
            let cd = vmovn_high_s32(vmovn_s32(c.0), d.0);
            vst1q_s8(out.as_mut_ptr().cast(), vmovn_high_s16(vmovn_s16(ab), cd));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    //! The twins against their definitions, lane by lane (these run under Miri), and in a build
    //! with `cfg(kiln_aarch64_neon)` the instructions against the twins, on random and edge
    //! operands.
    use super::portable as p;
    use crate::fixed_point::testing::Rng;
    use crate::fixed_point::{rounding_divide_by_pot, saturating_rounding_doubling_high_mul};

    const EDGE: [i32; 10] = [0, 1, -1, 127, -128, 255, i32::MAX, i32::MIN, 0x7f80_ff01, -0x0100_0000];

    fn lanes(rng: &mut Rng) -> [i32; 4] {
        core::array::from_fn(|_| if rng.bool() { EDGE[rng.usize(0, EDGE.len() - 1)] } else { rng.edgy_i32() })
    }

    fn bytes(rng: &mut Rng) -> [u8; 16] {
        core::array::from_fn(|_| match rng.usize(0, 5) {
            0 => 0x80,
            1 => 0x7f,
            _ => rng.range(0, 255) as u8,
        })
    }

    /// Shift counts: mostly TFLM's right shifts (`−31..=0`), some any byte.
    fn shifts(rng: &mut Rng) -> [i32; 4] {
        core::array::from_fn(|_| if rng.usize(0, 3) == 0 { rng.i32() } else { -(rng.range(0, 31) as i32) })
    }

    #[test]
    fn twins_match_the_definitions() {
        let mut rng = Rng::new(0xa64);
        for _ in 0..if cfg!(miri) { 200 } else { 5_000 } {
            let (acc, x, m) = (lanes(&mut rng), lanes(&mut rng), lanes(&mut rng));
            let (ab, bb) = (bytes(&mut rng), bytes(&mut rng));
            let (a, b) = (p::load_i8x16(&ab), p::load_i8x16(&bb));
            let (lo, hi) = (p::smull_low(a, b), p::smull_high(a, b));
            let (ml, mh) = (p::smlal_low(lo, b, a), p::smlal_high(hi, b, b));
            for i in 0..8 {
                assert_eq!(i32::from(lo[i]), i32::from(ab[i] as i8) * i32::from(bb[i] as i8));
                assert_eq!(i32::from(hi[i]), i32::from(ab[8 + i] as i8) * i32::from(bb[8 + i] as i8));
                assert_eq!(ml[i], (2 * i32::from(lo[i])) as i16, "smlal lane {i}");
                assert_eq!(mh[i], (i32::from(hi[i]) + i32::from(bb[8 + i] as i8).pow(2)) as i16, "smlal2 lane {i}");
            }
            let pa = p::sadalp(acc, lo);
            let (wl, wh) = (p::saddw_low(acc, hi), p::saddw_high(acc, hi));
            let ap = p::addp(acc, x);
            let d2 = p::sdot_lane::<2>(acc, a, b);
            let d = p::dup_word::<3>(b);
            for j in 0..4 {
                let pair = i64::from(lo[2 * j]) + i64::from(lo[2 * j + 1]);
                assert_eq!(pa[j], (i64::from(acc[j]) + pair) as i32, "sadalp lane {j}");
                assert_eq!(wl[j], (i64::from(acc[j]) + i64::from(hi[j])) as i32);
                assert_eq!(wh[j], (i64::from(acc[j]) + i64::from(hi[4 + j])) as i32);
                let sum: i64 = (0..4).map(|k| i64::from(ab[4 * j + k] as i8) * i64::from(bb[8 + k] as i8)).sum();
                assert_eq!(d2[j], (i64::from(acc[j]) + sum) as i32, "sdot lane {j}");
                assert_eq!(d[4 * j..4 * j + 4], b[12..16]);
            }
            assert_eq!(ap, [acc[0].wrapping_add(acc[1]), acc[2].wrapping_add(acc[3]), x[0].wrapping_add(x[1]), x[2].wrapping_add(x[3])]);
            let s = shifts(&mut rng);
            let (q, sh, rd) = (p::sqrdmulh(x, m), p::srshl(x, s), p::rounding_divide_by_pot(x, s));
            let left: [i32; 4] = core::array::from_fn(|j| if j < 2 { rng.range(0, 31) as i32 } else { s[j] });
            let sl = p::sshl(x, left);
            for j in 0..4 {
                let n = i32::from(left[j] as i8);
                let want = if n >= 32 { 0 } else if n >= 0 { x[j].wrapping_mul(1i32.wrapping_shl(n as u32)) } else { x[j] >> (-n).min(31) };
                assert_eq!(sl[j], want, "sshl lane {j} by {n}");
            }
            for j in 0..4 {
                assert_eq!(q[j], saturating_rounding_doubling_high_mul(x[j], m[j]), "sqrdmulh lane {j}");
                let n = i32::from(s[j] as i8);
                if (-64..0).contains(&n) {
                    let want = (i128::from(x[j]) + (1i128 << (-n - 1))) >> -n;
                    assert_eq!(sh[j], want as i32, "srshl lane {j} by {n}");
                }
                if (-31..=0).contains(&s[j]) {
                    assert_eq!(rd[j], rounding_divide_by_pot(x[j], -s[j]), "rounding_divide_by_pot lane {j}, {}", s[j]);
                }
            }
            let cl = p::clamp(x, acc, m);
            let nb = p::narrow_i8(x, acc, m, cl);
            for j in 0..4 {
                assert_eq!(cl[j], x[j].max(acc[j]).min(m[j]));
                assert_eq!([nb[j], nb[4 + j], nb[8 + j], nb[12 + j]], [x[j] as u8, acc[j] as u8, m[j] as u8, cl[j] as u8]);
            }
        }
    }

    /// The instructions against the twins (only in a build that has them; SDOT itself only with
    /// `dotprod`).
    #[cfg(kiln_aarch64_neon)]
    #[test]
    fn instructions_match_the_twins() {
        use super::neon as v;
        let mut rng = Rng::new(0xbeef);
        for _ in 0..20_000 {
            let (acc, x, m) = (lanes(&mut rng), lanes(&mut rng), lanes(&mut rng));
            let (ab, bb) = (bytes(&mut rng), bytes(&mut rng));
            let (va, vb) = (v::load_i8x16(&ab), v::load_i8x16(&bb));
            let (pa, pb) = (p::load_i8x16(&ab), p::load_i8x16(&bb));
            let ld = |x: &[i32; 4]| v::load_i32x4(x);
            let st = v::store_i32x4;
            // i16 results compared through an i32 accumulator of zero (SADDW/SADDW2 are checked
            // on their own below).
            let z = [0i32; 4];
            let wide = |x: p::I16x8| (p::saddw_low(z, x), p::saddw_high(z, x));
            let vwide = |x: v::I16x8| (st(v::saddw_low(ld(&z), x)), st(v::saddw_high(ld(&z), x)));
            assert_eq!(vwide(v::smull_low(va, vb)), wide(p::smull_low(pa, pb)));
            assert_eq!(vwide(v::smull_high(va, vb)), wide(p::smull_high(pa, pb)));
            assert_eq!(st(v::sadalp(ld(&acc), v::smull_high(va, vb))), p::sadalp(acc, p::smull_high(pa, pb)));
            assert_eq!(vwide(v::smlal_low(v::smull_low(va, vb), vb, va)), wide(p::smlal_low(p::smull_low(pa, pb), pb, pa)));
            assert_eq!(vwide(v::smlal_high(v::smull_high(va, vb), va, va)), wide(p::smlal_high(p::smull_high(pa, pb), pa, pa)));
            assert_eq!(st(v::saddw_low(ld(&acc), v::smull_low(va, vb))), p::saddw_low(acc, p::smull_low(pa, pb)));
            assert_eq!(st(v::saddw_high(ld(&acc), v::smull_low(va, vb))), p::saddw_high(acc, p::smull_low(pa, pb)));
            assert_eq!(st(v::addp(ld(&acc), ld(&x))), p::addp(acc, x));
            assert_eq!(st(v::splat_i32(x[1])), p::splat_i32(x[1]));
            // A vector of bytes read back as lanes by SADDW of SMULL by ones.
            let ones = [1u8; 16];
            let back = |b: v::I8x16| vwide(v::smull_low(b, v::load_i8x16(&ones))).0;
            let pback = |b: p::I8x16| wide(p::smull_low(b, p::load_i8x16(&ones))).0;
            assert_eq!(back(v::dup_word::<1>(vb)), pback(p::dup_word::<1>(pb)));
            assert_eq!(back(v::splat_i8(ab[3] as i8)), pback(p::splat_i8(ab[3] as i8)));
            assert_eq!(st(v::sdot_lane::<0>(ld(&acc), va, vb)), p::sdot_lane::<0>(acc, pa, pb));
            assert_eq!(st(v::sdot_lane::<1>(ld(&acc), va, vb)), p::sdot_lane::<1>(acc, pa, pb));
            assert_eq!(st(v::sdot_lane::<2>(ld(&acc), va, vb)), p::sdot_lane::<2>(acc, pa, pb));
            assert_eq!(st(v::sdot_lane::<3>(ld(&acc), va, vb)), p::sdot_lane::<3>(acc, pa, pb));
            let s = shifts(&mut rng);
            assert_eq!(st(v::sqrdmulh(ld(&x), ld(&m))), p::sqrdmulh(x, m));
            assert_eq!(st(v::srshl(ld(&x), ld(&s))), p::srshl(x, s));
            let left: [i32; 4] = core::array::from_fn(|j| if j < 2 { rng.range(0, 31) as i32 } else { rng.i32() });
            assert_eq!(st(v::sshl(ld(&x), ld(&left))), p::sshl(x, left));
            assert_eq!(st(v::rounding_divide_by_pot(ld(&x), ld(&s))), p::rounding_divide_by_pot(x, s));
            assert_eq!(st(v::add(ld(&x), ld(&m))), p::add(x, m));
            assert_eq!(st(v::clamp(ld(&x), ld(&acc), ld(&m))), p::clamp(x, acc, m));
            assert_eq!(v::narrow_i8(ld(&x), ld(&acc), ld(&m), ld(&s)), p::narrow_i8(x, acc, m, s));
        }
    }
}
