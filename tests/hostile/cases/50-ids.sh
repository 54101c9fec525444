# Ids: not GUIDs, upper case, with path segments, or naming another
# subscription than the rest of the file. An id that cannot be used skips
# its record with a warning (never silently); GUIDs compare without case
# and are written lower-case; a record belongs to the subscription its id
# names.

S1=00000000-0000-4000-8000-000000000001
S2=00000000-0000-4000-8000-000000000002
U1=00000000-0000-4000-8000-00000000000A
PP=/providers/Microsoft.Security/pricings/KeyVaults
KV=/providers/Microsoft.KeyVault/vaults

# The subscription inventory every case here has beside its dump.
inventory() {
    cat >"$IN/accounts.json" <<EOF
{"value": [
 {"id": "/subscriptions/$S1", "subscriptionId": "$S1", "displayName": "Payments", "state": "Enabled", "tags": {"owner": "pay@example.com"}},
 {"id": "/subscriptions/$S2", "subscriptionId": "$S2", "displayName": "Sandbox", "state": "Enabled", "tags": {"owner": "lab@example.com"}}
]}
EOF
}

# statuses: the after-check that report.json gives each subscription
# (id, status) as listed, in report order.
statuses() {
    printf 'got=$(jq -c "[.subscriptions[] | [.id, .status]]" out/report.json)
[ "$got" = %s ] || echo "subscriptions: $got, want %s"\n' "'$1'" "'$1'"
}

