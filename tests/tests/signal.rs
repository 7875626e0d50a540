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
    signal_rfft_s32_64 => "fixtures/signal/signal_rfft_s32_64.tflite",
    signal_rfft_f32_64 => "fixtures/signal/signal_rfft_f32_64.tflite",
    signal_irfft_s32_64 => "fixtures/signal/signal_irfft_s32_64.tflite",
    signal_irfft_f32_64 => "fixtures/signal/signal_irfft_f32_64.tflite",
    circular_buffer => "fixtures/signal/circular_buffer.tflite",
    signal_irfft_512 => "fixtures/signal/signal_irfft_512.tflite",
    signal_irfft_64_rows => "fixtures/signal/signal_irfft_64_rows.tflite",
    signal_irfft_8 => "fixtures/signal/signal_irfft_8.tflite",
    signal_fft_auto_scale => "fixtures/signal/signal_fft_auto_scale.tflite",
    signal_fft_auto_scale_full => "fixtures/signal/signal_fft_auto_scale_full.tflite",
    signal_delay => "fixtures/signal/signal_delay.tflite",
    signal_delay_long => "fixtures/signal/signal_delay_long.tflite",
    signal_overlap_add => "fixtures/signal/signal_overlap_add.tflite",
    signal_overlap_add_f32 => "fixtures/signal/signal_overlap_add_f32.tflite",
    signal_framer => "fixtures/signal/signal_framer.tflite",
    signal_framer_short => "fixtures/signal/signal_framer_short.tflite",
    signal_stacker => "fixtures/signal/signal_stacker.tflite",
);

mod stacker_right {
    kiln::include_model!("fixtures/signal/signal_stacker_right.tflite", name = Net);
}

/// SignalStacker with right context: every other call cannot fill the stack (valid flag false)
/// and leaves the output as it was, in TFLM and in kiln. The first call's output is therefore
/// whatever TFLM's arena held there (kiln's holds zeros): every other element of every sample
/// must match, and those of sample 0 are all TFLM flagged invalid.
#[test]
fn stacker_with_right_context_matches_tflm_where_tflm_defines_it() {
    let golden = kiln_tests::Golden::load::<stacker_right::Net>(dir("signal_stacker_right"));
    assert_eq!(golden.samples, 200);
    assert_eq!(golden.outputs[1][0], 0, "TFLM flags sample 0 invalid");
    let mut model = Box::<stacker_right::Net>::default();
    let (compared, bad) = kiln_tests::compare(&mut *model, &golden);
    assert_eq!(compared, 200 * 41);
    let elsewhere: Vec<_> = bad.iter().filter(|m| m.sample != 0 || m.output != 0).collect();
    assert!(elsewhere.is_empty(), "{} elements differ outside sample 0's undefined stack: {elsewhere:?}", elsewhere.len());
    // Later invalid calls keep the previous stack in both: at least one of them is compared.
    assert!((1..200).any(|s| golden.outputs[1][s] == 0), "no later invalid call");
}

mod framer {
    kiln::include_model!("fixtures/signal/signal_framer.tflite", name = Net);
}
mod front_end {
    kiln::include_model!("fixtures/signal/signal_front_end.tflite", name = Net);
}

/// Runs the first `n` golden samples through `model`, returning every output's bytes.
fn run<M: kiln::Model>(model: &mut M, g: &kiln_tests::Golden, n: usize) -> Vec<Vec<u8>> {
    let n_in = M::INPUTS[0].byte_len();
    (0..n)
        .map(|s| {
            let mut outs: Vec<Vec<u8>> = M::OUTPUTS.iter().map(|o| vec![0u8; o.byte_len()]).collect();
            let mut views: Vec<&mut [u8]> = outs.iter_mut().map(|o| &mut o[..]).collect();
            model.run_bytes(&[&g.inputs[0][s * n_in..(s + 1) * n_in]], &mut views).unwrap();
            outs.concat()
        })
        .collect()
}

