#!/bin/sh
# Output safety (DESIGN.md section 5, all or nothing), through the kvaudit
# binary: an --out that is a file or cannot be written, a full file system,
# an interrupted run, modes, and links planted at output names. In every
# failure the exit is 4, the message says what, no new file has its final
# name, no temporary file is left, and an earlier report in --out is still
# whole (its SHA256SUMS checks and its files are the same).
#
# A full or read-only file system is a small tmpfs, mounted in a mount
# namespace of its own (unshare -m; unshare -rm where only user
# namespaces are allowed), so nothing is left mounted whatever happens. A
# full disk is also met with RLIMIT_FSIZE, which needs no privilege. Rights
# are taken away by running kvaudit as nobody (setpriv) when the suite
# runs as root, for whom chmod means nothing.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
. tests/lib.sh
unset SOURCE_DATE_EPOCH
export LC_ALL=C.UTF-8

AS_OF=2026-11-23
ALL=xlsx,pdf,json,csv,md,sh,ps1
ESTATE=$top/samples/estate
PROBE=$T_TMP/probe
GEN=$T_TMP/gen-tenant
CC=${CC:-cc}
FLAGS="-std=c11 -O2 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes
 -Wmissing-prototypes -Wformat=2 -Werror -D_POSIX_C_SOURCE=200809L
 -D_XOPEN_SOURCE=700"
# shellcheck disable=SC2086
check "probe.c compiles" $CC $FLAGS -o "$PROBE" tests/hostile/probe.c
# shellcheck disable=SC2086
check "gen-tenant.c compiles" $CC $FLAGS -o "$GEN" bench/gen-tenant.c
if [ ! -x "$PROBE" ] || [ ! -x "$GEN" ] || [ ! -x "$KVA" ]; then
    fail "tools" "probe, gen-tenant or $KVA missing"
    finish
fi
SLOW=1
if ldd "$KVA" 2>/dev/null | grep -q 'libasan\|libubsan'; then
    SLOW=10
fi

W=$T_TMP/w
PROBLEMS=$T_TMP/problems
problem() { printf '%s\n' "$1" >>"$PROBLEMS"; }
# verdict NAME: one TAP line from what problem() collected.
verdict() {
    if [ -s "$PROBLEMS" ]; then
        fail "$1" "$(head -20 "$PROBLEMS")"
    else
        ok "$1"
    fi
    : >"$PROBLEMS"
}
: >"$PROBLEMS"

# An earlier report: the real thing, from the sample estate (json and
# xlsx only, so that it is small enough for a 256 KiB file system).
mkdir -p "$T_TMP/old"
(cd "$T_TMP" && "$KVA" report -q -f json,xlsx,csv -o old --as-of 2025-01-01 "$ESTATE") ||
    fail "the earlier report" "kvaudit could not write it"
old_names=$(cd "$T_TMP/old" && ls -A | tr '\n' ' ')
# A small earlier report (a few KiB) for the small file systems.
(cd "$T_TMP" && "$KVA" report -q -f json -o tiny --as-of 2025-01-01 \
    "$top/tests/fixtures/formats/cli_security_pricing_show_keyvaults.json") ||
    fail "the small earlier report" "kvaudit could not write it"

