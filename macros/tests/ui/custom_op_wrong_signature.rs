// The function must take (inputs, outputs, options): rustc names the mismatch.
kiln::include_model!("tests/ui/fixtures/custom_op.tflite", custom_ops = { "MyCustomOp" => crate::my_op });

pub fn my_op(_: &[u8]) {}

fn main() {}
