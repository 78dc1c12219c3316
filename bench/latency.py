"""Sequential keep-alive GET latency against a running rtbcat, for the bench scripts.

Usage: latency.py ADDR TOKEN REQUESTS [TARGET_MS] PATH...
Prints p50/p95/p99 per path (20 warm-up requests excluded), and apart the first request's
time: it may fill a cache the others read (the listing's window totals, kept per data
version, are summed again after every import). With TARGET_MS, the first
path's p95 is compared to it and the verdict printed.
"""
import http.client
import sys
import time
import urllib.parse


def measure(conn, headers, path, n):
    times = []
    size = 0
    first = None
    for i in range(n + 20):
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status == 200, (path, response.status, body[:200])
        first = elapsed if first is None else first
        if i >= 20:
            times.append(elapsed)
            size = len(body)
    times.sort()

    def q(p):
        return times[min(len(times) - 1, int(p * len(times)))]

    print(f"{path:<62} p50 {q(0.50):7.2f} ms  p95 {q(0.95):7.2f} ms  p99 {q(0.99):7.2f} ms  first {first:7.2f} ms  ({size / 1024:.0f} KiB)")
    return q(0.95)


def main():
    addr, token, requests = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rest = sys.argv[4:]
    target = float(rest.pop(0)) if rest and not rest[0].startswith("/") else None
    host = urllib.parse.urlparse(addr)
    conn = http.client.HTTPConnection(host.hostname, host.port)
    headers = {"Authorization": f"Bearer {token}"}
    first_p95 = None
    for path in rest:
        # Whole-catalog pages are big: a tenth of the requests is plenty.
        n = max(20, requests // 10) if "page_size=10000" in path else requests
        p95 = measure(conn, headers, path, n)
        first_p95 = p95 if first_p95 is None else first_p95
    if target is not None:
        verdict = "met" if first_p95 < target else "MISSED"
        print(f"target: {rest[0]} p95 < {target:g} ms -> {verdict} ({first_p95:.2f} ms)")


if __name__ == "__main__":
    main()
