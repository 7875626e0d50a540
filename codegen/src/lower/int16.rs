//! int16x8 kernels of the core ops (int16 activations, int8 weights, int64 bias).

use super::*;

pub(super) const KERNELS: &[Kernel] = &[];
