#!/usr/bin/env bash
# Usage: tests/scripts/venv.sh KIND DIR
#   KIND = oracle | zoo  (installs tests/scripts/requirements-KIND.txt)
#   DIR  = the venv directory (e.g. .venv-oracle, .venv-zoo; both are gitignored)
# Creates the venv if it is missing, or recreates it when the requirements changed
# (a hash of the requirements files is stored in DIR/.kiln-requirements.sha256).
# Prints the venv's python path on stdout; everything else goes to stderr.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 oracle|zoo DIR" >&2
  exit 2
fi
kind=$1
dir=$(realpath -m "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
req="$here/requirements-$kind.txt"
if [ ! -f "$req" ]; then
  echo "venv.sh: no such requirements file: $req" >&2
  exit 2
fi

# Hash every requirements file this one pulls in (-r lines), so editing the
# oracle set also refreshes the zoo venv.
hash_inputs() {
  local f=$1
  cat "$f"
  local inc
  for inc in $(sed -n 's/^[[:space:]]*-r[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' "$f"); do
    hash_inputs "$(dirname "$f")/$inc"
  done
}
want=$( { hash_inputs "$req"; python3 --version 2>&1; } | sha256sum | cut -d' ' -f1)
stamp="$dir/.kiln-requirements.sha256"

if [ -x "$dir/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "$dir/bin/python"
  exit 0
fi

echo "venv.sh: (re)creating $dir from $(basename "$req")" >&2
rm -rf "$dir"
python3 -m venv "$dir" >&2
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
echo "$want" > "$stamp"
echo "$dir/bin/python"
