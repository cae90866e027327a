# SPDX-License-Identifier: BSD-3-Clause
# What the Kafka end-to-end tests (kafka_sink_test.py, kafka_outage_test.py,
# kafka_schema_test.py) share: librdkafka's mock cluster (kafka-mock-cluster) as a child
# process, the configuration of a run into it, the topic read back by consumers nobody here
# wrote (kcat, python3-confluent-kafka), the CSV rows flowmeterd wrote beside it, and the loop
# that runs a file's test_* functions.
import os
import signal
import subprocess
import tempfile
import time
import traceback

from confluent_kafka import Consumer, TopicPartition

SHARED = os.environ.get("FM_SHARED_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared"))
TOPIC = "flows"


def shared_capture(relative):
    """A capture of ../shared/pcaps."""
    return os.path.join(SHARED, "pcaps", relative)


class Cluster:
    """kafka-mock-cluster: 3 brokers on 127.0.0.1 serving TOPIC with `partitions` partitions.
    SIGUSR1 takes the brokers down, SIGUSR2 brings them back; each answers with a line."""

    def __init__(self, mock, partitions):
        self.partitions = partitions
        self.proc = subprocess.Popen([mock, "--topic", f"{TOPIC}:{partitions}"],
                                     stdout=subprocess.PIPE, text=True)
        self.bootstrap = self.proc.stdout.readline().strip()
        assert self.bootstrap.startswith("127.0.0.1:"), self.bootstrap

    @property
    def first_broker(self):
        return self.bootstrap.split(",")[0]

    def signal(self, sig, expect):
        self.proc.send_signal(sig)
        line = self.proc.stdout.readline().strip()
        assert line == expect, line

    def down(self):
        self.signal(signal.SIGUSR1, "down")

    def up(self):
        self.signal(signal.SIGUSR2, "up")

    def messages_stored(self):
        """Messages the brokers hold in the topic (sum of the partitions' high watermarks)."""
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "watermarks"})
        try:
            return sum(c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10)[1]
                       for p in range(self.partitions))
        finally:
            c.close()

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def write_config(d, cluster, files, kafka, sinks="[csv, kafka]", sections="", output="",
                 logging=""):
    """flowmeter.yaml in `d` for a run over the capture `files` into d/out and the cluster's
    brokers; returns (config path, output directory). `kafka` are the lines of output.kafka
    besides the brokers (topic, sensor_id, …), `sections` whole YAML sections added before
    output:, `output` and `logging` lines added to those sections (each line written with its
    indentation)."""
    out = os.path.join(d, "out")
    os.makedirs(out, exist_ok=True)
    listed = ", ".join(f'"{f}"' for f in files)
    parts = [
        f"capture:\n  source: pcap_file\n  files: [{listed}]",
        sections,
        f'output:\n  directory: "{out}"\n  sinks: {sinks}',
        output,
        f'  kafka:\n    brokers: ["{cluster.first_broker}"]',
        kafka,
        "logging:\n  target: stderr",
        logging,
    ]
    path = os.path.join(d, "flowmeter.yaml")
    with open(path, "w") as f:
        f.write("\n".join(part.rstrip("\n") for part in parts if part) + "\n")
    return path, out


def kcat_items(cluster):
    """(partition, key, value) of every message, read by kcat, each partition in offset
    order."""
    p = subprocess.run(["kcat", "-C", "-b", cluster.bootstrap, "-t", TOPIC, "-o", "beginning",
                        "-e", "-q", "-f", "%p\t%k\t%s\n"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    items = []
    for line in p.stdout.splitlines():
        part, key, value = line.split("\t", 2)
        items.append((int(part), key, value))
    return items


def topic_messages(cluster, group):
    """Every message of the topic, read by python3-confluent-kafka (headers included),
    partition by partition up to the high watermark each had when it was asked."""
    c = Consumer({"bootstrap.servers": cluster.bootstrap, "group.id": group,
                  "enable.auto.commit": False})
    msgs = []
    for p in range(cluster.partitions):
        lo, hi = c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=30)
        if hi <= lo:
            continue
        c.assign([TopicPartition(TOPIC, p, lo)])
        got = 0
        while got < hi - lo:
            m = c.poll(10)
            assert m is not None, f"partition {p}: {got} of {hi - lo} messages"
            assert m.error() is None, m.error()
            msgs.append(m)
            got += 1
    c.close()
    return msgs


def csv_files(out):
    """The CSV files in `out`, in the order they were written
    (PREFIX-YYYYmmddTHHMMSSZ-N.csv, or one file of another name)."""
    def order(name):
        stem = name[:-len(".csv")]
        head, _, tail = stem.rpartition("-")
        return (head, int(tail)) if tail.isdigit() else (stem, 0)
    return sorted((n for n in os.listdir(out) if n.endswith(".csv")), key=order)


def csv_header_and_rows(out):
    """The header line (None without files) and every row of the CSV files, in order."""
    header = None
    rows = []
    for name in csv_files(out):
        with open(os.path.join(out, name)) as f:
            lines = f.read().splitlines()
        header = lines[0]
        rows += lines[1:]
    return header, rows


def run_tests(module_globals, only):
    """Runs the module's test_* functions (or those named in `only`), each in a fresh
    temporary directory; returns the exit status (1 when any failed)."""
    failed = 0
    tests = [t for name, t in sorted(module_globals.items()) if name.startswith("test_")]
    for t in tests:
        if only and t.__name__ not in only:
            continue
        with tempfile.TemporaryDirectory() as d:
            started = time.time()
            try:
                t(d)
                print(f"PASS {t.__name__} ({time.time() - started:.1f} s)", flush=True)
            except Exception:
                failed += 1
                print(f"FAIL {t.__name__}", flush=True)
                traceback.print_exc()
    return 1 if failed else 0
