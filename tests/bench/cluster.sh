# Sourced by the benchmark scripts: starts a 3-node scalekeeper cluster on
# loopback in a temporary directory and stops it, by PID, when the script
# exits. Before sourcing: $daemon, $n_nodes, $bench (the script's name for
# messages) and die(); optionally bench_node_args (an array of extra daemon
# flags). Afterwards: $run_dir, client_ports[id], pids[], $leader,
# $follower.

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/sk-$bench-XXXXXX")
pids=()

cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ -n "${SK_KEEP_RUN:-}" ]; then
        echo "$bench: run directory kept: $run_dir" >&2
    else
        rm -rf "$run_dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port is taken if something accepts on it. Ports come from a block below
# the kernel's ephemeral range, chosen from our PID.
port_taken() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

next_port=$((15000 + ($$ % 1700) * 10))
pick_port() {
    while port_taken "$next_port"; do
        next_port=$((next_port + 1))
    done
    picked=$next_port
    next_port=$((next_port + 1))
}

raft_ports=()
client_ports=()
bootstrap=
for id in $(seq 1 $n_nodes); do
    pick_port
    raft_ports[id]=$picked
    pick_port
    client_ports[id]=$picked
    bootstrap+="${bootstrap:+,}$id=127.0.0.1:${raft_ports[id]}"
done

for id in $(seq 1 $n_nodes); do
    "$daemon" --id "$id" --zone "zone-$id" \
        --raft "127.0.0.1:${raft_ports[id]}" \
        --listen "127.0.0.1:${client_ports[id]}" \
        --data "$run_dir/node$id" --bootstrap "$bootstrap" \
        --log-level warn "${bench_node_args[@]}" 2>"$run_dir/node$id.log" &
    pids+=($!)
done

# Poll LEADER until every node names the same one (20 s deadline).
leader=
deadline=$((SECONDS + 20))
while [ $SECONDS -lt $deadline ]; do
    seen=
    agreed=yes
    for id in $(seq 1 $n_nodes); do
        l=$(redis-cli -p "${client_ports[id]}" LEADER 2>/dev/null | head -n 1) || l=
        case $l in
        '' | *[!0-9]*) agreed=no ;;
        esac
        if [ -n "$seen" ] && [ "$l" != "$seen" ]; then
            agreed=no
        fi
        seen=$l
    done
    if [ $agreed = yes ]; then
        leader=$seen
        break
    fi
    sleep 0.1
done
[ -n "$leader" ] || die "no leader elected within 20 s; logs in $run_dir"
follower=$((leader % n_nodes + 1))

