/* CLI output for the coordination commands: leases, push streams (KEYWATCH
 * events, progress, election leaders) and any reply of a transaction. */
#include <string.h>

#include "cli/output.h"

static int is_int(const redisReply *r)
{
    return r != NULL && r->type == REDIS_REPLY_INTEGER;
}

static int is_str(const redisReply *r)
{
    return r != NULL && r->type == REDIS_REPLY_STRING;
}

int output_lease_grant(const struct output *o,
                       const char *key,
                       const redisReply *r)
{
    (void)key;
    if (!is_int(r)) {
        return output_unexpected(o, "LEASE.GRANT", r);
    }
    if (o->format == OUTPUT_JSON) {
        fprintf(o->out, "{\"id\":%lld}\n", r->integer);
    } else {
        fprintf(o->out, "%lld\n", r->integer);
    }
    return CLI_EXIT_OK;
}

int output_lease_revoke(const struct output *o,
                        const char *key,
                        const redisReply *r)
{
    (void)key;
    if (!is_int(r)) {
        return output_unexpected(o, "LEASE.REVOKE", r);
    }
    if (o->format == OUTPUT_JSON) {
        fprintf(o->out, "{\"revoked\":true,\"keys_deleted\":%lld}\n",
                r->integer);
    } else {
        fprintf(o->out, "revoked; %lld keys deleted\n", r->integer);
    }
    return CLI_EXIT_OK;
}

/* LEASE.TTL's field/value array: id granted_ttl ttl ttl_ms n_keys keys. */
int output_lease_ttl(const struct output *o,
                     const char *key,
                     const redisReply *r)
{
    const redisReply *keys;

    (void)key;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 12 ||
        !is_int(r->element[1]) || !is_int(r->element[3]) ||
        !is_int(r->element[5]) || !is_int(r->element[7]) ||
        !is_int(r->element[9]) || r->element[11]->type != REDIS_REPLY_ARRAY) {
        return output_unexpected(o, "LEASE.TTL", r);
    }
    keys = r->element[11];
    if (o->format == OUTPUT_JSON) {
        fprintf(o->out,
                "{\"id\":%lld,\"granted_ttl\":%lld,\"ttl\":%lld,"
                "\"ttl_ms\":%lld,\"n_keys\":%lld,\"keys\":[",
                r->element[1]->integer, r->element[3]->integer,
                r->element[5]->integer, r->element[7]->integer,
                r->element[9]->integer);
        for (size_t i = 0; i < keys->elements; i++) {
            fputs(i > 0 ? "," : "", o->out);
            output_json_string(o->out, keys->element[i]->str,
                               keys->element[i]->len);
        }
        fputs("]}\n", o->out);
        return CLI_EXIT_OK;
    }
    fprintf(o->out, "id: %lld\ngranted_ttl: %lld\nttl: %lld\nkeys: %lld\n",
            r->element[1]->integer, r->element[3]->integer,
            r->element[5]->integer, r->element[9]->integer);
    for (size_t i = 0; i < keys->elements; i++) {
        fprintf(o->out, "  %.*s\n", (int)keys->element[i]->len,
                keys->element[i]->str);
    }
    return CLI_EXIT_OK;
}

int output_lease_list(const struct output *o,
                      const char *key,
                      const redisReply *r)
{
    (void)key;
    if (r->type != REDIS_REPLY_ARRAY) {
        return output_unexpected(o, "LEASE.LIST", r);
    }
    if (o->format == OUTPUT_JSON) {
        fputs("{\"leases\":[", o->out);
    }
    for (size_t i = 0; i < r->elements; i++) {
        if (!is_int(r->element[i])) {
            return output_unexpected(o, "LEASE.LIST", r);
        }
        if (o->format == OUTPUT_JSON) {
            fprintf(o->out, "%s%lld", i > 0 ? "," : "", r->element[i]->integer);
        } else {
            fprintf(o->out, "%lld\n", r->element[i]->integer);
        }
    }
    if (o->format == OUTPUT_JSON) {
        fputs("]}\n", o->out);
    }
    return CLI_EXIT_OK;
}

static void json_field(FILE *f, const char *name, const redisReply *s)
{
    fprintf(f, ",\"%s\":", name);
    if (is_str(s)) {
        output_json_string(f, s->str, s->len);
    } else {
        fputs("null", f);
    }
}

