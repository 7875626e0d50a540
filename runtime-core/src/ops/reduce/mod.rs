//! Reductions (MEAN in `../mean.rs`, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_ALL, ARG_MAX, ARG_MIN),
//! resizes, TRANSPOSE_CONV, BATCH_MATMUL and L2_POOL_2D.
//!
//! The reductions share one description of *where* the reduced elements live
//! ([`Reduction`]) and one way to read and write the element types kiln supports
//! ([`Elem`]); each op's file only says how elements combine.

mod arg_min_max;
mod batch_matmul;
mod l2_pool_2d;
mod reduce_all;
mod reduce_min_max;
mod resize_bilinear;
mod resize_nearest_neighbor;
mod sum;
mod transpose_conv;

pub use arg_min_max::{arg_max_f32, arg_max_s8, arg_min_f32, arg_min_s8};
pub use batch_matmul::{
    batch_matmul_f32, batch_matmul_s16, batch_matmul_s8, BatchMatMulParams, BatchMatMulS16Params, BatchMatMulShape,
};
pub use l2_pool_2d::{l2_pool2d_f32, L2Pool2dParams};
pub use reduce_all::reduce_all;
pub use reduce_min_max::{reduce_max_f32, reduce_max_s8, reduce_min_f32, reduce_min_s8};
pub use resize_bilinear::{resize_bilinear_f32, resize_bilinear_s8, BilinearTap, ResizeBilinearF32Params, ResizeBilinearParams};
pub use resize_nearest_neighbor::{resize_nearest_neighbor, ResizeNearestNeighborParams};
pub use sum::{sum_f32, sum_s16, sum_s8};
pub use transpose_conv::{
    transpose_conv_f32, transpose_conv_s16, transpose_conv_s8, TransposeConvF32Params, TransposeConvParams,
    TransposeConvS16Params, TransposeConvShape,
};

/// The geometry of one reduction over any set of axes.
///
/// Codegen merges adjacent input dimensions that are both kept or both reduced, so any input of
/// rank ≤ 8 fits in four *kept* dimensions (which enumerate the outputs, in output order) and four
/// *reduced* dimensions (which enumerate the elements combined into one output, in the input's
/// row-major order — the order TFLM's reference `ReduceGeneric`/`ReduceSumImpl` visits them,
/// which matters for float sums). Unused dimensions have extent 1 and stride 0. Strides count
/// elements, not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reduction {
    /// Extents of the kept dimensions (they enumerate the outputs).
    pub kept: [usize; 4],
    /// Input strides of the kept dimensions.
    pub kept_strides: [usize; 4],
    /// Extents of the reduced dimensions (they enumerate the elements of one output).
    pub reduced: [usize; 4],
    /// Input strides of the reduced dimensions.
    pub reduced_strides: [usize; 4],
}

/// Calls `f` with the element offsets `Σ iₖ·strides[k]` of a 4-deep loop nest over `shape`, in
/// row-major order. A plain loop nest, not nested `flat_map` iterators: their state (two levels
/// of them, kept and reduced) took most of a kilobyte of stack.
#[inline(always)]
pub(crate) fn for_each_offset(shape: [usize; 4], strides: [usize; 4], mut f: impl FnMut(usize)) {
    let [n0, n1, n2, n3] = shape;
    let [s0, s1, s2, s3] = strides;
    for a in 0..n0 {
        for b in 0..n1 {
            for c in 0..n2 {
                for d in 0..n3 {
                    f(a * s0 + b * s1 + c * s2 + d * s3);
                }
            }
        }
    }
}

/// An element type as stored in kiln's byte-slice tensors (little-endian).
pub(crate) trait Elem: Copy {
    /// Element `i` of `bytes`, or `None` outside the buffer (ruled out by the contract).
    fn load(bytes: &[u8], i: usize) -> Option<Self>;
    /// Writes element `i` of `bytes` (nothing outside the buffer).
    fn store(self, bytes: &mut [u8], i: usize);
}

impl Elem for i8 {
    #[inline]
    fn load(bytes: &[u8], i: usize) -> Option<Self> {
        bytes.get(i).map(|&b| b as i8)
    }
    #[inline]
    fn store(self, bytes: &mut [u8], i: usize) {
        if let Some(b) = bytes.get_mut(i) {
            *b = self as u8;
        }
    }
}

macro_rules! le_elem {
    ($t:ty, $n:expr) => {
        impl Elem for $t {
            #[inline]
            fn load(bytes: &[u8], i: usize) -> Option<Self> {
                let chunk = bytes.get(i.checked_mul($n)?..)?.get(..$n)?;
                let mut raw = [0u8; $n];
                raw.copy_from_slice(chunk);
                Some(<$t>::from_le_bytes(raw))
            }
            #[inline]
            fn store(self, bytes: &mut [u8], i: usize) {
                let start = i.saturating_mul($n);
                super::copy_prefix(super::window_mut(bytes, start, $n), &self.to_le_bytes());
            }
        }
    };
}
le_elem!(i16, 2);
le_elem!(i32, 4);
le_elem!(i64, 8);
le_elem!(f32, 4);

