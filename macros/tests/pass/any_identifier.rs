// Any Rust identifier names a model. rustc's `non_camel_case_types` lint warns about the
// lowercase ones (allowed here); nothing else in the expansion may warn (`deny(warnings)`).
// Each model runs, so the structs are real.
#![deny(warnings)]
#![allow(non_camel_case_types)]

kiln::include_model!("../tests/fixtures/zoo/digits_int8.tflite", name = M_Digits);
kiln::include_model!("../tests/fixtures/zoo/digits_int8.tflite", name = digits_model);
kiln::include_model!("../tests/fixtures/zoo/digits_int8.tflite", name = r#type);
kiln::include_model!("../tests/fixtures/zoo/digits_int8.tflite", name = Type);
kiln::include_model!("../tests/fixtures/zoo/digits_int8.tflite", name = TypeModel);
kiln::include_model!("../tests/fixtures/zoo/digits_int8.tflite");

fn main() {
    let input = [0i8; 64];
    let a = *DigitsInt8::new().run(&input);
    assert_eq!(a, *M_Digits::new().run(&input));
    assert_eq!(a, *digits_model::new().run(&input));
    assert_eq!(a, *r#type::new().run(&input));
    assert_eq!(a, *Type::new().run(&input));
    assert_eq!(a, *TypeModel::new().run(&input));
    assert_eq!(M_Digits::ARENA_BYTES, DigitsInt8::ARENA_BYTES);
}
