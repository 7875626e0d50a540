//! Stateful ops: variable tensors, SVDF, UNIDIRECTIONAL_SEQUENCE_LSTM, resource variables.
//!
//! State arguments (`state: &mut [u8]`, `hidden`, `cell`) are windows of the model's state
//! buffer, which holds the variable tensors between inferences; kernels update them in place.

mod circular_buffer;
mod lstm;
mod svdf;
mod variable;

pub use circular_buffer::circular_buffer_s8;
pub use lstm::{
    unidirectional_sequence_lstm_f32, unidirectional_sequence_lstm_s16, unidirectional_sequence_lstm_s8, LstmF32Gate,
    LstmF32Params, LstmGate, LstmParams, LstmS16Gate, LstmS16Params,
};
pub use svdf::{svdf_f32, svdf_s8, svdf_s8_s8state, SvdfF32Params, SvdfParams};
pub use variable::copy_variable;
