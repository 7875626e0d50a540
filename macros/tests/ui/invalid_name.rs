kiln::include_model!("../tests/fixtures/zoo/digits_int8.tflite", name = digits_model);

fn main() {}
