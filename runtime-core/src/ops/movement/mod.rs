//! Data movement: slicing, transposes, splits, gathers, space/depth/batch reshuffles.
//!
//! Most of these ops never look at element values: codegen turns STRIDED_SLICE, SLICE,
//! TRANSPOSE, SPLIT, SPLIT_V, UNPACK, BROADCAST_TO, REVERSE_V2, DEPTH_TO_SPACE,
//! SPACE_TO_DEPTH and BATCH_TO_SPACE_ND into one byte-level [`strided_copy`]; PACK is a
//! concatenation. The ops with run-time indices or non-affine addressing have their own kernels.

mod batch_to_space_nd;
mod fill;
mod dynamic_update_slice;
mod gather;
mod gather_nd;
mod mirror_pad;
mod space_to_batch_nd;
mod strided_copy;

pub use batch_to_space_nd::{batch_to_space_nd, BatchToSpaceNdParams};
pub use fill::fill;
pub use dynamic_update_slice::{dynamic_update_slice, DynamicUpdateSliceParams, DUS_MAX_DIMS};
pub use gather::{gather, GatherParams};
pub(crate) use gather::index_at;
pub use gather_nd::{gather_nd, GatherNdParams, GATHER_ND_AXES};
pub use mirror_pad::{mirror_pad, MirrorPadParams, MIRROR_PAD_AXES};
pub use space_to_batch_nd::{space_to_batch_nd, SpaceToBatchNdParams};
pub(crate) use strided_copy::walk;
pub use strided_copy::{strided_copy, StridedCopyParams, COPY_AXES};
