const MODEL: &str = "tests/ui/fixtures/empty.tflite";
kiln::include_model!(MODEL);

fn main() {}
