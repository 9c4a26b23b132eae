"""The cluster, the faults, the load and the measurements of failover (which
see).

Python 3 only: a small RESP2 client is built in (benchlib's, blocking, for
the control commands; non-blocking with a selector for the load, on
benchlib's parser), so that neither redis-py nor anything else is needed
and every send and reply is timed here.
"""
import argparse
import os
import selectors
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time

# benchlib.py lies beside this script. Python puts the script's directory
# first on sys.path, but not in isolated or safe-path mode (-I, -P,
# PYTHONSAFEPATH), so it goes there by hand.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (BenchError, Conn, Incomplete, ReplyError,
                      die_with_parent, encode, free_ports, logger, parse,
                      parse_info, proc_stat, run_cluster, stop_all)

N_NODES = 3
PORT_LIMIT = 7899

INTERVAL = 0.005      # one write every 5 ms, alternating between survivors
POOL_START = 25       # load connections opened per survivor
POOL_MIN_IDLE = 5     # open more when fewer are idle
POOL_GROW = 5         # ... this many at a time
POOL_MAX = 2000       # per survivor
LEADER_POLL = 0.010   # LEADER on each survivor during a round

FAULTS = {"kill": signal.SIGKILL, "stop": signal.SIGSTOP,
          "term": signal.SIGTERM}
TARGET_MS = {"kill": 300, "stop": 1250, "term": 100}


log = logger("failover")


# --- RESP2 -----------------------------------------------------------------

def ask(port, *args, timeout=2.0):
    """One command on a fresh connection; None if the node does not
    answer."""
    try:
        c = Conn(port, timeout=timeout, connect_timeout=timeout)
        try:
            return c.call(*args)
        finally:
            c.close()
    except (OSError, BenchError):
        return None


def info_raft(port):
    r = ask(port, "INFO", "raft")
    if not isinstance(r, bytes):
        return None
    return parse_info(r)


def leader_of(port):
    r = ask(port, "LEADER")
    if isinstance(r, list) and r and isinstance(r[0], int):
        return r[0]
    return None


# --- the processes -----------------------------------------------------------

def proc_state(pid):
    """The state letter of process @pid (T: stopped), or None."""
    try:
        return proc_stat(pid)[0]
    except (OSError, IndexError):
        return None


def log_tail(path, n=5):
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return ""
    return "\n".join("    " + l for l in lines[-n:])


