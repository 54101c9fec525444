#!/bin/sh
# Every reference input shape (DESIGN.md section 2) is read and listed in
# report.json "inputs" with its kind, record count, size and SHA-256; and
# how PATHs are expanded (sorted, .json in any case, files named
# explicitly, the exceptions register read once, kvaudit's own report).
. tests/lib.sh

AS_OF=2026-11-23

# file kind records -- counted by hand from each fixture's wrapper
EXPECTED='azureProfile.utf8bom.json subscriptions 2
cli_account_list_all.json subscriptions 3
cli_account_list_old_sp.json subscriptions 2
cli_account_list_ps51_redirect_mojibake.utf16le.json subscriptions 1
cli_account_show.json subscriptions 1
cli_graph_query_keyvaults.json vaults 2
cli_graph_query_keyvaults_legacy_array.json vaults 2
cli_graph_query_resourcecontainers_subscriptions.json subscriptions 2
cli_graph_query_security_pricings.json pricings 3
cli_keyvault_list_no_rg.json vaults 2
cli_keyvault_list_with_rg.json vaults 2
cli_security_pricing_list_legacy_array.json pricings 2
cli_security_pricing_list_object.json pricings 3
cli_security_pricing_list_object_ps51_redirect.utf16le.json pricings 3
cli_security_pricing_list_query_value_array.json pricings 2
cli_security_pricing_show_keyvaults.json pricings 1
ps51_get_azsecuritypricing_convertto_json.utf16le.json pricings 3
ps7_get_azsecuritypricing_convertto_json.json pricings 3
rest_keyvault_vaults_list_2023-07-01.json vaults 1
rest_pricings_list_2017-08-01-preview.json pricings 1
rest_pricings_list_2018-06-01.json pricings 2
rest_pricings_list_2023-01-01_compact.json pricings 3
rest_pricings_list_2024-01-01.json pricings 3
rest_pricings_list_resource_scope_2024-01-01.json pricings 2
rest_resourcegraph_resources_2021-03-01.json vaults 2
rest_resources_filter_keyvault_2015-11-01.json vaults 2
rest_subscriptions_list_2022-12-01.json subscriptions 2'

# formats_dir NAME DIR: read DIR, compare the inputs with EXPECTED.
formats_dir() {
    name=$1
    dir=$2
    o=$T_TMP/out-$name
    run_kva report -f json -o "$o" --as-of $AS_OF "$dir"
    expect_eq "$name: exit 0" 0 "$rc"
    r=$o/report.json
    if [ ! -f "$r" ]; then
        fail "$name: report.json written" "$(cat "$err")"
        return
    fi
    expect_eq "$name: every file listed, sorted, with kind and records" \
        "$(printf '%s\n' "$EXPECTED" | sed "s|^|$dir/|")" \
        "$(jq -r '.inputs[] | "\(.path) \(.kind) \(.records)"' "$r")"
    expect_eq "$name: complete" true "$(jq .complete "$r")"
    expect_eq "$name: no file skipped" 0 \
        "$(jq '[.warnings[] | select(.code == "input_skipped")] | length' "$r")"
    # sizes and hashes are those of the bytes on disk
    want=$(printf '%s\n' "$EXPECTED" | while read -r f _; do
        printf '%s %s %s\n' "$dir/$f" "$(wc -c <"$dir/$f" | tr -d ' ')" \
            "$(sha256sum "$dir/$f" | cut -c1-64)"
    done)
    expect_eq "$name: bytes and sha256" "$want" \
        "$(jq -r '.inputs[] | "\(.path) \(.bytes) \(.sha256)"' "$r")"
}

formats_dir fixtures tests/fixtures/formats
if [ -d ../shared/formats ]; then
    formats_dir shared ../shared/formats
fi

# --- how PATHs are expanded
P=$T_TMP/paths
mkdir -p "$P/b" "$P/a"
F=tests/fixtures/formats
cp "$F/cli_security_pricing_show_keyvaults.json" "$P/b/pricing.JSON"
cp "$F/cli_account_show.json" "$P/a/account.json"
cp "$F/cli_keyvault_list_no_rg.json" "$P/vaults.txt"
cp "$F/cli_account_list_all.json" "$P/a/notes.md"
run_kva report -f json -o "$T_TMP/out-paths" --as-of $AS_OF "$P" "$P/vaults.txt"
expect_eq "paths: exit 0" 0 "$rc"
expect_eq "paths: .json in any case under a directory, a named file always, sorted" \
    "$P/a/account.json subscriptions
