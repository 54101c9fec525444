# The file system: many files, special files, links, rights, names given
# twice, and the size limit. Nothing may block (a FIFO without a writer, a
# device), loop (a symbolic link loop) or read a file it has refused.

S1=00000000-0000-4000-8000-000000000001
pricing() { # FILE TIER
    printf '{"value": [{"id": "/subscriptions/%s/providers/Microsoft.Security/pricings/KeyVaults", "name": "KeyVaults", "pricingTier": "%s"}]}\n' "$S1" "$2" >"$1"
}
# inputs: the after-check that report.json lists exactly these paths.
inputs() {
    printf 'got=$(jq -c "[.inputs[].path]" out/report.json)
[ "$got" = %s ] || echo "inputs: $got, want %s"\n' "'$1'" "'$1'"
}

# 10,000 empty files: the first in path order stops the run, at once;
# with --allow-partial every one is listed, in bounded memory.
many_empty() {
    mkdir -p "$IN/many"
    (cd "$IN/many" && seq -f 'e%05g.json' 1 10000 | xargs touch)
}
case_new "10,000 empty files"
many_empty
expect 3 "kvaudit: in/many/e00001.json:1:1: empty file"
limit 3 100 1000
run_case

case_new "10,000 empty files, --allow-partial"
many_empty
pricing "$IN/pricing.json" Standard
seq -f 'kvaudit: in/many/e%05g.json:1:1: warning: empty file' 1 10000 >"$T_TMP/many.err"
expect_lines "$T_TMP/many.err"
CASE_EXIT=0
args report --allow-partial -f "$ALL_FORMATS" -o out --as-of "$AS_OF" in
limit 10 100
after 'jq -e "(.inputs | length) == 10001 and .complete == false and ([.warnings[] | select(.code == \"input_skipped\")] | length) == 10000" out/report.json >/dev/null || echo "report.json does not list the 10,000 skipped files"
grep -q "^Verdict  *PASS, INCOMPLETE (10000 inputs skipped)$" "$T_STDOUT" || echo "the summary does not say INCOMPLETE: $(head -1 "$T_STDOUT")"'
run_case

case_new "a directory named x.json is walked"
mkdir -p "$IN/dump.json/inner.json"
pricing "$IN/dump.json/inner.json/pricing.json" Standard
expect 0
after "$(inputs '["in/dump.json/inner.json/pricing.json"]')"
run_case

case_new "a symbolic link loop"
mkdir -p "$IN/a/b"
pricing "$IN/a/b/pricing.json" Standard
ln -s .. "$IN/a/b/up"
ln -s ../.. "$IN/a/b/top"
expect 0 "kvaudit: in/a/b/top: warning: symbolic link loop back to in; not followed" \
    "kvaudit: in/a/b/up: warning: symbolic link loop back to in/a; not followed"
after "$(inputs '["in/a/b/pricing.json"]')"
run_case

case_new "a symbolic link to itself named x.json"
pricing "$IN/pricing.json" Standard
ln -s self.json "$IN/self.json"
expect 0 "kvaudit: in/self.json: warning: cannot follow symbolic link: Too many levels of symbolic links"
run_case

case_new "a dangling symbolic link named x.json"
pricing "$IN/pricing.json" Standard
ln -s gone.json "$IN/dangling.json"
expect 0 "kvaudit: in/dangling.json: warning: cannot follow symbolic link: No such file or directory"
run_case

case_new "a dangling symbolic link named on the command line"
ln -s gone.json "$IN/dangling.json"
args report -f json -o out --as-of "$AS_OF" in/dangling.json
expect 3 "kvaudit: in/dangling.json: No such file or directory"
run_case

case_new "a directory reached twice through links"
mkdir -p "$IN/real"
pricing "$IN/real/pricing.json" Standard
ln -s real "$IN/alias"
expect 0 "kvaudit: in/real: warning: directory already walked through another path; not followed"
after "$(inputs '["in/alias/pricing.json"]')"
run_case

case_new "a FIFO named x.json in a directory"
pricing "$IN/pricing.json" Standard
mkfifo "$IN/fifo.json"
expect 0 "kvaudit: in/fifo.json: warning: not a regular file; not read"
limit 3
run_case

case_new "a FIFO named on the command line, no writer"
mkfifo "$IN/fifo.json"
args report -f json -o out --as-of "$AS_OF" in/fifo.json
expect 3 "kvaudit: in/fifo.json: not a regular file"
limit 3
run_case

case_new "a FIFO named on the command line, a writer that never writes"
mkfifo "$IN/fifo.json"
# the writer holds the FIFO open for longer than the case may take
(sleep 30 >"$IN/fifo.json") &
fifo_writer=$!
args report -f json -o out --as-of "$AS_OF" in/fifo.json
expect 3 "kvaudit: in/fifo.json: not a regular file"
limit 3
run_case
kill "$fifo_writer" 2>/dev/null
wait "$fifo_writer" 2>/dev/null

case_new "/dev/zero named on the command line"
args check --as-of "$AS_OF" /dev/zero
expect 3 "kvaudit: /dev/zero: not a regular file"
limit 2 20 300
run_case

case_new "/dev/stdin named on the command line"
args check --as-of "$AS_OF" /dev/stdin
expect 3 "kvaudit: /dev/stdin: not a regular file"
limit 2 20 300
run_case

case_new "a /proc file: size 0 on stat, text when read"
args check --as-of "$AS_OF" /proc/version
expect 3 "kvaudit: /proc/version:1:1: expected a value"
limit 2 20 300
run_case

