# Wrong JSON types in every field a reader uses: a number where a string
# belongs and the reverse (a string where a number, boolean, object or
# array belongs). A wrong type in a field the control relies on is an
# input error naming the JSON path, at the record's first byte; the few
# shapes that real tools write (tags cut to a string by ConvertTo-Json,
# deprecated as "True") are read.

G=00000000-0000-4000-8000-000000000001
T=aaaaaaaa-0000-4000-8000-00000000000a
PR=/subscriptions/$G/providers/Microsoft.Security/pricings/KeyVaults

# One record of each shape, written compact by jq: a record in
# {"value":[...]} or {"data":[...]} starts at col 11 (10 for "data"), in
# a bare array at col 2, and the register's first entry at col 48.
mkdir -p "$T_TMP/types"
cat >"$T_TMP/types/pricing-cli.json" <<EOF
{"value": [{"deprecated": null, "enablementTime": "2024-11-06T17:24:45.715220+00:00",
 "freeTrialRemainingTime": "0:00:00", "id": "$PR", "name": "KeyVaults",
 "pricingTier": "Standard", "subPlan": "PerKeyVault", "type": "Microsoft.Security/pricings"}]}
EOF
cat >"$T_TMP/types/pricing-rest.json" <<EOF
{"value": [{"id": "$PR", "name": "KeyVaults", "type": "Microsoft.Security/pricings",
 "properties": {"pricingTier": "Standard", "subPlan": "PerKeyVault",
 "freeTrialRemainingTime": "PT0S", "enablementTime": "2023-03-01T12:42:42.1921106Z",
 "deprecated": false}}]}
EOF
cat >"$T_TMP/types/pricing-ps.json" <<EOF
[{"Id": "$PR", "Name": "KeyVaults", "PricingTier": "Standard", "SubPlan": "PerKeyVault",
  "FreeTrialRemainingTime": {"Ticks": 0, "TotalSeconds": 0}, "Deprecated": false}]
EOF
cat >"$T_TMP/types/subs-rest.json" <<EOF
{"value": [{"id": "/subscriptions/$G", "subscriptionId": "$G", "displayName": "Payments",
 "state": "Enabled", "tenantId": "$T", "tags": {"owner": "pay@example.com"}}]}
EOF
cat >"$T_TMP/types/subs-cli.json" <<EOF
[{"cloudName": "AzureCloud", "id": "$G", "isDefault": true, "name": "Payments",
  "state": "Enabled", "tenantId": "$T", "user": {"name": "a@example.com", "type": "user"}}]
EOF
cat >"$T_TMP/types/subs-graph.json" <<EOF
{"data": [{"id": "/subscriptions/$G", "name": "Payments", "type": "microsoft.resources/subscriptions",
 "subscriptionId": "$G", "tenantId": "$T", "tags": {"owner": "pay@example.com"},
 "properties": {"state": "Enabled", "managementGroupAncestorsChain": [
  {"displayName": "Landing Zones", "name": "lz"}, {"displayName": "Tenant Root Group", "name": "$T"}]}}]}
EOF
cat >"$T_TMP/types/vaults-graph.json" <<EOF
{"data": [{"id": "/subscriptions/$G/resourceGroups/rg-pay/providers/Microsoft.KeyVault/vaults/kv-pay",
 "name": "kv-pay", "type": "microsoft.keyvault/vaults", "resourceGroup": "rg-pay",
 "location": "westeurope", "subscriptionId": "$G", "tenantId": "$T", "tags": {"owner": "pay@example.com"}}]}
EOF
cat >"$T_TMP/types/exceptions.json" <<EOF
{"schema": "kvaudit.exceptions/1", "exceptions": [{"subscription_id": "$G",
 "reason": "migration", "owner": "Ana", "expires": "2026-12-31", "ticket": "CHG1"}]}
EOF

# The table: SHAPE | jq path | new value (JSON) | exit | message after
# "kvaudit: in/FILE:LINE:COL: " (LINE:COL is the record's first byte), or
# for exit 0/1 the stderr lines after "kvaudit: " ('@' for the file and
# position, "unknown" for the warning that the file holds no record of a
# known kind), empty for none. The message path is the field as the file
# spells it.
while IFS='|' read -r shape path value code msg unknown <&3; do
    case $shape in '' | '#'*) continue ;; esac
    case $shape in
    pricing-ps | subs-cli) at=1:2 ;;
    subs-graph | vaults-graph) at=1:10 ;;
    exceptions) at=1:48 ;;
    *) at=1:11 ;;
    esac
    case_new "type: $shape $path = $value"
    # jq writes one line: positions above hold for every shape
    if ! jq -c --argjson v "$value" "$path = \$v" "$T_TMP/types/$shape.json" \
        >"$IN/$shape.json"; then
        fail "type: $shape $path = $value" "jq could not build the case"
        continue
    fi
    if [ "$code" -ge 2 ]; then
        expect "$code" "kvaudit: in/$shape.json:$at: $msg"
    elif [ -n "$msg" ]; then
        expect "$code" "kvaudit: $(printf '%s' "$msg" | sed "s|@|in/$shape.json:$at|")"
        [ "$unknown" = unknown ] && expect "$code" "kvaudit: in/$shape.json: warning: no record of a known kind (pricings, subscriptions, key vaults, exceptions)"
    else
        expect "$code"
    fi
    run_case
