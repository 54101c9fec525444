#!/bin/sh
# The benchmark's tools: bench/gen-tenant.c writes a deterministic estate in
# the real CLI shapes, bench/measure.c records wall time, CPU and peak RSS,
# the jq programs of bench/jq extract what issue 7 says, and bench/bench.sh
# prints its figures as "name: value" lines (run here at smoke size).
. tests/lib.sh

AS_OF=2026-11-23
CC=${CC:-cc}
FLAGS="-std=c11 -O2 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes
 -Wmissing-prototypes -Wformat=2 -Werror -D_POSIX_C_SOURCE=200809L
 -D_XOPEN_SOURCE=700"
GEN=$T_TMP/gen-tenant
MEASURE=$T_TMP/measure

# shellcheck disable=SC2086
check "gen-tenant.c compiles without a warning" \
    $CC $FLAGS -o "$GEN" bench/gen-tenant.c
# shellcheck disable=SC2086
check "measure.c compiles without a warning" \
    $CC $FLAGS -o "$MEASURE" bench/measure.c
if [ ! -x "$GEN" ] || [ ! -x "$MEASURE" ]; then
    finish
fi

# tree_sum DIR: one checksum over every file's path and bytes.
tree_sum() {
    (cd "$1" && find . -type f | LC_ALL=C sort | while read -r f; do
        printf '%s ' "$f"
        sha256sum <"$f"
    done) | sha256sum | cut -d' ' -f1
}

# Command line.

"$GEN" --version >"$T_TMP/v" 2>&1
expect_eq "--version names the generator and its version" \
    "gen-tenant" "$(cut -d' ' -f1 "$T_TMP/v")"

# usage_case NAME ARGS...: exit 2, a message, and nothing written.
usage_case() {
    n=$1
    shift
    rm -rf "$T_TMP/u"
    "$GEN" "$@" >/dev/null 2>"$T_TMP/u.err"
    got=$?
    if [ "$got" -eq 2 ] && [ -s "$T_TMP/u.err" ] && [ ! -e "$T_TMP/u" ]; then
        ok "usage error: $n"
    else
        fail "usage error: $n" "exit $got, stderr: $(cat "$T_TMP/u.err")"
    fi
}
usage_case "no OUTDIR"
usage_case "unknown option" --colour "$T_TMP/u"
usage_case "two OUTDIRs" "$T_TMP/u" "$T_TMP/v2"
usage_case "--subs not a number" --subs 12x "$T_TMP/u"
usage_case "--subs negative" --subs -3 "$T_TMP/u"
usage_case "--subs zero" --subs 0 "$T_TMP/u"
usage_case "--subs missing its value" --subs
usage_case "--vaults too large for a vault name" --vaults 100000000 "$T_TMP/u"
usage_case "--seed beyond 64 bits" --seed 18446744073709551616 "$T_TMP/u"
usage_case "--exceptions above --subs" --subs 5 --exceptions 6 "$T_TMP/u"
usage_case "--as-of not a date" --as-of 2026-02-30 "$T_TMP/u"
usage_case "--as-of as a time" --as-of 2026-11-23T00:00:00Z "$T_TMP/u"
usage_case "--vault-pages zero" --vault-pages 0 "$T_TMP/u"
usage_case "--vault-pages above --vaults" --vaults 2 --vault-pages 3 "$T_TMP/u"

mkdir -p "$T_TMP/full"
echo keep >"$T_TMP/full/old.json"
"$GEN" --subs 3 --vaults 3 --exceptions 1 "$T_TMP/full" 2>"$T_TMP/full.err"
got=$?
if [ $got -eq 1 ] && grep -q "not empty" "$T_TMP/full.err" &&
    [ "$(ls "$T_TMP/full")" = old.json ]; then
    ok "a non-empty OUTDIR is refused and left as it was"
else
    fail "a non-empty OUTDIR is refused and left as it was" \
        "exit $got: $(cat "$T_TMP/full.err"); $(ls "$T_TMP/full")"
