#!/bin/sh
# Exit status 0/1/2/3/4 (DESIGN.md section 1) and the exact usage messages.
. tests/lib.sh

D=$T_TMP/data
mkdir -p "$D/pass" "$D/nc" "$D/ne"

# Small estates in real shapes: REST GET /subscriptions and
# `az security pricing show -n KeyVaults`.
subs() { # id name ...
    printf '{\n  "value": [\n'
    sep=""
    while [ $# -gt 0 ]; do
        printf '%s    {\n      "id": "/subscriptions/%s",\n      "subscriptionId": "%s",\n      "tenantId": "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",\n      "displayName": "%s",\n      "state": "Enabled",\n      "tags": {"owner": "ops@example.com", "env": "prod"}\n    }' "$sep" "$1" "$1" "$2"
        sep=",
"
        shift 2
    done
    printf '\n  ]\n}\n'
}
pricing() { # id tier
    cat <<EOF
{
  "deprecated": null,
  "enablementTime": "2024-11-06T17:24:45.715220+00:00",
  "extensions": null,
  "freeTrialRemainingTime": "0:00:00",
  "id": "/subscriptions/$1/providers/Microsoft.Security/pricings/KeyVaults",
  "name": "KeyVaults",
  "pricingTier": "$2",
  "replacedBy": null,
  "subPlan": "PerKeyVault",
  "type": "Microsoft.Security/pricings"
}
EOF
}
S1=00000000-0000-0000-0000-000000000001
S2=00000000-0000-0000-0000-000000000002
S3=00000000-0000-0000-0000-000000000003
subs $S1 "Prod one" >"$D/pass/subs.json"
pricing $S1 Standard >"$D/pass/p1.json"
subs $S1 "Prod one" $S2 "Prod two" >"$D/nc/subs.json"
pricing $S1 Standard >"$D/nc/p1.json"
pricing $S2 Free >"$D/nc/p2.json"
subs $S1 "Prod one" $S3 "Prod three" >"$D/ne/subs.json"
pricing $S1 Standard >"$D/ne/p1.json"

AS_OF="--as-of 2026-11-23"

# --- usage errors: exit 2, the exact message, then the hint, nothing else
usage_case() { # name expected-message args...
    name=$1
    msg=$2
    shift 2
    run_kva "$@"
    expect_eq "$name: exit 2" 2 "$rc"
    expect_eq "$name: message" "kvaudit: $msg
Try 'kvaudit --help'." "$(cat "$err")"
    expect_eq "$name: stdout empty" "" "$(cat "$out")"
}

usage_case "no arguments" "no command given (use report or check)"
usage_case "unknown command" "unknown command 'audit' (use report or check)" \
    audit "$D/pass"
usage_case "no PATH" "no PATH given" report $AS_OF
usage_case "no PATH (check)" "no PATH given" check
usage_case "unknown long option" "unknown option '--colour'" \
    report --colour "$D/pass"
usage_case "unknown long option with value" "unknown option '--colour'" \
    report --colour=always "$D/pass"
usage_case "unknown short option" "unknown option '-x'" report -x "$D/pass"
usage_case "missing value (long)" "option '--out' needs a value" \
    report "$D/pass" --out
usage_case "missing value (short)" "option '-f' needs a value" \
    report "$D/pass" -f
usage_case "flag with a value" "option '--quiet' takes no value" \
    report --quiet=1 "$D/pass"
usage_case "unknown format" \
    "unknown format 'docx' (choose from xlsx,pdf,json,csv,md,sh,ps1)" \
    report -f json,docx "$D/pass"
usage_case "empty format item" "empty item in the format list 'json,,pdf'" \
    report -f json,,pdf "$D/pass"
usage_case "bad --as-of" \
    "bad --as-of '23/11/2026': expected YYYY-MM-DD or an RFC 3339 time such as 2026-11-23T00:00:00Z" \
    report --as-of 23/11/2026 "$D/pass"
usage_case "impossible --as-of date" \
    "bad --as-of '2026-02-29': expected YYYY-MM-DD or an RFC 3339 time such as 2026-11-23T00:00:00Z" \
    report --as-of=2026-02-29 "$D/pass"
usage_case "bad --fail-on" \
    "bad --fail-on 'warnings': expected never, noncompliant or no-evidence" \
    check --fail-on warnings "$D/pass"
usage_case "bad --pdf-vaults" \
    "bad --pdf-vaults 'none': expected failing or all" \
    report --pdf-vaults none "$D/pass"
usage_case "price without currency" \
    "--price-per-vault and --currency go together: give both or neither" \
    report --price-per-vault 0.02 "$D/pass"
usage_case "bad price" \
    "bad --price-per-vault '2e-2': expected a non-negative decimal amount such as 0.02" \
    report --price-per-vault 2e-2 --currency EUR "$D/pass"
usage_case "bad currency" \
    "bad --currency 'euro': expected three capital letters such as EUR" \
    report --price-per-vault 1 --currency euro "$D/pass"
usage_case "two exception registers" \
    "option '--exceptions' given more than once" \
    report --exceptions a.json --exceptions b.json "$D/pass"

SOURCE_DATE_EPOCH=yesterday
export SOURCE_DATE_EPOCH
usage_case "bad SOURCE_DATE_EPOCH" \
    "bad SOURCE_DATE_EPOCH 'yesterday': expected a decimal number of seconds since 1970-01-01" \
    report -f json -o "$T_TMP/sde" "$D/pass"
# --as-of wins over the environment, even a malformed one
run_kva check $AS_OF "$D/pass"
expect_eq "--as-of overrides SOURCE_DATE_EPOCH" 0 "$rc"
unset SOURCE_DATE_EPOCH

# a usage error writes nothing
run_kva report -o "$T_TMP/never" --bogus "$D/pass"
expect_eq "usage error: exit 2" 2 "$rc"
check "usage error: --out not created" test ! -e "$T_TMP/never"

# an unusable --templates directory is a usage error too
run_kva report -f json -o "$T_TMP/tpl" --templates "$T_TMP/no-such-dir" $AS_OF "$D/pass"
expect_eq "--templates missing: exit 2" 2 "$rc"
check "--templates missing: message" grep -q '^kvaudit: .*no-such-dir' "$err"
check "--templates missing: nothing written" test ! -e "$T_TMP/tpl"

# --- --help and --version: exit 0
run_kva --help
expect_eq "--help: exit 0" 0 "$rc"
check "--help: usage first" sh -c "head -1 '$out' | grep -q '^Usage: kvaudit report \[OPTIONS\] PATH\.\.\.\$'"
check "--help: 80 columns" sh -c "! awk 'length > 80' '$out' | grep -q ."
for opt in --out --format --as-of --exceptions --baseline --owner-tag \
    --env-tag --title --org --templates --allow-partial --fail-on --quiet \
    --verbose --price-per-vault --currency --pdf-vaults --timings --version; do
    check "--help mentions $opt" grep -q -- "$opt" "$out"
done
check "--help: stderr empty" test ! -s "$err"
run_kva report --help
expect_eq "report --help: exit 0" 0 "$rc"
# --help and --version win anywhere, even after a bad option or value
help_case() { # name want-first-line args...
    name=$1
    want=$2
    shift 2
    run_kva "$@"
    expect_eq "$name: exit 0" 0 "$rc"
    expect_eq "$name: first line" "$want" "$(head -1 "$out")"
    check "$name: stderr empty" test ! -s "$err"
}
USAGE="Usage: kvaudit report [OPTIONS] PATH..."
help_case "report --bogus --help" "$USAGE" report --bogus --help
help_case "report --bogus -h" "$USAGE" report --bogus -h
help_case "check -x --help" "$USAGE" check -x "$D/pass" --help
help_case "bundled -qh" "$USAGE" report -qh "$D/pass"
help_case "--help after a bad --as-of" "$USAGE" report --as-of 2026-13-01 --help
help_case "--help after a bad format" "$USAGE" report -f docx --help
help_case "--version after a bad --as-of" "kvaudit 0.1.0" \
    report --as-of 2026-13-01 --version
help_case "--version after an unknown command" "kvaudit 0.1.0" audit --version
help_case "the first of --version and --help" "kvaudit 0.1.0" \
    report --bogus --version --help
# ...but a value that reads "--help" is a value, and after "--" a PATH
usage_case "--title --help is a title" "no PATH given" report --title --help
run_kva report -f json -o "$T_TMP/dd" $AS_OF -- --help
expect_eq "-- --help is a PATH: exit 3" 3 "$rc"
expect_eq "-- --help is a PATH: message" \
    "kvaudit: --help: No such file or directory" "$(cat "$err")"
usage_case "--help=1 is no help" "option '--help' takes no value" \
    report --help=1 "$D/pass"

run_kva --version
expect_eq "--version: exit 0" 0 "$rc"
expect_eq "--version: first line" "kvaudit 0.1.0" "$(head -1 "$out")"
check "--version: library line" sh -c "sed -n 2p '$out' | grep -Eq '^cJSON [0-9.]+, libxlsxwriter [0-9.]+, libharu [0-9.]+, OpenSSL [0-9]'"
expect_eq "--version: two lines" 2 "$(wc -l <"$out" | tr -d ' ')"

# --- 0 and 1 under --fail-on, for report and check
failon_case() { # name want-exit args...
    name=$1
    want=$2
    shift 2
    run_kva "$@"
    expect_eq "$name" "$want" "$rc"
}
for cmd in report check; do
    o="-f json -o $T_TMP/out-$cmd"
    [ $cmd = check ] && o=""
    # shellcheck disable=SC2086
    {
        failon_case "$cmd pass, never" 0 $cmd $o $AS_OF --fail-on never "$D/pass"
        failon_case "$cmd pass, noncompliant" 0 $cmd $o $AS_OF --fail-on noncompliant "$D/pass"
        failon_case "$cmd pass, no-evidence" 0 $cmd $o $AS_OF --fail-on no-evidence "$D/pass"
        failon_case "$cmd noncompliant, never" 0 $cmd $o $AS_OF --fail-on=never "$D/nc"
        failon_case "$cmd noncompliant, noncompliant" 1 $cmd $o $AS_OF --fail-on=noncompliant "$D/nc"
        failon_case "$cmd noncompliant, no-evidence" 1 $cmd $o $AS_OF --fail-on=no-evidence "$D/nc"
        failon_case "$cmd no evidence, never" 0 $cmd $o $AS_OF --fail-on never "$D/ne"
        failon_case "$cmd no evidence, noncompliant" 0 $cmd $o $AS_OF --fail-on noncompliant "$D/ne"
        failon_case "$cmd no evidence, no-evidence" 1 $cmd $o $AS_OF --fail-on no-evidence "$D/ne"
    }
done
# defaults: report never fails, check fails on no-evidence
failon_case "report default on noncompliant" 0 report -f json -o "$T_TMP/d1" $AS_OF "$D/nc"
failon_case "report default on no evidence" 0 report -f json -o "$T_TMP/d2" $AS_OF "$D/ne"
failon_case "check default on pass" 0 check $AS_OF "$D/pass"
failon_case "check default on noncompliant" 1 check $AS_OF "$D/nc"
failon_case "check default on no evidence" 1 check $AS_OF "$D/ne"

# check writes nothing, not even with -o
run_kva check -o "$T_TMP/check-out" $AS_OF "$D/nc"
check "check writes nothing" test ! -e "$T_TMP/check-out"
check "check prints the table" grep -q "^noncompliant  $S2 " "$out"
expect_eq "check verdict line" \
    "FAIL: 1 noncompliant, 0 no_evidence, 0 exempt, 1 compliant; 2 in scope" \
    "$(tail -1 "$out")"
run_kva check -q $AS_OF "$D/nc"
expect_eq "check -q: exit still 1" 1 "$rc"
check "check -q: stdout empty" test ! -s "$out"

# --- 3: input errors
run_kva report -f json -o "$T_TMP/e3" $AS_OF "$D/pass" "$T_TMP/no-such.json"
expect_eq "missing PATH: exit 3" 3 "$rc"
check "missing PATH: names it" grep -q "^kvaudit: $T_TMP/no-such.json: " "$err"
check "missing PATH: nothing written" test ! -e "$T_TMP/e3"
printf '{"schema": "kvaudit.report/1",' >"$T_TMP/bad-baseline.json"
run_kva report -f json -o "$T_TMP/e3" $AS_OF --baseline "$T_TMP/bad-baseline.json" "$D/pass"
expect_eq "bad baseline: exit 3" 3 "$rc"
check "bad baseline: position" grep -q "^kvaudit: $T_TMP/bad-baseline.json:1:[0-9]*: " "$err"
check "bad baseline: nothing written" test ! -e "$T_TMP/e3"
run_kva report -f json -o "$T_TMP/e3" $AS_OF --exceptions "$T_TMP/none.json" "$D/pass"
expect_eq "missing exceptions file: exit 3" 3 "$rc"

# --- 4: output errors
echo "a file" >"$T_TMP/plainfile"
run_kva report -f json -o "$T_TMP/plainfile" $AS_OF "$D/pass"
expect_eq "--out is a file: exit 4" 4 "$rc"
expect_eq "--out is a file: message" "kvaudit: $T_TMP/plainfile: Not a directory" "$(cat "$err")"
expect_eq "--out is a file: file untouched" "a file" "$(cat "$T_TMP/plainfile")"
run_kva report -f json -o "$T_TMP/plainfile/sub" $AS_OF "$D/pass"
expect_eq "--out below a file: exit 4" 4 "$rc"
expect_eq "--out below a file: message" "kvaudit: $T_TMP/plainfile/sub: Not a directory" "$(cat "$err")"
check "--out below a file: stdout empty" test ! -s "$out"

mkdir -p "$T_TMP/isdir/report.json"
run_kva report -f json -o "$T_TMP/isdir" $AS_OF "$D/pass"
expect_eq "output name is a directory: exit 4" 4 "$rc"
expect_eq "output name is a directory: message" \
    "kvaudit: $T_TMP/isdir/report.json: Is a directory" "$(cat "$err")"
expect_eq "output name is a directory: nothing left" "report.json" \
    "$(ls -A "$T_TMP/isdir")"

if [ -w /dev/full ]; then
    timeout 60 $KVA_RUN check $AS_OF "$D/pass" >/dev/full 2>"$err"
    rc=$?
    expect_eq "stdout on a full disk: exit 4" 4 "$rc"
    expect_eq "stdout on a full disk: message" \
        "kvaudit: standard output: No space left on device" "$(cat "$err")"
fi

# a report run prints its summary and lists the files it wrote
run_kva report -f json -o "$T_TMP/ok" $AS_OF "$D/nc"
expect_eq "report: exit 0" 0 "$rc"
check "report: summary verdict" grep -q '^Verdict  *FAIL$' "$out"
check "report: summary names the directory" grep -q "^Written to  *$T_TMP/ok/\$" "$out"
check "report: summary lists the files" grep -q '^  report.json SHA256SUMS$' "$out"
check "report: summary fits 80 columns" sh -c "! awk 'length > 80' '$out' | grep -q ."
check "report: stderr empty" test ! -s "$err"
run_kva report -q -f json -o "$T_TMP/ok" $AS_OF "$D/nc"
check "report -q: stdout empty" test ! -s "$out"
run_kva report -v -f json -o "$T_TMP/ok" $AS_OF "$D/nc"
check "report -v: one line per file" grep -q "^kvaudit: read $D/nc/p2.json: pricings, 1 record\$" "$err"
run_kva report --timings -f json -o "$T_TMP/ok" $AS_OF "$D/nc"
for phase in read evaluate "render report.json" commit total; do
    check "--timings: $phase" grep -q "^kvaudit: time: $phase [0-9.]* s\$" "$err"
done

finish