class Cluster:
    """Three nodes on loopback; stops every process it started, by PID."""

    def __init__(self, daemon, run_dir, port_base, extra_args):
        self.daemon, self.run_dir, self.extra = daemon, run_dir, extra_args
        self.procs = {}
        self.stopped = set()  # SIGSTOPped, not yet SIGCONTinued
        base = free_ports(port_base, 2 * N_NODES, PORT_LIMIT)
        self.raft_port = {i: base + 2 * (i - 1) for i in self.ids()}
        self.client_port = {i: base + 2 * (i - 1) + 1 for i in self.ids()}
        self.bootstrap = ",".join(f"{i}=127.0.0.1:{self.raft_port[i]}"
                                  for i in self.ids())

    @staticmethod
    def ids():
        return range(1, N_NODES + 1)

    def log_path(self, i):
        return os.path.join(self.run_dir, f"node{i}.log")

    def argv(self, i):
        return [self.daemon, "--id", str(i), "--zone", f"zone-{i}",
                "--raft", f"127.0.0.1:{self.raft_port[i]}",
                "--listen", f"127.0.0.1:{self.client_port[i]}",
                "--data", os.path.join(self.run_dir, f"node{i}"),
                "--bootstrap", self.bootstrap,
                "--log-level", "info"] + self.extra

    def start(self, i):
        """Start node @i and wait until it answers PING."""
        with open(self.log_path(i), "ab") as err:
            # SIGKILL, not SIGTERM, if the bench dies: so that a node it
            # left stopped goes too.
            self.procs[i] = subprocess.Popen(
                self.argv(i), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=err,
                preexec_fn=lambda: die_with_parent(signal.SIGKILL),
                start_new_session=True)
        deadline = time.monotonic() + 30
        while ask(self.client_port[i], "PING", timeout=1) != b"PONG":
            if self.procs[i].poll() is not None:
                raise BenchError(
                    f"node {i} will not start: exited with status "
                    f"{self.procs[i].returncode}; {self.log_path(i)}:\n"
                    + log_tail(self.log_path(i)))
            if time.monotonic() > deadline:
                raise BenchError(f"node {i} does not answer PING 30 s after "
                                 f"its start")
            time.sleep(0.02)

    def pid(self, i):
        return self.procs[i].pid

    def signal(self, i, sig):
        os.kill(self.procs[i].pid, sig)
        if sig == signal.SIGSTOP:
            self.stopped.add(i)
        elif sig == signal.SIGCONT:
            self.stopped.discard(i)

    def check_alive(self, skip=()):
        for i, p in self.procs.items():
            if i not in skip and p.poll() is not None:
                raise BenchError(
                    f"node {i} exited by itself with status {p.returncode}; "
                    f"{self.log_path(i)}:\n" + log_tail(self.log_path(i)))

    def stop(self):
        """Every node still running: SIGCONT if stopped, SIGTERM, SIGKILL
        after 10 s."""
        for i, p in self.procs.items():
            if i in self.stopped and p.poll() is None:
                p.send_signal(signal.SIGCONT)
        self.stopped.clear()
        stop_all(list(self.procs.values()))
        self.procs.clear()

    def agreed_leader(self, nodes, timeout, not_=None):
        """The id all of @nodes name as leader (and not @not_), once they
        agree."""
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive(skip=[i for i in self.ids() if i not in nodes])
            seen = {leader_of(self.client_port[i]) for i in nodes}
            if len(seen) == 1 and None not in seen and not_ not in seen:
                return seen.pop()
            if time.monotonic() > deadline:
                raise BenchError(
                    f"nodes {sorted(nodes)} agree on no leader"
                    f"{f' other than node {not_}' if not_ else ''} within "
                    f"{timeout:.0f} s (they name {sorted(seen, key=str)})")
            time.sleep(0.02)

    def caught_up(self, node, timeout):
        """Until all 3 nodes name one leader, and @node follows it and has
        applied the leader's commit index (read once the leader is agreed
        on). Returns the leader."""
        deadline = time.monotonic() + timeout
        target = None
        while True:
            self.check_alive()
            leader = self.agreed_leader(self.ids(),
                                        max(0.1, deadline - time.monotonic()))
            if target is None or target[0] != leader:
                r = info_raft(self.client_port[leader])
                if r is not None:
                    target = (leader, int(r["commit_index"]))
            r = info_raft(self.client_port[node])
            if target is not None and target[0] == leader and \
                    r is not None and (node == leader or (
                        r.get("role") == "follower" and
                        r.get("leader_id") == str(leader))) and \
                    int(r["applied_index"]) >= target[1]:
                return leader
            if time.monotonic() > deadline:
                raise BenchError(
                    f"node {node} has not caught up with leader {leader} "
                    f"within {timeout:.0f} s (its raft info: {r})")
            time.sleep(0.02)


# --- the load ----------------------------------------------------------------

class LoadConn:
    __slots__ = ("sock", "node", "buf", "write", "leader_poll")

    def __init__(self, port, node, leader_poll=False):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=2)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.node = node
        self.buf = bytearray()
        self.write = None  # the Write waiting for its reply, or for a
        # leader poll, its send time
        self.leader_poll = leader_poll

    def send(self, data):
        n = self.sock.send(data)
        if n < len(data):  # never with one small request at a time
            self.sock.setblocking(True)
            self.sock.sendall(data[n:])
            self.sock.setblocking(False)


class Write:
    __slots__ = ("key", "value", "node", "t_send", "t_reply", "reply")

    def __init__(self, key, value, node, t_send):
        self.key, self.value, self.node = key, value, node
        self.t_send = t_send
        self.t_reply = None
        self.reply = None


