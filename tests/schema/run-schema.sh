#!/bin/sh
# The JSON Schemas in schemas/ against real documents, with a real
# validator (python3-jsonschema, draft 2020-12, formats checked):
#   - both schemas are valid draft 2020-12 schemas;
#   - report.json of the samples (plain, with a baseline, with a cost
#     estimate) and every golden report.json validate, and so does
#     samples/baseline/report.json;
#   - the samples' exceptions register and every golden register validate;
#   - documents broken in one way each (a key removed, a type or an enum
#     changed, a format violated) are rejected, at the path that is wrong;
#   - an added key is accepted (adding keys does not bump the schema);
#   - a register the schema rejects is one kvaudit rejects too (exit 3).
. tests/lib.sh

# Debian's python3 (a python3 earlier on PATH may lack the module).
PY=/usr/bin/python3
here=tests/schema
rs=schemas/report.schema.json
es=schemas/exceptions.schema.json

if ! "$PY" -c 'import jsonschema' 2>/dev/null; then
    fail "python3-jsonschema is installed" "install it: sh tools/deps.sh test"
    finish
fi
if ! command -v jq >/dev/null 2>&1; then
    fail "jq is installed" "install it: sh tools/deps.sh test"
    finish
fi

# validate SCHEMA FILE...: the validator's verdict lines in $T_TMP/verdicts
validate() {
    "$PY" "$here/validate.py" "$@" >"$T_TMP/verdicts" 2>&1
    sed "s|^$T_TMP/||; s|^|# |" "$T_TMP/verdicts"
}
# verdict FILE: "ok" or "invalid: PATH: WHY" for FILE from the last run
verdict() {
    grep -F "$1: " "$T_TMP/verdicts" | head -1 | sed "s|^$1: ||"
}

for s in "$rs" "$es"; do
    if validate "$s"; then
        ok "$s is a draft 2020-12 schema"
    else
        fail "$s is a draft 2020-12 schema" "$(cat "$T_TMP/verdicts")"
    fi
    check "$s is plain JSON" jq -e '."$schema" == "https://json-schema.org/draft/2020-12/schema"' "$s"
done

# --- reports written now, from the samples --------------------------------
d=$T_TMP/reports
mkdir -p "$d"
run_kva report -f json -o "$d/plain" --as-of 2026-11-23 samples/estate
expect_eq "samples report: exit" 0 "$rc"
run_kva report -f json -o "$d/trend" --as-of 2026-11-23 \
    --baseline samples/baseline/report.json samples/estate
expect_eq "samples report with baseline: exit" 0 "$rc"
run_kva report -f json -o "$d/cost" --as-of 2026-11-23 \
    --price-per-vault 0.02 --currency EUR --org 'Contoso Group' samples/estate
expect_eq "samples report with cost: exit" 0 "$rc"
check "cost keys present" jq -e '.kpis | has("estimated_monthly_cost_to_close") and has("currency")' "$d/cost/report.json"
check "trend present" jq -e '.trend | type == "object"' "$d/trend/report.json"
# an empty estate: every percentage null, no subscriptions
mkdir -p "$T_TMP/empty"
printf '{"value":[]}\n' >"$T_TMP/empty/nothing.json"
run_kva report -f json -o "$d/empty" --as-of 2026-11-23 "$T_TMP/empty"
expect_eq "empty estate report: exit" 0 "$rc"
check "empty estate: null percentages" jq -e '.kpis.compliance_pct == null' "$d/empty/report.json"

reports="$d/plain/report.json $d/trend/report.json $d/cost/report.json $d/empty/report.json samples/baseline/report.json"
for g in tests/golden/*/expected/report.json; do
    [ -f "$g" ] && reports="$reports $g"
done
# shellcheck disable=SC2086
validate "$rs" $reports
for f in $reports; do
    expect_eq "report validates: $f" ok "$(verdict "$f")"
done

# --- exceptions registers -------------------------------------------------
registers=samples/estate/exceptions.json
for g in tests/golden/*/*.json; do
    [ -f "$g" ] || continue
    jq -e '.schema? == "kvaudit.exceptions/1"' "$g" >/dev/null 2>&1 &&
        registers="$registers $g"
done
# shellcheck disable=SC2086
validate "$es" $registers
for f in $registers; do
    expect_eq "register validates: $f" ok "$(verdict "$f")"
done

