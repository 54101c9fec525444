# Hostile text in valid evidence: subscription, owner, environment,
# management group, vault, resource group and exception texts, and file
# names, with shell metacharacters, spreadsheet formulas, control
# characters, bidirectional overrides and 10,000 characters. These are
# valid inputs: the run succeeds, every output passes the safety checks of
# run_case (report.json valid, remediate.sh passes bash -n and its dry run
# prints only the intended commands and runs nothing, findings.csv
# neutralised, XLSX and PDF readable, no raw control character where a
# terminal or an XML reader would meet it) and report.json keeps every
# text exactly as the evidence has it.

# estate NAMES: the texts (a JSON array, escapes allowed) become an estate
# with one subscription per text: its display name, owner and environment
# tags, management group, a Free KeyVaults pricing and a key vault whose
# name, resource group, location and owner are the text too. The first
# subscription also gets an exception whose reason, owner and ticket are
# the text.
estate() {
    printf '%s\n' "$1" >"$T_TMP/names.json"
    jq '[to_entries[] | {i: (.key + 1), t: .value}
         | .g = "00000000-0000-4000-8000-" + ("000000000000" + (.i | tostring))[-12:]]' \
        "$T_TMP/names.json" >"$T_TMP/estate.json" || return 1
    jq -c '{data: [.[] | {id: ("/subscriptions/" + .g), name: .t,
            type: "microsoft.resources/subscriptions", subscriptionId: .g,
            tenantId: "aaaaaaaa-0000-4000-8000-00000000000a",
            tags: {owner: .t, environment: .t},
            properties: {state: "Enabled", managementGroupAncestorsChain:
                [{displayName: .t, name: .t}, {displayName: "Root", name: "root"}]}}]}' \
        "$T_TMP/estate.json" >"$IN/subscriptions.json"
    jq -c '{value: [.[] | {id: ("/subscriptions/" + .g + "/providers/Microsoft.Security/pricings/KeyVaults"),
            name: "KeyVaults", type: "Microsoft.Security/pricings",
            pricingTier: "Free", subPlan: .t}]}' \
        "$T_TMP/estate.json" >"$IN/pricings.json"
    jq -c '[.[] | {id: ("/subscriptions/" + .g + "/resourceGroups/rg-" + (.i | tostring) + "/providers/Microsoft.KeyVault/vaults/kv-" + (.i | tostring)),
            name: .t, type: "Microsoft.KeyVault/vaults", resourceGroup: .t,
            location: .t, tags: {owner: .t}}]' \
        "$T_TMP/estate.json" >"$IN/vaults.json"
    jq -c '{schema: "kvaudit.exceptions/1", exceptions: [.[0] | {subscription_id: .g,
            reason: .t, owner: .t, expires: "2026-12-31", ticket: .t}]}' \
        "$T_TMP/estate.json" >"$IN/exceptions.json"
}

# kept.jq: report.json holds every text exactly where it was copied to
# (owner and environment are derived: trimmed, normalised).
cat >"$T_TMP/kept.jq" <<'EOF'
($n[0] | sort) as $want
| ([.subscriptions[].name] | sort) == $want
  and ([.vaults[].name] | sort) == $want
  and ([.vaults[].resource_group] | sort) == $want
  and ([.vaults[].location] | sort) == $want
  and ([.subscriptions[].management_groups[0]] | sort) == $want
  and .exceptions[0].reason == $n[0][0]
  and .exceptions[0].ticket == $n[0][0]
EOF
kept="jq -e --slurpfile n names.json -f '$T_TMP/kept.jq' out/report.json >/dev/null ||
    echo 'report.json does not keep the texts exactly'"

# text_case NAME TEXTS [STDERR PREFIX...]: the estate of TEXTS; run_case's
# output checks, and the texts kept exactly. Warnings the PDF gives about
# glyphs no font has are expected by prefix.
text_case() {
    case_new "text: $1"
    if ! estate "$2"; then
        fail "text: $1" "jq could not build the estate"
        return
    fi
    cp "$T_TMP/names.json" "$C/names.json"
    CASE_EXIT=0
    shift 2
    for p in "$@"; do expect_prefix "$p"; done
    after "$kept"
    run_case
}

pdf_glyphs='kvaudit: warning: report.pdf: '

text_case "shell metacharacters" \
    '["$(touch pwned)", "`touch pwned2`", "a; touch pwned3", "x | touch pwned4 &", "${IFS}$((1+1))", "'"'"'; touch pwned5; '"'"'", "\"; touch pwned6; \"", "a\\b\\\\c", "<(touch pwned7)", ">pwned8", "!1 ~root *"]'