$P/b/pricing.JSON pricings
$P/vaults.txt vaults" \
    "$(jq -r '.inputs[] | "\(.path) \(.kind)"' "$T_TMP/out-paths/report.json")"

# the same file given twice is read once
run_kva report -f json -o "$T_TMP/out-twice" --as-of $AS_OF "$P/a" "$P/a/account.json"
expect_eq "paths: a file named twice is read once" 1 \
    "$(jq '.inputs | length' "$T_TMP/out-twice/report.json")"

# --- the exceptions register: by content under PATH, or named; read once
X=$T_TMP/exc
mkdir -p "$X/estate"
cp "$F/cli_security_pricing_show_keyvaults.json" "$X/estate/pricing.json"
cat >"$X/estate/register.json" <<'EOF'
{
  "schema": "kvaudit.exceptions/1",
  "exceptions": [
    {
      "subscription_id": "00000000-1111-2222-3333-444444444444",
      "reason": "Vendor appliance, see risk acceptance",
      "owner": "Security Office",
      "expires": "2026-12-31",
      "ticket": "RISK-12"
    }
  ]
}
EOF
for how in "under PATH" "--exceptions and under PATH" \
    "--exceptions spelled differently" "--exceptions outside PATH"; do
    case $how in
    "under PATH") set -- "$X/estate" ;;
    "--exceptions and under PATH") set -- --exceptions "$X/estate/register.json" "$X/estate" ;;
    "--exceptions spelled differently") set -- --exceptions "$X/estate/../estate/register.json" "$X/estate" ;;
    "--exceptions outside PATH") set -- --exceptions "$X/estate/register.json" "$X/estate/pricing.json" ;;
    esac
    rm -rf "$T_TMP/out-exc"
    run_kva report -f json -o "$T_TMP/out-exc" --as-of $AS_OF "$@"
    expect_eq "exceptions $how: exit 0" 0 "$rc"
    r=$T_TMP/out-exc/report.json
    expect_eq "exceptions $how: listed once as exceptions" \
        "exceptions 1" \
        "$(jq -r '[.inputs[] | select(.kind == "exceptions")] | "\(.[0].kind) \(length)"' "$r")"
    expect_eq "exceptions $how: register read" "RISK-12" \
        "$(jq -r '.exceptions[0].ticket' "$r")"
done

# --- kvaudit's own report under PATH is listed as kind "report", not read
R=$T_TMP/own
mkdir -p "$R"
cp "$F/cli_security_pricing_show_keyvaults.json" "$R/pricing.json"
run_kva report -f json -o "$R/previous" --as-of $AS_OF "$R/pricing.json"
run_kva report -f json -o "$T_TMP/out-own" --as-of $AS_OF "$R"
expect_eq "own report: exit 0" 0 "$rc"
expect_eq "own report: listed as report" \
    "$R/previous/report.json report 0
$R/pricing.json pricings 1" \
    "$(jq -r '.inputs[] | "\(.path) \(.kind) \(.records)"' "$T_TMP/out-own/report.json")"
expect_eq "own report: not evidence" 1 \
    "$(jq '.kpis.subscriptions_total' "$T_TMP/out-own/report.json")"

# --- valid JSON of no known kind: listed as unknown, with a warning
U=$T_TMP/unknown
mkdir -p "$U"
printf '{"hello": "world"}\n' >"$U/other.json"
cp "$F/cli_security_pricing_show_keyvaults.json" "$U/pricing.json"
run_kva report -f json -o "$T_TMP/out-unknown" --as-of $AS_OF "$U"
expect_eq "unknown content: exit 0 (not an error)" 0 "$rc"
expect_eq "unknown content: kind unknown" "unknown 0" \
    "$(jq -r --arg p "$U/other.json" '.inputs[] | select(.path == $p) | "\(.kind) \(.records)"' "$T_TMP/out-unknown/report.json")"
expect_eq "unknown content: a warning names the file" 1 \
    "$(jq --arg p "$U/other.json" '[.warnings[] | select(.path == $p)] | length' "$T_TMP/out-unknown/report.json")"
expect_eq "unknown content: complete" true \
    "$(jq .complete "$T_TMP/out-unknown/report.json")"
check "unknown content: warning on stderr" \
    grep -q "^kvaudit: $U/other.json: warning: " "$err"

finish