/// Folds every group of `r` with `step`, starting from `init`, and stores `finish(acc)` as
/// output element `o` (outputs in order).
#[inline]
pub(crate) fn fold_groups<T: Elem, A: Copy, U: Elem>(
    r: &Reduction,
    input: &[u8],
    output: &mut [u8],
    init: A,
    step: impl Fn(A, T) -> A,
    finish: impl Fn(A) -> U,
) {
    // Outputs in order; each output's elements in TFLM's (row-major) order.
    let mut o = 0;
    for_each_offset(r.kept, r.kept_strides, |base| {
        let mut acc = init;
        for_each_offset(r.reduced, r.reduced_strides, |i| {
            if let Some(x) = T::load(input, base + i) {
                acc = step(acc, x);
            }
        });
        finish(acc).store(output, o);
        o += 1;
    });
}

#[cfg(test)]
pub(crate) mod testing {
    //! A direct, index-arithmetic model of a reduction for the kernels' tests: a random shape
    //! of rank 1..=5, a random axis set, the geometry codegen would emit, and for every output
    //! the input indices it combines in row-major order.
    extern crate std;
    use super::Reduction;
    use crate::fixed_point::testing::Rng;
    use std::vec::Vec;

    pub struct Case {
        pub shape: Vec<usize>,
        pub axes: Vec<bool>,
        pub geometry: Reduction,
    }

    impl Case {
        pub fn random(rng: &mut Rng) -> Case {
            let rank = rng.usize(1, 5);
            let shape: Vec<usize> = (0..rank).map(|_| rng.usize(1, 5)).collect();
            let mut axes: Vec<bool> = (0..rank).map(|_| rng.bool()).collect();
            if !axes.iter().any(|&a| a) {
                let k = rng.usize(0, rank - 1);
                axes[k] = true;
            }
            let geometry = geometry(&shape, &axes);
            Case { shape, axes, geometry }
        }

        /// Input indices of each output, outputs in order, inputs in row-major order.
        pub fn groups(&self) -> Vec<Vec<usize>> {
            let total: usize = self.shape.iter().product();
            let mut out: Vec<(usize, Vec<usize>)> = Vec::new();
            for flat in 0..total {
                // Unravel, then ravel the kept coordinates into the output index.
                let mut rem = flat;
                let mut coords = std::vec![0; self.shape.len()];
                for d in (0..self.shape.len()).rev() {
                    coords[d] = rem % self.shape[d];
                    rem /= self.shape[d];
                }
                let mut o = 0;
                for ((&n, &reduced), &c) in self.shape.iter().zip(&self.axes).zip(&coords) {
                    if !reduced {
                        o = o * n + c;
                    }
                }
                match out.iter_mut().find(|(k, _)| *k == o) {
                    Some((_, v)) => v.push(flat),
                    None => out.push((o, std::vec![flat])),
                }
            }
            out.sort_by_key(|(k, _)| *k);
            out.into_iter().map(|(_, v)| v).collect()
        }
    }

    /// The geometry, built the way codegen builds it (merge runs of same-kind dims).
    pub fn geometry(shape: &[usize], axes: &[bool]) -> Reduction {
        let mut strides = std::vec![1usize; shape.len()];
        for d in (0..shape.len().saturating_sub(1)).rev() {
            strides[d] = strides[d + 1] * shape[d + 1];
        }
        let mut runs: Vec<(bool, usize, usize)> = Vec::new(); // (reduced, extent, stride)
        for d in 0..shape.len() {
            match runs.last_mut() {
                Some(last) if last.0 == axes[d] => {
                    last.1 *= shape[d];
                    last.2 = strides[d];
                }
                _ => runs.push((axes[d], shape[d], strides[d])),
            }
        }
        let mut r = Reduction { kept: [1; 4], kept_strides: [0; 4], reduced: [1; 4], reduced_strides: [0; 4] };
        let kept: Vec<_> = runs.iter().filter(|x| !x.0).collect();
        let red: Vec<_> = runs.iter().filter(|x| x.0).collect();
        for (i, x) in kept.iter().enumerate() {
            r.kept[4 - kept.len() + i] = x.1;
            r.kept_strides[4 - kept.len() + i] = x.2;
        }
        for (i, x) in red.iter().enumerate() {
            r.reduced[4 - red.len() + i] = x.1;
            r.reduced_strides[4 - red.len() + i] = x.2;
        }
        r
    }
}
