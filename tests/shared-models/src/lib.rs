//! Bit-exactness suite over the real TFLM models in `../shared/models/tflm` (outside this
//! repo, so this crate is not a default workspace member). `.ci/run` writes their goldens
//! with the TFLM interpreter into `target/shared-goldens` before running it.

use std::path::PathBuf;

/// Where `make_goldens.py` wrote this suite's goldens (`KILN_SHARED_GOLDENS` overrides).
pub fn goldens_dir() -> PathBuf {
    match std::env::var_os("KILN_SHARED_GOLDENS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/shared-goldens"),
    }
}
