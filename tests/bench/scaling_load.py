"""The cluster, the load and the measurements of scaling-bench (which see).

Python 3 only: a small RESP2 client is built in (benchlib's), so that
neither redis-py nor anything else is needed, and so that pipelines and
timings stay under this script's control.
"""
import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import time

# benchlib.py lies beside this script. Python puts the script's directory
# first on sys.path, but not in isolated or safe-path mode (-I, -P,
# PYTHONSAFEPATH), so it goes there by hand.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (BenchError, Conn, ReplyError, cpu_seconds,
                      die_with_parent, encode, free_ports, logger,
                      parse_info, run_cluster, stop_all)

N_NODES = 3
PORT_LIMIT = 7799


log = logger("scaling-bench")


# --- RESP2 -----------------------------------------------------------------

def record(reply):
    """A RESP record (alternating names and values) as a dict of str."""
    if isinstance(reply, ReplyError):
        raise BenchError(f"error reply: {reply}")
    it = iter(reply)
    return {k.decode(): (v.decode() if isinstance(v, bytes) else v)
            for k, v in zip(it, it)}


def info(conn, section):
    text = conn.call("INFO", section)
    if isinstance(text, ReplyError):
        raise BenchError(f"INFO {section}: {text}")
    return parse_info(text)


def check_ok(replies, what):
    bad = [r for r in replies if isinstance(r, ReplyError)]
    if bad:
        raise BenchError(f"{len(bad)} of {len(replies)} {what} failed; "
                         f"first: {bad[0]}")


# --- the processes -----------------------------------------------------------

def proc_status(pid, field):
    """A /proc/PID/status field in kB (VmRSS, VmHWM)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Cluster:
    """Three nodes on loopback; stops every process it started, by PID."""

    def __init__(self, daemon, run_dir, port_base, extra_args):
        self.daemon, self.run_dir, self.extra = daemon, run_dir, extra_args
        self.procs = {}
        base = free_ports(port_base, 2 * N_NODES, PORT_LIMIT)
        self.raft_port = {i: base + 2 * (i - 1) for i in range(1, 4)}
        self.client_port = {i: base + 2 * (i - 1) + 1 for i in range(1, 4)}
        self.bootstrap = ",".join(f"{i}=127.0.0.1:{self.raft_port[i]}"
                                  for i in range(1, N_NODES + 1))

    def data_dir(self, i):
        return os.path.join(self.run_dir, f"node{i}")

    def start(self, i):
        args = [self.daemon, "--id", str(i), "--zone", f"zone-{i}",
                "--raft", f"127.0.0.1:{self.raft_port[i]}",
                "--listen", f"127.0.0.1:{self.client_port[i]}",
                "--data", self.data_dir(i), "--bootstrap", self.bootstrap,
                "--log-level", "warn"] + self.extra
        with open(os.path.join(self.run_dir, f"node{i}.log"), "ab") as err:
            self.procs[i] = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=err,
                preexec_fn=lambda: die_with_parent(signal.SIGTERM))
        return self.procs[i]

    def pid(self, i):
        return self.procs[i].pid

    def kill9(self, i):
        p = self.procs.pop(i)
        p.kill()
        p.wait()

    def stop(self):
        stop_all(list(self.procs.values()))
        self.procs.clear()

    def check_alive(self):
        for i, p in self.procs.items():
            if p.poll() is not None:
                raise BenchError(f"node {i} exited with status {p.returncode}"
                                 f"; see {self.run_dir}/node{i}.log")

    def leader(self, timeout=30):
        """The id every node names as leader, once they agree."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            seen = set()
            for i in self.procs:
                try:
                    c = Conn(self.client_port[i], timeout=2)
                    r = c.call("LEADER")
                    c.close()
                    seen.add(int(r[0]) if isinstance(r, list) else None)
                except (OSError, BenchError, ValueError):
                    seen.add(None)
            if len(seen) == 1 and None not in seen:
                return seen.pop()
            time.sleep(0.05)
        raise BenchError(f"no leader agreed on within {timeout} s")


# --- the measurements --------------------------------------------------------

def pct(values, p):
    """The p-th percentile, nearest rank."""
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))]


def dist(values):
    return (f"p50 {pct(values, 50):7.2f}  p99 {pct(values, 99):7.2f}  "
            f"max {max(values):7.2f}")


def group_names(n):
    return [f"asg-{k:05d}" for k in range(n)]


