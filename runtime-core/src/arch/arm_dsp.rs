//! The Arm DSP extension (Armv7E-M, Armv7-R, optional on Armv8-M Mainline): two 16-bit
//! multiply-accumulates per instruction (SMLAD) and int8 → int16 pair widening (SXTB16).
//!
//! Values are packed pairs: a `u32` holds two `i16` halves (bottom = bits 0–15, top = 16–31).
//! With `cfg(kiln_arm_dsp)` each function is one instruction; elsewhere it is its [`portable`]
//! twin (the same bits, tested against each other on the target).

/// Plain-Rust twins: exactly the bits of each instruction, for every operand.
pub mod portable {
    /// Bottom and top signed halves of a packed pair.
    #[inline(always)]
    const fn halves(x: u32) -> (i32, i32) {
        (x as u16 as i16 as i32, (x >> 16) as u16 as i16 as i32)
    }

    /// SXTB16: bytes 0 and 2 of `x`, sign-extended into the bottom and top halves.
    #[inline(always)]
    pub const fn sxtb16(x: u32) -> u32 {
        (x as u8 as i8 as i16 as u16 as u32) | (((x >> 16) as u8 as i8 as i16 as u16 as u32) << 16)
    }

    /// SXTB16 with ROR #8: bytes 1 and 3 of `x`, sign-extended into the bottom and top halves.
    #[inline(always)]
    pub const fn sxtb16_ror8(x: u32) -> u32 {
        sxtb16(x.rotate_right(8))
    }

    /// SMLAD: `acc + a.bottom · b.bottom + a.top · b.top`, wrapping modulo 2^32 (the
    /// instruction sets the Q flag on overflow; the result is the wrapped sum).
    #[inline(always)]
    pub const fn smlad(a: u32, b: u32, acc: i32) -> i32 {
        let ((a0, a1), (b0, b1)) = (halves(a), halves(b));
        // Each product fits in i32 ((−2^15)² = 2^30), their sum may not (2^31): add in i64,
        // wrap once.
        (acc as i64 + (a0 * b0) as i64 + (a1 * b1) as i64) as i32
    }

    /// SMLABB: `acc + a.bottom · b.bottom`, wrapping.
    #[inline(always)]
    pub const fn smlabb(a: u32, b: u32, acc: i32) -> i32 {
        acc.wrapping_add(halves(a).0 * halves(b).0)
    }

    /// SMLATT: `acc + a.top · b.top`, wrapping.
    #[inline(always)]
    pub const fn smlatt(a: u32, b: u32, acc: i32) -> i32 {
        acc.wrapping_add(halves(a).1 * halves(b).1)
    }

    /// SXTB16 and SXTB16 ROR #8 of `x`, then SMLABB and SMLATT of each with `w_e` and `w_o`:
    /// `acc[j] += x.byte(j) · w_e.bottom, w_o.bottom, w_e.top, w_o.top` for `j` = 0, 1, 2, 3
    /// (four int8 lanes times their widened weights), wrapping.
    #[inline(always)]
    pub const fn mac_s8x4(acc: [i32; 4], x: u32, w_e: u32, w_o: u32) -> [i32; 4] {
        let (x_e, x_o) = (sxtb16(x), sxtb16_ror8(x));
        [smlabb(x_e, w_e, acc[0]), smlabb(x_o, w_o, acc[1]), smlatt(x_e, w_e, acc[2]), smlatt(x_o, w_o, acc[3])]
    }

    /// SADD16: the two halves of `a` and `b` added lane by lane, each wrapping modulo 2^16 (the
    /// instruction sets the GE flags; the result is the wrapped sums).
    #[inline(always)]
    pub const fn sadd16(a: u32, b: u32) -> u32 {
        let lo = (a as u16).wrapping_add(b as u16) as u32;
        let hi = ((a >> 16) as u16).wrapping_add((b >> 16) as u16) as u32;
        lo | hi << 16
    }

