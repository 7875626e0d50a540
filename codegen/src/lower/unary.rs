//! Elementwise unary ops and activations (LOGISTIC, TANH, HARD_SWISH, ...).

use super::*;

pub(super) const KERNELS: &[Kernel] = &[];