def newest_activity(poll, group):
    r = poll.call("ACTIVITY.LIST", group, "COUNT", 1)
    if isinstance(r, ReplyError):
        raise BenchError(f"ACTIVITY.LIST {group}: {r}")
    return record(r[0]) if r else None


def wait_new_activity(poll, group, after, interval, timeout=30):
    """Poll the leader's state (READONLY: no log entry per poll) until
    @group's newest activity is newer than @after; (time, record)."""
    deadline = time.monotonic() + timeout
    while True:
        a = newest_activity(poll, group)
        t = time.monotonic()
        if a is not None and int(a["id"]) > after:
            return t, a
        if t > deadline:
            raise BenchError(f"no new activity in {group} within {timeout} s")
        if interval > 0:
            time.sleep(interval)


def decision_latency(leader, poll, groups, samples, interval, rng):
    """@samples times, on an otherwise idle cluster: raise a group's desired
    by 1, time until its launch activity is in the leader's applied state
    (committed), complete it; lower desired by 1 again, time the termination
    activity the same way, complete it. Milliseconds, from the SETDESIRED
    sent and from its reply (the new desired committed)."""
    out = {"launch_sent": [], "launch_committed": [],
           "terminate_sent": [], "terminate_committed": []}
    desired = {}
    for n in range(samples):
        g = rng.choice(groups)
        if g not in desired:
            desired[g] = int(record(leader.call("GROUP.GET", g))["desired"])
        for kind, delta in (("launch", 1), ("terminate", -1)):
            a = newest_activity(poll, g)
            last = int(a["id"]) if a else 0
            t0 = time.monotonic()
            r = leader.call("GROUP.SETDESIRED", g, desired[g] + delta)
            t1 = time.monotonic()
            if isinstance(r, ReplyError):
                raise BenchError(f"GROUP.SETDESIRED {g}: {r}")
            desired[g] += delta
            t2, a = wait_new_activity(poll, g, last, interval)
            if a["kind"] != kind or a["status"] != "InProgress":
                raise BenchError(f"expected an InProgress {kind} activity in "
                                 f"{g}, got {a['kind']} {a['status']}")
            out[kind + "_sent"].append((t2 - t0) * 1000)
            out[kind + "_committed"].append((t2 - t1) * 1000)
            r = leader.call("ACTIVITY.COMPLETE", a["id"], a["token"],
                            "Successful", f"10.200.{n // 250}.{n % 250}")
            if isinstance(r, ReplyError):
                raise BenchError(f"ACTIVITY.COMPLETE {a['id']}: {r}")
            time.sleep(rng.uniform(0.02, 0.05))  # let the cluster go idle
    return out


def print_latency(title, lat):
    print(f"\n{title}: ms, {len(lat['launch_sent'])} samples")
    for kind in ("launch", "terminate"):
        print(f"  {kind:<10} desired committed -> activity committed  "
              f"{dist(lat[kind + '_committed'])}")
        print(f"  {kind:<10} SETDESIRED sent   -> activity committed  "
              f"{dist(lat[kind + '_sent'])}")


def wait_pending(leader, groups, want, timeout):
    """Until each of @groups has @want Pending instances (the controller has
    committed a launch activity for each)."""
    deadline = time.monotonic() + timeout
    left = list(groups)
    while left:
        replies = leader.pipeline([("GROUP.GET", g) for g in left])
        left = [g for g, r in zip(left, replies)
                if int(record(r)["pending"]) < want]
        if not left:
            return
        if time.monotonic() > deadline:
            raise BenchError(f"{len(left)} groups still lack launch "
                             f"activities after {timeout} s")
        time.sleep(0.02)