class Round:
    """One fault of the leader under the load; the figures of it."""

    def __init__(self, number, fault, cluster, old_leader, acked, args):
        self.number, self.fault, self.cluster = number, fault, cluster
        self.old = old_leader
        self.survivors = [i for i in cluster.ids() if i != old_leader]
        self.acked = acked  # (key, value) of every +OK, the whole run
        self.args = args
        self.sel = selectors.DefaultSelector()
        self.idle = {i: [] for i in self.survivors}
        self.pool = {i: 0 for i in self.survivors}
        self.pollers = {}
        self.busy = set()
        self.writes = []
        self.seq = 0
        self.next_node = 0
        self.t_fault = None
        self.first_ok = None        # the figure, seconds after the fault
        self.view = {}              # survivor -> the leader it names now
        self.agreed = None          # (new leader, when both first named it)
        self.t_exit = None          # the faulted process exited
        self.ok_nodes = set()       # survivors that acknowledged a write
        self.closed = 0             # load connections the server closed
        self.max_pool = 0

    # connections

    def open(self, node, n):
        port = self.cluster.client_port[node]
        for _ in range(n):
            if self.pool[node] >= POOL_MAX:
                return
            try:
                c = LoadConn(port, node)
            except OSError as e:
                raise BenchError(f"cannot connect to node {node}: {e}")
            self.sel.register(c.sock, selectors.EVENT_READ, c)
            self.idle[node].append(c)
            self.pool[node] += 1
        self.max_pool = max(self.max_pool, sum(self.pool.values()))

    def drop(self, c):
        self.sel.unregister(c.sock)
        c.sock.close()
        if c.leader_poll:
            del self.pollers[c.node]
            return
        self.pool[c.node] -= 1
        if c in self.busy:
            self.busy.discard(c)
        elif c in self.idle[c.node]:
            self.idle[c.node].remove(c)

    def close_all(self):
        """Every connection of the round; a write still unanswered is not
        acknowledged."""
        if self.sel.get_map() is None:
            return
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()
        self.sel.close()

    # the load

    def send_write(self, now):
        """One SET on an idle connection, to the next survivor in turn (the
        other if it has none idle)."""
        order = self.survivors[self.next_node:] + \
            self.survivors[:self.next_node]
        self.next_node = (self.next_node + 1) % len(self.survivors)
        for node in order:
            if len(self.idle[node]) < POOL_MIN_IDLE:
                self.open(node, POOL_GROW)
            if self.idle[node]:
                c = self.idle[node].pop()
                self.seq += 1
                key = f"failover:{self.number}:{self.seq}"
                value = f"{self.seq}@{time.monotonic_ns()}"
                w = Write(key, value, node, time.monotonic())
                c.write = w
                self.busy.add(c)
                self.writes.append(w)
                try:
                    c.send(encode(("SET", key, value)))
                except OSError:
                    self.lost_conn(c, time.monotonic())
                return True
        return False

    def poll_leaders(self, now):
        for node in self.survivors:
            c = self.pollers.get(node)
            if c is None:
                try:
                    c = LoadConn(self.cluster.client_port[node], node,
                                 leader_poll=True)
                except OSError as e:
                    raise BenchError(f"cannot connect to node {node}: {e}")
                self.sel.register(c.sock, selectors.EVENT_READ, c)
                self.pollers[node] = c
            if c.write is None:
                c.write = now
                try:
                    c.send(encode(("LEADER",)))
                except OSError:
                    self.lost_conn(c, now)

    def on_reply(self, c, reply, now):
        if c.leader_poll:
            c.write = None
            lid = reply[0] if isinstance(reply, list) and reply and \
                isinstance(reply[0], int) else None
            self.view[c.node] = lid
            if self.t_fault is not None and lid is not None and \
                    lid != self.old:
                views = {self.view.get(i) for i in self.survivors}
                if self.agreed is None and len(views) == 1:
                    self.agreed = (lid, now)
            return
        w = c.write
        c.write = None
        self.busy.discard(c)
        self.idle[c.node].append(c)
        w.t_reply, w.reply = now, reply
        if reply == b"OK":
            self.acked.append((w.key, w.value))
            self.ok_nodes.add(w.node)
            if self.t_fault is not None and w.t_send > self.t_fault and \
                    (self.first_ok is None or
                     now - self.t_fault < self.first_ok):
                self.first_ok = now - self.t_fault

    def lost_conn(self, c, now):
        """The server closed @c: its write, if any, is not acknowledged."""
        if not c.leader_poll:
            self.closed += 1
            if c.write is not None:
                c.write.t_reply, c.write.reply = now, ReplyError(
                    "CLOSED connection closed by the server")
        self.drop(c)

    def on_readable(self, c, now):
        try:
            data = c.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.lost_conn(c, now)
            return
        c.buf += data
        pos = 0
        while True:
            try:
                reply, pos = parse(c.buf, pos)
            except Incomplete:
                break
            if c.write is None:
                raise BenchError(f"node {c.node}: a reply nobody asked for")
            self.on_reply(c, reply, now)
        del c.buf[:pos]

    def loop(self, until, deadline, what):
        """Run the load and the leader polls (once the fault is sent) until
        @until() is true; BenchError(@what()) after @deadline."""
        next_write = next_poll = time.monotonic()
        while True:
            now = time.monotonic()
            if until(now):
                return
            if now > deadline:
                raise BenchError(f"round {self.number} "
                                 f"({self.fault_name()}): {what()}")
            skip = (self.old,) if self.t_fault is not None else ()
            self.cluster.check_alive(skip=skip)
            if self.t_fault is not None and self.t_exit is None and \
                    self.cluster.procs[self.old].poll() is not None:
                self.t_exit = now - self.t_fault
            if now >= next_write:
                self.send_write(now)
                next_write += INTERVAL
                if next_write < now:  # fell behind: no burst to catch up
                    next_write = now + INTERVAL
            if self.t_fault is not None and now >= next_poll:
                self.poll_leaders(now)
                next_poll = now + LEADER_POLL
                self.check_stopped()
            wake = min(next_write, deadline,
                       next_poll if self.t_fault is not None else deadline)
            for key, _ in self.sel.select(max(0.0, wake - time.monotonic())):
                self.on_readable(key.data, time.monotonic())

    def check_stopped(self):
        """A SIGSTOPped leader stays stopped until the round is over."""
        if self.fault == "stop":
            state = proc_state(self.cluster.pid(self.old))
            if state not in ("T", "t"):
                raise BenchError(
                    f"round {self.number}: node {self.old} is no longer "
                    f"stopped (state {state}) "
                    f"{time.monotonic() - self.t_fault:.3f} s after the "
                    f"SIGSTOP: something else resumed it")

    def fault_name(self):
        return FAULTS[self.fault].name

    # the round

    def run(self):
        et = self.args.election_timeout_s
        for node in self.survivors:
            self.open(node, POOL_START)
        # Steady state: the load alone, --settle seconds, with writes
        # acknowledged through both followers.
        t0 = time.monotonic()
        settle_end = t0 + self.args.settle

        self.loop(lambda now: now >= settle_end and
                  self.ok_nodes >= set(self.survivors),
                  settle_end + 10,
                  lambda: "writes through both followers not acknowledged "
                  "within 10 s before the fault")
        pre = [w for w in self.writes if w.reply == b"OK"]
        self.steady_ms = statistics.median(
            (w.t_reply - w.t_send) * 1000 for w in pre)
        # Still the leader (nothing else should change it on a quiet
        # cluster).
        seen = {leader_of(self.cluster.client_port[i])
                for i in self.cluster.ids()}
        if seen != {self.old}:
            raise BenchError(f"round {self.number}: the nodes name "
                             f"{sorted(seen, key=str)} as leader before the "
                             f"fault, not node {self.old} alone")
        self.in_flight = [w for w in self.writes if w.reply is None]
        self.n_before = len(self.writes)

        self.t_fault = time.monotonic()
        self.cluster.signal(self.old, FAULTS[self.fault])
        while self.fault == "stop" and \
                proc_state(self.cluster.pid(self.old)) not in ("T", "t"):
            if time.monotonic() - self.t_fault > 1:
                raise BenchError(f"round {self.number}: node {self.old} "
                                 f"not stopped 1 s after SIGSTOP")
            time.sleep(0.0001)

        # Until a write sent after the fault is acknowledged and both
        # survivors name the same new leader.
        limit = max(30.0, 20 * et)
        self.loop(lambda now: self.first_ok is not None and
                  self.agreed is not None,
                  self.t_fault + limit,
                  lambda: f"no write sent after the fault acknowledged "
                  f"within {limit:.0f} s (the survivors name "
                  f"{sorted(self.view.values(), key=str)} as leader)"
                  if self.first_ok is None else
                  f"writes acknowledged ({self.first_ok * 1000:.1f} ms "
                  f"after the fault) but the survivors agree on no new "
                  f"leader within {limit:.0f} s (they name "
                  f"{sorted(self.view.values(), key=str)})")
        # The writes still out: answered once their forward link gives up
        # (a frozen leader's after max(2 s, 3 election timeouts)).
        drain = max(2.0, 3 * et) + 2.0
        self.drain(drain)
        self.check_stopped()
        new = self.cluster.agreed_leader(self.survivors, 5, not_=self.old)
        if new != self.agreed[0]:
            log(f"round {self.number}: the survivors named node "
                f"{self.agreed[0]} first, node {new} now")
        self.new = new
        self.close_all()

    def drain(self, seconds):
        deadline = time.monotonic() + seconds
        while self.busy and time.monotonic() < deadline:
            now = time.monotonic()
            if self.t_exit is None and \
                    self.cluster.procs[self.old].poll() is not None:
                self.t_exit = now - self.t_fault
            for key, _ in self.sel.select(min(0.05, deadline - now)):
                self.on_readable(key.data, time.monotonic())
        if self.closed:
            log(f"round {self.number}: the survivors closed {self.closed} "
                f"load connections")

    def summary(self):
        after = self.writes[self.n_before:]
        ok_after = sum(w.reply == b"OK" for w in after)
        errs = {}
        for w in after:
            if isinstance(w.reply, ReplyError):
                code = w.reply.split(" ", 1)[0]
            elif w.reply is None:
                code = "noreply"
            else:
                continue
            errs[code] = errs.get(code, 0) + 1
        fl = self.in_flight
        fl_ok = sum(w.reply == b"OK" for w in fl)
        fl_err = sum(isinstance(w.reply, ReplyError) for w in fl)
        return {"sent": len(after), "ok": ok_after, "errs": errs,
                "in_flight": (len(fl), fl_ok, fl_err,
                              len(fl) - fl_ok - fl_err)}


