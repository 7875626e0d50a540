kiln::include_model!("../tests/fixtures/zoo/digits_int8.tflite", deterministic_timing = "yes");

fn main() {}
