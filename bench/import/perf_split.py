#!/usr/bin/env python3
"""Splits a `perf record --call-graph dwarf` profile of `segflow import` into the import's
parts: each sample goes to the first rule (in the order below) one of whose names appears in its
stack. Usage: perf_split.py PERF_DATA (see bench/import/profile.sh)."""
import collections
import subprocess
import sys

RULES = [
    ("commit", ["Transaction::commit", "sqlite3PagerCommitPhaseOne", "Transaction::drop"]),
    ("recount_all (counted column)", ["recount_all"]),
    ("deferred index build + triggers", ["execute_batch"]),
    ("csv parse (reader thread)", ["RecordReader::spawn", "read_byte_record"]),
    ("utf8 check (reader thread)", ["from_byte_record", "from_utf8"]),
    ("key index (repeated keys)", ["KeyIndex::"]),
    ("line numbers", ["LineNumbers::"]),
    ("order id lookup", ["OrderWriter::id_of"]),
    ("id map (customers/products)", ["IdMap::", "Buyers::"]),
    ("json build (tags/attributes)", ["tags_json", "typed_object", "typed_value", "merge_patch", "serde_json"]),
    ("bind+insert (sqlite step)", ["Upsert::write", "ItemWriter::write", "OrderWriter::write", "write_bulk", "raw_bind", "sqlite3_step"]),
    ("cell parse/validate", ["parse_datetime", "parse_cents", "parse_quantity", "check_email", "timestamp::", "Row::", "parse_bool", "cell::"]),
    ("other importer", ["Importer::import", "run_in_transaction"]),
]
counts = collections.Counter()
total = 0
out = subprocess.run(["perf", "script", "-i", sys.argv[1], "-F", "comm,tid,ip,sym"], capture_output=True, text=True).stdout
for block in out.split("\n\n"):
    lines = block.strip().split("\n")
    if not lines or not lines[0].strip():
        continue
    frames = " | ".join(lines[1:])
    total += 1
    # Outermost-significant phases first: rules listed are checked in order of specificity.
    for name, keys in RULES:
        if any(k in frames for k in keys):
            counts[name] += 1
            break
    else:
        counts["other (" + (lines[1].split()[-1] if len(lines) > 1 else "?")[:40] + ")"] += 1
for name, n in counts.most_common(25):
    print(f"{100*n/total:5.1f}%  {name}")
print("samples", total)