# --- broken reports are rejected ------------------------------------------
# name ~ jq program applied to the samples report ~ path the error names
base=$d/trend/report.json
bad=$T_TMP/bad-reports
mkdir -p "$bad"
cat >"$T_TMP/report-cases" <<'EOF'
no_schema~del(.schema)~.
schema_v2~.schema = "kvaudit.report/2"~.schema
no_verdict~del(.verdict)~.
verdict_word~.verdict = "FAIL"~.verdict
complete_string~.complete = "true"~.complete
as_of_offset~.as_of = "2026-11-23T00:00:00+01:00"~.as_of
as_of_bad_day~.as_of = "2026-02-30T00:00:00Z"~.as_of
count_string~.kpis.vaults_total = "75"~.kpis.vaults_total
count_negative~.kpis.compliant = -1~.kpis.compliant
count_fraction~.kpis.vaults_covered = 30.5~.kpis.vaults_covered
pct_over~.kpis.compliance_pct = 100.1~.kpis.compliance_pct
pct_string~.kpis.vault_coverage_pct = "40.0"~.kpis.vault_coverage_pct
no_by_owner~del(.kpis.by_owner)~.kpis
cost_alone~.kpis.currency = "EUR"~.kpis
status_word~.subscriptions[0].status = "failing"~.subscriptions[0].status
renamed_key~.subscriptions[0] |= (.subscription = .id | del(.id))~.subscriptions[0]
tier_number~.subscriptions[0].tier = 0~.subscriptions[0].tier
flag_caps~.subscriptions[0].flags = ["OwnerMissing"]~.subscriptions[0].flags[0]
flag_twice~.subscriptions[0].flags = ["owner_missing","owner_missing"]~.subscriptions[0].flags
trial_negative~.subscriptions[0].trial_remaining_s = -5~.subscriptions[0].trial_remaining_s
priority_zero~.subscriptions[0].priority = 0~.subscriptions[0].priority
owner_source_word~.vaults[0].owner_source = "tag"~.vaults[0].owner_source
covered_string~.vaults[0].covered = "Yes"~.vaults[0].covered
exception_state~.exceptions[0].state = "valid"~.exceptions[0].state
exception_date~.exceptions[0].expires = "30/06/2027"~.exceptions[0].expires
kind_word~.inputs[0].kind = "accounts"~.inputs[0].kind
sha_upper~.inputs[0].sha256 |= ascii_upcase~.inputs[0].sha256
warning_line_zero~.warnings[0].line = 0~.warnings[0].line
trend_added_before~.trend.added[0].before = "compliant"~.trend.added[0].before
trend_delta_string~.trend.delta.compliant = "2"~.trend.delta.compliant
mg_id_spaces~.remediation_plan.management_groups[0].id = "Landing Zones"~.remediation_plan.management_groups[0].id
EOF
files=
while IFS='~' read -r name prog _where; do
    if jq "$prog" "$base" >"$bad/$name.json" 2>"$T_TMP/jq.err"; then
        files="$files $bad/$name.json"
    else
        fail "mutation $name applies" "$(cat "$T_TMP/jq.err")"
    fi
done <"$T_TMP/report-cases"
# shellcheck disable=SC2086
validate "$rs" $files
while IFS='~' read -r name _prog where; do
    v=$(verdict "$bad/$name.json")
    case $v in
    "invalid: $where: "*) ok "report rejected: $name" ;;
    *) fail "report rejected: $name" "want: invalid: $where: ...
got:  $v" ;;
    esac
done <"$T_TMP/report-cases"

# Adding keys does not bump kvaudit.report/1: readers ignore what they do
# not know, and so does the schema.
jq '.reviewed_by = "internal audit" | .kpis.vaults_archived = 2 | .subscriptions[0].cost_centre = "CC-1"' \
    "$base" >"$T_TMP/added.json"
validate "$rs" "$T_TMP/added.json"
expect_eq "report with added keys validates" ok "$(verdict "$T_TMP/added.json")"

# --- broken registers: the schema and kvaudit both reject them ------------
reg=samples/estate/exceptions.json
badr=$T_TMP/bad-registers
mkdir -p "$badr"
cat >"$T_TMP/register-cases" <<'EOF'
no_schema~del(.schema)~.
schema_v2~.schema = "kvaudit.exceptions/2"~.schema
no_list~del(.exceptions)~.
list_object~.exceptions = {}~.exceptions
entry_string~.exceptions[1] = "SEC-1234"~.exceptions[1]
no_owner~del(.exceptions[0].owner)~.exceptions[0]
no_expires~del(.exceptions[2].expires)~.exceptions[2]
empty_reason~.exceptions[0].reason = ""~.exceptions[0].reason
owner_number~.exceptions[0].owner = 42~.exceptions[0].owner
expires_format~.exceptions[0].expires = "2027-6-30"~.exceptions[0].expires
expires_day~.exceptions[0].expires = "2027-02-29"~.exceptions[0].expires
ticket_number~.exceptions[3].ticket = 1187~.exceptions[3].ticket
EOF
files=
while IFS='~' read -r name prog _where; do
    mkdir -p "$badr/$name"
    if jq "$prog" "$reg" >"$badr/$name/exceptions.json" 2>"$T_TMP/jq.err"; then
        files="$files $badr/$name/exceptions.json"
    else
        fail "mutation $name applies" "$(cat "$T_TMP/jq.err")"
    fi
done <"$T_TMP/register-cases"
# shellcheck disable=SC2086
validate "$es" $files
while IFS='~' read -r name _prog where; do
    f=$badr/$name/exceptions.json
    v=$(verdict "$f")
    case $v in
    "invalid: $where: "*) ok "register rejected: $name" ;;
    *) fail "register rejected: $name" "want: invalid: $where: ...
got:  $v" ;;
    esac
    run_kva check --as-of 2026-11-23 --exceptions "$f" samples/estate/accounts.json
    expect_eq "kvaudit rejects register $name (exit)" 3 "$rc"
done <"$T_TMP/register-cases"

# Stricter than kvaudit on purpose: a subscription_id that is not a GUID
# can never match a subscription, so the schema flags it.
jq '.exceptions[0].subscription_id = "payments-prod"' "$reg" >"$T_TMP/nonguid.json"
validate "$es" "$T_TMP/nonguid.json"
case $(verdict "$T_TMP/nonguid.json") in
"invalid: .exceptions[0].subscription_id: "*) ok "register rejected: non-GUID subscription_id" ;;
*) fail "register rejected: non-GUID subscription_id" "$(cat "$T_TMP/verdicts")" ;;
esac
# A register may carry columns of its own.
jq '.exceptions[0].approved_by = "CISO" | .reviewed = "2026-11-01"' "$reg" >"$T_TMP/extra.json"
validate "$es" "$T_TMP/extra.json"
expect_eq "register with extra columns validates" ok "$(verdict "$T_TMP/extra.json")"
run_kva check --as-of 2026-11-23 --exceptions "$T_TMP/extra.json" samples/estate/accounts.json
expect_eq "kvaudit reads a register with extra columns (exit 0 or 1)" yes \
    "$([ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] && echo yes || echo "no: $rc")"

finish
