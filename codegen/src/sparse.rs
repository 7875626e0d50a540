//! TFLite's sparse tensor format, densified at compile time.
//!
//! `EXPERIMENTAL_SPARSITY` stores weights with many zeros as `SparsityParameters`: the tensor's
//! dimensions (and, for block sparsity, block dimensions) visited in `traversal_order`, each
//! level either DENSE (every index) or SPARSE_CSR (segments into an index list), and the
//! non-zero values in visiting order. kiln expands them to the dense tensor when it reads the
//! file, so every kernel sees ordinary constants (and DENSIFY, which the converter puts after
//! float sparse weights, becomes a copy of a constant, folded away). Every index is checked:
//! a malformed description is an error naming what is wrong, never an out-of-range read.

use crate::schema as fb;

/// One level of the traversal: DENSE with its size, or SPARSE_CSR with its segments and indices.
enum Level {
    Dense(usize),
    Sparse { segments: Vec<usize>, indices: Vec<usize> },
}

/// The integer vector of a SparseIndexVector union.
fn index_vector(kind: fb::SparseIndexVector, m: &fb::DimensionMetadata<'_>, segments: bool) -> Option<Vec<usize>> {
    let as_usize = |v: i64| usize::try_from(v).ok();
    match kind {
        fb::SparseIndexVector::Int32Vector => {
            let v = if segments { m.array_segments_as_int_32_vector() } else { m.array_indices_as_int_32_vector() }?;
            v.values()?.iter().map(|x| as_usize(x as i64)).collect()
        }
        fb::SparseIndexVector::Uint16Vector => {
            let v = if segments { m.array_segments_as_uint_16_vector() } else { m.array_indices_as_uint_16_vector() }?;
            Some(v.values()?.iter().map(usize::from).collect())
        }
        fb::SparseIndexVector::Uint8Vector => {
            let v = if segments { m.array_segments_as_uint_8_vector() } else { m.array_indices_as_uint_8_vector() }?;
            Some(v.values()?.iter().map(usize::from).collect())
        }
        _ => None,
    }
}

/// The dense bytes of a sparse constant of `shape` (elements of `elem` bytes) whose stored
/// non-zero values are `values`. `Err` says what in the description is inconsistent.
pub(crate) fn densify(shape: &[usize], elem: usize, sp: &fb::SparsityParameters<'_>, values: &[u8]) -> Result<Vec<u8>, String> {
    let rank = shape.len();
    let order: Vec<usize> = sp.traversal_order().map(|v| v.iter().map(|x| x as usize).collect()).unwrap_or_default();
    let block_map: Vec<usize> = sp.block_map().map(|v| v.iter().map(|x| x as usize).collect()).unwrap_or_default();
    let metadata = sp.dim_metadata().ok_or("sparsity parameters without dim_metadata")?;
    let levels_n = rank + block_map.len();
    if order.len() != levels_n || metadata.len() != levels_n {
        return Err(format!(
            "sparsity: traversal_order has {} entries and dim_metadata {}, but the rank {rank} and {} block dimensions need {levels_n}",
            order.len(),
            metadata.len(),
            block_map.len()
        ));
    }
    let mut seen = vec![false; levels_n];
    for &t in &order {
        match seen.get_mut(t) {
            Some(s) if !*s => *s = true,
            _ => return Err(format!("sparsity: traversal_order {order:?} is not a permutation of 0..{levels_n}")),
        }
    }
    // Block size of each original dimension (1 when it is not blocked).
    let mut block = vec![1usize; rank];
    for (k, &d) in block_map.iter().enumerate() {
        let size = metadata.get(order.iter().position(|&t| t == rank + k).unwrap_or(0)).dense_size();
        if d >= rank || size <= 0 || shape[d] % size as usize != 0 || block[d] != 1 {
            return Err(format!("sparsity: block dimension {k} (of dimension {d}, size {size}) does not tile shape {shape:?}"));
        }
        block[d] = size as usize;
    }
    // Each level's extent, and its description.
    let extent = |t: usize| if t < rank { shape[t] / block[t] } else { block[block_map[t - rank]] };
    let mut levels = Vec::with_capacity(levels_n);
    for (l, &t) in order.iter().enumerate() {
        let m = metadata.get(l);
        levels.push(match m.format() {
            fb::DimensionType::DENSE => {
                let size = usize::try_from(m.dense_size()).map_err(|_| format!("sparsity: level {l} has dense_size {}", m.dense_size()))?;
                if size != extent(t) {
                    return Err(format!("sparsity: level {l} (dimension {t}) has dense_size {size}, the shape gives {}", extent(t)));
                }
                Level::Dense(size)
            }
            fb::DimensionType::SPARSE_CSR => {
                let segments = index_vector(m.array_segments_type(), &m, true).ok_or(format!("sparsity: level {l} has no valid array_segments"))?;
                let indices = index_vector(m.array_indices_type(), &m, false).ok_or(format!("sparsity: level {l} has no valid array_indices"))?;
                if segments.windows(2).any(|w| w[0] > w[1]) || segments.last().is_some_and(|&e| e > indices.len()) {
                    return Err(format!("sparsity: level {l}'s segments are not non-decreasing offsets into its {} indices", indices.len()));
                }
                if let Some(i) = indices.iter().find(|&&i| i >= extent(t)) {
                    return Err(format!("sparsity: level {l} (dimension {t}) has index {i}, past its extent {}", extent(t)));
                }
                Level::Sparse { segments, indices }
            }
            other => return Err(format!("sparsity: level {l} has unknown format {}", other.0)),
        });
    }
    let elements: usize = shape.iter().product();
    let mut dense = vec![0u8; elements * elem];
    let mut strides = vec![1usize; rank];
    for d in (0..rank.saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * shape[d + 1];
    }
    let mut walk = Walk { levels: &levels, order: &order, rank, block_map: &block_map, block: &block, strides: &strides, elem, values, next: 0, coord: vec![0; levels_n], dense: &mut dense };
    walk.level(0, 0)?;
    if walk.next * elem != values.len() {
        return Err(format!("sparsity: the description visits {} values, the buffer holds {}", walk.next, values.len() / elem.max(1)));
    }
    Ok(dense)
}