fi

# Determinism.

tiny() { # DIR [ARGS...]
    d=$1
    shift
    "$GEN" --subs 40 --vaults 300 --exceptions 10 --seed 7 --as-of "$AS_OF" \
        "$@" "$d"
}
tiny "$T_TMP/a"
tiny "$T_TMP/b"
check "same seed, byte-identical estate" diff -r "$T_TMP/a" "$T_TMP/b"
tiny "$T_TMP/c" --seed 8
if diff -r "$T_TMP/a" "$T_TMP/c" >/dev/null 2>&1; then
    fail "another seed, another estate"
else
    ok "another seed, another estate"
fi
# Pinned bytes: the same on every machine and C library. A change to what
# the generator writes must change this sum and GEN_VERSION together (the
# benchmark's data cache is keyed on GEN_VERSION and the source).
expect_eq "the seed-7 estate has the pinned checksum" \
    "9ef1be08b95464330db444ba2136c56ffc67cfbd1260dca8c6981a039c990925" "$(tree_sum "$T_TMP/a")"
tiny "$T_TMP/norg" --no-subscriptions-rg
expect_eq "--no-subscriptions-rg leaves out only subscriptions-rg.json" \
    "Only in $T_TMP/a: subscriptions-rg.json" \
    "$(diff -r "$T_TMP/a" "$T_TMP/norg")"

tiny "$T_TMP/paged" --vault-pages 3
expect_eq "--vault-pages 3: three keyvaults-NNN.json instead of one" \
    "keyvaults-001.json keyvaults-002.json keyvaults-003.json" \
    "$(cd "$T_TMP/paged" && echo keyvaults*.json)"
expect_eq "--vault-pages: the same rows, in the same order" \
    "$(jq -c '.data[]' "$T_TMP/a/keyvaults.json" | sha256sum)" \
    "$(jq -c '.data[]' "$T_TMP"/paged/keyvaults-*.json | sha256sum)"
expect_eq "--vault-pages: each page counts its rows, names the total, and" \
    "100 300 true|100 300 true|100 300 false" \
    "$(jq -r '"\(.count) \(.total_records) \(.skip_token != null)"' \
        "$T_TMP"/paged/keyvaults-*.json | paste -sd'|' -)"
check "--vault-pages: a skip_token decodes to the rows to skip" \
    sh -c 'jq -r .skip_token "$1" | base64 -d | jq -e ".RowsToSkip == 200"' \
    sh "$T_TMP/paged/keyvaults-002.json"
expect_eq "--vault-pages: nothing else changes" \
    "$(cd "$T_TMP/a" && find . -type f ! -name 'keyvaults*' | LC_ALL=C sort |
        xargs cat | sha256sum)" \
    "$(cd "$T_TMP/paged" && find . -type f ! -name 'keyvaults*' |
        LC_ALL=C sort | xargs cat | sha256sum)"

# Shapes, on an estate large enough for the proportions.

M=$T_TMP/m
"$GEN" --subs 1000 --vaults 10000 --exceptions 100 --seed 3 --as-of "$AS_OF" \
    "$M"
check "medium estate generated" test -s "$M/keyvaults.json"

