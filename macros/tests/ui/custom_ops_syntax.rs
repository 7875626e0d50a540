// The custom code is a string literal.
kiln::include_model!("tests/ui/fixtures/custom_op.tflite", custom_ops = { MyCustomOp => crate::my_op });

fn main() {}
