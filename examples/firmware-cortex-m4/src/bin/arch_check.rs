//! On-target check of the runtime's instruction wrappers: every `kiln::arch::arm_dsp` function
//! (one `asm!` instruction, or one fixed sequence, with `cfg(kiln_arm_dsp)`) against its plain-Rust twin in
//! `kiln::arch::arm_dsp::portable`, on edge operands (cross products of saturation boundaries,
//! byte patterns and accumulators near `i32::MIN`/`i32::MAX`, so SMLAD overflows and wraps) and
//! on random operands (xorshift). Prints the cases and differences per function and exits through
//! semihosting with status 0 only if nothing differs.
//!
//! It also prints `kiln::arch::ARM_DSP` and fails if it is not what this target must have
//! (`fw_expect_dsp` from build.rs: `thumbv7em`, `armv7r`, or this crate's `dsp` feature): a
//! build whose DSP cfg is off would compare each twin with itself and prove nothing.
//!
//! The Helium sequences of `kiln::arch::helium` (`cfg(kiln_arm_mve)`) are compared with their twins
//! the same way, on random and edge bytes (every lane −128, 127, …) and edge accumulators; the
//! check fails if `kiln::arch::ARM_MVE` is not what
//! this build must have (`fw_expect_mve`: this crate's `mve` feature).
//!
//! ```sh
//! cargo run --release --bin arch_check --config .cargo/m55.toml --features mve  # Cortex-M55 (Helium)
//! cargo run --release --bin arch_check                                          # Cortex-M4
//! cargo run --release --bin arch_check --config .cargo/m7.toml                  # Cortex-M7
//! cargo run --release --bin arch_check --target thumbv8m.main-none-eabihf --features dsp  # M33
//! ```
#![no_std]
#![no_main]
#![deny(unsafe_code)]

#[allow(dead_code)]
#[path = "../rt.rs"]
mod rt;
#[path = "../vectors.rs"]
mod vectors;

/// Semihosting output; nothing in the build-only Cortex-R firmware (no semihosting there).
macro_rules! hprintln {
    ($($t:tt)*) => {{
        #[cfg(not(fw_no_cortex_m))]
        cortex_m_semihosting::hprintln!($($t)*);
        #[cfg(fw_no_cortex_m)]
        let _ = format_args!($($t)*);
    }};
}
use kiln::arch::arm_dsp::{self as dsp, portable};
use kiln::arch::helium;

/// Random cases per function.
const RANDOM: u32 = 200_000;

/// xorshift32 (Marsaglia): deterministic, no tables.
struct XorShift(u32);

impl XorShift {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// Half the time a uniform word, else a word of two edge halves (or edge bytes).
    fn operand(&mut self) -> u32 {
        let r = self.next();
        match r & 3 {
            0 | 1 => self.next(),
            2 => {
                let lo = pick(&HALVES, self.next());
                let hi = pick(&HALVES, self.next());
                pair(lo, hi)
            }
            _ => u32::from_le_bytes([0, 1, 2, 3].map(|_| pick(&BYTES, self.next()))),
        }
    }

    fn accumulator(&mut self) -> i32 {
        if self.next() & 1 == 0 {
            pick(&ACCS, self.next())
        } else {
            self.next() as i32
        }
    }
}

fn pick<T: Copy>(set: &[T], r: u32) -> T {
    // `set` is never empty; `get` keeps the binary free of panic paths anyway.
    set.get(r as usize % set.len().max(1)).copied().unwrap_or(set[0])
}

fn pair(lo: i16, hi: i16) -> u32 {
    (lo as u16 as u32) | ((hi as u16 as u32) << 16)
}

