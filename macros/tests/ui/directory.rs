kiln::include_model!("tests/ui/fixtures");

fn main() {}
