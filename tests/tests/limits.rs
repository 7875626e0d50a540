//! The compiler's mirror of the runtime kernels' limits (`kiln_codegen::limits`) agrees with
//! the runtime: the compiler picks a kernel for a layer by these limits, and a kernel handed a
//! shape outside its own leaves its output untouched.

#[test]
fn the_compiler_mirrors_the_runtime_limits() {
    use kiln::ops;
    use kiln_codegen::limits as mirror;
    let pairs = [
        ("MAX_BROADCAST_WIDTH", mirror::MAX_BROADCAST_WIDTH, ops::MAX_BROADCAST_WIDTH),
        ("MAX_BROADCAST_WORDS", mirror::MAX_BROADCAST_WORDS, ops::MAX_BROADCAST_WORDS),
        ("MAX_CONST_CHANNELS", mirror::MAX_CONST_CHANNELS, ops::MAX_CONST_CHANNELS),
        ("MAX_GEMM_WINDOW", mirror::MAX_GEMM_WINDOW, ops::MAX_GEMM_WINDOW),
        ("MAX_PATCH", mirror::MAX_PATCH, ops::MAX_PATCH),
        ("MAX_IN_PLACE_WIDTH", mirror::MAX_IN_PLACE_WIDTH, ops::MAX_IN_PLACE_WIDTH),
    ];
    for (name, compiler, runtime) in pairs {
        assert_eq!(compiler, runtime, "{name}: the compiler assumes {compiler}, the runtime has {runtime}");
    }
}
