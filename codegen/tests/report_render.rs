//! The memory plan picture (`kiln inspect --svg`) and the HTML report (`--html`), parsed back
//! as XML and held against the plan the generated code uses (`kiln_codegen::analyze`), with
//! liveness worked out here independently from the steps: every planned tensor is drawn at
//! its offset and size at exactly the steps where it is live, and no two bars of one step
//! overlap.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use kiln_codegen::{Analysis, Call, Operand};
use roxmltree::{Document, Node};

const SVG_NS: &str = "http://www.w3.org/2000/svg";
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// Parses the HTML page as XML; its `<!DOCTYPE html>` is a (trivial) DTD.
fn parse_html(html: &str) -> Result<Document<'_>, roxmltree::Error> {
    Document::parse_with_options(html, roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() })
}

fn zoo() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/zoo");
    let mut models: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tflite"))
        .collect();
    models.sort();
    assert!(models.len() > 100, "the zoo has {} models; is tests/fixtures/zoo complete?", models.len());
    models
}

fn zoo_model(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/zoo").join(format!("{name}.tflite"));
    assert!(path.exists(), "{} is missing", path.display());
    path
}

#[derive(Debug)]
struct Bar {
    step: usize,
    op: usize,
    tensor: usize,
    offset: usize,
    size: usize,
    x: f64,
    width: f64,
    title: String,
}

fn attr<T: std::str::FromStr>(n: Node, name: &str) -> T {
    let v = n.attribute(name).unwrap_or_else(|| panic!("<{}> without {name}", n.tag_name().name()));
    v.parse().unwrap_or_else(|_| panic!("{name}=\"{v}\" does not parse"))
}

/// `s` as an XML document can hold it: characters XML forbids become U+FFFD.
fn xml_text(s: &str) -> String {
    s.chars().map(|c| if (c < ' ' && !"\t\n\r".contains(c)) || c == '\u{fffe}' || c == '\u{ffff}' { '\u{fffd}' } else { c }).collect()
}

/// The text inside an element, markup stripped.
fn text_of(n: Node) -> String {
    n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect()
}

fn bars(svg: Node) -> Vec<Bar> {
    svg.descendants()
        .filter(|n| n.has_tag_name((SVG_NS, "rect")) && n.attribute("class") == Some("buffer"))
        .map(|n| Bar {
            step: attr(n, "data-step"),
            op: attr(n, "data-op"),
            tensor: attr(n, "data-tensor"),
            offset: attr(n, "data-offset"),
            size: attr(n, "data-size"),
            x: attr(n, "x"),
            width: attr(n, "width"),
            title: n.children().find(|c| c.has_tag_name((SVG_NS, "title"))).and_then(|t| t.text()).unwrap_or("").to_string(),
        })
        .collect()
}

/// What the picture must show, from the steps alone: for every arena buffer (keyed by the
/// tensor owning it; aliases share it) the steps during which it is live — from its first
/// write or read (model inputs: step 0) to its last (model outputs: after the last step).
fn expected_liveness(a: &Analysis) -> (Vec<usize>, BTreeMap<usize, (usize, usize)>) {
    let n = a.graph.tensors.len();
    let mut root: Vec<usize> = (0..n).collect();
    for s in &a.steps {
        if let (Call::Alias, Some(Operand::Arena(src))) = (&s.call, s.operands.first()) {
            root[s.output] = root[*src];
        }
    }
    // Row-band windows (in-place layers, patched stages) live in the buffer they window.
    for v in &a.plan.views {
        root[v.tensor] = root[v.of];
    }
    let mut span: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    let mut mark = |t: usize, at: usize| {
        let e = span.entry(root[t]).or_insert((at, at));
        *e = (e.0.min(at), e.1.max(at));
    };
    a.graph.inputs.iter().for_each(|&t| mark(t, 0));
    for (i, s) in a.steps.iter().enumerate() {
        for o in &s.operands {
            if let Operand::Arena(t) = o {
                mark(*t, i);
            }
        }
        mark(s.output, i);
    }
    a.graph.outputs.iter().for_each(|&t| mark(t, a.steps.len()));
    // A loop (inlined WHILE) reads what was written before it in every iteration: such a
    // buffer lives to the loop's end. Loops are visited innermost first (a loop ends before
    // the loop around it), so the stretch reaches the outer loop's end too.
    let mut open = Vec::new();
    for (i, s) in a.steps.iter().enumerate() {
        match s.call {
            Call::Flow(kiln_codegen::ir::Flow::LoopBegin) => open.push(i),
            Call::Flow(kiln_codegen::ir::Flow::LoopEnd) => {
                let b = open.pop().expect("loops nest");
                for (f, l) in span.values_mut() {
                    if *f < b && *l >= b {
                        *l = (*l).max(i);
                    }
                }
            }
            _ => {}
        }
    }
    span.retain(|&r, _| !a.graph.tensors[r].is_variable && !a.graph.tensors[r].is_const());
    (root, span)
}

