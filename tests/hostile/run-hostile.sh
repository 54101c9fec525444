#!/bin/sh
# The hostile-input corpus (DESIGN.md sections 2 and 5): files an attacker
# may have touched. Every case says what kvaudit must answer -- its exit
# code and its stderr, line by line -- and none may crash, hang (each run
# is killed after a few seconds) or write into --out when it is an error.
#
# The cases are small generators in tests/hostile/cases/*.sh, sourced in
# order; README.md describes the words they use. Each case gets a fresh
# directory with its inputs under in/, kvaudit runs there (so messages
# carry the short path in/...), and one TAP line says how it went:
#
#   - an error (exit 2-4): an earlier report in out/ must be exactly as it
#     was, with no temporary file beside it, and stdout empty; `check`
#     (unless the case turns it off) must give the same exit and message;
#   - a report (exit 0/1) with the default arguments: every output is
#     checked for safety (tests/hostile/README.md lists how), whatever the
#     case is about;
#   - a case may add its own checks, a time or memory bound (peak RSS of
#     kvaudit itself, through probe's wait4), and a note naming a known
#     bug: the case still fails, with the note beside the failure.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
. tests/lib.sh
unset SOURCE_DATE_EPOCH
export LC_ALL=C.UTF-8

H=$top/tests/hostile
AS_OF=2026-11-23
ALL_FORMATS=json,csv,md,sh,ps1,xlsx,pdf

# Sanitizer builds run several times slower, and AddressSanitizer keeps
# up to 256 MB of freed memory in quarantine: time and memory bounds are
# widened for them (a bound is there to catch a hang or a whole file held
# twice, not a few percent).
TIME_SCALE=1
RSS_SCALE=1
RSS_EXTRA_MB=0
if ldd "$KVA" 2>/dev/null | grep -q 'libasan\|libubsan\|libtsan'; then
    TIME_SCALE=5
    RSS_SCALE=2
    RSS_EXTRA_MB=512
fi

PROBE=$T_TMP/probe
CC=${CC:-cc}
# shellcheck disable=SC2086
check "probe.c compiles without a warning" \
    $CC -std=c11 -O2 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -Wformat=2 -Werror -D_POSIX_C_SOURCE=200809L \
    -D_XOPEN_SOURCE=700 -o "$PROBE" "$H/probe.c"
if [ ! -x "$PROBE" ] || [ ! -x "$KVA" ]; then
    fail "kvaudit binary" "not built: $KVA"
    finish
fi

# A fake az for the dry runs of remediate.sh: it records every call, and
# a dry run must make none.
mkdir -p "$T_TMP/bin"
cat >"$T_TMP/bin/az" <<'EOF'
#!/bin/sh
{ printf 'az'; for a in "$@"; do printf ' [%s]' "$a"; done; printf '\n'; } >>"$KVA_AZ_LOG"
EOF
chmod +x "$T_TMP/bin/az"
KVA_AZ_LOG=$T_TMP/az.log
export KVA_AZ_LOG

C=$T_TMP/case
IN=$C/in
SPEC=$T_TMP/spec
PROBLEMS=$T_TMP/problems

# case_new NAME: a fresh case directory $C with an empty input directory
# $IN, default arguments, no expectation yet.
case_new() {
    CASE_NAME=$1
    # the rights a case about unreadable files took away, first
    [ "${CASE_NOBODY:-0}" -eq 1 ] && chmod -R u+rwX "$C" 2>/dev/null
    rm -rf "$C"
    mkdir -p "$IN"
    : >"$SPEC"
    rm -f "$T_TMP/args" "$T_TMP/after"
    CASE_EXIT=
    CASE_SECS=5
    CASE_RSS_MB=
    CASE_WALL_MS=
    CASE_BUG=
    CASE_CHECK=1
    CASE_NOBODY=0
}

