//! The blocking firmware: classify each sample image once, log the results with defmt, stop.
//!
//! ```sh
//! cargo run --release                                          # nRF52840 DK, via probe-rs
//! cargo run --release --features qemu --config .cargo/qemu.toml  # QEMU mps2-an386
//! ```
#![no_std]
#![no_main]
#![deny(unsafe_code)]

use cortex_m_rt::entry;
use kiln_firmware_template::{classify, done, samples, Digits};

#[entry]
fn main() -> ! {
    defmt::info!(
        "kiln firmware template (blocking): digits_int8, {} B arena, {} B weights, {} MACs per inference",
        Digits::ARENA_BYTES,
        Digits::WEIGHT_BYTES,
        Digits::MACS
    );
    let mut model = Digits::new();
    let mut correct = 0;
    let mut total = 0;
    for (digit, image) in samples() {
        let guess = classify(&mut model, &image);
        let ok = guess.class == digit;
        defmt::info!(
            "image of a {}: class {} ({}%) {}",
            digit,
            guess.class,
            guess.percent,
            if ok { "ok" } else { "WRONG" }
        );
        correct += usize::from(ok);
        total += 1;
    }
    defmt::info!(
        "RESULT: {} of {} images classified correctly",
        correct,
        total
    );
    done(correct == total);
    // Nothing left to do: sleep. (Stop `probe-rs run` with Ctrl-C.)
    loop {
        cortex_m::asm::wfi();
    }
}