def load(cluster, leader_id, leader, poll, groups, per_group, wave):
    """Bring every group to @per_group InService instances the way an
    external provisioner would: GROUP.SETDESIRED, the controller commits one
    launch activity per instance, the provisioner reads them (ACTIVITY.LIST)
    and reports each one done with its token (ACTIVITY.COMPLETE, pipelined).
    Returns the phase timings."""
    pid = cluster.pid(leader_id)
    t = {"decide": 0.0, "read": 0.0, "complete": 0.0, "cpu": 0.0}
    cpu0 = cpu_seconds(pid)
    n_done = 0
    for w in range(0, len(groups), wave):
        batch = groups[w:w + wave]
        t0 = time.monotonic()
        check_ok(leader.pipeline([("GROUP.SETDESIRED", g, per_group)
                                  for g in batch]), "GROUP.SETDESIRED")
        wait_pending(leader, batch, per_group, timeout=300)
        t1 = time.monotonic()
        todo = []
        for g, r in zip(batch, poll.pipeline(
                [("ACTIVITY.LIST", g, "COUNT", per_group) for g in batch],
                window=50)):
            if isinstance(r, ReplyError):
                raise BenchError(f"ACTIVITY.LIST {g}: {r}")
            for a in map(record, r):
                if a["kind"] == "launch" and a["status"] == "InProgress":
                    todo.append((a["id"], a["token"]))
        if len(todo) != per_group * len(batch):
            raise BenchError(f"found {len(todo)} launch activities in "
                             f"progress, expected {per_group * len(batch)}")
        t2 = time.monotonic()
        check_ok(leader.pipeline(
            [("ACTIVITY.COMPLETE", a, tok, "Successful",
              f"10.{(n_done + k) >> 16 & 255}.{(n_done + k) >> 8 & 255}."
              f"{(n_done + k) & 255}")
             for k, (a, tok) in enumerate(todo)]), "ACTIVITY.COMPLETE")
        t3 = time.monotonic()
        n_done += len(todo)
        t["decide"] += t1 - t0
        t["read"] += t2 - t1
        t["complete"] += t3 - t2
        log(f"{w + len(batch)} groups, {n_done} instances InService "
            f"({t3 - t0:.1f} s for this wave)")
    t["cpu"] = cpu_seconds(pid) - cpu0
    t["instances"] = n_done
    return t


def complete_ordered(leader, poll, group, count, done):
    """Complete @group's InProgress activities not in @done (among its
    newest @count), as the provisioner; adds them to @done."""
    todo = []
    for a in map(record, poll.call("ACTIVITY.LIST", group, "COUNT",
                                   min(count, 1000))):
        if a["kind"] in ("launch", "terminate") and \
                a["status"] == "InProgress" and a["id"] not in done:
            todo.append((a["id"], a["token"]))
            done.add(a["id"])
    check_ok(leader.pipeline([("ACTIVITY.COMPLETE", i, tok, "Successful",
                               "10.250.0.1") for i, tok in todo]),
             "ACTIVITY.COMPLETE")
    return len(todo)


def burst(leader, poll, group, base, n, timeout=300):
    """Raise @group from @base to @base + @n at once, then lower it back to
    @base. The provisioner completes the activities once all are decided
    (booting a machine takes longer than deciding to). Seconds until the
    first min(n, 50) and all @n activities of each direction were
    committed, and the SETDESIRED round trips."""
    out = {}
    if base + n > 1000:
        check_ok([leader.call("GROUP.UPDATE", group, "MAX", base + n)],
                 "GROUP.UPDATE")
    for direction, desired in (("out", base + n), ("in", base)):
        done = set()
        t0 = time.monotonic()
        check_ok([leader.call("GROUP.SETDESIRED", group, desired)],
                 "GROUP.SETDESIRED")
        out[direction + "_reply"] = time.monotonic() - t0
        first = last = None
        while True:
            g = record(poll.call("GROUP.GET", group))
            now = time.monotonic()
            live = int(g["in_service"]) + int(g["pending"])
            decided = live - base if direction == "out" else \
                base + n - int(g["in_service"])
            if first is None and decided >= min(n, 50):
                first = now
            if last is None and decided >= n:
                last = now
            if last is not None and int(g["pending"]) == 0 and \
                    int(g["terminating"]) == 0:
                break
            if now - t0 > timeout:
                raise BenchError(f"burst {direction} of {n} in {group}: "
                                 f"{decided} decided after {timeout} s")
            if last is not None:
                complete_ordered(leader, poll, group, n + 20, done)
            time.sleep(0.001)
        out[direction + "_first"] = first - t0
        out[direction + "_all"] = last - t0
    return out


