#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/tests/svg-render.sh - render the pictures of "stackblk record" in
# headless Chromium and check that each screenshot is not blank.
#
#   tests/svg-render.sh                 record from the fixture trees, render
#   tests/svg-render.sh FILE.svg...     render these (PNGs beside them, or in
#                                       $SVG_PNG_DIR)
#
# One "PASS svg/<name>" / "FAIL svg/<name>: reason" line per picture, or one
# "SKIP svg/render: chromium not installed" ($CHROMIUM names another binary).  A PNG passes when at least 2 % of its pixels
# are not near-white and it has at least 4 distinct colours (a blank page, an
# error page or a broken-image icon does not).  Every Chromium run is bounded
# by a timeout.  Run from tools/ (the Makefile's test target does).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ] || [ ! -x "$CHROMIUM" ]; then
	# "SKIP name: why", as tests/run-all.sh shows (and does not count) it
	echo "SKIP svg/render: chromium not installed (apt-get install chromium; tests/setup.sh does)"
	exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# png_check PNG: "ok N%", or the reason it looks blank (exit 1)
png_check() {
	python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(print("not a PNG") or 1)
pos, idat, hdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        hdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = hdr
if depth != 8 or ctype not in (2, 6) or interlace:
    sys.exit(print("unexpected PNG format depth=%d colour=%d interlace=%d" % (depth, ctype, interlace)) or 1)
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, rows, i = bytearray(stride), [], 0
for _ in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
ink, colours = 0, set()
for line in rows:
    for x in range(0, stride, bpp):
        px = bytes(line[x:x + 3])
        colours.add(px)
        if min(px) < 235:
            ink += 1
share = 100.0 * ink / (w * h)
if share < 2 or len(colours) < 4:
    sys.exit(print("blank: %.2f%% non-white pixels, %d colours (%dx%d)" % (share, len(colours), w, h)) or 1)
print("ok %.1f%% non-white, %d colours, %dx%d" % (share, len(colours), w, h))
PY
}

# render SVG PNG: screenshot at the SVG's own size (bounded: 90 s)
render() {
	local svg=$1 png=$2 size
	size=$(python3 -c '
import sys, xml.dom.minidom
e = xml.dom.minidom.parse(sys.argv[1]).documentElement
print("%d,%d" % (int(float(e.getAttribute("width"))), int(float(e.getAttribute("height")))))' "$svg" 2>/dev/null) || {
		echo "not well-formed XML"
		return 1
	}
	rm -f "$png"
	timeout -k 5 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--no-first-run --user-data-dir="$TMP/profile" --window-size="$size" \
		--screenshot="$png" "file://$(realpath "$svg")" >"$TMP/chromium.log" 2>&1
	if [ ! -s "$png" ]; then
		echo "no screenshot (chromium: $(grep -v '^$' "$TMP/chromium.log" | tail -n 2 | tr '\n' ' '))"
		return 1
	fi
	png_check "$png"
}

check() {	# NAME SVG
	local why
	if why=$(render "$2" "${SVG_PNG_DIR:-$(dirname "$2")}/$(basename "$2" .svg).png"); then
		echo "PASS svg/$1"
	else
		echo "FAIL svg/$1: $why"
	fi
}

if [ $# -gt 0 ]; then
	for f in "$@"; do
		check "$(basename "$f" .svg)" "$f"
	done
	exit 0
fi

# The pictures of a captured guest (totals since reset: non-empty).
FX=$PWD/tests/fixtures/real-6.12.118+deb12-4cpu/tree
if ! out=$(STACKBLK_ROOT=$FX ./stackblk record stackblk0 --svg "$TMP/real" 2>&1); then
	echo "FAIL svg/record: stackblk record failed: $out"
	exit 0
fi
for p in latency affinity depth; do
	check "$p" "$TMP/real/$p.svg"
done