# knack's format_json: sort_keys, indent=2, ensure_ascii=False, "\n" at the
# end; jq -S prints the same bytes for the same document.
knack() {
    cat "$@" >"$T_TMP/k.raw" &&
        jq -S --indent 2 . "$@" >"$T_TMP/k.jq" 2>&1 &&
        cmp -s "$T_TMP/k.raw" "$T_TMP/k.jq"
}
check "accounts.json in knack's layout" knack "$M/accounts.json"
check "keyvaults.json in knack's layout" knack "$M/keyvaults.json"
check "subscriptions-rg.json in knack's layout" knack "$M/subscriptions-rg.json"
check "every pricing dump in knack's layout" knack "$M"/pricings/*.json

GUID='^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'

# jqcheck NAME FILE... -- PROGRAM: pass when PROGRAM prints true.
jqcheck() {
    n=$1
    shift
    files=""
    while [ "$1" != -- ]; do
        files="$files $1"
        shift
    done
    shift
    # shellcheck disable=SC2086
    got=$(jq -n --arg guid "$GUID" --arg asof "$AS_OF" "$1" $files 2>&1)
    if [ "$got" = true ]; then ok "$n"; else fail "$n" "$got"; fi
}

jqcheck "accounts: 1000 subscriptions, unique lower-case v4 GUIDs" \
    "$M/accounts.json" -- '[inputs] | .[0]
    | length == 1000 and ([.[].id | test($guid)] | all)
      and ([.[].id] | unique | length) == 1000'
jqcheck "accounts: the fields of az account list --all, one default" \
    "$M/accounts.json" -- 'input
    | ([.[] | keys] | unique) == [["cloudName","homeTenantId","id",
        "isDefault","managedByTenants","name","state","tenantDefaultDomain",
        "tenantDisplayName","tenantId","user"]]
      and ([.[] | select(.isDefault)] | length) == 1
      and ([.[] | .homeTenantId == .tenantId] | all)'
jqcheck "accounts: 2-3 tenants, names like 'Contoso Workload 0042 Prod'" \
    "$M/accounts.json" -- 'input
    | ([.[].tenantId] | unique | length) as $t | $t >= 2 and $t <= 3
      and ([.[].name | test("^(Contoso|Fabrikam|Northwind Traders) Workload [0-9]{4} (Prod|Staging|Test|Dev|Sandbox)$")] | all)'
jqcheck "accounts: Enabled or Disabled, about 2 % Disabled" \
    "$M/accounts.json" -- 'input
    | ([.[].state] | unique - ["Enabled","Disabled"]) == []
      and ([.[] | select(.state == "Disabled")] | length) as $d
      | $d >= 8 and $d <= 35'

ls "$M/pricings" | sed 's/\.json$//' | LC_ALL=C sort >"$T_TMP/dumps"
jq -r '.[].id' "$M/accounts.json" | LC_ALL=C sort >"$T_TMP/subs"
n_dumps=$(wc -l <"$T_TMP/dumps" | tr -d ' ')
if [ "$n_dumps" -ge 950 ] && [ "$n_dumps" -le 988 ]; then
    ok "about 3 % of subscriptions have no pricing dump ($n_dumps of 1000)"
else
    fail "about 3 % of subscriptions have no pricing dump" "$n_dumps of 1000"
fi
expect_eq "every pricing dump is named after a listed subscription" "" \
    "$(LC_ALL=C comm -23 "$T_TMP/dumps" "$T_TMP/subs")"

PLANS='["AI","Api","AppServices","Arm","CloudPosture","Containers","CosmosDbs","Dns","KeyVaults","KubernetesService","OpenSourceRelationalDatabases","SqlServerVirtualMachines","SqlServers","StorageAccounts","VirtualMachines"]'
# The dumps as one array of {file, value}, for the checks below.
jq -c '{file: (input_filename | sub(".*/"; "") | sub("\\.json$"; "")),
        dump: .}' "$M"/pricings/*.json | jq -s . >"$T_TMP/dumps.json"
jqcheck "pricings: 15 plans each, as az security pricing list names them" \
    "$T_TMP/dumps.json" -- "input | map(.dump.value | map(.name) | sort)
    | unique == [$PLANS]"
jqcheck "pricings: every id names the dump's subscription and the plan" \
    "$T_TMP/dumps.json" -- 'input | map(.file as $s | .dump.value[]
    | .id == "/subscriptions/\($s)/providers/Microsoft.Security/pricings/\(.name)"
      and .type == "Microsoft.Security/pricings") | all'
