//! Stateful ops: variable tensors, SVDF, UNIDIRECTIONAL_SEQUENCE_LSTM, resource variables.
//!
//! State arguments (`state: &mut [u8]`) are windows of the model's state buffer, which holds
//! the variable tensors between inferences; kernels read and update them in place.

mod svdf;

pub use svdf::{svdf_s8, svdf_s8_s8state, SvdfParams};
