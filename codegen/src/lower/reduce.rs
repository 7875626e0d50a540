//! Reductions (SUM, REDUCE_MAX, ARG_MAX, ...), resizes, TRANSPOSE_CONV and BATCH_MATMUL.

use super::*;

pub(super) const KERNELS: &[Kernel] = &[];
