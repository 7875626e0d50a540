//! Control flow (IF, WHILE) inlined into one op list, so that lowering, the arena planner and
//! the emitter keep working on a single graph.
//!
//! Each call of a branch or loop subgraph gets fresh copies of that subgraph's tensors and ops
//! (appended to the main graph's, ops numbered after the main subgraph's in inlining order, which
//! is what error messages count), except its inputs: those *are* the caller's tensors, since a
//! subgraph input is only a name for the value the caller passes (TFLM copies the bytes; sharing
//! them is the same). The construct itself becomes [`Flow`] pieces:
//!
//! ```text
//! IF c (a…) → o…:   IfBegin(c)  then-ops  Copy(then-out → o)…  Else(c)  else-ops  Copy(else-out → o)…  EndIf(c)
//! WHILE (x…) → y…:  Copy(x → y)…  LoopBegin  cond-ops  BreakUnless(cond-out)  body-ops  Copy(body-out → y)…  LoopEnd
//! ```
//!
//! The WHILE's outputs `y` are the loop-carried tensors: cond and body read them as their inputs
//! and the body's results are copied back at the end of each iteration (through a temporary when
//! one result is another carried tensor, so a swap does not read a value it already overwrote).
//! Shapes stay static: every carried tensor keeps its type and shape (else a named error), and
//! the planner keeps what a loop reads alive across the whole loop (`crate::plan`).

use crate::ir::{Flow, Graph, Op, Options, Tensor};

/// One subgraph as the reader decoded it (tensor and op indices local to it).
#[derive(Clone, Debug)]
pub(crate) struct Subgraph {
    pub tensors: Vec<Tensor>,
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
    pub ops: Vec<Op>,
}

/// Whether any op is an IF or a WHILE (the reader then reads the other subgraphs).
pub(crate) fn has_control_flow(ops: &[Op]) -> bool {
    ops.iter().any(|o| matches!(o.options, Options::If { .. } | Options::While { .. }))
}

