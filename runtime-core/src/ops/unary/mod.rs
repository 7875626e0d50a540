//! Elementwise unary ops and activations (LOGISTIC, TANH, HARD_SWISH, ...).
//!
//! int8 unary ops all run through [`lut_s8`]: the compiler evaluates TFLM's per-element
//! arithmetic (fixed-point, exactly as TFLM's prepare/eval do) for each of the 256 possible
//! input bytes and passes the results as a const table, so the kernel is one load per element
//! and carries no op-specific arithmetic. int16 and float32 ops have their own kernels.

mod abs;
mod cast;
mod cos;
mod elu;
mod exp;
mod f32_map;
mod hard_swish;
mod l2_normalization;
mod leaky_relu;
mod log;
mod log_softmax;
mod logical_not;
pub(crate) mod logistic;
mod lut;
mod neg;
mod relu;
mod rounding;
mod rsqrt;
pub(crate) mod sigmoid16;
mod sin;
mod sqrt;
mod square;
mod tanh;
mod zeros_like;

pub use abs::{abs_f32, abs_s16, AbsS16Params};
pub use cast::{cast, CastParams, CastType};
pub use cos::cos_f32;
pub use hard_swish::hard_swish_f32;
pub use log::log_f32;
pub use log_softmax::{log_softmax_f32, log_softmax_s8, LogSoftmaxParams};
pub use logical_not::logical_not;
pub use neg::neg_f32;
pub use relu::{leaky_relu_f32, relu6_f32, relu6_s16, relu_f32};
pub use rounding::{ceil_f32, floor_elementwise_f32, round_f32};
pub use rsqrt::rsqrt_f32;
pub use sin::sin_f32;
pub use sqrt::sqrt_f32;
pub use square::square_f32;

pub use l2_normalization::{l2_normalization_f32, l2_normalization_s8, L2NormalizationParams};
pub use leaky_relu::{leaky_relu_s16, LeakyReluS16Params};
pub use elu::elu_f32;
pub use exp::exp_elementwise_f32;
pub use logistic::{logistic_f32, logistic_s16};
pub use lut::{lut_s8, LutS8Params};
pub use sigmoid16::Sigmoid16Params;
pub use tanh::{tanh_f32, tanh_s16};
pub use zeros_like::zeros_like;