/// Checks one model's SVG against its plan; returns (aliased tensors, steps of ops with
/// several steps, ops without a step) drawn, so the caller can insist those cases were exercised.
fn check_svg(label: &str, a: &Analysis, svg_text: &str) -> (usize, usize, usize) {
    let doc = Document::parse(svg_text).unwrap_or_else(|e| panic!("{label}: the SVG is not well-formed XML: {e}"));
    let svg = doc.root_element();
    assert!(svg.has_tag_name((SVG_NS, "svg")), "{label}: root is <{:?}>", svg.tag_name());
    check_plan_picture(label, a, svg)
}

fn check_plan_picture(label: &str, a: &Analysis, svg: Node) -> (usize, usize, usize) {
    let plan = &a.plan;
    assert_eq!(attr::<usize>(svg, "data-arena-bytes"), plan.size, "{label}");
    assert_eq!(attr::<usize>(svg, "data-lower-bound"), plan.lower_bound, "{label}");

    // One row per step, in order, naming the step's op.
    let rows: Vec<Node> = svg.descendants().filter(|n| n.has_tag_name((SVG_NS, "g")) && n.attribute("class") == Some("step")).collect();
    assert_eq!(rows.len(), a.steps.len(), "{label}: rows");
    for (i, (row, step)) in rows.iter().zip(&a.steps).enumerate() {
        assert_eq!((attr::<usize>(*row, "data-step"), attr::<usize>(*row, "data-op")), (i, step.op_index), "{label}: row {i}");
        for b in bars(*row) {
            assert_eq!((b.step, b.op), (i, step.op_index), "{label}: a bar of row {i} says {b:?}");
        }
    }

    let bars = bars(svg);
    let (root, span) = expected_liveness(a);
    let mut by_step: BTreeMap<usize, Vec<&Bar>> = BTreeMap::new();
    bars.iter().for_each(|b| by_step.entry(b.step).or_default().push(b));

    // Exactly the live buffers at each step, each once.
    for i in 0..a.steps.len() {
        let drawn: Vec<usize> = by_step.get(&i).map_or_else(Vec::new, |v| v.iter().map(|b| b.tensor).collect());
        let drawn_set: BTreeSet<usize> = drawn.iter().copied().collect();
        assert_eq!(drawn.len(), drawn_set.len(), "{label}: step {i} draws a buffer twice: {drawn:?}");
        let live: BTreeSet<usize> = span.iter().filter(|(_, &(f, l))| f <= i && i <= l).map(|(&r, _)| r).collect();
        assert_eq!(drawn_set, live, "{label}: buffers drawn at step {i} vs live there");
    }
    assert!(bars.iter().all(|b| b.step < a.steps.len()), "{label}: a bar beyond the last step");

    // Every planned tensor at its offset, inside its buffer's bar, and named in its tooltip.
    let mut aliases = 0;
    for (t, off) in plan.offsets.iter().enumerate() {
        let Some(off) = *off else { continue };
        let r = root[t];
        let tensor = &a.graph.tensors[t];
        let (first, last) = span[&r];
        let rows_live = first..=last.min(a.steps.len().saturating_sub(1));
        let mine: Vec<&Bar> = bars.iter().filter(|b| b.tensor == r).collect();
        assert_eq!(mine.len(), rows_live.clone().count(), "{label}: tensor {t}'s buffer (t{r}) is not drawn at each step it is live");
        for b in mine {
            assert!(
                b.offset <= off,
                "{label}: tensor {t} is planned at {off}, its buffer drawn at {}",
                b.offset
            );
            assert_eq!(
                b.size,
                a.graph.tensors[r].bytes(),
                "{label}: buffer t{r}'s size"
            );
            assert!(
                off - b.offset + tensor.bytes() <= b.size,
                "{label}: tensor {t} does not fit its buffer's bar"
            );
            // Row-band windows are counted in the tooltip, not named (a patched stage has hundreds).
            let window = a.plan.views.iter().any(|v| v.tensor == t);
            let named = format!("t{t} `{}` {}", xml_text(&tensor.name), tensor.dtype.name());
            assert!(
                if window { b.title.contains("row-band windows of it") } else { b.title.contains(&named) },
                "{label}: tooltip of t{r} lacks t{t}: {}",
                b.title
            );
            assert!(
                b.title.contains(&format!(
                    "bytes {}..{} ({} B)",
                    b.offset,
                    b.offset + b.size,
                    b.size
                )),
                "{label}: {}",
                b.title
            );
        }
        if r != t {
            aliases += 1;
        }
    }

    // Inside the arena, no two bars of one step overlapping, and the fullest step is the
    // lower bound.
    // (An output written over its input, a tie of the plan, overlaps it: the fullest step then
    // counts their bytes once.)
    let tied = |x: usize, y: usize| {
        plan.ties
            .iter()
            .any(|t| (t.input, t.output) == (x, y) || (t.input, t.output) == (y, x))
    };
    let mut fullest = 0;
    for (i, row) in &by_step {
        let mut spans: Vec<(usize, usize, usize)> = row
            .iter()
            .filter(|b| b.size > 0)
            .map(|b| (b.offset, b.offset + b.size, b.tensor))
            .collect();
        spans.sort_unstable();
        for (k, x) in spans.iter().enumerate() {
            for y in spans[k + 1..].iter().take_while(|y| y.0 < x.1) {
                assert!(
                    tied(x.2, y.2),
                    "{label}: step {i}: bars {x:?} and {y:?} overlap"
                );
            }
        }
        assert!(
            spans.iter().all(|&(_, end, _)| end <= plan.size),
            "{label}: step {i}: a bar past ARENA_BYTES"
        );
        let (mut bytes, mut reach) = (0, 0);
        for &(start, end, _) in &spans {
            bytes += end.saturating_sub(start.max(reach));
            reach = reach.max(end);
        }
        fullest = fullest.max(bytes);
    }
    if !a.steps.is_empty() {
        assert_eq!(fullest, plan.lower_bound, "{label}: the fullest step is not the lower bound");
    }

    // Geometry: bars scaled into the plot frame, the markers where the numbers say.
    let frame = svg.descendants().find(|n| n.attribute("class") == Some("plot")).unwrap_or_else(|| panic!("{label}: no plot frame"));
    let (x0, w) = (attr::<f64>(frame, "x"), attr::<f64>(frame, "width"));
    let scale = w / plan.size.max(1) as f64;
    let near = |a: f64, b: f64| (a - b).abs() < 0.01;
    for b in &bars {
        // Exact, except that slivers are widened to stay visible (by at most 2 px).
        let exact = b.size as f64 * scale;
        let width_ok = if exact >= 2.0 || b.size == 0 { near(b.width, exact) } else { b.width > exact && b.width <= 2.0 + 0.01 };
        assert!(near(b.x, x0 + b.offset as f64 * scale) && width_ok, "{label}: {b:?} not at scale");
    }
    for (class, bytes) in [("arena-bytes", plan.size), ("lower-bound", plan.lower_bound)] {
        let line = svg.descendants().find(|n| n.attribute("class") == Some(class)).unwrap_or_else(|| panic!("{label}: no {class} marker"));
        assert!(near(attr(line, "x1"), x0 + bytes as f64 * scale), "{label}: {class} marker");
    }
    // Ops without a step (folded at compile time) are named in the summary line instead.
    let summary = svg.descendants().find(|n| n.attribute("class") == Some("summary")).map(text_of).unwrap_or_default();
    let mut folded = 0;
    for op in a.graph.ops.iter().filter(|op| !a.steps.iter().any(|s| s.op_index == op.index)) {
        folded += 1;
        if folded <= 6 {
            assert!(summary.contains(&format!("#{} {}", op.index, op.name)), "{label}: folded op #{} not named: {summary}", op.index);
        }
    }
    assert_eq!(folded > 0, summary.contains("(no code), so no row: "), "{label}: {summary}");
    // Variable tensors are not arena buffers; the picture says where they are instead.
    let state = format!("STATE_BYTES = {}) is outside the arena", a.plan.state_size);
    assert_eq!(a.plan.state_size > 0, summary.replace(',', "").contains(&state), "{label}: {summary}");
    let several: HashMap<usize, usize> = a.steps.iter().fold(HashMap::new(), |mut m, s| {
        *m.entry(s.op_index).or_default() += 1;
        m
    });
    (aliases, a.steps.iter().filter(|s| several[&s.op_index] > 1).count(), folded)
}

