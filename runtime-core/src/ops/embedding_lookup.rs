//! EMBEDDING_LOOKUP with int8 rows and a float32 output (TFLM's hybrid path): each looked-up
//! row dequantized with the table's one scale (zero point 0). Float32 → float32 and
//! int8 → int8 lookups copy rows: the compiler calls [`super::gather`] for them.

use super::binary::put;
use super::movement::index_at;

/// Static parameters of one hybrid EMBEDDING_LOOKUP.
#[derive(Clone, Copy, Debug)]
pub struct EmbeddingLookupParams {
    /// Rows in the table.
    pub rows: usize,
    /// Elements per row.
    pub columns: usize,
    /// The table's scale.
    pub scale: f32,
}

/// Row `ids[i]` of the int8 table, as `x · scale` in float32 (TFLM's `Dequantize`), for every
/// id. TFLM stops with an error on an id outside the table; a compiled model cannot fail at run
/// time, so such an id gives a row of zeros (as kiln's GATHER does).
pub fn embedding_lookup_s8_f32(p: &EmbeddingLookupParams, table: &[u8], ids: &[u8], output: &mut [u8]) {
    let row_bytes = 4 * p.columns;
    if row_bytes == 0 {
        return;
    }
    for (i, out) in output.chunks_exact_mut(row_bytes).enumerate() {
        let row = usize::try_from(index_at(ids, i, 4)).ok().filter(|&r| r < p.rows);
        for (j, o) in out.chunks_exact_mut(4).enumerate() {
            let x = row.and_then(|r| table.get(r * p.columns + j)).map_or(0.0, |&b| f32::from(b as i8) * p.scale);
            put(o, x.to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::{vec, vec::Vec};

    #[test]
    fn rows_dequantized_and_bad_ids_zeroed() {
        let table: Vec<u8> = (0..12).map(|v: i32| (v * 23 - 128) as i8 as u8).collect();
        let p = EmbeddingLookupParams { rows: 4, columns: 3, scale: 0.25 };
        let ids: Vec<u8> = [2i32, 0, 7, -1, 3].iter().flat_map(|i| i.to_le_bytes()).collect();
        let mut out = vec![0u8; 5 * 3 * 4];
        embedding_lookup_s8_f32(&p, &table, &ids, &mut out);
        let got: Vec<f32> = out.chunks(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        for (i, &id) in [2i32, 0, 7, -1, 3].iter().enumerate() {
            for j in 0..3 {
                let want = if (0..4).contains(&id) { f32::from(table[id as usize * 3 + j] as i8) * 0.25 } else { 0.0 };
                assert_eq!(got[i * 3 + j], want, "id {id} column {j}");
            }
        }
    }
}