# fresh_out DIR: DIR holds a copy of the earlier report.
fresh_out() {
    rm -rf "$1"
    mkdir -p "$1"
    cp -p "$T_TMP/old/"* "$1/"
}
# libxlsxwriter creates its temporary files as tmp.XXXXXXXXXX in the
# output directory and unlinks each right after opening it: a signal in
# between leaves one behind, which the output set cannot know of. Rare (a
# few microseconds per file), but say so when it is what failed.
race_note() {
    case $1 in
    *tmp.??????????*) problem "(tmp.XXXXXXXXXX is libxlsxwriter's: the signal came between its open and unlink)" ;;
    esac
}
# old_whole DIR: the earlier report, whole and alone.
old_whole() {
    got=$(cd "$1" 2>/dev/null && ls -A | tr '\n' ' ')
    [ "$got" = "$old_names" ] || {
        problem "$1 holds [$got], want the earlier report [$old_names]"
        race_note "$got"
    }
    for f in "$T_TMP/old/"*; do
        cmp -s "$f" "$1/$(basename "$f")" || problem "$(basename "$f") changed"
    done
}
# new_whole DIR N: a complete new report (no temporary file, SHA256SUMS
# lists the N outputs and checks).
new_whole() {
    (cd "$1" && sha256sum -c --quiet SHA256SUMS) >/dev/null 2>&1 ||
        problem "$1: SHA256SUMS does not check"
    n=$(wc -l <"$1/SHA256SUMS" 2>/dev/null || echo 0)
    [ "$n" -eq "$2" ] || problem "$1: SHA256SUMS lists $n files, want $2"
    jq -e '.as_of == "'"$AS_OF"'T00:00:00Z"' "$1/report.json" >/dev/null 2>&1 ||
        problem "$1/report.json is not this run's"
    no_temps "$1"
}
no_temps() {
    t=$(cd "$1" 2>/dev/null && ls -A | grep '^\.\|^tmp\.' | tr '\n' ' ')
    [ -z "$t" ] || {
        problem "temporary files left in $1: $t"
        race_note "$t"
    }
}
# expect_err SPEC_LINES...: stderr ($W/err) against probe match lines
# ("=exact", "^prefix", "~with XXXXXX for a temporary name").
expect_err() {
    : >"$T_TMP/spec"
    for l in "$@"; do printf '%s\n' "$l" >>"$T_TMP/spec"; done
    "$PROBE" match "$T_TMP/spec" "$W/err" >>"$PROBLEMS"
}
# kva ARG...: kvaudit in $W, stdout and stderr to $W/out.txt and $W/err,
# status in $rc.
kva() {
    (cd "$W" && "$PROBE" run $((20 * SLOW)) "$T_TMP/res" "$KVA" "$@" \
        >"$W/out.txt" 2>"$W/err" </dev/null)
    read -r rc _ _ <"$T_TMP/res" || rc=999
}
# kva_nobody ARG...: kva as an unprivileged user (as root, through
# setpriv; an unprivileged suite is one already).
kva_nobody() {
    if [ "$(id -u)" -eq 0 ]; then
        set -- setpriv --reuid=65534 --regid=65534 --clear-groups -- "$KVA" "$@"
    else
        set -- "$KVA" "$@"
    fi
    (cd "$W" && "$PROBE" run $((20 * SLOW)) "$T_TMP/res" "$@" \
        >"$W/out.txt" 2>"$W/err" </dev/null)
    read -r rc _ _ <"$T_TMP/res" || rc=999
}

rm -rf "$W"
mkdir -p "$W"
# nobody must reach $W (T_TMP is private to root)
chmod 711 "$T_TMP"
chmod 755 "$W"

# --- --out that cannot be a directory -------------------------------

echo 'not a directory' >"$W/file"
kva report -f json -o file --as-of "$AS_OF" "$ESTATE"
[ "$rc" = 4 ] || problem "exit $rc, want 4"
expect_err "=kvaudit: file: Not a directory"
[ "$(cat "$W/file")" = 'not a directory' ] || problem "the file was changed"
[ "$(ls -A "$W" | grep -c '^\.')" = 0 ] || problem "temporary files beside it"
verdict "--out is a regular file"

kva report -f json -o file/out --as-of "$AS_OF" "$ESTATE"
[ "$rc" = 4 ] || problem "exit $rc, want 4"
expect_err "=kvaudit: file/out: Not a directory"
[ "$(cat "$W/file")" = 'not a directory' ] || problem "the file was changed"
verdict "--out below a regular file"

kva report -f json -o /dev/null --as-of "$AS_OF" "$ESTATE"
[ "$rc" = 4 ] || problem "exit $rc, want 4"
expect_err "=kvaudit: /dev/null: Not a directory"
[ -c /dev/null ] || problem "/dev/null is no longer a device"
verdict "--out is /dev/null"

fresh_out "$W/out"
mkdir "$W/out/report.pdf"
touch "$W/out/report.pdf/keep"
cp -Rp "$W/out" "$T_TMP/before"
kva report -f "$ALL" -o out --as-of "$AS_OF" "$ESTATE"
[ "$rc" = 4 ] || problem "exit $rc, want 4"
expect_err "=kvaudit: out/report.pdf: Is a directory"
diff -r "$T_TMP/before" "$W/out" >/dev/null || problem "out/ changed: $(diff -r "$T_TMP/before" "$W/out" | head -3)"
rm -rf "$T_TMP/before"
verdict "an output name taken by a directory: nothing renamed"

