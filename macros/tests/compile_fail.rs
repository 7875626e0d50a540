//! Compile-fail tests: every malformed model and every misuse of `include_model!` fails the
//! build with one specific, spanned message (committed beside each case as `.stderr`); and
//! pass cases (`tests/pass/`), which must compile and run.
//! Regenerate the expectations with `TRYBUILD=overwrite cargo test -p kiln-macros --test compile_fail`
//! and review the diff; the fixtures come from `codegen/tests/broken_fixtures.rs`.

#[test]
fn ui() {
    // trybuild compiles each case inside its own project under the target directory, so the
    // macro's `CARGO_MANIFEST_DIR` would be that project, not this crate, and the committed
    // fixtures (`tests/ui/fixtures/`) would be out of reach by any stable relative path (the
    // target directory moves with `CARGO_TARGET_DIR`). The macro therefore resolves model
    // paths against `KILN_MANIFEST_DIR_OVERRIDE` when it is set; this test sets it to this
    // crate's directory, and the variable reaches the proc-macro through cargo and rustc.
    // Paths in the cases are thus written as a user of this crate would write them.
    std::env::set_var("KILN_MANIFEST_DIR_OVERRIDE", env!("CARGO_MANIFEST_DIR"));
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/fixtures");
    let n = std::fs::read_dir(&fixtures)
        .unwrap_or_else(|e| panic!("{}: {e} (run codegen's broken_fixtures test with KILN_BLESS=1)", fixtures.display()))
        .count();
    assert!(n >= 21, "only {n} fixtures in {}", fixtures.display());
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    // Cases that must compile and run (trybuild fails them on any error or a failing assert).
    t.pass("tests/pass/*.rs");
}
