#!/bin/sh
# report.pdf as a reader gets it, checked through poppler: the text of the
# samples/ report against a committed expectation, document information,
# bookmarks, page footers and repeated table headers, the owners written in
# five scripts (in the text layer and drawn on the page), every remediation
# command whole, determinism, a rendered summary page, the error for a
# missing font package, and a 100,000-vault estate with --pdf-vaults all.
#
# KVA_GOLDEN_UPDATE=1 rewrites tests/pdf/samples.txt from the current
# output (read the diff before committing it). KVA_PDF_BIG=0 skips the
# large estate.
. tests/lib.sh

root=$(pwd)
here=tests/pdf
case $KVA in
/*) kva_abs=$KVA ;;
*) kva_abs=$root/$KVA ;;
esac

for tool in pdftotext pdfinfo pdftoppm pdffonts jq iconv od; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        fail "$tool is installed" "install poppler-utils and jq (tools/deps.sh test)"
        finish
    fi
done

# Run from a scratch directory with relative paths and the binary reached
# as "kvaudit" through PATH: the command line and input paths printed in
# the evidence appendix then do not depend on where the tree or the build
# directory is.
mkwork() { # dir
    mkdir -p "$1/bin"
    ln -s "$kva_abs" "$1/bin/kvaudit"
    ln -s "$root/samples" "$1/samples"
}
work=$T_TMP/work
mkwork "$work"
vg=
[ -n "${KVA_VALGRIND:-}" ] &&
    vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"

kva_in_work() { # args...: sets rc, err
    err=$T_TMP/stderr
    # shellcheck disable=SC2086
    (cd "$work" && PATH="$work/bin:$PATH" timeout 300 $vg kvaudit "$@") \
        >"$T_TMP/stdout" 2>"$err" </dev/null
    rc=$?
}

run_sample() { # outdir [extra args]
    o=$1
    shift
    # The title and organisation have spaces: pass them whole.
    kva_in_work report -f json,pdf -o "$o" "$@" \
        --baseline samples/baseline/report.json \
        --title "Key Vault Defender coverage" --org "Contoso Group" \
        --as-of 2026-11-23 samples/estate
}

run_sample out
expect_eq "samples report: exit status" 0 "$rc"
pdf=$work/out/report.pdf
if [ ! -s "$pdf" ]; then
    fail "samples report: report.pdf written" "$(cat "$err")"
    finish
fi
ok "samples report: report.pdf written"
json=$work/out/report.json

# Text of the whole document, and of every page (form feeds between).
pdftotext -layout "$pdf" "$T_TMP/layout.txt" 2>/dev/null
pdftotext "$pdf" "$T_TMP/raw.txt" 2>/dev/null

# Golden text. Normalised: the library versions (they change with security
# updates of the system, not with kvaudit) and trailing blanks.
normalise() {
    sed -e 's/^\( *Libraries  *\).*/\1<library versions>/' -e 's/[ \t]*$//' "$1"
}
normalise "$T_TMP/layout.txt" >"$T_TMP/got.txt"
if [ -n "${KVA_GOLDEN_UPDATE:-}" ]; then
    cp "$T_TMP/got.txt" "$here/samples.txt"
    ok "golden text rewritten: $here/samples.txt"
fi
if diff -u "$here/samples.txt" "$T_TMP/got.txt" >"$T_TMP/golden.diff"; then
    ok "pdftotext -layout matches $here/samples.txt"
else
    fail "pdftotext -layout matches $here/samples.txt" "$(head -60 "$T_TMP/golden.diff")"
fi

# Document information and page count.
pdfinfo -isodates "$pdf" >"$T_TMP/info.txt" 2>/dev/null
info() { sed -n "s/^$1: *//p" "$T_TMP/info.txt"; }
expect_eq "pdfinfo: title" "Key Vault Defender coverage" "$(info Title)"
expect_eq "pdfinfo: author is --org" "Contoso Group" "$(info Author)"
# Without --org the document still has an author: the tool.
kva_in_work report -f pdf -o noorg --as-of 2026-11-23 samples/estate
expect_eq "no --org: exit status" 0 "$rc"
expect_eq "pdfinfo: author without --org" "kvaudit" \
    "$(pdfinfo "$work/noorg/report.pdf" 2>/dev/null | sed -n 's/^Author: *//p')"
expect_eq "pdfinfo: subject" \
    "KVA-DEFENDER-KEYVAULT: Microsoft Defender for Key Vault is set to On" \
    "$(info Subject)"
