#!/bin/sh
# Golden tests: each directory tests/golden/CASE/ holds
#
#   args                 the command's arguments, one per line (always with
#                        --as-of; report cases write into "out")
#   input files          referred to by relative paths from the case
#                        directory; the repository's samples/ is copied in
#                        as "samples" for cases whose args name it
#   expected/exit        the exit status
#   expected/stdout      what the command prints on stdout
#   expected/stderr      what it prints on stderr (absent when nothing)
#   expected/report.json the report, byte for byte (absent when none)
#
# The case is copied to a scratch directory and run there, so the tree is
# never written. KVA_GOLDEN_UPDATE=1 rewrites the expectations from the
# actual output: review the diff by eye before committing it.
#
# Then a determinism check: two runs with --as-of and two with
# SOURCE_DATE_EPOCH give byte-identical output directories in every format
# that is built.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
. tests/lib.sh
unset SOURCE_DATE_EPOCH

update=${KVA_GOLDEN_UPDATE:-}

# compare NAME EXPECTED-FILE ACTUAL-FILE: byte for byte; a missing file on
# either side counts as a difference unless both are missing.
compare() {
    if [ ! -e "$2" ] && [ ! -e "$3" ]; then
        ok "$1"
    elif [ ! -e "$2" ]; then
        fail "$1" "unexpected output:
$(head -20 "$3")"
    elif [ ! -e "$3" ]; then
        fail "$1" "missing output"
    elif cmp -s "$2" "$3"; then
        ok "$1"
    else
        fail "$1" "$(diff -u "$2" "$3" | head -60)"
    fi
}

# expect FILE ACTUAL: in update mode store ACTUAL as FILE (an empty or
# missing ACTUAL removes FILE), else compare.
# (POSIX sh has no local variables: these use names of their own.)
expect() {
    x_what=$1
    x_want=$2
    x_got=$3
    if [ -n "$update" ]; then
        mkdir -p "$(dirname "$x_want")"
        if [ -s "$x_got" ]; then
            cp "$x_got" "$x_want"
        else
            rm -f "$x_want"
        fi
        ok "$x_what (updated)"
        return
    fi
    [ -e "$x_got" ] && [ ! -s "$x_got" ] && rm -f "$x_got"
    compare "$x_what" "$x_want" "$x_got"
}

# run_case DIR
run_case() {
    dir=${1%/}
    name=$(basename "$dir")
    work=$T_TMP/cases/$name
    mkdir -p "$work"
    cp -R "$dir/." "$work/"
    rm -rf "$work/expected" "$work/args"
    if [ -d samples ] && grep -q '^samples/\|^samples$' "$dir/args"; then
        cp -R samples "$work/samples"
    fi
    set --
    while IFS= read -r line || [ -n "$line" ]; do
        set -- "$@" "$line"
    done <"$dir/args"
    case " $* " in
    *" --as-of "* | *" --as-of="*) ;;
    *)
        fail "$name: args give --as-of" "a golden case must not depend on the clock"
        return
        ;;
    esac
    res=$T_TMP/results/$name
    mkdir -p "$res"
    # shellcheck disable=SC2086
    (cd "$work" && timeout 120 $KVA_RUN "$@" >"$res/stdout" 2>"$res/stderr")
    echo $? >"$res/exit"
    if [ -f "$work/out/report.json" ]; then
        cp "$work/out/report.json" "$res/report.json"
    fi
    expect "$name: exit" "$dir/expected/exit" "$res/exit"
    expect "$name: stdout" "$dir/expected/stdout" "$res/stdout"
    expect "$name: stderr" "$dir/expected/stderr" "$res/stderr"
    expect "$name: report.json" "$dir/expected/report.json" "$res/report.json"
    if [ -f "$res/report.json" ] && [ -f "$work/out/SHA256SUMS" ]; then
        check "$name: SHA256SUMS verifies" \
            sh -c "cd '$work/out' && sha256sum --quiet --strict -c SHA256SUMS"
    fi
}

n_cases=0
for dir in tests/golden/*/; do
    [ -f "$dir/args" ] || continue
    run_case "$dir"
    n_cases=$((n_cases + 1))
done
[ "$n_cases" -gt 0 ] || fail "golden cases found" "no tests/golden/*/args"

# --- determinism
det=$T_TMP/det
mkdir -p "$det"
if [ -d samples/estate ]; then
    cp -R samples "$det/samples"
    set -- samples/estate
    [ -f samples/baseline/report.json ] &&
        set -- --baseline samples/baseline/report.json "$@"
else
    cp -R tests/golden/status_noncompliant/. "$det/"
    rm -rf "$det/expected" "$det/args"
    set -- .
fi
# Every format that is built (a renderer that is not says so with exit 2).
formats=""
for f in json xlsx pdf csv md sh ps1; do
    if (cd "$det" && timeout 120 $KVA_RUN report -q -f $f -o probe \
        --as-of 2026-11-23 "$@" >/dev/null 2>&1) ||
        [ $? -eq 1 ]; then
        formats="$formats${formats:+,}$f"
    fi
    rm -rf "$det/probe"
done
echo "# determinism over: ${formats:-nothing}"
if [ -z "$formats" ]; then
    fail "determinism: some format is built"
else
    # run_det NAME: two runs into the same directory name, then compare
    run_det() {
        tag=$1
        shift
        for i in 1 2; do
            rm -rf "$det/out"
            (cd "$det" && timeout 120 $KVA_RUN report -q -f "$formats" -o out "$@" \
                >/dev/null 2>"$T_TMP/det.err")
            r=$?
            if [ $r -ne 0 ] && [ $r -ne 1 ]; then
                fail "determinism ($tag): run $i" "$(cat "$T_TMP/det.err")"
                return
            fi
            mv "$det/out" "$det/$tag$i"
        done
        if diff -r "$det/${tag}1" "$det/${tag}2" >"$T_TMP/det.diff" 2>&1; then
            ok "determinism ($tag): identical output directories"
        else
            fail "determinism ($tag): identical output directories" \
                "$(head -20 "$T_TMP/det.diff")"
        fi
    }
    run_det as-of --as-of 2026-11-23 "$@"
    SOURCE_DATE_EPOCH=1795392000
    export SOURCE_DATE_EPOCH
    run_det sde "$@"
    unset SOURCE_DATE_EPOCH
    case ",$formats," in
    *,json,*)
        # report.json holds no command line: the two ways agree
        check "determinism: --as-of and SOURCE_DATE_EPOCH give the same report.json" \
            cmp "$det/as-of1/report.json" "$det/sde1/report.json"
        ;;
    esac
    n=$(ls "$det/as-of1" | wc -l)
    expect_eq "determinism: every format and SHA256SUMS written" \
        "$(($(echo "$formats" | tr ',' '\n' | wc -l) + 1))" "$((n))"
fi

finish
