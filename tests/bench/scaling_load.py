"""The cluster, the load and the measurements of scaling-bench (which see).

Python 3 only: a small RESP2 client is built in, so that neither redis-py
nor anything else is needed, and so that pipelines and timings stay under
this script's control.
"""
import argparse
import ctypes
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

N_NODES = 3
PORT_LIMIT = 7799


def log(msg):
    print(f"scaling-bench: {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# --- RESP2 -----------------------------------------------------------------

class ReplyError(str):
    """An error reply (-CODE text), returned rather than raised."""


class Conn:
    """One client connection: commands, pipelines, and replies parsed as
    bytes, ints, lists, None or ReplyError."""

    def __init__(self, port, timeout=60.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.settimeout(timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.pos = 0

    def close(self):
        self.sock.close()

    @staticmethod
    def encode(args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if not isinstance(a, bytes):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise BenchError("connection closed by the server")
        if self.pos > 0:
            self.buf = self.buf[self.pos:]
            self.pos = 0
        self.buf += data

    def _line(self):
        while True:
            end = self.buf.find(b"\r\n", self.pos)
            if end >= 0:
                line = self.buf[self.pos:end]
                self.pos = end + 2
                return line
            self._fill()

    def read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest
        if kind == b"-":
            return ReplyError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) - self.pos < n + 2:
                self._fill()
            v = self.buf[self.pos:self.pos + n]
            self.pos += n + 2
            return v
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise BenchError(f"unexpected reply line {line[:40]!r}")

    def call(self, *args):
        self.sock.sendall(self.encode(args))
        return self.read()

    def pipeline(self, commands, window=500):
        """Send @commands with at most @window unanswered (refilled when half
        of them are answered); the replies, in order."""
        replies = []
        sent = 0
        while len(replies) < len(commands):
            if sent < len(commands) and sent - len(replies) <= window // 2:
                chunk = commands[sent:sent + window - (sent - len(replies))]
                self.sock.sendall(b"".join(self.encode(c) for c in chunk))
                sent += len(chunk)
            replies.append(self.read())
        return replies


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
    out = {}
    for line in text.decode().splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


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


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def die_with_parent():
    """In the child before exec: SIGTERM when the bench itself dies, even by
    SIGKILL (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class Cluster:
    """Three nodes on loopback; stops every process it started, by PID."""

    def __init__(self, daemon, run_dir, port_base, extra_args):
        self.daemon, self.run_dir, self.extra = daemon, run_dir, extra_args
        self.procs = {}
        base = port_base
        while not all(port_free(base + k) for k in range(2 * N_NODES)):
            base += 10
            if base + 2 * N_NODES - 1 > PORT_LIMIT:
                raise BenchError(f"no {2 * N_NODES} free ports from "
                                 f"{port_base} to {PORT_LIMIT}")
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
                stderr=err, preexec_fn=die_with_parent)
        return self.procs[i]

    def pid(self, i):
        return self.procs[i].pid

    def kill9(self, i):
        p = self.procs.pop(i)
        p.kill()
        p.wait()

    def stop(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + 10
        for p in self.procs.values():
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
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
    print(f"\n{title}: ms over {len(lat['launch_sent'])} samples")
    print(f"  launch     desired committed -> activity committed  "
          f"{dist(lat['launch_committed'])}")
    print(f"  launch     SETDESIRED sent   -> activity committed  "
          f"{dist(lat['launch_sent'])}")
    print(f"  terminate  desired committed -> activity committed  "
          f"{dist(lat['terminate_committed'])}")
    print(f"  terminate  SETDESIRED sent   -> activity committed  "
          f"{dist(lat['terminate_sent'])}")


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
            return {"index": index, "bytes": size, "name": name,
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
    """kill -9 @node, start it again; seconds until it answers PING and
    until it has applied the leader's commit index as of the kill."""
    target = int(info(leader, "raft")["commit_index"])
    cluster.kill9(node)
    t0 = time.monotonic()
    cluster.start(node)
    port = cluster.client_port[node]
    t_answer = None
    c = None
    while time.monotonic() - t0 < 300:
        cluster.check_alive()
        try:
            if c is None:
                c = Conn(port, timeout=30)
            if t_answer is None:
                if c.call("PING") == b"PONG":
                    t_answer = time.monotonic()
            if t_answer is not None and \
                    int(info(c, "raft")["applied_index"]) >= target:
                t_caught = time.monotonic()
                c.close()
                return t_answer - t0, t_caught - t0, target
        except (OSError, BenchError):
            if c is not None:
                c.close()
            c = None
        time.sleep(0.005)
    raise BenchError(f"node {node} did not catch up within 300 s")


def rss_line(cluster, label):
    cells = []
    for i in sorted(cluster.procs):
        cells.append(f"node{i} {proc_status(cluster.pid(i), 'VmRSS') / 1024:6.1f}")
    return f"  {label:<34} " + "   ".join(cells)


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
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--hold", action="store_true",
                   help="keep the cluster running after the summary, until "
                        "interrupted (to look at it with perf or gdb)")
    p.add_argument("--command", default="")
    p.add_argument("daemon_args", nargs="*",
                   help="extra scalekeeperd flags, after --")
    args = p.parse_args()
    if args.per_group > 50:
        # The controller starts at most 50 activities per group per pass.
        log("note: more than 50 per group takes several controller passes")
    rng = random.Random(args.seed)

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    run_dir = tempfile.mkdtemp(prefix="sk-scaling-bench-")
    cluster = Cluster(args.daemon, run_dir, args.port_base, args.daemon_args)
    ok = False
    try:
        ok = run(args, cluster, rng)
    except BenchError as e:
        log(f"FAILED: {e}")
    except KeyboardInterrupt:
        log("interrupted")
    finally:
        cluster.stop()
        if env("SK_KEEP_RUN") or not ok:
            log(f"run directory kept: {run_dir}")
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
    return 0 if ok else 1


def run(args, cluster, rng):
    t_start = time.monotonic()
    for i in range(1, N_NODES + 1):
        cluster.start(i)
    leader_id = cluster.leader()
    follower_id = leader_id % N_NODES + 1
    leader = Conn(cluster.client_port[leader_id])
    poll = Conn(cluster.client_port[leader_id])
    poll.call("READONLY")
    # The controller claims its term once it has applied its predecessor's
    # entries; a write through it proves the leader settled.
    deadline = time.monotonic() + 30
    while not isinstance(leader.call("SET", "bench/ready", 1), bytes):
        if time.monotonic() > deadline:
            raise BenchError("writes never succeeded")
        time.sleep(0.05)
    ports = cluster.client_port
    log(f"3 nodes on 127.0.0.1 ports {cluster.raft_port[1]}-"
        f"{ports[N_NODES]}, leader node {leader_id}; run directory "
        f"{cluster.run_dir}")
    groups = group_names(args.groups)
    rss = [rss_line(cluster, "started, empty")]

    # 1. Decision latency, nearly empty cluster: one group.
    check_ok([leader.call("GROUP.CREATE", groups[0], "MIN", 0, "MAX", 1000,
                          "ZONES", "a,b,c")], "GROUP.CREATE")
    time.sleep(0.5)
    log(f"decision latency, 1 group: {args.samples} samples")
    lat_empty = decision_latency(leader, poll, groups[:1], args.samples,
                                 args.poll_ms / 1000, rng)

    # 2. The groups, empty.
    t0 = time.monotonic()
    check_ok(leader.pipeline([("GROUP.CREATE", g, "MIN", 0, "MAX", 1000,
                               "ZONES", "a,b,c") for g in groups[1:]]),
             "GROUP.CREATE")
    t_create = time.monotonic() - t0
    time.sleep(1)
    rss.append(rss_line(cluster, f"{args.groups} groups, no instances"))

    # 3. The instances.
    log(f"bringing {args.groups} groups to {args.per_group} instances each, "
        f"{args.wave} groups at a time")
    t = load(cluster, leader_id, leader, poll, groups, args.per_group,
             args.wave)
    inst = t["instances"]
    scaling = info(leader, "scaling")  # empty if the section is unknown
    time.sleep(2)
    peaks = {i: proc_status(cluster.pid(i), "VmHWM") / 1024
             for i in cluster.procs}
    rss.append(rss_line(cluster, f"{inst} instances InService"))
    persist = info(leader, "persistence")
    raft = info(leader, "raft")
    snaps_during_load = int(persist["snapshots_taken"])

    # 4. A snapshot of that state.
    log("snapshot: sequential SETs until the leader writes one")
    backup_ms, backup_bytes = backup_encode(ports[follower_id])
    snap = snapshot(cluster, leader_id, leader,
                    int(persist["snapshot_threshold"]))
    time.sleep(1)

    # 5. Restart a follower: it loads that snapshot and replays the log.
    log(f"restart: kill -9 node {follower_id}, start it again")
    t_answer, t_caught, target = restart(cluster, follower_id, leader)
    time.sleep(2)
    rss.append(rss_line(cluster, f"after node {follower_id} restarted"))

    # 6. Decision latency with everything in place.
    log(f"decision latency, {args.groups} groups / {inst} instances: "
        f"{args.samples} samples")
    lat_full = decision_latency(leader, poll, groups, args.samples,
                                args.poll_ms / 1000, rng)
    final = info(leader, "raft")

    # The summary.
    print(f"\nscaling-bench: {args.groups} groups x {args.per_group} "
          f"instances (external actuator), 3 nodes on loopback, leader "
          f"node {leader_id}")
    print(f"machine: {os.cpu_count()} CPUs, "
          f"{cpu_model()}, {mem_total_gib():.1f} GiB RAM")
    print("\nload")
    print(f"  {args.groups} GROUP.CREATE (pipelined)            "
          f"{t_create:7.2f} s")
    print(f"  launch activities committed by the controller "
          f"{t['decide']:7.2f} s  ({inst / t['decide']:,.0f}/s)")
    print(f"  ACTIVITY.LIST reads (provisioner)             "
          f"{t['read']:7.2f} s")
    print(f"  ACTIVITY.COMPLETE (pipelined, 500 in flight)  "
          f"{t['complete']:7.2f} s  ({inst / t['complete']:,.0f}/s)")
    print(f"  leader CPU during the load                    "
          f"{t['cpu']:7.2f} s")
    print(f"  log: commit index {raft['commit_index']}, "
          f"{snaps_during_load} snapshots taken during the load")
    if scaling:
        print(f"  INFO scaling: groups {scaling.get('groups')}, instances "
              f"kept {scaling.get('instances_kept')}, activities kept "
              f"{scaling.get('activities_kept')}")
    print("\nmemory: VmRSS MiB")
    for line in rss:
        print(line)
    print("  peak (VmHWM) after the load      " + "   ".join(
        f"node{i} {peaks[i]:6.1f}" for i in sorted(peaks)))
    print("\nsnapshot")
    print(f"  size on disk (lz4)                {snap['bytes'] / 1e6:8.2f} MB"
          f"  ({snap['name']})")
    print(f"  leader loop blocked (encode+lz4)  {snap['stall_ms']:8.1f} ms"
          f"  (triggering SET {snap['trigger_ms']:.1f} ms, median SET "
          f"{snap['set_p50_ms']:.2f} ms)")
    print(f"  trigger -> file synced in place   {snap['total_ms']:8.1f} ms"
          f"  (seen by polling the data directory after each SET)")
    print(f"  BACKUP.SAVE on a follower         {backup_ms:8.1f} ms  "
          f"({backup_bytes / 1e6:.2f} MB; same encoding, best of 3)")
    print("\nrestart (kill -9 of a follower, start again)")
    print(f"  answers PING                      {t_answer:8.2f} s")
    print(f"  applied the leader's index {target:<7}{t_caught:8.2f} s")
    print_latency("decision latency, 1 group, otherwise empty", lat_empty)
    print_latency(f"decision latency, {args.groups} groups, {inst} "
                  f"instances", lat_full)
    print(f"\nleader commit index at the end: {final['commit_index']}; "
          f"run took {time.monotonic() - t_start:.0f} s")
    if args.command:
        print(f"re-run: {args.command}")
    leader.close()
    poll.close()
    if args.hold:
        sys.stdout.flush()
        log("holding the cluster: client ports " + ", ".join(
            f"node{i} {ports[i]} (pid {cluster.pid(i)})"
            for i in sorted(cluster.procs)) + "; interrupt to stop")
        try:
            while True:
                cluster.check_alive()
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return True


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
