//! The async firmware (embassy): an inference task fed by a channel. Here `main` feeds it the
//! sample images; in an application the producer would be a sensor or radio task (an
//! interrupt-driven driver awaiting its data), and inference never blocks it for longer than
//! the channel is full.
//!
//! No HAL and no timer: the thread-mode executor sleeps (WFE) whenever no task can make
//! progress, so this runs on any Cortex-M. Add your board's embassy HAL (embassy-nrf,
//! embassy-stm32, ...) for peripherals and `embassy-time`.
//!
//! ```sh
//! cargo run --release --bin embassy                                          # nRF52840 DK, via probe-rs
//! cargo run --release --bin embassy --features qemu --config .cargo/qemu.toml  # QEMU mps2-an386
//! ```
#![no_std]
#![no_main]
#![deny(unsafe_code)]

use embassy_executor::Spawner;
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::channel::Channel;
use kiln_firmware_template::{classify, done, samples, Digits, Image, SAMPLE_COUNT};

/// One unit of work: an image and the digit it shows (the producer's label, to check the guess).
struct Job {
    digit: usize,
    image: Image,
}

/// Images waiting for inference. Two slots: the producer can have the next one ready while the
/// model runs; a full channel makes the producer wait (`send().await`), never drops an image.
static JOBS: Channel<CriticalSectionRawMutex, Job, 2> = Channel::new();

/// The inference task: owns the model (its arena lives in the task's static storage) and runs it
/// on every image that arrives.
#[embassy_executor::task]
async fn inference() {
    let mut model = Digits::new();
    let mut correct = 0;
    for _ in 0..SAMPLE_COUNT {
        let job = JOBS.receive().await;
        let guess = classify(&mut model, &job.image);
        let ok = guess.class == job.digit;
        defmt::info!(
            "image of a {}: class {} ({}%) {}",
            job.digit,
            guess.class,
            guess.percent,
            if ok { "ok" } else { "WRONG" }
        );
        correct += usize::from(ok);
    }
    defmt::info!(
        "RESULT: {} of {} images classified correctly",
        correct,
        SAMPLE_COUNT
    );
    done(correct == SAMPLE_COUNT);
    // The task ends here; with no task left to run, the executor sleeps (WFE).
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    defmt::info!(
        "kiln firmware template (embassy): digits_int8, {} B arena, {} MACs per inference",
        Digits::ARENA_BYTES,
        Digits::MACS
    );
    // A task function returns its spawn token, or an error if the task is already running.
    spawner.spawn(defmt::unwrap!(inference()));
    for (digit, image) in samples() {
        JOBS.send(Job { digit, image }).await;
    }
}