fn load(path: &Path) -> (String, Vec<u8>, Analysis) {
    let label = path.file_name().unwrap().to_string_lossy().into_owned();
    let bytes = std::fs::read(path).unwrap();
    let opts = kiln_codegen::CompileOptions { input_shape: input_shape(path), ..Default::default() };
    let analysis = kiln_codegen::analyze_options(&label, &bytes, &opts).unwrap_or_else(|e| panic!("{e}"));
    (label, bytes, analysis)
}

/// The input shape a dynamic zoo model is compiled at (its `input_shape` in the zoo manifest,
/// as the zoo tests use it); `None` for every static model.
fn input_shape(path: &Path) -> Option<Vec<usize>> {
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(path.with_file_name("manifest.json")).ok()?).expect("the zoo manifest is JSON");
    let stem = path.file_stem()?.to_str()?;
    let dims = manifest["models"][stem]["input_shape"].as_array()?;
    Some(dims.iter().map(|d| d.as_u64().expect("input_shape holds sizes") as usize).collect())
}

/// [`kiln_codegen::report::inspect`] at the model's zoo input shape.
fn inspect(path: &Path, label: &str, bytes: &[u8]) -> kiln_codegen::report::ModelReport {
    kiln_codegen::report::inspect_with_input_shape(label, bytes, input_shape(path).as_deref()).unwrap()
}

