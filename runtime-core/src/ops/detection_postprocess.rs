//! `TFLite_Detection_PostProcess` (TFLM `detection_postprocess.cc`): the box decoding and
//! non-max suppression at the end of SSD detectors exported by the TF Object Detection API.
//!
//! Inputs (float32, as TFLM runs the op; or uint8, dequantized as LiteRT's kernel does): box encodings `[1, N, ≥4]` (`y, x, h, w` relative to
//! each anchor), class predictions `[1, N, classes (+1 background)]`, anchors `[N, 4]`
//! (`y, x, h, w`). The kernel writes its four outputs — boxes `[S, 4]` (`ymin, xmin, ymax,
//! xmax`), classes `[S]`, scores `[S]`, the count `[1]`, all float32 — at the front of one
//! scratch buffer from the arena (`S` output slots), followed by its working memory (decoded
//! boxes, sort indices, NMS flags); [`detection_postprocess_output`] then copies each output
//! to its tensor. [`DetectionPostProcessParams::scratch_bytes`] is what the planner reserves.
//!
//! Bit-exact with TFLM where TFLM is deterministic:
//! - decoding in f64 with the f64 `exp` ([`crate::float_math::exp`], glibc's bits), rounded to
//!   f32, as TFLM's `DecodeCenterSizeBoxes`;
//! - the same sorts: score order is a stable descending merge sort (ties keep anchor order), the
//!   partial sorts are by (score descending, index ascending), as TFLM's comparators define them;
//! - intersection-over-union in f32 in TFLM's order, `std::max`/`std::min` as the C++ spells them.
//!
//! Where TFLM is not deterministic or fails, kiln defines the result:
//! - fast NMS leaves TFLM's unused output slots unwritten; kiln writes zeros there;
//! - TFLM's `Invoke` fails if a decoded box is empty (`ymin >= ymax` or `xmin >= xmax`: only
//!   when the `exp` underflows, or on NaN encodings); kiln then reports no detections (count 0,
//!   every slot zero);
//! - `max_classes_per_detection = k > 1` (fast NMS): TFLM computes slot `k·j + col` with a
//!   counter `j` that advances once per *class*, so it skips slots and writes past the end of its
//!   outputs, and counts classes, not detections; kiln writes LiteRT's layout (class `col` of
//!   detection `i` in slot `i·k + col`) and LiteRT's count (detections), tested against LiteRT.
//! - NaN scores: NaN never passes the score threshold; the per-anchor class order with NaNs is
//!   whatever `std::partial_sort` does in TFLM, here NaN compares as neither larger nor equal.

use super::binary::f32_of;

/// How an input's elements read as f32: float32, or uint8 dequantized as LiteRT's kernel does,
/// `(f32(x) − f32(zero_point)) · scale` (TFLM's kernel runs float32 only).
#[derive(Clone, Copy, Debug)]
pub enum DetectionInput {
    /// float32 elements.
    F32,
    /// uint8 elements with their quantization.
    U8 {
        /// Scale.
        scale: f32,
        /// Zero point.
        zero_point: i32,
    },
}

impl DetectionInput {
    #[inline(always)]
    fn read(self, b: &[u8], i: usize) -> f32 {
        match self {
            DetectionInput::F32 => read_f32(b, i),
            DetectionInput::U8 { scale, zero_point } => match b.get(i) {
                Some(&x) => (f32::from(x) - zero_point as f32) * scale,
                None => 0.0,
            },
        }
    }
}

/// Everything the kernel needs, folded from the op's flexbuffer options and tensor shapes at
/// compile time.
#[derive(Clone, Copy, Debug)]
pub struct DetectionPostProcessParams {
    /// Anchors (`N`).
    pub num_boxes: usize,
    /// The box encodings' last dimension (4 or more; the first 4 are used).
    pub box_stride: usize,
    /// Classes without the background class.
    pub num_classes: usize,
    /// 1 if the class predictions start with a background class, else 0.
    pub label_offset: usize,
    /// `max_detections`.
    pub max_detections: usize,
    /// Fast NMS: classes reported per detection (`max_classes_per_detection`, at most
    /// `num_classes`).
    pub classes_per_detection: usize,
    /// Regular NMS: detections kept per class.
    pub detections_per_class: usize,
    /// Regular (per-class) NMS, else fast (class-agnostic) NMS.
    pub regular_nms: bool,
    /// Scores below this are dropped.
    pub score_threshold: f32,
    /// Boxes overlapping a kept box by more than this are suppressed.
    pub iou_threshold: f32,
    /// `y_scale, x_scale, h_scale, w_scale`.
    pub scale: [f32; 4],
    /// The box encodings' element type.
    pub boxes: DetectionInput,
    /// The class predictions' element type.
    pub scores: DetectionInput,
    /// The anchors' element type (uint8 exactly when the box encodings are, as in LiteRT).
    pub anchors: DetectionInput,
}