/// Saturation boundaries and sign changes of a 16-bit half.
const HALVES: [i16; 17] = [
    0, 1, -1, 2, -2, 127, 128, -128, -129, 255, 256, -256, 0x4000, -0x4000, i16::MAX, i16::MAX - 1, i16::MIN,
];
/// Sign boundaries of a byte (SXTB16 inputs).
const BYTES: [u8; 8] = [0x00, 0x01, 0x7e, 0x7f, 0x80, 0x81, 0xfe, 0xff];
/// Accumulators where one or two 2^30 products overflow.
const ACCS: [i32; 14] = [
    0,
    1,
    -1,
    i32::MAX,
    i32::MAX - 1,
    i32::MIN,
    i32::MIN + 1,
    0x4000_0000,
    -0x4000_0000,
    0x3fff_ffff,
    -0x3fff_ffff,
    0x7fff_0000,
    -0x7fff_0000,
    0x0000_8000,
];
/// Whole words beyond the pairs of `HALVES`.
const WORDS: [u32; 10] = [
    0x8000_8000, 0x7fff_7fff, 0x8000_7fff, 0x7fff_8000, 0xffff_ffff, 0x0000_ffff, 0xffff_0000, 0x8080_8080,
    0x7f7f_7f7f, 0x807f_7f80,
];

#[derive(Default)]
struct Tally {
    cases: u32,
    differ: u32,
    /// Operands and both results of the first difference.
    first: Option<(u32, u32, i32, u32, u32)>,
}

impl Tally {
    fn check(&mut self, ops: (u32, u32, i32), got: u32, want: u32) {
        self.cases += 1;
        if got != want {
            self.differ += 1;
            self.first.get_or_insert((ops.0, ops.1, ops.2, got, want));
        }
    }

    fn report(&self, name: &str) -> bool {
        hprintln!("{:<12} {:>8} cases, {} differ", name, self.cases, self.differ);
        if let Some((a, b, acc, got, want)) = self.first {
            hprintln!("    first: a={:#010x} b={:#010x} acc={} -> {:#010x}, portable {:#010x}", a, b, acc, got, want);
        }
        self.differ == 0 && self.cases > 0
    }
}

/// The three multiply-accumulates (and SADD16) on one operand triple.
fn mac(t: &mut [Tally; 4], a: u32, b: u32, acc: i32) {
    let ops = (a, b, acc);
    t[3].check(ops, dsp::sadd16(a, b), portable::sadd16(a, b));
    t[0].check(ops, dsp::smlad(a, b, acc) as u32, portable::smlad(a, b, acc) as u32);
    t[1].check(ops, dsp::smlabb(a, b, acc) as u32, portable::smlabb(a, b, acc) as u32);
    t[2].check(ops, dsp::smlatt(a, b, acc) as u32, portable::smlatt(a, b, acc) as u32);
}

/// The four-lane tap (`mac_s8x4`) on one word of int8 lanes, two weight words and four
/// accumulators derived from `acc`; each lane is a case.
fn mac4(t: &mut Tally, x: u32, w_e: u32, w_o: u32, acc: i32) {
    let accs = [acc, acc.wrapping_add(1), acc ^ 0x5555, acc.wrapping_neg()];
    let (got, want) = (dsp::mac_s8x4(accs, x, w_e, w_o), portable::mac_s8x4(accs, x, w_e, w_o));
    for (&g, &w) in got.iter().zip(&want) {
        t.check((x, w_e, acc), g as u32, w as u32);
    }
}

/// The int16 × int8 dot step (`dot_s16x4_s8`) on two words of int16 halves and one word of
/// int8 bytes, with 64-bit accumulators near both ends of the range (so the sum wraps) and
/// small ones; the low and high words of each result are a case each.
fn dot4(t: &mut Tally, x01: u32, x23: u32, w: u32, acc: i32) {
    for acc64 in [i64::from(acc), i64::from(acc) << 32 | i64::from(x01), i64::MAX - i64::from(acc.unsigned_abs()), i64::MIN + i64::from(w)] {
        let (got, want) = (dsp::dot_s16x4_s8(acc64, x01, x23, w), portable::dot_s16x4_s8(acc64, x01, x23, w));
        t.check((x01, x23, acc), got as u32, want as u32);
        t.check((x01, w, acc), (got >> 32) as u32, (want >> 32) as u32);
    }
}