/// The subgraphs some IF or WHILE of any subgraph names.
pub(crate) fn called_subgraphs(parts: &[Subgraph]) -> Vec<usize> {
    let mut out = Vec::new();
    for op in parts.iter().flat_map(|p| &p.ops) {
        match op.options {
            Options::If { then_subgraph: a, else_subgraph: b } | Options::While { cond_subgraph: a, body_subgraph: b } => {
                out.extend([a, b]);
            }
            _ => {}
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Deepest nesting of IF/WHILE kiln inlines (a subgraph that calls itself never ends).
const MAX_DEPTH: usize = 16;
/// Most ops inlining may produce (a subgraph called from many places is copied each time).
const MAX_OPS: usize = 100_000;

struct Inliner<'a> {
    parts: &'a [Subgraph],
    tensors: Vec<Tensor>,
    ops: Vec<Op>,
    next_index: usize,
    stack: Vec<usize>,
}

/// The model's graph with every IF and WHILE inlined (subgraph 0 is the model).
pub(crate) fn inline(mut parts: Vec<Subgraph>) -> Result<Graph, String> {
    let main = parts.remove(0);
    if !has_control_flow(&main.ops) {
        return Ok(Graph { tensors: main.tensors, ops: main.ops, inputs: main.inputs, outputs: main.outputs, folded_ops: Vec::new() });
    }
    // Keep subgraph numbering: index 0 is a placeholder for the model itself.
    parts.insert(0, Subgraph { tensors: vec![], inputs: vec![], outputs: vec![], ops: vec![] });
    let mut cx = Inliner { parts: &parts, tensors: main.tensors.clone(), ops: Vec::new(), next_index: main.ops.len(), stack: vec![0] };
    let map: Vec<usize> = (0..main.tensors.len()).collect();
    for op in &main.ops {
        cx.op(op, &map, true)?;
    }
    Ok(Graph { tensors: cx.tensors, ops: cx.ops, inputs: main.inputs, outputs: main.outputs, folded_ops: Vec::new() })
}

impl Inliner<'_> {
    /// Appends `op` (its tensors renamed by `map`), expanding IF and WHILE.
    fn op(&mut self, op: &Op, map: &[usize], main: bool) -> Result<(), String> {
        if self.ops.len() >= MAX_OPS {
            return Err(format!("inlining IF/WHILE subgraphs gives more than {MAX_OPS} ops (a subgraph called from too many places)"));
        }
        let mut op = op.clone();
        for t in op.inputs.iter_mut().flatten() {
            *t = map[*t];
        }
        for t in &mut op.outputs {
            *t = map[*t];
        }
        if !main {
            op.index = self.next_index;
            self.next_index += 1;
        }
        match op.options {
            Options::If { then_subgraph, else_subgraph } => self.if_op(&op, then_subgraph, else_subgraph),
            Options::While { cond_subgraph, body_subgraph } => self.while_op(&op, cond_subgraph, body_subgraph),
            _ => {
                self.ops.push(op);
                Ok(())
            }
        }
    }

    fn flow(&mut self, at: &Op, flow: Flow, inputs: Vec<usize>, outputs: Vec<usize>) {
        self.ops.push(Op {
            index: at.index,
            code: at.code,
            name: at.name.clone(),
            inputs: inputs.into_iter().map(Some).collect(),
            outputs,
            options: Options::Flow(flow),
        });
    }

    fn label(&self, t: usize) -> String {
        self.tensors[t].label()
    }

    /// A fresh copy of subgraph `k` whose inputs are `args`: ops inlined, returns its outputs.
    fn call(&mut self, at: &Op, k: usize, role: &str, args: &[usize]) -> Result<Vec<usize>, String> {
        let what = format!("op #{} {}", at.index, at.name);
        let Some(sg) = self.parts.get(k).filter(|_| k != 0) else {
            return Err(format!("{what}: its {role} subgraph index {} is not a subgraph of the model", k as isize));
        };
        if self.stack.contains(&k) {
            return Err(format!("{what}: its {role} subgraph {k} calls itself (directly or through another IF/WHILE)"));
        }
        if self.stack.len() > MAX_DEPTH {
            return Err(format!("{what}: IF/WHILE nested more than {MAX_DEPTH} deep"));
        }
        if sg.inputs.len() != args.len() {
            return Err(format!("{what}: its {role} subgraph {k} takes {} inputs, the op passes {}", sg.inputs.len(), args.len()));
        }
        // Fresh tensors, then the inputs renamed to the caller's.
        let base = self.tensors.len();
        let mut map: Vec<usize> = (base..base + sg.tensors.len()).collect();
        for (i, t) in sg.tensors.iter().enumerate() {
            let mut t = t.clone();
            t.index = base + i;
            t.name = format!("{} (subgraph {k})", t.name);
            self.tensors.push(t);
        }
        for (j, (&input, &arg)) in sg.inputs.iter().zip(args).enumerate() {
            let (inner, outer) = (&sg.tensors[input], &self.tensors[arg]);
            if inner.dtype != outer.dtype || inner.shape != outer.shape || inner.quant != outer.quant {
                return Err(format!(
                    "{what}: input {j} of its {role} subgraph {k}, {}, is {} {:?}{}, but the op passes {}, {} {:?}{}; \
                     kiln compiles control flow whose tensors keep one static type, shape and quantization",
                    inner.label(),
                    inner.dtype.name(),
                    inner.shape,
                    quant_note(inner),
                    outer.label(),
                    outer.dtype.name(),
                    outer.shape,
                    quant_note(outer)
                ));
            }
            map[input] = arg;
        }
        self.stack.push(k);
        for op in &sg.ops {
            self.op(op, &map, false)?;
        }
        self.stack.pop();
        Ok(sg.outputs.iter().map(|&t| map[t]).collect())
    }

    /// `results[j]` must fit `into[j]` (type and shape: the bytes are copied).
    fn check_results(&self, at: &Op, role: &str, results: &[usize], into: &[usize]) -> Result<(), String> {
        let what = format!("op #{} {}", at.index, at.name);
        if results.len() != into.len() {
            return Err(format!("{what}: its {role} subgraph has {} outputs, the op has {}", results.len(), into.len()));
        }
        for (j, (&r, &o)) in results.iter().zip(into).enumerate() {
            let (a, b) = (&self.tensors[r], &self.tensors[o]);
            if a.dtype != b.dtype || a.shape != b.shape {
                let why = if role == "body" {
                    "kiln compiles loops whose carried tensors keep their type and shape (static shapes)"
                } else {
                    "kiln compiles branches whose results have the op's static type and shape"
                };
                return Err(format!(
                    "{what}: output {j} of its {role} subgraph, {}, is {} {:?}, but {} is {} {:?}; {why}",
                    self.label(r),
                    a.dtype.name(),
                    a.shape,
                    self.label(o),
                    b.dtype.name(),
                    b.shape
                ));
            }
        }
        Ok(())
    }

    /// Copies `results[j]` into `into[j]` (skipping a tensor copied onto itself); a result that
    /// is another target is first copied aside, so no copy reads a target already written.
    fn copy_results(&mut self, at: &Op, results: &[usize], into: &[usize]) {
        let mut sources = results.to_vec();
        for j in 0..sources.len() {
            let r = sources[j];
            if r != into[j] && into.contains(&r) {
                let mut t = self.tensors[r].clone();
                t.index = self.tensors.len();
                t.name = format!("{} (copy)", t.name);
                self.tensors.push(t);
                self.flow(at, Flow::Copy, vec![r], vec![self.tensors.len() - 1]);
                sources[j] = self.tensors.len() - 1;
            }
        }
        for (&r, &o) in sources.iter().zip(into) {
            if r != o {
                self.flow(at, Flow::Copy, vec![r], vec![o]);
            }
        }
    }

    fn if_op(&mut self, op: &Op, then_k: usize, else_k: usize) -> Result<(), String> {
        let what = format!("op #{} IF", op.index);
        let Some((Some(cond), args)) = op.inputs.split_first().map(|(c, a)| (*c, a)) else {
            return Err(format!("{what} has no condition input"));
        };
        let args: Vec<usize> = args.iter().map(|a| a.ok_or(format!("{what}: an omitted (−1) branch input"))).collect::<Result<_, _>>()?;
        check_cond(&self.tensors[cond], &what)?;
        self.flow(op, Flow::IfBegin, vec![cond], vec![]);
        let then = self.call(op, then_k, "then", &args)?;
        self.check_results(op, "then", &then, &op.outputs)?;
        self.copy_results(op, &then, &op.outputs);
        self.flow(op, Flow::Else, vec![cond], vec![]);
        let other = self.call(op, else_k, "else", &args)?;
        self.check_results(op, "else", &other, &op.outputs)?;
        self.copy_results(op, &other, &op.outputs);
        self.flow(op, Flow::EndIf, vec![cond], vec![]);
        Ok(())
    }

    fn while_op(&mut self, op: &Op, cond_k: usize, body_k: usize) -> Result<(), String> {
        let what = format!("op #{} WHILE", op.index);
        let inputs: Vec<usize> = op.inputs.iter().map(|a| a.ok_or(format!("{what}: an omitted (−1) input"))).collect::<Result<_, _>>()?;
        let carried = op.outputs.clone();
        if inputs.is_empty() || inputs.len() != carried.len() {
            return Err(format!("{what} has {} inputs and {} outputs; a loop carries each input to the output in its place", inputs.len(), carried.len()));
        }
        for (j, (&x, &y)) in inputs.iter().zip(&carried).enumerate() {
            let (a, b) = (&self.tensors[x], &self.tensors[y]);
            if a.dtype != b.dtype || a.shape != b.shape || a.quant != b.quant {
                return Err(format!(
                    "{what}: input {j}, {}, is {} {:?}, but output {j}, {}, is {} {:?}; kiln compiles loops whose \
                     carried tensors keep their type, shape and quantization (static shapes)",
                    a.label(),
                    a.dtype.name(),
                    a.shape,
                    b.label(),
                    b.dtype.name(),
                    b.shape
                ));
            }
        }
        self.copy_results(op, &inputs, &carried);
        self.flow(op, Flow::LoopBegin, vec![carried[0]], vec![]);
        let cond = self.call(op, cond_k, "cond", &carried)?;
        let &[c] = cond.as_slice() else {
            return Err(format!("{what}: its cond subgraph has {} outputs, expected one bool", cond.len()));
        };
        check_cond(&self.tensors[c], &what)?;
        self.flow(op, Flow::BreakUnless, vec![c], vec![]);
        let next = self.call(op, body_k, "body", &carried)?;
        self.check_results(op, "body", &next, &carried)?;
        self.copy_results(op, &next, &carried);
        self.flow(op, Flow::LoopEnd, vec![carried[0]], vec![]);
        Ok(())
    }
}

/// A condition is one bool (TFLM's IF and WHILE read element 0 of a bool tensor).
fn check_cond(t: &Tensor, what: &str) -> Result<(), String> {
    if t.dtype != crate::ir::DType::Bool || t.elements() != 1 {
        return Err(format!("{what}: its condition {} is {} {:?}, expected one bool", t.label(), t.dtype.name(), t.shape));
    }
    Ok(())
}

fn quant_note(t: &Tensor) -> String {
    match &t.quant {
        Some(q) => format!(" (scale {:?}, zero point {:?})", q.scales, q.zero_points),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::DType;

    fn t(index: usize, shape: &[usize], dtype: DType) -> Tensor {
        Tensor { index, name: format!("t{index}"), shape: shape.to_vec(), dtype, quant: None, data: None, is_variable: false }
    }

    fn op(index: usize, name: &str, inputs: &[usize], outputs: &[usize], options: Options) -> Op {
        Op { index, code: 0, name: name.into(), inputs: inputs.iter().map(|&i| Some(i)).collect(), outputs: outputs.to_vec(), options }
    }

    fn sg(tensors: Vec<Tensor>, inputs: &[usize], outputs: &[usize], ops: Vec<Op>) -> Subgraph {
        Subgraph { tensors, inputs: inputs.to_vec(), outputs: outputs.to_vec(), ops }
    }

    /// `y = WHILE(x)` with cond `c = LESS(x, x)` and a body `z = ADD(x, x)` whose result has
    /// `body_shape`.
    fn loop_model(body_shape: &[usize]) -> Vec<Subgraph> {
        let main = sg(
            vec![t(0, &[4], DType::F32), t(1, &[4], DType::F32)],
            &[0],
            &[1],
            vec![op(0, "WHILE", &[0], &[1], Options::While { cond_subgraph: 1, body_subgraph: 2 })],
        );
        let cond = sg(vec![t(0, &[4], DType::F32), t(1, &[1], DType::Bool)], &[0], &[1], vec![op(0, "LESS", &[0, 0], &[1], Options::None)]);
        let body = sg(vec![t(0, &[4], DType::F32), t(1, body_shape, DType::F32)], &[0], &[1], vec![op(0, "ADD", &[0, 0], &[1], Options::None)]);
        vec![main, cond, body]
    }

    fn flows(g: &Graph) -> Vec<String> {
        g.ops
            .iter()
            .map(|o| match o.options {
                Options::Flow(f) => format!("{f:?}({:?}->{:?})", o.inputs.iter().flatten().collect::<Vec<_>>(), o.outputs),
                _ => format!("{}#{}({:?}->{:?})", o.name, o.index, o.inputs.iter().flatten().collect::<Vec<_>>(), o.outputs),
            })
            .collect()
    }

    #[test]
    fn a_while_becomes_a_loop_over_its_carried_tensors() {
        let g = inline(loop_model(&[4])).unwrap();
        // Main tensors 0-1; cond's 2-3 (its input 2 is renamed to the carried tensor 1); body's 4-5.
        assert_eq!(
            flows(&g),
            [
                "Copy([0]->[1])",
                "LoopBegin([1]->[])",
                "LESS#1([1, 1]->[3])",
                "BreakUnless([3]->[])",
                "ADD#2([1, 1]->[5])",
                "Copy([5]->[1])",
                "LoopEnd([1]->[])"
            ]
        );
    }

    #[test]
    fn a_loop_that_changes_a_carried_shape_is_rejected_by_name() {
        let e = inline(loop_model(&[8])).unwrap_err();
        assert_eq!(
            e,
            "op #0 WHILE: output 0 of its body subgraph, tensor #5 `t1 (subgraph 2)`, is float32 [8], but tensor #1 `t1` \
             is float32 [4]; kiln compiles loops whose carried tensors keep their type and shape (static shapes)"
        );
    }

    #[test]
    fn a_swap_goes_through_a_temporary() {
        // Body returns (b, a) for carried (a, b): the second copy must not read the first's result.
        let main = sg(
            (0..4).map(|i| t(i, &[2], DType::I32)).collect(),
            &[0, 1],
            &[2, 3],
            vec![op(0, "WHILE", &[0, 1], &[2, 3], Options::While { cond_subgraph: 1, body_subgraph: 2 })],
        );
        let cond = sg(vec![t(0, &[2], DType::I32), t(1, &[2], DType::I32), t(2, &[], DType::Bool)], &[0, 1], &[2], vec![op(0, "LESS", &[0, 1], &[2], Options::None)]);
        let body = sg(vec![t(0, &[2], DType::I32), t(1, &[2], DType::I32)], &[0, 1], &[1, 0], vec![]);
        let g = inline(vec![main, cond, body]).unwrap();
        let f = flows(&g);
        let tail: Vec<&str> = f[f.len() - 6..].iter().map(String::as_str).collect();
        assert_eq!(tail, ["BreakUnless([6]->[])", "Copy([3]->[9])", "Copy([2]->[10])", "Copy([9]->[2])", "Copy([10]->[3])", "LoopEnd([2]->[])"]);
    }

    #[test]
    fn bad_control_flow_is_rejected_by_name() {
        // IF whose condition is not a bool.
        let main = sg(
            vec![t(0, &[4], DType::F32), t(1, &[4], DType::F32)],
            &[0],
            &[1],
            vec![op(3, "IF", &[0, 0], &[1], Options::If { then_subgraph: 1, else_subgraph: 1 })],
        );
        let branch = sg(vec![t(0, &[4], DType::F32)], &[0], &[0], vec![]);
        let e = inline(vec![main.clone(), branch.clone()]).unwrap_err();
        assert_eq!(e, "op #3 IF: its condition tensor #0 `t0` is float32 [4], expected one bool");
        // A branch subgraph index past the model's subgraphs.
        let mut m = main.clone();
        m.tensors[0] = t(0, &[1], DType::Bool);
        m.tensors.push(t(2, &[4], DType::F32));
        m.ops[0].inputs = vec![Some(0), Some(2)];
        m.inputs = vec![0, 2];
        m.ops[0].options = Options::If { then_subgraph: 1, else_subgraph: 7 };
        let e = inline(vec![m.clone(), branch.clone()]).unwrap_err();
        assert_eq!(e, "op #3 IF: its else subgraph index 7 is not a subgraph of the model");
        // A loop whose body is the subgraph holding the loop.
        let mut inner = loop_model(&[4]);
        inner[2] = sg(
            vec![t(0, &[4], DType::F32), t(1, &[4], DType::F32)],
            &[0],
            &[1],
            vec![op(0, "WHILE", &[0], &[1], Options::While { cond_subgraph: 1, body_subgraph: 2 })],
        );
        let e = inline(inner).unwrap_err();
        assert_eq!(e, "op #2 WHILE: its body subgraph 2 calls itself (directly or through another IF/WHILE)");
    }
}