impl DetectionPostProcessParams {
    /// Output slots (`S`): `max_detections`, times `classes_per_detection` for fast NMS.
    pub const fn slots(&self) -> usize {
        if self.regular_nms {
            self.max_detections
        } else {
            self.max_detections * self.classes_per_detection
        }
    }

    /// Byte offsets of the four outputs at the front of the scratch buffer, and their lengths.
    pub const fn output_range(&self, which: usize) -> (usize, usize) {
        let s = self.slots();
        match which {
            0 => (0, s * 16),
            1 => (s * 16, s * 4),
            2 => (s * 20, s * 4),
            _ => (s * 24, 4),
        }
    }

    /// Largest candidate list of one single-class NMS.
    const fn selected_max(&self) -> usize {
        let per = if self.regular_nms { self.detections_per_class } else { self.max_detections };
        if per < self.num_boxes {
            per
        } else {
            self.num_boxes
        }
    }

    /// Length of the regular NMS's merged candidate lists (kept so far + one class's).
    const fn merged_max(&self) -> usize {
        if self.regular_nms {
            self.max_detections + self.selected_max()
        } else {
            0
        }
    }

    /// Bytes of scratch (outputs first, then working memory) the kernel needs.
    pub const fn scratch_bytes(&self) -> usize {
        let n = self.num_boxes;
        let outputs = self.slots() * 24 + 4;
        // decoded boxes, per-anchor scores, keep scores, keep indices, sorted indices, merge
        // scratch, active flags (one word each), selected.
        let nms = n * 16 + n * 4 * 6 + self.selected_max() * 4;
        let m = self.merged_max();
        let regular = m * 4 * 4;
        let fast = if self.regular_nms { 0 } else { n * self.num_classes * 4 };
        outputs + nms + regular + fast
    }
}

/// A little-endian u32/f32 array in scratch bytes (no alignment assumed, no panic path: an
/// index past the end reads 0 and writes nothing, which the sizes above rule out).
struct Words<'a>(&'a mut [u8]);

impl Words<'_> {
    #[inline(always)]
    fn get(&self, i: usize) -> u32 {
        let s = i.wrapping_mul(4);
        match self.0.get(s..s.wrapping_add(4)) {
            Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
            _ => 0,
        }
    }
    #[inline(always)]
    fn set(&mut self, i: usize, v: u32) {
        let s = i.wrapping_mul(4);
        if let Some(d) = self.0.get_mut(s..s.wrapping_add(4)) {
            d.copy_from_slice(&v.to_le_bytes());
        }
    }
    #[inline(always)]
    fn f(&self, i: usize) -> f32 {
        f32::from_bits(self.get(i))
    }
    #[inline(always)]
    fn set_f(&mut self, i: usize, v: f32) {
        self.set(i, v.to_bits())
    }
    #[inline(always)]
    fn idx(&self, i: usize) -> usize {
        self.get(i) as usize
    }
}

/// The first `words` 4-byte words of `rest`, the remainder left in `rest`.
fn take<'a>(rest: &mut &'a mut [u8], words: usize) -> Words<'a> {
    let all = core::mem::take(rest);
    let n = words.saturating_mul(4).min(all.len());
    let (head, tail) = all.split_at_mut(n);
    *rest = tail;
    Words(head)
}

#[inline(always)]
fn read_f32(b: &[u8], i: usize) -> f32 {
    let s = i.wrapping_mul(4);
    match b.get(s..s.wrapping_add(4)) {
        Some(&[a, b, c, d]) => f32_of([a, b, c, d]),
        _ => 0.0,
    }
}

