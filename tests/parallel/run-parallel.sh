#!/bin/sh
# Threads never change what kvaudit writes (KVAUDIT_THREADS): on an estate
# large enough that its vault dump is read in shares and the outputs are
# rendered side by side, 1, 2 and 4 threads give the same files, the same
# summary and the same messages; a renderer that fails while others run
# leaves nothing behind and says what 1 thread says.
. tests/lib.sh

AS_OF=2026-11-23
CC=${CC:-cc}
GEN=$T_TMP/gen-tenant
ALL=xlsx,pdf,json,csv,md,sh,ps1

check "gen-tenant builds" $CC -std=c11 -O2 -D_POSIX_C_SOURCE=200809L \
    -D_XOPEN_SOURCE=700 -o "$GEN" bench/gen-tenant.c
[ -x "$GEN" ] || finish
# 6,000 vaults in one dump: above the size read in shares (4,096 records)
check "estate generated" "$GEN" --subs 300 --vaults 6000 --exceptions 30 \
    --seed 7 --as-of $AS_OF "$T_TMP/estate"
[ -d "$T_TMP/estate" ] || finish

# Every run writes into the same directory name: the command line is part
# of the workbook and the PDF.
OUT=$T_TMP/out

# run_threads LABEL THREADS ARGS...: kvaudit with THREADS threads; keeps
# its exit status, stdout, stderr without the timing lines, and the output
# directory under $T_TMP/LABEL.*
run_threads() {
    label=$1
    threads=$2
    shift 2
    rm -rf "$OUT"
    KVAUDIT_THREADS=$threads run_kva "$@"
    echo "$rc" >"$T_TMP/$label.rc"
    cp "$out" "$T_TMP/$label.stdout"
    grep -v '^kvaudit: time: ' "$err" >"$T_TMP/$label.stderr"
    rm -rf "$T_TMP/$label.out"
    if [ -d "$OUT" ]; then cp -r "$OUT" "$T_TMP/$label.out"; fi
}

for t in 1 2 4; do
    run_threads r$t $t report -f $ALL --as-of $AS_OF -o "$OUT" --timings \
        "$T_TMP/estate"
    expect_eq "threads=$t: exit 0" 0 "$(cat "$T_TMP/r$t.rc")"
done
check "threads=1: every output written" test -s "$T_TMP/r1.out/report.pdf" \
    -a -s "$T_TMP/r1.out/report.xlsx" -a -s "$T_TMP/r1.out/SHA256SUMS"
for t in 2 4; do
    check "threads=$t: same files, byte for byte, as 1 thread" \
        cmp "$T_TMP/r1.out/SHA256SUMS" "$T_TMP/r$t.out/SHA256SUMS"
    check "threads=$t: same summary" cmp "$T_TMP/r1.stdout" "$T_TMP/r$t.stdout"
    check "threads=$t: same messages" cmp "$T_TMP/r1.stderr" "$T_TMP/r$t.stderr"
done
check "SHA256SUMS holds" \
    sh -c "cd '$T_TMP/r4.out' && sha256sum -c --quiet SHA256SUMS"

# --timings (of the last run): one line per output, and the whole render
# phase, whose outputs overlap in time.
for phase in read evaluate "render report.json" "render report.xlsx" \
    "render report.pdf" "render findings.csv" "render summary.md" \
    "render remediate.sh" "render remediate.ps1" render commit total; do
    check "--timings: $phase" grep -q "^kvaudit: time: $phase [0-9.]* s\$" "$err"
done

# The model behind `check` too: the findings table and the verdict.
for t in 1 3; do
    run_threads c$t $t check --as-of $AS_OF "$T_TMP/estate"
done
expect_eq "check: exit status the same" "$(cat "$T_TMP/c1.rc")" \
    "$(cat "$T_TMP/c3.rc")"
check "check: same findings with 3 threads" cmp "$T_TMP/c1.stdout" \
    "$T_TMP/c3.stdout"

# A value that is no thread count is ignored (the default applies).
for v in 0 abc -2 65 ""; do
    run_threads bad "$v" report -f json --as-of $AS_OF -o "$OUT" \
        "$T_TMP/estate"
    expect_eq "KVAUDIT_THREADS='$v': exit 0" 0 "$rc"
    check "KVAUDIT_THREADS='$v': same report.json" \
        cmp "$T_TMP/r1.out/report.json" "$OUT/report.json"
done

# Broken files among many: the first in path order decides the error,
# whichever thread read it, and --allow-partial lists the same ones.
mkdir -p "$T_TMP/broken"
cp -r "$T_TMP/estate/." "$T_TMP/broken/"
printf '{"value": [' >"$T_TMP/broken/pricings/0-truncated.json"
printf '[1, 2,]' >"$T_TMP/broken/pricings/zz-syntax.json"
for t in 1 2 4; do
    run_threads b$t $t check --as-of $AS_OF "$T_TMP/broken"
    run_threads p$t $t report -f json --allow-partial --as-of $AS_OF \
        -o "$OUT" "$T_TMP/broken"
done
expect_eq "broken input: exit 3" 3 "$(cat "$T_TMP/b1.rc")"
check "broken input: the first file in order is named" \
    grep -q "0-truncated.json" "$T_TMP/b1.stderr"
for t in 2 4; do
    check "broken input, threads=$t: same error" \
        cmp "$T_TMP/b1.stderr" "$T_TMP/b$t.stderr"
    check "--allow-partial, threads=$t: same warnings" \
        cmp "$T_TMP/p1.stderr" "$T_TMP/p$t.stderr"
    check "--allow-partial, threads=$t: same report.json" \
        cmp "$T_TMP/p1.out/report.json" "$T_TMP/p$t.out/report.json"
done
check "--allow-partial: both files listed as skipped" \
    test "$(grep -c '"input_skipped"' "$T_TMP/p1.out/report.json")" -eq 2

# A renderer that fails while the others are writing (no font for the
# PDF): exit 4, the same message as with 1 thread, no new file, and what
# was in the directory stays.
cat >"$T_TMP/fonts.conf" <<EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>$T_TMP/no-fonts</dir><cachedir>$T_TMP/fc-cache</cachedir></fontconfig>
EOF
for t in 1 2 4; do
    rm -rf "$OUT"
    mkdir -p "$OUT"
    echo kept >"$OUT/notes.txt"
    FONTCONFIG_FILE=$T_TMP/fonts.conf KVAUDIT_THREADS=$t run_kva report \
        -f $ALL --as-of $AS_OF -o "$OUT" "$T_TMP/estate"
    expect_eq "failing PDF, threads=$t: exit 4" 4 "$rc"
    expect_eq "failing PDF, threads=$t: only the old file is left" \
        "notes.txt" "$(ls -A "$OUT" | tr '\n' ' ' | sed 's/ $//')"
    cp "$err" "$T_TMP/fail$t"
done
check "failing PDF: the message names the missing font" \
    grep -q "DejaVu Sans" "$T_TMP/fail1"
check "failing PDF, threads=2: same message as 1 thread" \
    cmp "$T_TMP/fail1" "$T_TMP/fail2"
check "failing PDF, threads=4: same message as 1 thread" \
    cmp "$T_TMP/fail1" "$T_TMP/fail4"

finish
