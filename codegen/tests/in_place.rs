//! In-place layers: an output written over its own dying input, in row bands or (a small
//! depthwise layer) whole, over one buffer. The plan is
//! checked here by simulating the arena byte by byte over the steps, independently of how the
//! planner reasons: every byte a step reads must still hold what that tensor's producer wrote
//! there. (Bit-exactness against TFLM is checked by the zoo tests, in the default build and
//! under caps, on the host and on the target.)

use kiln_codegen::{analyze_options, Analysis, Call, CompileOptions, Operand};

fn zoo(stem: &str) -> (String, Vec<u8>) {
    let path = format!(
        "{}/../tests/fixtures/zoo/{stem}.tflite",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    (format!("{stem}.tflite"), bytes)
}

/// For every arena tensor, its root buffer and its byte offset in it (aliases and row-band
/// windows live in another tensor's bytes).
fn roots(a: &Analysis) -> Vec<(usize, usize)> {
    let n = a.graph.tensors.len();
    let mut root: Vec<(usize, usize)> = (0..n).map(|t| (t, 0)).collect();
    for s in &a.steps {
        if let (Call::Alias, Some(Operand::Arena(src))) = (&s.call, s.operands.first()) {
            root[s.output] = root[*src];
        }
    }
    for v in &a.plan.views {
        let (r, at) = root[v.of];
        root[v.tensor] = (r, at + v.offset);
    }
    root
}

/// Runs the steps over a model of the arena whose bytes say which (root tensor, byte) they
/// hold; panics where a step reads a byte that holds something else.
fn simulate(label: &str, a: &Analysis) {
    let root = roots(a);
    let plan = &a.plan;
    let mut arena: Vec<Option<(usize, usize)>> = vec![None; plan.size];
    let write = |arena: &mut Vec<Option<(usize, usize)>>, t: usize| {
        let (Some(off), (r, at)) = (plan.offsets[t], root[t]) else {
            return;
        };
        for k in 0..a.graph.tensors[t].bytes() {
            arena[off + k] = Some((r, at + k));
        }
    };
    let check = |arena: &Vec<Option<(usize, usize)>>, t: usize, what: &str| {
        let (Some(off), (r, at)) = (plan.offsets[t], root[t]) else {
            return;
        };
        for k in 0..a.graph.tensors[t].bytes() {
            assert_eq!(
                arena[off + k],
                Some((r, at + k)),
                "{label}: {what} reads byte {} of tensor {t}, overwritten",
                off + k
            );
        }
    };
    for &t in &a.graph.inputs {
        write(&mut arena, t);
    }
    for (i, s) in a.steps.iter().enumerate() {
        if matches!(s.call, Call::Alias) {
            continue;
        }
        let what = format!("step {i} (op #{} {})", s.op_index, s.op_name);
        // A carry (a patched stage's band buffer) moves the rows `from..from + len` to the
        // top: they must hold the buffer's bytes, and afterwards only the top does (the rest
        // is stale until the next chunk writes it).
        if let Call::CarryRows { from, len } = s.call {
            let (Some(off), (r, at)) = (plan.offsets[s.output], root[s.output]) else {
                panic!("{label}: {what}: a carry outside the arena")
            };
            for k in 0..len {
                assert_eq!(arena[off + from + k], Some((r, at + from + k)), "{label}: {what} carries byte {} it never got", from + k);
            }
            for k in 0..from + len {
                arena[off + k] = (k < len).then_some((r, at + k));
            }
            continue;
        }
        let span = |t: usize| plan.offsets[t].map(|o| o..o + a.graph.tensors[t].bytes());
        for o in &s.operands {
            if let Operand::Arena(t) = *o {
                check(&arena, t, &what);
                // A kernel over one buffer reads its input from the output's own bytes.
                if s.in_place {
                    assert_eq!(span(t), span(s.output), "{label}: {what} runs over one buffer");
                    assert!(
                        matches!(s.call, Call::Params { func: "depthwise_conv2d_s8_3x3_in_place", .. }),
                        "{label}: {what}: {:?}",
                        s.call
                    );
                    continue;
                }
                // A kernel gets its inputs and its output as disjoint slices.
                if let (Some(x), Some(y), false) = (
                    span(t),
                    span(s.output),
                    matches!(s.call, Call::Flow(_) | Call::CarryRows { .. }),
                ) {
                    assert!(
                        x.end <= y.start || y.end <= x.start,
                        "{label}: {what} reads {x:?} and writes {y:?}"
                    );
                }
            }
        }
        write(&mut arena, s.output);
    }
    for &t in &a.graph.outputs {
        check(&arena, t, "the caller");
    }
}

/// The depthwise layers run in place whole, over one buffer.
fn one_buffer(a: &Analysis) -> Vec<usize> {
    a.steps.iter().filter(|s| s.in_place).map(|s| s.op_index).collect()
}

/// The layers run in place in bands, as (op index, bands).
fn in_place(a: &Analysis) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for s in a.steps.iter().filter(|s| s.summary.ends_with("; in place")) {
        match out.last_mut() {
            Some((op, n)) if *op == s.op_index => *n += 1,
            _ => out.push((s.op_index, 1)),
        }
    }
    out
}