done 3<<'EOF'
# Defender pricings, CLI (flat) and REST (nested in "properties").
pricing-cli|.value[0].pricingTier|1|3|value[0].pricingTier: expected a string, found a number
pricing-cli|.value[0].pricingTier|1e400|3|value[0].pricingTier: expected a string, found a number
pricing-cli|.value[0].pricingTier|true|3|value[0].pricingTier: expected a string, found a boolean
pricing-cli|.value[0].pricingTier|["Standard"]|3|value[0].pricingTier: expected a string, found an array
pricing-cli|.value[0].pricingTier|{"tier":"Standard"}|3|value[0].pricingTier: expected a string, found an object
pricing-cli|.value[0].subPlan|2|3|value[0].subPlan: expected a string, found a number
pricing-cli|.value[0].name|3|3|value[0].name: expected a string, found a number
pricing-cli|.value[0].id|4|3|value[0].id: expected a string, found a number
pricing-cli|.value[0].subscriptionId|5|3|value[0].subscriptionId: expected a string, found a number
pricing-cli|.value[0].freeTrialRemainingTime|0|3|value[0].freeTrialRemainingTime: expected a string, found a number
pricing-cli|.value[0].enablementTime|1730913885|3|value[0].enablementTime: expected a string, found a number
pricing-cli|.value[0].deprecated|0|3|value[0].deprecated: expected a boolean, found a number
pricing-cli|.value[0].deprecated|"maybe"|3|value[0].deprecated: expected true or false, found "maybe"
pricing-cli|.value[0].deprecated|"True"|0|
pricing-cli|.value[0].pricingTier|null|0|
pricing-rest|.value[0].properties.pricingTier|1|3|value[0].properties.pricingTier: expected a string, found a number
pricing-rest|.value[0].properties.subPlan|2|3|value[0].properties.subPlan: expected a string, found a number
pricing-rest|.value[0].properties.freeTrialRemainingTime|0|3|value[0].properties.freeTrialRemainingTime: expected a string, found a number
pricing-rest|.value[0].properties.enablementTime|0|3|value[0].properties.enablementTime: expected a string, found a number
pricing-rest|.value[0].properties.deprecated|"no"|3|value[0].properties.deprecated: expected true or false, found "no"
pricing-rest|.value[0].properties.subscriptionId|7|3|value[0].properties.subscriptionId: expected a string, found a number
pricing-rest|.value[0].properties|"Standard"|0|
# PowerShell: the TimeSpan object wants numbers.
pricing-ps|.[0].FreeTrialRemainingTime|{"Ticks":"0"}|3|[0].FreeTrialRemainingTime: a TimeSpan object without a usable "Ticks" or "TotalSeconds"
pricing-ps|.[0].FreeTrialRemainingTime|{"Ticks":"0","TotalSeconds":"0"}|3|[0].FreeTrialRemainingTime: a TimeSpan object without a usable "Ticks" or "TotalSeconds"
pricing-ps|.[0].FreeTrialRemainingTime|{"Days":1}|3|[0].FreeTrialRemainingTime: a TimeSpan object without a usable "Ticks" or "TotalSeconds"
pricing-ps|.[0].FreeTrialRemainingTime|[0]|3|[0].FreeTrialRemainingTime: expected a string, found an array
pricing-ps|.[0].PricingTier|0|3|[0].PricingTier: expected a string, found a number
# Subscriptions: REST list, az account list, Resource Graph.
subs-rest|.value[0].subscriptionId|1|3|value[0].subscriptionId: expected a string, found a number
subs-rest|.value[0].displayName|2|3|value[0].displayName: expected a string, found a number
subs-rest|.value[0].state|3|3|value[0].state: expected a string, found a number
subs-rest|.value[0].state|false|3|value[0].state: expected a string, found a boolean
subs-rest|.value[0].tenantId|4|3|value[0].tenantId: expected a string, found a number
subs-rest|.value[0].tags|5|3|value[0].tags: expected an object, found a number
subs-rest|.value[0].tags|["owner","pay@example.com"]|3|value[0].tags: expected an object, found an array
subs-rest|.value[0].tags|"System.Collections.Hashtable"|0|@: warning: value[0].tags is the string "System.Collections.Hashtable", not an object; no tags read from this record
subs-rest|.value[0].tags.owner|42|0|
subs-rest|.value[0].id|6|0|@: warning: value[0]: "id" is a number, not a string; record skipped|unknown
subs-cli|.[0].name|7|3|[0].name: expected a string, found a number
subs-cli|.[0].tenantId|{"id":"x"}|3|[0].tenantId: expected a string, found an object
subs-cli|.[0].id|8|0|@: warning: [0]: "id" is a number, not a string; record skipped|unknown
subs-graph|.data[0].properties.state|9|3|data[0].properties.state: expected a string, found a number
subs-graph|.data[0].properties.managementGroupAncestorsChain|"Landing Zones"|3|data[0].properties.managementGroupAncestorsChain: expected an array, found a string
subs-graph|.data[0].properties.managementGroupAncestorsChain[0]|"lz"|3|data[0].properties.managementGroupAncestorsChain[0]: expected an object, found a string
subs-graph|.data[0].properties.managementGroupAncestorsChain[1].displayName|10|3|data[0].properties.managementGroupAncestorsChain[1].displayName: expected a string, found a number
subs-graph|.data[0].properties.managementGroupAncestorsChain[0].name|11|3|data[0].properties.managementGroupAncestorsChain[0].name: expected a string, found a number
subs-graph|.data[0].type|12|0|@: warning: data[0]: "type" is a number, not a string; record skipped|unknown
# Key vaults (Resource Graph rows).
vaults-graph|.data[0].id|1|3|data[0].id: expected a string, found a number
vaults-graph|.data[0].name|2|3|data[0].name: expected a string, found a number
vaults-graph|.data[0].resourceGroup|3|3|data[0].resourceGroup: expected a string, found a number
vaults-graph|.data[0].location|4|3|data[0].location: expected a string, found a number
vaults-graph|.data[0].subscriptionId|5|3|data[0].subscriptionId: expected a string, found a number
vaults-graph|.data[0].tags|6|3|data[0].tags: expected an object, found a number
vaults-graph|.data[0].tags|"System.Collections.Hashtable"|0|@: warning: data[0].tags is the string "System.Collections.Hashtable", not an object; no tags read from this record
# The exceptions register: every field.
exceptions|.exceptions[0].subscription_id|1|3|exceptions[0].subscription_id: expected a string, found a number
exceptions|.exceptions[0].reason|2|3|exceptions[0].reason: expected a string, found a number
exceptions|.exceptions[0].owner|3|3|exceptions[0].owner: expected a string, found a number
exceptions|.exceptions[0].expires|20261231|3|exceptions[0].expires: expected a string, found a number
exceptions|.exceptions[0].ticket|5|3|exceptions[0].ticket: expected a string, found a number
exceptions|.exceptions[0].owner|""|3|exceptions[0].owner: must not be empty
exceptions|.exceptions[0]|"x"|3|exceptions[0]: expected an object, found a string
EOF

