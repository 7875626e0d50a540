kiln::include_model!("../tests/fixtures/zoo/digits_int8.tflite", profile = "yes");

fn main() {}
