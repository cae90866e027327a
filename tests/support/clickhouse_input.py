# SPDX-License-Identifier: BSD-3-Clause
# ClickHouse's input rules for the column types that `flowmeterd --print-schema clickhouse`
# declares in its Kafka engine table, for the two formats the Kafka sink writes (CSV and
# JSONEachRow), written from ClickHouse's documentation and parser sources:
#   * CSV (docs/en/interfaces/formats/CSV): fields split at ','; a field that starts with '"'
#     is a quoted string; unquoted strings are read to the next ',' and, with
#     input_format_csv_trim_whitespaces (on by default), lose leading and trailing spaces and
#     tabs, so such a value would not arrive as written.
#   * numbers (src/IO/ReadHelpers.h readIntText, src/IO/readFloatText.h): integers are an
#     optional sign and decimal digits (unsigned types take no '-'); ClickHouse does not check
#     the range in text formats (it wraps), so the checker does, as the value must arrive
#     unchanged. Floats are an optional sign, digits with an optional '.', an optional
#     exponent e/E; or, case-insensitively, "inf", "infinity" or "nan" after an optional sign.
#   * JSONEachRow (src/DataTypes/Serializations/SerializationNumber.cpp deserializeTextJSON):
#     a number column reads a JSON number, or the same text in double quotes; a String column
#     a JSON string; a key repeated in one object is an error ("Duplicate field found while
#     parsing JSONEachRow format").
# check_csv_row / check_json_row return a list of problems (empty: ClickHouse reads the row
# and every value arrives as written).
import json
import re

_INT = re.compile(r"[+-]?[0-9]+")
_UINT = re.compile(r"\+?[0-9]+")
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_FLOAT_WORD = re.compile(r"[+-]?(inf|infinity|nan)", re.IGNORECASE)
_RANGES = {
    "UInt8": (0, 2**8 - 1),
    "UInt16": (0, 2**16 - 1),
    "Int64": (-(2**63), 2**63 - 1),
}


def parse_kafka_table(ddl):
    """[(name, type)] of the first CREATE TABLE (the Kafka engine table) of the DDL."""
    first = ddl[: ddl.index(";\n")]
    cols = []
    for line in first.splitlines():
        m = re.fullmatch(r"    `((?:[^`\\]|\\.)*)` ([A-Za-z0-9]+),?", line)
        if m:
            cols.append((re.sub(r"\\(.)", r"\1", m.group(1)), m.group(2)))
    return cols


def check_number_text(text, ch_type):
    """None when `text` parses as ch_type and keeps its value, else why not."""
    if ch_type == "Float64":
        if _FLOAT.fullmatch(text) or _FLOAT_WORD.fullmatch(text):
            return None
        return f"{text!r} is not a Float64"
    if ch_type in _RANGES:
        grammar = _INT if ch_type.startswith("Int") else _UINT
        if not grammar.fullmatch(text):
            return f"{text!r} is not an {ch_type}"
        lo, hi = _RANGES[ch_type]
        if not lo <= int(text) <= hi:
            return f"{text} is out of the range of {ch_type}"
        return None
    return f"unexpected type {ch_type}"


def check_csv_row(line, columns):
    cells = line.split(",")
    if len(cells) != len(columns):
        return [f"{len(cells)} fields for {len(columns)} columns"]
    problems = []
    for text, (name, ch_type) in zip(cells, columns):
        if ch_type == "String":
            if text[:1] in ('"', "'"):
                problems.append(f"{name}: {text!r} would be read as a quoted string")
            elif text != text.strip(" \t"):
                problems.append(f"{name}: {text!r} would lose its outer whitespace")
            elif "\n" in text or "\r" in text:
                problems.append(f"{name}: {text!r} holds a line end")
        else:
            why = check_number_text(text, ch_type)
            if why:
                problems.append(f"{name}: {why}")
    return problems


class _Number:
    """A JSON number as its text, so that 714 and 714.0 stay apart."""

    def __init__(self, text):
        self.text = text


def check_json_row(value, columns):
    problems = []

    def pairs(items):
        seen = set()
        for k, _ in items:
            if k in seen:
                problems.append(f"key {k!r} repeated: Duplicate field found while parsing "
                                "JSONEachRow format")
            seen.add(k)
        return dict(items)

    row = json.loads(value, object_pairs_hook=pairs, parse_int=_Number, parse_float=_Number,
                     parse_constant=lambda c: problems.append(f"bare {c} is not JSON"))
    types = dict(columns)
    for key in row:
        if key not in types:
            problems.append(f"key {key!r} has no column")
    for name, ch_type in columns:
        if name not in row:
            problems.append(f"{name}: missing")
            continue
        v = row[name]
        if ch_type == "String":
            if not isinstance(v, str):
                problems.append(f"{name}: a String column needs a JSON string")
        elif isinstance(v, _Number):
            why = check_number_text(v.text, ch_type)
            if why:
                problems.append(f"{name}: {why}")
        elif isinstance(v, str):
            # A number in quotes: the same text rules.
            why = check_number_text(v, ch_type)
            if why:
                problems.append(f"{name}: {why}")
        else:
            problems.append(f"{name}: {v!r} is no number")
    return problems