# Shapes of a whole file rather than one field.
case_new "type: the register's exceptions is an object"
printf '{"schema": "kvaudit.exceptions/1", "exceptions": {"subscription_id": "%s"}}\n' "$G" >"$IN/x.json"
expect 3 "kvaudit: in/x.json:1:50: exceptions: expected an array, found an object"
run_case

case_new "type: the register's schema is a number"
printf '{"schema": 1, "exceptions": []}\n' >"$IN/x.json"
expect 0 "kvaudit: in/x.json: warning: no record of a known kind (pricings, subscriptions, key vaults, exceptions)"
run_case

case_new "type: --exceptions FILE whose schema is a number"
printf '{"schema": 1, "exceptions": []}\n' >"$IN/x.json"
args check --as-of "$AS_OF" --exceptions in/x.json in
expect 3 'kvaudit: in/x.json: not an exceptions register (expected "schema": "kvaudit.exceptions/1")'
run_case

case_new "type: the wrapper's value is a string"
printf '{"value": "KeyVaults Standard"}\n' >"$IN/p.json"
expect 0 "kvaudit: in/p.json: warning: no record of a known kind (pricings, subscriptions, key vaults, exceptions)"
run_case

case_new "type: a pricing whose type is a number beside a good one"
# Without a usable "type" the record cannot be told apart, and it carries
# a Free tier: it must not vanish without a word.
cat >"$IN/p.json" <<EOF
{"value": [
 {"id": "$PR", "name": "KeyVaults", "type": "Microsoft.Security/pricings", "pricingTier": "Standard"},
 {"id": "/subscriptions/00000000-0000-4000-8000-000000000002/providers/Microsoft.Security/pricings/KeyVaults", "name": "KeyVaults", "type": 7, "pricingTier": "Free"}
]}
EOF
expect 0 'kvaudit: in/p.json:3:2: warning: value[1]: "type" is a number, not a string; record skipped'
run_case

case_new "type: a pricing whose tier is null counts as not Standard"
printf '{"value": [{"id": "%s", "name": "KeyVaults", "pricingTier": null}]}\n' "$PR" >"$IN/p.json"
expect 0
after 'jq -e ".subscriptions[0].status == \"noncompliant\"" out/report.json >/dev/null || echo "status: $(jq -c ".subscriptions[0].status" out/report.json)"'
run_case
