"""DuckDB baseline for the segment benchmark.

Loads the orders, customers and events of the benchmark's SQLite file into in-memory DuckDB
tables (DuckDB's best case: columnar, vectorised, both cores), runs the hand-written queries in
DuckDB's dialect, checks each selects as many customers as segflow, and prints the median of three
runs beside segflow's columnar time from the same benchmark run.

Usage: duckdb_bench.py BENCH_DB COLUMNAR_JSON NOW
"""
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime

import duckdb

db, columnar_json, now_text = sys.argv[1:4]
now = int(datetime.fromisoformat(now_text.replace("Z", "+00:00")).timestamp() * 1000)
columnar = json.load(open(columnar_json))

QUERIES = {
    "frequent_buyers": "SELECT customer FROM orders WHERE placed_at >= $now - 31536000000 GROUP BY customer HAVING COUNT(*) >= 4",
    "high_aov": "SELECT customer FROM orders WHERE counted = 1 GROUP BY customer HAVING COUNT(*) >= 2 AND AVG(total - refunded) / 100.0 > 150",
    "first_time_buyers": "SELECT customer FROM orders WHERE counted = 1 GROUP BY customer HAVING COUNT(*) = 1",
    "lapsed_6_months": "SELECT o.customer FROM orders o JOIN customers c ON c.id = o.customer WHERE c.accepts_marketing = 1 AND o.counted = 1 GROUP BY o.customer HAVING ($now - MAX(o.placed_at)) / 86400000.0 > 180",
    "vip": "SELECT customer FROM orders GROUP BY customer HAVING SUM(CASE WHEN counted = 1 THEN total - refunded ELSE 0 END) / 100.0 > 1000 OR SUM(CASE WHEN placed_at >= $now - 31536000000 THEN total ELSE 0 END) / 100.0 > 500",
    "abandoned_checkout": "SELECT DISTINCT e.customer FROM events e WHERE e.type = 'checkout_started' AND e.occurred_at >= $now - 86400000 AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer = e.customer AND o.placed_at >= $now - 86400000)",
    "north_america": "SELECT id FROM customers WHERE country IN ('US', 'CA')",
    "price_sensitive": "SELECT customer FROM orders GROUP BY customer HAVING SUM(counted) >= 2 AND SUM(CASE WHEN discount > 0 THEN 1 ELSE 0 END) * 1.0 / SUM(counted) >= 0.5",
    "browsed_never_bought": "SELECT customer FROM events WHERE type = 'product_viewed' GROUP BY customer HAVING COUNT(*) >= 3 AND customer NOT IN (SELECT customer FROM orders WHERE counted = 1)",
}

tables = {
    "customers": "SELECT id, country, accepts_marketing FROM customers",
    "orders": "SELECT customer, placed_at, total, discount, refunded, counted FROM orders",
    "events": "SELECT customer, type, occurred_at FROM events",
}
con = duckdb.connect()
with tempfile.TemporaryDirectory() as tmp:
    t = time.monotonic()
    for name, select in tables.items():
        path = os.path.join(tmp, name + ".csv")
        subprocess.run(["sqlite3", "-csv", "-header", db, select], check=True, stdout=open(path, "w"))
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv_auto('{path}')")
    print(f"loaded DuckDB tables in {time.monotonic() - t:.1f} s (not counted below)")

print(f"{'segment':<22} {'members':>9} {'columnar ms':>12} {'DuckDB ms':>10} {'ratio':>8}")
ratios = []
for name, sql in QUERIES.items():
    times = []
    for _ in range(3):
        t = time.perf_counter()
        params = {"now": now} if "$now" in sql else {}
        rows = con.execute(sql, params).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    seg = columnar[name]
    assert len(rows) == seg["members"], f"{name}: DuckDB {len(rows)} vs segflow {seg['members']}"
    ms = statistics.median(times)
    ratios.append(ms / seg["ms"])
    print(f"{name:<22} {len(rows):>9} {seg['ms']:>12.2f} {ms:>10.1f} {ms / seg['ms']:>7.1f}x")
print(f"median speed-up of columnar over DuckDB: {statistics.median(ratios):.1f}x; smallest {min(ratios):.1f}x")
