/* The log entry format (proto/ENTRY.md): one raft entry carries a batch of
 * client commands proposed together (group commit). Versioned, big-endian.
 *
 *   u8  format version (ENTRY_VERSION)
 *   u64 origin node id   (who proposed it; replies are routed there)
 *   u64 batch sequence   (per origin; matches replies to waiting clients)
 *   u64 time             (version 3: the proposer's wall clock in ms when it
 *                         appended the entry; the only time apply knows)
 *   u32 number of commands
 *   then per command: u8 op, u32 argc, argc x (u32 length, bytes)
 *   then 0-7 zero bytes, so the length is a multiple of 8
 */
#ifndef SK_ENTRY_H
#define SK_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/slice.h"

/* Version 2 added the lease, election and fence ops; version 3 the time
 * in the header and the auto-scaling ops. Versions 1 (ops 1-5) and 2 are
 * still read, with a time of 0. */
#define ENTRY_VERSION     3
#define ENTRY_VERSION_MIN 1

/* The raft library requires entry lengths in multiples of 8 bytes: a
 * finished entry is padded with up to 7 zero bytes. */
#define ENTRY_ALIGN 8

/* Operation codes are stable: they are stored in logs and snapshots. */
enum entry_op {
    ENTRY_OP_SET = 1,    /* key value [LEASE id] */
    ENTRY_OP_DEL = 2,    /* key [key ...] */
    ENTRY_OP_CAS = 3,    /* key expected new */
    ENTRY_OP_MEMBER = 4, /* id client_address zone (decimal id) */
    ENTRY_OP_TXN = 5,    /* transaction (fsm/txn.h): one argument */
    /* Version 2: each op's arguments are its command's, as sent. Numbers
     * are decimal ASCII. */
    ENTRY_OP_LEASE_GRANT = 6,      /* ttl_seconds */
    ENTRY_OP_LEASE_REVOKE = 7,     /* id */
    ENTRY_OP_LEASE_EXPIRE = 8,     /* id [id ...] (the leader's clock) */
    ENTRY_OP_LEASE_CHECKPOINT = 9, /* id remaining_ms [id remaining_ms ...] */
    ENTRY_OP_LEASE_KEEPALIVE = 10, /* id */
    ENTRY_OP_CAMPAIGN = 11,        /* name value LEASE id [NOWAIT] */
    ENTRY_OP_RESIGN = 12,          /* name token */
    ENTRY_OP_WITHDRAW = 13,        /* name lease */
    ENTRY_OP_FENCE = 14,           /* name token command [arg ...] */
    ENTRY_OP_REVISION_FLOOR = 15,  /* revision */
    /* Version 3: auto-scaling (fsm/scaling_ops.c): clients' commands... */
    ENTRY_OP_GROUP_CREATE = 16,       /* name option value ... */
    ENTRY_OP_GROUP_UPDATE = 17,       /* name option value ... */
    ENTRY_OP_GROUP_DELETE = 18,       /* name [FORCE] */
    ENTRY_OP_GROUP_SETDESIRED = 19,   /* name n [HONORCOOLDOWN] */
    ENTRY_OP_INSTANCE_SETHEALTH = 20, /* id Healthy|Unhealthy */
    ENTRY_OP_INSTANCE_PROTECT = 21,   /* id 0|1 */
    ENTRY_OP_INSTANCE_TERMINATE = 22, /* id DECREMENT 0|1 */
    ENTRY_OP_INSTANCE_ATTACH = 23,    /* group zone address */
    ENTRY_OP_INSTANCE_DETACH = 24,    /* id DECREMENT 0|1 */
    ENTRY_OP_INSTANCE_STANDBY = 25,   /* id DECREMENT 0|1 */
    ENTRY_OP_INSTANCE_RESUME = 26,    /* id */
    ENTRY_OP_ACTIVITY_COMPLETE = 27,  /* id token status [details] */
    /* ...and the leader's controller, each with the raft term it was
     * decided in (refused once a later controller has claimed). */
    ENTRY_OP_CTRL_CLAIM = 28,  /* term node */
    ENTRY_OP_CTRL_START = 29,  /* term group kind target replace cause */
    ENTRY_OP_CTRL_ORDER = 30,  /* term activity */
    ENTRY_OP_CTRL_FINISH = 31, /* term activity token status details */
    ENTRY_OP_CTRL_HEALTH = 32, /* term instance */
    ENTRY_OP_CTRL_REMOVE = 33, /* term group */
};

struct entry_header {
    uint8_t version;
    uint64_t origin;
    uint64_t batch;
    uint64_t time_ms; /* 0 in version 1 and 2 entries */
    uint32_t n_cmds;
};

struct entry_cmd {
    uint8_t op;
    size_t argc;
    struct slice *argv; /* points into the entry bytes; array owned by the
                           entry_reader */
};

/* Builds one entry in memory. */
struct entry_writer {
    struct buf buf; /* owned */
    uint32_t n_cmds;
};

void entry_writer_init(struct entry_writer *w, uint64_t origin, uint64_t batch);
void entry_writer_close(struct entry_writer *w);

void entry_writer_add(struct entry_writer *w,
                      uint8_t op,
                      size_t argc,
                      const struct slice *argv);

/* Patch the command count and the time (@time_ms, the proposer's wall
 * clock) and pad; w->buf then holds the finished entry. */
void entry_writer_finish(struct entry_writer *w, uint64_t time_ms);

/* Walks the commands of one entry without copying. */
struct entry_reader {
    struct reader r;
    struct entry_header header;
    uint32_t next;      /* index of the next command */
    struct slice *argv; /* owned scratch for entry_cmd.argv */
    size_t argv_cap;
};

/* Read the header. Returns 0, or SK_ECORRUPT if the bytes are too short or the
 * version is unknown (then call entry_reader_close() all the same). */
int entry_reader_open(struct entry_reader *er, const void *data, size_t len);

/* Decode the next command into @cmd (valid until the next call). Returns 1,
 * 0 after the last command, or SK_ECORRUPT. */
int entry_reader_next(struct entry_reader *er, struct entry_cmd *cmd);

void entry_reader_close(struct entry_reader *er);

/* Check a whole entry: header, every command, no trailing bytes, each op
 * known to the entry's version. Returns 0 or SK_ECORRUPT. */
int entry_validate(const void *data, size_t len);

#endif