jqcheck "pricings: the flattened Pricing fields, nulls kept" \
    "$T_TMP/dumps.json" -- 'input | [.[].dump.value[] | keys] | unique
    == [["deprecated","enablementTime","extensions","freeTrialRemainingTime",
         "id","name","pricingTier","replacedBy","subPlan","type"]]'
jqcheck "pricings: Free has no enablementTime, Standard an isoformat() one" \
    "$T_TMP/dumps.json" -- 'input | [.[].dump.value[]
    | if .pricingTier == "Free" then .enablementTime == null
        and .subPlan == null and .extensions == null
      else .pricingTier == "Standard" and (.enablementTime
        | test("^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{6})?\\+00:00$"))
      end] | all'
jqcheck "pricings: freeTrialRemainingTime in the CLI's timedelta form" \
    "$T_TMP/dumps.json" -- 'input | [.[].dump.value[].freeTrialRemainingTime
    | test("^([0-9]+ days?, )?[0-9]{1,2}:[0-5][0-9]:[0-5][0-9]$")] | all'
jqcheck "pricings: KubernetesService and Dns deprecated, Free" \
    "$T_TMP/dumps.json" -- 'input | [.[].dump.value[]
    | select(.deprecated == true) | [.name, .replacedBy, .pricingTier]]
    | unique == [["Dns",["VirtualMachines"],"Free"],
                 ["KubernetesService",["Containers"],"Free"]]'
jqcheck "KeyVaults: about 25 % Free, Standard mostly PerKeyVault" \
    "$T_TMP/dumps.json" -- 'input | [.[].dump.value[]
    | select(.name == "KeyVaults")] as $kv
    | ($kv | length) as $n
    | ([$kv[] | select(.pricingTier == "Free")] | length) as $free
    | ([$kv[] | select(.subPlan == "PerTransaction")] | length) as $pt
    | ([$kv[] | select(.pricingTier == "Standard")] | length) as $std
    | $free >= 0.20 * $n and $free <= 0.32 * $n and $pt >= 1
      and $pt <= 0.1 * $std
      and ([$kv[] | select(.pricingTier == "Standard") | .subPlan]
           | unique) == ["PerKeyVault","PerTransaction"]'
jqcheck "KeyVaults: a few Standard plans are in their 30-day trial" \
    "$T_TMP/dumps.json" -- 'input | [.[].dump.value[]
    | select(.name == "KeyVaults" and .pricingTier == "Standard"
             and .freeTrialRemainingTime != "0:00:00")] | length > 5'

jqcheck "keyvaults: count, total_records and data agree, skip_token null" \
    "$M/keyvaults.json" -- 'input
    | .count == 10000 and .total_records == 10000
      and (.data | length) == 10000 and .skip_token == null
      and (keys == ["count","data","skip_token","total_records"])'
jqcheck "keyvaults: full Resource Graph rows" \
    "$M/keyvaults.json" -- 'input | [.data[] | keys] | unique
    == [["extendedLocation","id","identity","kind","location","managedBy",
         "name","plan","properties","resourceGroup","sku","subscriptionId",
         "tags","tenantId","type","zones"]]'
jqcheck "keyvaults: names unique, valid, in the id and the vaultUri" \
    "$M/keyvaults.json" -- 'input | .data
    | ([.[].name] | unique | length) == 10000
      and ([.[] | . as $v | (.name | test("^[a-z][a-z0-9-]{1,22}[a-z0-9]$"))
           and (.id | endswith("/providers/Microsoft.KeyVault/vaults/"
                                + $v.name))
           and .properties.vaultUri == "https://\(.name).vault.azure.net/"
           and .type == "microsoft.keyvault/vaults"] | all)'
jqcheck "keyvaults: id, subscriptionId and resourceGroup agree" \
    "$M/keyvaults.json" -- 'input | [.data[]
    | (.id | split("/")) as $p
    | $p[2] == .subscriptionId and ($p[4] | ascii_downcase) == .resourceGroup]
    | all'