/// The traversal's state: the index at each level so far, and the next stored value.
struct Walk<'a> {
    levels: &'a [Level],
    order: &'a [usize],
    rank: usize,
    block_map: &'a [usize],
    block: &'a [usize],
    strides: &'a [usize],
    elem: usize,
    values: &'a [u8],
    next: usize,
    coord: Vec<usize>,
    dense: &'a mut [u8],
}

impl Walk<'_> {
    /// Visits level `l` under position `pos` of the level above (TFLite's numbering: a DENSE
    /// level's children are `pos · size + i`, a SPARSE_CSR level's are its index positions).
    fn level(&mut self, l: usize, pos: usize) -> Result<(), String> {
        let Some(level) = self.levels.get(l) else {
            return self.leaf();
        };
        match level {
            Level::Dense(size) => {
                for i in 0..*size {
                    self.coord[l] = i;
                    self.level(l + 1, pos * size + i)?;
                }
            }
            Level::Sparse { segments, indices } => {
                let (Some(&lo), Some(&hi)) = (segments.get(pos), segments.get(pos + 1)) else {
                    return Err(format!("sparsity: level {l} has no segment for position {pos}"));
                };
                let run = indices.get(lo..hi).ok_or_else(|| format!("sparsity: level {l}'s segment {lo}..{hi} is outside its indices"))?;
                for (k, &i) in (lo..).zip(run) {
                    self.coord[l] = i;
                    self.level(l + 1, k)?;
                }
            }
        }
        Ok(())
    }

    /// Stores the next value at the dense position of the current coordinates.
    fn leaf(&mut self) -> Result<(), String> {
        let mut outer = vec![0usize; self.rank];
        let mut inner = vec![0usize; self.rank];
        for (l, &t) in self.order.iter().enumerate() {
            if t < self.rank {
                outer[t] = self.coord[l];
            } else {
                inner[self.block_map[t - self.rank]] = self.coord[l];
            }
        }
        let flat: usize = (0..self.rank).map(|d| (outer[d] * self.block[d] + inner[d]) * self.strides[d]).sum();
        let src = self.values.get(self.next * self.elem..(self.next + 1) * self.elem).ok_or_else(|| {
            format!("sparsity: the description visits more values than the buffer's {}", self.values.len() / self.elem.max(1))
        })?;
        if let Some(dst) = self.dense.get_mut(flat * self.elem..(flat + 1) * self.elem) {
            dst.copy_from_slice(src);
        }
        self.next += 1;
        Ok(())
    }
}
