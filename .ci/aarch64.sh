#!/usr/bin/env bash
# AArch64 (the Cortex-A cores of in-car gateways and application processors): the runtime's
# kernel unit tests and every zoo model built for aarch64-unknown-linux-gnu and run under
# qemu-aarch64 (user mode), each output compared with TFLM's goldens element by element. Twice:
# the default target features (NEON: cfg(kiln_aarch64_neon), the SMULL/SMLAL/SADALP matrix product
# and SMULL/SADDW depthwise kernels) and with -C target-feature=+dotprod (cfg(kiln_aarch64_dotprod):
# the SDOT matrix product; QEMU's default CPU for user mode, max, has it). The runtime unit tests
# include arch::aarch64's instructions-against-twins test. Installs the cross linker and QEMU's
# user mode when missing. Run by .ci/run; appends to target/ci-tests.log.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v qemu-aarch64 >/dev/null || ! command -v aarch64-linux-gnu-gcc >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross >/dev/null
fi
rustup target add aarch64-unknown-linux-gnu
qemu-aarch64 --version | head -1
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
mkdir -p target
cargo test --locked --target aarch64-unknown-linux-gnu -p kiln-tflite --lib -p kiln-tests --test zoo 2>&1 |
  tee -a target/ci-tests.log
# Separate target directory: other RUSTFLAGS would rebuild the first run's artifacts each time.
RUSTFLAGS="-C target-feature=+dotprod" cargo test --locked --target aarch64-unknown-linux-gnu \
  --target-dir target/aarch64-dotprod -p kiln-tflite --lib -p kiln-tests --test zoo 2>&1 |
  tee -a target/ci-tests.log