/// The rounded high-word multiply-accumulate (`smmlar`) on two words as signed factors and an
/// accumulator, and on the accumulator's rotations as the factors (so that edge accumulators
/// such as `i32::MIN` meet each other).
fn mulhi(t: &mut Tally, a: u32, b: u32, acc: i32) {
    for (x, y) in [(a as i32, b as i32), (acc, acc.rotate_left(1)), (a as i32, acc)] {
        t.check((x as u32, y as u32, acc), dsp::smmlar(x, y, acc) as u32, portable::smmlar(x, y, acc) as u32);
    }
}

/// The requantization step (`requantize_s8`) with `acc` as the accumulator: arbitrary words as
/// the factor, shift and offset, and the operands the output stages give it (a doubled
/// multiplier in `[2^30, 2^31)`, a shift below 32 or the whole bottom byte, an offset `2·zp + 1`).
fn requant(t: &mut Tally, a: u32, b: u32, acc: i32) {
    let zp = i32::from(b as u8 as i8);
    for (m, s, o) in [(a as i32, b, acc.rotate_left(7)), ((a | 1 << 30).wrapping_shl(1) as i32, b & 31, 2 * zp + 1), (a as i32, b & 0x1ff, 2 * zp + 1)] {
        t.check((m as u32, s, acc), dsp::requantize_s8(acc, m, s, o) as u32, portable::requantize_s8(acc, m, s, o) as u32);
    }
}

/// The two widenings on one word.
fn widen(t: &mut [Tally; 2], x: u32) {
    t[0].check((x, 0, 0), dsp::sxtb16(x), portable::sxtb16(x));
    t[1].check((x, 0, 0), dsp::sxtb16_ror8(x), portable::sxtb16_ror8(x));
}