case $(info Keywords) in
*"Microsoft Defender for Key Vault"*"CIS 2.1.10"*"CIS 3.1.8.1"*"1f725891-01c0-420a-9059-4fa46cb770b7"*)
    ok "pdfinfo: keywords name the control and its references" ;;
*) fail "pdfinfo: keywords name the control and its references" "$(info Keywords)" ;;
esac
expect_eq "pdfinfo: creation date is --as-of" "2026-11-23T00:00:00Z" "$(info CreationDate)"
expect_eq "pdfinfo: creator" "kvaudit 0.1.0" "$(info Creator)"
expect_eq "pdfinfo: A4 portrait" "595.276 x 841.89 pts (A4)" "$(info 'Page size')"
pages=$(info Pages)
ff=$(tr -cd '\f' <"$T_TMP/layout.txt" | wc -c)
expect_eq "pdfinfo: one page per form feed of pdftotext" "$pages" "$ff"

# Footers: "Page N of M" on every page, M the page count.
n=$(grep -c "Page [0-9][0-9]* of $pages\$" "$T_TMP/layout.txt")
expect_eq "footer 'Page N of M' on every page" "$pages" "$n"
grep -q "Page 1 of $pages\$" "$T_TMP/layout.txt" &&
    grep -q "Page $pages of $pages\$" "$T_TMP/layout.txt" &&
    ok "footers run from 1 to $pages" ||
    fail "footers run from 1 to $pages" "$(grep 'Page [0-9]' "$T_TMP/layout.txt" | head)"

# Bookmarks: every section has one (titles are UTF-16BE in the file).
utf16hex() { printf '%s' "$1" | iconv -f UTF-8 -t UTF-16BE | od -An -tx1 -v | tr -d ' \n' | tr a-f A-F; }
missing=
for t in "Summary" "Findings" "Remediation plan" "Exceptions" "Trend" \
    "Appendix A. All subscriptions" \
    "Appendix B. Coverage by owner, environment, tenant and management group" \
    "Appendix C. Key vaults of subscriptions that are not covered" \
    "Appendix D. Evidence" "Appendix E. Method" \
    "Service-wide: Azure Policy at the management group" \
    "Per subscription, in priority order" "Warnings"; do
    grep -aq "/Title <FEFF$(utf16hex "$t")>" "$pdf" || missing="$missing
$t"
done
expect_eq "a bookmark for every section" "" "$missing"
grep -aq "/PageMode /UseOutlines" "$pdf" && ok "opens with the bookmarks shown" ||
    fail "opens with the bookmarks shown"

