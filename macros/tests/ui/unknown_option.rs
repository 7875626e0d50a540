kiln::include_model!("../tests/fixtures/zoo/digits_int8.tflite", arena = 4096);

fn main() {}