def fill_histories(leader, poll, groups, per_group, wave):
    """Give every group a full history, as a long-running cluster has: it
    grows by @per_group (launches completed), then a client terminates
    those instances (INSTANCE.TERMINATE DECREMENT 1), the controller orders
    each termination and the provisioner completes it. Each group then
    keeps 100 finished activities and @per_group terminated instances."""
    t0 = time.monotonic()
    for w in range(0, len(groups), wave):
        batch = groups[w:w + wave]
        check_ok(leader.pipeline([("GROUP.SETDESIRED", g, 2 * per_group)
                                  for g in batch]), "GROUP.SETDESIRED")
        wait_pending(leader, batch, per_group, timeout=300)
        launches = []
        for g, r in zip(batch, poll.pipeline(
                [("ACTIVITY.LIST", g, "COUNT", per_group) for g in batch],
                window=50)):
            for a in map(record, r):
                if a["kind"] == "launch" and a["status"] == "InProgress":
                    launches.append(a)
        check_ok(leader.pipeline([("ACTIVITY.COMPLETE", a["id"], a["token"],
                                   "Successful", "10.251.0.1")
                                  for a in launches]), "ACTIVITY.COMPLETE")
        terms = leader.pipeline([("INSTANCE.TERMINATE", a["instance"],
                                  "DECREMENT", 1) for a in launches])
        check_ok(terms, "INSTANCE.TERMINATE")
        ids = [record(r)["id"] for r in terms]
        deadline = time.monotonic() + 300
        while ids:
            acts = [record(r) for r in poll.pipeline(
                [("ACTIVITY.GET", i) for i in ids])]
            ready = [a for a in acts if a["status"] == "InProgress"]
            check_ok(leader.pipeline([("ACTIVITY.COMPLETE", a["id"],
                                       a["token"], "Successful")
                                      for a in ready]), "ACTIVITY.COMPLETE")
            ids = [a["id"] for a in acts if a["status"] == "Pending"]
            if time.monotonic() > deadline:
                raise BenchError(f"{len(ids)} terminations never ordered")
            if ids:
                time.sleep(0.02)
        log(f"{w + len(batch)} groups with full histories")
    return time.monotonic() - t0


def snapshots_on_disk(d):
    """{index: (size of the snapshot file, its name)} of the complete
    snapshots (their .meta written) in data dir @d."""
    names = os.listdir(d)
    out = {}
    for name in names:
        if name.startswith("snapshot-") and name.endswith(".meta"):
            body = name[:-len(".meta")]
            if body in names:
                index = int(body.split("-")[2])
                try:
                    out[index] = (os.path.getsize(os.path.join(d, body)), body)
                except OSError:
                    pass
    return out


def snapshot(cluster, leader_id, leader, threshold):
    """Sequential SETs (one log entry each) until the leader writes a new
    snapshot. The SET that triggers it waits for the encoding and the lz4
    compression, which run in the leader's event loop (and in the
    followers', at the same index); the library then writes and syncs the
    file in its thread pool. Returns the figures, times in ms."""
    d = cluster.data_dir(leader_id)
    before = set(snapshots_on_disk(d))
    sets = []  # (sent at, latency)
    for n in range(threshold + 200):
        t0 = time.monotonic()
        r = leader.call("SET", "bench/snapshot", n)
        t1 = time.monotonic()
        if isinstance(r, ReplyError):
            raise BenchError(f"SET: {r}")
        sets.append((t0, (t1 - t0) * 1000))
        new = set(snapshots_on_disk(d)) - before
        if new:
            t_done = time.monotonic()
            index = max(new)
            size, name = snapshots_on_disk(d)[index]
            # The trigger: the slowest of the SETs since the one before the
            # snapshot's index was applied (at most a few hundred back).
            recent = sets[-300:]
            t_trigger, worst = max(recent, key=lambda s: s[1])
            median = statistics.median(lat for _, lat in sets)
            slow = [lat for _, lat in recent if lat > 10 * median + 5]
            return {"index": index, "bytes": size, "name": name,
                    "raw": lz4_content_size(os.path.join(d, name)),
                    "slow_sets": len(slow),
                    "slow_extra_ms": sum(slow) - len(slow) * median,
                    "trigger_ms": worst, "set_p50_ms": median,
                    "stall_ms": worst - median,
                    "total_ms": (t_done - t_trigger) * 1000,
                    "sets": len(sets)}
    raise BenchError(f"no snapshot after {threshold + 200} entries")


def backup_encode(follower_port):
    """BACKUP.SAVE on a follower, READONLY: the same encoding and lz4 frame
    a snapshot takes, served from local state."""
    c = Conn(follower_port)
    c.call("READONLY")
    times = []
    size = 0
    for _ in range(3):
        t0 = time.monotonic()
        r = c.call("BACKUP.SAVE")
        times.append((time.monotonic() - t0) * 1000)
        if isinstance(r, ReplyError):
            raise BenchError(f"BACKUP.SAVE: {r}")
        size = len(r)
    c.close()
    return min(times), size


