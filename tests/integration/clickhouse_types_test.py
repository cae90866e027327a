#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# `flowmeterd --print-schema clickhouse` against the rows flowmeterd really writes: for every
# profile, the Kafka engine table of the printed DDL must have one column per CSV cell, and
# every value of the CSV output of several captures of ../shared/pcaps must parse as the
# declared ClickHouse type under ClickHouse's CSV input rules (tests/support/clickhouse_input.py,
# written from ClickHouse's documentation and parser sources; ClickHouse itself is not needed).
# The conversions of the materialized view are checked the same way: toIPv6 on the addresses,
# the profile's Timestamp layout. A bad --print-schema value is a usage error (exit 64), and the
# sensor configuration of docs/scale-out.md gives the DDL its brokers and format.
#
# usage: clickhouse_types_test.py FLOWMETERD
import ipaddress
import os
import re
import subprocess
import sys
import tempfile
from datetime import datetime

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from clickhouse_input import check_csv_row, check_number_text, parse_kafka_table  # noqa: E402

FLOWMETERD = sys.argv[1]
SHARED = os.environ.get("FM_SHARED_DIR",
                        os.path.join(os.path.dirname(__file__), "../../../shared"))
CAPTURES = [
    "cic-sample/test.pcap",
    "synthetic/all.pcap",
    "ipv6/four_ipv6_http_streams.pcap",
    "icmp/icmp-destunreach-udp.pcap",
    "udp/dns.pcap",
    "tunnels/6in4.pcap",
    "eval/bot.pcap",
    "eval/rdp.pcap",
    "eval/amp.TCP.reflection.SYNACK.pcap",
    "tcp/http.pcap",
    "vlan/VlanPackets.pcap",
    "fragments/ip4_fragments.pcap",
    "udp/quic.pcap",
    "synthetic/bulk.pcap",
]
PROFILES = ["cic2017", "cic2018", "v4", "fixed"]
# The Timestamp layouts (features/cic_compat.hpp TimestampFormat) as the view parses them.
TIME_LAYOUTS = {
    "cic2017": ["%d/%m/%Y %I:%M:%S"],
    "cic2018": ["%d/%m/%Y %I:%M:%S"],
    "v4": ["%d/%m/%Y %I:%M:%S %p"],
    "fixed": ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"],
}
VIEW_FUNCTION = {
    "cic2017": "parseDateTimeInJodaSyntax(` Timestamp`, 'dd/MM/yyyy hh:mm:ss', 'UTC')",
    "cic2018": "parseDateTimeInJodaSyntax(`Timestamp`, 'dd/MM/yyyy hh:mm:ss', 'UTC')",
    "v4": "parseDateTimeInJodaSyntax(`Timestamp`, 'dd/MM/yyyy hh:mm:ss a', 'UTC')",
    "fixed": "parseDateTime64BestEffort(`Timestamp`, 6, 'UTC')",
}


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def print_schema(*args):
    p = subprocess.run([FLOWMETERD, "--print-schema", *args], capture_output=True, text=True,
                       timeout=60)
    return p


def parses_as_time(text, profile):
    for layout in TIME_LAYOUTS[profile]:
        try:
            datetime.strptime(text.strip(), layout)
            # %f takes 1-6 digits; the writer prints 3 or 6.
            return profile != "fixed" or re.fullmatch(r".*:\d\d(\.\d{3}|\.\d{6})?", text)
        except ValueError:
            pass
    return False


