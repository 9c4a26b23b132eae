/* CLI output: turns a server reply into human text or one JSON document.
 * scalekeeper.c sends the command; the renderers here only format. */
#ifndef SK_OUTPUT_H
#define SK_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include <hiredis/hiredis.h>

/* The CLI's exit codes (docs/cli.md lists them; --help too). */
enum cli_exit {
    CLI_EXIT_OK = 0,          /* success */
    CLI_EXIT_REPLY = 1,       /* the server replied with an error */
    CLI_EXIT_USAGE = 2,       /* bad options or arguments */
    CLI_EXIT_UNREACHABLE = 3, /* no endpoint could be reached */
    CLI_EXIT_NOTFOUND = 4,    /* get/rev: the key does not exist */
    CLI_EXIT_CONFLICT = 5     /* txn: a condition or watched key failed */
};

enum output_format {
    OUTPUT_HUMAN,
    OUTPUT_JSON
};

struct output {
    FILE *out; /* results; not owned */
    FILE *err; /* diagnostics; not owned */
    enum output_format format;
};

/* Render @r, the reply to one subcommand, on o->out.
 *
 * @key is the subcommand's first argument (the key for get/set/cas/rev), or
 * NULL when it has none. @r is never an error reply: the caller reports
 * those. Returns CLI_EXIT_OK, CLI_EXIT_NOTFOUND (nothing written on o->out),
 * or CLI_EXIT_REPLY when the reply has a shape the command cannot have (a
 * message goes to o->err). */
typedef int (*output_render_fn)(const struct output *o,
                                const char *key,
                                const redisReply *r);

int output_ping(const struct output *o, const char *key, const redisReply *r);
int output_leader(const struct output *o, const char *key, const redisReply *r);
int output_members(const struct output *o,
                   const char *key,
                   const redisReply *r);
int output_info(const struct output *o, const char *key, const redisReply *r);
int output_get(const struct output *o, const char *key, const redisReply *r);
int output_set(const struct output *o, const char *key, const redisReply *r);
int output_del(const struct output *o, const char *key, const redisReply *r);
int output_cas(const struct output *o, const char *key, const redisReply *r);
int output_keys(const struct output *o, const char *key, const redisReply *r);
int output_rev(const struct output *o, const char *key, const redisReply *r);

/* Report a reply @command cannot produce (a server of another kind or
 * version) on o->err; returns CLI_EXIT_REPLY. */
int output_unexpected(const struct output *o,
                      const char *command,
                      const redisReply *r);

/* Leases (cli/output_coord.c). */
int output_lease_grant(const struct output *o,
                       const char *key,
                       const redisReply *r);
int output_lease_revoke(const struct output *o,
                        const char *key,
                        const redisReply *r);
int output_lease_ttl(const struct output *o,
                     const char *key,
                     const redisReply *r);
int output_lease_list(const struct output *o,
                      const char *key,
                      const redisReply *r);

/* Auto-scaling (cli/output_scaling.c): +OK, records, tables. */
int output_ok(const struct output *o, const char *key, const redisReply *r);
int output_group(const struct output *o, const char *key, const redisReply *r);
int output_groups(const struct output *o, const char *key, const redisReply *r);
int output_instance(const struct output *o,
                    const char *key,
                    const redisReply *r);
int output_instances(const struct output *o,
                     const char *key,
                     const redisReply *r);
int output_activity(const struct output *o,
                    const char *key,
                    const redisReply *r);
int output_activities(const struct output *o,
                      const char *key,
                      const redisReply *r);
int output_attached(const struct output *o,
                    const char *key,
                    const redisReply *r);
int output_heartbeat(const struct output *o,
                     const char *key,
                     const redisReply *r);
int output_explain(const struct output *o,
                   const char *key,
                   const redisReply *r);

/* One change event, progress message or election leader message of a push
 * stream (KEYWATCH, ELECTION.OBSERVE), as one line. Returns CLI_EXIT_OK, or
 * CLI_EXIT_REPLY for a message of another shape. */
int output_push(const struct output *o, const redisReply *r);

/* Any reply, for commands the CLI does not know (txn): human text in
 * redis-cli's style, or JSON (a status or bulk string as a string, an
 * integer as a number, nil as null, an array as an array, an error as
 * {"error": text}). */
void output_reply(const struct output *o, const redisReply *r);

/* The same as json_string() in cli/json.h, which states the escaping. */
void output_json_string(FILE *f, const char *s, size_t len);

#endif
