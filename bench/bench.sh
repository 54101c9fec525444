#!/bin/sh
# make bench: generate a synthetic tenant once, then time kvaudit on it.
#
#   BENCH=1x   (default) the large tenant: 5,000 subscriptions, 100,000
#              vaults, 500 exceptions. Alternates, ROUNDS times each, the
#              jq extraction of issue 7 (three jq calls, when jq is
#              installed) and `kvaudit report -f xlsx,pdf,json`.
#   BENCH=4x   linearity: alternates kvaudit on the large tenant and on one
#              four times its size (20,000 / 400,000 / 2,000).
#   BENCH=10x  scale: kvaudit on 50,000 / 1,000,000 / 5,000 (ROUNDS
#              defaults to 1 there). Its vault dump is written as two
#              pages: one file would be 1.2 GB, over the 1 GiB input
#              limit of DESIGN.md section 2.
#   BENCH=smoke  the 1x measurements on a 60-subscription tenant, for the
#              test suite (tests/bench/run-bench.sh).
#
# Environment: BUILD (where kvaudit is, default build), ROUNDS, SEED, CC,
# KVA (the binary, default $BUILD/kvaudit), BENCH_DATA (default bench/data).
# Data lives in $BENCH_DATA/NAME with a stamp beside it naming the
# generator's version, source checksum and arguments: it is regenerated only
# when that stamp differs.
#
# Output: one "name: value" line per figure, names stable over time, so
# that two runs can be compared with diff. Targets are printed beside the
# figures (DESIGN.md section 7, issue 7); missing one is not an error.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
BENCH=${BENCH:-1x}
SEED=${SEED:-1}
CC=${CC:-cc}
KVA=${KVA:-$BUILD/kvaudit}
BENCH_DATA=${BENCH_DATA:-bench/data}
AS_OF=2026-11-23
FORMATS=xlsx,pdf,json

case $BENCH in
1x | 4x | smoke) ROUNDS=${ROUNDS:-5} ;;
10x) ROUNDS=${ROUNDS:-1} ;;
*)
    echo "bench: BENCH must be 1x, 4x, 10x or smoke (got '$BENCH')" >&2
    exit 2
    ;;
esac
case $ROUNDS in
'' | *[!0-9]* | 0)
    echo "bench: ROUNDS must be a positive number" >&2
    exit 2
    ;;
esac

if [ ! -x "$KVA" ]; then
    echo "bench: $KVA not found: run make first" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kva-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# The two helpers are built here, not by the Makefile, so that the script
# also runs on its own; they need nothing beyond libc.
tools=$BUILD/bench
mkdir -p "$tools"
for t in gen-tenant measure; do
    if [ ! -x "$tools/$t" ] || [ "bench/$t.c" -nt "$tools/$t" ]; then
        $CC -std=c11 -O2 -Wall -Wextra -D_POSIX_C_SOURCE=200809L \
            -D_XOPEN_SOURCE=700 -o "$tools/$t" "bench/$t.c"
    fi
done
GEN=$tools/gen-tenant
MEASURE=$tools/measure

# data NAME SUBS VAULTS EXCEPTIONS [PAGES]: make $BENCH_DATA/NAME hold that
# tenant, its vault dump in PAGES files (default 1).
data() {
    dir=$BENCH_DATA/$1
    pages=${5:-1}
    stamp="$("$GEN" --version) $(cksum <bench/gen-tenant.c | cut -d' ' -f1)"
    stamp="$stamp subs=$2 vaults=$3 exceptions=$4 pages=$pages seed=$SEED"
    stamp="$stamp as-of=$AS_OF"
    if [ -d "$dir" ] && [ -f "$dir.stamp" ] &&
        [ "$(cat "$dir.stamp")" = "$stamp" ]; then
        return 0
    fi
    echo "bench: generating $dir ($2 subscriptions, $3 vaults)" >&2
    rm -rf "$dir" "$dir.stamp"
    mkdir -p "$BENCH_DATA"
    "$GEN" --subs "$2" --vaults "$3" --exceptions "$4" --vault-pages "$pages" \
        --seed "$SEED" --as-of "$AS_OF" "$dir"
    echo "$stamp" >"$dir.stamp"
}

# stats FILE: "median min max" of the numbers in FILE, one per line.
stats() {
    sort -n "$1" | awk '{ v[NR] = $1 }
        END {
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.3f %.3f %.3f\n", m, v[1], v[NR]
        }'
}