# --- --out that cannot be written -------------------------------------

fresh_out "$W/out"
kva_nobody report -f "$ALL" -o out --as-of "$AS_OF" "$ESTATE"
[ "$rc" = 4 ] || problem "exit $rc, want 4"
expect_err "=kvaudit: out: Permission denied"
old_whole "$W/out"
verdict "--out not writable (kvaudit as nobody, out owned by root 0755)"

mkdir -p "$W/locked"
chmod 555 "$W/locked"
kva_nobody report -f json -o locked/out/deeper --as-of "$AS_OF" "$ESTATE"
[ "$rc" = 4 ] || problem "exit $rc, want 4"
expect_err "=kvaudit: locked/out/deeper: Permission denied"
[ -z "$(ls -A "$W/locked")" ] || problem "something was created in locked/"
verdict "--out to create below a directory that is not writable"

# A tmpfs of its own in a private mount namespace: in_ns SCRIPT runs sh
# -c SCRIPT there (variables from the environment), or fails saying why.
NS=
if unshare -m --propagation private true 2>/dev/null; then
    NS="unshare -m --propagation private"
elif unshare -rm --propagation private true 2>/dev/null; then
    NS="unshare -rm --propagation private"
fi
in_ns() {
    if [ -z "$NS" ]; then
        problem "no mount namespace (unshare -m and unshare -rm refused): cannot mount a small file system here"
        return 1
    fi
    # shellcheck disable=SC2086
    $NS sh -c "$1"
}
export KVA PROBE W AS_OF ESTATE ALL T_TMP SLOW

# Read-only: the earlier report on a tmpfs remounted read-only.
rm -rf "$W/ro" && mkdir -p "$W/ro"
in_ns '
    mount -t tmpfs -o size=4m tmpfs "$W/ro" || exit 90
    mkdir "$W/ro/out" && cp -p "$T_TMP/old/"* "$W/ro/out/" || exit 91
    mount -o remount,ro "$W/ro" || exit 92
    cd "$W" && "$PROBE" run $((20 * SLOW)) "$T_TMP/res" "$KVA" report \
        -f "$ALL" -o ro/out --as-of "$AS_OF" "$ESTATE" >"$W/out.txt" 2>"$W/err"
    mkdir -p "$T_TMP/seen" && cp -p "$W/ro/out/"* "$T_TMP/seen/" &&
        ls -A "$W/ro/out" >"$T_TMP/seen.ls"
' && {
    read -r rc _ _ <"$T_TMP/res"
    [ "$rc" = 4 ] || problem "exit $rc, want 4"
    expect_err "=kvaudit: ro/out: Read-only file system"
    [ "$(tr '\n' ' ' <"$T_TMP/seen.ls")" = "$old_names" ] ||
        problem "ro/out holds $(tr '\n' ' ' <"$T_TMP/seen.ls")"
    for f in "$T_TMP/old/"*; do
        cmp -s "$f" "$T_TMP/seen/$(basename "$f")" || problem "$(basename "$f") changed"
    done
}
rm -rf "$T_TMP/seen" "$T_TMP/seen.ls"
verdict "--out on a read-only file system"

# Full: a 32 KiB tmpfs holding a small earlier report; the new
# report.json (76 KB) does not fit. (With several formats the outputs are
# written side by side, and which one meets the full disk first, and so
# the message, depends on timing: the sweep below covers those.)
rm -rf "$W/full" && mkdir -p "$W/full"
in_ns '
    mount -t tmpfs -o size=32k tmpfs "$W/full" || exit 90
    mkdir "$W/full/out" && cp -p "$T_TMP/tiny/"* "$W/full/out/" || exit 91
    cd "$W" && "$PROBE" run $((20 * SLOW)) "$T_TMP/res" "$KVA" report \
        -f json -o full/out --as-of "$AS_OF" "$ESTATE" >"$W/out.txt" 2>"$W/err"
    ls -A "$W/full/out" >"$T_TMP/seen.ls"
    sha256sum "$W/full/out/report.json" | cut -c1-64 >"$T_TMP/seen.sum"