/// C++ `std::max<float>(a, b)`: `(a < b) ? b : a`.
#[inline(always)]
fn cmax(a: f32, b: f32) -> f32 {
    if a < b {
        b
    } else {
        a
    }
}

/// C++ `std::min<float>(a, b)`: `(b < a) ? b : a`.
#[inline(always)]
fn cmin(a: f32, b: f32) -> f32 {
    if b < a {
        b
    } else {
        a
    }
}

/// The working memory of one call.
struct Work<'a> {
    decoded: Words<'a>,
    per_anchor: Words<'a>,
    keep_scores: Words<'a>,
    keep_indices: Words<'a>,
    sorted: Words<'a>,
    merge: Words<'a>,
    active: Words<'a>,
    selected: Words<'a>,
}

/// Runs the op: the outputs land at the front of `scratch` (see [`detection_postprocess_output`]).
pub fn detection_postprocess(p: &DetectionPostProcessParams, boxes: &[u8], scores: &[u8], anchors: &[u8], scratch: &mut [u8]) {
    let n = p.num_boxes;
    let slots = p.slots();
    let mut rest = scratch;
    let mut out_boxes = take(&mut rest, slots * 4);
    let mut out_classes = take(&mut rest, slots);
    let mut out_scores = take(&mut rest, slots);
    let mut out_count = take(&mut rest, 1);
    let mut w = Work {
        decoded: take(&mut rest, n * 4),
        per_anchor: take(&mut rest, n),
        keep_scores: take(&mut rest, n),
        keep_indices: take(&mut rest, n),
        sorted: take(&mut rest, n),
        merge: take(&mut rest, n),
        active: take(&mut rest, n),
        selected: take(&mut rest, p.selected_max()),
    };
    // Every slot starts at zero: regular NMS zero-fills unused slots as TFLM does; fast NMS and
    // the invalid-box case leave them so.
    for o in [&mut out_boxes, &mut out_classes, &mut out_scores, &mut out_count] {
        o.0.fill(0);
    }

    decode(p, boxes, anchors, &mut w.decoded);
    // TFLM's ValidateBoxes fails the whole Invoke: no detections.
    if !(0..n).all(|i| {
        let d = &w.decoded;
        !(d.f(4 * i) >= d.f(4 * i + 2) || d.f(4 * i + 1) >= d.f(4 * i + 3))
    }) {
        return;
    }
    let depth = p.num_classes + p.label_offset;
    let score = |anchor: usize, class: usize| p.scores.read(scores, anchor * depth + class + p.label_offset);
    let mut write = |slot: usize, anchor: usize, class: usize, s: f32, decoded: &Words<'_>| {
        for k in 0..4 {
            out_boxes.set_f(slot * 4 + k, decoded.f(anchor * 4 + k));
        }
        out_classes.set_f(slot, class as f32);
        out_scores.set_f(slot, s);
    };

    if p.regular_nms {
        let m = p.merged_max();
        let mut after_idx = take(&mut rest, m);
        let mut after_scores = take(&mut rest, m);
        let mut psort = take(&mut rest, m);
        let mut psort_values = take(&mut rest, m);
        let mut kept = 0;
        for col in 0..p.num_classes {
            for row in 0..n {
                w.per_anchor.set_f(row, score(row, col));
            }
            let selected = single_class_nms(p, &mut w, p.detections_per_class);
            let mut count = kept;
            for i in 0..selected {
                let a = w.selected.idx(i);
                after_idx.set(count, (a * depth + col + p.label_offset) as u32);
                after_scores.set(count, w.per_anchor.get(a));
                count += 1;
            }
            let to_sort = count.min(p.max_detections);
            partial_arg_sort(&after_scores, count, to_sort, &mut psort);
            for row in 0..to_sort {
                let t = psort.idx(row);
                psort.set(row, after_idx.get(t));
                psort_values.set(row, after_scores.get(t));
            }
            for row in 0..to_sort {
                after_idx.set(row, psort.get(row));
                after_scores.set(row, psort_values.get(row));
            }
            kept = to_sort;
        }
        for slot in 0..kept.min(slots) {
            let flat = after_idx.idx(slot);
            let anchor = flat / depth.max(1);
            let class = flat - anchor * depth - p.label_offset;
            write(slot, anchor, class, after_scores.f(slot), &w.decoded);
        }
        out_count.set_f(0, kept as f32);
    } else {
        let k = p.classes_per_detection;
        let mut class_order = take(&mut rest, n * p.num_classes);
        for row in 0..n {
            let base = row * p.num_classes;
            // This anchor's class scores (after the background class), sorted by TFLM's
            // DecreasingPartialArgSort into its slice of class_order.
            let mut order = Words(window_words(&mut class_order, base, p.num_classes));
            let first = partial_arg_sort_by(|c| score(row, c), p.num_classes, k, &mut order);
            w.per_anchor.set_f(row, score(row, first));
        }
        let selected = single_class_nms(p, &mut w, p.max_detections);
        for i in 0..selected {
            let a = w.selected.idx(i);
            for col in 0..k {
                let c = class_order.idx(a * p.num_classes + col);
                write(i * k + col, a, c, score(a, c), &w.decoded);
            }
        }
        out_count.set_f(0, selected as f32);
    }
}

