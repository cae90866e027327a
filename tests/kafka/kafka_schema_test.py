#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# The printed schemas against the JSON rows the Kafka sink really writes: flowmeterd sends two
# captures of ../shared/pcaps (IPv4 and IPv6) to librdkafka's mock cluster (kafka-mock-cluster) with
# `format: json`; python3-confluent-kafka reads every message back, and
#   * python3-jsonschema validates each value against `--print-schema json` for the same
#     configuration (draft 2020-12, formats checked: ipv4/ipv6 addresses);
#   * each value must be readable by the Kafka engine table of `--print-schema clickhouse`
#     under ClickHouse's JSONEachRow rules (tests/support/clickhouse_input.py);
# for profiles fixed, v4 and cic2018; cic2017 (whose rows repeat a key) gets the JSON Schema
# check and a clear refusal (exit 78) of the ClickHouse DDL for format json.
#
# usage: kafka_schema_test.py FLOWMETERD KAFKA_MOCK_CLUSTER
import json
import os
import subprocess
import sys
import tempfile

from jsonschema import Draft202012Validator, FormatChecker
import kafka_fixture
from kafka_fixture import Cluster, shared_capture, topic_messages

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from clickhouse_input import check_json_row, parse_kafka_table  # noqa: E402

FLOWMETERD = sys.argv[1]
MOCK = sys.argv[2]
CAPTURES = [shared_capture(c)
            for c in ("cic-sample/test.pcap", "ipv6/four_ipv6_http_streams.pcap")]
PARTITIONS = 3


def write_config(d, cluster, profile, label):
    return kafka_fixture.write_config(
        d, cluster, CAPTURES, "    topic: flows\n    sensor_id: sensor-2\n    format: json",
        sections=f"flow:\n  profile: {profile}", output=f'  label: "{label}"')


def flowmeterd(*args, expect_rc=0):
    p = subprocess.run([FLOWMETERD, *args], capture_output=True, text=True, timeout=300)
    assert p.returncode == expect_rc, f"{args}: exit {p.returncode}\n{p.stderr}"
    return p


def csv_row_count(out):
    n = 0
    for name in os.listdir(out):
        if name.endswith(".csv"):
            with open(os.path.join(out, name)) as f:
                n += len(f.read().splitlines()) - 1
    return n


def check_profile(profile, label):
    cluster = Cluster(MOCK, PARTITIONS)
    try:
        with tempfile.TemporaryDirectory() as d:
            config, out = write_config(d, cluster, profile, label)
            flowmeterd("--config", config)
            rows = csv_row_count(out)
            msgs = topic_messages(cluster, "schema")
            assert rows >= 20 and len(msgs) == rows, (rows, len(msgs))

            schema = json.loads(flowmeterd("--config", config, "--print-schema", "json").stdout)
            Draft202012Validator.check_schema(schema)
            validator = Draft202012Validator(schema, format_checker=FormatChecker())
            ddl = None
            if profile != "cic2017":
                p = flowmeterd("--config", config, "--print-schema", "clickhouse")
                ddl = p.stdout
                assert "kafka_format = 'JSONEachRow'" in ddl, ddl
                assert f"kafka_broker_list = '{cluster.first_broker}'" in ddl, ddl
            else:
                p = flowmeterd("--config", config, "--print-schema", "clickhouse", expect_rc=78)
                assert p.stderr.startswith(f"{config}:") and "output.kafka.format" in p.stderr, \
                    p.stderr
            columns = parse_kafka_table(ddl) if ddl else None
            for m in msgs:
                headers = dict(m.headers())
                assert headers == {"sensor_id": b"sensor-2", "profile": profile.encode()}, headers
                row = json.loads(m.value())
                errors = [e.message for e in validator.iter_errors(row)]
                assert not errors, f"{profile}: {errors[:3]} in {m.value()[:300]}"
                if columns:
                    problems = check_json_row(m.value(), columns)
                    assert not problems, f"{profile}: {problems[:3]} in {m.value()[:300]}"
            # The checks can fail: a changed row is refused by both.
            row = json.loads(msgs[0].value())
            first_number = next(k for k, v in row.items() if isinstance(v, (int, float)))
            bad = dict(row, **{first_number: "12 kB"})
            assert list(validator.iter_errors(bad)), "schema accepts a number as text"
            bad_label = dict(row, Label="no such label")
            assert list(validator.iter_errors(bad_label)), "schema accepts an unknown label"
            if columns:
                assert check_json_row(json.dumps(bad), columns), "checker accepts \"12 kB\""
            print(f"PASS {profile}: {len(msgs)} JSON rows valid", flush=True)
    finally:
        cluster.close()


def main():
    check_profile("fixed", "BENIGN")
    check_profile("v4", "NeedManualLabel")
    check_profile("cic2018", "No Label")
    check_profile("cic2017", "BENIGN")
    return 0


if __name__ == "__main__":
    sys.exit(main())
