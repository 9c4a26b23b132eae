#!/usr/bin/env bash
# Transactions through a real Redis client library (redis-py, Debian package
# python3-redis) on a 3-node cluster on loopback:
#  - the optimistic-locking loop of redis-py's documentation (pipeline,
#    watch, get, multi, set, execute, retry on WatchError) increments one
#    counter from 4 threads, each talking to a different node; the counter
#    must end exactly at the number of increments;
#  - a WATCH broken by another client raises WatchError, and the same
#    change made inside the transaction then applies;
#  - Redis.transaction(), redis-py's own retry helper;
#  - transaction=True pipelines through a follower: every reply, one shared
#    mod revision, and a refused command applies nothing.
#
# Environment: SK_BUILDDIR (the daemon is $SK_BUILDDIR/src/scalekeeperd;
# default this checkout), SK_KEEP_RUN (keep node logs and data),
# SK_REDIS_PY_INCREMENTS (per thread, default 100), SK_PYTHON (interpreter).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
builddir=${SK_BUILDDIR:-$(cd "$here/../.." && pwd)}
daemon=$builddir/src/scalekeeperd
increments=${SK_REDIS_PY_INCREMENTS:-100}
n_nodes=3

fail() {
    echo "test_redis_py: FAIL: $*" >&2
    exit 1
}

[ -x "$daemon" ] || fail "$daemon not found: build first, or set SK_BUILDDIR"

# The first interpreter that has redis-py: a python3 earlier on PATH (a
# virtualenv, pyenv) may not see Debian's python3-redis.
python=
for candidate in "${SK_PYTHON:-}" python3 /usr/bin/python3; do
    if [ -n "$candidate" ] && "$candidate" -c 'import redis' 2>/dev/null; then
        python=$candidate
        break
    fi
done
[ -n "$python" ] ||
    fail "python3-redis missing: run scripts/install-deps --test"

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/sk-redis-py-XXXXXX")
pids=()
failed=yes

show_logs() {
    local id
    echo "test_redis_py: node logs kept in $run_dir" >&2
    for id in $(seq 1 $n_nodes); do
        echo "---- tail of $run_dir/node$id.log ----" >&2
        tail -n 20 "$run_dir/node$id.log" >&2 || true
    done
}

# Kill whatever node still runs, by PID; keep the logs of a failed run.
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ $failed = yes ]; then
        show_logs
    elif [ -n "${SK_KEEP_RUN:-}" ]; then
        echo "test_redis_py: run directory kept: $run_dir"
    else
        rm -rf "$run_dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Free loopback ports, checked by binding them, from a block below the
