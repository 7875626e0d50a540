kiln::include_model!("../tests/fixtures/zoo/while_data_int8.tflite", deterministic_timing = true);

fn main() {}
