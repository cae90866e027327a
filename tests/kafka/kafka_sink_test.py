#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# The Kafka sink end to end, with parts nobody here wrote on the consuming side: flowmeterd
# writes a capture of ../shared/pcaps to librdkafka's mock cluster (kafka-mock-cluster) and to
# CSV files; kcat and python3-confluent-kafka read the topic back, and the rows must equal the
# CSV rows exactly (as a multiset), with the right headers, keys and partitions; brokers that
# go away during a run, and a stop while they are away, must lose and double nothing.
#
# usage: kafka_sink_test.py FLOWMETERD KAFKA_MOCK_CLUSTER [TEST...]
import collections
import json
import os
import signal
import subprocess
import sys
import time

import kafka_fixture
from kafka_fixture import (Cluster, csv_header_and_rows, kcat_items, run_tests, shared_capture,
                           topic_messages)

FLOWMETERD = sys.argv[1]
MOCK = sys.argv[2]
ONLY = sys.argv[3:]
SMALL = shared_capture("cic-sample/test.pcap")
# 37670 flows: about 18 MB of rows, far beyond a 1 MiB in-memory queue.
BIG = shared_capture("large/pkt.TCP.synflood.spoofed.pcap")
PARTITIONS = 6
SPOOL_MAGIC_LEN = len(b"flowmeterd kafka spool 1\n")


def write_config(d, cluster, files, sinks="[csv, kafka]", fmt="csv", key="flow", extra=""):
    return kafka_fixture.write_config(
        d, cluster, files,
        f"    topic: flows\n    sensor_id: sensor-7\n    format: {fmt}\n    key: {key}\n{extra}",
        sinks=sinks)


def run(config, timeout=300, expect_rc=0):
    p = subprocess.run([FLOWMETERD, "--config", config], capture_output=True, text=True,
                       timeout=timeout)
    assert p.returncode == expect_rc, f"exit {p.returncode}\n{p.stderr}"
    return p


def check_keys_and_partitions(items):
    part_of = {}
    for part, key, value in items:
        cells = value.split(",")
        a, b = (cells[1], cells[2]), (cells[3], cells[4])
        expected = "-".join([min(a, b)[0], max(a, b)[0], min(a, b)[1], max(a, b)[1], cells[5]])
        assert key == expected, (key, expected)
        assert part_of.setdefault(key, part) == part, f"flow key {key} in two partitions"
    return len(part_of)


def test_csv_format_equals_csv_files(d):
    cluster = Cluster(MOCK, PARTITIONS)
    try:
        config, out = write_config(d, cluster, [SMALL])
        p = run(config)
        header, rows = csv_header_and_rows(out)
        assert len(rows) > 20
        # Every row is acknowledged, and the final statistics count them.
        assert f"final: kafka.rows_delivered {len(rows)}\n" in p.stderr, p.stderr
        assert not os.path.exists(spool_path(out)), "a spool file was left behind"
        items = kcat_items(cluster)
        assert collections.Counter(v for _, _, v in items) == collections.Counter(rows)
        keys = check_keys_and_partitions(items)
        assert keys > 1 and len({p for p, _, _ in items}) > 1
        for m in topic_messages(cluster, "t")[:50]:
            h = dict(m.headers())
            assert h == {"sensor_id": b"sensor-7", "profile": b"fixed",
                         "csv_header": header.encode()}, h
    finally:
        cluster.close()


class Number(str):
    """A JSON number, kept as the text it was written as."""


def test_json_format_types(d):
    cluster = Cluster(MOCK, PARTITIONS)
    try:
        config, out = write_config(d, cluster, [SMALL], fmt="json")
        run(config)
        header, rows = csv_header_and_rows(out)
        names = header.split(",")
        msgs = topic_messages(cluster, "t")
        rebuilt = []
        numbers = 0
        for m in msgs:
            obj = json.loads(m.value(), parse_float=Number, parse_int=Number)
            assert list(obj) == names
            for i, (k, v) in enumerate(obj.items()):
                text_col = i in (0, 1, 3, 6) or i == len(names) - 1
                if text_col or v in ("NaN", "Infinity", "-Infinity"):
                    assert type(v) is str, (k, v)
                else:
                    assert isinstance(v, Number), (k, v)
                    numbers += 1
            rebuilt.append(",".join(obj.values()))
            h = dict(m.headers())
            assert h == {"sensor_id": b"sensor-7", "profile": b"fixed"}, h
        assert numbers > 0
        assert collections.Counter(rebuilt) == collections.Counter(rows)
        # Ordinary JSON readers take the numbers as numbers.
        sample = json.loads(msgs[0].value())
        assert isinstance(sample["Protocol"], int) and isinstance(sample["Flow Duration"], int)
    finally:
        cluster.close()


