//! What both firmware variants share: the model, the images it classifies, the log and panic
//! backends, and how the firmware ends. `src/main.rs` (blocking) and `src/bin/embassy.rs`
//! (async) hold only their control flow.
//!
//! To use your own model: put the `.tflite` file in `models/`, change the path in
//! [`include_model!`](kiln::include_model) below, and feed [`classify`] (or your own function
//! around `run`) inputs of your model's shape.
#![no_std]
#![deny(unsafe_code)]

// ---- Backends: RTT + panic-probe on the board; semihosting under QEMU (the `qemu` feature). ----

// defmt's global logger: RTT, which `probe-rs run` reads from the chip's RAM while it runs.
#[cfg(not(feature = "qemu"))]
use defmt_rtt as _;
// On a panic: log the message with defmt, then fault, which stops `probe-rs run` with an error.
#[cfg(not(feature = "qemu"))]
use panic_probe as _;

// defmt's global logger under QEMU: frames go to semihosting's stdout (decoded by defmt-print).
#[cfg(feature = "qemu")]
use defmt_semihosting as _;

/// Under QEMU a panic logs its message and ends QEMU with a failure status (panic-probe's fault
/// would leave QEMU spinning in the HardFault handler until the runner's timeout).
#[cfg(feature = "qemu")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    defmt::error!("panic: {}", defmt::Display2Format(info));
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

/// Reports the outcome of the run. Under QEMU: exits with status 0 if `ok`, else 1 (does not
/// return). On the board: a failure panics (probe-rs prints the message and exits non-zero);
/// success returns, and the firmware goes on: the blocking variant sleeps, the embassy
/// executor waits for more work. A real application would keep serving its inputs.
pub fn done(ok: bool) {
    #[cfg(feature = "qemu")]
    {
        use cortex_m_semihosting::debug;
        debug::exit(if ok {
            debug::EXIT_SUCCESS
        } else {
            debug::EXIT_FAILURE
        });
    }
    if !ok {
        defmt::panic!("the firmware failed");
    }
}

// ---- The model. ----

// Compiled at build time into plain Rust: a `Digits` type that is its arena (`Digits::new()` is a
// `const fn`), whose input and output are views into that arena: write the input in place
// (`input_mut()`), `invoke()`, read `output()`. The path is relative to this crate's Cargo.toml.
kiln::include_model!("models/digits_int8.tflite", name = Digits);

/// Input elements: the model takes one 8x8 grey image, int8 (`INPUT_SHAPE` is `[1, 8, 8, 1]`).
pub const INPUT_LEN: usize =
    Digits::INPUT_SHAPE[1] * Digits::INPUT_SHAPE[2] * Digits::INPUT_SHAPE[3];
/// Classes: the ten digits.
pub const CLASSES: usize = Digits::OUTPUT_SHAPE[1];
/// One input of the model.
pub type Image = [i8; INPUT_LEN];

/// How many sample images there are: one of each digit.
pub const SAMPLE_COUNT: usize = 10;

/// One image of each digit 0..=9, in order (the first of each in the held-out split of
/// scikit-learn's digits; the model was not trained on them), already quantized to int8.
static SAMPLES: &[u8; SAMPLE_COUNT * INPUT_LEN] = include_bytes!("../models/digits_0_to_9.bin");

/// The sample images with the digit each shows: `(digit, image)`.
pub fn samples() -> impl Iterator<Item = (usize, Image)> {
    SAMPLES
        .chunks_exact(INPUT_LEN)
        .enumerate()
        .map(|(digit, bytes)| {
            let mut image = [0i8; INPUT_LEN];
            for (pixel, &byte) in image.iter_mut().zip(bytes) {
                *pixel = byte as i8;
            }
            (digit, image)
        })
}

/// What the model says about one image.
#[derive(Clone, Copy, defmt::Format)]
pub struct Guess {
    /// The most likely digit.
    pub class: usize,
    /// Its probability in percent (the model's int8 softmax output: scale 1/256, zero point -128).
    pub percent: u32,
}

/// Runs one inference. The only place that calls the model. A sensor driver would fill
/// `model.input_mut()` directly (no buffer of its own); here the image is copied in.
pub fn classify(model: &mut Digits, image: &Image) -> Guess {
    *model.input_mut() = *image;
    model.invoke();
    let scores: &[i8; CLASSES] = model.output();
    // The first maximum wins, as numpy's argmax (and TFLM's reference scripts) do.
    let mut class = 0;
    for (k, &score) in scores.iter().enumerate() {
        if score > scores[class] {
            class = k;
        }
    }
    let percent = (i32::from(scores[class]) + 128) as u32 * 100 / 256;
    Guess { class, percent }
}
