#!/bin/sh
# Bad input (DESIGN.md section 2): each kind is an input error with its
# position (exit 3) that writes nothing and leaves an earlier report as it
# was; with --allow-partial the file is skipped, listed and the report is
# INCOMPLETE.
. tests/lib.sh

AS_OF=2026-11-23
S1=00000000-0000-0000-0000-000000000001
S2=00000000-0000-0000-0000-000000000002

# A good estate beside the bad file: one compliant, one noncompliant.
G=$T_TMP/good
mkdir -p "$G"
cat >"$G/subscriptions.json" <<EOF
{
  "value": [
    {
      "id": "/subscriptions/$S1",
      "subscriptionId": "$S1",
      "tenantId": "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",
      "displayName": "Payments",
      "state": "Enabled",
      "tags": {"owner": "pay@example.com"}
    },
    {
      "id": "/subscriptions/$S2",
      "subscriptionId": "$S2",
      "tenantId": "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",
      "displayName": "Sandbox",
      "state": "Enabled",
      "tags": {"owner": "lab@example.com"}
    }
  ]
}
EOF
for s in "$S1 Standard" "$S2 Free"; do
    set -- $s
    cat >"$G/pricing-$2.json" <<EOF
{
  "value": [
    {
      "deprecated": null,
      "enablementTime": "2024-11-06T17:24:45.715220+00:00",
      "freeTrialRemainingTime": "0:00:00",
      "id": "/subscriptions/$1/providers/Microsoft.Security/pricings/KeyVaults",
      "name": "KeyVaults",
      "pricingTier": "$2",
      "subPlan": "PerKeyVault",
      "type": "Microsoft.Security/pricings"
    }
  ]
}
EOF
done

# The bad files. Each one's error position is worked out by hand in the
# comment beside it.
B=$T_TMP/bad
mkdir -p "$B"
# "value": [ ... {"id": "x",} -- the trailing comma at line 3, col 15
printf '{\n  "value": [\n    {"id": "x",}\n  ]\n}\n' >"$B/not-json.json"
# ends inside the first record: the last byte is line 3, col 19, so the
# end of file is col 20
printf '{\n  "value": [\n    {"name": "kv-1"' >"$B/truncated.json"
# byte 0xe9 (Latin-1 e-acute) inside a string: line 2, col 16
printf '[\n  {"name": "Caf\351 Paris"}\n]\n' >"$B/invalid-utf8.json"
# a NUL byte after "1,": line 3, col 10
printf '{\n  "a": 1,\n  "b": 2,\000\n}\n' >"$B/nul-byte.json"
# UTF-16LE without a byte-order mark: found at the first character
printf '{\n  "value": []\n}\n' | iconv -f UTF-8 -t UTF-16LE >"$B/utf16-no-bom.json"
# 513 nested arrays inside an object: the object is depth 1, so the 512th
# '[' (line 2, col 512) is depth 513
{
    printf '{"deep":\n'
    i=0
    while [ $i -lt 513 ]; do printf '['; i=$((i + 1)); done
    i=0
    while [ $i -lt 513 ]; do printf ']'; i=$((i + 1)); done
    printf '}\n'
} >"$B/too-deep.json"
# over 1 GiB: sparse, no disk used; refused before reading (no position)
truncate -s 1025M "$B/huge.json"
# an exceptions register whose second entry (line 5, col 5) lacks "owner"
cat >"$B/exceptions-missing-owner.json" <<EOF
{
  "schema": "kvaudit.exceptions/1",
  "exceptions": [
    {"subscription_id": "$S2", "reason": "lab", "owner": "Ana", "expires": "2026-12-31"},
    {"subscription_id": "$S1", "reason": "migration", "expires": "2026-12-31"}
  ]
}
EOF
: >"$B/empty.json"

# An output directory holding an earlier report.
O=$T_TMP/out
prepare_out() {
    rm -rf "$O"
    mkdir -p "$O"
    echo '{"old": true}' >"$O/report.json"
    echo 'old workbook' >"$O/report.xlsx"
    (cd "$O" && sha256sum report.json report.xlsx >SHA256SUMS)
    snapshot >"$T_TMP/before"
}
snapshot() {
    (cd "$O" && ls -A && sha256sum report.json report.xlsx SHA256SUMS)
}

