# Truncation at every structural position of real dumps. Each copy is cut
# right after one token (and once inside a string and inside a literal);
# kvaudit must name the end of the cut file -- line, and column in code
# points -- and the container left open. `probe cuts` works the positions
# out from the fixture alone, not from kvaudit.
#
# Fixtures: the CLI pricing list (LF), PowerShell 7's ConvertTo-Json
# (CRLF, TimeSpan objects), azureProfile.json (UTF-8 byte-order mark, one
# line), and an account list with accents, Greek, Cyrillic, CJK and an
# emoji re-encoded as UTF-16LE with a byte-order mark (columns count code
# points of the decoded text, the emoji's surrogate pair is one).

# truncations LABEL FIXTURE ENCODING: ENCODING is utf8, utf8bom (the
# fixture has a BOM, kept on every cut) or utf16le (the cut is re-encoded).
truncations() {
    t_label=$1
    t_fx=$2
    t_enc=$3
    if [ "$t_enc" = utf8bom ]; then
        tail -c +4 "$t_fx" >"$T_TMP/fixture"
    else
        cp "$t_fx" "$T_TMP/fixture"
    fi
    if ! "$PROBE" cuts "$T_TMP/fixture" >"$T_TMP/cuts"; then
        fail "truncations of $t_label" "probe cuts failed"
        return
    fi
    while read -r t_off t_line t_col t_msg <&3; do
        case_new "truncated $t_label: first $t_off bytes ($t_msg)"
        case $t_enc in
        utf8) head -c "$t_off" "$T_TMP/fixture" >"$IN/cut.json" ;;
        utf8bom)
            { printf '\357\273\277'; head -c "$t_off" "$T_TMP/fixture"; } >"$IN/cut.json"
            ;;
        utf16le)
            { printf '\377\376'; head -c "$t_off" "$T_TMP/fixture" |
                iconv -f UTF-8 -t UTF-16LE; } >"$IN/cut.json"
            ;;
        esac
        expect 3 "kvaudit: in/cut.json:$t_line:$t_col: $t_msg"
        no_check_variant
        limit 3
        run_case
    done 3<"$T_TMP/cuts"
}

truncations "CLI pricing list" \
    "$top/tests/fixtures/formats/cli_security_pricing_list_object.json" utf8
truncations "PowerShell 7 pricings (CRLF)" \
    "$top/tests/fixtures/formats/ps7_get_azsecuritypricing_convertto_json.json" utf8
truncations "azureProfile.json (BOM)" \
    "$top/tests/fixtures/formats/azureProfile.utf8bom.json" utf8bom
truncations "account list in UTF-16LE" \
    "$H/data/accounts-unicode.json" utf16le

# The cut inside a number: "-" alone, "1." and "1e" wait for digits.
for t in '-' '1.' '1e' '1e+'; do
    case_new "truncated inside the number $t"
    printf '{\n  "count": %s' "$t" >"$IN/cut.json"
    expect 3 "kvaudit: in/cut.json:2:$((12 + ${#t})): unexpected end of file inside a number"
    run_case
done

# A UTF-16LE file cut in the middle of a code unit: the odd byte is the
# last one, the "{" on line 1 col 1 is complete, so the position is 1:2.
case_new "truncated UTF-16LE inside a code unit"
{ printf '\377\376'; printf '{}' | iconv -f UTF-8 -t UTF-16LE | head -c 3; } >"$IN/cut.json"
expect 3 "kvaudit: in/cut.json:1:2: UTF-16 text with an odd number of bytes"
run_case

# A UTF-8 sequence cut by the end of the file: the lead byte of "é" at
# line 1, col 14, is all there is of it.
case_new "truncated inside a UTF-8 sequence"
printf '[{"name":"Caf\303' >"$IN/cut.json"
expect 3 "kvaudit: in/cut.json:1:14: invalid UTF-8 in a string"
run_case
