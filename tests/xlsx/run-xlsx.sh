#!/bin/sh
# report.xlsx, from the command line.
#
# Golden: the workbook of the sample estate (with a baseline) is unzipped
# and every part compared with tests/xlsx/expected/samples/, as
# libxlsxwriter's own functional tests compare Excel's files part by part.
# Parts are compared one XML element per line, so that a difference shows
# where it is; the library version line of the Evidence sheet is masked
# (a Debian security update must not break the test). After a deliberate
# change, KVA_GOLDEN_UPDATE=1 rewrites the expectations: review the diff
# by eye before committing it.
#
# Then: determinism (--as-of and SOURCE_DATE_EPOCH), formula-looking and
# _xHHHH_ text through the readers (tests/xlsx/hostile), text over
# Excel's cell limit, and clean XML (valid UTF-8, no raw control
# characters) in every part.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
. tests/lib.sh
unset SOURCE_DATE_EPOCH

update=${KVA_GOLDEN_UPDATE:-}
expected=tests/xlsx/expected/samples

# Work where the command line the Evidence sheet records does not depend
# on where the test runs; a second copy for the second run of a pair (the
# output directory is part of the command line).
work=$T_TMP/work
work2=$T_TMP/work2
for w in "$work" "$work2"; do
    mkdir -p "$w"
    cp -R samples "$w/samples"
    cp -R tests/xlsx/hostile "$w/hostile"
done

# report OUTDIR ARGS...: kvaudit report -f json,xlsx in $work
report() {
    r_out=$1
    shift
    (cd "$work" && run_kva report -f json,xlsx -o "$r_out" "$@" &&
        echo "$rc" >"$r_out.rc")
    rc=$(cat "$work/$r_out.rc" 2>/dev/null || echo 99)
}

# normalise PART: one element per line, library versions masked; in a
# worksheet one cell per line, and a shared string cell shows its text
# instead of its index (so that a new string does not renumber every
# later cell in a diff).
normalise() {
    case $1 in
    */worksheets/sheet*.xml)
        awk 'BEGIN { RS = "</si>" }
             { i = index($0, "<si>"); if (!i) next
               t = substr($0, i + 4); sub(/^<t[^>]*>/, "", t)
               sub(/<\/t>$/, "", t); gsub(/\n/, "\\n", t); print t }' \
            "$(dirname "$1")/../sharedStrings.xml" >"$T_TMP/strings" 2>/dev/null
        sed 's/></>\n</g' "$1" |
            awk 'NR == FNR { s[NR - 1] = $0; next }
                 shared && /^<v>[0-9]+<\/v>$/ {
                     n = substr($0, 4, length($0) - 7)
                     print "<v>\"" s[n] "\"</v>"; shared = 0; next }
                 { shared = /^<c .* t="s">$/; print }' "$T_TMP/strings" - |
            awk '/^<c / && !/\/>$/ { c = $0; next }
                 c != "" { c = c $0; if ($0 == "</c>") { print c; c = "" }
                           next }
                 { print }' |
            sed 's|<v>"cJSON [^<]*"</v>|<v>"(library versions)"</v>|'
        ;;
    *)
        sed 's/></>\n</g' "$1" |
            sed 's|^<t>cJSON [^<]*</t>|<t>(library versions)</t>|'
        ;;
    esac
}

# unpack DIR: unzip DIR/report.xlsx into DIR/x
unpack() {
    rm -rf "$1/x"
    mkdir -p "$1/x"
    (cd "$1/x" && unzip -q ../report.xlsx)
}

# the sample estate as `make demo` shows it
samples_report() {
    report "$1" --as-of 2026-11-23 --title "Key Vault Defender coverage" \
        --org "Contoso Group" --baseline samples/baseline/report.json \
        samples/estate
}

samples_report a
expect_eq "samples: kvaudit report exits 0" 0 "$rc"
a=$work/a
unpack "$a"

