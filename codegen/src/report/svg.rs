//! The memory plan as a picture (`kiln inspect --svg`, and inside `--html`): one row per step
//! of the generated code, labelled with its op; the arena's byte offsets on the x axis, with
//! `ARENA_BYTES` and the liveness lower bound marked; every buffer live at a step a bar at its
//! offset and size. A buffer keeps its colour from row to row, so a tensor can be followed
//! from the op that writes it to the last op that reads it; its `<title>` (the tooltip) names
//! its tensors, shapes, dtypes and byte range.
//!
//! Each bar carries its exact figures as `data-*` attributes (`data-step`, `data-op`,
//! `data-tensor`: the buffer's owner, `data-offset`, `data-size`) so tests and scripts can
//! read the plan back without scaling errors. Only presentation attributes, no `<style>`:
//! embedded in the HTML page, a stylesheet here would apply to the whole page.

use super::{shape, xml, BufferReport, MemoryMap, ModelReport};

/// Width of the op label column, the plot, and the live-bytes column on the right.
const LABEL_W: f64 = 240.0;
const PLOT_W: f64 = 720.0;
const LIVE_W: f64 = 90.0;
/// Header (title, marker labels, axis) and footer (legend) heights; one row per step.
const TOP: f64 = 96.0;
const BOTTOM: f64 = 48.0;
const ROW_H: f64 = 16.0;
const BAR_H: f64 = 12.0;
/// Bars narrower than this are widened to it so that small tensors (a classifier's 10 bytes in
/// a 64 KB arena) stay visible; `data-offset`/`data-size` and the tooltip keep the exact bytes.
const MIN_BAR_W: f64 = 2.0;
const FONT: &str = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";

impl ModelReport {
    /// A standalone SVG document of the memory plan.
    pub fn to_svg(&self) -> String {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}", memory_svg(self))
    }
}

