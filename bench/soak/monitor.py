#!/usr/bin/env python3
"""The soak benchmark's sampler and report (bench/soak.sh), standard library only.

  monitor.py sample PID ADMIN_URL WORKDIR --csv FILE --interval S --duration S [--warmup S]
      a sample at once and every S seconds until the duration is up, each a CSV row and a printed line, then the
      report; ctrl-C or SIGTERM ends the sampling early and still reports
  monitor.py report FILE [--warmup S]
      the report of a CSV written before

Each sample: the heap in use right after a full collection (jcmd PID GC.run, then the used sizes of GC.heap_info's
generations), metaspace in use, classes loaded (jcmd PerfCounter.print), RSS and threads (/proc/PID/status), open
file descriptors (/proc/PID/fd), from /metrics the open client connections, the routes in force, the lines of the
exposition (those of churned routes apart) and the refusals and 5xx answers since the last sample, the steady
load's requests, rate, p99 (the worst run's) and failures (hey's runs that ended since the last sample, in
WORKDIR/hey) and the driver's outcomes (WORKDIR/stats.json).
"""
import argparse
import csv
import glob
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

# what the driver provokes; any other reason (connection limits reached, say) is an error
EXPECTED_REFUSALS = {"rate_limited", "source_range", "body_too_large", "body_too_slow"}
COLUMNS = ["t_s", "heap_kib", "metaspace_kib", "classes", "rss_kib", "fds", "threads", "client_conns", "routes",
           "metrics_lines", "churned_route_lines", "problems", "steady_requests", "steady_rps", "steady_p99_ms",
           "steady_failed", "driver_ok", "driver_refused", "driver_errors", "refusals", "proxy_5xx", "errors",
           "refusal_reasons"]

# (measure, column, unit divisor, unit, tolerance per 10 min: (absolute, fraction of the mean)); rising is bad
MEASURES = [
    ("heap after full GC", "heap_kib", 1024, "MiB", (2.0, 0.02)),
    ("metaspace", "metaspace_kib", 1024, "MiB", (1.0, 0.0)),
    ("classes loaded", "classes", 1, "", (20.0, 0.0)),
    ("RSS", "rss_kib", 1024, "MiB", (16.0, 0.05)),
    ("file descriptors", "fds", 1, "", (10.0, 0.10)),
    ("threads", "threads", 1, "", (2.0, 0.0)),
    ("client connections", "client_conns", 1, "", (10.0, 0.20)),
    ("metrics lines", "metrics_lines", 1, "", (20.0, 0.02)),
    ("steady p99", "steady_p99_ms", 1, "ms", (2.0, 0.50)),  # two shared cores: a p99 wanders
    ("errors per sample", "errors", 1, "", (1.0, 0.10)),
    # the expected refusals follow the mix of churned routes, a random walk: only a strong trend counts
    ("refusals per sample", "refusals", 1, "", (10.0, 0.50)),
]


def jcmd(pid, command):
    return subprocess.run(["jcmd", str(pid), command], check=True, capture_output=True, text=True,
                          timeout=60).stdout


def heap_info(pid):
    """(heap used KiB, metaspace used KiB, classes loaded) right after a full collection."""
    jcmd(pid, "GC.run")
    out = jcmd(pid, "GC.heap_info")
    # one "total NK, used NK" line per generation (ParallelGC, Serial) or for the whole heap (G1)
    heap = sum(int(m.group(1)) for m in re.finditer(r"total \d+K, used (\d+)K", out))
    meta = re.search(r"Metaspace\s+used (\d+)K", out)
    # metaspace also holds the JIT's profiles, which grow as code warms up; a class leak shows here
    counters = dict(re.findall(r"^([\w.]+)=(\d+)$", jcmd(pid, "PerfCounter.print"), re.M))
    classes = int(counters.get("java.cls.loadedClasses", 0)) - int(counters.get("java.cls.unloadedClasses", 0))
    return heap, int(meta.group(1)) if meta else 0, classes


