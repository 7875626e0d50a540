//! MicroFlow 0.1.3 on the same simulated Cortex-M4 as `examples/firmware-cortex-m4`, for the
//! side-by-side figures in BENCHMARKS.md (`tests/firmware/report.sh`). It runs the models
//! MicroFlow computes (hello_world_int8, micro_speech_quantized) on TFLM's golden inputs through
//! `predict_quantized` (int8 in, dequantized f32 out), requantizes the output with the model's
//! output scale/zero point and counts elements that differ from TFLM. It is a benchmark, not a
//! test of MicroFlow: it exits 0 when every model ran, and prints how many elements differ.
//! The first inference of each model is wrapped in the same instruction-count markers and stack
//! painting as kiln's (`rt.rs` is the kiln firmware's own file).
#![no_std]
#![no_main]
#![deny(unsafe_code)]

#[path = "../../../../examples/firmware-cortex-m4/src/rt.rs"]
mod rt;

use cortex_m_semihosting::hprintln;

pub struct Harness {
    models: usize,
}

/// One model: `$samples` samples of `$inputs`/`$outputs` (int8 rows).
macro_rules! check {
    ($h:expr, $ty:ident, $name:expr, $samples:expr, $scale:expr, $zp:expr, $inputs:expr, $outputs:expr) => {{
        let (inputs, outputs): (&[u8], &[u8]) = ($inputs, $outputs);
        let n_in = inputs.len() / $samples;
        let n_out = outputs.len() / $samples;
        let (mut elements, mut differ, mut stack) = (0usize, 0usize, (0usize, false));
        for (s, (x, want)) in inputs.chunks_exact(n_in).zip(outputs.chunks_exact(n_out)).enumerate() {
            let input = microflow::buffer::Buffer2D::from_fn(|_, j| x[j] as i8);
            let y = if s == 0 {
                let y;
                (y, stack) = crate::rt::measure(|| $ty::predict_quantized(input));
                y
            } else {
                $ty::predict_quantized(input)
            };
            for (j, &w) in want.iter().enumerate() {
                let q = libm::roundf(y[j] / $scale) as i32 + $zp;
                elements += 1;
                if q != i32::from(w as i8) {
                    differ += 1;
                }
            }
        }
        $h.models += 1;
        cortex_m_semihosting::hprintln!(
            "ran  {}: {} samples, {} elements, {} differ from TFLM; peak stack {} B{}",
            $name, $samples, elements, differ, stack.0, if stack.1 { " (paint exhausted)" } else { "" }
        );
    }};
}
#[allow(dead_code)]
mod suite {
    include!(concat!(env!("OUT_DIR"), "/suite.rs"));
}


#[cortex_m_rt::entry]
fn main() -> ! {
    hprintln!("MicroFlow 0.1.3 firmware on Cortex-M");
    let mut h = Harness { models: 0 };
    suite::run_suite(&mut h);
    hprintln!("DONE: {} models", h.models);
    rt::exit(h.models > 0)
}