/// Every zoo model: its picture is its plan.
#[test]
fn svg_draws_the_plan_of_every_zoo_model() {
    let (mut aliases, mut split_steps, mut folded, mut models) = (0, 0, 0, 0);
    for path in zoo() {
        let (label, bytes, analysis) = load(&path);
        let report = inspect(&path, &label, &bytes);
        let (al, sp, fo) = check_svg(&label, &analysis, &report.to_svg());
        aliases += al;
        split_steps += sp;
        folded += fo;
        models += 1;
    }
    // The cases where buffers and steps are not one per tensor and op were really drawn.
    assert!(
        aliases > 0 && split_steps > 0 && folded > 0,
        "{models} models: {aliases} aliased tensors, {split_steps} steps of multi-output ops, {folded} ops without a step"
    );
}

#[test]
fn html_page_is_self_contained_well_formed_and_complete() {
    for name in ["mobilenet_v1_025_96", "digits_int8", "multi_io"] {
        let (label, bytes, analysis) = load(&zoo_model(name));
        let report = inspect(&zoo_model(name), &label, &bytes);
        let html = report.to_html();
        assert!(html.starts_with("<!DOCTYPE html>\n"), "{label}");
        let doc = parse_html(&html).unwrap_or_else(|e| panic!("{label}: the HTML is not well-formed XML: {e}"));
        let root = doc.root_element();
        assert!(root.has_tag_name((XHTML_NS, "html")), "{label}");
        check_self_contained(&label, &html, root);

        // The layer table: one row per op, in order, with its MACs and share of the total.
        let rows: Vec<Node> = root
            .descendants()
            .filter(|n| n.has_tag_name((XHTML_NS, "tr")) && n.parent().is_some_and(|p| p.has_tag_name((XHTML_NS, "tbody"))))
            .collect();
        assert_eq!(rows.len(), report.layers.len(), "{label}: table rows");
        let mut shares = 0.0;
        for (row, layer) in rows.iter().zip(&report.layers) {
            assert_eq!(attr::<usize>(*row, "data-op"), layer.index, "{label}");
            let cells: Vec<String> = row
                .children()
                .filter(|c| c.is_element())
                .map(|c| text_of(c).replace(',', ""))
                .collect();
            assert_eq!(cells.len(), 11, "{label}: op {}: {cells:?}", layer.index);
            assert_eq!(cells[0], layer.index.to_string());
            assert!(cells[1].starts_with(&layer.op), "{label}: {cells:?}");
            assert_eq!(cells[5], layer.macs.to_string(), "{label}: op {} MACs", layer.index);
            assert_eq!(cells[7..10], [layer.params.to_string(), layer.weight_bytes.to_string(), layer.activation_bytes.to_string()]);
            let (o, n) = layer.arena.expect("planned");
            assert_eq!(cells[10], format!("{o}+{n}"), "{label}: op {} arena", layer.index);
            let share_cell = row.children().filter(|c| c.is_element()).nth(6).unwrap();
            let share: f64 = attr(share_cell, "data-share");
            let expected = layer.macs as f64 * 100.0 / report.macs as f64;
            assert!((share - expected).abs() < 1e-3, "{label}: op {} share {share} vs {expected}", layer.index);
            shares += share;
        }
        assert!((shares - 100.0).abs() < 0.01, "{label}: shares add up to {shares}");

        // Totals, with the numbers the generated constants have.
        let text = text_of(root).replace(',', "");
        for (what, value) in [
            ("MACs", report.macs as usize),
            ("weight bytes", report.weight_bytes as usize),
            ("ARENA_BYTES", analysis.plan.size),
            ("lower bound", analysis.plan.lower_bound),
        ] {
            let row = root
                .descendants()
                .filter(|n| n.has_tag_name((XHTML_NS, "tr")))
                .find(|r| r.first_element_child().is_some_and(|th| text_of(th) == what))
                .unwrap_or_else(|| panic!("{label}: no totals row {what}"));
            let cell = row.children().filter(|c| c.is_element()).nth(1).unwrap();
            assert_eq!(text_of(cell).replace(',', ""), value.to_string(), "{label}: {what}");
        }
        assert!(text.contains(&report.file), "{label}");

        // The memory picture inline, the same one `--svg` writes, checked like it.
        let svgs: Vec<Node> = root.descendants().filter(|n| n.has_tag_name((SVG_NS, "svg"))).collect();
        assert_eq!(svgs.len(), 1, "{label}: one picture");
        let standalone = report.to_svg();
        assert!(html.contains(standalone.split_once('\n').unwrap().1), "{label}: the inline SVG differs from --svg's");
        check_plan_picture(&label, &analysis, svgs[0]);
    }
}

