kiln::include_model!("../tests/fixtures/zoo/mobilenet_v1_025_96.tflite", max_arena_bytes = 1000);

fn main() {}
