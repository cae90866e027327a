#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Broker outages in the middle of a run, and a full spool, end to end: the real flowmeterd,
# librdkafka's mock cluster (kafka-mock-cluster) and consumers nobody here wrote (kcat,
# python3-confluent-kafka).
#
# - Brokers go down while rows flow and come back later in the same run: the rows made
#   meanwhile are spooled (counted), replayed in order once the brokers return, none lost and
#   none doubled: the consumed rows equal the CSV rows as a multiset, and each partition holds
#   its rows in the order of the CSV file (one worker: the file order is the writer's order).
# - An offline run with the brokers down and the spool full waits, loses nothing, keeps the
#   service watchdog fed while it waits, and finishes once the brokers return.
# - A stop that meets a full spool ends after output.kafka.flush_timeout_s, spools the rest
#   beyond the spool's limit, and the next start sends everything.
#
# The capture is fed through a named pipe where the test must decide when packets arrive.
# Rows must flow while packets are read (not only when the capture ends), so the flow table
# is small (flow.max_flows): the SYN flood's flows, one packet each, are ended early as new
# ones come.
#
# usage: kafka_outage_test.py FLOWMETERD KAFKA_MOCK_CLUSTER [TEST...]
import collections
import contextlib
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time

import kafka_fixture
from kafka_fixture import Cluster, csv_header_and_rows, kcat_items, run_tests, shared_capture

FLOWMETERD = sys.argv[1]
MOCK = sys.argv[2]
ONLY = sys.argv[3:]
# 37841 packets, 37670 flows of one SYN each: about 13 MB of rows.
SYNFLOOD = shared_capture("large/pkt.TCP.synflood.spoofed.pcap")
PARTITIONS = 6
MIB = 1 << 20


def write_config(d, cluster, capture, kafka_extra, stats_interval_s=60):
    return kafka_fixture.write_config(
        d, cluster, [capture],
        f"    topic: flows\n    sensor_id: sensor-7\n    queue_max_bytes: {MIB}\n{kafka_extra}",
        sections="pipeline:\n  workers: 1\nflow:\n  max_flows: 1000",
        logging=f"  stats_interval_s: {stats_interval_s}")


@contextlib.contextmanager
def running(config, log_path, env=None):
    """flowmeterd --config CONFIG, its output in `log_path`; killed when the block leaves
    before it ended (a failed assertion), so that no daemon outlives its test."""
    with open(log_path, "w") as log:
        p = subprocess.Popen([FLOWMETERD, "--config", config], stdout=log, stderr=log, env=env)
    try:
        yield p
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def read_text(path):
    with open(path) as f:
        return f.read()


def final_counters(log_text):
    """The `final: NAME VALUE` lines of the final statistics."""
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"final: ([a-z_]+\.[a-z_.]+) (\d+)$", log_text, re.M)}


def wait_until(what, condition, seconds, log=None):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {seconds} s" +
                         (f"\n{read_text(log)}" if log else ""))


def csv_rows(out):
    return csv_header_and_rows(out)[1]


def spool_path(out):
    return os.path.join(out, "flows.kafka-spool")


def spool_size(out):
    try:
        return os.path.getsize(spool_path(out))
    except FileNotFoundError:
        return 0


def flow_key(row):
    cells = row.split(",")
    a, b = (cells[1], cells[2]), (cells[3], cells[4])
    return "-".join([min(a, b)[0], max(a, b)[0], min(a, b)[1], max(a, b)[1], cells[5]])