def restart(cluster, node, leader):
    """kill -9 @node, start it again; seconds until it answers PING, until
    it knows the leader (the leader's first message reached it), and until
    it has applied the leader's commit index as of the kill."""
    target = int(info(leader, "raft")["commit_index"])
    cluster.kill9(node)
    t0 = time.monotonic()
    cluster.start(node)
    port = cluster.client_port[node]
    t_answer = t_leader = None
    c = None
    while time.monotonic() - t0 < 300:
        cluster.check_alive()
        try:
            if c is None:
                c = Conn(port, timeout=30)
            if t_answer is None:
                if c.call("PING") == b"PONG":
                    t_answer = time.monotonic()
            if t_answer is not None:
                r = info(c, "raft")
                if t_leader is None and r.get("leader_id", "0") != "0":
                    t_leader = time.monotonic()
                if int(r["applied_index"]) >= target:
                    t_caught = time.monotonic()
                    c.close()
                    return {"answer": t_answer - t0,
                            "leader": (t_leader or t_caught) - t0,
                            "caught": t_caught - t0, "target": target}
        except (OSError, BenchError):
            if c is not None:
                c.close()
            c = None
        time.sleep(0.005)
    raise BenchError(f"node {node} did not catch up within 300 s")


def idle_cpu(cluster, seconds):
    """CPU of each node over @seconds with no client traffic, percent of
    one core."""
    pids = {i: cluster.pid(i) for i in cluster.procs}
    before = {i: cpu_seconds(p) for i, p in pids.items()}
    t0 = time.monotonic()
    time.sleep(seconds)
    dt = time.monotonic() - t0
    return {i: (cpu_seconds(p) - before[i]) / dt * 100
            for i, p in pids.items()}


def round_trips(conn, commands, n=50):
    """Median milliseconds of each command, sent one at a time, idle."""
    out = []
    for cmd in commands:
        v = []
        for _ in range(n):
            t0 = time.monotonic()
            r = conn.call(*cmd)
            v.append((time.monotonic() - t0) * 1000)
            if isinstance(r, ReplyError):
                raise BenchError(f"{cmd[0]}: {r}")
            time.sleep(0.01)
        out.append(statistics.median(v))
    return out


def timed_read(conn, cmd, n=5):
    """Best of @n: (ms, reply bytes). The reply is not parsed (Python would
    take longer than the server): a PING sent behind the command marks its
    end."""
    best = None
    ping = encode(("PING",))
    for _ in range(n):
        t0 = time.monotonic()
        conn.sock.sendall(encode(cmd) + ping)
        data = bytearray()
        while not data.endswith(b"+PONG\r\n"):
            chunk = conn.sock.recv(1 << 20)
            if not chunk:
                raise BenchError("connection closed by the server")
            data += chunk
        ms = (time.monotonic() - t0) * 1000
        if data[:1] == b"-":
            raise BenchError(f"{cmd[0]}: {bytes(data[:200])}")
        size = len(data) - len(b"+PONG\r\n")
        best = (ms, size) if best is None or ms < best[0] else best
    return best


def lz4_content_size(path):
    """The uncompressed size an lz4 frame declares in its header, or None."""
    with open(path, "rb") as f:
        head = f.read(14)
    if len(head) < 14 or head[:4] != b"\x04\x22\x4d\x18" or \
            not head[4] & 0x08:
        return None
    return int.from_bytes(head[6:14], "little")


def rss(cluster, label):
    """(label, {node: VmRSS kB})."""
    return label, {i: proc_status(cluster.pid(i), "VmRSS")
                   for i in cluster.procs}


def mib_cells(kib):
    return "   ".join(f"node{i} {kib[i] / 1024:6.1f}" for i in sorted(kib))


# --- main --------------------------------------------------------------------