/// Nothing that would load or run anything: no scripts, no external references.
fn check_self_contained(label: &str, html: &str, root: Node) {
    for n in root.descendants().filter(|n| n.is_element()) {
        let tag = n.tag_name().name();
        assert!(
            !["script", "link", "img", "iframe", "object", "embed", "image", "use"].contains(&tag),
            "{label}: <{tag}>"
        );
        for a in n.attributes() {
            assert!(!a.name().starts_with("on"), "{label}: <{tag} {}>", a.name());
            assert!(!["href", "src"].contains(&a.name()), "{label}: <{tag} {}>", a.name());
        }
    }
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("url(") && !lower.contains("@import"), "{label}: the stylesheet loads something");
    let outside: Vec<&str> = lower.match_indices("http").map(|(i, _)| &html[i..(i + 40).min(html.len())]).collect();
    assert!(outside.iter().all(|s| s.starts_with(XHTML_NS) || s.starts_with(SVG_NS)), "{label}: {outside:?}");
}

/// Names with markup characters in them come through as text, not markup.
#[test]
fn tensor_and_file_names_are_escaped() {
    let (_, bytes, _) = load(&zoo_model("digits_int8"));
    let mut model = common::model::Model::decode(&bytes).expect("the zoo model decodes");
    let hostile = "<b>&\"x'</b>]]>\u{1}\u{ffff}";
    for t in &mut model.sg().tensors {
        t.name = Some(format!("{hostile}{}", t.name.as_deref().unwrap_or("")));
    }
    let bytes = model.encode();
    let label = format!("{hostile}.tflite");
    let report = kiln_codegen::report::inspect(&label, &bytes).unwrap();
    let analysis = kiln_codegen::analyze(&label, &bytes).unwrap();
    check_svg("escaped", &analysis, &report.to_svg());
    let html = report.to_html();
    let doc = parse_html(&html).unwrap_or_else(|e| panic!("escaped names break the HTML: {e}"));
    assert!(!doc.descendants().any(|n| n.has_tag_name((XHTML_NS, "b"))), "a tensor name became markup");
    let title = doc.descendants().find(|n| n.has_tag_name((XHTML_NS, "title"))).and_then(|t| t.text()).unwrap();
    assert_eq!(title, xml_text(&format!("kiln inspect: {label}")));
    assert!(title.contains('\u{fffd}'), "the forbidden characters were in the name");
}