case_new "an unreadable file"
pricing "$IN/pricing.json" Standard
pricing "$IN/secret.json" Free
chmod 000 "$IN/secret.json"
as_nobody
args report -f json -o out --as-of "$AS_OF" in
expect 3 "kvaudit: in/secret.json: Permission denied"
run_case

case_new "an unreadable file, --allow-partial"
pricing "$IN/pricing.json" Standard
pricing "$IN/secret.json" Free
chmod 000 "$IN/secret.json"
as_nobody
args check --allow-partial --as-of "$AS_OF" in
# skipped evidence cannot show that the control passes: check fails
expect 1 "kvaudit: in/secret.json: warning: Permission denied" \
    "kvaudit: the evidence is incomplete: 1 input was skipped, so it cannot show that the control passes (--fail-on no-evidence)"
after 'grep -q "^PASS, INCOMPLETE (1 input skipped): " "$T_STDOUT" || echo "check does not say INCOMPLETE: $(tail -1 "$T_STDOUT")"'
run_case

case_new "an unreadable directory"
mkdir -p "$IN/locked"
pricing "$IN/locked/pricing.json" Free
chmod 000 "$IN/locked"
as_nobody
args check --as-of "$AS_OF" in
expect 3 "kvaudit: in/locked: Permission denied"
run_case

case_new "a directory that cannot be listed, only crossed"
mkdir -p "$IN/blind"
pricing "$IN/blind/pricing.json" Free
chmod 111 "$IN/blind"
as_nobody
args check --as-of "$AS_OF" in
expect 3 "kvaudit: in/blind: Permission denied"
run_case

case_new "the same file named twice"
pricing "$IN/pricing.json" Free
args report -f "$ALL_FORMATS" -o out --as-of "$AS_OF" in/pricing.json in/pricing.json
expect 0
after "$(inputs '["in/pricing.json"]')"
run_case

case_new "the same file named three ways"
pricing "$IN/pricing.json" Free
args report -f "$ALL_FORMATS" -o out --as-of "$AS_OF" in/pricing.json ./in/pricing.json in//pricing.json in
expect 0
after "$(inputs '["in/pricing.json"]')"
run_case

case_new "the same file under two names (a link)"
pricing "$IN/pricing.json" Free
ln -s pricing.json "$IN/alias.json"
# two paths, two inputs; the records agree, so no conflict
expect 0
after "$(inputs '["in/alias.json","in/pricing.json"]')
jq -e '[.warnings[].code] == [\"no_subscription_inventory\"]' out/report.json >/dev/null || echo \"warnings: \$(jq -c '[.warnings[].code]' out/report.json)\""
run_case

case_new "the register named with --exceptions and found under PATH"
printf '{"schema": "kvaudit.exceptions/1", "exceptions": [{"subscription_id": "%s", "reason": "r", "owner": "o", "expires": "2026-12-31"}]}\n' "$S1" >"$IN/exceptions.json"
pricing "$IN/pricing.json" Free
args report -f "$ALL_FORMATS" -o out --as-of "$AS_OF" --exceptions in/exceptions.json in
expect 0
after "$(inputs '["in/exceptions.json","in/pricing.json"]')
jq -e '.exceptions | length == 1' out/report.json >/dev/null || echo 'the register was read twice'"
run_case

# Over 1 GiB: refused from its size, before a byte is read: milliseconds
# and a few megabytes, whatever the file.
case_new "a sparse file of 1 GiB + 1 byte"
truncate -s 1073741825 "$IN/huge.json"
expect 3 "kvaudit: in/huge.json: file is larger than 1 GiB"
limit 1 20 300
run_case

case_new "a sparse file of 1 GiB + 1 byte, --allow-partial"
truncate -s 1073741825 "$IN/huge.json"
pricing "$IN/pricing.json" Standard
args report --allow-partial -f json -o out --as-of "$AS_OF" in
expect 0 "kvaudit: in/huge.json: warning: file is larger than 1 GiB"
limit 1 20 300
after 'jq -e ".inputs[0] | .path == \"in/huge.json\" and .bytes == 1073741825 and .sha256 == null" out/report.json >/dev/null || echo "inputs: $(jq -c ".inputs[0]" out/report.json)"'
run_case

case_new "a sparse file of 100 GiB"
truncate -s 100G "$IN/huge.json"
expect 3 "kvaudit: in/huge.json: file is larger than 1 GiB"
limit 1 20 300
run_case

case_new "a PATH that does not exist"
args check --as-of "$AS_OF" in/nothing
expect 3 "kvaudit: in/nothing: No such file or directory"
run_case

case_new "a PATH that does not exist, --allow-partial"
pricing "$IN/pricing.json" Standard
args check --allow-partial --as-of "$AS_OF" in in/nothing
expect 1 "kvaudit: in/nothing: warning: No such file or directory" \
    "kvaudit: the evidence is incomplete: 1 input was skipped, so it cannot show that the control passes (--fail-on no-evidence)"
after 'grep -q "^PASS, INCOMPLETE (1 input skipped): " "$T_STDOUT" || echo "check does not say INCOMPLETE: $(tail -1 "$T_STDOUT")"'
run_case

case_new "other files are ignored, hidden and upper-case ones read"
pricing "$IN/.hidden.json" Standard
mkdir -p "$IN/.git"
pricing "$IN/.git/PRICING.JSON" Standard
printf '\000\377 not json' >"$IN/notes.txt"
printf '\000\377 not json' >"$IN/dump.json.bak"
expect 0
after "$(inputs '["in/.git/PRICING.JSON","in/.hidden.json"]')"
run_case

case_new "an empty directory"
expect 0
after "$(inputs '[]')"
run_case
