//! `SignalFilterBankSpectralSubtraction` (TFLM `filter_bank_spectral_subtraction.cc`): a running
//! per-channel noise estimate (the op's state, zero at start and after `reset`) subtracted from
//! each channel, never below `min_signal_remaining` of the signal. Even channels smooth with
//! `smoothing`, odd ones with `alternate_smoothing`.

use super::le::{get_u32, set_u32};

/// The op's options, decoded at compile time.
#[derive(Clone, Copy, Debug)]
pub struct SpectralSubtractionParams {
    /// Weight of the new signal in the even channels' estimate (Q`spectral_subtraction_bits`).
    pub smoothing: u32,
    /// Weight of the old estimate in the even channels.
    pub one_minus_smoothing: u32,
    /// `smoothing` of the odd channels.
    pub alternate_smoothing: u32,
    /// `one_minus_smoothing` of the odd channels.
    pub alternate_one_minus_smoothing: u32,
    /// < 32 (checked at compile time).
    pub smoothing_bits: u32,
    /// < 64 (checked at compile time).
    pub spectral_subtraction_bits: u32,
    /// The output's floor, as a fraction of the input (Q`spectral_subtraction_bits`).
    pub min_signal_remaining: u32,
    /// Clamp the stored estimate to the signal, not only the one subtracted.
    pub clamping: bool,
}

/// `noise_estimate` is the op's state (uint32 per channel), updated in place; the op's second
/// output is a copy of it (`copy_variable`).
pub fn signal_spectral_subtraction(p: &SpectralSubtractionParams, input: &[u8], noise_estimate: &mut [u8], output: &mut [u8]) {
    for i in 0..output.len() / 4 {
        let (smoothing, keep) =
            if i & 1 == 0 { (p.smoothing, p.one_minus_smoothing) } else { (p.alternate_smoothing, p.alternate_one_minus_smoothing) };
        let x = get_u32(input, i);
        let signal = x.wrapping_shl(p.smoothing_bits);
        let mut noise = ((u64::from(signal) * u64::from(smoothing)).wrapping_add(u64::from(get_u32(noise_estimate, i)) * u64::from(keep)))
            .wrapping_shr(p.spectral_subtraction_bits) as u32;
        let mut estimate = noise;
        if estimate > signal {
            estimate = signal;
            if p.clamping {
                noise = estimate;
            }
        }
        set_u32(noise_estimate, i, noise);
        let floor = (u64::from(x) * u64::from(p.min_signal_remaining)).wrapping_shr(p.spectral_subtraction_bits) as u32;
        let subtracted = (signal - estimate).wrapping_shr(p.smoothing_bits);
        set_u32(output, i, subtracted.max(floor));
    }
}