/// The `<svg>` element alone, for embedding in the HTML page.
pub(super) fn memory_svg(report: &ModelReport) -> String {
    let Some(memory) = &report.memory else {
        let reason = "not planned: the model has unsupported ops (see the text report)";
        return format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"memory-plan\" width=\"{w}\" height=\"60\" viewBox=\"0 0 {w} 60\" {FONT} font-size=\"13\">\n\
             <title>Memory plan: {file}</title>\n<text x=\"10\" y=\"34\">Memory plan of {file}: {reason}</text>\n</svg>\n",
            w = LABEL_W + PLOT_W + LIVE_W,
            file = xml(&report.file),
        );
    };
    let arena = report.arena_bytes.unwrap_or(0);
    let lower_bound = report.arena_lower_bound.unwrap_or(0);
    // An empty arena (no activations at all) still gets a drawable axis.
    let scale = PLOT_W / arena.max(1) as f64;
    let x = |bytes: usize| LABEL_W + bytes as f64 * scale;
    let rows = memory.steps.len();
    let plot_h = ROW_H * rows.max(1) as f64;
    let width = LABEL_W + PLOT_W + LIVE_W;
    let height = TOP + plot_h + BOTTOM;
    let bottom = TOP + plot_h;

    let mut out = String::new();
    out.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"memory-plan\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" {FONT} font-size=\"11\" data-arena-bytes=\"{arena}\" data-lower-bound=\"{lower_bound}\">\n"
    ));
    out.push_str(&format!("<title>Memory plan: {}</title>\n", xml(&report.file)));
    out.push_str(&format!(
        "<text x=\"8\" y=\"16\" font-size=\"14\" font-weight=\"bold\">Arena plan of {}</text>\n",
        xml(&report.file)
    ));
    // Ops the compiler folded away (DEQUANTIZE of float16 weights, shapes of constants) run no
    // step, so they get no row; named here so the rows still account for every op.
    let folded: Vec<String> = report
        .layers
        .iter()
        .filter(|l| !memory.steps.iter().any(|s| s.op == l.index))
        .map(|l| format!("#{} {}", l.index, l.op))
        .collect();
    let folded = match folded.len() {
        0 => String::new(),
        n if n <= 6 => format!("Folded at compile time (no code), so no row: {}", folded.join(", ")),
        n => format!("{n} ops folded at compile time (no code), so no row: {}, …", folded[..6].join(", ")),
    };
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let state = match report.state_bytes {
        Some(n) if n > 0 => format!("; the state (STATE_BYTES = {}) is outside the arena", grouped(n as u64)),
        _ => String::new(),
    };
    // An in-place layer's output overlaps its dying input while its bands run.
    let live = |b: &BufferReport, i: usize| b.first_step <= i && i <= b.last_step && b.size > 0;
    let overlaps = (0..memory.steps.len()).any(|i| {
        let at: Vec<&BufferReport> = memory.buffers.iter().filter(|b| live(b, i)).collect();
        at.iter().enumerate().any(|(k, a)| {
            at[k + 1..]
                .iter()
                .any(|b| a.offset < b.offset + b.size && b.offset < a.offset + a.size)
        })
    });
    let state = match overlaps {
        true => format!(
            "{state}; overlapping bars: a layer writing its output over its own input (in place)"
        ),
        false => state,
    };
    out.push_str(&format!(
        "<text class=\"summary\" x=\"8\" y=\"33\" fill=\"#444\">{}, {}; bars: tensors live at each step (hover for names){state}\
         <tspan x=\"8\" y=\"49\">{}</tspan></text>\n",
        plural(rows, "step"),
        plural(memory.buffers.len(), "buffer"),
        xml(&folded)
    ));

    // Row stripes (amber: the steps of a patched stage, which run row bands), then the byte
    // grid over them, then the bars on top.
    for (i, step) in memory.steps.iter().enumerate() {
        let fill = match (step.rows.is_some(), i % 2 == 0) {
            (true, true) => "#fbe8c8",
            (true, false) => "#fdf3e1",
            (false, true) => "#f3f4f6",
            (false, false) => continue,
        };
        let class = if step.rows.is_some() { " class=\"patch\"" } else { "" };
        out.push_str(&format!(
            "<rect{class} x=\"0\" y=\"{}\" width=\"{width}\" height=\"{ROW_H}\" fill=\"{fill}\"/>\n",
            TOP + ROW_H * i as f64
        ));
    }
    let tick = tick_step(arena);
    let mut at = 0;
    while at <= arena {
        let tx = x(at);
        out.push_str(&format!("<line x1=\"{tx:.2}\" y1=\"{}\" x2=\"{tx:.2}\" y2=\"{bottom}\" stroke=\"#d0d4da\" stroke-width=\"0.6\"/>\n", TOP - 4.0));
        out.push_str(&format!("<text x=\"{tx:.2}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{}</text>\n", TOP - 7.0, bytes_label(at)));
        at += tick;
    }
    out.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#555\">byte offset</text>\n",
        LABEL_W - 8.0,
        TOP - 7.0
    ));

    for (i, step) in memory.steps.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let several = memory.steps.iter().filter(|s| s.op == step.op).count() > 1;
        let label = match step.rows {
            Some([a, b]) => format!("#{} {} rows {a}..{b}", step.op, step.name),
            None if several => format!("#{} {} → t{}", step.op, step.name, step.output),
            None => format!("#{} {}", step.op, step.name),
        };
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
            LABEL_W - 8.0,
            y + ROW_H - 4.0,
            xml(&label)
        ));
        // Bytes holding live data: an in-place layer's input and output share some.
        let mut spans: Vec<(usize, usize)> = memory
            .buffers
            .iter()
            .filter(|b| b.live_at(i))
            .map(|b| (b.offset, b.offset + b.size))
            .collect();
        spans.sort_unstable();
        let (mut live, mut reach) = (0, 0);
        for (start, end) in spans {
            live += end.saturating_sub(start.max(reach));
            reach = reach.max(end);
        }
        let weight = if live == lower_bound {
            " font-weight=\"bold\""
        } else {
            ""
        };
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#333\"{weight}>{}</text>\n",
            width - 6.0,
            y + ROW_H - 4.0,
            bytes_with_unit(live)
        ));
        out.push_str(&format!("<g class=\"step\" data-step=\"{i}\" data-op=\"{}\">\n", step.op));
        for (k, b) in memory.buffers.iter().enumerate().filter(|(_, b)| b.live_at(i)) {
            let w = if b.size == 0 { 0.0 } else { (b.size as f64 * scale).max(MIN_BAR_W) };
            bar(&mut out, memory, k, b, i, step.op, x(b.offset), y + (ROW_H - BAR_H) / 2.0, w);
        }
        out.push_str("</g>\n");
    }

    // Plot frame, the two markers, and the legend.
    out.push_str(&format!(
        "<rect class=\"plot\" x=\"{LABEL_W}\" y=\"{TOP}\" width=\"{PLOT_W}\" height=\"{plot_h}\" fill=\"none\" stroke=\"#888\" stroke-width=\"0.8\"/>\n"
    ));
    let (ax, lx) = (x(arena), x(lower_bound));
    out.push_str(&format!(
        "<line class=\"arena-bytes\" x1=\"{ax:.2}\" y1=\"{}\" x2=\"{ax:.2}\" y2=\"{}\" stroke=\"#b3261e\" stroke-width=\"2\"/>\n",
        TOP - 36.0,
        bottom + 4.0
    ));
    out.push_str(&format!(
        "<text x=\"{:.2}\" y=\"{}\" text-anchor=\"end\" fill=\"#b3261e\" font-weight=\"bold\">ARENA_BYTES = {}</text>\n",
        ax - 4.0,
        TOP - 38.0,
        grouped(arena as u64)
    ));
    out.push_str(&format!(
        "<line class=\"lower-bound\" x1=\"{lx:.2}\" y1=\"{}\" x2=\"{lx:.2}\" y2=\"{}\" stroke=\"#1f5fbf\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>\n",
        TOP - 24.0,
        bottom + 4.0
    ));
    out.push_str(&format!(
        "<text x=\"{:.2}\" y=\"{}\" text-anchor=\"end\" fill=\"#1f5fbf\">lower bound = {} (most bytes live at one step)</text>\n",
        lx - 4.0,
        TOP - 24.0,
        grouped(lower_bound as u64)
    ));
    out.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#555\">live bytes</text>\n",
        width - 6.0,
        TOP - 7.0
    ));
    out.push_str(&format!(
        "<text x=\"{LABEL_W}\" y=\"{}\" fill=\"#555\">One colour per buffer (a tensor and the reshapes that share its bytes); \
         bold live bytes: the step that sets the lower bound.</text>\n",
        bottom + 22.0
    ));
    if let Some(p) = &report.patches {
        out.push_str(&format!(
            "<text x=\"{LABEL_W}\" y=\"{}\" fill=\"#8a5a00\">Amber rows: ops #{}..#{} run in {} row bands through small band buffers \
             ({} without patches).</text>\n",
            bottom + 36.0,
            p.ops[0],
            p.ops[p.ops.len() - 1],
            p.bands,
            grouped(p.unpatched_arena as u64)
        ));
    }
    out.push_str("</svg>\n");
    out
}

