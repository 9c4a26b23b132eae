"""Transactions through redis-py (run by test_redis_py.sh): the WATCH
conflict case, the optimistic-locking loop from several threads, the
Redis.transaction() helper and transaction=True pipelines.
Arguments: increments per thread, then the nodes' client ports."""
import sys
import threading
import time

import redis

from skcluster import DEADLINE, PORTS, client, fail, wait_for_leader, \
    wait_for_writes

INCREMENTS = int(sys.argv[1])
THREADS = 4

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