/// The default build ties a layer only where its bands cost little: 1×1 and ADD layers
/// (every band but a shorter last one with the same params; a 1×1 layer's bands at least 20
/// pixels), and depthwise or k×k layers only in bands at least 8 rows tall and 16 columns
/// wide. The keyword spotter's 25×5 depthwise layers run whole over one buffer, its 1×1
/// layers in bands of 4 rows. MobileNetV2's default build streams its first layers instead
/// (a patched stage), so its whole-layer plan is checked too: the plan a cap at its size gets.
#[test]
fn default_plans_tie_only_cheap_layers() {
    let mut tied_halo = 0;
    for (stem, whole_layers) in [
        ("mobilenet_v1_025_96", false),
        ("mobilenet_v2_035_96", false),
        ("mobilenet_v2_035_96", true),
        ("kws_ds_cnn", false),
    ] {
        let (file, bytes) = zoo(stem);
        let mut a = analyze_options(&file, &bytes, &CompileOptions::default()).unwrap();
        assert_eq!(a.patches.is_some(), stem == "mobilenet_v2_035_96", "{stem}: {:?}", a.patches);
        if whole_layers {
            let whole = a.patches.as_ref().unwrap().unpatched_arena;
            let cap = CompileOptions { max_arena_bytes: Some(whole), ..Default::default() };
            a = analyze_options(&file, &bytes, &cap).unwrap();
            assert!(a.patches.is_none() && a.plan.size == whole, "{stem}: a cap of {whole} keeps whole layers");
        } else if a.patches.is_some() {
            simulate(&file, &a);
            continue;
        }
        let tied = in_place(&a);
        assert!(!tied.is_empty(), "{stem}: {tied:?}");
        let whole = one_buffer(&a);
        assert_eq!(whole.is_empty(), stem != "kws_ds_cnn", "{stem}: {whole:?}");
        if stem == "kws_ds_cnn" {
            assert_eq!(whole, [1, 3, 5, 7]);
            assert_eq!(tied, [(2, 7), (4, 7), (6, 7), (8, 7)]);
        }
        for s in a.steps.iter().filter(|s| s.band.is_some()) {
            let [r0, r1] = s.band.as_ref().unwrap().rows;
            let w = a.graph.tensors[s.output].shape[2];
            let last = r1 == a.graph.tensors[a.graph.ops.iter().find(|o| o.index == s.op_index).unwrap().outputs[0]].shape[1];
            assert!((r1 - r0) * w >= 20 || last, "{stem}: op #{}: a band of {} pixels", s.op_index, (r1 - r0) * w);
        }
        for (op, _) in &tied {
            let name = &a.graph.ops.iter().find(|o| o.index == *op).unwrap().name;
            let bands: Vec<_> = a.steps.iter().filter(|s| s.op_index == *op).collect();
            let params: Vec<String> = bands
                .iter()
                .map(|s| match &s.call {
                    Call::Params { params, .. } => params.to_string(),
                    other => panic!("{other:?}"),
                })
                .collect();
            let local = params.iter().all(|p| p.contains("kernel : [1usize , 1usize]")) || name == "ADD";
            if local {
                // The last band may be shorter; the others share one set of params.
                let mut by_row: Vec<(usize, &String)> = bands
                    .iter()
                    .map(|s| s.band.as_ref().unwrap().rows[0])
                    .zip(&params)
                    .collect();
                by_row.sort();
                assert!(
                    by_row[..by_row.len() - 1]
                        .windows(2)
                        .all(|w| w[0].1 == w[1].1),
                    "{stem}: op #{op}: bands differ"
                );
            } else {
                tied_halo += 1;
                let width = a.graph.tensors[bands[0].output].shape[2];
                assert!(width >= 16, "{stem}: op #{op} {name} tied at width {width}");
                for s in &bands {
                    let [r0, r1] = s.band.as_ref().unwrap().rows;
                    let last = r1
                        == a.graph.tensors
                            [a.graph.ops.iter().find(|o| o.index == *op).unwrap().outputs[0]]
                            .shape[1];
                    assert!(
                        r1 - r0 >= 8 || last,
                        "{stem}: op #{op} {name}: a band of {} rows",
                        r1 - r0
                    );
                }
            }
        }
        simulate(&file, &a);
    }
    assert!(
        tied_halo > 0,
        "a depthwise layer runs in place in MobileNetV2's whole-layer plan"
    );
}

