# Shared helpers for the shell test suites (sourced). Each check prints one
# TAP line; the suite's exit status is the number of failures (capped).
#
#   . tests/lib.sh
#   ok "name"                   record a pass
#   fail "name" "why"           record a failure
#   check "name" cmd args...    pass when the command succeeds
#   expect_eq "name" want got
#   run_kva ARGS...             run the binary: sets $rc, $out (stdout file),
#                               $err (stderr file)
#   finish                      exit with the failure count
#
# Suites source it from the top of the tree; $KVA is absolute, so that a
# suite may run it from another directory.
set -u
BUILD=${BUILD:-build}
case $BUILD in
/*) KVA=${KVA:-$BUILD/kvaudit} ;;
*) KVA=${KVA:-$(pwd)/$BUILD/kvaudit} ;;
esac
if [ -n "${KVA_VALGRIND:-}" ]; then
    KVA_RUN="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect $KVA"
else
    KVA_RUN=$KVA
fi
T_N=0
T_FAILED=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kva-test.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT

ok() {
    T_N=$((T_N + 1))
    echo "ok $T_N - $1"
}
fail() {
    T_N=$((T_N + 1))
    T_FAILED=$((T_FAILED + 1))
    echo "not ok $T_N - $1"
    [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/#   /'
    return 0
}
check() {
    n=$1
    shift
    if "$@" >"$T_TMP/check.out" 2>&1; then ok "$n"; else fail "$n" "$(head -20 "$T_TMP/check.out")"; fi
}
expect_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "want: $2
got:  $3"; fi
}
run_kva() {
    out=$T_TMP/stdout
    err=$T_TMP/stderr
    # shellcheck disable=SC2086
    timeout 60 $KVA_RUN "$@" >"$out" 2>"$err" </dev/null
    rc=$?
}
finish() {
    [ "$T_FAILED" -gt 100 ] && T_FAILED=100
    exit "$T_FAILED"
}
