// The model's custom op is `MyCustomOp`; a mapping for another code is a typo, not ignored.
kiln::include_model!("tests/ui/fixtures/custom_op.tflite", custom_ops = { "MyCustomOpp" => crate::my_op });

pub fn my_op(_: &[kiln::custom::Input<'_>], _: &mut [kiln::custom::Output<'_>], _: &kiln::custom::Options) {}

fn main() {}
