/* The log entry format (proto/ENTRY.md): a batch of commands encoded by the
 * proposer and decoded by every node's fsm. Decoding trusts nothing: the
 * bytes come from disk and peers. */
#include "fsm/entry.h"

#include <assert.h>
#include <stdbool.h>

#include "lib/err.h"
#include "lib/mem.h"

/* Where the u64 time and the u32 command count sit in a version 3 header:
 * after u8 version, u64 origin, u64 batch. */
#define ENTRY_TIME_OFFSET   17
#define ENTRY_N_CMDS_OFFSET 25

/* The smallest encoded argument: its u32 length. */
#define ENTRY_MIN_ARG_BYTES 4

void entry_writer_init(struct entry_writer *w, uint64_t origin, uint64_t batch)
{
    buf_init(&w->buf);
    w->n_cmds = 0;
    buf_put_u8(&w->buf, ENTRY_VERSION);
    buf_put_u64(&w->buf, origin);
    buf_put_u64(&w->buf, batch);
    buf_put_u64(&w->buf, 0); /* time and count: entry_writer_finish() */
    buf_put_u32(&w->buf, 0);
}

void entry_writer_close(struct entry_writer *w)
{
    buf_close(&w->buf);
    w->n_cmds = 0;
}

void entry_writer_add(struct entry_writer *w,
                      uint8_t op,
                      size_t argc,
                      const struct slice *argv)
{
    /* Request limits keep argc and lengths far below 2^32. */
    assert(argc <= UINT32_MAX);
    assert(w->n_cmds < UINT32_MAX);
    buf_put_u8(&w->buf, op);
    buf_put_u32(&w->buf, (uint32_t)argc);
    for (size_t i = 0; i < argc; i++) {
        assert(argv[i].len <= UINT32_MAX);
        buf_put_bytes(&w->buf, argv[i].base, argv[i].len);
    }
    w->n_cmds++;
}

void entry_writer_finish(struct entry_writer *w, uint64_t time_ms)
{
    uint8_t *t = (uint8_t *)w->buf.base + ENTRY_TIME_OFFSET;
    uint8_t *p = (uint8_t *)w->buf.base + ENTRY_N_CMDS_OFFSET;

    assert(w->buf.len >= ENTRY_N_CMDS_OFFSET + 4);
    for (int i = 0; i < 8; i++) {
        t[i] = (uint8_t)(time_ms >> (56 - 8 * i));
    }
    p[0] = (uint8_t)(w->n_cmds >> 24);
    p[1] = (uint8_t)(w->n_cmds >> 16);
    p[2] = (uint8_t)(w->n_cmds >> 8);
    p[3] = (uint8_t)w->n_cmds;
    while (w->buf.len % ENTRY_ALIGN != 0) {
        buf_put_u8(&w->buf, 0);
    }
}

int entry_reader_open(struct entry_reader *er, const void *data, size_t len)
{
    struct entry_header *h = &er->header;

    er->next = 0;
    er->argv = NULL;
    er->argv_cap = 0;
    reader_init(&er->r, data, len);
    h->version = reader_u8(&er->r);
    h->origin = reader_u64(&er->r);
    h->batch = reader_u64(&er->r);
    h->time_ms = h->version >= 3 ? reader_u64(&er->r) : 0;
    h->n_cmds = reader_u32(&er->r);
    if (er->r.failed || h->version < ENTRY_VERSION_MIN ||
        h->version > ENTRY_VERSION) {
        er->r.failed = 1;
        return SK_ECORRUPT;
    }
    return 0;
}

int entry_reader_next(struct entry_reader *er, struct entry_cmd *cmd)
{
    uint8_t op;
    uint32_t argc;

    if (er->r.failed) {
        return SK_ECORRUPT;
    }
    if (er->next == er->header.n_cmds) {
        return 0;
    }
    op = reader_u8(&er->r);
    argc = reader_u32(&er->r);
    /* Bound argc by the bytes present before allocating for it. */
    if (er->r.failed || argc > er->r.left / ENTRY_MIN_ARG_BYTES) {
        er->r.failed = 1;
        return SK_ECORRUPT;
    }
    if (argc > er->argv_cap) {
        er->argv = mem_realloc(er->argv, argc * sizeof *er->argv);
        er->argv_cap = argc;
    }
    for (uint32_t i = 0; i < argc; i++) {
        reader_bytes(&er->r, &er->argv[i].base, &er->argv[i].len);
    }
    if (er->r.failed) {
        return SK_ECORRUPT;
    }
    cmd->op = op;
    cmd->argc = argc;
    cmd->argv = er->argv;
    er->next++;
    return 1;
}

void entry_reader_close(struct entry_reader *er)
{
    mem_free(er->argv);
    er->argv = NULL;
    er->argv_cap = 0;
}

static bool op_known(uint8_t version, uint8_t op)
{
    switch (op) {
    case ENTRY_OP_SET:
    case ENTRY_OP_DEL:
    case ENTRY_OP_CAS:
    case ENTRY_OP_MEMBER:
    case ENTRY_OP_TXN:
        return true;
    case ENTRY_OP_LEASE_GRANT:
    case ENTRY_OP_LEASE_REVOKE:
    case ENTRY_OP_LEASE_EXPIRE:
    case ENTRY_OP_LEASE_CHECKPOINT:
    case ENTRY_OP_LEASE_KEEPALIVE:
    case ENTRY_OP_CAMPAIGN:
    case ENTRY_OP_RESIGN:
    case ENTRY_OP_WITHDRAW:
    case ENTRY_OP_FENCE:
    case ENTRY_OP_REVISION_FLOOR:
        return version >= 2;
    default:
        return version >= 3 && op >= ENTRY_OP_GROUP_CREATE &&
               op <= ENTRY_OP_CTRL_REMOVE;
    }
}

int entry_validate(const void *data, size_t len)
{
    struct entry_reader er;
    struct entry_cmd cmd;
    int rv;

    rv = entry_reader_open(&er, data, len);
    while (rv == 0 && (rv = entry_reader_next(&er, &cmd)) == 1) {
        rv = op_known(er.header.version, cmd.op) ? 0 : SK_ECORRUPT;
    }
    /* The raft library wants entry lengths in multiples of 8: the writer
     * pads with up to 7 zero bytes, anything else trailing is corrupt. */
    if (rv == 0 && er.r.left >= ENTRY_ALIGN) {
        rv = SK_ECORRUPT;
    }
    for (size_t i = 0; rv == 0 && i < er.r.left; i++) {
        if (er.r.p[i] != 0) {
            rv = SK_ECORRUPT;
        }
    }
    entry_reader_close(&er);
    return rv;
}
