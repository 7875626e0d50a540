kiln::include_model!("tests/ui/fixtures/two_subgraphs.tflite");

fn main() {}