text_case "spreadsheet formulas" \
    '["=cmd|'"'"' /C calc'"'"'!A0", "+1+1", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(1)", "=HYPERLINK(\"http://example.com/x\",\"click\")", "_x0041_ and _x000D_"]'

text_case "control characters" \
    '["\u001b[31mred\u001b[0m", "bell\u0007", "cr\rlf\nend", "tab\there", "del\u007f", "nel\u0085", "csi\u009b2J", "ls\u2028ps\u2029", "bs\b\b\bXYZ", "ff\fvt\u000b"]' \
    "$pdf_glyphs"

text_case "bidirectional overrides" \
    '["abc\u202egpj.exe", "\u202dLTR\u202c", "\u2066isolate\u2069", "\u2067rtl\u2069", "\u2068fsi\u2069", "rlm\u200f", "lrm\u200e", "alm\u061c", "\u202e'"'"'; touch pwned #"]' \
    "$pdf_glyphs"

long10k=$(head -c 10000 /dev/zero | tr '\0' W)
# the emoji is in no installed font: the PDF says how many it could not draw
text_case "10,000 characters" \
    "[\"$long10k\", \"$(awk 'BEGIN { for (i = 0; i < 2500; i++) printf "Zé山😀" }')\"]" \
    "$pdf_glyphs"

long40k=$(head -c 40000 /dev/zero | tr '\0' L)
case_new "text: 40,000 characters, over a spreadsheet cell"
estate "[\"$long40k\"]"
cp "$T_TMP/names.json" "$C/names.json"
# one long_text warning per field that holds it, at its record
: >"$T_TMP/long.err"
while read -r f at field; do
    echo "kvaudit: in/$f:$at: warning: $field: text of 40000 bytes is longer than a spreadsheet cell holds (32,767 bytes); kept whole" >>"$T_TMP/long.err"
done <<'EOF'
exceptions.json 1:48 exceptions[0].reason
exceptions.json 1:48 exceptions[0].owner
exceptions.json 1:48 exceptions[0].ticket
pricings.json 1:11 value[0].subPlan
subscriptions.json 1:10 data[0].name
subscriptions.json 1:10 data[0].tags.owner
subscriptions.json 1:10 data[0].tags.environment
subscriptions.json 1:10 data[0].properties.managementGroupAncestorsChain[0].displayName
subscriptions.json 1:10 data[0].properties.managementGroupAncestorsChain[0].name
vaults.json 1:2 [0].name
vaults.json 1:2 [0].resourceGroup
vaults.json 1:2 [0].location
vaults.json 1:2 [0].tags.owner
EOF
# The PDF cuts each table cell at 32,767 characters (commands stay whole).
echo "kvaudit: warning: report.pdf: 21 table cells longer than 32,767 characters cut, with a marker; report.json holds them whole" >>"$T_TMP/long.err"
CASE_EXIT=0
expect_lines "$T_TMP/long.err"
after "$kept"
run_case

# File names are text from the evidence too: they reach every output as
# the evidence list, and stderr in warnings.
case_new "text: hostile file names"
S=00000000-0000-4000-8000-000000000001
for n in '$(touch pwned).json' '`touch pwned2`.json' '; touch pwned3 ;.json' \
    "'; touch pwned4; '.json" '=cmd|calc!A0.json' '-rf.json' '+1.json' \
    "$(printf 'new\nline.json')" "$(printf 'esc\033[31m.json')" \
    "$(printf 'bidi\342\200\256nosj.exe.json')" "$(printf 'c1\302\233.json')"; do
    printf '{"value": [{"id": "/subscriptions/%s/providers/Microsoft.Security/pricings/KeyVaults", "name": "KeyVaults", "pricingTier": "Free"}]}\n' "$S" >"$IN/$n"
done
# and one that is not evidence: its warning names it, escaped
printf '[]' >"$IN/$(printf 'empty\033]0;title\007.json')"
expect 0 'kvaudit: in/empty\x1b]0;title\x07.json: warning: no record of a known kind (pricings, subscriptions, key vaults, exceptions)'
expect_prefix "$pdf_glyphs"
after 'n=$(jq "[.inputs[] | select(.kind == \"pricings\")] | length" out/report.json)
[ "$n" = 11 ] || echo "report.json lists $n pricing inputs, want 11"
jq -e ".inputs[].path | select(. == \"in/new\nline.json\")" out/report.json >/dev/null || echo "the file name with a newline is not kept exactly"'
run_case
