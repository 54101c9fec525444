#!/bin/sh
# scripts/collect.sh against a fake `az` on PATH (tests/collect/fake-az/az,
# which answers from tests/collect/fixtures/ and records every call), so
# it runs without a network: the files it writes, the Resource Graph
# paging, failures that leave no file behind, hostile output from az, the
# fallback without Resource Graph, and kvaudit reading the result.
#
# scripts/collect.ps1 is not run: PowerShell is not a Debian package.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
. tests/lib.sh
unset SOURCE_DATE_EPOCH FAKE_AZ_DENY FAKE_AZ_EVIL FAKE_AZ_NOGRAPH

A=0a0a0a0a-1111-4111-8111-000000000001
B=0b0b0b0b-2222-4222-8222-000000000002
C=0c0c0c0c-3333-4333-8333-000000000003
TOKEN='ew0KICAiJGlkIjogIjEiLA0KICAiTWF4Um93cyI6IDIsDQp9+/='
PATH="$top/tests/collect/fake-az:$PATH"
export PATH
export FAKE_AZ_LOG="$T_TMP/az.log"
canary=/tmp/kva-collect-canary
rm -f "$canary"

# collect NAME ARGS...: run collect.sh, output in $T_TMP/NAME
collect() {
    name=$1
    shift
    : >"$FAKE_AZ_LOG"
    ev=$T_TMP/$name
    bash scripts/collect.sh -o "$ev" "$@" >"$T_TMP/$name.stdout" 2>"$T_TMP/$name.stderr"
    crc=$?
}