    /// SMMLAR: the high word of `c · 2^32 + a · b + 2^31`, wrapping modulo 2^32 (the most
    /// significant word of the 64-bit multiply-accumulate, rounded).
    #[inline(always)]
    pub const fn smmlar(a: i32, b: i32, c: i32) -> i32 {
        // `c · 2^32 + a · b` may leave i64 (c near ±2^31): the high word of the wrapped sum is
        // the instruction's.
        (((c as i64) << 32).wrapping_add(a as i64 * b as i64).wrapping_add(1 << 31) >> 32) as i32
    }

    /// SMMLAR-based requantization step to int8, the sequence `ADD c, x, x, ASR #31`;
    /// `SMMLAR c, x, m, c`; `ASR c, c, shift`; `ADD c, c, offset`; `SSAT c, #8, c, ASR #1`:
    /// with `h = smmlar(x, m, x + (x >> 31))` (wrapping), `(h >> shift') + offset` (wrapping,
    /// `shift'` the bottom byte of `shift`, 32 and more giving the sign), halved (floor) and
    /// saturated to `-128..=127`. What it computes for TFLM is [`crate::ops`]' output stage's
    /// business; here only the bits.
    #[inline(always)]
    pub const fn requantize_s8(x: i32, m: i32, shift: u32, offset: i32) -> i32 {
        let h = smmlar(x, m, x.wrapping_add(x >> 31));
        let s = shift & 255;
        let t = (h >> if s > 31 { 31 } else { s }).wrapping_add(offset) >> 1;
        if t < -128 {
            -128
        } else if t > 127 {
            127
        } else {
            t
        }
    }

    /// Four int16 × int8 products added to a 64-bit accumulator: `acc + Σ x[j] · w[j]` for the
    /// int16 halves `x01 = (x0, x1)`, `x23 = (x2, x3)` and the int8 bytes `w = (w0, w1, w2, w3)`,
    /// wrapping modulo 2^64 (the int16x8 layers' dot product step, TFLM's int64 accumulator).
    /// On the target: SXTB16 twice, PKHBT and PKHTB to pair the weights as halves (w0, w1) and
    /// (w2, w3), and two SMLALD.
    #[inline(always)]
    pub const fn dot_s16x4_s8(acc: i64, x01: u32, x23: u32, w: u32) -> i64 {
        let (x0, x1) = halves(x01);
        let (x2, x3) = halves(x23);
        let b = w.to_le_bytes();
        acc.wrapping_add(x0 as i64 * b[0] as i8 as i64)
            .wrapping_add(x1 as i64 * b[1] as i8 as i64)
            .wrapping_add(x2 as i64 * b[2] as i8 as i64)
            .wrapping_add(x3 as i64 * b[3] as i8 as i64)
    }
}

#[cfg(not(kiln_arm_dsp))]
pub use portable::{dot_s16x4_s8, mac_s8x4, requantize_s8, sadd16, smlabb, smlad, smlatt, smmlar, sxtb16, sxtb16_ror8};

#[cfg(kiln_arm_dsp)]
pub use dsp::{dot_s16x4_s8, mac_s8x4, requantize_s8, sadd16, smlabb, smlad, smlatt, smmlar, sxtb16, sxtb16_ror8};

/// The instructions themselves (one `asm!` each).
#[cfg(kiln_arm_dsp)]
mod dsp {
    use core::arch::asm;

    /// SXTB16 (see [`super::portable::sxtb16`]).
    #[inline(always)]
    pub fn sxtb16(x: u32) -> u32 {
        let r: u32;
        // SAFETY: one register-to-register instruction: reads `x`, writes `r`; no memory, no
        // stack, no flags.
        unsafe { asm!("sxtb16 {r}, {x}", r = lateout(reg) r, x = in(reg) x, options(pure, nomem, nostack, preserves_flags)) };
        r
    }

    /// SXTB16 with ROR #8 (see [`super::portable::sxtb16_ror8`]).
    #[inline(always)]
    pub fn sxtb16_ror8(x: u32) -> u32 {
        let r: u32;
        // SAFETY: one register-to-register instruction (the rotation is part of it): reads `x`,
        // writes `r`; no memory, no stack, no flags.
        unsafe { asm!("sxtb16 {r}, {x}, ror #8", r = lateout(reg) r, x = in(reg) x, options(pure, nomem, nostack, preserves_flags)) };
        r
    }