jqcheck "keyvaults: only in Enabled subscriptions, their tenant's" \
    "$M/accounts.json" "$M/keyvaults.json" -- 'input as $a | input
    | ($a | map({(.id): .}) | add) as $by
    | [.data[] | $by[.subscriptionId] as $s
       | $s.state == "Enabled" and $s.tenantId == .tenantId
         and .properties.tenantId == .tenantId] | all'
jqcheck "keyvaults: spread unevenly, some subscriptions hold none" \
    "$M/accounts.json" "$M/keyvaults.json" -- 'input as $a | input
    | [.data | group_by(.subscriptionId)[] | length] as $n
    | ($n | max) >= 10 * (10000 / ($n | length))
      and ($n | length) < ([$a[] | select(.state == "Enabled")] | length)'
jqcheck "keyvaults: owner and environment tags, a few vaults untagged" \
    "$M/keyvaults.json" -- 'input | .data
    | ([.[] | select(.tags == null or .tags == {})] | length) as $none
    | ([.[] | select(.tags.owner != null and .tags.environment != null)]
       | length) as $both
    | $none >= 200 and $none <= 1000 and $both >= 8000
      and ([.[].tags // {} | keys[]] | unique) == ["environment","owner"]'

jqcheck "subscriptions-rg: resourcecontainers rows for every subscription" \
    "$M/accounts.json" "$M/subscriptions-rg.json" -- 'input as $a | input
    | .count == 1000 and .total_records == 1000
      and ([.data[] | [.subscriptionId, .properties.state, .name,
                       .type, .id]] | sort)
          == ([$a[] | [.id, .state, .name, "microsoft.resources/subscriptions",
                       "/subscriptions/\(.id)"]] | sort)'
jqcheck "subscriptions-rg: management group chains end at the tenant root" \
    "$M/subscriptions-rg.json" -- 'input | ([.data[]
    | .properties.managementGroupAncestorsChain as $c
    | ($c | length) >= 3 and $c[-1].displayName == "Tenant Root Group"
      and $c[-1].name == .tenantId] | all)
      and ([.data[].properties.managementGroupAncestorsChain[0].displayName]
           | unique | length) >= 5'
jqcheck "subscriptions-rg: owner/environment tags, some untagged" \
    "$M/subscriptions-rg.json" -- 'input | .data
    | ([.[] | select(.tags == {})] | length) as $none
    | $none >= 20 and $none <= 200
      and ([.[].tags | keys[]] | unique) == ["environment","owner"]'

jqcheck "exceptions: the kvaudit.exceptions/1 register, 100 entries" \
    "$M/exceptions.json" -- 'input
    | .schema == "kvaudit.exceptions/1" and (.exceptions | length) == 100
      and ([.exceptions[] | (.subscription_id | ascii_downcase | test($guid))
            and (.reason | length) > 0 and (.owner | length) > 0
            and (.expires | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))] | all)'
jqcheck "exceptions: exactly half expired on --as-of, some expiring soon" \
    "$M/exceptions.json" -- 'input | .exceptions
    | ([.[] | select(.expires < $asof)] | length) == 50
      and ([.[] | select(.expires >= $asof and .expires < "2026-12-23")]
           | length) >= 1'
jqcheck "exceptions: one per subscription, mostly those with Free KeyVaults" \
    "$M/exceptions.json" "$T_TMP/dumps.json" -- 'input as $e | input
    | [.[] | select(any(.dump.value[]; .name == "KeyVaults"
                        and .pricingTier == "Free")) | .file] as $free
    | [$e.exceptions[].subscription_id | ascii_downcase] as $ids
    | ($ids | unique | length) == 100
      and ([$ids[] | select(. as $i | $free | index([$i]))] | length) >= 75'