/// `reset` restores each op's initial state (the framer's prefilled FIFO is not all zeros, the
/// spectral subtraction's noise estimate is): the sequence after it is the fresh model's.
#[test]
fn reset_restarts_the_sequence() {
    let g = kiln_tests::Golden::load::<framer::Net>(dir("signal_framer"));
    let mut m = framer::Net::default();
    let first = run(&mut m, &g, 20);
    let later = run(&mut m, &g, 20);
    assert_ne!(first, later, "the framer carries samples from call to call");
    m.reset();
    assert_eq!(run(&mut m, &g, 20), first, "framer after reset");

    let g = kiln_tests::Golden::load::<front_end::Net>(dir("signal_front_end"));
    let mut m = Box::<front_end::Net>::default();
    let first = run(&mut *m, &g, 20);
    assert_ne!(first, run(&mut *m, &g, 20), "the noise estimate carries from call to call");
    m.reset();
    assert_eq!(run(&mut *m, &g, 20), first, "front end after reset");
}

/// Models with one defect each (make_signal_models.py's `broken_models`): a message naming the
/// op and what it expected, never a panic and never a model.
#[test]
fn defective_signal_models_are_rejected_by_name() {
    let errors = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/signal/errors");
    for (stem, want) in [
        ("window_shift_40", "op #0 CUSTOM(SignalWindow): custom options: `shift` is 40, must be in 0..=31 (TFLM shifts an int32 by it)"),
        ("rfft_length_12", "op #0 CUSTOM(SignalRfft): custom options: `fft_length` is 12; kiln implements powers of two from 4"),
        (
            "rfft_float32",
            "op #0 CUSTOM(SignalRfft): custom options: `T` is tensor type 0, but input tensor #0 `input` is int16 (tensor type 7); TFLM picks its kernel by `T`",
        ),
        (
            "energy_extra_option",
            "op #0 CUSTOM(SignalEnergy): custom options: `end_index` is not entry 0 of the map (keys: aaa, end_index, start_index); TFLM reads it by position",
        ),
        ("energy_end_past_bins", "op #0 CUSTOM(SignalEnergy): custom options: start_index 0, end_index 300: must satisfy 0 <= start <= end <= 257"),
        (
            "filter_bank_width_past_input",
            "op #0 CUSTOM(SignalFilterBank): channel 3: frequency start 9, weight start 5, width 400 reach outside the input's 257 bins or the 237 weights",
        ),
        (
            "spectral_subtraction_smoothing_bits_32",
            "op #0 CUSTOM(SignalFilterBankSpectralSubtraction): custom options: `smoothing_bits` is 32, must be in 0..=31",
        ),
        ("pcan_short_lut", "op #0 CUSTOM(SignalPCAN): gain table tensor #2 `gain_lut` has 100 entries; TFLM reads up to 125"),
        ("stacker_step_past_context", "op #0 CUSTOM(SignalStacker): custom options: `stacker_step` 3 exceeds the 2 stacked frames"),
        (
            "circular_buffer_cycles_2",
            "op #0 CUSTOM(CIRCULAR_BUFFER): custom options: `cycles_max` is 2: TFLM then aborts the invocation (kTfLiteAbort)",
        ),
        ("circular_buffer_no_cycles", "op #0 CUSTOM(CIRCULAR_BUFFER): no positive `cycles_max` option: TFLM then picks 1 or 2"),
    ] {
        let file = format!("{stem}.tflite");
        let bytes = std::fs::read(errors.join(&file)).unwrap_or_else(|e| panic!("missing {file} ({e})"));
        match kiln_codegen::compile(&file, &bytes, &Default::default()) {
            Ok(_) => panic!("{stem}: compiled"),
            Err(e) => assert!(e.to_string().contains(want), "{stem}: `{e}` lacks `{want}`"),
        }
    }
}
