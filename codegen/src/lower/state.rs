//! Stateful ops: variable tensors, SVDF, UNIDIRECTIONAL_SEQUENCE_LSTM, resource variables.

use super::*;

pub(super) const KERNELS: &[Kernel] = &[];
