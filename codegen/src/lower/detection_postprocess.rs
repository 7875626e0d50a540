//! `TFLite_Detection_PostProcess` (custom op; TFLM `detection_postprocess.cc`): the flexbuffer
//! options decoded and checked at compile time, folded into the kernel's params. One kernel
//! step writes the four outputs and its working memory into a scratch buffer of the arena (the
//! planner sizes it from `DetectionPostProcessParams::scratch_bytes`, mirrored here), then one
//! copy step per output moves it to its tensor.

use proc_macro2::TokenStream;
use quote::quote;

use super::*;
use crate::flexbuffers::{self, Value};

/// The custom code the TF Object Detection API's exporter writes.
#[cfg(test)]
pub(crate) const CODE: &str = "TFLite_Detection_PostProcess";

pub(super) const KERNELS: &[Kernel] =
    &[
        Kernel { op: "CUSTOM(TFLite_Detection_PostProcess)", dtype: DType::F32, lower: detection_postprocess },
        Kernel { op: "CUSTOM(TFLite_Detection_PostProcess)", dtype: DType::U8, lower: detection_postprocess },
    ];

/// The options, as TFLM's `DetectionPostProcessInit` reads them.
#[derive(Debug, PartialEq)]
struct Opts {
    max_detections: i64,
    max_classes_per_detection: i64,
    detections_per_class: i64,
    use_regular_nms: bool,
    score_threshold: f32,
    iou_threshold: f32,
    num_classes: i64,
    scale: [f32; 4],
}

fn options(bytes: &[u8]) -> R<Opts> {
    let map = match flexbuffers::read_map(bytes) {
        Ok(m) => m,
        Err(e) => return invalid(format!("custom options: {e}")),
    };
    // TFLM reads a missing key as 0; kiln names it instead (a model without these cannot be
    // what its author meant), except the two TFLM defaults.
    let value = |key: &str| -> R<&Value> {
        match flexbuffers::get(&map, key) {
            Some(v) => Ok(v),
            None => invalid(format!("custom options: no `{key}`")),
        }
    };
    let int = |key: &str| -> R<i64> {
        let v = value(key)?;
        v.as_i64()
            .map(|i| i as i32 as i64) // AsInt32
            .map_or_else(|| invalid(format!("custom options: `{key}` is a {}, expected a number", v.type_name())), Ok)
    };
    let float = |key: &str| -> R<f32> {
        let v = value(key)?;
        v.as_f64().map(|f| f as f32).map_or_else(|| invalid(format!("custom options: `{key}` is a {}, expected a number", v.type_name())), Ok)
    };
    let detections_per_class = match flexbuffers::get(&map, "detections_per_class") {
        None | Some(Value::Null) => 100, // TFLM's kNumDetectionsPerClass
        Some(_) => int("detections_per_class")?,
    };
    let use_regular_nms = match flexbuffers::get(&map, "use_regular_nms") {
        None | Some(Value::Null) => false,
        Some(v) => match v.as_bool() {
            Some(b) => b,
            None => return invalid(format!("custom options: `use_regular_nms` is a {}", v.type_name())),
        },
    };
    Ok(Opts {
        max_detections: int("max_detections")?,
        max_classes_per_detection: int("max_classes_per_detection")?,
        detections_per_class,
        use_regular_nms,
        score_threshold: float("nms_score_threshold")?,
        iou_threshold: float("nms_iou_threshold")?,
        num_classes: int("num_classes")?,
        scale: [float("y_scale")?, float("x_scale")?, float("h_scale")?, float("w_scale")?],
    })
}

fn positive(v: i64, key: &str) -> R<usize> {
    match usize::try_from(v) {
        Ok(n) if n > 0 => Ok(n),
        _ => invalid(format!("custom options: `{key}` is {v}, must be at least 1")),
    }
}