/// The bytes of words `start..start + len` of `w` (empty if out of range).
fn window_words<'a>(w: &'a mut Words<'_>, start: usize, len: usize) -> &'a mut [u8] {
    super::window_mut(&mut *w.0, start * 4, len * 4)
}

/// TFLM's DecodeCenterSizeBoxes: each anchor's box as (ymin, xmin, ymax, xmax), in f64 as TFLM.
fn decode(p: &DetectionPostProcessParams, boxes: &[u8], anchors: &[u8], decoded: &mut Words<'_>) {
    let [ys, xs, hs, ws] = p.scale.map(f64::from);
    for i in 0..p.num_boxes {
        let e = |k: usize| f64::from(p.boxes.read(boxes, i * p.box_stride + k));
        let a = |k: usize| f64::from(p.anchors.read(anchors, i * 4 + k));
        let (ay, ax, ah, aw) = (a(0), a(1), a(2), a(3));
        let ycenter = (e(0) / ys * ah + ay) as f32;
        let xcenter = (e(1) / xs * aw + ax) as f32;
        let half_h = (0.5 * crate::float_math::exp(e(2) / hs) * ah) as f32;
        let half_w = (0.5 * crate::float_math::exp(e(3) / ws) * aw) as f32;
        decoded.set_f(4 * i, ycenter - half_h);
        decoded.set_f(4 * i + 1, xcenter - half_w);
        decoded.set_f(4 * i + 2, ycenter + half_h);
        decoded.set_f(4 * i + 3, xcenter + half_w);
    }
}

/// TFLM's ComputeIntersectionOverUnion, in its f32 order.
fn iou(d: &Words<'_>, i: usize, j: usize) -> f32 {
    let (iy0, ix0, iy1, ix1) = (d.f(4 * i), d.f(4 * i + 1), d.f(4 * i + 2), d.f(4 * i + 3));
    let (jy0, jx0, jy1, jx1) = (d.f(4 * j), d.f(4 * j + 1), d.f(4 * j + 2), d.f(4 * j + 3));
    let area_i = (iy1 - iy0) * (ix1 - ix0);
    let area_j = (jy1 - jy0) * (jx1 - jx0);
    if area_i <= 0.0 || area_j <= 0.0 {
        return 0.0;
    }
    let y0 = cmax(iy0, jy0);
    let x0 = cmax(ix0, jx0);
    let y1 = cmin(iy1, jy1);
    let x1 = cmin(ix1, jx1);
    let inter = cmax(y1 - y0, 0.0) * cmax(x1 - x0, 0.0);
    inter / (area_i + area_j - inter)
}