def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            name, _, value = line.partition(":")
            fields[name] = value.split()
    return int(fields["VmRSS"][0]), int(fields["Threads"][0]), len(os.listdir("/proc/%d/fd" % pid))


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode("utf-8")


def metric_values(text, name):
    """(labels, value) of each sample of a metric in Prometheus text."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0])) if "{" in line else {}
            yield labels, float(line.rsplit(" ", 1)[1])


def metrics(admin):
    text = fetch(admin + "/metrics")
    refusals = {}
    for labels, v in metric_values(text, "ballast_refusals_total"):
        refusals[labels.get("reason", "?")] = refusals.get(labels.get("reason", "?"), 0) + v
    five = sum(v for labels, v in metric_values(text, "http_server_request_duration_seconds_count")
               if labels.get("http_response_status_code", "").startswith("5"))
    conns = sum(v for _, v in metric_values(text, "ballast_client_connections"))
    routes = max([v for _, v in metric_values(text, "ballast_snapshot_routes")] or [0])
    # series of the churned routes (http_route="churn-NN") grow until each of the 60 names has been seen with each
    # method and status, and stop there: counted apart, so that the rest must stay flat
    samples = [line for line in text.splitlines() if line and not line.startswith("#")]
    churned = sum(1 for line in samples if 'http_route="churn-' in line)
    lines = len(samples) - churned
    try:
        problems = len(json.loads(fetch(admin + "/readyz")).get("problems", []))
    except Exception:  # 503 while not ready: its body says why, the count is what matters
        problems = -1
    return refusals, five, int(conns), int(routes), lines, churned, problems


def hey_runs(directory, seen):
    """Requests, failures, seconds, p99s and error lines of hey's runs finished since the last call."""
    requests = failed = 0
    seconds = 0.0
    p99s, errors = [], []
    for path in sorted(glob.glob(os.path.join(directory, "*.txt"))):
        if path in seen:
            continue
        seen.add(path)
        with open(path) as f:
            text = f.read()
        for status, n in re.findall(r"^\s+\[(\d+)\]\s+(\d+) responses", text, re.M):
            requests += int(n)
            if not status.startswith("2"):
                failed += int(n)
                errors.append("status %s: %s responses" % (status, n))
        error_part = text.split("Error distribution:", 1)
        if len(error_part) == 2:
            for n, what in re.findall(r"^\s+\[(\d+)\]\s+(.*)$", error_part[1], re.M):
                requests += int(n)
                failed += int(n)
                errors.append("%s x %s" % (n, what))
        total = re.search(r"Total:\s+([\d.]+) secs", text)
        if total:
            seconds += float(total.group(1))
        p99 = re.search(r"99% in ([\d.]+) secs", text)
        if p99:
            p99s.append(float(p99.group(1)) * 1000)
    return requests, failed, seconds, p99s, errors