# expect CODE [LINE...]: the exit code and stderr, each line exactly.
expect() {
    CASE_EXIT=$1
    shift
    for l in "$@"; do printf '=%s\n' "$l" >>"$SPEC"; done
}
# expect_prefix LINE: one more stderr line, which must begin with LINE
# (for messages that carry a count or a path the case cannot know).
expect_prefix() {
    printf '^%s\n' "$1" >>"$SPEC"
}
# expect_lines FILE: more stderr lines, exact, from FILE.
expect_lines() {
    sed 's/^/=/' "$1" >>"$SPEC"
}

# args ARG...: the command line instead of the default
#   report -f ALL -o out --as-of 2026-11-23 in
args() {
    : >"$T_TMP/args"
    for a in "$@"; do printf '%s\n' "$a" >>"$T_TMP/args"; done
}
# limit SECONDS [PEAK_RSS_MB [WALL_MS]]: kill after SECONDS (a hang);
# fail when kvaudit's peak RSS or its wall time exceed the bounds.
limit() {
    CASE_SECS=$1
    CASE_RSS_MB=${2:-}
    CASE_WALL_MS=${3:-}
}
# after SCRIPT: more checks, run by sh in $C after kvaudit; it prints why
# and fails, or succeeds silently. $PROBE, $KVA and $T_STDOUT (the run's
# stdout) are set.
after() {
    printf '%s\n' "$1" >"$T_TMP/after"
}
# bug TEXT: a known bug of kvaudit that makes this case fail. The case
# still fails; the text is printed beside the failure.
bug() {
    CASE_BUG=$1
}
no_check_variant() {
    CASE_CHECK=0
}
# as_nobody: run kvaudit as an unprivileged user, for whom chmod 000 means
# something (as root, through setpriv as nobody).
as_nobody() {
    CASE_NOBODY=1
}

# kva SECONDS ARG...: kvaudit under probe (as the case says), in $C.
kva() {
    k_secs=$1
    shift
    cd "$C" || return
    if [ "$CASE_NOBODY" -eq 1 ] && [ "$(id -u)" -eq 0 ]; then
        chmod 711 "$T_TMP"
        "$PROBE" run "$k_secs" "$T_TMP/res" setpriv --reuid=65534 \
            --regid=65534 --clear-groups -- "$KVA" "$@" </dev/null
        chmod 700 "$T_TMP"
    else
        "$PROBE" run "$k_secs" "$T_TMP/res" "$KVA" "$@" </dev/null
    fi
    cd "$top" || return
}

problem() {
    printf '%s\n' "$1" >>"$PROBLEMS"
}

# An earlier report in out/, as a user would have it: a pristine copy is
# made once, and every error case must leave its own copy identical.
mkdir -p "$T_TMP/old-out"
echo '{"old": true}' >"$T_TMP/old-out/report.json"
echo 'old workbook' >"$T_TMP/old-out/report.xlsx"
(cd "$T_TMP/old-out" && sha256sum report.json report.xlsx >SHA256SUMS)
prepare_out() {
    cp -Rp "$T_TMP/old-out" "$C/out"
}

# Lines a dry run of remediate.sh may print: comments, blank lines, and
# exactly the two commands of the control, for a lower-case GUID.
dry_re='^(# .*|#|az security pricing (create --subscription [0-9a-f-]{36} -n KeyVaults --tier Standard --subplan PerKeyVault|show --subscription [0-9a-f-]{36} -n KeyVaults --query pricingTier))$'