/// TFLM's NonMaxSuppressionSingleClassHelper over the scores in `w.per_anchor`: the kept
/// anchors land in `w.selected`, best first; returns how many.
fn single_class_nms(p: &DetectionPostProcessParams, w: &mut Work<'_>, max_detections: usize) -> usize {
    let n = p.num_boxes;
    let mut kept = 0;
    for i in 0..n {
        let s = w.per_anchor.f(i);
        if s >= p.score_threshold {
            w.keep_scores.set_f(kept, s);
            w.keep_indices.set(kept, i as u32);
            kept += 1;
        }
    }
    // TFLM's DecreasingArgSort (a stable merge sort) on the kept scores.
    for i in 0..kept {
        w.sorted.set(i, i as u32);
    }
    merge_sort(&w.keep_scores, &mut w.sorted, &mut w.merge, 0, kept);
    let out_size = kept.min(max_detections);
    for i in 0..kept {
        w.active.set(i, 1);
    }
    let mut active = kept;
    let mut selected = 0;
    for i in 0..kept {
        if active == 0 || selected >= out_size {
            break;
        }
        if w.active.get(i) != 1 {
            continue;
        }
        let bi = w.keep_indices.idx(w.sorted.idx(i));
        w.selected.set(selected, bi as u32);
        selected += 1;
        w.active.set(i, 0);
        active -= 1;
        for j in i + 1..kept {
            if w.active.get(j) == 1 {
                let bj = w.keep_indices.idx(w.sorted.idx(j));
                if iou(&w.decoded, bi, bj) > p.iou_threshold {
                    w.active.set(j, 0);
                    active -= 1;
                }
            }
        }
    }
    selected
}

/// TFLM's MergeSort on `idx[lo..hi]` by `values[idx] >` (descending, stable): insertion sort
/// below 20 elements, else halves merged through `scratch`.
fn merge_sort(values: &Words<'_>, idx: &mut Words<'_>, scratch: &mut Words<'_>, lo: usize, hi: usize) {
    let len = hi - lo;
    let before = |values: &Words<'_>, a: u32, b: u32| values.f(a as usize) > values.f(b as usize);
    if len < 20 {
        // InsertionSort: rotate each element to just after the last element not after it
        // (std::upper_bound + std::rotate): stable.
        for i in lo..hi {
            let v = idx.get(i);
            let mut at = i;
            while at > lo && before(values, v, idx.get(at - 1)) {
                idx.set(at, idx.get(at - 1));
                at -= 1;
            }
            idx.set(at, v);
        }
        return;
    }
    let half = len / 2;
    merge_sort(values, idx, scratch, lo, lo + half);
    merge_sort(values, idx, scratch, lo + half, hi);
    let (mut left, mut right) = (lo, lo + half);
    for i in 0..len {
        let take_right = left >= lo + half || (right < hi && before(values, idx.get(right), idx.get(left)));
        if take_right {
            scratch.set(i, idx.get(right));
            right += 1;
        } else {
            scratch.set(i, idx.get(left));
            left += 1;
        }
    }
    for i in 0..len {
        idx.set(lo + i, scratch.get(i));
    }
}

/// TFLM's DecreasingPartialArgSort over `values[0..n]` (f32 words): the first `k` of `out` are
/// the indices of the `k` largest, by (value descending, index ascending).
fn partial_arg_sort(values: &Words<'_>, n: usize, k: usize, out: &mut Words<'_>) {
    partial_arg_sort_by(|i| values.f(i), n, k, out);
}

/// [`partial_arg_sort`] over `value(0..n)`; returns the first index (0 if `n` is 0).
fn partial_arg_sort_by(value: impl Fn(usize) -> f32, n: usize, k: usize, out: &mut Words<'_>) -> usize {
    for i in 0..n {
        out.set(i, i as u32);
    }
    // Selection of the k best: with a strict total order (no NaN) this is what std::partial_sort
    // leaves in the first k positions.
    for i in 0..k.min(n) {
        let mut best = i;
        for j in i + 1..n {
            let (a, b) = (out.idx(j), out.idx(best));
            let (va, vb) = (value(a), value(b));
            if va > vb || (va == vb && a < b) {
                best = j;
            }
        }
        let (a, b) = (out.get(i), out.get(best));
        out.set(i, b);
        out.set(best, a);
    }
    out.idx(0)
}

