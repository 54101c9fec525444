# Structure: nesting, size of one value, numbers out of range, duplicate
# keys, data after the value, records that are not objects.

S1=00000000-0000-4000-8000-000000000001
S2=00000000-0000-4000-8000-000000000002
PRICINGS=/providers/Microsoft.Security/pricings

# nest FILE N OPEN CLOSE: N levels of OPEN, then N of CLOSE, on one line.
nest() {
    awk -v n="$2" -v o="$3" -v c="$4" 'BEGIN {
        s = ""; for (i = 0; i < n; i++) s = s o; printf "%s", s
        s = ""; for (i = 0; i < n; i++) s = s c; print s }' >"$1"
}

# 100,000 levels: refused at the 513th opening bracket, before any tree is
# built, in a few milliseconds and a few megabytes.
case_new "nesting: 100,000 arrays"
nest "$IN/deep.json" 100000 '[' ']'
expect 3 "kvaudit: in/deep.json:1:513: nesting deeper than 512"
limit 2 20 300
run_case

case_new "nesting: 100,000 objects"
# each level is '{"a":' (5 characters): the 513th '{' is col 2561
nest "$IN/deep.json" 100000 '{"a":' '}'
expect 3 "kvaudit: in/deep.json:1:2561: nesting deeper than 512"
limit 2 20 300
run_case

case_new "nesting: 100,000 levels, truncated"
nest "$IN/deep.json" 100000 '[' ''
expect 3 "kvaudit: in/deep.json:1:513: nesting deeper than 512"
limit 2 20 300
run_case

case_new "nesting: 513 levels inside a record's field"
nest "$T_TMP/nest" 511 '[' ']'
{
    printf '{"value": [{"name": "KeyVaults", "pricingTier": "Standard", "x": '
    tr -d '\n' <"$T_TMP/nest"
    printf '}]}\n'
} >"$IN/deep.json"
# the record is level 3 ({, [, {) and "x"'s first '[' col 66 is level 4:
# the 510th '[' (col 66 + 509) is level 513
expect 3 "kvaudit: in/deep.json:1:575: nesting deeper than 512"
run_case

case_new "nesting: exactly 512 levels is read"
nest "$IN/deep.json" 512 '[' ']'
expect 0 "kvaudit: in/deep.json:1:2: warning: [0] is an array, not an object" \
    "kvaudit: in/deep.json: warning: no record of a known kind (pricings, subscriptions, key vaults, exceptions)"
run_case

# A 100 MB string, generated here (never committed): read and reported
# with memory bounded by a small multiple of the file (the raw text, the
# record's parse and the model's copy: about 3x).
# big_string FILE: a Standard pricing whose subPlan is 100 MB of 'a',
# made once and linked into each case.
big_string() {
    if [ ! -f "$T_TMP/big.json" ]; then
        {
            printf '{"value": [{"id": "/subscriptions/%s%s/KeyVaults", "name": "KeyVaults", "pricingTier": "Standard", "subPlan": "' "$S1" "$PRICINGS"
            head -c 100000000 /dev/zero | tr '\0' a
            printf '"}]}\n'
        } >"$T_TMP/big.json"
    fi
    ln "$T_TMP/big.json" "$1"
}
case_new "100 MB string: check"
big_string "$IN/big.json"
args check --as-of "$AS_OF" in
expect 0 "kvaudit: in/big.json:1:12: warning: value[0].subPlan: text of 100000000 bytes is longer than a spreadsheet cell holds (32,767 bytes); kept whole"
limit 5 400
run_case

case_new "100 MB string: report json,csv,md,sh,ps1,xlsx"
big_string "$IN/big.json"
args report -f json,csv,md,sh,ps1,xlsx -o out --as-of "$AS_OF" in
expect 0 "kvaudit: in/big.json:1:12: warning: value[0].subPlan: text of 100000000 bytes is longer than a spreadsheet cell holds (32,767 bytes); kept whole"
limit 15 400
after 'jq -e ".subscriptions[0].sub_plan | length == 100000000" out/report.json >/dev/null || echo "report.json lost the string"
"$PROBE" csv out/findings.csv
unzip -tq out/report.xlsx >/dev/null || echo "report.xlsx unreadable"'
run_case

# The PDF cuts a table cell at 32,767 characters, as a spreadsheet cell
# does, with a marker: the whole string would fill some 75,000 pages.
case_new "100 MB string: report with every format"
big_string "$IN/big.json"
expect 0 "kvaudit: in/big.json:1:12: warning: value[0].subPlan: text of 100000000 bytes is longer than a spreadsheet cell holds (32,767 bytes); kept whole" \
    "kvaudit: warning: report.pdf: 1 table cell longer than 32,767 characters cut, with a marker; report.json holds it whole"
