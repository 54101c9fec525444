#!/bin/sh
# remediate.sh / remediate.ps1 end to end, through the kvaudit binary:
#
#   - samples/estate: the generated commands are golden (the dry-run output
#     of remediate.sh, the argv az receives with --apply, and the command
#     lines of remediate.ps1, under tests/scripts/expected/);
#   - tests/scripts/hostile: subscription names, owners, environments,
#     management groups and paths that try to run code (quotes, $(),
#     backticks, ;, newlines, Unicode line breaks, typographic quotes).
#     The script must pass `bash -n`, print nothing but the intended lines
#     in a dry run, call nothing, and with --apply call az with exactly the
#     intended argv; the Azure Policy commands in report.json must give az
#     the intended argv when pasted into bash; remediate.ps1's lines must
#     be well-formed PowerShell literals (PowerShell itself is not a Debian
#     package, so it is not run).
#
# A fake `az` on PATH records every call. KVA_GOLDEN_UPDATE=1 rewrites the
# expectations from the actual output: review the diff before committing.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
. tests/lib.sh
unset SOURCE_DATE_EPOCH
export LC_ALL=C.UTF-8

here=tests/scripts
update=${KVA_GOLDEN_UPDATE:-}
canaries="/tmp/kva-e2e-canary-1 /tmp/kva-e2e-canary-2 /tmp/kva-e2e-canary-3 /tmp/kva-e2e-canary-4"
rm -f $canaries

mkdir -p "$T_TMP/bin"
cat >"$T_TMP/bin/az" <<'EOF'
#!/bin/sh
{ printf 'az'; for a in "$@"; do printf ' [%s]' "$a"; done; printf '\n'; } >>"$KVA_AZ_LOG"
case "$*" in
*"pricing show"*) echo '"Free"' ;;
esac
EOF
chmod +x "$T_TMP/bin/az"
export KVA_AZ_LOG="$T_TMP/az.log"
PATH="$T_TMP/bin:$PATH"
export PATH

golden() { # NAME EXPECTED ACTUAL
    if [ -n "$update" ]; then
        cp "$3" "$2"
        ok "$1 (updated)"
    elif [ ! -f "$2" ]; then
        fail "$1" "missing $2"
    elif cmp -s "$2" "$3"; then
        ok "$1"
    else
        fail "$1" "$(diff "$2" "$3" | head -20)"
    fi
}

no_canaries() {
    for c in $canaries; do
        if [ -e "$c" ]; then
            fail "$1: $c was created" "input text ran as code"
            return
        fi
    done
    ok "$1: no input ran as code"
}

# Lines of a dry run: comments, or exactly one of the two commands.
cmd_re='^az security pricing (create --subscription [0-9a-f-]{36} -n KeyVaults --tier Standard --subplan PerKeyVault|show --subscription [0-9a-f-]{36} -n KeyVaults --query pricingTier)$'
argv_re='^az \[security\] \[pricing\] (\[create\] \[--subscription\] \[[0-9a-f-]{36}\] \[-n\] \[KeyVaults\] \[--tier\] \[Standard\] \[--subplan\] \[PerKeyVault\]|\[show\] \[--subscription\] \[[0-9a-f-]{36}\] \[-n\] \[KeyVaults\] \[--query\] \[pricingTier\])$'
# A PowerShell single-quoted literal: any of the four single quotes opens
# and closes it, two in a row are one.
q="['‘’‚‛]"
lit="$q([^'‘’‚‛]|$q$q)*$q"

check_ps1() { # NAME FILE
    if [ ! -s "$2" ]; then
        fail "$1: no remediate.ps1"
        return
    fi
    body=$(sed -n '/^function Write-Note/,$p' "$2" | sed 1d)
    bad=$(printf '%s\n' "$body" | grep -Ev "^(#.*|$|(Write-Note|Invoke-Step|Write-Warning) $lit|Invoke-UnlessOn $lit $lit|if \(\\\$Apply\) \{|\} else \{|\}|    Write-Note $lit)\$")
    if [ -z "$bad" ]; then
        ok "$1: every line of remediate.ps1 is a comment or a well-formed call"
    else
        fail "$1: remediate.ps1 has lines that are not" "$bad"
    fi
    if head -c 3 "$2" | od -An -tx1 | grep -q 'ef bb bf'; then
        ok "$1: remediate.ps1 starts with a UTF-8 BOM"
    else
        fail "$1: remediate.ps1 has no UTF-8 BOM"
    fi
    if LC_ALL=C grep -q "$(printf '\r')" "$2"; then
        fail "$1: remediate.ps1 holds a CR"
    else
        ok "$1: remediate.ps1 holds no CR"
    fi
}

