//! Data movement: slicing, transposes, splits, gathers, space/depth/batch reshuffles.

use super::*;

pub(super) const KERNELS: &[Kernel] = &[];