files_of() {
    (cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ')
}

all_json_valid() {
    bad=""
    for f in $(cd "$1" && find . -name '*.json'); do
        jq empty "$1/$f" 2>/dev/null || bad="$bad $f"
    done
    expect_eq "$2: every .json file is valid JSON" "" "$bad"
}

check "collect.sh parses" bash -n scripts/collect.sh

# ---- the normal run ----
collect full
expect_eq "full: exit status" 0 "$crc"
expect_eq "full: files" \
    "SHA256SUMS collect.log keyvaults-001.json keyvaults-002.json manifest.txt pricings/$A.json pricings/$B.json pricings/$C.json subscription-tags-001.json subscriptions.json " \
    "$(files_of "$ev")"
all_json_valid "$ev" full
expect_eq "full: the subscription list is az's output" \
    "$(cat tests/collect/fixtures/accounts.json)" "$(cat "$ev/subscriptions.json")"
expect_eq "full: pricings are az's output" \
    "$(cat tests/collect/fixtures/pricing-$B.json)" "$(cat "$ev/pricings/$B.json")"
expect_eq "full: a pricing list per subscription" 3 \
    "$(grep -c '^az \[security\] \[pricing\] \[list\] \[--subscription\]' "$FAKE_AZ_LOG")"
expect_eq "full: the second page is asked with the first page's skip_token" 1 \
    "$(grep -c "\[--skip-token\] \[$TOKEN\]" "$FAKE_AZ_LOG")"
expect_eq "full: both key vault pages are kept" "2 1" \
    "$(jq '.count' "$ev/keyvaults-001.json") $(jq '.count' "$ev/keyvaults-002.json")"
expect_eq "full: UTF-8 names arrive as written" "Fabrikam Dev – Ærø" \
    "$(jq -r '.[1].name' "$ev/subscriptions.json")"
for key in "collected_at: 20" "collected_by: auditor@fabrikam.example" \
    "tenant: 7e7e7e7e-9999-4999-8999-000000000009" "az_version: 2.67.0" \
    "resource_graph: yes" "subscriptions: 3" "failures: 0"; do
    if grep -q "^$key" "$ev/manifest.txt"; then
        ok "full: manifest has '$key'"
    else
        fail "full: manifest lacks '$key'" "$(cat "$ev/manifest.txt")"
    fi
done
check "full: SHA256SUMS holds" sh -c "cd '$ev' && sha256sum -c --quiet SHA256SUMS"
expect_eq "full: SHA256SUMS lists every other file" 9 "$(wc -l <"$ev/SHA256SUMS" | tr -d ' ')"
expect_eq "full: the last line says how to run kvaudit" \
    "Run on the review machine: kvaudit report -o kvaudit-report $ev" \
    "$(tail -1 "$T_TMP/full.stdout")"

# kvaudit reads what was collected.
run_kva report -f json -o "$T_TMP/report" --as-of 2026-11-23 "$ev"
expect_eq "full: kvaudit reads the evidence" 0 "$rc"
if [ -f "$T_TMP/report/report.json" ]; then
    r=$T_TMP/report/report.json
    expect_eq "full: statuses" \
        "$A compliant
$B noncompliant
$C noncompliant" \
        "$(jq -r '.subscriptions[] | "\(.id) \(.status)"' "$r" | LC_ALL=C sort)"
    expect_eq "full: every vault of both pages" 3 "$(jq '.vaults | length' "$r")"
    expect_eq "full: tags and management groups from Resource Graph" \
        "secops@fabrikam.example Landing Zones" \
        "$(jq -r --arg a "$A" '.subscriptions[] | select(.id == $a) | "\(.owner) \(.management_groups[0])"' "$r")"
    expect_eq "full: no unknown inputs" "" \
        "$(jq -r '.inputs[] | select(.kind == "unknown") | .path' "$r")"
else
    fail "full: no report.json" "$(cat "$err")"
fi

# ---- a subscription az may not read ----
FAKE_AZ_DENY=$B
export FAKE_AZ_DENY
collect deny
unset FAKE_AZ_DENY
expect_eq "deny: exit status" 1 "$crc"
if [ -e "$ev/pricings/$B.json" ] || [ -e "$ev/pricings/$B.json.part" ]; then
    fail "deny: a failed command left a file"
else
    ok "deny: a failed command leaves no file"
fi
check "deny: the others are collected" test -s "$ev/pricings/$A.json" -a -s "$ev/pricings/$C.json"
if grep -q "^failures: 1" "$ev/manifest.txt" &&
    grep -q "security pricing list --subscription $B" "$ev/manifest.txt"; then
    ok "deny: the manifest names the failure"
else
    fail "deny: manifest" "$(cat "$ev/manifest.txt")"
fi
if grep -q "AuthorizationFailed" "$ev/collect.log"; then
    ok "deny: az's error is kept in collect.log"
else
    fail "deny: collect.log" "$(cat "$ev/collect.log")"
fi
all_json_valid "$ev" deny
run_kva report -f json -o "$T_TMP/report-deny" --as-of 2026-11-23 "$ev"
expect_eq "deny: kvaudit still reads the evidence" 0 "$rc"
if [ -f "$T_TMP/report-deny/report.json" ]; then
    expect_eq "deny: the unreadable subscription has no evidence" no_evidence \
        "$(jq -r --arg b "$B" '.subscriptions[] | select(.id == $b) | .status' "$T_TMP/report-deny/report.json")"
else
    fail "deny: no report.json" "$(cat "$err")"
fi

# ---- az printing something hostile, with CRLF line ends ----
FAKE_AZ_EVIL=1
export FAKE_AZ_EVIL
collect evil
unset FAKE_AZ_EVIL
expect_eq "evil: exit status" 1 "$crc"
if [ -e "$canary" ]; then
    fail "evil: az output ran as code"
else
    ok "evil: az output never runs as code"
fi
expect_eq "evil: pricings only for the GUIDs, CR stripped" \
    "pricings/$A.json pricings/$B.json pricings/$C.json " \
    "$(cd "$ev" && find pricings -type f | LC_ALL=C sort | tr '\n' ' ')"
if grep -q 'not a subscription id from az account list' "$ev/manifest.txt"; then
    ok "evil: the manifest names the line that is not a GUID"
else
    fail "evil: manifest" "$(cat "$ev/manifest.txt")"
fi
expect_eq "evil: nothing but GUIDs reaches az" 0 \
    "$(grep -c 'touch' "$FAKE_AZ_LOG")"

# ---- without Resource Graph ----
FAKE_AZ_NOGRAPH=1
export FAKE_AZ_NOGRAPH
collect nograph
unset FAKE_AZ_NOGRAPH
expect_eq "nograph: exit status" 0 "$crc"
expect_eq "nograph: files" \
    "SHA256SUMS collect.log keyvaults/$A.json keyvaults/$B.json keyvaults/$C.json manifest.txt pricings/$A.json pricings/$B.json pricings/$C.json subscriptions.json tags/$A.json tags/$B.json tags/$C.json " \
    "$(files_of "$ev")"
expect_eq "nograph: no Resource Graph query" 0 "$(grep -c '\[graph\]' "$FAKE_AZ_LOG")"
if grep -q 'resource-graph extension is not installed' "$T_TMP/nograph.stderr"; then
    ok "nograph: says why it falls back"
else
    fail "nograph: stderr" "$(cat "$T_TMP/nograph.stderr")"
fi
all_json_valid "$ev" nograph
run_kva report -f json -o "$T_TMP/report-nograph" --as-of 2026-11-23 "$ev"
expect_eq "nograph: kvaudit reads the evidence" 0 "$rc"
if [ -f "$T_TMP/report-nograph/report.json" ]; then
    r=$T_TMP/report-nograph/report.json
    expect_eq "nograph: every vault" 2 "$(jq '.vaults | length' "$r")"
    expect_eq "nograph: tags from az rest" "owner-of-$B@fabrikam.example" \
        "$(jq -r --arg b "$B" '.subscriptions[] | select(.id == $b) | .owner' "$r")"
else
    fail "nograph: no report.json" "$(cat "$err")"
fi

# ---- options ----
collect one -s "$B"
expect_eq "-s: exit status" 0 "$crc"
expect_eq "-s: only that subscription's pricings" "pricings/$B.json " \
    "$(cd "$ev" && find pricings -type f | tr '\n' ' ')"
expect_eq "-s: Resource Graph limited to it" 3 \
    "$(grep -c "\[--subscriptions\] \[$B\]" "$FAKE_AZ_LOG")"
collect badsub -s 'x; touch /tmp/kva-collect-canary'
expect_eq "-s with a non-GUID: usage error" 2 "$crc"
expect_eq "-s with a non-GUID: no az call" "" "$(cat "$FAKE_AZ_LOG")"
mkdir -p "$T_TMP/notempty"
: >"$T_TMP/notempty/keep"
: >"$FAKE_AZ_LOG"
bash scripts/collect.sh -o "$T_TMP/notempty" >/dev/null 2>&1
expect_eq "a non-empty output folder: usage error" 2 "$?"
expect_eq "a non-empty output folder: no az call" "" "$(cat "$FAKE_AZ_LOG")"
bash scripts/collect.sh --bogus >/dev/null 2>&1
expect_eq "an unknown option: usage error" 2 "$?"
if bash scripts/collect.sh --help | grep -q 'usage: collect.sh'; then
    ok "--help prints the usage"
else
    fail "--help prints the usage"
fi
if [ -e "$canary" ]; then
    fail "no input ran as code"
else
    ok "no input ran as code"
fi
rm -f "$canary"
finish