# run_script NAME DIR ARGS: runs DIR/remediate.sh, output in $T_TMP/sh.*
run_script() {
    rm -f "$KVA_AZ_LOG"
    : >"$KVA_AZ_LOG"
    (cd "$2" && bash remediate.sh $3) >"$T_TMP/sh.out" 2>"$T_TMP/sh.err"
    sh_rc=$?
}

# ---- samples/estate: golden commands ----
rep=$T_TMP/samples
run_kva report -f json,sh,ps1 -o "$rep" --as-of 2026-11-23 samples/estate
expect_eq "samples: report exit status" 0 "$rc"
check "samples: bash -n remediate.sh" bash -n "$rep/remediate.sh"
run_script samples "$rep" ""
expect_eq "samples: dry run exit status" 0 "$sh_rc"
golden "samples: dry-run output" "$here/expected/samples.dry-run" "$T_TMP/sh.out"
expect_eq "samples: dry run calls no az" "" "$(cat "$KVA_AZ_LOG")"
run_script samples "$rep" --apply
expect_eq "samples: --apply exit status" 0 "$sh_rc"
golden "samples: az argv with --apply" "$here/expected/samples.apply-argv" "$KVA_AZ_LOG"
grep -E '^(Invoke-Step|Invoke-UnlessOn) ' "$rep/remediate.ps1" >"$T_TMP/ps1.cmds"
golden "samples: remediate.ps1 commands" "$here/expected/samples.ps1-commands" "$T_TMP/ps1.cmds"
check_ps1 samples "$rep/remediate.ps1"
jq -r '.remediation_plan.management_groups[] | .assign, .remediate' \
    "$rep/report.json" >"$T_TMP/policy.cmds"
golden "samples: Azure Policy commands" "$here/expected/samples.policy-commands" "$T_TMP/policy.cmds"
# Contoso Finance Dev has an active exception and sits below
# contoso-lz-corp: pasted into bash, the assignment there leaves it out
# (the remediation task works through the assignment), and no other
# subscription is left out anywhere.
: >"$KVA_AZ_LOG"
bash "$T_TMP/policy.cmds"
expect_eq "samples: the exempt subscription is a --not-scopes argument" \
    "az [policy] [assignment] [create] [--name] [kva-defender-keyvault] [--display-name] [Configure Microsoft Defender for Key Vault plan] [--policy] [1f725891-01c0-420a-9059-4fa46cb770b7] [--scope] [/providers/Microsoft.Management/managementGroups/contoso-lz-corp] [--params] [{\"subPlan\":{\"value\":\"PerKeyVault\"}}] [--mi-system-assigned] [--location] [westeurope] [--identity-scope] [/providers/Microsoft.Management/managementGroups/contoso-lz-corp] [--role] [Security Admin] [--not-scopes] [/subscriptions/e27a5c93-1f4b-4d6e-8c3a-00000000c003]" \
    "$(sed -n 1p "$KVA_AZ_LOG")"
expect_eq "samples: one --not-scopes over all Azure Policy commands" 1 \
    "$(grep -c -- '--not-scopes' "$KVA_AZ_LOG")"

# ---- hostile names ----
rep=$T_TMP/hostile
run_kva report -f json,csv,md,sh,ps1 -o "$rep" --as-of 2026-11-23 "$here/hostile"
expect_eq "hostile: report exit status" 0 "$rc"
check "hostile: bash -n remediate.sh" bash -n "$rep/remediate.sh"
run_script hostile "$rep" ""
expect_eq "hostile: dry run exit status" 0 "$sh_rc"
bad=$(grep -Ev "^# |$cmd_re" "$T_TMP/sh.out")
if [ -z "$bad" ]; then
    ok "hostile: the dry run prints only comments and the intended commands"