' && {
    read -r rc _ _ <"$T_TMP/res"
    [ "$rc" = 4 ] || problem "exit $rc, want 4"
    expect_err "~kvaudit: full/out/.report.json.XXXXXX: cannot write: No space left on device"
    [ "$(tr '\n' ' ' <"$T_TMP/seen.ls")" = "SHA256SUMS report.json " ] ||
        problem "full/out holds $(tr '\n' ' ' <"$T_TMP/seen.ls")"
    [ "$(cat "$T_TMP/seen.sum")" = "$(sha256sum "$T_TMP/tiny/report.json" | cut -c1-64)" ] ||
        problem "report.json changed"
}
verdict "--out on a full file system: the message, the earlier report.json kept"

# Full at every point: file systems from 16 KiB to 2 MiB, so that the
# space runs out in each output in turn, in SHA256SUMS, or not at all.
# Each run leaves the earlier report whole or the new one whole.
rm -rf "$W/sweep" && mkdir -p "$W/sweep"
: >"$T_TMP/sweep.txt"
in_ns '
    for kb in 16 32 64 96 128 192 256 320 384 448 512 640 768 896 1024 1536 2048 4096; do
        mount -t tmpfs -o size=${kb}k tmpfs "$W/sweep" || exit 90
        mkdir "$W/sweep/out"
        cp -p "$T_TMP/tiny/"* "$W/sweep/out/" || exit 91
        cd "$W" && "$PROBE" run $((20 * SLOW)) "$T_TMP/res" "$KVA" report -q \
            -f "$ALL" -o sweep/out --as-of "$AS_OF" "$ESTATE" >/dev/null 2>"$W/err.$kb"
        read -r rc _ _ <"$T_TMP/res"
        sums=$(cd "$W/sweep/out" && sha256sum -c --quiet SHA256SUMS >/dev/null 2>&1 && echo ok || echo bad)
        echo "$kb $rc $sums $(cd "$W/sweep/out" && wc -l <SHA256SUMS) $(ls -A "$W/sweep/out" | tr "\n" " ")" >>"$T_TMP/sweep.txt"
        umount "$W/sweep" || exit 93
    done
' && {
    failed=0 written=0
    while read -r kb rc sums n names; do
        case $rc in
        4)
            failed=$((failed + 1))
            # the earlier report.json and SHA256SUMS, and nothing else
            [ "$sums $n $names" = "ok 1 SHA256SUMS report.json" ] ||
                problem "${kb} KiB: exit 4 left [$sums $n $names]"
            ;;
        0)
            written=$((written + 1))
            [ "$sums $n" = "ok 7" ] || problem "${kb} KiB: exit 0 left [$sums $n $names]"
            case $names in *" ."* | .*) problem "${kb} KiB: temporary files: $names" ;; esac
            ;;
        *) problem "${kb} KiB: exit $rc" ;;
        esac
    done <"$T_TMP/sweep.txt"
    [ "$failed" -ge 5 ] && [ "$written" -ge 1 ] ||
        problem "the sweep should both fill the disk and fit: $failed failed, $written written"
}
verdict "a full file system at every point of the output set"

# RLIMIT_FSIZE: no file may grow past the limit (EFBIG), anywhere, without
# privilege. SIGXFSZ is ignored so that the write fails instead of
# killing the process.
: >"$T_TMP/fsize.txt"
for blocks in 1 8 32 64 128 256 512 1024 2048 4096; do
    fresh_out "$W/out"
    (cd "$W" && trap '' XFSZ && ulimit -f "$blocks" &&
        "$PROBE" run $((20 * SLOW)) "$T_TMP/res" "$KVA" report -q -f "$ALL" \
            -o out --as-of "$AS_OF" "$ESTATE" >/dev/null 2>"$W/err")
    read -r rc _ _ <"$T_TMP/res"
    case $rc in
    4) old_whole "$W/out" ;;
    0) new_whole "$W/out" 7 ;;
    *) problem "limit $blocks blocks: exit $rc" ;;
    esac
    echo "$blocks $rc" >>"$T_TMP/fsize.txt"
done
grep -q ' 4$' "$T_TMP/fsize.txt" || problem "no limit made the run fail"
verdict "a file size limit at every point of the output set"

# stdout that cannot be written: the reports are complete (they were
# committed before the summary), the exit is 4.
rm -rf "$W/out"
(cd "$W" && "$KVA" report -f json -o out --as-of "$AS_OF" "$ESTATE" >/dev/full 2>"$W/err")
rc=$?
[ "$rc" = 4 ] || problem "exit $rc, want 4"
expect_err "=kvaudit: standard output: No space left on device"
new_whole "$W/out" 1
verdict "stdout on a full device"

