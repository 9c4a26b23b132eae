"""Change feeds through redis-py's pub/sub API (run by test_redis_py.sh):
Redis keyspace notifications with psubscribe() and subscribe() handlers,
and KEYWATCH and ELECTION.OBSERVE messages read by the same PubSub object's
get_message(), which takes any array whose first element names its kind.
Arguments: unused, then the nodes' client ports."""
import time

from skcluster import client, fail, wait_for_leader, wait_for_writes


def next_message(p, kinds, timeout=10):
    """The next message of one of @kinds on PubSub @p (others skipped)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        m = p.get_message(timeout=0.5)
        if m is not None and m["type"] in kinds:
            return m
    fail(f"no {kinds} message within {timeout} s")


leader = wait_for_leader()
follower = (leader + 1) % 3
for i in range(3):
    wait_for_writes(client(i))
w = client(leader)
r = client(follower)

# 1. psubscribe() to keyspace channels, read with get_message().
p = r.pubsub()
p.psubscribe("__keyspace@0__:ps/*")
next_message(p, ["psubscribe"])
w.set("ps/a", "1")
w.delete("ps/a")
lease = w.execute_command("LEASE.GRANT", 1)
w.execute_command("SET", "ps/b", "2", "LEASE", lease)
got = [(m["channel"], m["data"])
       for m in (next_message(p, ["pmessage"]) for _ in range(4))]
want = [("__keyspace@0__:ps/a", "set"), ("__keyspace@0__:ps/a", "del"),
        ("__keyspace@0__:ps/b", "set"), ("__keyspace@0__:ps/b", "expired")]
if got != want:
    fail(f"keyspace notifications {got}, expected {want}")

# 2. A subscribe() handler run by run_in_thread(), on the keyevent channel.
seen = []
q = r.pubsub()
q.subscribe(**{"__keyevent@0__:set": lambda m: seen.append(m["data"])})
worker = q.run_in_thread(sleep_time=0.05, daemon=True)
end = time.monotonic() + 10  # until the node holds both subscribers
while (int(r.info("coordination")["push_consumers"]) < 2
       and time.monotonic() < end):
    time.sleep(0.05)
w.set("ev/1", "x")
w.set("ev/2", "y")
end = time.monotonic() + 10
while seen[-2:] != ["ev/1", "ev/2"] and time.monotonic() < end:
    time.sleep(0.05)
worker.stop()
if seen[-2:] != ["ev/1", "ev/2"]:
    fail(f"keyevent handler saw {seen}")

# 3. KEYWATCH FROM a revision on the same PubSub object as (1).
rev = w.execute_command("GETREV", "ev/1")[2]
p.execute_command("KEYWATCH", "ev/", "FROM", rev)
m = next_message(p, ["keywatch"])
if m["channel"] != "ev/" or m["data"] != 2:
    fail(f"KEYWATCH confirmation {m}")
w.set("ev/3", "z")
got = [(m["type"], m["channel"], m["data"])
       for m in (next_message(p, ["put", "delete", "expire"])
                 for _ in range(3))]
if got != [("put", "ev/1", "x"), ("put", "ev/2", "y"), ("put", "ev/3", "z")]:
    fail(f"KEYWATCH events {got}")

# 4. ELECTION.OBSERVE: the current leader, then each change.
p.execute_command("ELECTION.OBSERVE", "py")
next_message(p, ["observe"])
m = next_message(p, ["leader"])
if m["channel"] != "py" or m["data"] is not None:
    fail(f"first leader message {m}")
lease = w.execute_command("LEASE.GRANT", 30)
token = w.execute_command("ELECTION.CAMPAIGN", "py", "me", "LEASE", lease)
m = next_message(p, ["leader"])
if m["data"] != "me":
    fail(f"leader message {m} after the campaign (token {token})")
p.close()
q.close()
print("test_redis_py: all pub/sub checks passed")
