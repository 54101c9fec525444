#!/bin/sh
# Seed fuzz/corpus-TARGET/ for each TARGET named (default: read scan
# estate) from the repository's own evidence: every JSON file under tests/
# and samples/ up to 1 MiB for the single-file targets, and for
# fuzz_estate one input per golden case (its files joined with the
# separator, its options as a "#kva" header line, see fuzz_estate.c) plus
# a few estates cut from samples/estate and tests/fixtures/formats.
#
# Files are named by the SHA-1 of their content, as libFuzzer names what
# it adds, so running the script again adds nothing twice and keeps what
# the fuzzer found. The corpora are not committed (.gitignore).
set -eu
cd "$(dirname "$0")/.."
targets=${*:-read scan estate}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kva-corpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
SEP='\n--kvaudit-file--\n'

# add DIR FILE: copy FILE into DIR under the hash of its content.
add() {
    h=$(sha1sum <"$2" | cut -c1-40)
    [ -e "$1/$h" ] || cp "$2" "$1/$h"
}

# estate HEADER FILE...: one fuzz_estate input (at most six files).
estate() {
    e_out=$tmp/estate
    : >"$e_out"
    [ -n "$1" ] && printf '#kva %s\n' "$1" >>"$e_out"
    shift
    e_first=1
    for e_f; do
        [ "$e_first" = 1 ] || printf "$SEP" >>"$e_out"
        e_first=0
        cat "$e_f" >>"$e_out"
    done
    add fuzz/corpus-estate "$e_out"
}

# header ARGS-FILE: the golden case's options as header tokens.
header() {
    h_toks=""
    h_prev=""
    h_n=0
    while IFS= read -r h_line || [ -n "$h_line" ]; do
        h_n=$((h_n + 1))
        [ "$h_n" = 1 ] && [ "$h_line" = check ] && h_toks="$h_toks check"
        case $h_prev in
        --owner-tag) h_toks="$h_toks owner=$h_line" ;;
        --env-tag) h_toks="$h_toks env=$h_line" ;;
        --fail-on) h_toks="$h_toks fail=$h_line" ;;
        --title) h_toks="$h_toks title=$(printf '%s' "$h_line" | tr ' ' '_')" ;;
        --org) h_toks="$h_toks org=$(printf '%s' "$h_line" | tr ' ' '_')" ;;
        esac
        case $h_line in
        --allow-partial) h_toks="$h_toks partial" ;;
        --price-per-vault) h_toks="$h_toks price" ;;
        esac
        h_prev=$h_line
    done <"$1"
    printf '%s' "${h_toks# }"
}

singles() {
    find tests samples -type f -size -1025k \
        \( -iname '*.json' -o -name '*.expected' \) ! -path 'tests/out/*' |
        LC_ALL=C sort
}

for t in $targets; do
    mkdir -p "fuzz/corpus-$t"
    case $t in
    read | scan)
        singles >"$tmp/list"
        while IFS= read -r f; do
            add "fuzz/corpus-$t" "$f"
        done <"$tmp/list"
        ;;
    estate)
        for d in tests/golden/*/; do
            [ -f "$d/args" ] || continue
            if grep -q '^samples/' "$d/args"; then
                set -- samples/estate/resource-graph/defender-pricings.json \
                    samples/estate/resource-graph/keyvaults.json \
                    samples/estate/resource-graph/subscriptions.json \
                    samples/estate/exceptions.json \
                    samples/baseline/report.json \
                    samples/estate/accounts.json
            else
                find "$d" -type f ! -path '*/expected/*' ! -name args |
                    LC_ALL=C sort | head -6 >"$tmp/files"
                set --
                while IFS= read -r f; do set -- "$@" "$f"; done <"$tmp/files"
            fi
            h=$(header "$d/args")
            estate "$h" "$@"
            estate "partial no-xlsx no-pdf${h:+ $h}" "$@"
            estate "check quiet" "$@"
        done
        # Each pricing dump of the sample estate beside its inventory.
        find samples/estate/pricings -type f | LC_ALL=C sort >"$tmp/pricings"
        while IFS= read -r f; do
            estate "vaults-all price" samples/estate/accounts.json \
                samples/estate/keyvaults/contoso-hr-prod.json \
                samples/estate/resource-graph/keyvaults.json \
                samples/estate/exceptions.json "$f"
        done <"$tmp/pricings"
        # Every shape of tests/fixtures/formats, three at a time.
        find tests/fixtures/formats -type f -iname '*.json' |
            LC_ALL=C sort >"$tmp/formats"
        set --
        while IFS= read -r f; do
            set -- "$@" "$f"
            if [ $# -eq 3 ]; then
                estate "" "$@"
                set --
            fi
        done <"$tmp/formats"
        if [ $# -gt 0 ]; then estate "" "$@"; fi
        ;;
    *)
        echo "make-corpus.sh: unknown target '$t'" >&2
        exit 2
        ;;
    esac
    echo "fuzz/corpus-$t: $(ls "fuzz/corpus-$t" | wc -l) inputs"
done