def check_delivered_exactly(cluster, rows):
    """The topic holds exactly `rows` (as a multiset), each partition in `rows` order."""
    items = kcat_items(cluster)
    assert len(items) == len(rows), f"{len(items)} messages for {len(rows)} CSV rows"
    assert collections.Counter(v for _, _, v in items) == collections.Counter(rows), \
        "the consumed rows differ from the CSV rows"
    partition_of = {}
    consumed = collections.defaultdict(list)
    for part, key, value in items:
        assert key == flow_key(value), (key, value)
        assert partition_of.setdefault(key, part) == part, f"flow key {key} in two partitions"
        consumed[part].append(value)
    for part, values in consumed.items():
        expected = [r for r in rows if partition_of[flow_key(r)] == part]
        first = next((i for i, (a, b) in enumerate(zip(values, expected)) if a != b), None)
        assert first is None, (f"partition {part}: message {first} is out of the CSV order:\n"
                               f"  consumed {values[first][:120]}\n  expected {expected[first][:120]}")


def pcap_records(path):
    """The capture's file header and its records (record header and data), as bytes."""
    data = open(path, "rb").read()
    magic = data[:4]
    order = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    records = []
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack_from(order + "I", data, off + 8)[0]
        records.append(data[off:off + 16 + incl])
        off += 16 + incl
    assert off == len(data), f"{path}: a record is cut short at {off}"
    return data[:24], records


def test_brokers_down_while_rows_flow(d):
    header, records = pcap_records(SYNFLOOD)
    third = len(records) // 3
    cluster = Cluster(MOCK, PARTITIONS)
    try:
        pipe = os.path.join(d, "capture.pcap")
        os.mkfifo(pipe)
        config, out = write_config(d, cluster, pipe, "    flush_timeout_s: 120")
        log_path = os.path.join(d, "flowmeterd.log")
        started = time.time()
        with running(config, log_path) as p:
            with open(pipe, "wb") as feed:  # opens once flowmeterd reads the pipe
                feed.write(header + b"".join(records[:third]))
                feed.flush()
                wait_until("rows reach the brokers", lambda: cluster.messages_stored() > 1000,
                           60, log_path)
                cluster.down()
                # Rows keep coming: 1 MiB waits in librdkafka, the rest goes to the spool.
                feed.write(b"".join(records[third:2 * third]))
                feed.flush()
                wait_until("rows are spooled while the brokers are down",
                           lambda: spool_size(out) > MIB, 60, log_path)
                assert p.poll() is None, read_text(log_path)
                cluster.up()
                feed.write(b"".join(records[2 * third:]))
            assert p.wait(timeout=120) == 0, read_text(log_path)
        log_text = read_text(log_path)
        rows = csv_rows(out)
        assert len(rows) > 30000, len(rows)
        stats = final_counters(log_text)
        spooled = stats.get("kafka.rows_spooled", 0)
        assert spooled > 2000, log_text
        # Everything spooled during the outage went out in the same run.
        assert stats.get("kafka.rows_replayed", 0) == spooled, log_text
        assert stats.get("kafka.rows_delivered", 0) == len(rows), log_text
        for lost in ("kafka.rows_lost", "kafka.rows_failed", "kafka.rows_requeued",
                     "kafka.spool_errors"):
            assert lost not in stats, log_text
        assert "rows go to" in log_text and "the spool is replayed" in log_text, log_text
        # Spooling starts and ends many times while the replay competes with new rows for
        # the 1 MiB of memory; the log says so at most once per 10 s.
        allowed = 1 + int((time.time() - started) / 10)
        assert log_text.count("rows wait for the brokers in memory") <= allowed, log_text
        assert log_text.count("the spool is replayed") <= allowed, log_text
        assert not os.path.exists(spool_path(out)), "the replayed spool was left behind"
        check_delivered_exactly(cluster, rows)
    finally:
        cluster.close()