jqcheck "exceptions: every subscription is a listed one" \
    "$M/accounts.json" "$M/exceptions.json" -- 'input as $a | input
    | ([$a[].id]) as $ids
    | [.exceptions[].subscription_id | ascii_downcase
       | . as $i | $ids | index([$i]) != null] | all'

# The jq extraction of issue 7.

top=$(pwd)
(cd "$M" && jq -r -f "$top/bench/jq/keyvaults-tier.jq" pricings/*.json) \
    >"$T_TMP/x1"
expect_eq "keyvaults-tier.jq: one line per pricing dump" \
    "$n_dumps" "$(wc -l <"$T_TMP/x1" | tr -d ' ')"
expect_eq "keyvaults-tier.jq: the tiers of the dumps" \
    "$(jq -r '.[] | .file as $s | .dump.value[] | select(.name == "KeyVaults")
              | "\($s)\t\(.pricingTier)"' "$T_TMP/dumps.json" | sort)" \
    "$(sort "$T_TMP/x1")"
jq -r -f bench/jq/vaults-per-subscription.jq "$M/keyvaults.json" \
    >"$T_TMP/x2"
expect_eq "vaults-per-subscription.jq: the counts add up to every vault" \
    "10000" "$(awk -F'\t' '{ s += $2 } END { print s }' "$T_TMP/x2")"
expect_eq "vaults-per-subscription.jq: the same counts as group_by" \
    "$(jq -r '.data | group_by(.subscriptionId)[]
              | "\(.[0].subscriptionId)\t\(length)"' "$M/keyvaults.json")" \
    "$(sort "$T_TMP/x2")"
jq -r -f bench/jq/account-states.jq "$M/accounts.json" >"$T_TMP/x3"
expect_eq "account-states.jq: one line per subscription, its state" \
    "$(jq -r '.[] | "\(.id)\t\(.state)"' "$M/accounts.json")" \
    "$(cut -f1,2 "$T_TMP/x3")"

# kvaudit reads every file of the estate.

run_kva report -f json -q --as-of "$AS_OF" -o "$T_TMP/rep" "$T_TMP/a"
expect_eq "kvaudit reads the generated estate (exit 0)" 0 "$rc"
if [ -f "$T_TMP/rep/report.json" ]; then
    expect_eq "kvaudit: every subscription, vault and exception counted" \
        "40 300 10" \
        "$(jq -r '"\(.kpis.subscriptions_total) \([.vaults[]] | length) \(.exceptions | length)"' \
            "$T_TMP/rep/report.json")"
    expect_eq "kvaudit: each file recognised as what it imitates" \
        "accounts.json subscriptions
exceptions.json exceptions
keyvaults.json vaults
pricings pricings
subscriptions-rg.json subscriptions" \
        "$(jq -r '.inputs[] | (.path | sub(".*/a/"; "")
                  | sub("^pricings/.*"; "pricings")) + " " + .kind' \
            "$T_TMP/rep/report.json" | sort -u)"
else
    fail "kvaudit: every subscription, vault and exception counted" \
        "$(cat "$err")"
    fail "kvaudit: each file recognised as what it imitates" "no report"
fi
run_kva report -f json -q --as-of "$AS_OF" -o "$T_TMP/rep-paged" \
    "$T_TMP/paged"
expect_eq "kvaudit reads a paged vault dump: the same vaults" \
    "$(jq -c '[.vaults[] | [.id, .covered, .owner, .environment]]' \
        "$T_TMP/rep/report.json" 2>&1)" \
    "$(jq -c '[.vaults[] | [.id, .covered, .owner, .environment]]' \
        "$T_TMP/rep-paged/report.json" 2>&1)"

# measure and bench.sh.

"$MEASURE" "$T_TMP/mres" sh -c 'exit 3'
got=$?
expect_eq "measure passes the command's exit status on" 3 "$got"
check "measure writes 'WALL MAXRSS_KB STATUS CPU'" \
    grep -Eq '^[0-9]+\.[0-9]{3} [1-9][0-9]* 3 [0-9]+\.[0-9]{3}$' "$T_TMP/mres"
