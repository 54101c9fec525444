#!/bin/sh
# Terminal manners, end to end, with stdout and/or stderr on a real
# pseudo-terminal (tests/term/ptyrun.py):
#   - progress on stderr only when stderr is a terminal, never with -q,
#     drawn with '\r' within 79 columns, and erased before the summary or
#     any message is written;
#   - colour in the summary and the check table only when stdout is a
#     terminal, never with NO_COLOR (set, not empty) or TERM=dumb; the text
#     is otherwise the same as in a pipe, columns included;
#   - the stdout summary fits in 80 columns;
#   - in a pipe nothing of this appears: no '\r', no escape sequence.
# KVAUDIT_PROGRESS_DELAY=0 makes the samples (a fraction of a second of
# work) show progress; 3600 checks that nothing shows before the delay.
. tests/lib.sh

PY=/usr/bin/python3
here=tests/term
ESC=$(printf '\033')
CR=$(printf '\r')

if [ ! -x "$PY" ]; then
    fail "python3 is installed" "install python3 (Debian package python3)"
    finish
fi

# tty FDS ARGS...: run the binary with FDS ("1", "2", "12") on a terminal;
# sets rc, $term (what the terminal got), $out and $err (the other streams)
tty_kva() {
    fds=$1
    shift
    term=$T_TMP/term
    out=$T_TMP/stdout
    err=$T_TMP/stderr
    # shellcheck disable=SC2086
    timeout 120 "$PY" "$here/ptyrun.py" "$fds" "$term" "$out" "$err" $KVA_RUN "$@"
    rc=$?
}
has() { # file string: the file holds the (fixed) string
    grep -qF -- "$2" "$1"
}
# Lines of a file split at '\r' and '\n', colour sequences removed.
segments() {
    tr '\r' '\n' <"$1" | sed "s/$ESC\[[0-9;]*m//g"
}
no_colour() { sed "s/$ESC\[[0-9;]*m//g" "$1"; }

export TERM=xterm
unset NO_COLOR
samples="--as-of 2026-11-23 samples/estate"

# --- both streams on the terminal -----------------------------------------
# shellcheck disable=SC2086
KVAUDIT_PROGRESS_DELAY=0 tty_kva 12 report -f xlsx,pdf,json,csv -o "$T_TMP/r1" $samples
expect_eq "tty report: exit" 0 "$rc"
cp "$term" "$T_TMP/tty-report"
check "tty report: progress of the files read" has "$term" "${CR}kvaudit: reading "
check "tty report: progress counts files out of the total" \
    grep -qE "kvaudit: reading [0-9]+/[0-9]+ files \([0-9]+%\)" "$term"
check "tty report: verdict in colour" has "$term" "${ESC}[1;31mFAIL${ESC}[0m"
check "tty report: status words in colour" has "$term" "${ESC}[31mnoncompliant${ESC}[0m"
check "tty report: progress erased before the summary" \
    grep -qE "$CR +${CR}Verdict " "$term"
check "tty report: progress lines within 79 columns" \
    sh -c "! tr '\r' '\n' <'$term' | grep 'kvaudit: ' | awk 'length > 79' | grep -q ."
check "tty report: no other escape than colour" \
    sh -c "! sed 's/$ESC\[[0-9;]*m//g' '$term' | grep -q '$ESC'"

# The same run in a pipe: the summary is the same text, without colour.
run_kva report -f xlsx,pdf,json,csv -o "$T_TMP/r2" --as-of 2026-11-23 samples/estate
expect_eq "piped report: exit" 0 "$rc"
cp "$out" "$T_TMP/piped-summary"
check "piped report: no escape sequence on stdout" sh -c "! grep -q '$ESC' '$out'"
check "piped report: no escape sequence or CR on stderr" \
    sh -c "! grep -q '$ESC\|$CR' '$err'"
check "piped report: summary within 80 columns" sh -c "! awk 'length > 80' '$out' | grep -q ."
sed -n "/Verdict/,\$p" "$T_TMP/tty-report" | sed "s/^.*${CR}Verdict/Verdict/" |
    sed "s/$ESC\[[0-9;]*m//g" | sed "s|$T_TMP/r1|OUT|" >"$T_TMP/a"
sed "s|$T_TMP/r2|OUT|" "$T_TMP/piped-summary" >"$T_TMP/b"
check "tty summary = piped summary, colour aside" cmp "$T_TMP/a" "$T_TMP/b"

# --- only stderr on the terminal: progress, and a clean stdout ------------
# shellcheck disable=SC2086
KVAUDIT_PROGRESS_DELAY=0 tty_kva 2 report -f json -o "$T_TMP/r3" $samples
expect_eq "stderr tty: exit" 0 "$rc"
check "stderr tty: progress drawn" has "$term" "kvaudit: reading "
check "stderr tty: progress erased at the end" sh -c "tail -c 40 '$term' | grep -qE '^.* +$CR\$'"
check "stderr tty: stdout has no colour" sh -c "! grep -q '$ESC' '$out'"
check "stderr tty: stdout has no CR" sh -c "! grep -q '$CR' '$out'"
check "stderr tty: summary on stdout" grep -q '^Verdict  *FAIL$' "$out"

