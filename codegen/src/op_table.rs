//! The op × element-type support table, generated from the kernel registry so the README
//! (checked by `codegen/tests/op_table.rs`) and `kiln ops` always say what the compiler does.

use std::collections::BTreeMap;

use crate::ir::DType;
use crate::lower;

/// Columns of the table, in order; any other registered type goes into the last column.
const COLUMNS: [(DType, &str); 4] = [(DType::I8, "int8"), (DType::I16, "int16"), (DType::F32, "float32"), (DType::U8, "uint8")];

/// Every supported op (alphabetical) with the element types kiln compiles it for.
pub fn supported_ops() -> BTreeMap<&'static str, Vec<DType>> {
    let mut ops: BTreeMap<&'static str, Vec<DType>> = BTreeMap::new();
    for (op, dtype) in lower::supported_kernels() {
        let types = ops.entry(op).or_default();
        if !types.contains(&dtype) {
            types.push(dtype);
        }
    }
    ops
}

/// The Markdown table: one row per op, a ✓ per element type (the type of the op's first input;
/// QUANTIZE's output). Integer kernels are bit-exact with TFLM (uint8: with LiteRT's reference
/// kernels, TFLM has none); float kernels match within the tolerance the README states.
pub fn op_table_markdown() -> String {
    let ops = supported_ops();
    let count = |d: DType| ops.values().filter(|t| t.contains(&d)).count();
    let custom = ops.keys().filter(|op| op.starts_with("CUSTOM(")).count();
    let mut s = format!(
        "{} builtin ops and {custom} custom op{}: {} in int8, {} in int16, {} in float32, {} in uint8; and control flow ({}).\n\n| op | int8 | int16 | float32 | uint8 | other types |\n|---|:-:|:-:|:-:|:-:|---|\n",
        ops.len() - custom,
        if custom == 1 { "" } else { "s" },
        count(DType::I8),
        count(DType::I16),
        count(DType::F32),
        count(DType::U8),
        CONTROL_FLOW.iter().map(|(op, _)| *op).collect::<Vec<_>>().join(", ")
    );
    let mut rows: BTreeMap<&str, String> = BTreeMap::new();
    for (op, what) in CONTROL_FLOW {
        rows.insert(op, format!("| {op} |  |  |  |  | {what} |\n"));
    }
    for (op, types) in &ops {
        let cells: Vec<&str> = COLUMNS.iter().map(|(d, _)| if types.contains(d) { "✓" } else { "" }).collect();
        let mut other: Vec<&str> =
            types.iter().filter(|d| !COLUMNS.iter().any(|(c, _)| c == *d)).map(|d| d.name()).collect();
        other.sort_unstable();
        rows.insert(op, format!("| {op} | {} | {} |\n", cells.join(" | "), other.join(", ")));
    }
    s.extend(rows.into_values());
    s
}

/// The control-flow ops: no kernel of their own (`crate::control_flow` inlines their
/// subgraphs), so no element type; what runs inside them is the table's other rows.
const CONTROL_FLOW: [(&str, &str); 2] = [
    ("IF", "any: both branches inlined as `if … else`, the ops inside as in this table"),
    ("WHILE", "any: inlined as a `loop`, carried shapes static; run time data-dependent"),
];

/// `(op, element type)` of every op in a model, keyed as the registry keys kernels: what a
/// model exercises, for checking that each table entry is backed by an oracle-checked model.
/// `input_shape` as in [`crate::CompileOptions`] (models with dynamic shapes).
pub fn kernels_in_model(file: &str, bytes: &[u8], input_shape: Option<&[usize]>) -> Result<Vec<(String, DType)>, crate::Error> {
    let graph = crate::read::read_model(file, bytes, input_shape)?;
    Ok(graph.ops.iter().filter_map(|op| Some((op.name.clone(), lower::kernel_dtype(&graph, op)?))).collect())
}
