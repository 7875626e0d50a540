//! Elementwise unary ops and activations (LOGISTIC, TANH, HARD_SWISH, ...).
//!
//! int8 unary ops all run through [`lut_s8`]: the compiler evaluates TFLM's per-element
//! arithmetic (fixed-point, exactly as TFLM's prepare/eval do) for each of the 256 possible
//! input bytes and passes the results as a const table, so the kernel is one load per element
//! and carries no op-specific arithmetic. int16 ops have their own kernels.

mod leaky_relu;
mod logistic;
mod lut;
mod sigmoid16;
mod tanh;

pub use leaky_relu::{leaky_relu_s16, LeakyReluS16Params};
pub use logistic::logistic_s16;
pub use lut::{lut_s8, LutS8Params};
pub use sigmoid16::Sigmoid16Params;
pub use tanh::tanh_s16;