#[test]
fn no_step_reads_bytes_an_in_place_layer_overwrote() {
    let models = [
        "mobilenet_v1_025_96",
        "mobilenet_v2_035_96",
        "kws_ds_cnn",
        "ic_resnet8",
        "add_residual",
        "digits_int8",
    ];
    let mut tied_somewhere = 0;
    for stem in models {
        let (file, bytes) = zoo(stem);
        let plain = analyze_options(&file, &bytes, &CompileOptions::default()).unwrap();
        simulate(&format!("{stem} (default)"), &plain);
        // Under a cap between the default and the smallest arena, any layer may run in place.
        let smallest = match kiln_codegen::arena_range(&file, &bytes, &CompileOptions::default()) {
            Ok((_, s)) => s,
            Err(e) => panic!("{e}"),
        };
        for cap in [smallest, (smallest + plain.plan.size) / 2] {
            let a = analyze_options(
                &file,
                &bytes,
                &CompileOptions {
                    max_arena_bytes: Some(cap),
                    ..Default::default()
                },
            )
            .unwrap();
            assert!(a.plan.size <= cap, "{stem}: {} > cap {cap}", a.plan.size);
            tied_somewhere += usize::from(!in_place(&a).is_empty());
            simulate(&format!("{stem} (cap {cap})"), &a);
        }
    }
    assert!(
        tied_somewhere >= 2,
        "in-place plans under caps were checked on {tied_somewhere} models"
    );
}

/// The DS-CNN keyword spotter: its 25×5×64 activations pass through four depthwise + 1×1
/// blocks, every layer the same size, so no plan of whole buffers goes below two of them
/// (16,000 bytes); depthwise layers over one buffer and 1×1 layers in bands, alternating
/// direction, reach about one: in the default build 8,000 + 4 rows of 320 bytes.
#[test]
fn the_keyword_spotter_fits_in_little_more_than_one_activation() {
    let (file, bytes) = zoo("kws_ds_cnn");
    let plain = analyze_options(&file, &bytes, &CompileOptions::default()).unwrap();
    assert_eq!(plain.plan.size, 9_280);
    let (_, smallest) =
        kiln_codegen::arena_range(&file, &bytes, &CompileOptions::default()).unwrap();
    assert!(smallest < 11_000, "{smallest}");
    let a = analyze_options(
        &file,
        &bytes,
        &CompileOptions {
            max_arena_bytes: Some(smallest),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(a.patches.is_none(), "in place, not patched");
    let tied = in_place(&a);
    assert_eq!(one_buffer(&a), [1, 3, 5, 7], "{tied:?}");
    assert_eq!(
        tied.iter().map(|&(op, _)| op).collect::<Vec<_>>(),
        [2, 4, 6, 8],
        "{tied:?}"
    );
    assert!(a.plan.size <= smallest && smallest < plain.plan.size, "{} {smallest}", a.plan.size);
    // Chained in-place layers alternate: bands top to bottom, then bottom to top.
    let first_rows = |op: usize| {
        a.steps
            .iter()
            .find(|s| s.op_index == op)
            .and_then(|s| s.band.as_ref())
            .map(|b| b.rows[0])
            .unwrap()
    };
    assert!(
        tied.iter().any(|&(op, _)| first_rows(op) == 0)
            && tied.iter().any(|&(op, _)| first_rows(op) > 0),
        "{tied:?}"
    );
}
