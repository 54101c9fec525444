#!/bin/sh
# --templates DIR through the kvaudit binary: an edited copy of templates/
# changes the reports; a broken one stops the run at start-up with the
# file, position, template and placeholder, and writes nothing.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
. tests/lib.sh
unset SOURCE_DATE_EPOCH

# edited NAME FILE SED-SCRIPT: a copy of templates/ with one file edited
edited() {
    d=$T_TMP/$1
    rm -rf "$d"
    cp -r templates "$d"
    sed "$3" "templates/$2" >"$d/$2"
}

# ---- an edited set is used ----
edited good commands.json 's/--subplan PerKeyVault"/--subplan PerKeyVault --only-show-errors"/'
sed 's/"Microsoft Defender for Key Vault coverage"/"Couverture Defender pour Key Vault"/' \
    templates/wording.json >"$d/wording.json"
run_kva report -f json,md,sh -o "$T_TMP/out-good" --as-of 2026-11-23 --templates "$d" samples/estate
expect_eq "edited: exit status" 0 "$rc"
expect_eq "edited: report.json carries the edited command" \
    "az security pricing create --subscription 3d5f7b9a-1c2e-4d4f-8a6b-00000000fab1 -n KeyVaults --tier Standard --subplan PerKeyVault --only-show-errors" \
    "$(jq -r '.subscriptions[0].remediation.az' "$T_TMP/out-good/report.json" 2>&1)"
expect_eq "edited: summary.md carries the edited title" \
    "# Couverture Defender pour Key Vault" "$(head -1 "$T_TMP/out-good/summary.md")"
if grep -q -- "--only-show-errors'" "$T_TMP/out-good/remediate.sh"; then
    ok "edited: remediate.sh carries the edited command"
else
    fail "edited: remediate.sh carries the edited command"
fi
run_kva report -f json -o "$T_TMP/out-same" --as-of 2026-11-23 --templates templates samples/estate
run_kva report -f json -o "$T_TMP/out-builtin" --as-of 2026-11-23 samples/estate
if cmp -s "$T_TMP/out-same/report.json" "$T_TMP/out-builtin/report.json"; then
    ok "--templates templates gives the built-in report"
else
    fail "--templates templates gives the built-in report"
fi

# ---- broken sets: exact message, nothing written ----
# bad NAME WANT-STDERR: run with $d and expect a start-up error
bad() {
    run_kva report -f json -o "$T_TMP/out-$1" --as-of 2026-11-23 --templates "$d" samples/estate
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        ok "$1: fails (exit $rc)"
    else
        fail "$1: fails" "exit $rc"
    fi
    expect_eq "$1: message" "$2" "$(cat "$err")"
    if [ -e "$T_TMP/out-$1" ]; then
        fail "$1: wrote $T_TMP/out-$1"
    else
        ok "$1: writes nothing"
    fi
}

edited unknown commands.json 's/--subscription {subscription_id} -n KeyVaults --tier/--subscription {subscriptionId} -n KeyVaults --tier/'
bad unknown "kvaudit: $d/commands.json:11:58: template 'az': unknown placeholder {subscriptionId}"

edited required commands.json 's/create --subscription {subscription_id} -n KeyVaults/create -n KeyVaults/'
bad required "kvaudit: $d/commands.json:11:7: template 'az': missing required placeholder {subscription_id}"

edited policy commands.json 's/--location {location} /--location {region} /'
bad policy "kvaudit: $d/commands.json:31:336: template 'policy_assign': unknown placeholder {region}"

edited syntax control.json 's/"plan": "KeyVaults",/"plan": "KeyVaults"/'
bad syntax "kvaudit: $d/control.json:7:5: expected ',' or '}' after an object member"

edited wording wording.json '/"exempt": "Exempt",/d'
bad wording "kvaudit: $d/wording.json: wording: missing key \"status_label.exempt\""

edited missing wording.json 's/x/x/'
rm "$d/wording.json"
bad missing "kvaudit: $d/wording.json: cannot open: No such file or directory (--templates DIR must hold control.json, commands.json and wording.json)"
finish