limit 10 400
after 'jq -e ".subscriptions[0].sub_plan | length == 100000000" out/report.json >/dev/null || echo "report.json lost the string"
pdftotext out/report.pdf - 2>/dev/null | tr "\\n" " " | grep -q "\[cut: 99967233 *characters\]" || echo "report.pdf: no cut marker"'
run_case

# Numbers beyond double precision.
case_new "1e400 where a number is not read"
printf '{"count": 1e400, "value": [{"id": "/subscriptions/%s%s/KeyVaults", "pricingTier": "Free", "x": -1e400, "y": 1e-400}]}\n' "$S1" "$PRICINGS" >"$IN/p.json"
expect 0
run_case

case_new "1e400 as PowerShell TimeSpan Ticks"
printf '[{"Id": "/subscriptions/%s%s/KeyVaults", "Name": "KeyVaults", "PricingTier": "Standard", "FreeTrialRemainingTime": {"Ticks": 1e400, "TotalSeconds": 1e400}}]\n' "$S1" "$PRICINGS" >"$IN/p.json"
expect 3 'kvaudit: in/p.json:1:2: [0].FreeTrialRemainingTime: a TimeSpan object without a usable "Ticks" or "TotalSeconds"'
run_case

case_new "1e400 as a tag value"
printf '{"value": [{"id": "/subscriptions/%s", "subscriptionId": "%s", "displayName": "Big", "state": "Enabled", "tags": {"owner": 1e400, "environment": -1e400}}]}\n' "$S1" "$S1" >"$IN/s.json"
expect 0
run_case

case_new "a number of 10,000 digits"
{ printf '{"value": [], "count": '; head -c 10000 /dev/zero | tr '\0' 9; printf '}\n'; } >"$IN/p.json"
expect 0 "kvaudit: in/p.json: warning: no record of a known kind (pricings, subscriptions, key vaults, exceptions)"
run_case

# Duplicate keys. In a record the first value counts and a warning says
# so when the values disagree; keys compare without case.
case_new "duplicate keys that disagree: pricingTier"
printf '{"value": [{"id": "/subscriptions/%s%s/KeyVaults", "name": "KeyVaults", "pricingTier": "Standard", "pricingTier": "Free"}]}\n' "$S1" "$PRICINGS" >"$IN/p.json"
expect 0 'kvaudit: in/p.json:1:12: warning: duplicate key "pricingTier" in value[0] with different values; the first is used'
after 'jq -e ".subscriptions[0].status == \"compliant\"" out/report.json >/dev/null || echo "the first pricingTier was not used"
jq -e "[.warnings[].code] == [\"duplicate_key\", \"no_subscription_inventory\"]" out/report.json >/dev/null || echo "warnings: $(jq -c "[.warnings[].code]" out/report.json)"'
run_case

case_new "duplicate keys that disagree only in case: PricingTier"
printf '{"value": [{"id": "/subscriptions/%s%s/KeyVaults", "name": "KeyVaults", "pricingTier": "Free", "PricingTier": "Standard"}]}\n' "$S1" "$PRICINGS" >"$IN/p.json"
expect 0 'kvaudit: in/p.json:1:12: warning: duplicate key "pricingTier" in value[0] with different values; the first is used'
after 'jq -e ".subscriptions[0].status == \"noncompliant\"" out/report.json >/dev/null || echo "the first pricingTier was not used"'
run_case

case_new "duplicate keys that disagree: nested in properties"
printf '{"value": [{"id": "/subscriptions/%s%s/KeyVaults", "name": "KeyVaults", "properties": {"pricingTier": "Free", "pricingTier": "Standard"}}]}\n' "$S1" "$PRICINGS" >"$IN/p.json"
expect 0 'kvaudit: in/p.json:1:12: warning: duplicate key "pricingTier" in value[0].properties with different values; the first is used'
run_case

case_new "duplicate keys that disagree: the id"
printf '{"value": [{"id": "/subscriptions/%s%s/KeyVaults", "id": "/subscriptions/%s%s/KeyVaults", "pricingTier": "Free"}]}\n' "$S1" "$PRICINGS" "$S2" "$PRICINGS" >"$IN/p.json"
expect 0 'kvaudit: in/p.json:1:12: warning: duplicate key "id" in value[0] with different values; the first is used'
after 'jq -e "[.subscriptions[].id] == [\"'$S1'\"]" out/report.json >/dev/null || echo "subscriptions: $(jq -c "[.subscriptions[].id]" out/report.json)"'
run_case

