//! Elementwise unary ops and activations (LOGISTIC, TANH, HARD_SWISH, ...).
//!
//! int8 unary ops all run through [`lut_s8`]: the compiler evaluates TFLM's per-element
//! arithmetic (fixed-point or float, exactly as TFLM's prepare/eval do) for each of the 256
//! possible input bytes and passes the results as a const table, so the kernel is one load per
//! element and carries no op-specific arithmetic. int16 ops have their own kernels.

mod leaky_relu;
mod lut;

pub use leaky_relu::{leaky_relu_s16, LeakyReluS16Params};
pub use lut::{lut_s8, LutS8Params};
