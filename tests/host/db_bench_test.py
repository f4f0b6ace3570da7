#!/usr/bin/env python3
"""RocksDB's own tools with the plugin: db_bench writes with the plugin
LD_PRELOADed and enabled from an OPTIONS file; sst_dump must show the
property in every SST, decoding (by an independent decoder here) to
exactly what db_bench wrote as read back with ldb; lsn-inspect --json must
report the same.

db_bench keys (default --key_size=16) are the key number as 8 big-endian
bytes followed by eight ASCII '0's, and values are random bytes. So the
collector takes the key number as the partition (partition_bytes=8,
key_suffix=3030303030303030) and the first 8 value bytes, big-endian, as
the LSN. fillseq writes each key once, so every partition's durable LSN
must equal the u64be prefix of its only value.

usage: db_bench_test.py PLUGIN LSN_INSPECT WORK_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys

NUM = 3000
OPTIONS = """\
[Version]
  rocksdb_version=7.8.3
  options_file_version=1.1

[DBOptions]
  create_if_missing=true
  listeners={id=LsnFlushListener;tracker=db_bench}

[CFOptions "default"]
  write_buffer_size=65536
  disable_auto_compactions=true
  table_properties_collectors={id=LsnCollectorFactory;key_suffix=3030303030303030;partition_bytes=8;value_format=u64be}

[TableOptions/BlockBasedTable "default"]
"""


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def run(cmd, env=None):
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr[-2000:]}")
    return p.stdout


def leb128(buf, i):
    v = shift = 0
    while True:
        if i >= len(buf) or shift > 63:
            fail("truncated or overlong LEB128 in property")
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def decode_property(buf):
    """Property format version 2: 0x02, 8-byte layout fingerprint, count,
    (partition delta, lsn)*."""
    if len(buf) < 10 or buf[0] != 2:
        fail(f"property version {buf[:1].hex()}")
    count, i = leb128(buf, 9)
    out, partition = {}, 0
    for n in range(count):
        delta, i = leb128(buf, i)
        lsn, i = leb128(buf, i)
        partition = delta if n == 0 else partition + delta
        out[partition] = lsn
    if i != len(buf):
        fail("trailing bytes in property")
    return out


def main():
    plugin, inspect, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    db, opts = os.path.join(work, "db"), os.path.join(work, "OPTIONS.ini")
    with open(opts, "w") as f:
        f.write(OPTIONS)

    env = dict(os.environ, LD_PRELOAD=plugin)
    run(["db_bench", "--benchmarks=fillseq", f"--num={NUM}",
         "--value_size=16", "--disable_wal=1", "--threads=1",
         f"--options_file={opts}", f"--db={db}"], env=env)

    ssts = sorted(f for f in os.listdir(db) if f.endswith(".sst"))
    if len(ssts) < 2:
        fail(f"expected several flushes, got {ssts}")
    from_sst_dump = {}
    for name in ssts:
        out = run(["sst_dump", f"--file={os.path.join(db, name)}",
                   "--show_properties"])
        if "property collectors names: [LsnCollectorFactory]" not in out:
            fail(f"{name}: collector not listed:\n{out}")
        m = re.search(r"# lsn\.max_applied: 0x([0-9A-Fa-f]+)\n", out)
        if not m:
            fail(f"{name}: no lsn.max_applied property:\n{out}")
        if "lsn.max_applied.bad_values" in out:
            fail(f"{name}: bad values reported")
        for p, lsn in decode_property(bytes.fromhex(m.group(1))).items():
            from_sst_dump[p] = max(lsn, from_sst_dump.get(p, 0))

    report = json.loads(run([inspect, db, "--json"]))
    cfs = {c["name"]: c for c in report["column_families"]}
    if list(cfs) != ["default"] or report["property"] != "lsn.max_applied":
        fail(f"lsn-inspect: {report}")
    c = cfs["default"]
    if (c["files"], c["files_with_property"], c["files_without_property"],
            c["files_corrupt"], c["files_unreadable"]) != (len(ssts), len(ssts),
                                                           0, 0, 0):
        fail(f"lsn-inspect file counts: {c}")
    from_inspect = {e["partition"]: e["durable_lsn"] for e in c["partitions"]}

    # What db_bench wrote, read back through RocksDB.
    written = {}
    for line in run(["ldb", f"--db={db}", "scan", "--hex"]).splitlines():
        k, v = (bytes.fromhex(x.strip()[2:]) for x in line.split(" : "))
        if len(k) != 16 or k[8:] != b"0" * 8 or len(v) < 8:
            fail(f"unexpected db_bench record {line}")
        written[int.from_bytes(k[:8], "big")] = int.from_bytes(v[:8], "big")
    if sorted(written) != list(range(NUM)):
        fail(f"ldb saw {len(written)} keys, expected 0..{NUM - 1}")

    if from_sst_dump != written:
        diff = [p for p in written if from_sst_dump.get(p) != written[p]]
        fail(f"sst_dump property differs at partitions {diff[:10]}")
    if from_inspect != written:
        diff = [p for p in written if from_inspect.get(p) != written[p]]
        fail(f"lsn-inspect differs at partitions {diff[:10]}")
    print(f"db_bench: {len(ssts)} SSTs, {NUM} partitions, property matches")


if __name__ == "__main__":
    main()