class Sampler:
    def __init__(self, args):
        self.args = args
        self.pid = args.pid
        self.started = time.monotonic()
        self.seen = set()
        self.driver = {"ok": 0, "refused": 0, "error": 0}
        self.refusals, self.five = {}, 0.0
        self.errors_log = open(os.path.join(args.workdir, "errors.log"), "a", buffering=1)
        self.rows = []

    def driver_totals(self):
        try:
            with open(os.path.join(self.args.workdir, "stats.json")) as f:
                counts = json.load(f)
        except (OSError, ValueError):
            return dict(self.driver)
        return {k: sum(c[k] for c in counts.values()) for k in ("ok", "refused", "error")}

    def sample(self):
        now = time.monotonic()
        heap, meta, classes = heap_info(self.pid)
        rss, threads, fds = proc_status(self.pid)
        refusals, five, conns, routes, lines, churned, problems = metrics(self.args.admin)
        requests, failed, hey_seconds, p99s, hey_errors = hey_runs(os.path.join(self.args.workdir, "hey"), self.seen)
        for e in hey_errors:
            self.errors_log.write("%s steady %s\n" % (time.strftime("%H:%M:%S"), e))
        driver = self.driver_totals()
        delta = {k: driver[k] - self.driver[k] for k in driver}
        reasons = {k: int(v - self.refusals.get(k, 0)) for k, v in refusals.items() if v - self.refusals.get(k, 0)}
        row = {
            "t_s": round(now - self.started), "heap_kib": heap, "metaspace_kib": meta, "classes": classes,
            "rss_kib": rss, "fds": fds, "threads": threads, "client_conns": conns, "routes": routes,
            "metrics_lines": lines, "churned_route_lines": churned,
            "problems": problems, "steady_requests": requests,
            "steady_rps": round(requests / hey_seconds) if hey_seconds else "",
            "steady_p99_ms": round(max(p99s), 2) if p99s else "", "steady_failed": failed,
            "driver_ok": delta["ok"], "driver_refused": delta["refused"], "driver_errors": delta["error"],
            "refusals": sum(reasons.values()), "proxy_5xx": int(five - self.five),
            "errors": failed + delta["error"] + sum(v for k, v in reasons.items() if k not in EXPECTED_REFUSALS),
            "refusal_reasons": " ".join("%s=%d" % kv for kv in sorted(reasons.items())),
        }
        self.driver, self.refusals, self.five = driver, refusals, five
        self.rows.append(row)
        return row

    def run(self):
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
        signal.signal(signal.SIGINT, lambda *_: stop.append(1))
        with open(self.args.csv, "w", newline="") as f:
            out = csv.DictWriter(f, COLUMNS)
            out.writeheader()
            print(table_head(), flush=True)
            k = 0
            while not stop:
                try:
                    row = self.sample()
                except Exception as e:  # the replica gone is a finding, not a reason to lose the samples
                    print("sample failed: %r" % e, flush=True)
                    break
                out.writerow(row)
                f.flush()
                print(table_line(row), flush=True)
                k += 1
                due = self.started + k * self.args.interval
                if due > self.started + self.args.duration + 1:
                    break
                while not stop and time.monotonic() < due:
                    time.sleep(min(0.5, max(0.0, due - time.monotonic())))
        report(self.rows, self.args.warmup, self.args.workdir)


def table_head():
    return ("%6s %8s %8s %7s %8s %5s %7s %6s %6s %7s %6s %7s %6s %8s %4s" % (
        "time", "heap MiB", "meta MiB", "classes", "RSS MiB", "fds", "threads", "conns", "routes", "metrics",
        "req/s", "p99 ms", "errors", "refusals", "5xx"))


def table_line(row):
    return ("%6s %8.1f %8.1f %7d %8.1f %5d %7d %6d %6d %7d %6s %7s %6d %8d %4d" % (
        clock(int(row["t_s"])), int(row["heap_kib"]) / 1024, int(row["metaspace_kib"]) / 1024, int(row["classes"]),
        int(row["rss_kib"]) / 1024, int(row["fds"]), int(row["threads"]), int(row["client_conns"]),
        int(row["routes"]), int(row["metrics_lines"]), row["steady_rps"], row["steady_p99_ms"],
        int(row["errors"]), int(row["refusals"]), int(row["proxy_5xx"])))


def clock(seconds):
    return "%d:%02d" % divmod(seconds, 60)


