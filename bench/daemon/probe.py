"""Event -> journey latency: posts PROBES checkout_started events (one per new customer, so
each may start the abandoned-checkout journey) at RATE per second, then reads from the store,
for every journey they started, entered_at minus the event's receipt time (the daemon stamps
occurred_at on receipt when the event has none). Usage: probe.py ADDR TOKEN DB PROBES RATE TAG"""
import http.client, json, sqlite3, sys, time

addr, token, db, probes, rate, tag = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
host, port = addr.split(":")
conn = http.client.HTTPConnection(host, int(port), timeout=30)
for k in range(probes):
    body = json.dumps({"type": "checkout_started", "customer_id": f"probe-{tag}-{k}", "properties": {"value": 50}})
    conn.request("POST", "/v1/events", body, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    r = conn.getresponse(); r.read()
    assert r.status == 200, r.status
    time.sleep(1.0 / rate)
time.sleep(3)
store = sqlite3.connect(db, timeout=30)
rows = store.execute(
    """SELECT j.entered_at - e.occurred_at FROM journeys j
       JOIN events e ON e.id = json_extract(j.trigger_event, '$.id')
       JOIN customers c ON c.id = e.customer
       WHERE j.workflow = 'abandoned_checkout' AND c.external_id LIKE ?""", (f"probe-{tag}-%",)).fetchall()
lat = sorted(r[0] for r in rows)
if len(lat) < probes:
    print(f"probe {tag}: only {len(lat)} of {probes} events started a journey")
if lat:
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    print(f"event->journey ({tag}): n={len(lat)} p50={q(0.50)} ms p99={q(0.99)} ms max={lat[-1]} ms")
