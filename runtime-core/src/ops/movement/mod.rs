//! Data movement: slicing, transposes, splits, gathers, space/depth/batch reshuffles.