/* [type, key, value|nil, create_rev, mod_rev, prefix] */
static int push_event(const struct output *o, const redisReply *r)
{
    const redisReply *type = r->element[0];
    const redisReply *k = r->element[1];
    const redisReply *v = r->element[2];

    if (r->elements != 6 || !is_str(k) || !is_int(r->element[3]) ||
        !is_int(r->element[4])) {
        return output_unexpected(o, "KEYWATCH", r);
    }
    if (o->format == OUTPUT_JSON) {
        fputs("{\"type\":", o->out);
        output_json_string(o->out, type->str, type->len);
        json_field(o->out, "key", k);
        json_field(o->out, "value", v);
        fprintf(o->out, ",\"create_revision\":%lld,\"mod_revision\":%lld}\n",
                r->element[3]->integer, r->element[4]->integer);
        return CLI_EXIT_OK;
    }
    fprintf(o->out, "%-6.*s %.*s", (int)type->len, type->str, (int)k->len,
            k->str);
    if (is_str(v)) {
        fprintf(o->out, " = %.*s", (int)v->len, v->str);
    }
    fprintf(o->out, "  (revision %lld)\n", r->element[4]->integer);
    return CLI_EXIT_OK;
}

/* ["leader", name, value|nil, token, lease] */
static int push_leader(const struct output *o, const redisReply *r)
{
    const redisReply *name = r->element[1];
    const redisReply *v = r->element[2];

    if (r->elements != 5 || !is_str(name) || !is_int(r->element[3]) ||
        !is_int(r->element[4])) {
        return output_unexpected(o, "ELECTION.OBSERVE", r);
    }
    if (o->format == OUTPUT_JSON) {
        fputs("{\"election\":", o->out);
        output_json_string(o->out, name->str, name->len);
        json_field(o->out, "leader", v);
        fprintf(o->out, ",\"token\":%lld,\"lease\":%lld}\n",
                r->element[3]->integer, r->element[4]->integer);
    } else if (is_str(v)) {
        fprintf(o->out, "%.*s: led by %.*s (token %lld)\n", (int)name->len,
                name->str, (int)v->len, v->str, r->element[3]->integer);
    } else {
        fprintf(o->out, "%.*s: no leader\n", (int)name->len, name->str);
    }
    return CLI_EXIT_OK;
}

int output_push(const struct output *o, const redisReply *r)
{
    const redisReply *kind;

    if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
        !is_str(r->element[0])) {
        return output_unexpected(o, "a push stream", r);
    }
    kind = r->element[0];
    if (strcmp(kind->str, "leader") == 0) {
        return push_leader(o, r);
    }
    if (strcmp(kind->str, "progress") == 0) {
        if (o->format == OUTPUT_JSON && is_int(r->element[2])) {
            fprintf(o->out, "{\"type\":\"progress\",\"revision\":%lld}\n",
                    r->element[2]->integer);
        }
        return CLI_EXIT_OK;
    }
    return push_event(o, r);
}

static void human_reply(FILE *f, const redisReply *r, int depth)
{
    switch (r->type) {
    case REDIS_REPLY_STATUS:
        fprintf(f, "%.*s\n", (int)r->len, r->str);
        break;
    case REDIS_REPLY_ERROR:
        fprintf(f, "(error) %.*s\n", (int)r->len, r->str);
        break;
    case REDIS_REPLY_INTEGER:
        fprintf(f, "(integer) %lld\n", r->integer);
        break;
    case REDIS_REPLY_STRING:
        fprintf(f, "\"%.*s\"\n", (int)r->len, r->str);
        break;
    case REDIS_REPLY_ARRAY:
        if (r->elements == 0) {
            fputs("(empty array)\n", f);
        }
        for (size_t i = 0; i < r->elements; i++) {
            fprintf(f, "%*s%zu) ", i > 0 ? 3 * depth : 0, "", i + 1);
            human_reply(f, r->element[i], depth + 1);
        }
        break;
    default:
        fputs("(nil)\n", f);
        break;
    }
}

static void json_reply(FILE *f, const redisReply *r)
{
    switch (r->type) {
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_STRING:
        output_json_string(f, r->str, r->len);
        break;
    case REDIS_REPLY_ERROR:
        fputs("{\"error\":", f);
        output_json_string(f, r->str, r->len);
        fputc('}', f);
        break;
    case REDIS_REPLY_INTEGER:
        fprintf(f, "%lld", r->integer);
        break;
    case REDIS_REPLY_ARRAY:
        fputc('[', f);
        for (size_t i = 0; i < r->elements; i++) {
            fputs(i > 0 ? "," : "", f);
            json_reply(f, r->element[i]);
        }
        fputc(']', f);
        break;
    default:
        fputs("null", f);
        break;
    }
}

void output_reply(const struct output *o, const redisReply *r)
{
    if (o->format == OUTPUT_JSON) {
        json_reply(o->out, r);
        fputc('\n', o->out);
    } else {
        human_reply(o->out, r, 0);
    }
}
