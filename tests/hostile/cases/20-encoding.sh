# Encodings: invalid UTF-8 in keys and values, overlong forms, surrogates
# (encoded and escaped), \u0000, NUL bytes, UTF-16 and UTF-32 with and
# without a byte-order mark. Every one is an input error with the position
# of the offending byte (columns count code points; in a UTF-16 file, of
# the decoded text; a byte-order mark takes no column).

# bad_utf8 NAME BYTES LINE COL: a pricing list whose line 3 holds BYTES
# inside the value of "pricingTier".
bad_utf8() {
    case_new "invalid UTF-8: $1"
    printf '{\n  "value": [\n    {"name": "KeyVaults", "pricingTier": "St'"$2"'andard"}\n  ]\n}\n' \
        >"$IN/bad.json"
    expect 3 "kvaudit: in/bad.json:$3:$4: invalid UTF-8 in a string"
    run_case
}
# Line 3 is '    {"name": "KeyVaults", "pricingTier": "St': the bad byte
# is col 45.
bad_utf8 "Latin-1 byte" '\351' 3 45
bad_utf8 "lone continuation byte" '\200' 3 45
bad_utf8 "lead byte without its continuation" '\303(' 3 45
bad_utf8 "overlong 2-byte / (C0 AF)" '\300\257' 3 45
bad_utf8 "overlong 2-byte NUL (C1 80)" '\301\200' 3 45
bad_utf8 "overlong 3-byte / (E0 80 AF)" '\340\200\257' 3 45
bad_utf8 "overlong 4-byte / (F0 80 80 AF)" '\360\200\200\257' 3 45
bad_utf8 "UTF-8-encoded high surrogate U+D800 (ED A0 80)" '\355\240\200' 3 45
bad_utf8 "UTF-8-encoded low surrogate U+DFFF (ED BF BF)" '\355\277\277' 3 45
bad_utf8 "above U+10FFFF (F4 90 80 80)" '\364\220\200\200' 3 45
bad_utf8 "byte F5" '\365\200\200\200' 3 45
bad_utf8 "byte FF" '\377' 3 45
# after a valid two-byte "é" (one column) the bad byte is col 46
bad_utf8 "after a valid character" '\303\251\351' 3 46

case_new "invalid UTF-8 in a key"
# line 3: 4 spaces, '{', '"', 'n', 'a', then 0xFF at col 9
printf '{\n  "value": [\n    {"na\377me": "kv-1"}\n  ]\n}\n' >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:3:9: invalid UTF-8 in a string"
run_case

case_new "invalid UTF-8 in a key of the wrapper"
printf '{"valu\351": []}\n' >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:1:7: invalid UTF-8 in a string"
run_case

case_new "invalid UTF-8 outside any string"
printf '{"value": [] \351}\n' >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:1:14: non-ASCII character outside a string"
run_case

case_new "Windows-1252 export of a subscription list"
printf '[\n  {"id": "0a0a0a0a-1111-4111-8111-000000000001", "name": "D\351veloppement", "state": "Enabled"}\n]\n' >"$IN/accounts.json"
# line 2: the "D" of the name is col 59, the byte after it col 60
expect 3 "kvaudit: in/accounts.json:2:60: invalid UTF-8 in a string"
run_case

# Escapes.
# esc NAME ESCAPE COL MESSAGE: ESCAPE (printf's notation) inside "name" on
# line 1, after an "a" at col 12.
esc() {
    case_new "escape: $1"
    printf '[{"name": "a'"$2"'b", "pricingTier": "Free"}]\n' >"$IN/bad.json"
    expect 3 "kvaudit: in/bad.json:1:$3: $4"
    run_case
}
esc 'lone high surrogate \ud800' '\\ud800' 13 "unpaired surrogate escape"
esc 'lone low surrogate \udc00' '\\udc00' 13 "unpaired surrogate escape"
esc 'high surrogate then a letter' '\\ud800\\u0041' 13 "unpaired surrogate escape"
esc 'two high surrogates' '\\ud800\\ud800' 13 "unpaired surrogate escape"
esc 'low then high surrogate' '\\udc00\\ud800' 13 "unpaired surrogate escape"
esc '\u0000' '\\u0000' 13 '\u0000 in a string'
esc 'three hex digits' '\\u00eX' 18 "invalid \\u escape: expected 4 hex digits"
esc 'not hex' '\\uZZZZ' 15 "invalid \\u escape: expected 4 hex digits"
esc 'unknown letter \x' '\\x41' 14 "invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u"
esc 'raw TAB' '\t' 13 "control character in a string"
esc 'raw ESC' '\033' 13 "control character in a string"

case_new "escape: \\u0000 in a key"
printf '[{"na\\u0000me": "x"}]\n' >"$IN/bad.json"
expect 3 'kvaudit: in/bad.json:1:6: \u0000 in a string'
run_case