def main():
    env = os.environ.get
    p = argparse.ArgumentParser(prog="scaling-bench")
    p.add_argument("--daemon", required=True)
    p.add_argument("--groups", type=int,
                   default=int(env("SK_BENCH_GROUPS", 1000)))
    p.add_argument("--per-group", type=int,
                   default=int(env("SK_BENCH_PER_GROUP", 50)))
    p.add_argument("--samples", type=int,
                   default=int(env("SK_BENCH_SAMPLES", 200)))
    p.add_argument("--wave", type=int,
                   default=int(env("SK_BENCH_WAVE", 100)),
                   help="groups brought up at once")
    p.add_argument("--port-base", type=int,
                   default=int(env("SK_BENCH_PORT_BASE", 7600)))
    p.add_argument("--poll-ms", type=float,
                   default=float(env("SK_BENCH_POLL_MS", 0.2)))
    p.add_argument("--burst", type=int,
                   default=int(env("SK_BENCH_BURST", 100)),
                   help="one group scaled out and in by this many at once "
                        "(0: skip)")
    p.add_argument("--no-histories", action="store_true",
                   default=env("SK_BENCH_HISTORIES", "1") == "0",
                   help="skip filling every group's history at the end")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--hold", action="store_true",
                   help="keep the cluster running after the summary, until "
                        "interrupted (to look at it with perf or gdb)")
    p.add_argument("--command", default="")
    p.add_argument("daemon_args", nargs="*",
                   help="extra scalekeeperd flags, after --")
    args = p.parse_args()
    if args.groups < 1 or args.per_group < 1 or args.samples < 1 or \
            args.wave < 1:
        p.error("--groups, --per-group, --samples and --wave must be >= 1")
    if args.per_group > 50:
        # The controller starts at most 50 activities per group per pass.
        log("note: more than 50 per group takes several controller passes")
    rng = random.Random(args.seed)
    return run_cluster(log, "sk-scaling-bench-",
                       lambda run_dir: Cluster(args.daemon, run_dir,
                                               args.port_base,
                                               args.daemon_args),
                       lambda cluster: run(args, cluster, rng))


def row(label, value, note=""):
    print(f"  {label:<44} {value:>12}{'  ' + note if note else ''}")


