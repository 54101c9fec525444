#!/bin/sh
# The documentation against the program:
#   - kvaudit.1 is clean troff: no warning from groff -ww (as man renders
#     it, 80 columns) nor from mandoc -T lint;
#   - every option of cli.c's table is in --help and in the man page, and
#     every option the man page lists is in the table;
#   - the exit codes, environment variables (every getenv in src/), formats
#     and output files are in both;
#   - the man page's version is the program's; --version names the
#     libraries with the versions of the packages installed;
#   - README.md: the pictures and relative links it names exist.
. tests/lib.sh

man1=kvaudit.1

for tool in groff mandoc; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        fail "$tool is installed" "install groff-base and mandoc: sh tools/deps.sh test"
        finish
    fi
done

# --- troff ------------------------------------------------------------------
groff -ww -z -man "$man1" >"$T_TMP/groff.out" 2>&1
expect_eq "groff -ww -z: exit" 0 "$?"
expect_eq "groff -ww -z: no warning" "" "$(cat "$T_TMP/groff.out")"
# What `man -l kvaudit.1` shows in an 80-column terminal.
groff -ww -man -Tutf8 -rLL=78n -rLT=78n "$man1" >"$T_TMP/man.raw" 2>"$T_TMP/groff.err"
expect_eq "rendered at 80 columns: exit" 0 "$?"
expect_eq "rendered at 80 columns: no warning" "" "$(cat "$T_TMP/groff.err")"
# plain text: drop the overstrikes and SGR of the tty device
sed 's/.\x08//g; s/\x1b\[[0-9;]*m//g' "$T_TMP/man.raw" >"$T_TMP/man.txt"
check "rendered page fits 80 columns" sh -c "! awk 'length > 80' '$T_TMP/man.txt' | grep -q ."
mandoc -T lint -W style "$man1" >"$T_TMP/mandoc.out" 2>&1
expect_eq "mandoc -T lint: exit" 0 "$?"
expect_eq "mandoc -T lint: nothing to say" "" "$(cat "$T_TMP/mandoc.out")"
for sec in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS "OUTPUT FILES" "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
    check "man page has section $sec" grep -q "^\.SH \"*$sec\"*\$" "$man1"
done

# --- options: cli.c's table, --help, the man page --------------------------
awk '/aliases\[\] = \{/ { on = 1; next } on && /^\};/ { exit } on' src/cli.c |
    sed -n 's/^ *{"\([a-z-]*\)", *\([^,]*\),.*/\1 \2/p' >"$T_TMP/table"
n_opts=$(wc -l <"$T_TMP/table" | tr -d ' ')
check "option table read from src/cli.c ($n_opts options)" test "$n_opts" -ge 15
run_kva --help
cp "$out" "$T_TMP/help"
expect_eq "--help: exit" 0 "$rc"
while read -r name letter; do
    check "--help has --$name" grep -q -- "--$name\b" "$T_TMP/help"
    check "man page has --$name" grep -q -- "--$name\b" "$T_TMP/man.txt"
    case $letter in
    "'"?"'")
        l=$(echo "$letter" | tr -d "'")
        check "--help has -$l, --$name" grep -q -- "-$l, --$name\b" "$T_TMP/help"
        check "man page has -$l, --$name" grep -q -- "-$l.*--$name\b" "$T_TMP/man.txt"
        ;;
    esac
done <"$T_TMP/table"
# ... and the options OPTIONS describes (its tagged paragraphs) are the
# table's, no more, no fewer.
sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$man1" | grep '^\.\(B\|BI\|BR\) *\\-' |
    grep -o '\\-\\-[a-z\\-]*' | sed 's/\\//g; s/^--//' | grep . | sort -u >"$T_TMP/man-opts"
while read -r name; do
    check "man option --$name is in the table" grep -q "^$name " "$T_TMP/table"
done <"$T_TMP/man-opts"
expect_eq "man page OPTIONS lists the table's options" "$(cut -d' ' -f1 "$T_TMP/table" | sort -u | tr '\n' ' ')" \
    "$(tr '\n' ' ' <"$T_TMP/man-opts")"

