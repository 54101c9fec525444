#!/bin/sh
# Replay tests/regress/TARGET/* through fuzz/fuzz_TARGET.c, built without
# libFuzzer as $BUILD/fuzz/replay-TARGET (`make unit`): the same code, on
# the same bytes, that once found a crash, a leak, a hang or a broken
# invariant, so that what was fixed stays fixed (SQLite's fuzzcheck). One
# process per file: a failure names its file. Under `make asan` the
# replays are instrumented like the fuzzers were.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
. tests/lib.sh

# Seconds one input may take. libFuzzer calls more than 10 a hang; the
# replay allows for a slower build (sanitizers, a busy machine).
limit=${KVA_REGRESS_TIMEOUT:-60}

for t in read scan estate; do
    bin=$BUILD/fuzz/replay-$t
    if [ ! -x "$bin" ]; then
        fail "$t: $bin is built" "run: make BUILD=$BUILD unit"
        continue
    fi
    # The harness itself: no file, or one that cannot be read, is an error.
    "$bin" >/dev/null 2>&1
    expect_eq "$t: replay without a file exits 2" 2 "$?"
    "$bin" "$T_TMP/missing" >/dev/null 2>&1
    expect_eq "$t: replay of a missing file exits 2" 2 "$?"

    n=0
    for f in tests/regress/$t/*; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        timeout "$limit" "$bin" "$f" >"$T_TMP/replay.log" 2>&1
        rc=$?
        case $rc in
        0) ok "$t: $(basename "$f")" ;;
        124) fail "$t: $(basename "$f")" "still running after $limit s" ;;
        *) fail "$t: $(basename "$f")" "exit $rc
$(head -40 "$T_TMP/replay.log")" ;;
        esac
    done
    [ "$n" -gt 0 ] || fail "$t: tests/regress/$t holds inputs"
done
finish