# --- an interrupted run -----------------------------------------------

# An estate whose report takes seconds to render.
"$GEN" --subs 2000 --vaults 50000 --exceptions 100 "$T_TMP/big" >/dev/null 2>&1 ||
    fail "gen-tenant" "could not write the large estate"

# interrupt SIGNAL WHEN [fresh|xlsx]: start a report of the large estate
# into out (holding the earlier report, or not existing with "fresh"),
# wait until WHEN (temp: the first temporary file exists; sums:
# SHA256SUMS' temporary file exists; a number: that many seconds after the
# first temporary file), send SIGNAL. Sets $rc (128 + signal when it died
# of it). Every format but xlsx (six outputs), unless "xlsx" asks for
# every format: libxlsxwriter's own temporary files are the subject of
# their own test below.
FORMATS6=pdf,json,csv,md,sh,ps1
interrupt() {
    rm -rf "$W/out"
    [ "${3:-}" = fresh ] || fresh_out "$W/out"
    i_formats=$FORMATS6
    [ "${3:-}" = xlsx ] && i_formats=$ALL
    rm -f "$T_TMP/pid" "$T_TMP/res"
    (cd "$W" && PROBE_PIDFILE=$T_TMP/pid "$PROBE" run $((60 * SLOW)) \
        "$T_TMP/res" "$KVA" report -q -f "$i_formats" --pdf-vaults all -o out \
        --as-of "$AS_OF" "$T_TMP/big" >/dev/null 2>"$W/err") &
    bg=$!
    i=0
    until ls -A "$W/out" 2>/dev/null | grep -q '^\.report\.'; do
        i=$((i + 1))
        if [ $i -gt $((3000 * SLOW)) ] || [ -s "$T_TMP/res" ]; then
            problem "rendering never started"
            break
        fi
        sleep 0.01
    done
    case $2 in
    temp) ;;
    sums)
        i=0
        until ls -A "$W/out" 2>/dev/null | grep -q '^\.SHA256SUMS\.'; do
            i=$((i + 1))
            [ $i -gt $((6000 * SLOW)) ] || [ -s "$T_TMP/res" ] && break
            sleep 0.005
        done
        ;;
    *) sleep "$2" ;;
    esac
    kill -s "$1" "$(cat "$T_TMP/pid")" 2>/dev/null
    wait "$bg"
    read -r rc _ _ <"$T_TMP/res" || rc=999
}

for sig in INT TERM; do
    case $sig in INT) n=2 ;; TERM) n=15 ;; esac
    for when in temp 0.3 0.8; do
        interrupt "$sig" "$when"
        if [ "$rc" = $((128 + n)) ]; then
            old_whole "$W/out"
        elif [ "$rc" = 0 ]; then
            new_whole "$W/out" 6
            [ "$when" = temp ] && problem "the run ended before SIG$sig: the estate renders too fast to test"
        else
            problem "exit $rc"
        fi
        verdict "SIG$sig during rendering ($when): earlier report whole, no temporary file"
    done
    interrupt "$sig" temp fresh
    [ "$rc" = $((128 + n)) ] || problem "exit $rc, want $((128 + n))"
    if [ -e "$W/out" ]; then
        problem "out/ was created by the run and is still there: $(ls -A "$W/out" | tr '\n' ' ')"
        race_note "$(ls -A "$W/out" | tr '\n' ' ')"
    fi
    verdict "SIG$sig during rendering into a new --out: the directory is removed"

    interrupt "$sig" sums
    if [ "$rc" = $((128 + n)) ]; then
        # old or new, never a mix
        if [ "$(cd "$W/out" && ls -A | tr '\n' ' ')" = "$old_names" ]; then
            old_whole "$W/out"
        else
            new_whole "$W/out" 6
        fi
    elif [ "$rc" = 0 ]; then
        new_whole "$W/out" 6
    else
        problem "exit $rc"
    fi
    no_temps "$W/out"
    verdict "SIG$sig while committing: the earlier report or the new one, whole"
done

