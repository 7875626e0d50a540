//! The whole report as one page (`kiln inspect --html`): totals, the per-layer table with each
//! layer's share of the MACs as a bar, and the memory plan picture ([`super::svg`]) inline.
//!
//! Self-contained (inline CSS and SVG, no scripts, nothing fetched), so it can be attached to
//! a review or archived with a build. The markup is also well-formed XML (XHTML-compatible:
//! every element closed, only XML's own entities), so tests parse it with an XML parser.

use super::svg::{grouped, memory_svg};
use super::{shape, tensors, xml, ModelReport, TensorSummary};

const STYLE: &str = "
body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; font-size: 13px; color: #1d1d1f; margin: 20px 28px; }
h1 { font-size: 19px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 22px 0 6px; }
p.io, p.note, footer { color: #555; margin: 2px 0; }
table { border-collapse: collapse; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e3e5e8; vertical-align: top; }
th { text-align: left; background: #f3f4f6; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.t { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 12px; }
td.op { font-weight: 600; white-space: nowrap; }
td.op div { font-weight: normal; color: #666; font-size: 11px; white-space: normal; min-width: 220px; max-width: 320px; }
tr.unsupported td { background: #fbe3e1; }
table.totals th { background: none; font-weight: normal; color: #444; }
table.totals td.n { font-weight: 600; }
table.totals td { color: #444; }
td.share { white-space: nowrap; }
td.share span.bar { display: inline-block; width: 110px; height: 10px; background: #eceef1; margin-right: 6px; vertical-align: middle; }
td.share span.bar span { display: block; height: 100%; background: #3b74c9; }
svg.memory-plan { max-width: 100%; height: auto; border: 1px solid #e3e5e8; }
";

impl ModelReport {
    /// One self-contained HTML page: totals, the layer table and the memory plan picture.
    pub fn to_html(&self) -> String {
        let mut out = String::from("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n");
        out.push_str("<meta charset=\"utf-8\"/>\n");
        out.push_str(&format!("<title>kiln inspect: {}</title>\n", xml(&self.file)));
        out.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
        out.push_str(&format!("<h1>{}</h1>\n", xml(&self.file)));
        out.push_str(&format!("<p class=\"io\">inputs: {}; outputs: {}</p>\n", io_list(&self.inputs), io_list(&self.outputs)));

        out.push_str("<h2>Totals</h2>\n<table class=\"totals\">\n");
        let mut total = |name: &str, value: String, note: &str| {
            out.push_str(&format!("<tr><th>{name}</th><td class=\"n\">{value}</td><td>{note}</td></tr>\n"));
        };
        total("MACs", grouped(self.macs), "multiply-accumulates per inference");
        total("parameters", grouped(self.params), "elements of constant inputs");
        total("weight bytes", grouped(self.weight_bytes), "flash (<code>WEIGHT_BYTES</code>)");
        match (self.arena_bytes, self.arena_lower_bound) {
            (Some(arena), Some(lb)) => {
                total("<code>ARENA_BYTES</code>", grouped(arena as u64), "RAM for all activations, inputs and outputs included");
                let gap = if arena == lb {
                    "the plan meets it".to_string()
                } else {
                    format!("the plan is {:.1} % above it", (arena - lb) as f64 * 100.0 / lb.max(1) as f64)
                };
                total("lower bound", grouped(lb as u64), &format!("most bytes live at one step: no placement of this schedule is smaller; {gap}"));
            }
            _ => total("<code>ARENA_BYTES</code>", "-".into(), "not planned: the model has unsupported ops"),
        }
        if let Some(state) = self.state_bytes.filter(|&s| s > 0) {
            total("<code>STATE_BYTES</code>", grouped(state as u64), "variable tensors, kept between inferences (outside the arena)");
        }
        out.push_str("</table>\n");

        if !self.unsupported.is_empty() {
            out.push_str(&format!("<p class=\"note\">{} unsupported op(s); their rows are marked.</p>\n", self.unsupported.len()));
        }

        out.push_str("<h2>Layers</h2>\n");
        out.push_str("<p class=\"note\">Share of MACs: the figure is of all MACs; the bar is relative to the heaviest layer.</p>\n");
        out.push_str("<table class=\"layers\">\n<thead><tr>");
        for (head, numeric) in [
            ("#", true),
            ("op", false),
            ("input", false),
            ("output", false),
            ("constants", false),
            ("MACs", true),
            ("share of MACs", false),
            ("params", true),
            ("weight B", true),
            ("act B", true),
            ("arena offset+size", true),
        ] {
            out.push_str(&format!("<th{}>{head}</th>", if numeric { " class=\"n\"" } else { "" }));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        // Bars are drawn relative to the heaviest layer: relative to the total, thirty layers of
        // a few percent each would all be slivers. The figure beside each bar is the share.
        let heaviest = self.layers.iter().map(|l| l.macs).max().unwrap_or(0).max(1);
        for l in &self.layers {
            let share = if self.macs == 0 { 0.0 } else { l.macs as f64 * 100.0 / self.macs as f64 };
            let bar = l.macs as f64 * 100.0 / heaviest as f64;
            let note = l.unsupported.as_deref().map_or_else(|| l.summary.clone(), |r| format!("unsupported: {r}"));
            out.push_str(&format!(
                "<tr data-op=\"{}\"{}><td class=\"n\">{}</td><td class=\"op\">{}<div>{}</div></td>",
                l.index,
                if l.unsupported.is_some() { " class=\"unsupported\"" } else { "" },
                l.index,
                xml(&l.op),
                xml(&note)
            ));
            for (ts, constant) in [(&l.inputs, false), (&l.outputs, false), (&l.inputs, true)] {
                out.push_str(&format!("<td class=\"t\">{}</td>", xml(&tensors(ts, constant))));
            }
            out.push_str(&format!(
                "<td class=\"n\">{}</td><td class=\"share\" data-share=\"{share:.4}\"><span class=\"bar\"><span style=\"width: {bar:.2}%\"></span></span>{share:.1} %</td>",
                grouped(l.macs)
            ));
            out.push_str(&format!(
                "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                grouped(l.params),
                grouped(l.weight_bytes),
                grouped(l.activation_bytes),
                l.arena.map_or_else(|| "-".to_string(), |(o, n)| format!("{}+{}", grouped(o as u64), grouped(n as u64)))
            ));
        }
        out.push_str("</tbody>\n</table>\n");

        out.push_str("<h2>Memory plan</h2>\n");
        out.push_str(
            "<p class=\"note\">The arena as the generated code uses it: one row per step, each bar a tensor live at that step, \
             at its byte offset and size. Hover a bar for the tensor.</p>\n",
        );
        out.push_str(&memory_svg(self));
        out.push_str(&format!("<footer>kiln-codegen {}</footer>\n</body>\n</html>\n", env!("CARGO_PKG_VERSION")));
        out
    }
}

fn io_list(ts: &[TensorSummary]) -> String {
    ts.iter()
        .map(|t| format!("<code>{}</code> {}{}", xml(&t.name), t.dtype, shape(&t.shape)))
        .collect::<Vec<_>>()
        .join(", ")
}
