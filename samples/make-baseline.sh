#!/bin/sh
# Regenerate samples/baseline/report.json, "last month's" report of the
# sample estate (as of 2026-10-23), for the trend section of the demo.
#
#   sh samples/make-baseline.sh                  # uses build/kvaudit
#   KVAUDIT=build-x/kvaudit sh samples/make-baseline.sh
#
# It copies samples/estate to a temporary directory, puts back what the
# estate looked like a month earlier (the differences below, also listed in
# samples/README.md) and runs kvaudit on the copy. The copy sits under the
# same relative path, samples/estate, so the paths inside the report are
# the ones a run from the top of the repository writes, whatever the
# temporary directory was: the output is the same on every run.
#
# Needs jq and iconv.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
kvaudit=${KVAUDIT:-build/kvaudit}
case $kvaudit in
/*) ;;
*) kvaudit=$top/$kvaudit ;;
esac
if [ ! -x "$kvaudit" ]; then
    echo "make-baseline.sh: $kvaudit is not built (run make, or set KVAUDIT)" >&2
    exit 2
fi
for tool in jq iconv; do
    command -v "$tool" >/dev/null || {
        echo "make-baseline.sh: $tool is needed" >&2
        exit 2
    }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$tmp/samples"
cp -R "$top/samples/estate" "$tmp/samples/estate"
e=$tmp/samples/estate

PARTNER_PORTAL_DEV=83b2c1f7-e6d5-4c4a-9b38-00000000c008
FABRIKAM_LAB=16b4d2f0-8e6c-4a5b-9d3f-00000000fab5

# edit FILE JQ-FILTER...: rewrite FILE in the Azure CLI's 2-space layout
# (jq keeps the key order, which is already sorted).
edit() {
    f=$1
    shift
    jq --indent 2 "$@" "$f" >"$f.new"
    mv "$f.new" "$f"
}

# 1. Contoso Partner Portal Dev was created in November: not in last
#    month's account list, Resource Graph subscriptions or vaults.
edit "$e/accounts.json" --arg id "$PARTNER_PORTAL_DEV" \
    'map(select(.id != $id))'
for f in "$e/resource-graph/subscriptions.json" \
    "$e/resource-graph/keyvaults.json"; do
    edit "$f" --arg id "$PARTNER_PORTAL_DEV" \
        '.data |= map(select(.subscriptionId != $id))
         | .count = (.data | length) | .total_records = .count'
done

# 2. The Fabrikam Lab row was not in last month's Resource Graph pricing
#    dump.
edit "$e/resource-graph/defender-pricings.json" --arg id "$FABRIKAM_LAB" \
    '.data |= map(select(.subscriptionId != $id))
     | .count = (.data | length) | .total_records = .count'

# 3. Defender for Key Vault was still off (Free) in Contoso Mobile API Prod,
#    Contoso Platform Connectivity and Fabrikam Analytics Prod: they were
#    enabled in November (hence their trial time left).
edit "$e/pricings/contoso-mobile-api-prod.json" \
    '(.value[] | select(.name == "KeyVaults")) |= (.pricingTier = "Free"
     | .subPlan = null | .enablementTime = null
     | .freeTrialRemainingTime = "30 days, 0:00:00")'

f=$e/pricings/fabrikam-analytics-prod-rest-2024-01-01.json
jq -cj '(.value[] | select(.name == "KeyVaults") | .properties) |=
        {pricingTier: "Free", freeTrialRemainingTime: "P30D",
         enforce: "False", resourcesCoverageStatus: "NotCovered"}' \
    "$f" >"$f.new"
mv "$f.new" "$f"

# Windows PowerShell 5.1 wrote this one as UTF-16LE with a BOM and CRLF:
# edit it as UTF-8 text (the decoder drops the BOM) and write it back the
# same way.
f=$e/pricings/contoso-platform-connectivity-Get-AzSecurityPricing.json
iconv -f UTF-16 -t UTF-8 "$f" |
    sed '/pricings\/KeyVaults"/,/"ReplacedBy"/{
        s/"PricingTier":  "Standard"/"PricingTier":  "Free"/
        s/"SubPlan":  "PerKeyVault"/"SubPlan":  null/
    }' >"$f.utf8"
{
    printf '\377\376'
    iconv -f UTF-8 -t UTF-16LE "$f.utf8"
} >"$f.new"
rm -f "$f.utf8"
mv "$f.new" "$f"

# 4. Fabrikam Data Dev still had the plan on (it was turned off to save
#    cost in November).
edit "$e/pricings/fabrikam-data-dev.json" \
    '(.value[] | select(.name == "KeyVaults")) |= (.pricingTier = "Standard"
     | .subPlan = "PerKeyVault"
     | .enablementTime = "2024-06-03T08:30:12.400117+00:00")'

# Contoso Payments Prod needs no edit: on 2026-10-23 its exception
# (expires 2026-10-31) was still active, so it was exempt.

rc=0
(cd "$tmp" && "$kvaudit" report -q -f json --as-of 2026-10-23 -o out \
    samples/estate) || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "make-baseline.sh: kvaudit failed (exit $rc)" >&2
    exit "$rc"
fi
mkdir -p "$top/samples/baseline"
cp "$tmp/out/report.json" "$top/samples/baseline/report.json"
echo "wrote samples/baseline/report.json"