# The list of parts, then each part.
(cd "$a/x" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$T_TMP/parts"
if [ -n "$update" ]; then
    rm -rf "$expected"
    mkdir -p "$expected"
    cp "$T_TMP/parts" "$expected/PARTS"
fi
if cmp -s "$expected/PARTS" "$T_TMP/parts"; then
    ok "golden: the workbook has the expected parts"
else
    fail "golden: the workbook has the expected parts" \
        "$(diff -u "$expected/PARTS" "$T_TMP/parts" | head -30)"
fi
while read -r p; do
    normalise "$a/x/$p" >"$T_TMP/got"
    if [ -n "$update" ]; then
        mkdir -p "$(dirname "$expected/$p")"
        cp "$T_TMP/got" "$expected/$p"
        ok "golden: $p (updated)"
    elif [ ! -f "$expected/$p" ]; then
        fail "golden: $p" "no expectation"
    elif cmp -s "$expected/$p" "$T_TMP/got"; then
        ok "golden: $p"
    else
        fail "golden: $p" "$(diff -u "$expected/$p" "$T_TMP/got" | head -40)"
    fi
done <"$T_TMP/parts"

# The contract's sheets, in order, and the charts.
names=$(sed 's/<sheet /\n<sheet /g' "$a/x/xl/workbook.xml" |
    sed -n 's/^<sheet name="\([^"]*\)".*/\1/p' | paste -sd '|')
expect_eq "eight sheets in the contract's order" \
    "Summary|Subscriptions|Key Vaults|Owners|Remediation|Exceptions|Evidence|Warnings" \
    "$names"
check "a doughnut of statuses and a bar chart of environments" \
    sh -c "grep -q '<c:doughnutChart>' '$a/x/xl/charts/chart1.xml' &&
           grep -q '<c:barChart>' '$a/x/xl/charts/chart2.xml'"

# clean PART...: valid UTF-8, no control character XML forbids
clean() {
    for f in "$@"; do
        iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1 || return 1
        if LC_ALL=C tr -d '\t\n\r' <"$f" | LC_ALL=C grep -q '[[:cntrl:]]'; then
            return 1
        fi
    done
}
# shellcheck disable=SC2046
check "samples: every part is valid UTF-8 without raw control characters" \
    clean $(find "$a/x" -type f -name '*.xml' -o -type f -name '*.rels')

# Determinism: the same run again, and SOURCE_DATE_EPOCH twice.
work_1=$work
work=$work2
samples_report a
work=$work_1
check "deterministic: two runs with --as-of give the same bytes" \
    cmp "$a/report.xlsx" "$work2/a/report.xlsx"
for w in "$work" "$work2"; do
    (cd "$w" && SOURCE_DATE_EPOCH=1795392000 run_kva report -f xlsx -o c samples/estate)
done
check "deterministic: two runs with SOURCE_DATE_EPOCH give the same bytes" \
    cmp "$work/c/report.xlsx" "$work2/c/report.xlsx"
unpack "$work/c"
check "SOURCE_DATE_EPOCH is the workbook's creation time" \
    grep -q '<dcterms:created xsi:type="dcterms:W3CDTF">2026-11-23T00:00:00Z</dcterms:created>' \
    "$work/c/x/docProps/core.xml"

# Formula-looking text from the inputs stays text; _xHHHH_ is protected.
report h --as-of 2026-11-23 hostile
expect_eq "hostile: kvaudit report exits 0" 0 "$rc"
h=$work/h
unpack "$h"
check "hostile: no formula in any sheet" \
    sh -c "! grep -l '<f>\\|<f ' '$h'/x/xl/worksheets/*.xml"
sst=$h/x/xl/sharedStrings.xml
for s in '=HYPERLINK("http://evil.example/","click")' "+cmd|' /C calc'!A0" \
    '@cmd /c calc' '=1+1' '@SUM(1+1) 山田 Γιώργος 😀'; do
    check "hostile: stored as a string: $s" grep -qF "<t>$s</t>" "$sst"
done
check "hostile: -2+3 and markup stored as text" \
    grep -qF '<t>-2+3 &lt;b&gt;&amp;amp;&lt;/b&gt; "quoted" '"'x'"'</t>' "$sst"
check "hostile: _x0041_ is escaped so that Excel shows it as typed" \
    grep -qF '<t>_x005F_x0041_</t>' "$sst"
check "hostile: _x005F_x0041_ too" \
    grep -qF '<t>_x005F_x005F_x005F_x0041_</t>' "$sst"
check "hostile: the BEL of an environment is escaped in the sheet" \
    grep -qF '<t>prod_x0007_bell</t>' "$sst"
# shellcheck disable=SC2046
check "hostile: every part is valid UTF-8 without raw control characters" \
    clean $(find "$h/x" -type f -name '*.xml')

# Text over Excel's 32,767 characters: cut with a marker, and noted.
mkdir -p "$work/long"
{
    printf '[{"id":"0e0e0e0e-0000-4000-8000-00000000e101","name":"Long","state":"Enabled","tenantId":"0e0e0e0e-0000-4000-8000-0000000000aa","tags":{"owner":"'
    head -c 40000 /dev/zero | tr '\0' 'o'
    printf '"}}]\n'
} >"$work/long/subscriptions.json"
report l --as-of 2026-11-23 long
expect_eq "long text: kvaudit report exits 0" 0 "$rc"
unpack "$work/l"
check "long text: cut with a visible marker" \
    grep -qF 'o… [cut: 7,' "$work/l/x/xl/sharedStrings.xml"
check "long text: the Warnings sheet says which cell" \
    grep -qF 'Subscriptions!J2: text cut, ' "$work/l/x/xl/sharedStrings.xml"

finish