# kernel's ephemeral range chosen from our PID (as the C harness does).
read -r -a ports <<<"$("$python" - "$$" $((2 * n_nodes)) <<'EOF'
import socket, sys
pid, count = int(sys.argv[1]), int(sys.argv[2])
low, high = 15000, 32000
port, found = low + (pid * 7919) % ((high - low) // 10) * 10, []
while len(found) < count:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        found.append(port)
    except OSError:
        pass
    finally:
        s.close()
    port = port + 1 if port + 1 < high else low
print(" ".join(map(str, found)))
EOF
)"
[ ${#ports[@]} -eq $((2 * n_nodes)) ] || fail "no free loopback ports"

bootstrap=
client_ports=()
for id in $(seq 1 $n_nodes); do
    bootstrap+="${bootstrap:+,}$id=127.0.0.1:${ports[2 * id - 2]}"
    client_ports+=("${ports[2 * id - 1]}")
done

for id in $(seq 1 $n_nodes); do
    "$daemon" --id "$id" --zone "zone-$id" \
        --raft "127.0.0.1:${ports[2 * id - 2]}" \
        --listen "127.0.0.1:${ports[2 * id - 1]}" \
        --data "$run_dir/node$id" --bootstrap "$bootstrap" \
        --election-timeout-ms 400 --heartbeat-timeout-ms 50 \
        --log-level info 2>"$run_dir/node$id.log" &
    pids+=($!)
done

# The client script: exits 0 on success, 1 with a message otherwise.
timeout 60 "$python" - "$increments" "${client_ports[@]}" <<'EOF' ||
import sys
import threading
import time

import redis

INCREMENTS = int(sys.argv[1])
PORTS = [int(p) for p in sys.argv[2:]]
THREADS = 4
DEADLINE = time.monotonic() + 45


def fail(msg):
    print("test_redis_py: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def client(i):
    return redis.Redis(host="127.0.0.1", port=PORTS[i], socket_timeout=10,
                       socket_connect_timeout=5, decode_responses=True)


def wait_for_leader():
    """Every node names the same leader; returns its index in PORTS."""
    while time.monotonic() < DEADLINE:
        seen = set()
        for i in range(len(PORTS)):
            try:
                seen.add(client(i).execute_command("LEADER")[0])
            except (redis.RedisError, IndexError, TypeError):
                seen.add(None)
        if len(seen) == 1 and None not in seen:
            return int(seen.pop()) - 1
        time.sleep(0.1)
    fail("no leader elected")


def wait_for_writes(r):
    """One SET through @r succeeds: the node relays to a settled leader."""
    while time.monotonic() < DEADLINE:
        try:
            if r.set("ready", "1"):
                return
        except redis.RedisError:
            pass
        time.sleep(0.1)
    fail("writes never succeeded")


leader = wait_for_leader()
follower = (leader + 1) % len(PORTS)
for i in range(len(PORTS)):
    wait_for_writes(client(i))
print(f"leader is node {leader + 1}; follower used: node {follower + 1}")

# 1. A WATCH broken by another client raises WatchError; nothing applied.
f = client(follower)
other = client(leader)
f.set("w", "before")
with f.pipeline() as pipe:
    pipe.watch("w")
    if pipe.get("w") != "before":
        fail("GET after WATCH did not see 'before'")
    other.set("w", "theirs")
    pipe.multi()
    pipe.set("w", "mine")
    try:
        pipe.execute()
        fail("EXEC applied although the watched key changed")
    except redis.WatchError:
        pass
if f.get("w") != "theirs":
    fail(f"after the failed EXEC w is {f.get('w')!r}, expected 'theirs'")
with f.pipeline() as pipe:  # unchanged since WATCH: applies
    pipe.watch("w")
    pipe.multi()
    pipe.set("w", "mine")
    if pipe.execute() != [True]:
        fail("EXEC without a conflict did not apply")
if other.get("w") != "mine":
    fail("the transaction's write is not visible on the leader")

# 2. The optimistic-locking loop from THREADS threads, one per node in turn.
counter_key = "counter"
client(leader).set(counter_key, 0)
conflicts = [0] * THREADS
errors = []
start = threading.Barrier(THREADS)


def incrementer(t):
    r = client(t % len(PORTS))
    try:
        start.wait(timeout=10)
        for _ in range(INCREMENTS):
            with r.pipeline() as pipe:
                while True:
                    if time.monotonic() > DEADLINE:
                        raise RuntimeError("out of time")
                    try:
                        pipe.watch(counter_key)
                        v = int(pipe.get(counter_key))
                        pipe.multi()
                        pipe.set(counter_key, v + 1)
                        pipe.execute()
                        break
                    except redis.WatchError:
                        conflicts[t] += 1
    except Exception as e:  # reported by the main thread
        errors.append(f"thread {t}: {type(e).__name__}: {e}")


began = time.monotonic()
threads = [threading.Thread(target=incrementer, args=(t,))
           for t in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - began
if errors:
    fail("; ".join(errors))
total = THREADS * INCREMENTS
final = int(client(follower).get(counter_key))
print(f"{total} increments from {THREADS} threads in {elapsed:.1f} s, "
      f"{sum(conflicts)} WatchError retries {conflicts}")
if final != total:
    fail(f"counter is {final}, expected {total}: lost or doubled increments")
if sum(conflicts) == 0:
    print("note: no WatchError in the concurrent run; the threads never "
          "raced (conflict detection is still checked in step 1)")

# 3. redis-py's own retry helper, Redis.transaction().
def add_two(pipe):
    v = int(pipe.get(counter_key))
    pipe.multi()
    pipe.set(counter_key, v + 2)


if client(follower).transaction(add_two, counter_key) != [True]:
    fail("Redis.transaction() did not answer [True]")
if int(client(leader).get(counter_key)) != total + 2:
    fail("Redis.transaction() did not add 2")

# 4. transaction=True pipelines through a follower.
f.set("b", "old")
f.set("c", "doomed")
before = f.execute_command("GETREV", "b")
pipe = f.pipeline(transaction=True)
pipe.set("a", "1").set("b", "2").get("a").mget("a", "b", "nope")
pipe.delete("c").exists("a", "b", "c").execute_command("GETREV", "a")
got = pipe.execute()
want = [True, True, "1", ["1", "2", None], 1, 2]
if got[:6] != want:
    fail(f"pipeline replies {got[:6]!r}, expected {want!r}")
rev_a = f.execute_command("GETREV", "a")
rev_b = f.execute_command("GETREV", "b")
if got[6] != rev_a:
    fail(f"GETREV inside the transaction {got[6]!r}, after it {rev_a!r}")
if rev_a[2] != rev_b[2] or rev_b[2] <= before[2]:
    fail(f"mod revisions a={rev_a} b={rev_b} (b before: {before}): "
         "expected one new revision shared by the transaction's writes")

# A command the transaction cannot hold: the whole pipeline is refused.
pipe = f.pipeline(transaction=True)
pipe.set("x", "1").incr("y").set("z", "1")
try:
    pipe.execute()
    fail("a transaction with INCR was applied")
except redis.ResponseError as e:
    print(f"refused as expected: {e}")
if other.exists("x", "y", "z") != 0:
    fail("an aborted transaction applied some of its commands")

print("test_redis_py: all transaction checks passed")
EOF
    fail "the redis-py checks failed"

# Every node must still run, and stop cleanly (sanitizer reports included).
for i in "${!pids[@]}"; do
    kill -0 "${pids[i]}" 2>/dev/null || fail "node $((i + 1)) died during the test"
done
for i in "${!pids[@]}"; do
    kill -TERM "${pids[i]}"
done
deadline=$((SECONDS + 10))
for i in "${!pids[@]}"; do
    while kill -0 "${pids[i]}" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] ||
            fail "node $((i + 1)) still runs 10 s after SIGTERM"
        sleep 0.1
    done
    status=0
    wait "${pids[i]}" || status=$?
    [ $status -eq 0 ] ||
        fail "node $((i + 1)) exited with status $status on SIGTERM"
done
pids=()
failed=no
echo "test_redis_py: PASS"
