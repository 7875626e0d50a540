// A keyword cannot name a struct (any other identifier can: see tests/pass/any_identifier.rs).
kiln::include_model!("../tests/fixtures/zoo/digits_int8.tflite", name = match);

fn main() {}