# --- only stdout on the terminal: colour, and a clean stderr --------------
# shellcheck disable=SC2086
KVAUDIT_PROGRESS_DELAY=0 tty_kva 1 report -f json -o "$T_TMP/r4" $samples
expect_eq "stdout tty: exit" 0 "$rc"
check "stdout tty: colour" has "$term" "${ESC}[1;31mFAIL"
check "stdout tty: no progress on a piped stderr" sh -c "! grep -q 'reading\|$CR' '$err'"

# --- nothing before the delay ---------------------------------------------
# shellcheck disable=SC2086
KVAUDIT_PROGRESS_DELAY=3600 tty_kva 2 report -f json -o "$T_TMP/r5" $samples
expect_eq "long delay: exit" 0 "$rc"
expect_eq "long delay: the terminal got nothing" 0 "$(wc -c <"$term" | tr -d ' ')"

# --- --quiet: silence on the terminal too ---------------------------------
# shellcheck disable=SC2086
KVAUDIT_PROGRESS_DELAY=0 tty_kva 12 report -q -f json -o "$T_TMP/r6" $samples
expect_eq "quiet tty: exit" 0 "$rc"
expect_eq "quiet tty: the terminal got nothing" 0 "$(wc -c <"$term" | tr -d ' ')"
check "quiet tty: the report was written" test -s "$T_TMP/r6/report.json"

# --- NO_COLOR and TERM=dumb ------------------------------------------------
# shellcheck disable=SC2086
NO_COLOR=1 KVAUDIT_PROGRESS_DELAY=0 tty_kva 12 check $samples
expect_eq "NO_COLOR: exit (check fails)" 1 "$rc"
check "NO_COLOR: no colour" sh -c "! grep -q '$ESC' '$term'"
check "NO_COLOR: progress still shown" has "$term" "kvaudit: reading "
# shellcheck disable=SC2086
NO_COLOR= tty_kva 1 check $samples
check "empty NO_COLOR: colour" has "$term" "${ESC}[31mnoncompliant${ESC}[0m"
# shellcheck disable=SC2086
TERM=dumb tty_kva 1 check $samples
check "TERM=dumb: no colour" sh -c "! grep -q '$ESC' '$term'"

# --- the check table: coloured, aligned as in a pipe ----------------------
# shellcheck disable=SC2086
tty_kva 1 check $samples
cp "$term" "$T_TMP/tty-check"
check "tty check: statuses in colour" has "$T_TMP/tty-check" "${ESC}[36mexempt${ESC}[0m"
check "tty check: verdict in colour" has "$T_TMP/tty-check" "${ESC}[1;31mFAIL${ESC}[0m: "
# shellcheck disable=SC2086
run_kva check $samples
no_colour "$T_TMP/tty-check" >"$T_TMP/a"
check "tty check table = piped table, colour aside" cmp "$T_TMP/a" "$out"

# --- messages never land on a half-drawn progress line --------------------
mkdir -p "$T_TMP/bad"
cp samples/estate/accounts.json "$T_TMP/bad/a.json"
cp samples/estate/pricings/contoso-hr-prod.json "$T_TMP/bad/b.json"
printf '{"value": [\n' >"$T_TMP/bad/c.json"
KVAUDIT_PROGRESS_DELAY=0 tty_kva 12 report -f json -o "$T_TMP/r7" "$T_TMP/bad"
expect_eq "error on a tty: exit 3" 3 "$rc"
check "error on a tty: progress was drawn" has "$term" "kvaudit: reading 1/3 files"
last=$(segments "$term" | grep -v '^ *$' | tail -1)
case $last in
"kvaudit: $T_TMP/bad/c.json:2:1: "*) ok "error on a tty: the message starts its own line" ;;
*) fail "error on a tty: the message starts its own line" "last line: $last" ;;
esac
check "error on a tty: progress erased before the message" \
    grep -qE "$CR +${CR}kvaudit: $T_TMP/bad/c.json:" "$term"

# Warnings while reading (--allow-partial) and --timings lines too.
KVAUDIT_PROGRESS_DELAY=0 tty_kva 12 report --allow-partial --timings -f json \
    -o "$T_TMP/r8" "$T_TMP/bad"
expect_eq "warning on a tty: exit 0" 0 "$rc"
bad_lines=$(segments "$term" | grep -v '^ *$' | grep -v '^kvaudit: \|^  \|^[A-Z]' | head -3)
expect_eq "warning on a tty: every stderr line starts clean" "" "$bad_lines"
check "warning on a tty: the warning is on its own line" \
    sh -c "tr '\r' '\n' <'$term' | grep -q '^kvaudit: $T_TMP/bad/c.json:2:1: warning: '"
check "timings on a tty: on their own lines" \
    sh -c "tr '\r' '\n' <'$term' | grep -q '^kvaudit: time: total '"

# A renderer's own warning (report.pdf: a character no font has) clears
# the line through the progress hook before it is printed.
mkdir -p "$T_TMP/glyph"
cp -r samples/estate/. "$T_TMP/glyph/"
sed 's/Contoso HR Prod/Contoso HR Prod \xF0\x9F\x98\x80/' samples/estate/accounts.json >"$T_TMP/glyph/accounts.json"
KVAUDIT_PROGRESS_DELAY=0 tty_kva 12 report -f pdf -o "$T_TMP/r9" --as-of 2026-11-23 "$T_TMP/glyph"
expect_eq "renderer warning on a tty: exit 0" 0 "$rc"
check "renderer warning on a tty: progress erased first" \
    grep -qE "$CR +${CR}kvaudit: warning: report.pdf: " "$term"

finish