case_new "duplicate keys that disagree: an owner tag"
printf '{"value": [{"id": "/subscriptions/%s", "subscriptionId": "%s", "displayName": "Payments", "state": "Enabled", "tags": {"owner": "alice@example.com", "Owner": "mallory@example.com"}}]}\n' "$S1" "$S1" >"$IN/s.json"
expect 0 'kvaudit: in/s.json:1:12: warning: duplicate key "owner" in value[0].tags with different values; the first is used'
after 'jq -e ".subscriptions[0].owner == \"alice@example.com\"" out/report.json >/dev/null || echo "owner: $(jq -c ".subscriptions[0].owner" out/report.json)"'
run_case

case_new "duplicate keys that disagree: the wrapper's value"
printf '{"value": [{"id": "/subscriptions/%s%s/KeyVaults", "pricingTier": "Standard"}],\n "value": [{"id": "/subscriptions/%s%s/KeyVaults", "pricingTier": "Free"}]}\n' "$S1" "$PRICINGS" "$S1" "$PRICINGS" >"$IN/p.json"
expect 0 'kvaudit: in/p.json:2:2: warning: duplicate key "value" in the top-level object with different values; the first is used'
after 'jq -e ".subscriptions[0].status == \"compliant\"" out/report.json >/dev/null || echo "the first value was not used"'
run_case

case_new "duplicate keys that agree: no warning"
printf '{"value": [{"id": "/subscriptions/%s%s/KeyVaults", "pricingTier": "Free", "pricingTier": "Free"}]}\n' "$S1" "$PRICINGS" >"$IN/p.json"
expect 0
run_case

case_new "1,000 duplicate keys that disagree"
{
    printf '{"value": [{"id": "/subscriptions/%s%s/KeyVaults", "pricingTier": "Standard"' "$S1" "$PRICINGS"
    awk 'BEGIN { for (i = 0; i < 1000; i++) printf ", \"pricingTier\": \"Free%d\"", i }'
    printf '}]}\n'
} >"$IN/p.json"
expect 0 'kvaudit: in/p.json:1:12: warning: duplicate key "pricingTier" in value[0] with different values; the first is used'
limit 3
run_case

# After the value.
case_new "data after the JSON value"
printf '{"value": []}\n{"value": []}\n' >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:2:1: unexpected data after the JSON value"
run_case

case_new "JSON Lines"
printf '{"id": "a"}\n{"id": "b"}\n' >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:2:1: unexpected data after the JSON value"
run_case

case_new "a comment"
printf '// az security pricing list\n{"value": []}\n' >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:1:1: expected a value"
run_case

case_new "single quotes"
printf "{'value': []}\n" >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:1:2: expected a key string or '}'"
run_case

case_new "NaN and Infinity"
printf '{"value": [], "count": NaN}\n' >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:1:24: expected a value"
run_case

# Records that are not objects are listed as skipped, never dropped
# silently.
case_new "records that are not objects"
printf '{"value": [1, "two", null, true, [], {"id": "/subscriptions/%s%s/KeyVaults", "pricingTier": "Free"}]}\n' "$S1" "$PRICINGS" >"$IN/p.json"
expect 0 "kvaudit: in/p.json:1:12: warning: value[0] is a number, not an object" \
    "kvaudit: in/p.json:1:15: warning: value[1] is a string, not an object" \
    "kvaudit: in/p.json:1:22: warning: value[2] is null, not an object" \
    "kvaudit: in/p.json:1:28: warning: value[3] is a boolean, not an object" \
    "kvaudit: in/p.json:1:34: warning: value[4] is an array, not an object"
run_case

case_new "a million empty records"
awk 'BEGIN { printf "["; for (i = 0; i < 1000000; i++) printf "%s{}", i ? "," : ""; print "]" }' >"$IN/p.json"
expect 0 "kvaudit: in/p.json: warning: no record of a known kind (pricings, subscriptions, key vaults, exceptions)"
limit 5 200
run_case

case_new "a key of 1 MB"
{ printf '[{"'; head -c 1000000 /dev/zero | tr '\0' k; printf '": 1, "pricingTier": "Free", "id": "/subscriptions/%s%s/KeyVaults"}]\n' "$S1" "$PRICINGS"; } >"$IN/p.json"
expect 0
run_case

rm -f "$T_TMP/big.json"
