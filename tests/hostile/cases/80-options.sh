# Files named by options are input too: --baseline (a previous report),
# --exceptions, --templates. The same refusals hold: no blocking on a FIFO
# or a device, the size and nesting limits before any parsing.

S1=00000000-0000-4000-8000-000000000001
good_pricing() {
    printf '{"value": [{"id": "/subscriptions/%s/providers/Microsoft.Security/pricings/KeyVaults", "name": "KeyVaults", "pricingTier": "Standard"}]}\n' "$S1" >"$IN/pricing.json"
}

case_new "--baseline: a FIFO"
good_pricing
mkfifo "$C/baseline.json"
args report -f json -o out --as-of "$AS_OF" --baseline baseline.json in
expect 3 "kvaudit: baseline.json: not a regular file"
limit 3
run_case

case_new "--baseline: /dev/zero"
good_pricing
args report -f json -o out --as-of "$AS_OF" --baseline /dev/zero in
expect 3 "kvaudit: /dev/zero: not a regular file"
limit 2 20 300
run_case

case_new "--baseline: 1 GiB + 1 byte"
good_pricing
truncate -s 1073741825 "$C/baseline.json"
args report -f json -o out --as-of "$AS_OF" --baseline baseline.json in
expect 3 "kvaudit: baseline.json: file is larger than 1 GiB"
limit 1 20 300
run_case

case_new "--baseline: 100,000 levels of nesting"
good_pricing
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "[" }' >"$C/baseline.json"
args report -f json -o out --as-of "$AS_OF" --baseline baseline.json in
expect 3 "kvaudit: baseline.json:1:513: nesting deeper than 512"
limit 2 20 300
run_case

case_new "--baseline: truncated"
good_pricing
printf '{"schema": "kvaudit.report/1", "subscriptions": [{"id": "%s", "status": "compl' "$S1" >"$C/baseline.json"
args report -f json -o out --as-of "$AS_OF" --baseline baseline.json in
expect 3 "kvaudit: baseline.json:1:113: unexpected end of file inside a string"
run_case

case_new "--baseline: UTF-16 without a byte-order mark"
good_pricing
printf '{"schema": "kvaudit.report/1"}' | iconv -f UTF-8 -t UTF-16LE >"$C/baseline.json"
args report -f json -o out --as-of "$AS_OF" --baseline baseline.json in
expect 3 "kvaudit: baseline.json:1:1: looks like UTF-16 without a byte-order mark; save the file as UTF-8"
run_case

case_new "--exceptions: a FIFO"
good_pricing
mkfifo "$C/exceptions.json"
args report -f json -o out --as-of "$AS_OF" --exceptions exceptions.json in
expect 3 "kvaudit: exceptions.json: not a regular file"
limit 3
run_case

case_new "--exceptions: 100,000 levels of nesting"
good_pricing
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "{\"a\":" }' >"$C/exceptions.json"
args report -f json -o out --as-of "$AS_OF" --exceptions exceptions.json in
expect 3 "kvaudit: exceptions.json:1:2561: nesting deeper than 512"
limit 2 20 300
run_case

# --templates: each of the three files must be a regular file.
case_new "--templates: FIFOs"
good_pricing
mkdir "$C/tpl"
mkfifo "$C/tpl/control.json" "$C/tpl/commands.json" "$C/tpl/wording.json"
args report -f json -o out --as-of "$AS_OF" --templates tpl in
expect 2 "kvaudit: tpl/control.json: not a regular file"
limit 3
run_case

case_new "--templates: a link to /dev/zero"
good_pricing
mkdir "$C/tpl"
ln -s /dev/zero "$C/tpl/control.json"
: >"$C/tpl/commands.json"
: >"$C/tpl/wording.json"
args report -f json -o out --as-of "$AS_OF" --templates tpl in
expect 2 "kvaudit: tpl/control.json: not a regular file"
limit 2 40
run_case