# bad_case NAME FILE LINE COL MESSAGE [explicit-exceptions]
#   LINE/COL empty: the message has no position.
bad_case() {
    name=$1
    file=$B/$2
    line=$3
    col=$4
    msg=$5
    if [ -n "$line" ]; then
        where="$file:$line:$col"
    else
        where="$file"
    fi
    if [ "${6:-}" = explicit ]; then
        set -- --exceptions "$file" "$G"
    else
        set -- "$G" "$file"
    fi

    prepare_out
    run_kva report -f json -o "$O" --as-of $AS_OF "$@"
    expect_eq "$name: exit 3" 3 "$rc"
    expect_eq "$name: message" "kvaudit: $where: $msg" "$(cat "$err")"
    expect_eq "$name: stdout empty" "" "$(cat "$out")"
    snapshot >"$T_TMP/after"
    check "$name: --out untouched, no temporary files" \
        cmp "$T_TMP/before" "$T_TMP/after"

    run_kva check --as-of $AS_OF "$@"
    expect_eq "$name: check exit 3" 3 "$rc"
    expect_eq "$name: check message" "kvaudit: $where: $msg" "$(cat "$err")"

    # --allow-partial: skipped, listed, INCOMPLETE
    rm -rf "$T_TMP/partial"
    run_kva report --allow-partial -f json -o "$T_TMP/partial" --as-of $AS_OF "$@"
    expect_eq "$name: partial exit 0" 0 "$rc"
    expect_eq "$name: partial warning on stderr" \
        "kvaudit: $where: warning: $msg" "$(cat "$err")"
    check "$name: partial summary says INCOMPLETE" \
        grep -q '^Verdict  *FAIL, INCOMPLETE (1 input skipped)$' "$out"
    r=$T_TMP/partial/report.json
    expect_eq "$name: complete false" false "$(jq .complete "$r")"
    if [ -n "$line" ]; then jl=$line jc=$col; else jl=null jc=null; fi
    expect_eq "$name: input_skipped warning" \
        "$(jq -cn --arg p "$file" --arg m "$msg" --argjson l $jl --argjson c $jc '[$p, $l, $c, $m, null]')" \
        "$(jq -c --arg p "$file" '[.warnings[] | select(.code == "input_skipped" and .path == $p) | .path, .line, .col, .message, .subscription_id]' "$r")"
    size=$(wc -c <"$file" | tr -d ' ')
    if [ "$size" -le 1073741824 ]; then
        sum="\"$(sha256sum "$file" | cut -c1-64)\""
    else
        sum=null
    fi
    expect_eq "$name: listed in inputs" \
        "[\"$file\",\"unknown\",0,$size,$sum]" \
        "$(jq -c --arg p "$file" '[.inputs[] | select(.path == $p) | .path, .kind, .records, .bytes, .sha256]' "$r")"
    expect_eq "$name: the good files still count" "1 1" \
        "$(jq -r '"\(.kpis.compliant) \(.kpis.noncompliant)"' "$r")"

    run_kva check --allow-partial --as-of $AS_OF "$@"
    expect_eq "$name: partial check exit 1" 1 "$rc"
    check "$name: partial check verdict" grep -q '^FAIL, INCOMPLETE (1 input skipped): ' "$out"
}

bad_case "not JSON" not-json.json 3 15 "trailing comma before '}'"
bad_case "truncated" truncated.json 3 20 "unexpected end of file inside an object"
bad_case "invalid UTF-8" invalid-utf8.json 2 16 "invalid UTF-8 in a string"
bad_case "NUL byte" nul-byte.json 3 10 "NUL byte"
bad_case "UTF-16 without BOM" utf16-no-bom.json 1 1 \
    "looks like UTF-16 without a byte-order mark; save the file as UTF-8"
bad_case "nesting over 512" too-deep.json 2 512 "nesting deeper than 512"
bad_case "over 1 GiB" huge.json "" "" "file is larger than 1 GiB"
bad_case "empty file" empty.json 1 1 "empty file"
bad_case "exceptions entry missing a field (under PATH)" \
    exceptions-missing-owner.json 5 5 'exceptions[1]: missing "owner"'
bad_case "exceptions entry missing a field (--exceptions)" \
    exceptions-missing-owner.json 5 5 'exceptions[1]: missing "owner"' explicit

# Without --allow-partial nothing is written even into a new directory.
run_kva report -f json -o "$T_TMP/fresh/out" --as-of $AS_OF "$G" "$B/truncated.json"
expect_eq "new --out: exit 3" 3 "$rc"
check "new --out: not created" test ! -e "$T_TMP/fresh"

# Several bad files: without --allow-partial the first in path order stops
# the run; with it every one is listed.
run_kva report -f json -o "$O" --as-of $AS_OF "$G" "$B/truncated.json" "$B/not-json.json"
expect_eq "two bad files: exit 3" 3 "$rc"
check "two bad files: the first in sorted order is named" \
    grep -q "^kvaudit: $B/not-json.json:3:15: " "$err"
rm -rf "$T_TMP/partial"
run_kva report --allow-partial -f json -o "$T_TMP/partial" --as-of $AS_OF "$G" "$B"
expect_eq "whole bad directory: exit 0" 0 "$rc"
expect_eq "whole bad directory: every bad file skipped" 9 \
    "$(jq '[.warnings[] | select(.code == "input_skipped")] | length' "$T_TMP/partial/report.json")"
check "whole bad directory: summary" \
    grep -q '^Verdict  *FAIL, INCOMPLETE (9 inputs skipped)$' "$out"
run_kva report --allow-partial -q -f json -o "$T_TMP/partial" --as-of $AS_OF "$G" "$B"
check "-q: no warnings on stderr" test ! -s "$err"

finish