/// The Helium 2×2 block (`dot_2x2_s8x16`) on 64 bytes drawn by `byte`: the pixels from the first
/// 32, the row pair (eight words) from the next 32, accumulators from `acc`; each of the four sums
/// is a case. The same for `dot_2x2_s8x8` (into `t8`) on the first 16 bytes and four words.
fn block([t, t8]: [&mut Tally; 2], mut byte: impl FnMut() -> u8, acc: i32) {
    let x: [u8; 32] = core::array::from_fn(|_| byte());
    let w: [u32; 8] = core::array::from_fn(|_| u32::from_le_bytes([byte(), byte(), byte(), byte()]));
    let (Ok(x0), Ok(x1)) = (<&[u8; 16]>::try_from(&x[..16]), <&[u8; 16]>::try_from(&x[16..])) else {
        return;
    };
    let accs = [acc, acc.wrapping_add(1), acc ^ 0x5555, acc.wrapping_neg()];
    let (got, want) = (helium::dot_2x2_s8x16(accs, x0, x1, &w), helium::portable::dot_2x2_s8x16(accs, x0, x1, &w));
    let ops = (u32::from_le_bytes([x[0], x[1], x[2], x[3]]), w[0], acc);
    for (&g, &w) in got.iter().zip(&want) {
        t.check(ops, g as u32, w as u32);
    }
    // Depth eight: both pixels in `x0`, the first four words of the pair.
    let w4 = [w[0], w[1], w[2], w[3]];
    let (got, want) = (helium::dot_2x2_s8x8(accs, x0, &w4), helium::portable::dot_2x2_s8x8(accs, x0, &w4));
    for (&g, &w) in got.iter().zip(&want) {
        t8.check(ops, g as u32, w as u32);
    }
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let expect = cfg!(fw_expect_dsp);
    hprintln!(
        "arch_check for {}: kiln::arch::ARM_DSP = {} (this target must have {})",
        env!("KILN_FW_MACHINE"),
        kiln::arch::ARM_DSP,
        expect
    );
    let mut macs: [Tally; 4] = Default::default();
    let mut widens: [Tally; 2] = Default::default();
    let mut taps = Tally::default();
    let mut dots = Tally::default();
    let mut blocks = Tally::default();
    let mut blocks8 = Tally::default();
    let mut mulhis = Tally::default();
    let mut requants = Tally::default();

    // Edge operands: every pair of edge halves and every special word, crossed with each other
    // and with every edge accumulator.
    let mut edge = [0u32; HALVES.len() * HALVES.len() + WORDS.len()];
    for (k, slot) in edge.iter_mut().enumerate() {
        *slot = match k.checked_sub(HALVES.len() * HALVES.len()) {
            None => pair(pick(&HALVES, (k / HALVES.len()) as u32), pick(&HALVES, (k % HALVES.len()) as u32)),
            Some(w) => pick(&WORDS, w as u32),
        };
    }
    for &a in &edge {
        for &b in &edge {
            for &acc in &ACCS {
                mac(&mut macs, a, b, acc);
                mac4(&mut taps, a, b, b.rotate_left(16) ^ a, acc);
                dot4(&mut dots, a, b, b.rotate_left(8) ^ a, acc);
                mulhi(&mut mulhis, a, b, acc);
                requant(&mut requants, a, b, acc);
            }
        }
        widen(&mut widens, a);
    }
    // Every word of four edge bytes.
    for k in 0..BYTES.len().pow(4) {
        let byte = |i: u32| pick(&BYTES, (k / BYTES.len().pow(i)) as u32);
        widen(&mut widens, u32::from_le_bytes([byte(0), byte(1), byte(2), byte(3)]));
    }
    let edge_cases = macs[0].cases;
    // Helium: every lane one edge byte (all pairs of them for pixels and weights), and lanes
    // cycling through the edge bytes, against every edge accumulator.
    for (i, &bx) in BYTES.iter().enumerate() {
        for (j, &bw) in BYTES.iter().enumerate() {
            for (k, &acc) in ACCS.iter().enumerate() {
                let mut n = 0usize;
                block([&mut blocks, &mut blocks8], || { n += 1; if n <= 32 { bx } else { bw } }, acc);
                let mut m = i + 3 * j + k;
                block([&mut blocks, &mut blocks8], || { m += 5; pick(&BYTES, m as u32) }, acc);
            }
        }
    }

    // Random operands.
    let mut rng = XorShift(0x6b69_6c6e);
    for _ in 0..RANDOM {
        let (a, b, acc) = (rng.operand(), rng.operand(), rng.accumulator());
        mac(&mut macs, a, b, acc);
        widen(&mut widens, rng.operand());
        mac4(&mut taps, rng.operand(), a, b, acc);
        dot4(&mut dots, rng.operand(), a, b, acc);
        if rng.next() % 8 == 0 {
            block([&mut blocks, &mut blocks8], || rng.next() as u8, acc);
        }
        mulhi(&mut mulhis, a, b, acc);
        requant(&mut requants, a, b, acc);
    }
    hprintln!("{} edge and {} random operand triples per multiply-accumulate", edge_cases, RANDOM);

    let mut ok = true;
    for (t, name) in macs.iter().zip(["smlad", "smlabb", "smlatt", "sadd16"]) {
        ok &= t.report(name);
    }
    for (t, name) in widens.iter().zip(["sxtb16", "sxtb16_ror8"]) {
        ok &= t.report(name);
    }
    ok &= taps.report("mac_s8x4");
    ok &= dots.report("dot_s16x4_s8");
    ok &= blocks.report("dot_2x2_s8x16");
    ok &= blocks8.report("dot_2x2_s8x8");
    let expect_mve = cfg!(fw_expect_mve);
    hprintln!("kiln::arch::ARM_MVE = {} (this build must have {})", kiln::arch::ARM_MVE, expect_mve);
    if kiln::arch::ARM_MVE != expect_mve {
        hprintln!("FAIL: kiln::arch::ARM_MVE is {}: the Helium wrappers were compared with the wrong code", kiln::arch::ARM_MVE);
        ok = false;
    }
    ok &= mulhis.report("smmlar");
    ok &= requants.report("requantize_s8");
    if kiln::arch::ARM_DSP != expect {
        hprintln!(
            "FAIL: kiln::arch::ARM_DSP is {} on a target that must have it {}: the wrappers were compared with {}",
            kiln::arch::ARM_DSP,
            expect,
            if kiln::arch::ARM_DSP { "instructions the target should not use" } else { "themselves" }
        );
        ok = false;
    }
    hprintln!("{}", if ok { "PASS: every wrapper equals its portable twin" } else { "FAIL" });
    rt::exit(ok)
}