def run(args, cluster, rng):
    t_start = time.monotonic()
    for i in range(1, N_NODES + 1):
        cluster.start(i)
    leader_id = cluster.leader()
    follower_id = leader_id % N_NODES + 1
    ports = cluster.client_port
    leader = Conn(ports[leader_id])
    poll = Conn(ports[leader_id])
    poll.call("READONLY")
    # A write through the leader proves it settled; its controller claims
    # its term once it has applied its predecessor's entries.
    deadline = time.monotonic() + 30
    while not isinstance(leader.call("SET", "bench/ready", 1), bytes):
        if time.monotonic() > deadline:
            raise BenchError("writes never succeeded")
        time.sleep(0.05)
    log(f"3 nodes on 127.0.0.1 ports {cluster.raft_port[1]}-"
        f"{ports[N_NODES]}, leader node {leader_id}; run directory "
        f"{cluster.run_dir}")
    groups = group_names(args.groups)
    mem = [rss(cluster, "started, empty")]

    # 1. Decision latency on an idle cluster with one group.
    check_ok([leader.call("GROUP.CREATE", groups[0], "MIN", 0, "MAX", 1000,
                          "ZONES", "a,b,c")], "GROUP.CREATE")
    time.sleep(0.5)
    log(f"decision latency, 1 group: {args.samples} samples")
    lat_empty = decision_latency(leader, poll, groups[:1], args.samples,
                                 args.poll_ms / 1000, rng)
    rtt_empty = round_trips(leader, [("SET", "bench/rtt", 1),
                                     ("GROUP.SETDESIRED", groups[0], 0)])

    # 2. The groups, empty.
    t0 = time.monotonic()
    check_ok(leader.pipeline([("GROUP.CREATE", g, "MIN", 0, "MAX", 1000,
                               "ZONES", "a,b,c") for g in groups[1:]]),
             "GROUP.CREATE")
    t_create = time.monotonic() - t0
    time.sleep(1)
    mem.append(rss(cluster, f"{args.groups} groups, no instances"))

    # 3. The instances.
    log(f"bringing {args.groups} groups to {args.per_group} instances each, "
        f"{args.wave} groups at a time")
    t = load(cluster, leader_id, leader, poll, groups, args.per_group,
             args.wave)
    inst = t["instances"]
    scaling = info(leader, "scaling")  # empty if the section is unknown
    raft = info(leader, "raft")
    persist = info(leader, "persistence")
    time.sleep(2)
    peaks = {i: proc_status(cluster.pid(i), "VmHWM") / 1024
             for i in cluster.procs}
    mem.append(rss(cluster, f"{inst} instances InService"))
    log("idle CPU and reads at full size")
    cpu_idle = idle_cpu(cluster, 5)
    rtt_full = round_trips(leader, [("SET", "bench/rtt", 1),
                                    ("GROUP.SETDESIRED", groups[-1],
                                     args.per_group)])
    reads = {"GROUP.LIST": timed_read(leader, ("GROUP.LIST",)),
             "GROUP.GET": timed_read(leader, ("GROUP.GET", groups[-1])),
             "INSTANCE.LIST": timed_read(leader,
                                         ("INSTANCE.LIST", groups[-1])),
             "ACTIVITY.LIST (20)": timed_read(leader, ("ACTIVITY.LIST",
                                                       groups[-1]))}

    # 4. A snapshot of that state.
    log("snapshot: sequential SETs until the leader writes one")
    backup_ms, backup_bytes = backup_encode(ports[follower_id])
    snap = snapshot(cluster, leader_id, leader,
                    int(persist["snapshot_threshold"]))
    time.sleep(1)

    # 5. Restart a follower: it loads that snapshot and replays the log.
    log(f"restart: kill -9 node {follower_id}, start it again")
    rs = restart(cluster, follower_id, leader)
    time.sleep(2)
    mem.append(rss(cluster, f"after node {follower_id} restarted"))

    # 6. Decision latency with everything in place.
    log(f"decision latency, {args.groups} groups / {inst} instances: "
        f"{args.samples} samples")
    lat_full = decision_latency(leader, poll, groups, args.samples,
                                args.poll_ms / 1000, rng)
    # 7. One group scaled out and back in by --burst at once.
    bursts = None
    if args.burst > 0:
        g = groups[len(groups) // 2]
        log(f"burst: {g} from {args.per_group} to "
            f"{args.per_group + args.burst} and back")
        changes0 = int(info(leader, "raft")["leader_changes"])
        bursts = burst(leader, poll, g, args.per_group, args.burst)
        bursts["leader_changes"] = \
            int(info(leader, "raft")["leader_changes"]) - changes0
        time.sleep(1)

    # 8. Full histories: what a long-running cluster keeps.
    hist = None
    if not args.no_histories:
        log("filling every group's history (100 finished activities, "
            f"{args.per_group} terminated instances)")
        hist = {"seconds": fill_histories(leader, poll, groups,
                                          args.per_group, args.wave)}
        time.sleep(2)
        hist["scaling"] = info(leader, "scaling")
        mem.append(rss(cluster, "full histories"))
        hist["peaks"] = {i: proc_status(cluster.pid(i), "VmHWM") / 1024
                         for i in cluster.procs}
        log(f"restart: kill -9 node {follower_id} again")
        hist["restart"] = restart(cluster, follower_id, leader)
        time.sleep(2)
        mem.append(rss(cluster, f"after node {follower_id} restarted again"))
    final = info(leader, "raft")

    # The summary.
    print(f"\nscaling-bench: {args.groups} groups x {args.per_group} "
          f"instances (ACTUATOR external), 3 nodes on loopback, leader "
          f"node {leader_id}")
    print(f"machine: {os.cpu_count()} CPUs ({cpu_model()}), "
          f"{mem_total_gib():.1f} GiB RAM")
    print("\nload")
    row(f"{args.groups} GROUP.CREATE, pipelined", f"{t_create:.2f} s")
    row(f"{inst} launch activities committed", f"{t['decide']:.2f} s",
        f"{inst / t['decide']:,.0f}/s, {args.wave} groups at a time")
    row("the provisioner's ACTIVITY.LIST reads", f"{t['read']:.2f} s")
    row(f"{inst} ACTIVITY.COMPLETE, pipelined", f"{t['complete']:.2f} s",
        f"{inst / t['complete']:,.0f}/s")
    row("leader CPU during the load", f"{t['cpu']:.2f} s")
    row("log entries (commit index)", raft["commit_index"],
        f"{persist['snapshots_taken']} snapshots during the load")
    if scaling:
        row("groups / instances / activities kept",
            f"{scaling.get('groups')} / {scaling.get('instances_kept')} / "
            f"{scaling.get('activities_kept')}")
    print("\nmemory: VmRSS MiB")
    for label, kib in mem:
        print(f"  {label:<34} {mib_cells(kib)}")
    empty, full = mem[1][1], mem[2][1]
    print(f"  {'per instance, with its activity':<34} " + "   ".join(
        f"node{i} {(full[i] - empty[i]) / inst:6.2f}" for i in sorted(full))
        + "  KiB (instances InService - no instances)")
    print(f"  {'peak (VmHWM) after the load':<34} " + "   ".join(
        f"node{i} {peaks[i]:6.1f}" for i in sorted(peaks)))
    if hist is not None:
        print(f"  {'peak (VmHWM) at the end':<34} " + "   ".join(
            f"node{i} {hist['peaks'][i]:6.1f}" for i in sorted(hist["peaks"])))
    print(f"\nidle, {inst} instances: CPU % of one core over 5 s: " +
          ", ".join(f"node{i} {cpu_idle[i]:.1f}" for i in sorted(cpu_idle)))
    print("round trips through the leader, ms (median of 50, one at a time)")
    row("SET, 1 group / all", f"{rtt_empty[0]:.2f} / {rtt_full[0]:.2f}")
    row("GROUP.SETDESIRED to its value, 1 group / all",
        f"{rtt_empty[1]:.2f} / {rtt_full[1]:.2f}")
    for name, (ms, size) in reads.items():
        row(f"{name}, best of 5", f"{ms:.2f}", f"{size / 1024:,.0f} KiB")
    print("\nsnapshot")
    row("size on disk (lz4 frame)", f"{snap['bytes'] / 1e6:.2f} MB",
        f"{snap['raw'] / 1e6:.1f} MB encoded" if snap["raw"] else "")
    row("slowest SET at the snapshot", f"{snap['trigger_ms']:.1f} ms",
        f"median SET {snap['set_p50_ms']:.2f} ms; {snap['slow_sets']} SETs "
        f"slowed, {snap['slow_extra_ms']:.0f} ms in all")
    row("that SET sent -> file synced in place", f"{snap['total_ms']:.1f} ms",
        "data directory polled after each SET")
    row("encoding + lz4 alone (BACKUP.SAVE, follower)", f"{backup_ms:.1f} ms",
        f"best of 3, {backup_bytes / 1e6:.2f} MB")
    print(f"\nrestart: kill -9 of node {follower_id} (a follower), start "
          f"again")
    row("answers PING", f"{rs['answer']:.2f} s")
    row("knows the leader", f"{rs['leader']:.2f} s")
    row(f"applied the leader's commit index {rs['target']}",
        f"{rs['caught']:.2f} s")
    if bursts is not None:
        print(f"\nburst: one group from {args.per_group} to "
              f"{args.per_group + args.burst} at once and back (activities "
              f"completed once all are decided)")
        for d, what in (("out", "launch"), ("in", "termination")):
            row(f"SETDESIRED round trip ({what})",
                f"{bursts[d + '_reply'] * 1000:.1f} ms")
            row(f"first {min(args.burst, 50)} {what} activities committed",
                f"{bursts[d + '_first'] * 1000:.1f} ms")
            row(f"all {args.burst} {what} activities committed",
                f"{bursts[d + '_all'] * 1000:.1f} ms")
        row("leader changes meanwhile", str(bursts["leader_changes"]))
    if hist is not None:
        sc = hist["scaling"]
        print("\nfull histories")
        row("time to fill them", f"{hist['seconds']:.1f} s")
        rs2 = hist["restart"]
        row(f"restart of node {follower_id}: answers PING / applied "
            f"{rs2['target']}", f"{rs2['answer']:.2f} s / "
            f"{rs2['caught']:.2f} s")
        if sc:
            row("instances / activities kept",
                f"{sc.get('instances_kept')} / {sc.get('activities_kept')}")
    print_latency("decision latency, 1 group, cluster otherwise empty",
                  lat_empty)
    print_latency(f"decision latency, {args.groups} groups, {inst} "
                  f"instances", lat_full)
    print(f"\nleader commit index at the end: {final['commit_index']}; "
          f"run took {time.monotonic() - t_start:.0f} s")
    if args.command:
        print(f"re-run: {args.command}")
    sys.stdout.flush()
    leader.close()
    poll.close()
    if args.hold:
        log("holding the cluster: client ports " + ", ".join(
            f"node{i} {ports[i]} (pid {cluster.pid(i)})"
            for i in sorted(cluster.procs)) + "; interrupt to stop")
        try:
            while True:
                cluster.check_alive()
                time.sleep(1)
        except KeyboardInterrupt:
            pass


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def mem_total_gib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


sys.exit(main())