# Every page of the vault appendix that holds vault rows starts with the
# table header (rows are never split, the header repeats).
bad=$(awk 'BEGIN { RS = "\f" } /Appendix C\./ { on = 1 } /Appendix D\./ { on = 0 }
    on && /kv-/ && !/Key vault +Location +Covered +Owner +Environment/ { print NR }' \
    "$T_TMP/layout.txt")
expect_eq "vault table header on each of its pages" "" "$bad"

# Owners in five scripts: whole in the text layer...
for name in "Jürgen Müller" "Ольга Петрова" "山田太郎" "김민준" "Zoë Ørsted"; do
    if grep -qF "$name" "$T_TMP/raw.txt"; then
        ok "owner '$name' in the extracted text"
    else
        fail "owner '$name' in the extracted text"
    fi
done
# ...drawn with a real font (embedded: DejaVu for Latin and Cyrillic,
# WenQuanYi Zen Hei for the kanji, NanumGothic for Hangul)...
pdffonts "$pdf" >"$T_TMP/fonts.txt" 2>/dev/null
for f in DejaVuSans DejaVuSansMono WenQuanYiZenHei NanumGothic; do
    if awk -v f="$f" '$1 ~ "^[A-Z]+\\+" f "(,|$)" && / yes +yes / { found = 1 } END { exit !found }' \
        "$T_TMP/fonts.txt"; then
        ok "font $f embedded (subset)"
    else
        fail "font $f embedded (subset)" "$(cat "$T_TMP/fonts.txt")"
    fi
done
# ...and not blank on the page: crop each word's box (pdftotext -bbox) and
# count dark pixels in the rendering.
pdftotext -bbox "$pdf" "$T_TMP/bbox.html" 2>/dev/null
dark_pixels() { # pgm file: pixels darker than mid-grey, header skipped
    od -An -tu1 -v "$1" | tr -s ' ' '\n' | awk '
        $1 == "" { next }
        nl < 3 { if ($1 == 10) nl++; next }
        $1 < 128 { n++ }
        END { print n + 0 }'
}
for word in Jürgen Müller Ольга Петрова 山田太郎 김민준 Zoë Ørsted; do
    box=$(awk -v w="$word" '
        /<page / { p++ }
        index($0, ">" w "</word>") {
            match($0, /xMin="[0-9.]+"/); x0 = substr($0, RSTART + 6, RLENGTH - 7)
            match($0, /yMin="[0-9.]+"/); y0 = substr($0, RSTART + 6, RLENGTH - 7)
            match($0, /xMax="[0-9.]+"/); x1 = substr($0, RSTART + 6, RLENGTH - 7)
            match($0, /yMax="[0-9.]+"/); y1 = substr($0, RSTART + 6, RLENGTH - 7)
            printf "%d %d %d %d %d\n", p, x0 * 2, y0 * 2, (x1 - x0) * 2 + 1, (y1 - y0) * 2 + 1
            exit
        }' "$T_TMP/bbox.html")
    if [ -z "$box" ]; then
        fail "owner word '$word' has a box on the page"
        continue
    fi
    set -- $box
    pdftoppm -f "$1" -l "$1" -r 144 -x "$2" -y "$3" -W "$4" -H "$5" -gray \
        -singlefile "$pdf" "$T_TMP/crop" 2>/dev/null
    d=$(dark_pixels "$T_TMP/crop.pgm")
    if [ "$d" -ge 20 ]; then
        ok "owner word '$word' drawn on page $1 ($d dark pixels)"
    else
        fail "owner word '$word' drawn on page $1" "only $d dark pixels in its box"
    fi
done

# Every remediation command, copied from the PDF text and pasted into a
# shell, is the command of report.json. The lines are taken as
# pdftotext -layout gives them, indentation and all (nothing stripped: a
# continuation line that starts with blanks inside a quoted argument or
# a word would change the command, and that is what this catches). The
# sh commands go through bash: `bash -n`, then the argv bash hands to az
# must be the argv of the command in report.json. A PowerShell line ends
# in " `" (broken at a space, where its continuation is a blank); joined
# there, the text must be the command exactly.
mkdir -p "$T_TMP/paste"
awk -v dir="$T_TMP/paste" '
    function flush(kind) { f = dir "/" kind "." ++k; printf "%s", blk >f; close(f); n = 0 }
    {
        line = $0
        if (n == 1) { blk = blk line "\n"; if (line !~ /\\$/) flush("sh"); next }
        if (n == 2) {
            if (prev !~ / `$/) bad = bad "\n" prev
            blk = substr(blk, 1, length(blk) - 1) line
            prev = line
            if (line !~ /`$/) { blk = blk "\n"; flush("ps") }
            next
        }
        t = line; sub(/^[ \t]+/, "", t)
        if (t ~ /^az /) { n = 1; blk = line "\n"; if (line !~ /\\$/) flush("sh") }
        else if (t ~ /^Set-AzContext /) {
            n = 2; blk = line; prev = line
            if (line !~ /`$/) { blk = blk "\n"; flush("ps") }
        }
    }
    END { if (bad != "") print substr(bad, 2) >(dir "/ps-bad") }' "$T_TMP/layout.txt"
argv_of() { # file: the argv bash hands to az, one line
    bash -c 'az() { printf "[%s] " "$@"; echo; }; . "$1"' _ "$1" 2>&1
}
: >"$T_TMP/paste/argv"
n_sh=0
syntax=0
for f in "$T_TMP"/paste/sh.*; do
    [ -f "$f" ] || continue
    n_sh=$((n_sh + 1))
    bash -n "$f" 2>>"$T_TMP/paste/syntax" || syntax=$((syntax + 1))
    argv_of "$f" >>"$T_TMP/paste/argv"
done
expect_eq "pasted sh commands pass bash -n ($n_sh blocks)" 0 "$syntax"
cat "$T_TMP"/paste/ps.* 2>/dev/null >"$T_TMP/paste/ps"
jq -r '(.subscriptions[].remediation // empty | .az, .verify),
       (.remediation_plan.management_groups[]? | .assign, .remediate)
       | select(. != null)' "$json" >"$T_TMP/commands.txt"
jq -r '.subscriptions[].remediation // empty | .powershell | select(. != null)' \
    "$json" >"$T_TMP/ps-commands.txt"
total=$(($(wc -l <"$T_TMP/commands.txt") + $(wc -l <"$T_TMP/ps-commands.txt")))
if [ "$total" -ge 20 ]; then ok "report.json holds the commands ($total)"; else
    fail "report.json holds the commands" "only $total"; fi
missing=0
: >"$T_TMP/missing.txt"
while IFS= read -r cmd; do
    printf '%s\n' "$cmd" >"$T_TMP/paste/want"
    if ! grep -qxF -- "$(argv_of "$T_TMP/paste/want")" "$T_TMP/paste/argv"; then
        missing=$((missing + 1))
        echo "not pasted whole: $cmd" >>"$T_TMP/missing.txt"
    fi
done <"$T_TMP/commands.txt"
while IFS= read -r cmd; do
    if ! grep -qxF -- "$cmd" "$T_TMP/paste/ps"; then
        missing=$((missing + 1))
        echo "not pasted whole: $cmd" >>"$T_TMP/missing.txt"
    fi
done <"$T_TMP/ps-commands.txt"
if [ "$missing" -eq 0 ]; then ok "every remediation command pastes whole from the PDF text"; else
    fail "every remediation command pastes whole from the PDF text" "$(head -5 "$T_TMP/missing.txt")"; fi
if [ -s "$T_TMP/paste/ps-bad" ]; then
    fail "PowerShell lines are broken at spaces only" "$(head -5 "$T_TMP/paste/ps-bad")"
else
    ok "PowerShell lines are broken at spaces only"
fi
# The one with the quoted display name, whole on its line.
if grep -q '"Configure Microsoft Defender for Key Vault plan"' "$T_TMP/layout.txt"; then
    ok "the quoted display name is never broken"
else
    fail "the quoted display name is never broken"
fi
# and no line of a code block runs past the right margin (text x < 547 pt)
over=$(awk '/<word / { match($0, /xMax="[0-9.]+"/); x = substr($0, RSTART + 6, RLENGTH - 7)
                      if (x + 0 > 548) n++ } END { print n + 0 }' "$T_TMP/bbox.html")
expect_eq "no text beyond the right margin" 0 "$over"

# Determinism: the same input and --as-of give the same bytes (a second
# scratch directory, so that even the command line is the same).
work1=$work
work=$T_TMP/work2
mkwork "$work"
run_sample out
work=$work1
if cmp -s "$pdf" "$T_TMP/work2/out/report.pdf"; then ok "two runs byte-identical"; else
    fail "two runs byte-identical"; fi

# The summary page, rendered: not blank, and it carries colour (the verdict
# badge and the charts).
pdftoppm -f 1 -l 1 -r 60 -png -singlefile "$pdf" "$T_TMP/summary" 2>/dev/null
pdftoppm -f 1 -l 1 -r 60 -gray -singlefile "$pdf" "$T_TMP/summary" 2>/dev/null
if [ -s "$T_TMP/summary.png" ]; then ok "summary page renders to PNG"; else
    fail "summary page renders to PNG"; fi
d=$(dark_pixels "$T_TMP/summary.pgm")
if [ "$d" -ge 5000 ]; then ok "summary page not blank ($d dark pixels)"; else
    fail "summary page not blank" "$d dark pixels"; fi

# --pdf-vaults all lists the vaults of compliant subscriptions too.
run_sample outall --pdf-vaults all
pdftotext -layout "$work/outall/report.pdf" "$T_TMP/all.txt" 2>/dev/null
n_all=$(grep -c '^ *kv-' "$T_TMP/all.txt")
n_def=$(grep -c '^ *kv-' "$T_TMP/layout.txt")
vaults=$(jq '.vaults | length' "$json")
expect_eq "--pdf-vaults all: one row per vault" "$vaults" "$n_all"
if [ "$n_def" -lt "$n_all" ] && grep -q 'Appendix C. All key vaults' "$T_TMP/all.txt"; then
    ok "--pdf-vaults failing lists fewer ($n_def of $n_all)"
else
    fail "--pdf-vaults failing lists fewer" "$n_def of $n_all"
fi

# No fonts: a clear error naming the package, and nothing written.
cat >"$T_TMP/empty.conf" <<EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><cachedir>$T_TMP/fc-cache</cachedir></fontconfig>
EOF
FONTCONFIG_FILE=$T_TMP/empty.conf
export FONTCONFIG_FILE
run_sample nofonts
unset FONTCONFIG_FILE
expect_eq "no fonts: exit status 4" 4 "$rc"
if grep -q "fonts-dejavu-core" "$err"; then ok "no fonts: message names fonts-dejavu-core"; else
    fail "no fonts: message names fonts-dejavu-core" "$(cat "$err")"; fi
if [ -z "$(ls "$work/nofonts" 2>/dev/null)" ]; then ok "no fonts: no output file left"; else
    fail "no fonts: no output file left" "$(ls "$work/nofonts")"; fi

# 100,000 vaults, every one listed: memory stays bounded.
if [ "${KVA_PDF_BIG:-1}" != 0 ] && [ -z "${KVA_VALGRIND:-}" ] &&
    [ -f bench/gen-tenant.c ] && [ -x /usr/bin/time ]; then
    gen=$T_TMP/gen-tenant
    if cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 \
        -o "$gen" bench/gen-tenant.c 2>"$T_TMP/gen.err" &&
        "$gen" --subs 5000 --vaults 100000 --exceptions 500 "$T_TMP/big" \
            >/dev/null 2>>"$T_TMP/gen.err"; then
        /usr/bin/time -f '%M %e' -o "$T_TMP/time.txt" timeout 600 "$kva_abs" \
            report -q -f pdf --pdf-vaults all --as-of 2026-11-23 \
            -o "$T_TMP/bigout" "$T_TMP/big" >/dev/null 2>"$T_TMP/big.err"
        rc=$?
        expect_eq "100,000 vaults: exit status" 0 "$rc"
        set -- $(tail -1 "$T_TMP/time.txt")
        kb=$1
        if [ "$kb" -lt 307200 ]; then ok "100,000 vaults: peak RSS $((kb / 1024)) MB (< 300 MB), $2 s"; else
            fail "100,000 vaults: peak RSS under 300 MB" "$((kb / 1024)) MB"; fi
        # Extracting all 4,000 pages takes minutes: check the count and
        # a page from the middle of the vault table instead (one row per
        # vault is checked on samples/ above).
        bp=$(pdfinfo "$T_TMP/bigout/report.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
        if [ "${bp:-0}" -gt 2000 ]; then ok "100,000 vaults: $bp pages"; else
            fail "100,000 vaults: more than 2,000 pages" "${bp:-none}"; fi
        mid=$((bp * 3 / 4))
        pdftotext -layout -f "$mid" -l "$mid" "$T_TMP/bigout/report.pdf" \
            "$T_TMP/mid.txt" 2>/dev/null
        n=$(grep -c '^ *kv-' "$T_TMP/mid.txt")
        if grep -q 'Key vault  *Location  *Covered' "$T_TMP/mid.txt" &&
            grep -q "Page $mid of $bp\$" "$T_TMP/mid.txt" && [ "$n" -ge 20 ]; then
            ok "100,000 vaults: page $mid has the header, $n rows, its footer"
        else
            fail "100,000 vaults: page $mid has the header, rows, its footer" \
                "$(head -20 "$T_TMP/mid.txt")"
        fi
        rm -rf "$T_TMP/big" "$T_TMP/bigout"
    else
        fail "100,000 vaults: estate generated" "$(head -5 "$T_TMP/gen.err")"
    fi
fi

# The PDF's own warnings (here: a character no installed font has) are
# printed like the readers' ones, and -q silences them too.
mkdir -p "$T_TMP/glyph"
cp -r samples/estate/. "$T_TMP/glyph/"
sed 's/Contoso HR Prod/Contoso HR Prod \xF0\x9F\x98\x80/' samples/estate/accounts.json >"$T_TMP/glyph/accounts.json"
run_kva report -f pdf -o "$T_TMP/glyph-out" --as-of 2026-11-23 "$T_TMP/glyph"
expect_eq "missing glyph: exit" 0 "$rc"
check "missing glyph: a report.pdf warning" grep -q '^kvaudit: warning: report.pdf: [0-9]* characters* drawn as U+FFFD' "$err"
run_kva report -q -f pdf -o "$T_TMP/glyph-q" --as-of 2026-11-23 "$T_TMP/glyph"
expect_eq "missing glyph, -q: exit" 0 "$rc"
check "missing glyph, -q: nothing on stderr" test ! -s "$err"

finish
