/* scalekeeperd settings, the values: what kind of value each option takes,
 * parsing and checking one value, and the checks that span several options.
 * Private to src/daemon/config*.c. */
#ifndef SK_CONFIG_VALUE_H
#define SK_CONFIG_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/config.h"
#include "lib/err.h"

#define CONFIG_KIB 1024ULL
#define CONFIG_MIB (1024ULL * 1024)

enum config_opt_kind {
    CONFIG_OPT_ID,        /* uint64_t, a node id >= 1 */
    CONFIG_OPT_UINT,      /* unsigned within [min, max] */
    CONFIG_OPT_SIZE,      /* size_t within [min, max] */
    CONFIG_OPT_STRING,    /* char *, non-empty */
    CONFIG_OPT_ZONE,      /* char *, a short name */
    CONFIG_OPT_ADDRESS,   /* char *, HOST:PORT */
    CONFIG_OPT_BOOTSTRAP, /* struct config_peer[], ID=HOST:PORT,... */
    CONFIG_OPT_LOG_LEVEL, /* char *, a level log_level_parse() accepts */
    CONFIG_OPT_NOTIFY,    /* char *, notify-keyspace-events classes */
    CONFIG_OPT_ACTUATOR,  /* struct config_actuator[], appended to */
};

/* One row of the option table (config.c), which drives the command-line
 * flags, the INI file keys, --help and validation. */
struct config_opt {
    const char *name;          /* the flag without "--", and the INI key */
    enum config_opt_kind kind; /* how to parse and store the value */
    size_t offset;             /* of the field in struct config */
    uint64_t min, max;         /* range of numeric kinds */
    const char *arg;           /* the value's placeholder in --help */
    const char *meaning;       /* one line for --help */
    const char *fixed_default; /* --help's default when not the field's */
    const char *heading;       /* non-NULL: --help starts a group here */
};

/* Where a value came from, for messages: a flag, or a file and line. */
struct config_origin {
    const char *file; /* NULL for a flag */
    int line;
    const char *name; /* as the user spelled it: "--id" or "id" */
};

/* Format a message into @errmsg and return SK_EINVAL, so that callers can
 * write "return config_value_fail(errmsg, ...);". */
__attribute__((format(printf, 2, 3))) int
config_value_fail(char errmsg[SK_ERRMSG_SIZE], const char *fmt, ...);

/* Parse @value for @opt and store it in @c, freeing any earlier value.
 * Returns 0, or SK_EINVAL with a message in @errmsg naming the option as
 * @o says, prefixed with "FILE:LINE: " when it came from a file; on error @c
 * is unchanged. */
int config_value_set(struct config *c,
                     const struct config_opt *opt,
                     const char *value,
                     const struct config_origin *o,
                     char errmsg[SK_ERRMSG_SIZE]);

/* Check what no single option can: that the required options are set, and
 * the relations between options (--bootstrap lists this node at its --raft
 * address, the heartbeat is shorter than the election timeout, ...).
 * Returns 0, or SK_EINVAL with a message in @errmsg. */
int config_value_validate(const struct config *c, char errmsg[SK_ERRMSG_SIZE]);

/* Free @n actuators, then the array (which may be NULL). */
void config_value_actuators_free(struct config_actuator *a, size_t n);

/* Free the addresses of @n peers, then @peers itself (which may be NULL). */
void config_value_peers_free(struct config_peer *peers, size_t n);

#endif