else
    fail "hostile: the dry run printed other lines" "$bad"
fi
expect_eq "hostile: dry run commands" 9 "$(grep -cE "$cmd_re" "$T_TMP/sh.out")"
expect_eq "hostile: dry run calls no az" "" "$(cat "$KVA_AZ_LOG")"
no_canaries "hostile dry run"
run_script hostile "$rep" --apply
expect_eq "hostile: --apply exit status" 0 "$sh_rc"
bad=$(grep -Ev "$argv_re" "$KVA_AZ_LOG")
if [ -z "$bad" ]; then
    ok "hostile: --apply gives az only the intended argv"
else
    fail "hostile: az got other argv" "$bad"
fi
# 4 failing: create + show each, and the no-evidence one is shown first.
expect_eq "hostile: az calls with --apply" 9 "$(wc -l <"$KVA_AZ_LOG" | tr -d ' ')"
for id in e1e1e1e1-0000-4000-8000-000000000001 e5e5e5e5-0000-4000-8000-000000000005 \
    e2e2e2e2-0000-4000-8000-000000000002 e3e3e3e3-0000-4000-8000-000000000003; do
    expect_eq "hostile: $id is turned on" 1 \
        "$(grep -c "\[create\] \[--subscription\] \[$id\]" "$KVA_AZ_LOG")"
done
expect_eq "hostile: the compliant subscription is left alone" 0 \
    "$(grep -c e4e4e4e4 "$KVA_AZ_LOG")"
no_canaries "hostile --apply"
for a in --aply "--apply --apply" "'\$(touch /tmp/kva-e2e-canary-1)'"; do
    run_script hostile "$rep" "$a"
    expect_eq "hostile: remediate.sh $a is a usage error" 2 "$sh_rc"
done
expect_eq "hostile: usage errors call no az" "" "$(cat "$KVA_AZ_LOG")"
check_ps1 hostile "$rep/remediate.ps1"

# The Azure Policy commands as written in report.json, pasted into bash.
: >"$KVA_AZ_LOG"
jq -r '.remediation_plan.management_groups[] | .assign, .remediate' \
    "$rep/report.json" >"$T_TMP/policy.sh"
expect_eq "hostile: one Azure Policy route (the valid management group)" 2 \
    "$(wc -l <"$T_TMP/policy.sh" | tr -d ' ')"
bash "$T_TMP/policy.sh"
scope='/providers/Microsoft.Management/managementGroups/lz(1).a-b_c'
want="az [policy] [assignment] [create] [--name] [kva-defender-keyvault] [--display-name] [Configure Microsoft Defender for Key Vault plan] [--policy] [1f725891-01c0-420a-9059-4fa46cb770b7] [--scope] [$scope] [--params] [{\"subPlan\":{\"value\":\"PerKeyVault\"}}] [--mi-system-assigned] [--location] [westeurope] [--identity-scope] [$scope] [--role] [Security Admin]
az [policy] [remediation] [create] [--name] [kva-defender-keyvault] [--management-group] [lz(1).a-b_c] [--policy-assignment] [$scope/providers/Microsoft.Authorization/policyAssignments/kva-defender-keyvault]"
expect_eq "hostile: Azure Policy commands give az the intended argv" "$want" "$(cat "$KVA_AZ_LOG")"
if jq -e '.warnings[] | select(.code == "policy_route_skipped")' "$rep/report.json" >/dev/null; then
    ok "hostile: the invalid management group id is a warning"
else
    fail "hostile: no warning for the invalid management group id"
fi
no_canaries "hostile policy commands"

# findings.csv: neutralised cells, as Excel would see them.
if grep -q "\"'=cmd|' /C calc'!A0\"\|,'=cmd|' /C calc'!A0," "$rep/findings.csv"; then
    ok "hostile: findings.csv neutralises a formula"
else
    fail "hostile: findings.csv formula cell" "$(grep -n 'calc' "$rep/findings.csv")"
fi
rm -f $canaries
finish
