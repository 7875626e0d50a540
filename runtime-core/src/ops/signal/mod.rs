//! TFLM's signal library (`signal/micro/kernels`, custom ops `Signal…`): the integer audio
//! front end of micro_speech-style preprocessor models. Tensors are little-endian byte storage
//! like every kernel's; the unsigned types (uint32 energies, uint64 filter-bank sums) are read
//! and written with [`le`]'s helpers. Arithmetic wraps exactly where TFLM's C wraps.

mod delay;
mod energy;
mod fft_auto_scale;
mod fifo;
mod filter_bank;
mod filter_bank_log;
mod filter_bank_square_root;
mod framer;
mod irfft;
mod kiss_fft;
mod le;
mod overlap_add;
mod pcan;
mod rfft;
mod spectral_subtraction;
mod stacker;
mod window;

pub use delay::signal_delay;
pub use energy::signal_energy;
pub use fft_auto_scale::{signal_fft_auto_scale, signal_fft_auto_scale_bits};
pub use filter_bank::signal_filter_bank;
pub use filter_bank_log::signal_filter_bank_log;
pub use filter_bank_square_root::signal_filter_bank_square_root;
pub use framer::signal_framer;
pub use irfft::{
    signal_irfft_f32_fft, signal_irfft_f32_split, signal_irfft_s16_fft, signal_irfft_s16_split, signal_irfft_s32_fft,
    signal_irfft_s32_split, SignalIrfftParams, SignalIrfftParamsF32, SignalIrfftParamsI16, SignalIrfftParamsI32,
};
pub use kiss_fft::{KissFft, Scalar};
pub use overlap_add::{signal_overlap_add_f32, signal_overlap_add_s16};
pub use pcan::signal_pcan;
pub use rfft::{
    signal_rfft_f32, signal_rfft_s16, signal_rfft_s32, SignalRfftParams, SignalRfftParamsF32, SignalRfftParamsI16, SignalRfftParamsI32,
};
pub use spectral_subtraction::{signal_spectral_subtraction, SpectralSubtractionParams};
pub use stacker::signal_stacker;
pub use window::signal_window;

/// Position of the highest set bit, counting from 1 (0 for 0): TFLM's `MostSignificantBit32`.
#[inline(always)]
pub(crate) fn msb32(x: u32) -> u32 {
    32 - x.leading_zeros()
}