fn detection_postprocess(cx: &Ctx<'_>) -> R<Vec<Step>> {
    let Options::Custom { options: bytes, .. } = &cx.op.options else {
        return invalid("missing custom options");
    };
    let o = options(bytes)?;
    let (boxes, scores, anchors) = (cx.input(0)?, cx.input(1)?, cx.input(2)?);
    if cx.op.inputs.len() != 3 {
        return invalid(format!("has {} inputs, expected 3 (box encodings, class predictions, anchors)", cx.op.inputs.len()));
    }
    // TFLM's kernel decodes float32 only (its Dequantizer is unused): int8 heads go through
    // DEQUANTIZE first, as in every model TFLM runs. LiteRT's also takes uint8 (the TF1
    // quantized SSD exports), dequantizing the box encodings and the anchors with their own
    // scales, and the class predictions: kiln does the same.
    let elem = |t: &Tensor, role: &str| -> R<TokenStream> {
        match t.dtype {
            DType::F32 => Ok(quote!(::kiln::ops::DetectionInput::F32)),
            DType::U8 => {
                let (scale, zero_point) = per_tensor(t)?;
                Ok(quote!(::kiln::ops::DetectionInput::U8 { scale: #scale, zero_point: #zero_point }))
            }
            other => unsupported(format!(
                "{role} {} is {}: TFLite_Detection_PostProcess takes float32 (TFLM, LiteRT) or uint8 (LiteRT); \
                 an int8 head reaches it through DEQUANTIZE",
                t.label(),
                other.name()
            )),
        }
    };
    let (box_elem, score_elem, anchor_elem) = (elem(boxes, "box encodings")?, elem(scores, "class predictions")?, elem(anchors, "anchors")?);
    if (boxes.dtype == DType::U8) != (anchors.dtype == DType::U8) {
        return unsupported(format!(
            "box encodings {} are {} but anchors {} are {}: LiteRT reads the anchors as uint8 exactly when the box encodings are",
            boxes.label(),
            boxes.dtype.name(),
            anchors.label(),
            anchors.dtype.name()
        ));
    }
    let anchor_data = expect_const(anchors, "anchors")?;
    let &[1, n, stride] = boxes.shape.as_slice() else {
        return invalid(format!("box encodings {} have shape {:?}, expected [1, anchors, 4 or more]", boxes.label(), boxes.shape));
    };
    if stride < 4 {
        return invalid(format!("box encodings {} have {stride} values per anchor, expected at least 4", boxes.label()));
    }
    let &[1, sn, depth] = scores.shape.as_slice() else {
        return invalid(format!("class predictions {} have shape {:?}, expected [1, anchors, classes]", scores.label(), scores.shape));
    };
    if sn != n {
        return invalid(format!("class predictions {} cover {sn} anchors, the box encodings {n}", scores.label()));
    }
    if anchors.shape != [n, 4] {
        return invalid(format!("anchors {} have shape {:?}, expected [{n}, 4]", anchors.label(), anchors.shape));
    }
    let max_detections = positive(o.max_detections, "max_detections")?;
    let num_classes = positive(o.num_classes, "num_classes")?;
    if depth != num_classes && depth != num_classes + 1 {
        return invalid(format!(
            "class predictions {} have {depth} classes per anchor; num_classes {num_classes} needs {num_classes} or {} (with background)",
            scores.label(),
            num_classes + 1
        ));
    }
    let label_offset = depth - num_classes;
    let (classes_per_detection, detections_per_class) = if o.use_regular_nms {
        (1, positive(o.detections_per_class, "detections_per_class")?)
    } else {
        let k = positive(o.max_classes_per_detection, "max_classes_per_detection")?;
        if k > num_classes {
            return unsupported(format!(
                "max_classes_per_detection {k} exceeds num_classes {num_classes} (TFLM and LiteRT lay out the outputs differently there)"
            ));
        }
        (k, 1)
    };
    if !(o.iou_threshold > 0.0 && o.iou_threshold <= 1.0) {
        // TFLM's Invoke fails on every input.
        return invalid(format!("custom options: `nms_iou_threshold` is {}, must be in (0, 1]", o.iou_threshold));
    }
    for (v, key) in o.scale.iter().zip(["y_scale", "x_scale", "h_scale", "w_scale"]) {
        if !(v.is_finite() && *v != 0.0) {
            return invalid(format!("custom options: `{key}` is {v}, must be finite and non-zero"));
        }
    }
    let anchor_values: Vec<f32> = match anchors.dtype {
        DType::U8 => {
            let (s, z) = per_tensor(anchors)?;
            anchor_data.iter().map(|&x| (f32::from(x) - z as f32) * s).collect()
        }
        _ => anchor_data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
    };
    for (i, a) in anchor_values.chunks_exact(4).enumerate() {
        let f = |k: usize| a[k];
        if !(0..4).all(|k| f(k).is_finite()) || f(2) <= 0.0 || f(3) <= 0.0 {
            return invalid(format!(
                "anchor {i} of {} is (y {}, x {}, h {}, w {}): sizes must be positive and finite (TFLM fails on every input)",
                anchors.label(),
                f(0),
                f(1),
                f(2),
                f(3)
            ));
        }
    }

    let regular = o.use_regular_nms;
    let slots = if regular { max_detections } else { max_detections * classes_per_detection };
    let outs: Vec<&Tensor> = cx.op.outputs.iter().map(|&t| &cx.g.tensors[t]).collect();
    if outs.len() != 4 {
        return invalid(format!("has {} outputs, expected 4 (boxes, classes, scores, count)", outs.len()));
    }
    let want: [&[usize]; 4] = [&[1, slots, 4], &[1, slots], &[1, slots], &[1]];
    for ((t, w), role) in outs.iter().zip(want).zip(["detection boxes", "detection classes", "detection scores", "detection count"]) {
        expect_dtype(t, DType::F32, role)?;
        if t.shape != w {
            return invalid(format!("{role} {} have shape {:?}, the options give {w:?}", t.label(), t.shape));
        }
    }

    let (st, it) = (o.score_threshold, o.iou_threshold);
    let [ys, xs, hs, ws] = o.scale;
    let params = quote!(::kiln::ops::DetectionPostProcessParams {
        num_boxes: #n,
        box_stride: #stride,
        num_classes: #num_classes,
        label_offset: #label_offset,
        max_detections: #max_detections,
        classes_per_detection: #classes_per_detection,
        detections_per_class: #detections_per_class,
        regular_nms: #regular,
        score_threshold: #st,
        iou_threshold: #it,
        scale: [#ys, #xs, #hs, #ws],
        boxes: #box_elem,
        scores: #score_elem,
        anchors: #anchor_elem,
    });
    let summary = format!(
        "{n} anchors, {num_classes} classes{}, {} NMS, max {max_detections} detections{}, score >= {st}, IoU > {it}",
        if label_offset == 1 { " + background" } else { "" },
        if regular { "regular" } else { "fast" },
        if regular { format!(", {detections_per_class} per class") } else { format!(", {classes_per_detection} classes each") },
    );
    let scratch = scratch_bytes(n, num_classes, max_detections, slots, detections_per_class, regular);
    let mut main = cx.step(
        vec![cx.operand(boxes), cx.operand(scores), cx.operand(anchors)],
        outs[0],
        Call::Params { func: "detection_postprocess", ty: "DetectionPostProcessParams", params },
        0,
        summary,
    );
    main.output = SCRATCH;
    main.scratch = scratch;
    let mut steps = vec![main];
    // The outputs at the front of the scratch buffer (the runtime's `output_range`).
    let offsets = [0, slots * 16, slots * 20, slots * 24];
    for (k, t) in outs.iter().enumerate() {
        let off = offsets[k];
        steps.push(cx.step(
            vec![Operand::Arena(SCRATCH)],
            t,
            Call::Scalars { func: "detection_postprocess_output", scalars: quote!(#off) },
            0,
            format!("output {k} from the scratch buffer"),
        ));
    }
    Ok(steps)
}

/// `DetectionPostProcessParams::scratch_bytes` (runtime-core), mirrored: tests/tests/detection.rs
/// compares the two over a grid of shapes.
pub fn scratch_bytes(n: usize, num_classes: usize, max_detections: usize, slots: usize, per_class: usize, regular: bool) -> usize {
    let selected = (if regular { per_class } else { max_detections }).min(n);
    let merged = if regular { max_detections + selected } else { 0 };
    let fast = if regular { 0 } else { n * num_classes * 4 };
    slots * 24 + 4 + n * 16 + n * 4 * 6 + selected * 4 + merged * 16 + fast
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TF Object Detection API's options as the `flatbuffers` Python package writes them
    /// (make_state_models.py's `detection_options`, the zoo's detection_postprocess_int8).
    #[test]
    fn decodes_the_exporters_options() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/zoo/detection_postprocess_int8.tflite")).unwrap();
        let g = crate::read::read_model("m.tflite", &bytes, None).unwrap();
        let op = g.ops.iter().find(|o| o.name == "CUSTOM(TFLite_Detection_PostProcess)").unwrap();
        let Options::Custom { code, options: raw, .. } = &op.options else { panic!("custom options") };
        assert_eq!(code, CODE);
        let o = options(raw).map_err(|_| "options").unwrap();
        assert_eq!(
            o,
            Opts {
                max_detections: 8,
                max_classes_per_detection: 1,
                detections_per_class: 3,
                use_regular_nms: true,
                score_threshold: 0.93,
                iou_threshold: 0.5,
                num_classes: 3,
                scale: [10.0, 10.0, 5.0, 5.0],
            }
        );
    }
}