def check_profile(profile, tmp, seen):
    p = print_schema("clickhouse", "--profile", profile)
    if p.returncode != 0:
        fail(f"{profile}: --print-schema clickhouse exited {p.returncode}: {p.stderr}")
    ddl = p.stdout
    columns = parse_kafka_table(ddl)
    if VIEW_FUNCTION[profile] not in ddl:
        fail(f"{profile}: the view does not parse the Timestamp with {VIEW_FUNCTION[profile]}")
    rows = 0
    for capture in CAPTURES:
        out = os.path.join(tmp, f"{profile}-{os.path.basename(capture)}.csv")
        r = subprocess.run([FLOWMETERD, "-f", os.path.join(SHARED, "pcaps", capture), "-o", out,
                            "--profile", profile, "--quiet"], capture_output=True, text=True,
                           timeout=300)
        if r.returncode != 0:
            fail(f"{profile} {capture}: flowmeterd exited {r.returncode}: {r.stderr}")
        with open(out) as f:
            lines = f.read().splitlines()
        header = lines[0].split(",")
        if len(header) != len(columns):
            fail(f"{profile}: {len(columns)} Kafka table columns for {len(header)} CSV cells")
        for h, (name, _) in zip(header, columns):
            if name != h and name != h + " (2)":
                fail(f"{profile}: Kafka table column {name!r} for CSV header {h!r}")
        for n, line in enumerate(lines[1:], start=2):
            problems = check_csv_row(line, columns)
            cells = line.split(",")
            for cell, (name, ch_type) in zip(cells, columns):
                if name.strip() in ("Src IP", "Dst IP", "Source IP", "Destination IP"):
                    try:
                        seen["IPv6 address"] += ipaddress.ip_address(cell).version == 6
                    except ValueError:
                        problems.append(f"{name}: {cell!r} is no address for toIPv6")
                elif name.strip() == "Timestamp" and not parses_as_time(cell, profile):
                    problems.append(f"{name}: {cell!r} is not in the layout of {profile}")
                elif ch_type == "Int64" and cell.startswith("-"):
                    seen["negative Int64"] += 1
                elif ch_type == "Float64" and cell.lstrip("-") in ("NaN", "Infinity"):
                    seen["NaN or Infinity"] += 1
            if problems:
                fail(f"{profile} {capture} line {n}: " + "; ".join(problems))
            rows += 1
    if rows < 100:
        fail(f"{profile}: only {rows} rows")
    print(f"{profile}: {rows} rows of {len(columns)} columns parse as declared")


def check_usage_errors():
    p = print_schema("avro")
    if p.returncode != 64 or "--print-schema" not in p.stderr:
        fail(f"--print-schema avro: exit {p.returncode} (expected 64): {p.stderr}")
    p = print_schema("json", "--profile", "cic2019")
    if p.returncode != 78 or "flow.profile" not in p.stderr:
        fail(f"--profile cic2019: exit {p.returncode} (expected 78): {p.stderr}")


def check_rules_refuse_what_clickhouse_refuses():
    # The checker itself, on values ClickHouse would not read as written.
    for text, ch_type in [("714.0", "Int64"), ("-1", "UInt16"), ("70000", "UInt16"), ("", "Int64"),
                          ("256", "UInt8"), ("1,5", "Float64"), ("NaN%", "Float64")]:
        if check_number_text(text, ch_type) is None:
            fail(f"the checker takes {text!r} as {ch_type}")
    for text, ch_type in [("-1", "Int64"), ("1.0E7", "Float64"), ("-Infinity", "Float64"),
                          ("NaN", "Float64"), ("65535", "UInt16")]:
        if check_number_text(text, ch_type) is not None:
            fail(f"the checker refuses {text!r} as {ch_type}")
    columns = [("a", "String"), ("b", "Int64")]
    for line in (' x,1', '"x",1', 'x', 'x,1.5'):
        if not check_csv_row(line, columns):
            fail(f"the checker takes the CSV row {line!r}")


def check_documented_sensor_config(tmp):
    # The configuration of docs/scale-out.md is accepted and sets what the DDL reads.
    root = os.environ.get("FM_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../.."))
    with open(os.path.join(root, "docs", "scale-out.md")) as f:
        doc = f.read()
    m = re.search(r"```yaml\n(.*?)```", doc, re.S)
    if not m:
        fail("docs/scale-out.md: no yaml block")
    path = os.path.join(tmp, "sensor.yaml")
    with open(path, "w") as f:
        f.write(m.group(1))
    p = print_schema("clickhouse", "--config", path)
    if p.returncode != 0:
        fail(f"docs/scale-out.md configuration: exit {p.returncode}: {p.stderr}")
    for want in ("kafka_broker_list = 'kafka1:9092,kafka2:9092,kafka3:9092'",
                 "kafka_format = 'JSONEachRow'", "CREATE TABLE `flowmeter_fixed`"):
        if want not in p.stdout:
            fail(f"docs/scale-out.md configuration: the DDL lacks {want}")


def main():
    check_rules_refuse_what_clickhouse_refuses()
    check_usage_errors()
    seen = {"negative Int64": 0, "NaN or Infinity": 0, "IPv6 address": 0}
    with tempfile.TemporaryDirectory() as tmp:
        check_documented_sensor_config(tmp)
        for profile in PROFILES:
            check_profile(profile, tmp, seen)
    # The captures must reach the hard cases, or the check proves little.
    for what, count in seen.items():
        if count == 0:
            fail(f"no {what} in any row; choose captures that have them")
    print(f"values of note: {seen}")
    print("OK")


main()
