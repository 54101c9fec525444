#!/bin/sh
# Run every test and end with one line "N passed, N failed".
#
# Every test speaks TAP ("ok N - name" / "not ok N - name"): the cmocka
# unit binaries with CMOCKA_MESSAGE_OUTPUT=TAP, the shell suites through
# tests/lib.sh. A binary or script that exits non-zero without reporting a
# failure (a crash, an errored fixture, which cmocka does not count) adds
# one failure, so nothing is lost.
set -u
BUILD=${BUILD:-build}
export BUILD
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
out=tests/out/$(basename "$BUILD")
rm -rf "$out"
mkdir -p "$out"

passed=0
failed=0

tally() { # name logfile exitcode
    p=$(grep -c '^ok ' "$2")
    f=$(grep -c '^not ok ' "$2")
    if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - $1 exited $3 without reporting a failure" >>"$2"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        printf '%-28s %4d passed, %d failed\n' "$1" "$p" "$f"
        grep '^not ok ' "$2" | sed 's/^/    /'
        grep -v '^ok \|^not ok \|^1\.\.\|^# ok' "$2" | head -40 | sed 's/^/    | /'
    else
        printf '%-28s %4d passed\n' "$1" "$p"
    fi
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$out/$name.log" 2>&1
    tally "$name" "$out/$name.log" $?
done

for s in tests/cli/*.sh tests/golden/run.sh tests/*/run-*.sh; do
    [ -f "$s" ] || continue
    name=$(echo "$s" | sed 's|^tests/||; s|\.sh$||; s|/|-|g')
    sh "$s" >"$out/$name.log" 2>&1
    tally "$name" "$out/$name.log" $?
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