/// Copies output `which` (0 boxes, 1 classes, 2 scores, 3 count) from the scratch buffer the
/// kernel wrote to its tensor.
pub fn detection_postprocess_output(scratch: &[u8], output: &mut [u8], offset: usize) {
    super::copy_prefix(output, scratch.get(offset..).unwrap_or(&[]));
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    fn f32s(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    fn params(n: usize, regular: bool) -> DetectionPostProcessParams {
        DetectionPostProcessParams {
            num_boxes: n,
            box_stride: 4,
            num_classes: 2,
            label_offset: 1,
            max_detections: 3,
            classes_per_detection: 1,
            detections_per_class: 2,
            regular_nms: regular,
            score_threshold: 0.1,
            iou_threshold: 0.5,
            scale: [10.0, 10.0, 5.0, 5.0],
            boxes: DetectionInput::F32,
            scores: DetectionInput::F32,
            anchors: DetectionInput::F32,
        }
    }

    fn run(p: &DetectionPostProcessParams, boxes: &[f32], scores: &[f32], anchors: &[f32]) -> [Vec<f32>; 4] {
        let mut scratch = vec![0xAAu8; p.scratch_bytes()];
        detection_postprocess(p, &f32s(boxes), &f32s(scores), &f32s(anchors), &mut scratch);
        core::array::from_fn(|k| {
            let (off, len) = p.output_range(k);
            let mut out = vec![0u8; len];
            detection_postprocess_output(&scratch, &mut out, off);
            out.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
        })
    }

    /// Three anchors, the first two overlapping (IoU 0.81): the lower of them is suppressed.
    #[test]
    fn suppresses_overlaps_and_keeps_order() {
        let anchors = [0.5, 0.5, 0.2, 0.2, 0.51, 0.5, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1];
        let boxes = [0.0; 12];
        // background, class 0, class 1 per anchor
        let scores = [0.0, 0.9, 0.2, 0.0, 0.8, 0.3, 0.0, 0.05, 0.7];
        for regular in [false, true] {
            let p = params(3, regular);
            let [b, c, s, n] = run(&p, &boxes, &scores, &anchors);
            if regular {
                // class 0: anchor 0 (0.9) suppresses anchor 1; class 1: anchor 2 (0.7), anchor 1 (0.3)
                // kept, anchor 0 (0.2) suppressed by anchor 1.
                assert_eq!(s, vec![0.9, 0.7, 0.3]);
                assert_eq!(c, vec![0.0, 1.0, 1.0]);
                assert_eq!(n, vec![3.0]);
            } else {
                assert_eq!(s, vec![0.9, 0.7, 0.0]);
                assert_eq!(c, vec![0.0, 1.0, 0.0]);
                assert_eq!(n, vec![2.0]);
            }
            assert_eq!(&b[..4], &[0.4, 0.4, 0.6, 0.6]);
        }
    }

    /// Equal scores keep anchor order (TFLM's stable merge sort), above the insertion-sort size.
    #[test]
    fn ties_keep_anchor_order() {
        let n = 45;
        let anchors: Vec<f32> = (0..n).flat_map(|i| [0.5, i as f32 * 0.02, 0.01, 0.01]).collect();
        let boxes = vec![0.0; n * 4];
        let scores: Vec<f32> = (0..n).flat_map(|i| [0.0, if i % 3 == 0 { 0.5 } else { 0.25 }, 0.0]).collect();
        let mut p = params(n, false);
        p.max_detections = 20;
        let [b, _, s, n_out] = run(&p, &boxes, &scores, &anchors);
        assert_eq!(n_out, vec![20.0]);
        let xs: Vec<usize> = (0..20).map(|k| ((b[k * 4 + 1] + b[k * 4 + 3]) / 2.0 / 0.02).round() as usize).collect();
        let want: Vec<usize> = (0..n).filter(|i| i % 3 == 0).chain((0..n).filter(|i| i % 3 != 0)).take(20).collect();
        assert_eq!(xs, want);
        assert!(s[..15].iter().all(|&v| v == 0.5));
    }

    /// An empty decoded box fails TFLM's Invoke: kiln reports nothing.
    #[test]
    fn empty_box_reports_nothing() {
        let anchors = [0.5, 0.5, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1];
        let boxes = [0.0, 0.0, -1e6, 0.0, 0.0, 0.0, 0.0, 0.0];
        let scores = [0.0, 0.9, 0.2, 0.0, 0.8, 0.3];
        let [b, c, s, n] = run(&params(2, true), &boxes, &scores, &anchors);
        assert!(b.iter().chain(&c).chain(&s).chain(&n).all(|&v| v == 0.0));
    }
}
