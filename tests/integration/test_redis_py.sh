#!/usr/bin/env bash
# A real Redis client library (redis-py, Debian package python3-redis) on a
# 3-node cluster on loopback. Transactions (redis_py_txn.py):
#  - the optimistic-locking loop of redis-py's documentation (pipeline,
#    watch, get, multi, set, execute, retry on WatchError) increments one
#    counter from 4 threads, each talking to a different node; the counter
#    must end exactly at the number of increments;
#  - a WATCH broken by another client raises WatchError, and the same
#    change made inside the transaction then applies;
#  - Redis.transaction(), redis-py's own retry helper;
#  - transaction=True pipelines through a follower: every reply, one shared
#    mod revision, and a refused command applies nothing.
# Change feeds through redis-py's pub/sub API (redis_py_pubsub.py): keyspace
# notifications with psubscribe() and a subscribe() handler in a thread, and
# KEYWATCH and ELECTION.OBSERVE messages read with get_message().
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

# The client scripts: each exits 0 on success, 1 with a message otherwise.
for script in redis_py_txn.py redis_py_pubsub.py; do
    PYTHONPATH="$here/../lib" timeout 60 "$python" "$here/$script" \
        "$increments" "${client_ports[@]}" ||
        fail "the redis-py checks of $script failed"
done

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
