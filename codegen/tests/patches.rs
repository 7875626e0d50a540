//! `max_arena_bytes`: the compiler fits the arena by running the first layers in row bands, or
//! says what the smallest arena is. (Bit-exactness of the patched models is checked against the
//! oracle in `tests/` on the host and in the firmware suite on the target.)

use kiln_codegen::{analyze_options, CompileOptions, ErrorKind};

fn zoo(stem: &str) -> (String, Vec<u8>) {
    let path = format!("{}/../tests/fixtures/zoo/{stem}.tflite", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    (format!("{stem}.tflite"), bytes)
}

fn capped(max: usize) -> CompileOptions {
    CompileOptions { max_arena_bytes: Some(max), ..Default::default() }
}

#[test]
fn a_cap_the_plain_plan_meets_changes_nothing() {
    let (file, bytes) = zoo("mobilenet_v1_025_96");
    let plain = analyze_options(&file, &bytes, &CompileOptions::default()).unwrap();
    let capped = analyze_options(&file, &bytes, &capped(plain.plan.size)).unwrap();
    assert!(capped.patches.is_none());
    assert_eq!(capped.plan.size, plain.plan.size);
    assert_eq!(capped.steps.len(), plain.steps.len());
}

#[test]
fn a_tighter_cap_patches_the_first_layers_without_extra_macs() {
    let (file, bytes) = zoo("mobilenet_v1_025_96");
    let plain = analyze_options(&file, &bytes, &CompileOptions::default()).unwrap();
    let cap = plain.plan.size - 1;
    let a = analyze_options(&file, &bytes, &capped(cap)).unwrap();
    let p = a.patches.as_ref().expect("patched");
    assert!(a.plan.size <= cap, "{} > {cap}", a.plan.size);
    assert_eq!(p.ops[0], 0, "the stage starts at the first layer");
    assert!(p.bands >= 2);
    assert_eq!(p.extra_macs, 0, "carried rows are never recomputed");
    let macs = |s: &[kiln_codegen::Step]| s.iter().map(|s| s.macs).sum::<u64>();
    assert_eq!(macs(&a.steps), macs(&plain.steps));
    assert_eq!(p.unpatched_arena, plain.plan.size);
    // Every layer of the stage runs as several row calls; the later layers as before.
    for &op in &p.ops {
        assert!(a.steps.iter().filter(|s| s.op_index == op && s.macs > 0).count() >= 2, "op #{op}");
    }
    // The later layers as before (some may run in place, in row bands, in either plan).
    let last = *p.ops.last().unwrap();
    let after = |s: &[kiln_codegen::Step]| {
        let mut ops: Vec<(usize, u64)> = Vec::new();
        for s in s.iter().filter(|s| s.op_index > last) {
            match ops.last_mut() {
                Some((op, macs)) if *op == s.op_index => *macs += s.macs,
                _ => ops.push((s.op_index, s.macs)),
            }
        }
        ops
    };
    assert_eq!(after(&a.steps), after(&plain.steps));
}

#[test]
fn an_unreachable_cap_names_the_smallest_arena_and_that_one_compiles() {
    let (file, bytes) = zoo("mobilenet_v1_025_96");
    let err = analyze_options(&file, &bytes, &capped(1000)).unwrap_err();
    let ErrorKind::ArenaLimit { requested, smallest, .. } = err.kind else { panic!("{err}") };
    assert_eq!(requested, 1000);
    let msg = err.to_string();
    let plain = analyze_options(&file, &bytes, &CompileOptions::default()).unwrap().plan.size;
    for part in ["mobilenet_v1_025_96.tflite", "max_arena_bytes = 1000", &format!("{smallest} bytes"), "row bands", &format!("without patches {plain}")] {
        assert!(msg.contains(part), "`{part}` missing from: {msg}");
    }
    let a = analyze_options(&file, &bytes, &capped(smallest)).unwrap();
    assert_eq!(a.plan.size, smallest);
    let err = analyze_options(&file, &bytes, &capped(smallest - 1)).unwrap_err();
    assert!(matches!(err.kind, ErrorKind::ArenaLimit { smallest: s, .. } if s == smallest), "{err}");
}

#[test]
fn a_model_without_a_patchable_stage_says_so() {
    let (file, bytes) = zoo("digits_int8");
    let err = analyze_options(&file, &bytes, &capped(100)).unwrap_err();
    assert!(err.to_string().contains("smallest arena kiln reaches for this model: 640 bytes (without patches"), "{err}");
}

#[test]
fn patched_source_reads_as_row_calls_and_has_no_unsafe() {
    let (file, bytes) = zoo("mobilenet_v1_025_96");
    let plain = analyze_options(&file, &bytes, &CompileOptions::default()).unwrap();
    let opts = CompileOptions {
        name: Some("Vww".into()),
        max_arena_bytes: Some(plain.plan.size - 1),
        ..Default::default()
    };
    let src = kiln_codegen::generate_source(&file, &bytes, &opts).unwrap();
    assert!(src.contains("_ROWS0: ::kiln::ops::"), "row-band params are named by their first row");
    assert!(src.contains("band 1 of"), "the layer docs say which band");
    assert!(!src.contains("unsafe"));
    let report = kiln_codegen::report::inspect_options(&file, &bytes, &opts).unwrap();
    assert!(report.to_text().contains("patches:"), "{}", report.to_text());
    assert_eq!(report.macs, plain.steps.iter().map(|s| s.macs).sum::<u64>(), "a layer's bands add up to its MACs");
}

/// Without a cap, a model streams its first layers only where a stage of at most four bands
/// saves a quarter of the whole-layer arena at no extra MACs; in the zoo that is
/// MobileNetV2-0.35 (its 48×48×48 expansion) and `conv_1x1_large` (its 8×16×1024 middle). A cap the whole-layer plan meets gets that
/// plan: a cap asks for the fastest plan that fits.
#[test]
fn the_default_build_streams_only_where_it_saves_a_quarter() {
    let dir = format!("{}/../tests/fixtures/zoo", env!("CARGO_MANIFEST_DIR"));
    let (mut patched, mut dynamic) = (Vec::new(), Vec::new());
    let mut stems: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tflite"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    stems.sort();
    assert!(stems.len() > 20, "{dir}: {stems:?}");
    for stem in &stems {
        let (file, bytes) = zoo(stem);
        let a = match analyze_options(&file, &bytes, &CompileOptions::default()) {
            Ok(a) => a,
            // Models that need an input shape to compile at all (checked in `shapes.rs`).
            Err(e) if e.to_string().contains("has a dynamic shape") => {
                dynamic.push(stem.clone());
                continue;
            }
            Err(e) => panic!("{e}"),
        };
        let Some(p) = &a.patches else { continue };
        patched.push(stem.clone());
        assert!(p.bands <= 4, "{stem}: {} bands", p.bands);
        assert_eq!(p.extra_macs, 0, "{stem}");
        assert!(a.plan.size * 4 <= p.unpatched_arena * 3, "{stem}: {} of {}", a.plan.size, p.unpatched_arena);
        let whole = analyze_options(&file, &bytes, &capped(p.unpatched_arena)).unwrap();
        assert!(whole.patches.is_none(), "{stem}");
        assert_eq!(whole.plan.size, p.unpatched_arena, "{stem}");
        let macs = |s: &[kiln_codegen::Step]| s.iter().map(|s| s.macs).sum::<u64>();
        assert_eq!(macs(&a.steps), macs(&whole.steps), "{stem}");
    }
    assert_eq!(patched, ["conv_1x1_large", "mobilenet_v2_035_96"]);
    assert!(dynamic.len() <= 3, "{dynamic:?}");
}