def slope(points):
    """Least-squares slope of (x, y) points."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def report(rows, warmup, workdir):
    # the first sample is taken before any load, and the rates of a sample cover the interval before it
    kept = [r for r in rows if float(r["t_s"]) >= warmup and float(r["t_s"]) > 0]
    if len(kept) < 3:
        print("\nfewer than 3 samples after the %d s warm-up: no verdict" % warmup)
        return
    span = float(kept[-1]["t_s"]) - float(kept[0]["t_s"])
    print("\nafter the warm-up (%s): %d samples over %s; slopes are least-squares fits, per 10 minutes%s" % (
        clock(int(warmup)), len(kept), clock(int(span)),
        "" if span >= 600 else " (extrapolated from a span under 10 minutes: read them as indicative)"))
    print("%-22s %10s %10s %12s %16s  %s" % ("measure", "first", "last", "slope/10min", "tolerance/10min",
                                             "verdict"))
    verdicts = []
    for name, column, div, unit, (absolute, fraction) in MEASURES:
        points = [(float(r["t_s"]), float(r[column]) / div) for r in kept if r[column] not in ("", None)]
        if len(points) < 3:
            continue
        mean = sum(y for _, y in points) / len(points)
        per10 = slope(points) * 600
        tolerance = max(absolute, fraction * abs(mean))
        if column == "errors" and all(y == 0 for _, y in points):
            verdict = "none"
        else:
            verdict = "GROWING" if per10 > tolerance else "flat"
        verdicts.append((name, verdict))
        print("%-22s %10s %10s %12s %16s  %s" % (
            name, fmt(points[0][1], unit), fmt(points[-1][1], unit), "%+.2f" % per10, fmt(tolerance, unit), verdict))
    totals = {c: sum(int(r[c] or 0) for r in rows) for c in ("steady_requests", "steady_failed", "driver_ok",
                                                             "driver_refused", "driver_errors", "proxy_5xx")}
    print("\nwhole run: steady requests %(steady_requests)d (failed %(steady_failed)d); driver operations ok "
          "%(driver_ok)d, refused as expected %(driver_refused)d, unexpected %(driver_errors)d; proxy 5xx "
          "%(proxy_5xx)d" % totals)
    reasons = {}
    for r in rows:
        for item in (r["refusal_reasons"] or "").split():
            k, v = item.split("=")
            reasons[k] = reasons.get(k, 0) + int(v)
    print("refusals (ballast_refusals_total): " + (", ".join("%s %d" % kv for kv in sorted(reasons.items()))
                                                    or "none"))
    stats = os.path.join(workdir, "stats.json")
    if os.path.exists(stats):
        with open(stats) as f:
            counts = json.load(f)
        print("driver by kind (ok/refused/unexpected): " + ", ".join(
            "%s %d/%d/%d" % (k, c["ok"], c["refused"], c["error"]) for k, c in sorted(counts.items())))
    errors = os.path.join(workdir, "errors.log")
    if os.path.exists(errors) and os.path.getsize(errors):
        with open(errors) as f:
            lines = f.readlines()
        print("unexpected outcomes: %d lines in %s; the first ones:" % (len(lines), errors))
        for line in lines[:10]:
            print("  " + line.rstrip()[:300])
    growing = [name for name, v in verdicts if v == "GROWING"]
    failed = totals["steady_failed"] + totals["driver_errors"] + sum(
        v for k, v in reasons.items() if k not in EXPECTED_REFUSALS)
    print("\nverdict: %s; %s%s" % (
        "GROWING: " + ", ".join(growing) if growing else "all flat",
        "no unexpected outcome" if not failed else "%d unexpected outcomes" % failed,
        "" if span >= 600 else " (indicative only: judged over %s, under 10 minutes)" % clock(int(span))))


def fmt(value, unit):
    return ("%.1f %s" % (value, unit)).strip() if unit else ("%.0f" % value if value == int(value) else
                                                            "%.1f" % value)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample")
    s.add_argument("pid", type=int)
    s.add_argument("admin", help="the replica's admin URL, http://HOST:PORT")
    s.add_argument("workdir")
    s.add_argument("--csv", required=True)
    s.add_argument("--interval", type=float, default=30)
    s.add_argument("--duration", type=float, required=True)
    s.add_argument("--warmup", type=float, default=180)
    r = sub.add_parser("report")
    r.add_argument("csv")
    r.add_argument("--warmup", type=float, default=180)
    args = parser.parse_args()
    if args.command == "sample":
        Sampler(args).run()
    else:
        with open(args.csv) as f:
            rows = list(csv.DictReader(f))
        print(table_head())
        for row in rows:
            print(table_line(row))
        report(rows, args.warmup, os.path.dirname(os.path.abspath(args.csv)))


if __name__ == "__main__":
    sys.exit(main())