# --- exit codes, environment, formats, files -------------------------------
for code in 0 1 2 3 4; do
    check "--help has exit status $code" grep -q "^  $code  " "$T_TMP/help"
    check "man page has exit status $code" sh -c "sed -n '/^\.SH \"*EXIT STATUS\"*$/,/^\.SH /p' '$man1' | grep -q '^\.B $code\$'"
done
grep -ho 'getenv("[A-Z_]*")' src/*.c src/*/*.c | sed 's/getenv("\(.*\)")/\1/' | sort -u >"$T_TMP/env"
check "the program reads environment variables" test -s "$T_TMP/env"
while read -r var; do
    check "man ENVIRONMENT has $var" sh -c "sed -n '/^\.SH ENVIRONMENT/,/^\.SH /p' '$man1' | grep -q '^\.B $var\$'"
    case $var in
    TERM) ;; # colour etiquette, man page only
    *) check "--help has $var" grep -q "$var" "$T_TMP/help" ;;
    esac
done <"$T_TMP/env"
for f in xlsx pdf json csv md sh ps1; do
    check "man page names format $f" grep -q "^\.BR* $f" "$man1"
done
grep -o '"[a-z]*\.\(json\|xlsx\|pdf\|csv\|md\|sh\|ps1\)"' src/cli.c | tr -d '"' | sort -u >"$T_TMP/files"
expect_eq "output file names read from src/cli.c" 7 "$(wc -l <"$T_TMP/files" | tr -d ' ')"
while read -r f; do
    check "man OUTPUT FILES has $f" sh -c "sed -n '/^\.SH \"*OUTPUT FILES\"*$/,/^\.SH /p' '$man1' | grep -q '$f'"
done <"$T_TMP/files"
check "man OUTPUT FILES has SHA256SUMS" grep -q '^\.B SHA256SUMS$' "$man1"

# --- versions ---------------------------------------------------------------
version=$(sed -n 's/^VERSION *:= *//p' Makefile)
check "man page version is the Makefile's ($version)" grep -q "^\.TH KVAUDIT 1 [0-9-]* \"kvaudit $version\"" "$man1"
run_kva --version
expect_eq "--version: first line" "kvaudit $version" "$(head -1 "$out")"
libs=$(sed -n 2p "$out")
# The numbers are the shared libraries' own answers: those of the Debian
# packages installed (upstream version = package version up to '-' or '+').
pkgver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null | sed 's/^[0-9]*://; s/[-+~].*//'; }
for pair in "cJSON libcjson1" "libxlsxwriter libxlsxwriter4" "libharu libhpdf-2.3.0" "OpenSSL libssl3"; do
    set -- $pair
    v=$(pkgver "$2")
    if [ -z "$v" ]; then
        fail "--version: $1 (package $2 installed)" "dpkg-query knows no $2"
        continue
    fi
    case $libs in
    *"$1 $v"*) ok "--version: $1 $v, as installed ($2)" ;;
    *) fail "--version: $1 $v, as installed ($2)" "got: $libs" ;;
    esac
done

# --- README -----------------------------------------------------------------
check "README.md exists" test -s README.md
grep -o '](\([^)#]*\))' README.md | sed 's/^](//; s/)$//' | grep -v '^[a-z]*:' | sort -u >"$T_TMP/links"
check "README has relative links" test -s "$T_TMP/links"
while read -r l; do
    check "README link exists: $l" test -e "$l"
done <"$T_TMP/links"
for png in docs/pdf-summary.png docs/xlsx-summary.png; do
    check "README shows $png" grep -q "]($png)" README.md
    check "$png is a PNG" sh -c "head -c 8 '$png' | od -An -c | grep -q 'P   N   G'"
done
for target in demo check asan valgrind fuzz bench check-interop docs-images install uninstall deb format; do
    check "README documents make $target" grep -q "make $target\b" README.md
done

finish
