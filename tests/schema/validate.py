"""Validate JSON documents against a JSON Schema (draft 2020-12).

    validate.py SCHEMA [FILE...]

Checks the schema itself first (exit 2 when it is not a valid draft 2020-12
schema), then prints one line per FILE: "FILE: ok" or "FILE: invalid: WHY"
(the first error, with its JSON path). Exit 0 once every file was judged.
Formats (date, date-time) are checked, not only annotated.
"""
import copy
import datetime
import json
import re
import sys

import jsonschema
from jsonschema import Draft202012Validator


RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def format_checker():
    """Draft 2020-12's checker, with date-time checked even where the
    optional rfc3339-validator module is missing (Debian 12 lacks it)."""
    fc = copy.deepcopy(Draft202012Validator.FORMAT_CHECKER)

    @fc.checks("date-time", raises=ValueError)
    def date_time(s):
        if not isinstance(s, str):
            return True
        if not RFC3339.match(s):
            return False
        datetime.datetime.fromisoformat(s[:19])  # raises on 2026-02-30
        return True

    return fc


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print(f"{argv[1]}: not a draft 2020-12 schema: {e.message}")
        return 2
    v = Draft202012Validator(schema, format_checker=format_checker())
    for path in argv[2:]:
        with open(path, "rb") as f:
            raw = f.read()
        try:
            doc = json.loads(raw.decode("utf-8-sig"))
        except ValueError as e:
            print(f"{path}: invalid: not JSON: {e}")
            continue
        # best_match descends into oneOf/anyOf and names the deepest
        # error there: the key that is wrong, not the object holding it.
        e = jsonschema.exceptions.best_match(v.iter_errors(doc))
        if e is None:
            print(f"{path}: ok")
            continue
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
        print(f"{path}: invalid: {where or '.'}: {e.message}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
