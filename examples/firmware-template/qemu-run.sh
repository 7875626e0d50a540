#!/usr/bin/env bash
# The QEMU runner (.cargo/qemu.toml): runs the firmware ELF ($1) on mps2-an386 and decodes its
# defmt frames (semihosting stdout) with defmt-print (`cargo install defmt-print`). The exit
# status is the firmware's (pipefail): 0 only if it ended with success; a hang exits 124.
set -euo pipefail
elf=$1
timeout "${QEMU_TIMEOUT:-120}" qemu-system-arm -machine mps2-an386 -cpu cortex-m4 \
  -display none -monitor none -serial none -semihosting-config enable=on,target=native \
  -kernel "$elf" | defmt-print -e "$elf"
