kiln::include_model!("tests/ui/fixtures/per_channel_count.tflite");

fn main() {}