# outputs_safe: the checks every report of hostile text must pass.
outputs_safe() {
    o=$C/out
    names="SHA256SUMS findings.csv remediate.ps1 remediate.sh report.json report.pdf report.xlsx summary.md"
    got=$(cd "$o" 2>/dev/null && ls -A | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
    if [ "$got" != "$names" ]; then
        problem "out/ holds [$got], want [$names]"
        return
    fi
    (cd "$o" && sha256sum -c --quiet SHA256SUMS) >/dev/null 2>&1 ||
        problem "SHA256SUMS does not match the files"

    jq -e '.schema == "kvaudit.report/1"' "$o/report.json" >/dev/null 2>&1 ||
        problem "report.json is not a kvaudit report jq can read"
    "$PROBE" text xml "$o/report.json" "$o/summary.md" >>"$PROBLEMS" 2>&1

    "$PROBE" csv "$o/findings.csv" >>"$PROBLEMS" 2>&1

    # Every row of a Markdown table has as many unescaped '|' as the
    # table's first row: text from the input never adds or ends a cell.
    awk '
        /^\|/ { s = $0; gsub(/\\\\/, "", s); gsub(/\\\|/, "", s)
                n = gsub(/\|/, "", s)
                if (!intable) { intable = 1; want = n }
                else if (n != want) { print "summary.md:" NR ": a table row with " n " cell separators, want " want; exit }
                next }
        { intable = 0 }' "$o/summary.md" >>"$PROBLEMS"

    "$PROBE" text script "$o/remediate.sh" "$o/remediate.ps1" >>"$PROBLEMS" 2>&1
    bash -n "$o/remediate.sh" >"$T_TMP/bash-n" 2>&1 ||
        problem "remediate.sh: bash -n: $(head -3 "$T_TMP/bash-n")"
    : >"$KVA_AZ_LOG"
    (cd "$C" && PATH="$T_TMP/bin:$PATH" timeout 10 bash out/remediate.sh \
        >"$T_TMP/dry.out" 2>"$T_TMP/dry.err" </dev/null) ||
        problem "remediate.sh dry run failed: $(head -3 "$T_TMP/dry.err")"
    [ -s "$KVA_AZ_LOG" ] && problem "remediate.sh dry run called az: $(head -3 "$KVA_AZ_LOG")"
    bad=$(grep -Evn "$dry_re" "$T_TMP/dry.out" | head -3)
    [ -n "$bad" ] && problem "remediate.sh dry run printed more than comments and commands: $bad"
    (cd "$T_TMP" && "$PROBE" text script dry.out) >>"$PROBLEMS"
    [ "$(head -c 3 "$o/remediate.ps1" | od -An -tx1 | tr -d ' ')" = efbbbf ] ||
        problem "remediate.ps1 has no UTF-8 byte-order mark"
    for f in "$C"/pwned*; do
        [ -e "$f" ] && problem "input text ran as code: $f exists"
    done

    rm -rf "$T_TMP/xlsx"
    mkdir -p "$T_TMP/xlsx"
    if unzip -q "$o/report.xlsx" -d "$T_TMP/xlsx" >/dev/null 2>&1; then
        (cd "$T_TMP/xlsx" && find . -name '*.xml' -o -name '*.rels' |
            xargs -r "$PROBE" text xml) >>"$PROBLEMS"
        if grep -l '<f>' "$T_TMP"/xlsx/xl/worksheets/*.xml >/dev/null 2>&1; then
            problem "report.xlsx: a worksheet holds a formula"
        fi
    else
        problem "report.xlsx is not a zip unzip can read"
    fi

    [ "$(head -c 5 "$o/report.pdf")" = "%PDF-" ] || problem "report.pdf does not start with %PDF-"
    tail -c 32 "$o/report.pdf" | grep -q '%%EOF' || problem "report.pdf does not end with %%EOF"
    pdftotext "$o/report.pdf" - >/dev/null 2>"$T_TMP/pdftotext.err" ||
        problem "pdftotext cannot read report.pdf: $(grep -v begincidrange "$T_TMP/pdftotext.err" | head -2)"
}

# run_case: run kvaudit on the case and check everything; one TAP line.
run_case() {
    : >"$PROBLEMS"
    secs=$((CASE_SECS * TIME_SCALE))
    default=0
    if [ -f "$T_TMP/args" ]; then
        set --
        while IFS= read -r a; do set -- "$@" "$a"; done <"$T_TMP/args"
    else
        default=1
        set -- report -f "$ALL_FORMATS" -o out --as-of "$AS_OF" in
    fi
    error=0
    [ "$CASE_EXIT" -ge 2 ] && error=1
    [ $error -eq 1 ] && prepare_out

    kva "$secs" "$@" >"$T_TMP/stdout" 2>"$T_TMP/stderr"
    read -r status wall rss <"$T_TMP/res" || status=999
    case $status in
    124) problem "killed after ${secs} s: a hang" ;;
    999) problem "probe could not run kvaudit" ;;
    *) [ "$status" -ge 128 ] && problem "died of signal $((status - 128))" ;;
    esac
    [ "$status" = "$CASE_EXIT" ] || problem "exit $status, want $CASE_EXIT"
    "$PROBE" match "$SPEC" "$T_TMP/stderr" >>"$PROBLEMS"
    "$PROBE" text term "$T_TMP/stderr" "$T_TMP/stdout" >>"$PROBLEMS"
    if [ -n "$CASE_RSS_MB" ] && [ "$status" != 999 ]; then
        max=$(((CASE_RSS_MB * RSS_SCALE + RSS_EXTRA_MB) * 1024))
        [ "$rss" -le "$max" ] ||
            problem "peak RSS $((rss / 1024)) MB, bound $((max / 1024)) MB"
    fi
    if [ -n "$CASE_WALL_MS" ] && [ "$status" != 999 ]; then
        max=$((CASE_WALL_MS * TIME_SCALE))
        [ "$wall" -le "$max" ] || problem "took $wall ms, bound $max ms"
    fi

    if [ $error -eq 1 ]; then
        [ -s "$T_TMP/stdout" ] && problem "stdout not empty: $(head -c 200 "$T_TMP/stdout")"
        diff -r "$T_TMP/old-out" "$C/out" >"$T_TMP/out.diff" 2>&1 ||
            problem "out/ changed: $(head -5 "$T_TMP/out.diff")"
        if [ $default -eq 1 ] && [ "$CASE_CHECK" -eq 1 ]; then
            kva "$secs" check --as-of "$AS_OF" in \
                >"$T_TMP/stdout" 2>"$T_TMP/stderr.check"
            read -r cstatus _ _ <"$T_TMP/res" || cstatus=999
            [ "$cstatus" = "$CASE_EXIT" ] || problem "check: exit $cstatus, want $CASE_EXIT"
            cmp -s "$T_TMP/stderr" "$T_TMP/stderr.check" ||
                problem "check: stderr differs from report's: $(head -2 "$T_TMP/stderr.check")"
        fi
    elif [ $default -eq 1 ] && [ "$status" = "$CASE_EXIT" ]; then
        outputs_safe
    fi

    if [ -f "$T_TMP/after" ] && [ "$status" = "$CASE_EXIT" ]; then
        (cd "$C" && PROBE=$PROBE KVA=$KVA T_STDOUT=$T_TMP/stdout \
            sh "$T_TMP/after") >>"$PROBLEMS" 2>&1 ||
            [ -s "$PROBLEMS" ] || problem "case check failed"
    fi

    if [ -s "$PROBLEMS" ]; then
        if [ -n "$CASE_BUG" ]; then
            fail "$CASE_NAME # known bug" "known bug: $CASE_BUG
$(head -30 "$PROBLEMS")"
        else
            fail "$CASE_NAME" "$(head -30 "$PROBLEMS")
(stderr: $(head -3 "$T_TMP/stderr"))"
        fi
    elif [ -n "$CASE_BUG" ]; then
        fail "$CASE_NAME" "passes, but is marked as a known bug: remove the bug note"
    else
        ok "$CASE_NAME"
    fi
    # what was measured, where the case bounds it
    if [ -n "$CASE_RSS_MB$CASE_WALL_MS" ] && [ "$status" != 999 ]; then
        echo "# $CASE_NAME: $wall ms, peak RSS $((rss / 1024)) MB"
    fi
}

for f in "$H"/cases/*.sh; do
    . "$f"
done

finish
