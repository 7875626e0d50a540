#!/usr/bin/env bash
# Renders `kiln inspect --html` and `--svg` of a model in headless Chromium and fails unless both
# screenshots exist and show something: XML parsers (codegen/tests/report_render.rs) accept
# markup a browser may still draw blank, this is the browser's side of the check.
#
#   bash tests/scripts/render_report.sh [MODEL.tflite] [OUT_DIR]
#
# Defaults: tests/fixtures/zoo/mobilenet_v1_025_96.tflite, target/report-render. Writes
# OUT_DIR/<model>.html, .svg, .html.png and .svg.png. Installs Debian's chromium if missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL="${1:-tests/fixtures/zoo/mobilenet_v1_025_96.tflite}"
OUT="${2:-${CARGO_TARGET_DIR:-target}/report-render}"
fail() { echo "render_report: FAIL: $*" >&2; exit 1; }

[ -f "$MODEL" ] || fail "$MODEL: no such model"
if ! command -v chromium >/dev/null; then
  echo "render_report: installing chromium (Debian package)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
command -v python3 >/dev/null || fail "python3 is needed to check the screenshots"

cargo build -q -p kiln-codegen --bin kiln
KILN="${CARGO_TARGET_DIR:-target}/debug/kiln"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
stem="$(basename "$MODEL" .tflite)"
rm -f "$OUT/$stem".{html,svg,html.png,svg.png}
# Exit status 1 (unsupported ops) still writes both files: the page says what is missing.
status=0
"$KILN" inspect "$MODEL" --html "$OUT/$stem.html" --svg "$OUT/$stem.svg" || status=$?
[ "$status" -le 1 ] || fail "kiln inspect exited $status"

# The SVG at its own size; the page at a width that fits the table and tall enough for a
# MobileNet-sized model (longer pages are cut at the bottom, which the check tolerates).
read -r svg_w svg_h < <(python3 - "$OUT/$stem.svg" <<'EOF'
import re, sys
head = open(sys.argv[1], encoding="utf-8").read(2000)
m = re.search(r'<svg[^>]*\bwidth="([0-9.]+)"[^>]*\bheight="([0-9.]+)"', head)
if not m:
    sys.exit("no width/height on the <svg> element")
print(round(float(m.group(1))), round(float(m.group(2))))
EOF
)
shoot() { # url png width height
  rm -f "$2"
  # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --screenshot="$2" --window-size="$3,$4" "$1" >"$2.log" 2>&1 \
    || { cat "$2.log" >&2; fail "chromium exited non-zero rendering $1"; }
  [ -s "$2" ] || { cat "$2.log" >&2; fail "no screenshot written: $2"; }
}
shoot "file://$OUT/$stem.svg" "$OUT/$stem.svg.png" "$svg_w" "$svg_h"
shoot "file://$OUT/$stem.html" "$OUT/$stem.html.png" 1400 2200

# Not blank: decode each PNG (standard library only) and demand that it is not one colour,
# that a good part of it differs from the background, and that it has coloured pixels (the
# bars), not only grey text.
python3 - "$OUT/$stem.svg.png" "$OUT/$stem.html.png" <<'EOF'
import struct, sys, zlib
from collections import Counter

def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat, head = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = head
    channels = {2: 3, 6: 4}.get(ctype)
    if depth != 8 or channels is None or interlace:
        sys.exit(f"{path}: PNG layout depth={depth} colour type={ctype} interlace={interlace} not handled by this check")
    raw, stride, prev, rows, i = zlib.decompress(idat), w * channels, bytearray(w * channels), [], 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = prev[x], (prev[x - channels] if x >= channels else 0)
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, [tuple(r[x:x + 3]) for r in rows for x in range(0, stride, channels)]

for path in sys.argv[1:]:
    w, h, px = pixels(path)
    counts = Counter(px)
    background, most = counts.most_common(1)[0]
    # Pixel counts, not shares: a small model's page is mostly margin at this window size.
    other = len(px) - most
    coloured = sum(n for (r, g, b), n in counts.items() if max(r, g, b) - min(r, g, b) > 60)
    print(f"{path}: {w}x{h}, {len(counts)} colours, {other} px not background {background}, {coloured} px coloured")
    if len(counts) < 16 or other < 5000:
        sys.exit(f"FAIL: {path} is blank (or nearly: {len(counts)} colours, {other} px not background)")
    if coloured < 1000:
        sys.exit(f"FAIL: {path} has no coloured bars ({coloured} coloured pixels)")
EOF
echo "render_report: ok: $OUT/$stem.html.png $OUT/$stem.svg.png"
