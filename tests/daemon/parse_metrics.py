#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Parses a Prometheus scrape with prometheus_client's text parser (Debian
python3-prometheus-client), as a Prometheus-compatible client reads it, and prints one line per
sample: NAME<TAB>LABELS<TAB>VALUE<TAB>TYPE, LABELS as k=v pairs sorted by key and joined by ','.
Exits 1 when the text cannot be parsed, a family lacks HELP, or a sample appears twice.

Usage: parse_metrics.py SCRAPE-FILE
"""
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    seen = set()
    try:
        for family in text_string_to_metric_families(text):
            if not family.documentation:
                print(f"{family.name}: no HELP", file=sys.stderr)
                return 1
            for s in family.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
                key = (s.name, labels)
                if key in seen:
                    print(f"{s.name}{{{labels}}} twice", file=sys.stderr)
                    return 1
                seen.add(key)
                print(f"{s.name}\t{labels}\t{int(s.value)}\t{family.type}")
    except ValueError as e:
        print(f"not in the Prometheus text format: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