/// A model that is not planned still gets a page and a picture, saying why there is no plan.
#[test]
fn unsupported_models_render_without_a_plan() {
    use common::{build, fb, op, Spec};
    let spec = Spec {
        ops: vec![
            op(fb::BuiltinOperator::RESHAPE),
            op(fb::BuiltinOperator::HASHTABLE_LOOKUP),
        ],
        ..Default::default()
    };
    let report = kiln_codegen::report::inspect("lookup.tflite", &build(&spec)).unwrap();
    assert!(report.memory.is_none() && !report.unsupported.is_empty());
    let svg = report.to_svg();
    let doc = Document::parse(&svg).unwrap();
    assert!(bars(doc.root_element()).is_empty());
    assert!(svg.contains("not planned: the model has unsupported ops"), "{svg}");
    let html = report.to_html();
    let doc = parse_html(&html).unwrap();
    let row = doc.descendants().find(|n| n.attribute("data-op") == Some("1")).unwrap();
    assert_eq!(row.attribute("class"), Some("unsupported"));
    assert!(html.contains("unsupported: kiln has no kernel for this op yet"), "{html}");
}

/// The pictures in the README (docs/mobilenet_v1_025_96.memory.svg, and .patched.svg: the same
/// model with `max_arena_bytes = 44000`) are what this compiler draws;
/// `KILN_BLESS=1 cargo test -p kiln-codegen --test report_render` rewrites them.
#[test]
fn readme_picture_is_current() {
    let label = "tests/fixtures/zoo/mobilenet_v1_025_96.tflite";
    let bytes = std::fs::read(zoo_model("mobilenet_v1_025_96")).unwrap();
    let patched = kiln_codegen::CompileOptions {
        max_arena_bytes: Some(44_000),
        ..Default::default()
    };
    for (name, opts) in [
        ("memory", kiln_codegen::CompileOptions::default()),
        ("patched", patched),
    ] {
        let svg = kiln_codegen::report::inspect_options(label, &bytes, &opts)
            .unwrap()
            .to_svg();
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../docs/mobilenet_v1_025_96.{name}.svg"));
        if std::env::var_os("KILN_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &svg).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{} ({e}); create it with KILN_BLESS=1", path.display()));
        assert!(committed == svg, "{} is stale; re-bless with KILN_BLESS=1", path.display());
    }
}
