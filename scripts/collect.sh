#!/usr/bin/env bash
# collect.sh: gather the evidence kvaudit reads, on a connected machine with
# the Azure CLI signed in (az login). Every file is the unchanged JSON output
# of one az command, in UTF-8, in one folder, with a manifest saying who
# collected it, when, and with which CLI. Copy the folder to the review
# machine and run the kvaudit command printed at the end.
#
# usage: collect.sh [-o DIR] [-s SUBSCRIPTION_ID]... [--no-graph]
#   -o DIR            output folder (default: kvaudit-evidence-<UTC time>)
#   -s ID             only these subscriptions' Defender pricings and vaults
#                     (repeatable; the subscription list stays complete)
#   --no-graph        do not use Resource Graph: key vaults per subscription
#                     with az keyvault list, subscription tags with az rest
#
# What it writes:
#   subscriptions.json            az account list --all
#   subscription-tags-NNN.json    Resource Graph resourcecontainers rows
#                                 (tags, management group chain), paged
#   pricings/<id>.json            az security pricing list, per subscription
#   keyvaults-NNN.json            Resource Graph microsoft.keyvault/vaults
#                                 rows, paged with skip_token
#   keyvaults/<id>.json, tags/<id>.json   instead of the two above with
#                                 --no-graph
#   manifest.txt, SHA256SUMS      who, when, CLI version, what failed;
#                                 the SHA-256 of every file
# A command that fails (no access to one subscription, say) leaves no file
# behind, is listed in manifest.txt, and makes the exit status 1; the rest
# is still collected.
#
# Every pricing of the tenant in one Resource Graph query (what the
# signed-in identity can read; run it as a reader at the tenant root
# management group to see every subscription):
#
#   az graph query --first 1000 -q "securityresources
#     | where type == 'microsoft.security/pricings'
#     | project id, name, type, subscriptionId, properties"
#
# repeated with --skip-token TOKEN while the output has a skip_token. Its
# output is a kvaudit input as is; this script asks each subscription
# instead, because Resource Graph can lag behind a change by minutes.
set -euo pipefail

# az on Windows writes in the console code page unless told otherwise.
export PYTHONIOENCODING=utf-8
export AZURE_CORE_NO_COLOR=true
export AZURE_CORE_ONLY_SHOW_ERRORS=true

usage() {
    sed -n '8,14p' "$0" | sed 's/^# \{0,1\}//'
}

out=""
use_graph=1
only=()
while [ $# -gt 0 ]; do
    case $1 in
    -o | --out)
        [ $# -ge 2 ] || { usage >&2; exit 2; }
        out=$2
        shift 2
        ;;
    -s | --subscription)
        [ $# -ge 2 ] || { usage >&2; exit 2; }
        only+=("$2")
        shift 2
        ;;
    --no-graph)
        use_graph=0
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        usage >&2
        exit 2
        ;;
    esac
done

guid_re='^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'
for id in ${only[@]+"${only[@]}"}; do
    if ! [[ $id =~ $guid_re ]]; then
        printf 'collect.sh: not a subscription id: %q\n' "$id" >&2
        exit 2
    fi