def test_key_none_spreads_over_partitions(d):
    cluster = Cluster(MOCK, PARTITIONS)
    try:
        config, out = write_config(d, cluster, [SMALL], key="none", sinks="[kafka]")
        run(config)
        assert csv_header_and_rows(out)[1] == [], "sinks: [kafka] wrote CSV files"
        items = kcat_items(cluster)
        assert len(items) > 20
        assert all(k == "" for _, k, _ in items)
    finally:
        cluster.close()


def spool_path(out):
    return os.path.join(out, "flows.kafka-spool")


def test_outage_during_run_nothing_lost(d):
    cluster = Cluster(MOCK, PARTITIONS)
    try:
        cluster.down()
        config, out = write_config(d, cluster, [BIG], extra="""    queue_max_bytes: 1048576
    flush_timeout_s: 120""")
        p = subprocess.Popen([FLOWMETERD, "--config", config], stderr=subprocess.PIPE, text=True)
        # Rows pile up: first in memory, then in the spool file.
        deadline = time.time() + 120
        while time.time() < deadline:
            if os.path.exists(spool_path(out)) and os.path.getsize(spool_path(out)) > 1 << 20:
                break
            time.sleep(0.2)
        assert os.path.getsize(spool_path(out)) > 1 << 20, "nothing was spooled"
        cluster.up()
        _, err = p.communicate(timeout=200)
        assert p.returncode == 0, err
        _, rows = csv_header_and_rows(out)
        items = kcat_items(cluster)
        assert len(items) == len(rows), (len(items), len(rows))
        assert collections.Counter(v for _, _, v in items) == collections.Counter(rows)
        check_keys_and_partitions(items)
        assert "rows go to" in err, err
        assert not os.path.exists(spool_path(out)), "the replayed spool was left behind"
    finally:
        cluster.close()


def test_stop_during_outage_then_restart_replays(d):
    cluster = Cluster(MOCK, PARTITIONS)
    try:
        cluster.down()
        config, out = write_config(d, cluster, [SMALL], extra="    flush_timeout_s: 1")
        p = run(config)
        _, rows = csv_header_and_rows(out)
        assert os.path.getsize(spool_path(out)) > SPOOL_MAGIC_LEN, p.stderr
        assert "sent first at the next start" in p.stderr, p.stderr
        cluster.up()
        # The next start sends the spool first, then its own rows (the same capture again).
        p = run(config)
        assert "from the last run" in p.stderr, p.stderr
        _, rows2 = csv_header_and_rows(out)
        items = kcat_items(cluster)
        assert collections.Counter(v for _, _, v in items) == collections.Counter(rows2)
        assert collections.Counter(rows2) == collections.Counter(rows + rows)
        assert not os.path.exists(spool_path(out)), "the replayed spool was left behind"
    finally:
        cluster.close()


def test_sigterm_during_outage_spools(d):
    cluster = Cluster(MOCK, PARTITIONS)
    try:
        cluster.down()
        config, out = write_config(d, cluster, [SMALL], extra="    flush_timeout_s: 600")
        p = subprocess.Popen([FLOWMETERD, "--config", config], stderr=subprocess.PIPE, text=True)
        time.sleep(3)  # the capture is read; the writer waits for the brokers
        p.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        p.send_signal(signal.SIGTERM)  # the second signal ends the wait for the brokers
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        _, rows = csv_header_and_rows(out)
        assert "sent first at the next start" in err, err
        cluster.up()
        # The restart reads the same capture again: the spool first, then its own rows.
        run(config)
        _, rows2 = csv_header_and_rows(out)
        assert collections.Counter(rows2) == collections.Counter(rows + rows)
        items = kcat_items(cluster)
        assert collections.Counter(v for _, _, v in items) == collections.Counter(rows2)
    finally:
        cluster.close()


def test_bad_settings_exit_78(d):
    cluster = Cluster(MOCK, PARTITIONS)
    try:
        for extra, key in [
            ('    properties:\n      no.such.property: "1"', "output.kafka.properties.no.such.property"),
            ('    properties:\n      acks: "1"', "output.kafka.properties"),
            ("    compression: lz5", "output.kafka.compression"),
        ]:
            config, _ = write_config(d, cluster, [SMALL], extra=extra)
            p = run(config, expect_rc=78)
            assert f"{config}:" in p.stderr and f": {key}: " in p.stderr, p.stderr
        config, _ = write_config(d, cluster, [SMALL])
        text = open(config).read().replace(cluster.bootstrap.split(",")[0], "127.0.0.1:99999")
        open(config, "w").write(text)
        p = run(config, expect_rc=78)
        assert ": output.kafka.brokers: " in p.stderr and "65535" in p.stderr, p.stderr
    finally:
        cluster.close()


def main():
    return run_tests(globals(), ONLY)


if __name__ == "__main__":
    sys.exit(main())
