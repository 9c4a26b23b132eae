"""The load and the measurements of lease-bench (which see)."""
import argparse
import os
import sys
import time

import redis

# benchlib.py lies beside this script. Python puts the script's directory
# first on sys.path, but not in isolated or safe-path mode (-I, -P,
# PYTHONSAFEPATH), so it goes there by hand.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import cpu_seconds


def disk_bytes(pid):
    """Bytes @pid caused to be written to storage so far."""
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    return 0


def info(r, field):
    section = {"commit_index": "raft", "leases": "coordination",
               "lease_keepalives": "coordination"}[field]
    return int(r.info(section)[field])


class Window:
    """CPU, log entries and disk bytes over a stretch of time."""

    def __init__(self, args, leader):
        self.args, self.leader = args, leader
        self.t = time.monotonic()
        self.cpu_l = cpu_seconds(args.leader_pid)
        self.cpu_f = cpu_seconds(args.follower_pid)
        self.disk = disk_bytes(args.leader_pid)
        self.entries = info(leader, "commit_index")

    def report(self, name, extra=""):
        dt = time.monotonic() - self.t
        cpu_l = (cpu_seconds(self.args.leader_pid) - self.cpu_l) / dt * 100
        cpu_f = (cpu_seconds(self.args.follower_pid) - self.cpu_f) / dt * 100
        disk = (disk_bytes(self.args.leader_pid) - self.disk) / dt / 1024
        entries = (info(self.leader, "commit_index") - self.entries) / dt
        print(f"{name:<10} {cpu_l:>11.1f} {cpu_f:>13.1f} {entries:>10.0f} "
              f"{disk:>12.0f}  {extra}")


def main():
    p = argparse.ArgumentParser()
    for name in ("leader-port", "leader-pid", "follower-port",
                 "follower-pid", "leases", "period", "seconds"):
        p.add_argument("--" + name, type=int, required=True)
    args = p.parse_args()
    leader = redis.Redis(port=args.leader_port)
    follower = redis.Redis(port=args.follower_port)

    ids = []
    pipe = follower.pipeline(transaction=False)
    for i in range(args.leases):
        pipe.execute_command("LEASE.GRANT", 6 * args.period)
        if len(pipe) == 500:
            ids += pipe.execute()
    ids += pipe.execute()
    for i in range(0, len(ids), 500):
        for j, lease in enumerate(ids[i:i + 500]):
            pipe.execute_command("SET", f"hb/{i + j}", "alive", "LEASE", lease)
        pipe.execute()
    print(f"{args.leases} leases of {6 * args.period} s, one key each; "
          f"keepalives every {args.period} s through a follower "
          f"({args.leases / args.period:.0f}/s) for {args.seconds} s")
    print(f"{'window':<10} {'leader CPU%':>11} {'follower CPU%':>13} "
          f"{'entries/s':>10} {'disk KiB/s':>12}  keepalive latency")

    time.sleep(1)
    idle = Window(args, leader)
    time.sleep(5)
    idle.report("idle")

    # Send the keepalives in slices every 10 ms, each lease once a period.
    slice_ms = 10
    per_slice = max(1, round(args.leases * slice_ms / 1000 / args.period))
    latencies, errors, sent, first_error = [], 0, 0, None
    start_keepalives = info(leader, "lease_keepalives")
    load = Window(args, leader)
    t0 = time.monotonic()
    next_at, cursor = t0, 0
    while time.monotonic() - t0 < args.seconds:
        for _ in range(per_slice):
            pipe.execute_command("LEASE.KEEPALIVE", ids[cursor])
            cursor = (cursor + 1) % len(ids)
        t = time.monotonic()
        for reply in pipe.execute(raise_on_error=False):
            if not isinstance(reply, int):
                errors += 1
                first_error = first_error or reply
        latencies.append((time.monotonic() - t) * 1000)
        sent += per_slice
        next_at += slice_ms / 1000
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    elapsed = time.monotonic() - t0
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[int(len(latencies) * 0.99)]
    load.report("keepalive", f"p50 {p50:.2f} ms, p99 {p99:.2f} ms per "
                f"pipelined slice of {per_slice}")
    renewed = info(leader, "lease_keepalives") - start_keepalives
    print(f"sent {sent} keepalives ({sent / elapsed:.0f}/s), {errors} errors"
          f"{' (first: ' + str(first_error) + ')' if errors else ''}; "
          f"leader renewed {renewed}; leases alive: {info(leader, 'leases')}")


main()