# With report.xlsx: libxlsxwriter makes temporary files (tmp.XXXXXXXXXX)
# in the output directory and unlinks each just after creating it; a
# signal that lands in between leaves one that the output set cannot know
# of (a known limitation, rare: microseconds per file). What the contract
# promises about final names holds all the same, and is checked strictly;
# such a leftover is shown as a comment.
for when in temp 0.4 0.9; do
    interrupt INT "$when" xlsx
    if [ "$rc" = 130 ]; then
        names=$(cd "$W/out" && ls -A | grep -v '^tmp\.' | tr '\n' ' ')
        [ "$names" = "$old_names" ] || problem "out/ holds [$names]"
        for f in "$T_TMP/old/"*; do
            cmp -s "$f" "$W/out/$(basename "$f")" || problem "$(basename "$f") changed"
        done
        left=$(cd "$W/out" && ls -A | grep '^tmp\.' | tr '\n' ' ')
        [ -n "$left" ] && echo "# libxlsxwriter's temporary file left behind: $left"
    elif [ "$rc" = 0 ]; then
        new_whole "$W/out" 7
    else
        problem "exit $rc"
    fi
    verdict "SIGINT while report.xlsx is written ($when): the earlier report whole"
done

# SIGKILL cannot be caught: the temporary files stay, but no file takes
# its final name half written and the earlier report is whole.
interrupt KILL 0.3
[ "$rc" = 137 ] || [ "$rc" = 0 ] || problem "exit $rc"
if [ "$rc" = 137 ]; then
    names=$(cd "$W/out" && ls -A | grep -v '^\.' | tr '\n' ' ')
    [ "$names" = "$old_names" ] || problem "out/ holds [$names]"
    for f in "$T_TMP/old/"*; do
        cmp -s "$f" "$W/out/$(basename "$f")" || problem "$(basename "$f") changed"
    done
fi
verdict "SIGKILL during rendering: the earlier report whole"

# --- modes --------------------------------------------------------------

for um in 022 077 027 002 000; do
    rm -rf "$W/m"
    (cd "$W" && umask "$um" && "$KVA" report -q -f "$ALL" -o m/out \
        --as-of "$AS_OF" "$ESTATE" >/dev/null 2>"$W/err")
    want_f=$(printf '%o' $((0644 & ~0$um)))
    want_d=$(printf '%o' $((0777 & ~0$um)))
    modes=$(cd "$W/m/out" && stat -c '%a' ./* | sort -u | tr '\n' ' ')
    [ "$modes" = "$want_f " ] || problem "files $modes, want $want_f"
    d=$(stat -c '%a' "$W/m/out")
    [ "$d" = "$want_d" ] || problem "out/ $d, want $want_d"
    verdict "umask $um: files $want_f, a new --out $want_d"
done

# An existing --out keeps its mode.
fresh_out "$W/out"
chmod 750 "$W/out"
kva report -q -f json -o out --as-of "$AS_OF" "$ESTATE"
[ "$(stat -c '%a' "$W/out")" = 750 ] || problem "out/ is now $(stat -c '%a' "$W/out")"
verdict "an existing --out keeps its mode"

# --- links planted at output names ------------------------------------

fresh_out "$W/out"
echo 'precious' >"$W/target-json"
echo 'precious' >"$W/target-sums"
echo 'precious' >"$W/target-hard"
ln -sf ../target-json "$W/out/report.json"
ln -sf ../target-sums "$W/out/SHA256SUMS"
ln -s /nonexistent/dir/file "$W/out/report.pdf"
ln -f "$W/target-hard" "$W/out/findings.csv"
touch -d '2001-01-01' "$W/target-json" "$W/target-sums" "$W/target-hard"
kva report -q -f "$ALL" -o out --as-of "$AS_OF" "$ESTATE"
[ "$rc" = 0 ] || problem "exit $rc"
for t in target-json target-sums target-hard; do
    [ "$(cat "$W/$t")" = precious ] || problem "$t was written through a link"
    [ "$(stat -c %Y "$W/$t")" = "$(date -d 2001-01-01 +%s)" ] || problem "$t was touched"
done
for f in report.json SHA256SUMS report.pdf findings.csv; do
    [ -f "$W/out/$f" ] && [ ! -L "$W/out/$f" ] || problem "$f is not a regular file of its own"
done
[ "$(stat -c %h "$W/out/findings.csv")" = 1 ] || problem "findings.csv still shares its inode"
new_whole "$W/out" 7
verdict "links planted at output names are replaced, never followed"

finish