    /// SMLAD (see [`super::portable::smlad`]).
    #[inline(always)]
    pub fn smlad(a: u32, b: u32, mut acc: i32) -> i32 {
        // SAFETY: one register instruction: reads `a`, `b`, `acc`, writes `acc`; no memory, no
        // stack. It may set APSR.Q (sticky overflow), so `preserves_flags` is not claimed.
        unsafe { asm!("smlad {acc}, {a}, {b}, {acc}", acc = inout(reg) acc, a = in(reg) a, b = in(reg) b, options(pure, nomem, nostack)) };
        acc
    }

    /// SADD16 (see [`super::portable::sadd16`]).
    #[inline(always)]
    pub fn sadd16(a: u32, b: u32) -> u32 {
        let r: u32;
        // SAFETY: one register instruction: reads `a`, `b`, writes `r`; no memory, no stack. It
        // sets the GE flags (APSR), so `preserves_flags` is not claimed.
        unsafe { asm!("sadd16 {r}, {a}, {b}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b, options(pure, nomem, nostack)) };
        r
    }

    /// SMLABB (see [`super::portable::smlabb`]).
    #[inline(always)]
    pub fn smlabb(a: u32, b: u32, mut acc: i32) -> i32 {
        // SAFETY: one register instruction: reads `a`, `b`, `acc`, writes `acc`; no memory, no
        // stack. It may set APSR.Q, so `preserves_flags` is not claimed.
        unsafe { asm!("smlabb {acc}, {a}, {b}, {acc}", acc = inout(reg) acc, a = in(reg) a, b = in(reg) b, options(pure, nomem, nostack)) };
        acc
    }

    /// SMLATT (see [`super::portable::smlatt`]).
    #[inline(always)]
    pub fn smlatt(a: u32, b: u32, mut acc: i32) -> i32 {
        // SAFETY: one register instruction: reads `a`, `b`, `acc`, writes `acc`; no memory, no
        // stack. It may set APSR.Q, so `preserves_flags` is not claimed.
        unsafe { asm!("smlatt {acc}, {a}, {b}, {acc}", acc = inout(reg) acc, a = in(reg) a, b = in(reg) b, options(pure, nomem, nostack)) };
        acc
    }

    /// SMMLAR (see [`super::portable::smmlar`]).
    #[inline(always)]
    pub fn smmlar(a: i32, b: i32, c: i32) -> i32 {
        let r: i32;
        // SAFETY: one register instruction: reads `a`, `b`, `c`, writes `r`; no memory, no
        // stack, no flags (SMMLAR sets neither the condition flags nor APSR.Q).
        unsafe { asm!("smmlar {r}, {a}, {b}, {c}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b, c = in(reg) c, options(pure, nomem, nostack, preserves_flags)) };
        r
    }

    /// The requantization step to int8 (see [`super::portable::requantize_s8`]): a fixed
    /// sequence of five instructions, so that the shift by a register keeps the instruction's
    /// meaning (the bottom byte, no masking to five bits) and the halving folds into SSAT.
    #[inline(always)]
    pub fn requantize_s8(x: i32, m: i32, shift: u32, offset: i32) -> i32 {
        let r: i32;
        // SAFETY: five register instructions: read `x`, `m`, `shift`, `offset`, write `r` (written
        // first while the inputs are still read: an `out`, so never an input's register); no
        // memory, no stack. SSAT may set APSR.Q, so `preserves_flags` is not claimed.
        unsafe {
            asm!(
                "add {r}, {x}, {x}, asr #31",
                "smmlar {r}, {x}, {m}, {r}",
                "asr {r}, {r}, {s}",
                "add {r}, {r}, {o}",
                "ssat {r}, #8, {r}, asr #1",
                r = out(reg) r,
                x = in(reg) x,
                m = in(reg) m,
                s = in(reg) shift,
                o = in(reg) offset,
                options(pure, nomem, nostack)
            )
        };
        r
    }

    /// One tap of four int8 channels (see [`super::portable::mac_s8x4`]): a fixed sequence,
    /// so that the optimizer cannot pull a tap's two halves apart (it did, with the single
    /// instructions: it widened every tap's odd half first and spilled the words in between).
    #[inline(always)]
    pub fn mac_s8x4(acc: [i32; 4], x: u32, w_e: u32, w_o: u32) -> [i32; 4] {
        let [mut a0, mut a1, mut a2, mut a3] = acc;
        // SAFETY: six register instructions: read `x`, `w_e`, `w_o` and the accumulators, write
        // the accumulators and the scratch `t` (an `out`, so never an input's register); no
        // memory, no stack. SMLABB/SMLATT may set APSR.Q, so `preserves_flags` is not claimed.
        unsafe {
            asm!(
                "sxtb16 {t}, {x}",
                "smlabb {a0}, {t}, {we}, {a0}",
                "smlatt {a2}, {t}, {we}, {a2}",
                "sxtb16 {t}, {x}, ror #8",
                "smlabb {a1}, {t}, {wo}, {a1}",
                "smlatt {a3}, {t}, {wo}, {a3}",
                t = out(reg) _,
                x = in(reg) x,
                we = in(reg) w_e,
                wo = in(reg) w_o,
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                a2 = inout(reg) a2,
                a3 = inout(reg) a3,
                options(pure, nomem, nostack)
            )
        };
        [a0, a1, a2, a3]
    }

    /// Four int16 × int8 products into a 64-bit accumulator (see
    /// [`super::portable::dot_s16x4_s8`]): a fixed sequence of six instructions.
    #[inline(always)]
    pub fn dot_s16x4_s8(acc: i64, x01: u32, x23: u32, w: u32) -> i64 {
        let (mut lo, mut hi) = (acc as u32, (acc >> 32) as u32);
        // SAFETY: six register instructions: read `x01`, `x23`, `w` and the accumulator halves,
        // write the accumulator halves and the scratch `e`, `o`, `p` (`out`s, never an input's
        // register); no memory, no stack. SXTB16, PKHBT, PKHTB and SMLALD set no flags (SMLALD
        // wraps and does not touch APSR.Q).
        unsafe {
            asm!(
                "sxtb16 {e}, {w}",
                "sxtb16 {o}, {w}, ror #8",
                "pkhbt {p}, {e}, {o}, lsl #16",
                "pkhtb {o}, {o}, {e}, asr #16",
                "smlald {lo}, {hi}, {x01}, {p}",
                "smlald {lo}, {hi}, {x23}, {o}",
                e = out(reg) _,
                o = out(reg) _,
                p = out(reg) _,
                w = in(reg) w,
                x01 = in(reg) x01,
                x23 = in(reg) x23,
                lo = inout(reg) lo,
                hi = inout(reg) hi,
                options(pure, nomem, nostack, preserves_flags)
            )
        };
        (u64::from(hi) << 32 | u64::from(lo)) as i64
    }
}

#[cfg(test)]
mod tests {
    //! The twins against the instructions' definitions in the Arm ARM, element by element
    //! (these run under Miri; the wrappers are compared with the twins on the target).
    use super::portable::*;
    use crate::fixed_point::testing::Rng;

    fn pair(lo: i16, hi: i16) -> u32 {
        (lo as u16 as u32) | ((hi as u16 as u32) << 16)
    }

    #[test]
    fn twins_match_the_definitions() {
        let mut rng = Rng::new(0xd5b);
        let edge = [0i16, 1, -1, 127, -128, i16::MAX, i16::MIN, 0x00ff, -0x0100];
        // Fewer cases under Miri (CI runs this test there), the edge values as often.
        for case in 0..if cfg!(miri) { 2_000 } else { 20_000 } {
            let pick = |rng: &mut Rng| if rng.bool() { edge[rng.usize(0, edge.len() - 1)] } else { rng.range(-32768, 32767) as i16 };
            let (a0, a1, b0, b1) = (pick(&mut rng), pick(&mut rng), pick(&mut rng), pick(&mut rng));
            let acc = if case % 3 == 0 { rng.edgy_i32() } else { rng.range(-1 << 20, 1 << 20) as i32 };
            let (a, b) = (pair(a0, a1), pair(b0, b1));
            let sum = acc as i64 + a0 as i64 * b0 as i64 + a1 as i64 * b1 as i64;
            assert_eq!(smlad(a, b, acc), sum as i32, "smlad {a:#x} {b:#x} {acc}");
            assert_eq!(smlabb(a, b, acc), (acc as i64 + a0 as i64 * b0 as i64) as i32);
            assert_eq!(smlatt(a, b, acc), (acc as i64 + a1 as i64 * b1 as i64) as i32);
            assert_eq!(sadd16(a, b), pair(a0.wrapping_add(b0), a1.wrapping_add(b1)), "sadd16 {a:#x} {b:#x}");
            // SMMLAR: (Ra · 2^32 + Rn · Rm + 2^31)[63:32], in i128 (no wrap before the cut).
            let (c, d) = (rng.edgy_i32(), if case % 2 == 0 { rng.edgy_i32() } else { a as i32 });
            let want = ((((acc as i128) << 32) + (c as i128) * (d as i128) + (1 << 31)) >> 32) as u128 as u32 as i32;
            assert_eq!(smmlar(c, d, acc), want, "smmlar {c} {d} {acc}");
            // The requantization step, from the instructions' definitions one by one.
            let (shift, offset) = (rng.next_u64() as u32 >> (case % 32), if case % 4 == 0 { rng.edgy_i32() } else { rng.range(-300, 300) as i32 });
            let h = ((((acc.wrapping_add(acc >> 31) as i128) << 32) + (acc as i128) * (c as i128) + (1 << 31)) >> 32) as i32;
            let t = ((h as i64) >> (shift & 255).min(63)) as i32;
            let want = (t.wrapping_add(offset) as i64 >> 1).clamp(-128, 127) as i32;
            assert_eq!(requantize_s8(acc, c, shift, offset), want, "requantize_s8 {acc} {c} {shift} {offset}");
            let bytes = a.to_le_bytes().map(|x| x as i8 as i16);
            assert_eq!(sxtb16(a), pair(bytes[0], bytes[2]), "sxtb16 {a:#x}");
            assert_eq!(sxtb16_ror8(a), pair(bytes[1], bytes[3]), "sxtb16 ror8 {a:#x}");
            // Four int8 lanes of `a` times the halves of `b` (even lanes) and of `w_o` (odd).
            let w_o = pair(pick(&mut rng), pick(&mut rng));
            let accs = [acc, acc.wrapping_add(1), acc ^ 0x5555, acc.wrapping_neg()];
            let wide = |w: u32, top: bool| (if top { w >> 16 } else { w }) as u16 as i16 as i64;
            let want = [0usize, 1, 2, 3].map(|j| {
                let w = if j % 2 == 0 { b } else { w_o };
                (accs[j] as i64 + bytes[j] as i64 * wide(w, j >= 2)) as i32
            });
            assert_eq!(mac_s8x4(accs, a, b, w_o), want, "mac_s8x4 {a:#x} {b:#x} {w_o:#x}");
            // int16 halves of `a` and `w_o` times the int8 bytes of `b`, into 64 bits.
            let acc64 = if case % 5 == 0 { (rng.next_u64() as i64) | i64::MIN >> (case % 3) } else { acc as i64 * 4099 };
            let wb = b.to_le_bytes().map(|x| x as i8 as i64);
            let xs = [a0, a1, (w_o & 0xffff) as u16 as i16, (w_o >> 16) as u16 as i16].map(i64::from);
            let want64 = (0..4).fold(acc64, |s, j| s.wrapping_add(xs[j] * wb[j]));
            assert_eq!(dot_s16x4_s8(acc64, a, w_o, b), want64, "dot_s16x4_s8 {acc64} {a:#x} {w_o:#x} {b:#x}");
        }
    }
}
