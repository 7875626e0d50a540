//! TFLM's signal-library custom ops (the integer audio front end) against TFLM's Python
//! interpreter: every element of every output of 200 samples, run in sequence on one model
//! (SignalFilterBankSpectralSubtraction's noise estimate carries from sample to sample, as in
//! the oracle). Models: tests/scripts/make_signal_models.py; goldens: make_goldens.py.

use std::path::PathBuf;

fn dir(stem: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/signal/golden").join(stem)
}

macro_rules! bit_exact {
    ($($stem:ident => $path:literal),* $(,)?) => {$(
        mod $stem {
            kiln::include_model!($path, name = Net);

            #[test]
            fn matches_tflm() {
                let dir = super::dir(stringify!($stem));
                assert_eq!(kiln_tests::Golden::load::<Net>(&dir).oracle(), "tflm");
                kiln_tests::assert_bit_exact::<Net>(&dir, 200);
            }
        }
    )*};
}

bit_exact!(
    signal_window => "fixtures/signal/signal_window.tflite",
    signal_rfft_512 => "fixtures/signal/signal_rfft_512.tflite",
    signal_rfft_64_rows => "fixtures/signal/signal_rfft_64_rows.tflite",
    signal_rfft_8 => "fixtures/signal/signal_rfft_8.tflite",
    signal_energy => "fixtures/signal/signal_energy.tflite",
    signal_filter_bank => "fixtures/signal/signal_filter_bank.tflite",
    signal_filter_bank_square_root => "fixtures/signal/signal_filter_bank_square_root.tflite",
    signal_spectral_subtraction => "fixtures/signal/signal_spectral_subtraction.tflite",
    signal_spectral_subtraction_clamped => "fixtures/signal/signal_spectral_subtraction_clamped.tflite",
    signal_pcan => "fixtures/signal/signal_pcan.tflite",
    signal_filter_bank_log => "fixtures/signal/signal_filter_bank_log.tflite",
    signal_front_end => "fixtures/signal/signal_front_end.tflite",
);