# run_kva NAME DIR: one timed round; appends wall seconds to NAME.wall,
# CPU seconds to NAME.cpu, peak RSS in KB to NAME.rss and each phase's
# wall time to NAME.phase.
run_kva() {
    out=$tmp/out-$1
    rm -rf "$out"
    if ! "$MEASURE" "$tmp/m" "$KVA" report -f "$FORMATS" --timings \
        --as-of "$AS_OF" -o "$out" "$2" >"$tmp/kva.out" 2>"$tmp/kva.err"; then
        rc=$(cut -d' ' -f3 "$tmp/m" 2>/dev/null || echo '?')
        echo "bench: kvaudit failed on $2 (exit $rc):" >&2
        tail -20 "$tmp/kva.err" >&2
        exit 1
    fi
    cut -d' ' -f1 "$tmp/m" >>"$tmp/$1.wall"
    cut -d' ' -f2 "$tmp/m" >>"$tmp/$1.rss"
    cut -d' ' -f4 "$tmp/m" >>"$tmp/$1.cpu"
    sed -n 's/^kvaudit: time: \(.*\) \([0-9.]*\) s$/\1 \2/p' "$tmp/kva.err" |
        tr ' ' '_' | sed 's/_\([0-9.]*\)$/ \1/' >>"$tmp/$1.phase"
}

