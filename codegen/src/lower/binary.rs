//! Elementwise binary ops (MUL, SUB, comparisons, MAXIMUM/MINIMUM, ...).

use super::*;

pub(super) const KERNELS: &[Kernel] = &[];