class NotifySocket:
    """A datagram socket standing in for systemd's notification socket."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.setblocking(False)
        self.path = path

    def drain(self):
        msgs = []
        while True:
            try:
                msgs.append(self.sock.recv(4096).decode())
            except BlockingIOError:
                return msgs

    def close(self):
        self.sock.close()


def test_full_spool_offline_waits_for_the_brokers(d):
    cluster = Cluster(MOCK, PARTITIONS)
    notify = NotifySocket(os.path.join(d, "notify"))
    try:
        cluster.down()
        config, out = write_config(d, cluster, SYNFLOOD,
                                   f"    spool_max_bytes: {MIB}\n    flush_timeout_s: 120")
        log_path = os.path.join(d, "flowmeterd.log")
        # The service watchdog (WatchdogSec in the unit): a writer that waits for the brokers
        # is not hung, so the pings go on while it waits.
        env = dict(os.environ, NOTIFY_SOCKET=notify.path, WATCHDOG_USEC="1000000")
        with running(config, log_path, env) as p:
            wait_until("the spool fills", lambda: "is full" in read_text(log_path), 60,
                       log_path)
            notify.drain()
            time.sleep(4)
            pings = [m for m in notify.drain() if "WATCHDOG=1" in m]
            assert p.poll() is None, "the run ended with the spool full:\n" + read_text(log_path)
            assert spool_size(out) <= MIB, spool_size(out)
            assert len(pings) >= 4, f"{len(pings)} watchdog pings in 4 s while waiting"
            cluster.up()
            assert p.wait(timeout=120) == 0, read_text(log_path)
        log_text = read_text(log_path)
        rows = csv_rows(out)
        assert len(rows) > 30000, len(rows)
        stats = final_counters(log_text)
        assert stats.get("kafka.spool_full_waits", 0) > 0, log_text
        assert stats.get("kafka.rows_delivered", 0) == len(rows), log_text
        assert "kafka.rows_lost" not in stats and "kafka.rows_spooled_over_limit" not in stats
        assert "the pipeline waits for the brokers" in log_text, log_text
        assert not os.path.exists(spool_path(out)), "the replayed spool was left behind"
        check_delivered_exactly(cluster, rows)
    finally:
        notify.close()
        cluster.close()


def test_stop_with_full_spool_spools_beyond_the_limit(d):
    cluster = Cluster(MOCK, PARTITIONS)
    try:
        cluster.down()
        config, out = write_config(d, cluster, SYNFLOOD,
                                   f"    spool_max_bytes: {MIB}\n    flush_timeout_s: 2")
        log_path = os.path.join(d, "flowmeterd.log")
        with running(config, log_path) as p:
            wait_until("the spool fills", lambda: "is full" in read_text(log_path), 60,
                       log_path)
            stopped = time.time()
            p.send_signal(signal.SIGTERM)
            # One SIGTERM: the brokers get flush_timeout_s, then the rows go to the spool.
            assert p.wait(timeout=60) == 0, read_text(log_path)
            assert time.time() - stopped < 30, "the stop waited for the brokers"
        log_text = read_text(log_path)
        stats = final_counters(log_text)
        assert stats.get("kafka.rows_spooled_over_limit", 0) > 0, log_text
        assert "kafka.rows_lost" not in stats, log_text
        assert "spooled beyond output.kafka.spool_max_bytes" in log_text, log_text
        assert "sent first at the next start" in log_text, log_text
        assert spool_size(out) > MIB, spool_size(out)
        first_rows = csv_rows(out)
        assert first_rows, log_text

        # The next start, brokers up, sends the spool first, then reads the capture again.
        cluster.up()
        with running(config, log_path) as p:
            assert p.wait(timeout=120) == 0, read_text(log_path)
        log_text = read_text(log_path)
        assert "from the last run" in log_text, log_text
        rows = csv_rows(out)
        assert len(rows) > len(first_rows)
        assert not os.path.exists(spool_path(out)), "the replayed spool was left behind"
        items = kcat_items(cluster)
        assert collections.Counter(v for _, _, v in items) == collections.Counter(rows), \
            f"{len(items)} messages for {len(rows)} CSV rows of the two runs"
    finally:
        cluster.close()


def main():
    return run_tests(globals(), ONLY)


if __name__ == "__main__":
    sys.exit(main())