# The three extractions of issue 7, in one timed command.
run_jq() {
    if ! "$MEASURE" "$tmp/m" sh -c '
        cd "$1" &&
        jq -r -f "$2/keyvaults-tier.jq" pricings/*.json >"$3/jq1" &&
        jq -r -f "$2/vaults-per-subscription.jq" keyvaults.json >"$3/jq2" &&
        jq -r -f "$2/account-states.jq" accounts.json >"$3/jq3"' \
        jq-extraction "$1" "$top/bench/jq" "$tmp" 2>"$tmp/jq.err"; then
        echo "bench: the jq extraction failed:" >&2
        tail -5 "$tmp/jq.err" >&2
        exit 1
    fi
    cut -d' ' -f1 "$tmp/m" >>"$tmp/jq.wall"
    cut -d' ' -f2 "$tmp/m" >>"$tmp/jq.rss"
    cut -d' ' -f4 "$tmp/m" >>"$tmp/jq.cpu"
}

mb() { # KB -> MB, one decimal
    awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'
}
peak_kb() {
    sort -n "$1" | tail -1
}
ratio() { # a b -> a / b
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (b + 0 > 0) printf "%.3f\n", a / b; else print "none" }'
}
at_most() { # value limit -> yes/no
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a ~ /^[0-9.]+$/ && a + 0 <= b + 0) print "yes"; else print "no" }'
}

machine() {
    echo "machine_nproc: $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')"
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null |
        head -1)
    echo "machine_cpu: ${cpu:-unknown}"
    mem=$(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo 2>/dev/null)
    echo "machine_memory_mb: $(mb "${mem:-0}" | cut -d. -f1)"
    echo "kvaudit_version: $("$KVA" --version | head -1)"
    if command -v jq >/dev/null 2>&1; then
        echo "jq_version: $(jq --version)"
    else
        echo "jq_version: none"
    fi
    echo "generator: $("$GEN" --version)"
}

# describe TAG DIR SUBS VAULTS EXCEPTIONS
describe() {
    echo "data_${1}dir: $2"
    echo "data_${1}subscriptions: $3"
    echo "data_${1}vaults: $4"
    echo "data_${1}exceptions: $5"
    echo "data_${1}files: $(find "$2" -type f -name '*.json' | wc -l | tr -d ' ')"
    # Bytes of JSON, not blocks on disk: the same on every file system.
    bytes=$(find "$2" -type f -name '*.json' -exec wc -c {} + |
        awk '$2 != "total" { s += $1 } END { printf "%.0f\n", s }')
    echo "data_${1}bytes: $bytes"
    echo "data_${1}mb: $(awk -v b="$bytes" 'BEGIN { printf "%.1f\n", b / 1048576 }')"
}

# kva_figures NAME PREFIX: median/min/max, peak RSS and phases of NAME.
kva_figures() {
    set -- "$1" "$2" $(stats "$tmp/$1.wall")
    echo "${2}median_s: $3"
    echo "${2}min_s: $4"
    echo "${2}max_s: $5"
    echo "${2}cpu_median_s: $(stats "$tmp/$1.cpu" | cut -d' ' -f1)"
    echo "${2}peak_rss_mb: $(mb "$(peak_kb "$tmp/$1.rss")")"
    for p in $(cut -d' ' -f1 "$tmp/$1.phase" | awk '!seen[$0]++'); do
        awk -v p="$p" '$1 == p { print $2 }' "$tmp/$1.phase" >"$tmp/p"
        echo "${2}phase_${p}_s: $(stats "$tmp/p" | cut -d' ' -f1)"
    done
}

outputs() { # NAME
    for f in $(ls "$tmp/out-$1" | LC_ALL=C sort); do
        echo "output_${f}_bytes: $(wc -c <"$tmp/out-$1/$f" | tr -d ' ')"
    done
    if command -v jq >/dev/null 2>&1; then
        jq -r '"report_subscriptions_total: \(.kpis.subscriptions_total)",
               "report_vaults_total: \(.kpis.vaults_total)",
               "report_warnings: \(.warnings | length)",
               "report_verdict: \(.verdict)"' "$tmp/out-$1/report.json"
    fi
}

# one_x NAME SUBS VAULTS EXCEPTIONS: the default benchmark, jq vs kvaudit.
one_x() {
    data "$1" "$2" "$3" "$4"
    describe "" "$BENCH_DATA/$1" "$2" "$3" "$4"
    have_jq=no
    command -v jq >/dev/null 2>&1 && have_jq=yes
    i=0
    while [ $i -lt "$ROUNDS" ]; do
        [ $have_jq = yes ] && run_jq "$BENCH_DATA/$1"
        run_kva 1x "$BENCH_DATA/$1"
        i=$((i + 1))
    done
    kva_figures 1x kvaudit_
    if [ $have_jq = yes ]; then
        set -- $(stats "$tmp/jq.wall")
        echo "jq_median_s: $1"
        echo "jq_min_s: $2"
        echo "jq_max_s: $3"
        jcpu=$(stats "$tmp/jq.cpu" | cut -d' ' -f1)
        echo "jq_cpu_median_s: $jcpu"
        echo "jq_peak_rss_mb: $(mb "$(peak_kb "$tmp/jq.rss")")"
        k=$(stats "$tmp/1x.wall" | cut -d' ' -f1)
        r=$(ratio "$k" "$1")
        kcpu=$(stats "$tmp/1x.cpu" | cut -d' ' -f1)
        rcpu=$(ratio "$kcpu" "$jcpu")
    else
        echo "jq_median_s: none"
        r=none
        rcpu=none
    fi
    echo "ratio_kvaudit_jq: $r"
    echo "ratio_kvaudit_jq_cpu: $rcpu"
    echo "target_ratio_max: 0.4"
    echo "target_ratio_met: $(at_most "$r" 0.4)"
    rss=$(mb "$(peak_kb "$tmp/1x.rss")")
    echo "target_rss_max_mb: 300"
    echo "target_rss_met: $(at_most "$rss" 300)"
    outputs 1x
}

echo "bench: $BENCH"
machine
echo "rounds: $ROUNDS"
echo "formats: $FORMATS"

case $BENCH in
1x) one_x large 5000 100000 500 ;;
smoke) one_x smoke 60 400 10 ;;
4x)
    data large 5000 100000 500
    data 4x 20000 400000 2000
    describe "" "$BENCH_DATA/large" 5000 100000 500
    describe 4x_ "$BENCH_DATA/4x" 20000 400000 2000
    i=0
    while [ $i -lt "$ROUNDS" ]; do
        run_kva 1x "$BENCH_DATA/large"
        run_kva 4x "$BENCH_DATA/4x"
        i=$((i + 1))
    done
    kva_figures 1x kvaudit_
    kva_figures 4x kvaudit_4x_
    a=$(stats "$tmp/1x.wall" | cut -d' ' -f1)
    b=$(stats "$tmp/4x.wall" | cut -d' ' -f1)
    r=$(ratio "$b" "$a")
    echo "growth_ratio_4x: $r"
    echo "target_growth_max: 4.5"
    echo "target_growth_met: $(at_most "$r" 4.5)"
    outputs 4x
    ;;
10x)
    data 10x 50000 1000000 5000 2
    describe 10x_ "$BENCH_DATA/10x" 50000 1000000 5000
    i=0
    while [ $i -lt "$ROUNDS" ]; do
        run_kva 10x "$BENCH_DATA/10x"
        i=$((i + 1))
    done
    kva_figures 10x kvaudit_10x_
    rss=$(mb "$(peak_kb "$tmp/10x.rss")")
    echo "target_rss_10x_max_mb: 3072"
    echo "target_rss_10x_met: $(at_most "$rss" 3072)"
    outputs 10x
    ;;
esac
