//! float32 kernels of the core ops (conv, pooling, softmax, ...), float16 and dynamic-range weights.

use super::*;

pub(super) const KERNELS: &[Kernel] = &[];
