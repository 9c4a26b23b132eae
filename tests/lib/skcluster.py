"""Helpers for the redis-py integration scripts: connections to the nodes
given on the command line, the leader, and failing with a message."""
import sys
import time

import redis

PORTS = [int(p) for p in sys.argv[2:]]
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
