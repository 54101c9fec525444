#!/bin/sh
# make check-interop: LibreOffice opens report.xlsx and shows what
# report.json says. Every sheet is converted to CSV headless (text cells
# quoted, values as shown) and compared cell by cell with report.json by
# tests/xlsx/interop.jq; the workbooks are the sample estate (with a
# baseline) and tests/xlsx/hostile (formula-looking and non-Latin text).
#
#   BUILD=build sh tests/xlsx/interop.sh
#
# Needs LibreOffice Calc (Debian: apt-get install libreoffice-calc-nogui)
# and jq; fails, saying so, when LibreOffice is missing.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
. tests/lib.sh

if ! command -v soffice >/dev/null 2>&1; then
    echo "interop: LibreOffice is not installed (apt-get install libreoffice-calc-nogui)" >&2
    exit 2
fi
if [ ! -x "$KVA" ]; then
    echo "interop: $KVA is missing: run make first" >&2
    exit 2
fi

# A private LibreOffice profile: no clash with a running instance.
profile="file://$T_TMP/lo-profile"
csv_filter='csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,false,true,false,false,-1'

# interop NAME ARGS...: write report.json and report.xlsx, convert, compare.
interop() {
    name=$1
    shift
    dir=$T_TMP/$name
    run_kva report -f json,xlsx -o "$dir" --as-of 2026-11-23 "$@"
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        fail "$name: kvaudit report" "exit $rc: $(cat "$err")"
        return
    fi
    mkdir -p "$dir/csv"
    if ! timeout 300 soffice -env:UserInstallation="$profile" --headless \
        --convert-to "$csv_filter" --outdir "$dir/csv" "$dir/report.xlsx" \
        >"$dir/soffice.log" 2>&1; then
        fail "$name: LibreOffice converts report.xlsx" "$(cat "$dir/soffice.log")"
        return
    fi
    missing=""
    for s in Summary Subscriptions "Key Vaults" Owners Remediation \
        Exceptions Evidence Warnings; do
        [ -f "$dir/csv/report-$s.csv" ] || missing="$missing '$s'"
    done
    if [ -n "$missing" ]; then
        fail "$name: LibreOffice finds all eight sheets" "missing:$missing"
        return
    fi
    ok "$name: LibreOffice opens all eight sheets"
    c=$dir/csv/report
    if jq -r -f tests/xlsx/interop.jq \
        --rawfile summary "$c-Summary.csv" \
        --rawfile subscriptions "$c-Subscriptions.csv" \
        --rawfile vaults "$c-Key Vaults.csv" \
        --rawfile owners "$c-Owners.csv" \
        --rawfile remediation "$c-Remediation.csv" \
        --rawfile exceptions "$c-Exceptions.csv" \
        --rawfile evidence "$c-Evidence.csv" \
        --rawfile warnings "$c-Warnings.csv" \
        "$dir/report.json" >"$dir/diff.txt" 2>&1 && [ ! -s "$dir/diff.txt" ]; then
        ok "$name: every cell agrees with report.json"
    else
        fail "$name: every cell agrees with report.json" "$(head -30 "$dir/diff.txt")"
    fi
}

interop samples --title "Key Vault Defender coverage" --org "Contoso Group" \
    --baseline samples/baseline/report.json samples/estate
interop hostile tests/xlsx/hostile

# Formula-looking text stays text in LibreOffice too: quoted in the CSV,
# shown as typed.
h=$T_TMP/hostile/csv/report
if grep -qF '"=HYPERLINK(""http://evil.example/"",""click"")"' "$h-Subscriptions.csv" &&
    grep -qF '"=1+1"' "$h-Key Vaults.csv" && grep -qF '"_x0041_"' "$h-Subscriptions.csv" &&
    grep -qF '"_x005F_x0041_"' "$h-Key Vaults.csv"; then
    ok "hostile: formulas and _xHHHH_ show as typed"
else
    fail "hostile: formulas and _xHHHH_ show as typed"
fi

finish