# Pricing ids that cannot be used: the record is skipped, the
# subscription it meant has no evidence.
while IFS='|' read -r label id why <&3; do
    case $label in '' | '#'*) continue ;; esac
    case_new "pricing id $label"
    inventory
    printf '{"value": [{"id": "%s", "name": "KeyVaults", "pricingTier": "Standard"}]}\n' "$id" >"$IN/pricing.json"
    q=$(printf '%s' "$id" | sed 's/\\\\/\\/g' | cut -c1-60)
    [ ${#q} -eq 60 ] && q="$q..."
    expect 0 "kvaudit: in/pricing.json:1:12: warning: value[0]: id \"$q\" $why; record skipped"
    after "$(statuses "[[\"$S1\",\"no_evidence\"],[\"$S2\",\"no_evidence\"]]")"
    run_case
done 3<<EOF
not a GUID|/subscriptions/payments$PP|names a subscription that is not a GUID
a GUID without dashes|/subscriptions/00000000000040008000000000000001$PP|names a subscription that is not a GUID
a GUID in braces|/subscriptions/{$S1}$PP|names a subscription that is not a GUID
with /../|/subscriptions/$S2/../$S1$PP|contains a '.' or '..' segment
with /./|/subscriptions/$S1/./providers/Microsoft.Security/pricings/KeyVaults|contains a '.' or '..' segment
ending in /..|/subscriptions/$S1$PP/..|contains a '.' or '..' segment
with //|/subscriptions/$S1//providers/Microsoft.Security/pricings/KeyVaults|contains an empty segment ('//' or a trailing '/')
with a trailing /|/subscriptions/$S1$PP/|contains an empty segment ('//' or a trailing '/')
with a backslash|/subscriptions/$S1\\\\..\\\\$S2$PP|contains a backslash
with %2e%2e|/subscriptions/$S1/%2e%2e/$S2$PP|contains '?', '#' or '%'
with a query|/subscriptions/$S1$PP?api-version=2024-01-01|contains '?', '#' or '%'
with a fragment|/subscriptions/$S1$PP#x|contains '?', '#' or '%'
without the leading /|subscriptions/$S1$PP|does not start with '/'
EOF

case_new "pricing id with a control character"
inventory
printf '{"value": [{"id": "/subscriptions/%s\\u001b[2J%s", "name": "KeyVaults", "pricingTier": "Standard"}]}\n' "$S1" "$PP" >"$IN/pricing.json"
# the escape character is shown escaped on the terminal
# 60 characters are quoted: the escape character is one of them
expect 0 "kvaudit: in/pricing.json:1:12: warning: value[0]: id \"/subscriptions/$S1\\x1b[2J/prov...\" contains a control character; record skipped"
# the warning is in the PDF's appendix, where no font draws ESC
expect_prefix "kvaudit: warning: report.pdf: "
after "$(statuses "[[\"$S1\",\"no_evidence\"],[\"$S2\",\"no_evidence\"]]")"
run_case

case_new "pricing id in upper case"
inventory
printf '{"value": [{"id": "/SUBSCRIPTIONS/%s/PROVIDERS/MICROSOFT.SECURITY/PRICINGS/KEYVAULTS", "name": "KeyVaults", "pricingTier": "Standard"}]}\n' "$U1" >"$IN/pricing.json"
sed -i "s/$S1/$(echo "$U1" | tr A-F a-f)/g" "$IN/accounts.json"
expect 0
after "$(statuses "[[\"$S2\",\"no_evidence\"],[\"$(echo "$U1" | tr A-F a-f)\",\"compliant\"]]")"
run_case

case_new "pricing id in upper case, inventory in lower case: one subscription"
inventory
printf '{"value": [{"id": "/subscriptions/%s%s", "name": "KeyVaults", "pricingTier": "Free"}]}\n' "$(echo "$S1" | tr a-f A-F)" "$PP" >"$IN/pricing.json"
printf '{"value": [{"id": "/subscriptions/%s%s", "name": "KeyVaults", "pricingTier": "Standard"}]}\n' "$S2" "$PP" >"$IN/pricing2.json"
expect 0
after "$(statuses "[[\"$S1\",\"noncompliant\"],[\"$S2\",\"compliant\"]]")"
run_case

case_new "a pricing naming another subscription than the rest of its file"
inventory
# az security pricing list of Payments, with one record that claims to
# be Sandbox's: it counts for Sandbox, as its id says
printf '{"value": [\n {"id": "/subscriptions/%s%s", "name": "KeyVaults", "pricingTier": "Free"},\n {"id": "/subscriptions/%s%s", "name": "KeyVaults", "pricingTier": "Standard"}\n]}\n' "$S1" "$PP" "$S2" "$PP" >"$IN/pricing-payments.json"
expect 0
after "$(statuses "[[\"$S1\",\"noncompliant\"],[\"$S2\",\"compliant\"]]")
jq -e '.subscriptions[] | select(.id == \"$S2\") | .evidence | index(\"in/pricing-payments.json\")' out/report.json >/dev/null || echo 'Sandbox does not list the file as evidence'"
run_case

case_new "a pricing whose subscriptionId names another subscription than its id"
inventory
printf '{"value": [{"id": "/subscriptions/%s%s", "subscriptionId": "%s", "name": "KeyVaults", "pricingTier": "Standard"}]}\n' "$S1" "$PP" "$S2" >"$IN/pricing.json"
expect 0 "kvaudit: in/pricing.json:1:12: warning: subscriptionId \"$S2\" differs from the subscription in the id ($S1); the id's is used"
after "$(statuses "[[\"$S2\",\"no_evidence\"],[\"$S1\",\"compliant\"]]")"
run_case

case_new "a pricing with only a subscriptionId that is not a GUID"
inventory
printf '{"value": [{"subscriptionId": "../%s", "name": "KeyVaults", "pricingTier": "Standard"}]}\n' "$S1" >"$IN/pricing.json"
expect 0 "kvaudit: in/pricing.json:1:12: warning: value[0]: subscriptionId \"../$S1\" is not a GUID; record skipped"
after "$(statuses "[[\"$S1\",\"no_evidence\"],[\"$S2\",\"no_evidence\"]]")"
run_case

# Key vaults.
vault() { # ID [SUBSCRIPTION_ID]: one Resource Graph vault row
    if [ -n "${2:-}" ]; then
        printf '{"data": [{"id": "%s", "type": "microsoft.keyvault/vaults", "location": "westeurope", "subscriptionId": "%s"}]}\n' "$1" "$2"
    else
        printf '{"data": [{"id": "%s", "type": "microsoft.keyvault/vaults", "location": "westeurope"}]}\n' "$1"
    fi >"$IN/vaults.json"
}

case_new "vault id with a subscription that is not a GUID"
inventory
vault "/subscriptions/payments/resourceGroups/rg$KV/kv1"
expect 0 "kvaudit: in/vaults.json:1:11: warning: data[0]: id \"/subscriptions/payments/resourceGroups/rg/providers/Microsof...\" names a subscription that is not a GUID; record skipped"
after 'jq -e ".vaults == []" out/report.json >/dev/null || echo "a vault was kept"'
run_case

case_new "vault id with /../"
inventory
vault "/subscriptions/$S1/resourceGroups/rg/../rg2$KV/kv1"
expect 0 "kvaudit: in/vaults.json:1:11: warning: data[0]: id \"/subscriptions/$S1/resource...\" contains a '.' or '..' segment; record skipped"
after 'jq -e ".vaults == []" out/report.json >/dev/null || echo "a vault was kept"'
run_case

case_new "vault id in upper case"
inventory
vault "/SUBSCRIPTIONS/$(echo "$S1" | tr a-f A-F)/RESOURCEGROUPS/RG$KV/KV1"
expect 0
after 'jq -e ".vaults | length == 1 and .[0].subscription_id == \"'"$S1"'\" and .[0].name == \"KV1\"" out/report.json >/dev/null || echo "vaults: $(jq -c .vaults out/report.json)"
jq -e ".subscriptions[] | select(.id == \"'"$S1"'\") | .vaults == 1" out/report.json >/dev/null || echo "the vault does not count for its subscription"'
run_case

case_new "vault whose subscriptionId names another subscription than its id"
inventory
vault "/subscriptions/$S1/resourceGroups/rg$KV/kv1" "$S2"
expect 0 "kvaudit: in/vaults.json:1:11: warning: subscriptionId \"$S2\" differs from the subscription in the id ($S1); the id's is used"
after 'jq -e ".vaults[0].subscription_id == \"'"$S1"'\"" out/report.json >/dev/null || echo "vaults: $(jq -c .vaults out/report.json)"'
run_case

case_new "vault id that names no subscription, with a subscriptionId"
inventory
vault "/resourceGroups/rg$KV/kv1" "$S2"
expect 0
after 'jq -e ".vaults[0].subscription_id == \"'"$S2"'\"" out/report.json >/dev/null || echo "vaults: $(jq -c .vaults out/report.json)"'
run_case

# Subscriptions.
case_new "subscription id in upper case"
printf '[{"id": "%s", "name": "Payments", "state": "Enabled", "tenantId": "aaaaaaaa-0000-4000-8000-00000000000a"}]\n' "$U1" >"$IN/accounts.json"
expect 0
after "$(statuses "[[\"$(echo "$U1" | tr A-F a-f)\",\"no_evidence\"]]")"
run_case

case_new "subscription id that is not a GUID, beside a good one (az account list)"
printf '[{"id": "%s", "name": "Payments", "state": "Enabled", "tenantId": "aaaaaaaa-0000-4000-8000-00000000000a"},\n {"id": "payments-prod", "name": "Payments Prod", "state": "Enabled", "tenantId": "aaaaaaaa-0000-4000-8000-00000000000a"}]\n' "$S1" >"$IN/accounts.json"
expect 0 'kvaudit: in/accounts.json:2:2: warning: [1]: id "payments-prod" is not a subscription GUID; record skipped'
after "$(statuses "[[\"$S1\",\"no_evidence\"]]")"
run_case

case_new "subscription id with /../, beside a good one (REST)"
printf '{"value": [{"id": "/subscriptions/%s", "subscriptionId": "%s", "displayName": "Payments", "state": "Enabled"},\n {"id": "/subscriptions/%s/../%s", "subscriptionId": "%s", "displayName": "Sandbox", "state": "Enabled"}]}\n' "$S1" "$S1" "$S2" "$S1" "$S2" >"$IN/subs.json"
expect 0 "kvaudit: in/subs.json:2:2: warning: value[1]: id \"/subscriptions/$S2/../00000...\" contains a '.' or '..' segment; record skipped"
after "$(statuses "[[\"$S1\",\"no_evidence\"]]")"
run_case

case_new "subscription whose subscriptionId differs from its id"
printf '{"value": [{"id": "/subscriptions/%s", "subscriptionId": "%s", "displayName": "Payments", "state": "Enabled"}]}\n' "$S1" "$S2" >"$IN/subs.json"
expect 0 "kvaudit: in/subs.json:1:12: warning: subscriptionId \"$S2\" differs from the subscription in the id ($S1); the id's is used"
after "$(statuses "[[\"$S1\",\"no_evidence\"]]")"
run_case

# The exceptions register names subscriptions too.
case_new "exception for a subscription id in upper case"
inventory
printf '{"value": [{"id": "/subscriptions/%s%s", "name": "KeyVaults", "pricingTier": "Free"}]}\n' "$S1" "$PP" >"$IN/pricing.json"
printf '{"schema": "kvaudit.exceptions/1", "exceptions": [{"subscription_id": "%s", "reason": "migration", "owner": "Ana", "expires": "2026-12-31"}]}\n' "$(echo "$S1" | tr a-f A-F)" >"$IN/exceptions.json"
expect 0
after "$(statuses "[[\"$S2\",\"no_evidence\"],[\"$S1\",\"exempt\"]]")"
run_case

case_new "exception for a subscription id that is not a GUID"
inventory
printf '{"value": [{"id": "/subscriptions/%s%s", "name": "KeyVaults", "pricingTier": "Free"}]}\n' "$S1" "$PP" >"$IN/pricing.json"
printf '{"schema": "kvaudit.exceptions/1", "exceptions": [{"subscription_id": "$(touch pwned)", "reason": "r", "owner": "o", "expires": "2026-12-31"}]}\n' >"$IN/exceptions.json"
expect 0
after "$(statuses "[[\"$S1\",\"noncompliant\"],[\"$S2\",\"no_evidence\"]]")
jq -e '.exceptions[0].state == \"unused\"' out/report.json >/dev/null || echo \"exception: \$(jq -c '.exceptions' out/report.json)\""
run_case