/// One bar: a buffer live at a step.
#[allow(clippy::too_many_arguments)]
fn bar(out: &mut String, memory: &MemoryMap, k: usize, b: &BufferReport, step: usize, op: usize, x: f64, y: f64, w: f64) {
    let owner = &b.tensors[0];
    // Golden-angle hues: neighbouring buffers get distant colours.
    let hue = (k as f64 * 137.508) % 360.0;
    let lightness = if k % 2 == 0 { 62 } else { 72 };
    let mut title = String::new();
    for (j, t) in b.tensors.iter().enumerate() {
        if j > 0 {
            title.push_str("\nshares its bytes with ");
        }
        title.push_str(&format!("t{} `{}` {}{}", t.index, t.name, t.dtype, shape(&t.shape)));
    }
    if b.windows > 0 {
        title.push_str(&format!("\nand {} row-band windows of it", b.windows));
    }
    let op_at = |s: usize| memory.steps.get(s).map_or_else(|| "the end (model output)".to_string(), |s| format!("op #{}", s.op));
    title.push_str(&format!(
        "\nbytes {}..{} ({} B)\nlive from {} to {}",
        b.offset,
        b.offset + b.size,
        b.size,
        op_at(b.first_step),
        if b.last_step >= memory.steps.len() { "the end (model output)".to_string() } else { op_at(b.last_step) }
    ));
    out.push_str(&format!(
        "<rect class=\"buffer\" data-step=\"{step}\" data-op=\"{op}\" data-tensor=\"{}\" data-offset=\"{}\" data-size=\"{}\" \
         x=\"{x:.2}\" y=\"{y}\" width=\"{w:.2}\" height=\"{BAR_H}\" fill=\"hsl({hue:.1}, 62%, {lightness}%)\" stroke=\"#fff\" stroke-width=\"0.5\">\
         <title>{}</title></rect>\n",
        owner.index,
        b.offset,
        b.size,
        xml(&title)
    ));
    // The owner's index on bars wide enough to hold it; the tooltip has the rest.
    let label = format!("t{}", owner.index);
    if w >= 7.0 * label.len() as f64 + 6.0 {
        out.push_str(&format!(
            "<text x=\"{:.2}\" y=\"{}\" text-anchor=\"middle\" font-size=\"9\" fill=\"#222\" pointer-events=\"none\">{label}</text>\n",
            x + w / 2.0,
            y + BAR_H - 3.0
        ));
    }
}

/// A 1-2-5 step giving at most ten grid lines over `arena` bytes.
fn tick_step(arena: usize) -> usize {
    let mut magnitude = 1usize;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            if arena / step <= 10 {
                return step;
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// Axis labels: `0`, `500`, `20k`, `1.5M` (decimal units, matching the 1-2-5 grid).
fn bytes_label(b: usize) -> String {
    match b {
        b if b >= 1_000_000 && b % 100_000 == 0 => format!("{}M", b as f64 / 1e6),
        b if b >= 1000 && b % 100 == 0 => format!("{}k", b as f64 / 1e3),
        b => b.to_string(),
    }
}

fn bytes_with_unit(b: usize) -> String {
    format!("{} B", grouped(b as u64))
}

/// `1234567` → `1,234,567`.
pub(super) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_and_labels() {
        assert_eq!(tick_step(0), 1);
        assert_eq!(tick_step(640), 100);
        assert_eq!(tick_step(55_296), 10_000);
        assert_eq!(tick_step(100_000), 10_000);
        assert_eq!(bytes_label(20_000), "20k");
        assert_eq!(bytes_label(1_500_000), "1.5M");
        assert_eq!(bytes_label(640), "640");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(999), "999");
    }
}
