"""What the benchmark helpers (failover_load.py, scaling_load.py,
lease_load.py) have in common. Python 3 standard library only, so that the
benchmarks need nothing installed beyond what they already ask for:

- logger(): the log() of a benchmark, lines on stderr under its name;
- BenchError, the run failed; ReplyError, an error reply;
- RESP2: encode() a command, parse() one reply from a buffer as far as it
  has arrived (Incomplete if not all of it has), and Conn, a blocking
  client connection with call() and pipeline() on top of them; the
  non-blocking load of failover parses with the same parse();
- parse_info(): an INFO reply as a dict;
- the processes: free_ports() and port_free() for the cluster's ports,
  die_with_parent() for the nodes' preexec_fn, stop_all() for the end of
  the run, proc_stat() and cpu_seconds() from /proc;
- run_cluster(): the frame of a run, its temporary directory and its
  cluster stopped however it ends.

The scripts import it from their own directory (see there).
"""
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def logger(prog):
    """The log(msg) of benchmark @prog: one line on stderr, flushed at once
    so that it stands in order among the figures on stdout."""
    def log(msg):
        print(f"{prog}: {msg}", file=sys.stderr, flush=True)
    return log


class BenchError(Exception):
    pass


# --- RESP2 -----------------------------------------------------------------

class ReplyError(str):
    """An error reply (-CODE text), returned rather than raised."""


class Incomplete(Exception):
    pass


def parse(buf, pos):
    """One reply from @buf (bytes or bytearray) at @pos: (value, next
    position), the value bytes, an int, a list, None or ReplyError;
    Incomplete if the buffer does not hold all of it yet (then nothing is
    consumed: parse again from @pos once more has arrived)."""
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise Incomplete
    kind, rest = buf[pos:pos + 1], bytes(buf[pos + 1:end])
    start, pos = pos, end + 2
    if kind == b"+":
        return rest, pos
    if kind == b"-":
        return ReplyError(rest.decode(errors="replace")), pos
    if kind == b":":
        return int(rest), pos
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None, pos
        if len(buf) < pos + n + 2:
            raise Incomplete
        return bytes(buf[pos:pos + n]), pos + n + 2
    if kind == b"*":
        n = int(rest)
        if n < 0:
            return None, pos
        out = []
        for _ in range(n):
            v, pos = parse(buf, pos)
            out.append(v)
        return out, pos
    raise BenchError(f"unexpected reply line {bytes(buf[start:end])[:40]!r}")


def encode(args):
    """The command @args (bytes, or anything str() makes the text of) as a
    RESP2 array of bulk strings."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    """One blocking client connection: commands, pipelines, and replies
    parsed as bytes, ints, lists, None or ReplyError. @timeout for each
    reply, @connect_timeout to connect."""

    def __init__(self, port, timeout=60.0, connect_timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=connect_timeout)
        self.sock.settimeout(timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def close(self):
        self.sock.close()

    def read(self):
        while True:
            try:
                v, pos = parse(self.buf, 0)
                # A bytearray deletes from its front without copying the
                # rest: a pipeline's replies are taken off one by one.
                del self.buf[:pos]
                return v
            except Incomplete:
                data = self.sock.recv(1 << 20)
                if not data:
                    raise BenchError("connection closed by the server")
                self.buf += data

    def call(self, *args):
        self.sock.sendall(encode(args))
        return self.read()

    def pipeline(self, commands, window=500):
        """Send @commands with at most @window unanswered (refilled when half
        of them are answered); the replies, in order."""
        replies = []
        sent = 0
        while len(replies) < len(commands):
            if sent < len(commands) and sent - len(replies) <= window // 2:
                chunk = commands[sent:sent + window - (sent - len(replies))]
                self.sock.sendall(b"".join(encode(c) for c in chunk))
                sent += len(chunk)
            replies.append(self.read())
        return replies


def parse_info(text):
    """An INFO reply (bytes) as a dict of str, field -> value; the section
    headers (# Name) and blank lines left out."""
    out = {}
    for line in text.decode().splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


# --- the processes -----------------------------------------------------------

def port_free(port):
    """Nothing listens on @port (connections in TIME_WAIT do not count: the
    daemon binds with SO_REUSEADDR, as libuv does)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(port_base, n, limit):
    """The first port from @port_base on, moved up by 10 while any of the
    @n from it is taken, with all @n at most @limit."""
    base = port_base
    while not all(port_free(base + k) for k in range(n)):
        base += 10
        if base + n - 1 > limit:
            raise BenchError(f"no {n} free ports from {port_base} to {limit}")
    return base


def die_with_parent(sig):
    """In the child before exec (preexec_fn=lambda: die_with_parent(sig)):
    signal @sig when the bench itself dies, even by SIGKILL (Linux prctl
    PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, sig)
    except (OSError, AttributeError):
        pass


def stop_all(procs, grace=10):
    """SIGTERM each of @procs (Popen) still running, SIGKILL those still
    there @grace s later; returns once all have exited."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
    deadline = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def proc_stat(pid):
    """The fields of /proc/@pid/stat after the command name (which may hold
    spaces and parentheses, hence the last ")"): [0] the state letter,
    [11] and [12] the user and system CPU time in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def cpu_seconds(pid):
    """User + system CPU time of @pid so far, in seconds."""
    fields = proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the run -----------------------------------------------------------------

def run_cluster(log, prefix, make_cluster, run, errors=(BenchError,)):
    """The frame of a benchmark run: @make_cluster(run directory), a new
    temporary one named from @prefix, then @run(the cluster). The cluster
    is stopped however the run ends (SIGTERM and SIGHUP end it as an
    interrupt does, so that the nodes are stopped then too); the run
    directory is removed unless the run failed or SK_KEEP_RUN is set.
    @errors are logged as the failure. Returns the exit status: 0 if the
    run completed, 1 if it failed or was interrupted."""
    def on_signal(signum, frame):
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    run_dir = tempfile.mkdtemp(prefix=prefix)
    failed = True
    cluster = None
    try:
        cluster = make_cluster(run_dir)
        run(cluster)
        failed = False
    except errors as e:
        log(f"FAILED: {e}")
    except KeyboardInterrupt:
        log("interrupted")
        failed = None
    finally:
        if cluster is not None:
            cluster.stop()
        if os.environ.get("SK_KEEP_RUN") or failed:
            log(f"run directory kept: {run_dir}")
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
    return 0 if failed is False else 1
