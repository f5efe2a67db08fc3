#!/usr/bin/env python3
"""The platform's own traffic for benchmarks/shared_budget.sh: GET /time at RATE requests per second on PORT for
SECONDS seconds, evenly spaced (4 keep-alive connections in threads), printing one JSON line at the end:
{"sent": n, "429": n, "other": n}. Python is only a benchmark's load generator here, never part of backfill."""
import http.client, json, sys, threading, time

port, rate, seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
counts = {"sent": 0, "429": 0, "other": 0}
lock = threading.Lock()
start = time.monotonic()

def worker(k, n):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    i = k
    while True:
        due = start + i / rate
        if due - start >= seconds:
            break
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            conn.request("GET", "/time")
            status = conn.getresponse()
            status.read()
            code = status.status
        except Exception:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            code = 0
        with lock:
            counts["sent"] += 1
            if code == 429:
                counts["429"] += 1
            elif code != 200:
                counts["other"] += 1
        i += n

if rate > 0:
    threads = [threading.Thread(target=worker, args=(k, 4)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
else:
    time.sleep(seconds)
print(json.dumps(counts))