# --- the run -----------------------------------------------------------------

def fmt_errs(errs):
    return ",".join(f"{k}:{v}" for k, v in sorted(errs.items())) or "-"


def election_timeout_s(extra):
    """--election-timeout-ms among the extra daemon flags (last one wins),
    in seconds; None if they have none."""
    ms = None
    for k, a in enumerate(extra):
        if a == "--election-timeout-ms" and k + 1 < len(extra):
            ms = int(extra[k + 1])
        elif a.startswith("--election-timeout-ms="):
            ms = int(a.split("=", 1)[1])
    return None if ms is None else ms / 1000


def run(args, cluster):
    t_start = time.monotonic()
    for i in cluster.ids():
        log(f"node {i}: {shlex.join(cluster.argv(i))} 2>>"
            f"{cluster.log_path(i)}")
        cluster.start(i)
    leader = cluster.agreed_leader(cluster.ids(), 30)
    deadline = time.monotonic() + 30
    while ask(cluster.client_port[leader], "SET", "failover:ready", 1) != \
            b"OK":
        if time.monotonic() > deadline:
            raise BenchError("writes never succeeded")
        time.sleep(0.05)
    # The election timeout in force, for the waits: from the flags, else
    # from INFO where the daemon shows it, else its usual default.
    raft = info_raft(cluster.client_port[leader]) or {}
    if args.election_timeout_s is None:
        args.election_timeout_s = \
            int(raft.get("election_timeout_ms", 1000)) / 1000
    timeouts = f"election timeout {args.election_timeout_s * 1000:.0f} ms"
    if "fast_failover_ms" in raft:
        timeouts += f", fast failover {raft['fast_failover_ms']} ms"
    try:
        version = subprocess.run([args.daemon, "--version"],
                                 capture_output=True, text=True,
                                 timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        version = ""
    schedule = [f for _ in range(args.rounds) for f in args.faults]
    print(f"failover: 3 nodes on 127.0.0.1 (ports "
          f"{cluster.raft_port[1]}-{cluster.client_port[N_NODES]}), "
          f"{args.rounds} rounds each of "
          f"{', '.join(FAULTS[f].name for f in args.faults)}, interleaved "
          f"({len(schedule)} in all); leader node {leader}")
    print(f"daemon: {args.daemon}"
          f"{' ' + shlex.join(args.daemon_args) if args.daemon_args else ''}"
          f" ({version + ', ' if version else ''}{timeouts})")
    print(f"load: 1 SET every {INTERVAL * 1000:.0f} ms to the two followers "
          f"in turn, at most one per connection; {args.settle:g} s of it "
          f"before each fault")
    print("failover = fault -> the first +OK among the writes sent after "
          "it, ms")
    print("named    = fault -> both survivors name the new leader (LEADER "
          "every 10 ms), ms")
    print("steady   = median SET round trip before the fault, ms")
    print("after    = writes sent after the fault until failover and named: "
          "sent, +OK, the rest")
    print("flight   = writes in flight at the fault: n, +OK/error/no reply")
    print("exit     = fault -> the process exited (SIGTERM), ms; restore = "
          "restart or SIGCONT -> caught up, s")
    print("conns    = load connections open at most (one write at a time "
          "on each)\n")
    print(ROW.format("round", "fault", "leader", "failover", "named",
                     "steady", "sent", "ok", "not acknowledged", "flight",
                     "exit", "restore", "conns"))
    sys.stdout.flush()
    acked = []
    figures = {f: [] for f in args.faults}
    rounds = []
    for number, fault in enumerate(schedule, 1):
        r = Round(number, fault, cluster, leader, acked, args)
        try:
            r.run()
        finally:
            r.close_all()
        # Restore the faulted node.
        t0 = time.monotonic()
        old = r.old
        if fault == "stop":
            cluster.signal(old, signal.SIGCONT)
        else:
            p = cluster.procs[old]
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                raise BenchError(f"node {old} did not exit within 30 s of "
                                 f"{r.fault_name()}")
            if r.t_exit is None:
                r.t_exit = time.monotonic() - r.t_fault
            cluster.start(old)
        leader = cluster.caught_up(old,
                                   max(60.0, 30 * args.election_timeout_s))
        restore = time.monotonic() - t0
        if leader != r.new:
            log(f"round {number}: the leader changed from node {r.new} to "
                f"node {leader} while node {old} rejoined")
        s = r.summary()
        figures[fault].append(r.first_ok * 1000)
        rounds.append(r)
        n, ok, err, none = s["in_flight"]
        print(ROW.format(
            number, r.fault_name(), f"{old} -> {r.new}",
            f"{r.first_ok * 1000:.1f}",
            f"{(r.agreed[1] - r.t_fault) * 1000:.1f}",
            f"{r.steady_ms:.2f}", s["sent"], s["ok"], fmt_errs(s["errs"]),
            f"{n}: {ok}/{err}/{none}" if n else "0",
            f"{r.t_exit * 1000:.0f}" if fault == "term" else "-",
            f"{restore:.2f}", r.max_pool))
        sys.stdout.flush()

    # Every acknowledged write, read back through the leader; and the
    # writes that were not acknowledged, to see which took effect anyway.
    leader = cluster.agreed_leader(cluster.ids(), 30)
    unacked = [(r, w) for r in rounds for w in r.writes
               if w.reply != b"OK"]
    c = Conn(cluster.client_port[leader], timeout=60, connect_timeout=60)
    replies = c.pipeline([("GET", k) for k, _ in acked] +
                         [("GET", w.key) for _, w in unacked])
    c.close()
    got_acked, got_unacked = replies[:len(acked)], replies[len(acked):]
    lost = [(k, v, got) for (k, v), got in zip(acked, got_acked)
            if got != v.encode()]

    print(f"\nfault -> first write acknowledged by the new leader, ms "
          f"({args.rounds} rounds each)")
    print(f"  {'fault':<8} {'median':>8} {'min':>8} {'max':>8}   target "
          f"(median)")
    for f in args.faults:
        v = figures[f]
        med = statistics.median(v)
        met = "met" if med <= TARGET_MS[f] else "not met"
        print(f"  {FAULTS[f].name:<8} {med:8.1f} {min(v):8.1f} {max(v):8.1f}"
              f"   <= {TARGET_MS[f]} ms ({met})")
    for f in args.faults:
        print(f"  {FAULTS[f].name:<8} per round: " +
              " ".join(f"{x:.0f}" for x in figures[f]))
    print(f"\n{len(acked)} acknowledged writes read back through leader node "
          f"{leader}: {len(lost)} lost")
    for k, v, got in lost[:20]:
        print(f"  LOST {k}: acknowledged {v!r}, read {got!r}")
    # Not acknowledged: applied or not, both are correct.
    tally = {}
    for (r, w), got in zip(unacked, got_unacked):
        code = "no reply" if w.reply is None else w.reply.split(" ", 1)[0]
        t = tally.setdefault((r.fault_name(), code), [0, 0])
        t[0] += 1
        t[1] += got == w.value.encode()
    if tally:
        print(f"{len(unacked)} writes not acknowledged (outcome unknown to "
              f"the client); of them, applied:")
        for (f, code), (n, applied) in sorted(tally.items()):
            print(f"  {f:<8} {code:<12} {applied:6d} of {n}")
        print("the first error reply of each code (sent ms after the "
              "fault):")
        seen = set()
        for r, w in unacked:
            code = isinstance(w.reply, ReplyError) and \
                w.reply.split(" ", 1)[0]
            if code and code not in seen:
                seen.add(code)
                print(f"  round {r.number} {r.fault_name():<8} "
                      f"{(w.t_send - r.t_fault) * 1000:+8.1f}  -{w.reply}")
    print(f"run took {time.monotonic() - t_start:.0f} s")
    if args.command:
        print(f"re-run: {args.command}")
    sys.stdout.flush()
    if lost:
        raise BenchError(f"{len(lost)} acknowledged writes lost")


ROW = ("{:>5} {:<7} {:^8} {:>8} {:>8} {:>6} {:>5} {:>4}  {:<18} {:<12} "
       "{:>5} {:>7} {:>5}")


def main():
    env = os.environ.get
    p = argparse.ArgumentParser(prog="failover")
    p.add_argument("--daemon", required=True)
    p.add_argument("--rounds", type=int,
                   default=int(env("SK_BENCH_ROUNDS", 10)))
    p.add_argument("--faults", default=env("SK_BENCH_FAULTS",
                                           "kill,stop,term"))
    p.add_argument("--port-base", type=int,
                   default=int(env("SK_BENCH_PORT_BASE", 7700)))
    p.add_argument("--settle", type=float,
                   default=float(env("SK_BENCH_SETTLE_S", 1)),
                   help="seconds of load alone before each fault")
    p.add_argument("--command", default="")
    p.add_argument("daemon_args", nargs="*",
                   help="extra scalekeeperd flags, after --")
    args = p.parse_args()
    args.faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    bad = [f for f in args.faults if f not in FAULTS]
    if bad or not args.faults or len(set(args.faults)) != len(args.faults):
        p.error("--faults: a list of kill, stop and term, each at most once")
    if args.rounds < 1:
        p.error("--rounds must be >= 1")
    if args.settle < 0:
        p.error("--settle must be >= 0")
    try:
        args.election_timeout_s = election_timeout_s(args.daemon_args)
    except ValueError:
        p.error("--election-timeout-ms after -- needs a number")
    return run_cluster(log, "sk-failover-",
                       lambda run_dir: Cluster(args.daemon, run_dir,
                                               args.port_base,
                                               args.daemon_args),
                       lambda cluster: run(args, cluster),
                       errors=(BenchError, OSError))


sys.exit(main())
