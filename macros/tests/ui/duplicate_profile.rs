kiln::include_model!("../tests/fixtures/zoo/digits_int8.tflite", profile = true, profile = false);

fn main() {}