"$MEASURE" "$T_TMP/mres" "$T_TMP/no-such-command" 2>/dev/null
expect_eq "measure: a command that cannot run is status 127" \
    127 "$(cut -d' ' -f3 "$T_TMP/mres")"
"$MEASURE" "$T_TMP/mres" "$GEN" --subs 3000 --vaults 100 --exceptions 1 \
    "$T_TMP/rss"
rss=$(cut -d' ' -f2 "$T_TMP/mres")
if [ "$rss" -ge 1000 ] && [ "$rss" -lt 200000 ]; then
    ok "measure reports the child's peak RSS in KB ($rss)"
else
    fail "measure reports the child's peak RSS in KB" "$rss"
fi

BD=$T_TMP/bench-data
bench() { # ROUNDS [SEED]
    BUILD=$BUILD BENCH=smoke BENCH_DATA=$BD ROUNDS=$1 SEED=${2:-1} \
        sh bench/bench.sh >"$T_TMP/bench.out" 2>"$T_TMP/bench.err"
}
bench 3
expect_eq "bench.sh (smoke) runs" 0 $?
names="bench machine_nproc machine_cpu machine_memory_mb kvaudit_version
jq_version generator rounds formats data_dir data_subscriptions data_vaults
data_exceptions data_files data_bytes data_mb kvaudit_median_s kvaudit_min_s
kvaudit_max_s kvaudit_cpu_median_s kvaudit_peak_rss_mb kvaudit_phase_read_s
kvaudit_phase_evaluate_s kvaudit_phase_total_s jq_median_s jq_min_s jq_max_s
jq_cpu_median_s jq_peak_rss_mb ratio_kvaudit_jq ratio_kvaudit_jq_cpu
target_ratio_max target_ratio_met
target_rss_max_mb target_rss_met output_report.json_bytes
output_report.pdf_bytes output_report.xlsx_bytes output_SHA256SUMS_bytes
report_subscriptions_total report_vaults_total"
missing=""
for n in $names; do
    grep -q "^$n: ." "$T_TMP/bench.out" || missing="$missing $n"
done
expect_eq "bench.sh prints every figure as 'name: value'" "" "$missing"
check "bench.sh prints nothing else on stdout" \
    sh -c '! grep -v "^[a-z0-9_.A-Z]*: ." "$1"' sh "$T_TMP/bench.out"
val() { sed -n "s/^$1: //p" "$T_TMP/bench.out"; }
expect_eq "bench.sh: 3 rounds, the smoke tenant read whole" \
    "3 60 400" "$(val rounds) $(val report_subscriptions_total) $(val report_vaults_total)"
check "bench.sh: wall times are numbers, min <= median <= max" \
    awk -v a="$(val kvaudit_min_s)" -v b="$(val kvaudit_median_s)" \
    -v c="$(val kvaudit_max_s)" 'BEGIN { exit !(a > 0 && a <= b && b <= c) }'
check "bench.sh: the ratio is kvaudit's median over jq's" \
    awk -v k="$(val kvaudit_median_s)" -v j="$(val jq_median_s)" \
    -v r="$(val ratio_kvaudit_jq)" \
    'BEGIN { d = k / j - r; exit !(j > 0 && d < 0.002 && d > -0.002) }'
grep -q "generating" "$T_TMP/bench.err"
expect_eq "bench.sh generates its data on the first run" 0 $?
bench 1
grep -q "generating" "$T_TMP/bench.err"
expect_eq "bench.sh reuses data whose stamp matches" 1 $?
bench 1 2
grep -q "generating" "$T_TMP/bench.err"
expect_eq "bench.sh regenerates when the seed changes" 0 $?
BUILD=$BUILD BENCH=huge sh bench/bench.sh >/dev/null 2>&1
expect_eq "bench.sh: an unknown BENCH is a usage error" 2 $?

finish
