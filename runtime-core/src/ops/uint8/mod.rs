//! uint8 kernels of TF1's `quantized_uint8` scheme (asymmetric per-tensor uint8 activations *and*
//! weights), bit-exact with LiteRT's reference kernels, the oracle for uint8 (TFLM dropped them).
//!
//! Only the ops whose arithmetic has no int8 counterpart live here: the conv family, whose
//! non-zero weight zero point (`filter_offset`) multiplies every input tap, and CONCATENATION's
//! float rescaling. Pooling, SOFTMAX, ADD, QUANTIZE and DEQUANTIZE on uint8 are the int8 kernels'
//! arithmetic on unsigned bytes (`*_u8` next to each `*_s8`).

mod concatenation;
mod conv2d;
mod depthwise_conv2d;
mod fully_connected;

pub use concatenation::{concatenation_u8, ConcatU8Input, ConcatU8Params};
pub use conv2d::{conv2d_u8, ConvU8Params};
pub use depthwise_conv2d::depthwise_conv2d_u8;
pub use fully_connected::{fully_connected_u8, FullyConnectedU8Params};

use crate::fixed_point::{multiply_by_quantized_multiplier, Requant};

/// LiteRT's uint8 output stage: `MultiplyByQuantizedMultiplier`, `+ output_offset`, clamp to the
/// activation range (inside 0..=255).
#[inline(always)]
pub(crate) fn output_stage(acc: i32, requant: Requant, output_offset: i32, act_min: i32, act_max: i32) -> u8 {
    multiply_by_quantized_multiplier(acc, requant).wrapping_add(output_offset).max(act_min).min(act_max) as u8
}
