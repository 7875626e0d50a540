kiln::include_model!("../tests/fixtures/zoo/digits_f16.tflite", f16 = "half");

fn main() {}
