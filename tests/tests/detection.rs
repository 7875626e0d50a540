//! `TFLite_Detection_PostProcess` beyond the zoo's three models (which the zoo test compares with
//! TFLM element by element): the compile-time checks of its options and tensors, and the scratch
//! size the planner reserves against what the kernel uses.

use std::path::PathBuf;

/// Zoo `detection_postprocess_int8` with one defect each (make_state_models.py writes them): a
/// specific message naming the op, never a panic and never a model.
#[test]
fn defective_detection_models_are_rejected_by_name() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/state_errors");
    let op = "op #2 CUSTOM(TFLite_Detection_PostProcess)";
    for (stem, want) in [
        ("detection_iou_threshold_zero", format!("{op}: custom options: `nms_iou_threshold` is 0, must be in (0, 1]")),
        (
            "detection_num_classes_mismatch",
            format!("{op}: class predictions tensor #3 `class_predictions` have 4 classes per anchor; num_classes 5 needs 5 or 6 (with background)"),
        ),
        ("detection_missing_max_detections", format!("{op}: custom options: no `max_detections`")),
        (
            "detection_fast_more_classes_than_classes",
            format!("{op}: max_classes_per_detection 4 exceeds num_classes 3 (TFLM and LiteRT lay out the outputs differently there)"),
        ),
        ("detection_empty_anchor", format!("{op}: anchor 3 of tensor #4 `anchors` is (y 0.1, x 0.3, h 0, w 0.35): sizes must be positive and finite")),
        ("detection_int8_scores", format!("{op}: class predictions tensor #1 `class_predictions_int8` is int8: TFLite_Detection_PostProcess takes float32 (TFLM, LiteRT) or uint8 (LiteRT); an int8 head reaches it through DEQUANTIZE")),
        (
            "detection_uint8_float_anchors",
            "op #0 CUSTOM(TFLite_Detection_PostProcess): box encodings tensor #0 `box_encodings_uint8` are uint8 but anchors tensor #2 `anchors_uint8` are float32: LiteRT reads the anchors as uint8 exactly when the box encodings are".to_string(),
        ),
    ] {
        let file = format!("{stem}.tflite");
        let bytes = std::fs::read(dir.join(&file)).unwrap_or_else(|e| panic!("missing {file} ({e})"));
        match kiln_codegen::compile(&file, &bytes, &Default::default()) {
            Ok(_) => panic!("{stem}: compiled"),
            Err(e) => assert!(e.to_string().contains(&want), "{stem}: `{e}` lacks `{want}`"),
        }
    }
}

/// The planner's scratch buffer is exactly what the kernel carves up, and the outputs are where
/// the copy steps read them, over shapes from tiny to a full SSD MobileNet head (1917 anchors,
/// 90 classes).
#[test]
fn scratch_size_matches_the_kernel() {
    for n in [1, 3, 50, 1917] {
        for classes in [1, 2, 90] {
            for (max_detections, per_class, k, regular) in [(1, 1, 1, true), (10, 100, 1, true), (8, 3, 1, true), (10, 100, 1, false), (5, 100, 2, false)] {
                if k > classes {
                    continue;
                }
                let p = kiln::ops::DetectionPostProcessParams {
                    num_boxes: n,
                    box_stride: 4,
                    num_classes: classes,
                    label_offset: 1,
                    max_detections,
                    classes_per_detection: k,
                    detections_per_class: per_class,
                    regular_nms: regular,
                    score_threshold: 0.0,
                    iou_threshold: 0.5,
                    scale: [1.0; 4],
                    boxes: kiln::ops::DetectionInput::F32,
                    scores: kiln::ops::DetectionInput::F32,
                    anchors: kiln::ops::DetectionInput::F32,
                };
                let slots = p.slots();
                assert_eq!(
                    kiln_codegen::detection_postprocess_scratch_bytes(n, classes, max_detections, slots, per_class, regular),
                    p.scratch_bytes(),
                    "n {n} classes {classes} max {max_detections} per class {per_class} k {k} regular {regular}"
                );
                let offsets: Vec<usize> = (0..4).map(|w| p.output_range(w).0).collect();
                assert_eq!(offsets, [0, slots * 16, slots * 20, slots * 24]);
            }
        }
    }
}

mod multiclass {
    kiln::include_model!("fixtures/detection/detection_postprocess_float_multiclass.tflite", name = Net);
}

/// Fast NMS reporting two classes per detection: TFLM writes past its outputs there, so the
/// goldens are LiteRT-ref's (make_goldens.py `LITERT_ONLY`), and kiln follows LiteRT's layout.
#[test]
fn two_classes_per_detection_match_litert() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/detection/detection_postprocess_float_multiclass");
    let golden = kiln_tests::Golden::load::<multiclass::Net>(&dir);
    assert!(golden.oracle().starts_with("litert-ref"), "{}", golden.oracle());
    kiln_tests::assert_bit_exact::<multiclass::Net>(&dir, 200);
}

mod uint8 {
    kiln::include_model!("fixtures/detection/detection_postprocess_uint8.tflite", name = Net);
}

/// uint8 box encodings, class predictions and anchors straight into the op (the TF1 quantized
/// SSD exports): TFLM's kernel fails on them, LiteRT dequantizes inside the op; kiln matches
/// LiteRT-ref bit for bit.
#[test]
fn uint8_inputs_match_litert() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/detection/detection_postprocess_uint8");
    let golden = kiln_tests::Golden::load::<uint8::Net>(&dir);
    assert!(golden.oracle().starts_with("litert-ref"), "{}", golden.oracle());
    kiln_tests::assert_bit_exact::<uint8::Net>(&dir, 200);
}
