#!/bin/sh
# The output set through the binary (DESIGN.md section 5): all or nothing
# even when a final name cannot be replaced halfway through the commit,
# and no output of an earlier run left beside the new SHA256SUMS.
. tests/lib.sh

D=$T_TMP/data
mkdir -p "$D"
S1=00000000-0000-0000-0000-000000000001
cat >"$D/p.json" <<EOF
{"value":[{"id":"/subscriptions/$S1/providers/Microsoft.Security/pricings/KeyVaults","name":"KeyVaults","pricingTier":"Standard"}]}
EOF
AS_OF="--as-of 2026-11-23"

# An --out from an earlier run: every output, SHA256SUMS and a file of
# the user's, each with recognisable old content.
old_run() { # dir
    rm -rf "$1"
    mkdir -p "$1"
    for f in report.json report.xlsx report.pdf findings.csv summary.md \
        remediate.sh remediate.ps1 SHA256SUMS notes.txt; do
        echo "old $f" >"$1/$f"
    done
}
# Names and contents, one line per file, hidden files included.
snapshot() { # dir
    (cd "$1" && for f in $(ls -A); do
        if [ -d "$f" ]; then echo "$f/"; else echo "$f: $(cat "$f")"; fi
    done)
}

# --- a directory where report.pdf goes: report.json is put in place
# first, then report.pdf fails, and report.json must be the old one again
o=$T_TMP/dir-blocked
old_run "$o"
rm "$o/report.pdf"
mkdir "$o/report.pdf"
before=$(snapshot "$o")
run_kva report -f json,csv,pdf -o "$o" $AS_OF "$D/p.json"
expect_eq "report.pdf is a directory: exit 4" 4 "$rc"
expect_eq "report.pdf is a directory: message" \
    "kvaudit: $o/report.pdf: Is a directory" "$(cat "$err")"
expect_eq "report.pdf is a directory: --out exactly as before" \
    "$before" "$(snapshot "$o")"

# --- an immutable old report.pdf (rename over it fails with EPERM), the
# reviewer's case; needs chattr and the right to use it
o=$T_TMP/immutable
old_run "$o"
if chattr +i "$o/report.pdf" 2>/dev/null; then
    before=$(snapshot "$o")
    run_kva report -f json,pdf -o "$o" $AS_OF "$D/p.json"
    chattr -i "$o/report.pdf"
    expect_eq "immutable report.pdf: exit 4" 4 "$rc"
    expect_eq "immutable report.pdf: message" \
        "kvaudit: $o/report.pdf: Operation not permitted" "$(cat "$err")"
    expect_eq "immutable report.pdf: --out exactly as before" \
        "$before" "$(snapshot "$o")"
else
    ok "immutable report.pdf # SKIP chattr +i is not available here (the directory case above covers the same path)"
fi

# --- a later run with fewer formats: the old outputs it does not write
# are gone, SHA256SUMS lists what is there, the user's file stays
o=$T_TMP/stale
old_run "$o"
run_kva report -f json,md -o "$o" $AS_OF "$D/p.json"
expect_eq "fewer formats: exit 0" 0 "$rc"
expect_eq "fewer formats: only this run's outputs and the user's file" \
    "SHA256SUMS notes.txt report.json summary.md" "$(ls -A "$o" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "fewer formats: the user's file untouched" "old notes.txt" "$(cat "$o/notes.txt")"
check "fewer formats: SHA256SUMS checks" sh -c "cd '$o' && sha256sum --quiet --strict -c SHA256SUMS"
expect_eq "fewer formats: SHA256SUMS lists every file but itself and the user's" \
    "report.json summary.md" "$(sed 's/^[0-9a-f]*  //' "$o/SHA256SUMS" | tr '\n' ' ' | sed 's/ $//')"

# --- a stale output behind a symlink: the link goes, its target stays;
# a directory under an output name is not removed
o=$T_TMP/stale-link
old_run "$o"
echo precious >"$T_TMP/victim"
rm "$o/report.pdf" "$o/findings.csv"
ln -s "$T_TMP/victim" "$o/report.pdf"
mkdir "$o/findings.csv"
run_kva report -f json -o "$T_TMP/stale-link" $AS_OF "$D/p.json"
expect_eq "stale symlink: exit 0" 0 "$rc"
expect_eq "stale symlink: link removed, directory left" \
    "SHA256SUMS findings.csv notes.txt report.json" "$(ls -A "$o" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "stale symlink: target untouched" "precious" "$(cat "$T_TMP/victim")"

# --- a failed run removes no stale output either
o=$T_TMP/stale-failed
old_run "$o"
rm "$o/SHA256SUMS"
mkdir "$o/SHA256SUMS"
before=$(snapshot "$o")
run_kva report -f json -o "$o" $AS_OF "$D/p.json"
expect_eq "SHA256SUMS is a directory: exit 4" 4 "$rc"
expect_eq "SHA256SUMS is a directory: stale outputs still there" \
    "$before" "$(snapshot "$o")"

finish
