// A name that is not UpperCamelCase compiles, and rustc's own `non_camel_case_types` lint
// reports it on the user's `name = …` token (kiln does not `allow` it in the expansion).
#![deny(non_camel_case_types)]

kiln::include_model!("../tests/fixtures/zoo/digits_int8.tflite", name = digits_model);

fn main() {}
