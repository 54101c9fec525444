#!/bin/sh
# make docs-images: the two pictures of the README, drawn from samples/ as
# `make demo` reports them:
#   docs/pdf-summary.png    page 1 of report.pdf (pdftoppm)
#   docs/xlsx-summary.png   the Summary sheet of report.xlsx, as LibreOffice
#                           Calc prints it (headless, to PDF, then pdftoppm)
# Needs poppler-utils and libreoffice-calc-nogui (sh tools/deps.sh docs).
# The PNGs are committed: run this after a change to either renderer and
# look at the result before committing it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
KVA=${KVA:-$BUILD/kvaudit}
DPI=${DPI:-96}

for tool in pdftoppm soffice; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "docs-images: $tool is missing: sh tools/deps.sh docs" >&2
        exit 2
    fi
done
if [ ! -x "$KVA" ]; then
    echo "docs-images: $KVA not found: run make first" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kva-docs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# The control fails on the samples (exit 1 only with --fail-on; 0 here).
"$KVA" report -q -f xlsx,pdf -o "$tmp/report" \
    --baseline samples/baseline/report.json \
    --title "Key Vault Defender coverage" --org "Contoso Group" \
    --as-of 2026-11-23 samples/estate

# poppler warns about libharu's ToUnicode maps on every page; the
# rendering is right (LIBRARIES.md).
pdftoppm -f 1 -l 1 -r "$DPI" -png -singlefile "$tmp/report/report.pdf" \
    "$tmp/pdf-summary" 2>/dev/null

# A private LibreOffice profile: no first-start dialogs, no lock on the
# user's own, nothing left behind.
if ! timeout 300 soffice -env:UserInstallation="file://$tmp/profile" \
    --headless --convert-to pdf --outdir "$tmp/xlsx" \
    "$tmp/report/report.xlsx" >"$tmp/soffice.log" 2>&1 ||
    [ ! -s "$tmp/xlsx/report.pdf" ]; then
    cat "$tmp/soffice.log" >&2
    echo "docs-images: LibreOffice could not print report.xlsx" >&2
    exit 1
fi
pdftoppm -f 1 -l 1 -r "$DPI" -png -singlefile "$tmp/xlsx/report.pdf" \
    "$tmp/xlsx-summary" 2>/dev/null

mkdir -p docs
for name in pdf-summary xlsx-summary; do
    cp "$tmp/$name.png" "docs/.$name.png.tmp"
    mv "docs/.$name.png.tmp" "docs/$name.png"
    echo "docs/$name.png"
done
