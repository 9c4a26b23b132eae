/* Error codes shared by every module, with the RESP prefix a client sees. */
#ifndef SK_ERR_H
#define SK_ERR_H

#define SK_ERRMSG_SIZE 256

/* X(name, number, resp_prefix, message): numbers are stable, they appear in
 * logs and tests. */
#define SK_ERR_MAP(X)                                                        \
    X(ENOMEM, 1, "ERR", "out of memory")                                     \
    X(EIO, 2, "ERR", "I/O error")                                            \
    X(EPROTO, 3, "ERR", "Protocol error")                                    \
    X(ETOOBIG, 4, "ERR", "request exceeds a configured limit")               \
    X(ECANCELED, 5, "UNCERTAIN", "node shutting down; outcome unknown")      \
    X(ENOTLEADER, 6, "NOTLEADER", "this node is not the leader")             \
    X(EUNCERTAIN, 7, "UNCERTAIN",                                            \
      "leadership lost before commit; outcome unknown")                      \
    X(ENOLEADER, 8, "NOLEADER", "no leader is known; try again later")       \
    X(EINVAL, 9, "ERR", "invalid argument")                                  \
    X(ECORRUPT, 10, "ERR", "corrupt or unsupported data")                    \
    X(ERETRY, 11, "TRYAGAIN",                                                \
      "leadership changed before the request was served; not applied, safe " \
      "to retry")                                                            \
    X(ESHUTDOWN, 12, "ERR", "node shutting down")                            \
    X(ENOLEASE, 13, "NOLEASE", "lease not found (expired or revoked)")

enum sk_err {
#define X(name, num, prefix, msg) SK_##name = -(num),
    SK_ERR_MAP(X)
#undef X
};

/* The message for @rv, "unknown error" if it is not an SK_E* code. */
const char *sk_strerror(int rv);

/* The first word of the RESP error reply for @rv, e.g. "NOTLEADER". */
const char *sk_errprefix(int rv);

#endif