done

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
[ -n "$out" ] || out="kvaudit-evidence-$(date -u +%Y%m%dT%H%M%SZ)"
if [ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
    printf 'collect.sh: %s exists and is not empty\n' "$out" >&2
    exit 2
fi
mkdir -p "$out/pricings"
log="$out/collect.log"
: >"$log"
failures=()

# Run az with its JSON going to FILE: written to a temporary name first, so
# that a failed command leaves nothing kvaudit would read.
save() {
    local file=$1
    shift
    if az "$@" -o json >"$file.part" 2>>"$log"; then
        mv "$file.part" "$file"
        return 0
    fi
    rm -f "$file.part"
    failures+=("az $*")
    printf 'collect.sh: failed: az %s (see %s)\n' "$*" "$log" >&2
    return 1
}

# The skip_token of a Resource Graph page, or nothing on the last page.
skip_token() {
    local t
    t=$(sed -n 's/^  "skip_token": "\(.*\)",\{0,1\}$/\1/p' "$1" | tr -d '\r')
    if [ -n "$t" ] && ! [[ $t =~ ^[A-Za-z0-9+/=_.-]+$ ]]; then
        printf 'collect.sh: unexpected skip_token in %s\n' "$1" >&2
        return 1
    fi
    printf '%s' "$t"
}

# All pages of one Resource Graph query into PREFIX-001.json, -002, ...
graph_pages() {
    local prefix=$1 query=$2 page=1 token="" file
    local scope=()
    if [ ${#only[@]} -gt 0 ]; then
        scope=(--subscriptions "${only[@]}")
    fi
    while :; do
        file=$(printf '%s-%03d.json' "$prefix" "$page")
        if [ -n "$token" ]; then
            save "$file" graph query -q "$query" --first 1000 \
                --skip-token "$token" ${scope[@]+"${scope[@]}"} || return 0
        else
            save "$file" graph query -q "$query" --first 1000 \
                ${scope[@]+"${scope[@]}"} || return 0
        fi
        token=$(skip_token "$file") || {
            failures+=("skip_token of $file")
            return 0
        }
        [ -n "$token" ] || return 0
        page=$((page + 1))
        if [ "$page" -gt 100000 ]; then
            failures+=("$prefix: more than 100000 pages")
            return 0
        fi
    done
}

vault_query="resources | where type =~ 'microsoft.keyvault/vaults'"
vault_query+=" | project id, name, type, location, resourceGroup,"
vault_query+=" subscriptionId, tenantId, tags"
sub_query="resourcecontainers | where type =~ 'microsoft.resources/subscriptions'"
sub_query+=" | project id, name, type, subscriptionId, tenantId, tags, properties"

printf 'collect.sh: subscriptions\n' >&2
save "$out/subscriptions.json" account list --all || true

if [ ${#only[@]} -gt 0 ]; then
    subs=("${only[@]}")
else
    subs=()
    if ids=$(az account list --all --query '[].id' -o tsv 2>>"$log"); then
        while IFS= read -r id; do
            id=${id%$'\r'}
            [ -n "$id" ] || continue
            if [[ $id =~ $guid_re ]]; then
                subs+=("$id")
            else
                failures+=("not a subscription id from az account list: $id")
            fi
        done <<<"$ids"
    else
        failures+=("az account list --all --query [].id")
    fi
fi

if [ "$use_graph" -eq 1 ] &&
    ! az extension show --name resource-graph >/dev/null 2>>"$log"; then
    # Say why the fallback is taken, and how to avoid it.
    msg='the resource-graph extension is not installed: using --no-graph'
    msg="$msg (az extension add --name resource-graph)"
    printf 'collect.sh: %s\n' "$msg" >&2
    use_graph=0
fi

printf 'collect.sh: Defender pricings of %d subscription(s)\n' "${#subs[@]}" >&2
for id in ${subs[@]+"${subs[@]}"}; do
    save "$out/pricings/$id.json" security pricing list --subscription "$id" ||
        true
done

if [ "$use_graph" -eq 1 ]; then
    printf 'collect.sh: key vaults and subscription tags (Resource Graph)\n' >&2
    graph_pages "$out/keyvaults" "$vault_query"
    graph_pages "$out/subscription-tags" "$sub_query"
else
    printf 'collect.sh: key vaults and subscription tags (per subscription)\n' >&2
    mkdir -p "$out/keyvaults" "$out/tags"
    for id in ${subs[@]+"${subs[@]}"}; do
        save "$out/keyvaults/$id.json" keyvault list --subscription "$id" ||
            true
        save "$out/tags/$id.json" rest --method get --url \
            "https://management.azure.com/subscriptions/$id?api-version=2022-12-01" ||
            true
    done
fi

{
    printf 'kvaudit evidence collection\n'
    printf 'collected_at: %s\n' "$started"
    printf 'finished_at: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'collected_by: %s\n' \
        "$(az account show --query user.name -o tsv 2>>"$log" | tr -d '\r' || true)"
    printf 'tenant: %s\n' \
        "$(az account show --query tenantId -o tsv 2>>"$log" | tr -d '\r' || true)"
    printf 'host: %s\n' "$(hostname 2>/dev/null || uname -n)"
    printf 'az_version: %s\n' \
        "$(az version --query '"azure-cli"' -o tsv 2>>"$log" | tr -d '\r' || true)"
    printf 'resource_graph: %s\n' "$([ "$use_graph" -eq 1 ] && echo yes || echo no)"
    printf 'subscriptions: %d\n' "${#subs[@]}"
    printf 'script: collect.sh\n'
    printf 'failures: %d\n' "${#failures[@]}"
    for f in ${failures[@]+"${failures[@]}"}; do
        printf '  %s\n' "$f"
    done
} >"$out/manifest.txt"

(
    cd "$out"
    files=$(find . -type f ! -name SHA256SUMS ! -name '*.part' | sed 's|^\./||' | LC_ALL=C sort)
    if command -v sha256sum >/dev/null 2>&1; then
        printf '%s\n' "$files" | while IFS= read -r f; do sha256sum -- "$f"; done >SHA256SUMS
    elif command -v shasum >/dev/null 2>&1; then
        printf '%s\n' "$files" | while IFS= read -r f; do shasum -a 256 -- "$f"; done >SHA256SUMS
    fi
)

printf 'collect.sh: %d failure(s); evidence in %s\n' "${#failures[@]}" "$out" >&2
printf 'Run on the review machine: kvaudit report -o kvaudit-report %q\n' "$out"
[ "${#failures[@]}" -eq 0 ]
