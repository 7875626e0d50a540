kiln::include_model!("../tests/fixtures/zoo/dynamic_length_conv1d.tflite", input_shape = [1, 40, 5]);

fn main() {}
