#!/bin/sh
# --fail-on no-evidence as a gate (the default of check): it passes only
# on evidence that shows the control holds. Empty evidence (no
# subscription in scope) and incomplete evidence (--allow-partial skipped
# something) fail it, with the reason on stderr. And --allow-partial
# skips a PATH that does not exist like an unreadable file.
. tests/lib.sh

D=$T_TMP/data
mkdir -p "$D/pass" "$D/empty" "$D/disabled" "$D/partial"
S1=00000000-0000-0000-0000-000000000001
S2=00000000-0000-0000-0000-000000000002
cat >"$D/pass/subs.json" <<EOF
{"value":[{"id":"/subscriptions/$S1","subscriptionId":"$S1","displayName":"Prod one","state":"Enabled"}]}
EOF
cat >"$D/pass/p1.json" <<EOF
{"id":"/subscriptions/$S1/providers/Microsoft.Security/pricings/KeyVaults","name":"KeyVaults","pricingTier":"Standard"}
EOF
cat >"$D/disabled/subs.json" <<EOF
{"value":[{"id":"/subscriptions/$S2","subscriptionId":"$S2","displayName":"Old","state":"Disabled"}]}
EOF
cp "$D/pass/subs.json" "$D/pass/p1.json" "$D/partial/"
printf '{"value": [' >"$D/partial/broken.json"
AS_OF="--as-of 2026-11-23"
EMPTY_MSG="kvaudit: no subscription in scope: the evidence shows none (or only disabled ones), so it cannot show that the control passes (--fail-on no-evidence)"
PARTIAL_MSG="kvaudit: the evidence is incomplete: 1 input was skipped, so it cannot show that the control passes (--fail-on no-evidence)"

# --- the gate passes on evidence that shows the control holds
run_kva check $AS_OF "$D/pass"
expect_eq "pass: check exit 0" 0 "$rc"
check "pass: stderr empty" test ! -s "$err"

# --- an empty directory does not pass a gate
run_kva check $AS_OF "$D/empty"
expect_eq "empty: check exit 1" 1 "$rc"
expect_eq "empty: the reason on stderr" "$EMPTY_MSG" "$(cat "$err")"
expect_eq "empty: the verdict line" \
    "PASS: 0 noncompliant, 0 no_evidence, 0 exempt, 0 compliant; 0 in scope" \
    "$(tail -1 "$out")"
run_kva check -q $AS_OF "$D/empty"
expect_eq "empty, -q: check exit 1" 1 "$rc"
expect_eq "empty, -q: the reason still on stderr" "$EMPTY_MSG" "$(cat "$err")"
run_kva report -q -f json -o "$T_TMP/r-empty" --fail-on no-evidence $AS_OF "$D/empty"
expect_eq "empty: report --fail-on no-evidence exit 1" 1 "$rc"
check "empty: report still written" test -s "$T_TMP/r-empty/report.json"
run_kva report -q -f json -o "$T_TMP/r-empty2" $AS_OF "$D/empty"
expect_eq "empty: report (--fail-on never) exit 0" 0 "$rc"
run_kva check --fail-on noncompliant $AS_OF "$D/empty"
expect_eq "empty: check --fail-on noncompliant exit 0" 0 "$rc"
run_kva check --fail-on never $AS_OF "$D/empty"
expect_eq "empty: check --fail-on never exit 0" 0 "$rc"

# --- only disabled subscriptions: nothing in scope either
run_kva check $AS_OF "$D/disabled"
expect_eq "all disabled: check exit 1" 1 "$rc"
expect_eq "all disabled: the reason on stderr" "$EMPTY_MSG" "$(cat "$err")"

# --- incomplete evidence does not pass a gate
run_kva check --allow-partial $AS_OF "$D/partial"
expect_eq "incomplete: check exit 1" 1 "$rc"
expect_eq "incomplete: the warning, then the reason" \
    "kvaudit: $D/partial/broken.json:1:12: warning: unexpected end of file inside an array
$PARTIAL_MSG" "$(cat "$err")"
run_kva report -q -f json -o "$T_TMP/r-partial" --allow-partial --fail-on no-evidence $AS_OF "$D/partial"
expect_eq "incomplete: report --fail-on no-evidence exit 1" 1 "$rc"
expect_eq "incomplete: the reason even with -q" "$PARTIAL_MSG" "$(cat "$err")"
run_kva report -q -f json -o "$T_TMP/r-partial2" --allow-partial $AS_OF "$D/partial"
expect_eq "incomplete: report (--fail-on never) exit 0" 0 "$rc"

# --- a PATH that does not exist
missing=$T_TMP/no-such-dir
run_kva check $AS_OF "$D/pass" "$missing"
expect_eq "missing PATH: exit 3" 3 "$rc"
expect_eq "missing PATH: message" "kvaudit: $missing: No such file or directory" "$(cat "$err")"
run_kva check --allow-partial $AS_OF "$D/pass" "$missing"
expect_eq "missing PATH, --allow-partial: check exit 1 (incomplete)" 1 "$rc"
expect_eq "missing PATH, --allow-partial: warning, then the reason" \
    "kvaudit: $missing: warning: No such file or directory
$PARTIAL_MSG" "$(cat "$err")"
o=$T_TMP/r-missing
run_kva report -f json -o "$o" --allow-partial $AS_OF "$missing" "$D/pass"
expect_eq "missing PATH, --allow-partial: report exit 0" 0 "$rc"
check "missing PATH, --allow-partial: summary says INCOMPLETE" \
    grep -q '^Verdict  *PASS, INCOMPLETE (1 input skipped)$' "$out"
expect_eq "missing PATH, --allow-partial: complete false" false "$(jq .complete "$o/report.json")"
expect_eq "missing PATH, --allow-partial: input_skipped warning" \
    "$(jq -cn --arg p "$missing" '[$p, null, null, "No such file or directory"]')" \
    "$(jq -c --arg p "$missing" '[.warnings[] | select(.code == "input_skipped" and .path == $p) | .path, .line, .col, .message]' "$o/report.json")"
expect_eq "missing PATH, --allow-partial: listed as an input" \
    "$(jq -cn --arg p "$missing" '{path: $p, kind: "unknown", records: 0, bytes: 0, sha256: null}')" \
    "$(jq -c --arg p "$missing" '.inputs[] | select(.path == $p)' "$o/report.json")"
expect_eq "missing PATH, --allow-partial: the rest read" "compliant" \
    "$(jq -r '.subscriptions[0].status' "$o/report.json")"
# every PATH missing: nothing read, and the gate fails for both reasons
run_kva check --allow-partial $AS_OF "$missing"
expect_eq "only a missing PATH, --allow-partial: check exit 1" 1 "$rc"
expect_eq "only a missing PATH, --allow-partial: both reasons" \
    "kvaudit: $missing: warning: No such file or directory
$EMPTY_MSG
$PARTIAL_MSG" "$(cat "$err")"

finish