case_new "escape: a surrogate pair and other escapes are fine"
printf '[{"name": "\\ud83d\\ude00 \\u00e9\\u4e2d\\/\\t"}]\n' >"$IN/ok.json"
expect 0 "kvaudit: in/ok.json: warning: no record of a known kind (pricings, subscriptions, key vaults, exceptions)"
run_case

# NUL bytes.
case_new "NUL byte between tokens"
printf '{\n  "value": [],\000\n  "x": 1\n}\n' >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:2:15: NUL byte"
run_case

case_new "NUL byte inside a string"
printf '[{"name": "kv\000-1"}]\n' >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:1:14: NUL byte"
run_case

case_new "NUL byte after the JSON value"
printf '{"value": []}\n\000' >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:2:1: NUL byte"
run_case

case_new "NUL bytes only"
head -c 4096 /dev/zero >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:1:1: NUL byte"
run_case

# UTF-16 and UTF-32 without a byte-order mark: recognised by the NULs
# beside ASCII, refused at the first character.
nobom() {
    case_new "no byte-order mark: $1"
    printf '{\n  "value": []\n}\n' | iconv -f UTF-8 -t "$2" >"$IN/bad.json"
    expect 3 "kvaudit: in/bad.json:1:1: $3"
    run_case
}
nobom "UTF-16LE" UTF-16LE "looks like UTF-16 without a byte-order mark; save the file as UTF-8"
nobom "UTF-16BE" UTF-16BE "looks like UTF-16 without a byte-order mark; save the file as UTF-8"
nobom "UTF-32LE" UTF-32LE "looks like UTF-32 without a byte-order mark; save the file as UTF-8"
nobom "UTF-32BE" UTF-32BE "looks like UTF-32 without a byte-order mark; save the file as UTF-8"

case_new "UTF-32LE with a byte-order mark"
{ printf '\377\376\000\000'; printf '{"value": []}\n' | iconv -f UTF-8 -t UTF-32LE; } >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:1:1: UTF-32 is not supported; save the file as UTF-8"
run_case

case_new "UTF-32BE with a byte-order mark"
{ printf '\000\000\376\377'; printf '{"value": []}\n' | iconv -f UTF-8 -t UTF-32BE; } >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:1:1: UTF-32 is not supported; save the file as UTF-8"
run_case

# UTF-16 with a byte-order mark is read; what is wrong inside it is
# reported at the position of the decoded text.
case_new "UTF-16LE: lone high surrogate code unit"
# line 2 is '  {"name": "' (12 characters), the surrogate is col 13
{ printf '\377\376'; printf '[\n  {"name": "' | iconv -f UTF-8 -t UTF-16LE
  printf '\000\330'; printf 'x"}\n]\n' | iconv -f UTF-8 -t UTF-16LE; } >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:2:13: unpaired UTF-16 surrogate"
run_case

case_new "UTF-16BE: lone low surrogate code unit"
{ printf '\376\377'; printf '[\n  {"name": "' | iconv -f UTF-8 -t UTF-16BE
  printf '\334\000'; printf 'x"}\n]\n' | iconv -f UTF-8 -t UTF-16BE; } >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:2:13: unpaired UTF-16 surrogate"
run_case

case_new "UTF-16LE: NUL character"
{ printf '\377\376'; printf '[\n  {"name": "ab' | iconv -f UTF-8 -t UTF-16LE
  printf '\000\000'; printf '"}\n]\n' | iconv -f UTF-8 -t UTF-16LE; } >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:2:15: NUL character in UTF-16 text"
run_case

case_new "UTF-16LE: syntax error after an emoji (one column)"
# line 1: '[{"name": "' (11), the emoji (col 12), '"' col 13, '}' col 14,
# then 'x' at col 15
{ printf '\377\376'; printf '[{"name": "\360\237\230\200"}x]\n' | iconv -f UTF-8 -t UTF-16LE; } >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:1:15: expected ',' or ']' after an array element"
run_case

case_new "byte-order mark only (UTF-8)"
printf '\357\273\277' >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:1:1: empty file"
run_case

case_new "byte-order mark only (UTF-16LE)"
printf '\377\376' >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:1:1: empty file"
run_case

case_new "two UTF-8 byte-order marks"
printf '\357\273\277\357\273\277{"value": []}\n' >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:1:1: non-ASCII character outside a string"
run_case

case_new "UTF-8 byte-order mark then UTF-16 text"
{ printf '\357\273\277'; printf '{"value": []}' | iconv -f UTF-8 -t UTF-16LE; } >"$IN/bad.json"
expect 3 "kvaudit: in/bad.json:1:2: NUL byte"
run_case
