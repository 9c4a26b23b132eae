/* CLI output: human text or one compact JSON document per command, written
 * from a hiredis reply whose shape is checked first. No I/O but the FILEs. */
#include "cli/output.h"

#include <stdlib.h>
#include <string.h>

#include "cli/json.h"
#include "cli/table.h"

static const struct column member_columns[] = {
    { "ID", "id", COLUMN_TEXT },
    { "ZONE", "zone", COLUMN_TEXT },
    { "ROLE", "role", COLUMN_TEXT },
    { "LEADER", "leader", COLUMN_FLAG },
    { "REACHABLE", "reachable", COLUMN_FLAG },
    { "RAFT", "raft_address", COLUMN_TEXT },
    { "CLIENT", "client_address", COLUMN_TEXT },
};

static const char *const member_numbers[] = { "id", NULL };
static const char *const member_flags[] = { "reachable", "leader", NULL };

/* --- Reply shapes ------------------------------------------------------- */

static const char *reply_type_name(int type)
{
    switch (type) {
    case REDIS_REPLY_STRING:
        return "bulk string";
    case REDIS_REPLY_ARRAY:
        return "array";
    case REDIS_REPLY_INTEGER:
        return "integer";
    case REDIS_REPLY_NIL:
        return "nil";
    case REDIS_REPLY_STATUS:
        return "status";
    case REDIS_REPLY_ERROR:
        return "error";
    default:
        return "unknown";
    }
}

int output_unexpected(const struct output *o,
                      const char *command,
                      const redisReply *r)
{
    fprintf(o->err, "error: unexpected reply to %s: %s", command,
            reply_type_name(r->type));
    if (r->type == REDIS_REPLY_ARRAY) {
        fprintf(o->err, " of %zu elements", r->elements);
    }
    fputc('\n', o->err);
    return CLI_EXIT_REPLY;
}

static int is_type(const redisReply *r, int type)
{
    return r != NULL && r->type == type;
}

/* An array of @n elements whose types are given by @types. */
static int is_tuple(const redisReply *r, const int *types, size_t n)
{
    if (!is_type(r, REDIS_REPLY_ARRAY) || r->elements != n) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_type(r->element[i], types[i])) {
            return 0;
        }
    }
    return 1;
}

/* Whether the bulk string @s is exactly @word. */
static int str_is(const redisReply *s, const char *word)
{
    size_t n = strlen(word);

    return s->len == n && memcmp(s->str, word, n) == 0;
}

static int not_found(const struct output *o, const char *key)
{
    fprintf(o->err, "not found: %s\n", key);
    return CLI_EXIT_NOTFOUND;
}

void output_json_string(FILE *f, const char *s, size_t len)
{
    json_string(f, s, len);
}

/* --- Renderers ---------------------------------------------------------- */

int output_ping(const struct output *o, const char *key, const redisReply *r)
{
    if (!is_type(r, REDIS_REPLY_STATUS) && !is_type(r, REDIS_REPLY_STRING)) {
        return output_unexpected(o, "PING", r);
    }
    if (o->format == OUTPUT_JSON) {
        fputc('{', o->out);
        json_key(o->out, "reply");
        json_string(o->out, r->str, r->len);
        fputs("}\n", o->out);
    } else {
        fwrite(r->str, 1, r->len, o->out);
        fputc('\n', o->out);
    }
    return CLI_EXIT_OK;
}

int output_leader(const struct output *o, const char *key, const redisReply *r)
{
    static const int shape[] = { REDIS_REPLY_INTEGER, REDIS_REPLY_STRING,
                                 REDIS_REPLY_STRING, REDIS_REPLY_STRING };
    static const char *names[] = { "raft_address", "client_address", "zone" };

    if (!is_tuple(r, shape, 4)) {
        return output_unexpected(o, "LEADER", r);
    }
    if (o->format == OUTPUT_JSON) {
        fprintf(o->out, "{\"id\":%lld", r->element[0]->integer);
        for (size_t i = 0; i < 3; i++) {
            const redisReply *v = r->element[i + 1];
            fputc(',', o->out);
            json_key(o->out, names[i]);
            json_string(o->out, v->str, v->len);
        }
        fputs("}\n", o->out);
        return CLI_EXIT_OK;
    }
    fprintf(o->out, "id: %lld\n", r->element[0]->integer);
    for (size_t i = 0; i < 3; i++) {
        const redisReply *v = r->element[i + 1];
        fprintf(o->out, "%s: %.*s\n", names[i], (int)v->len, v->str);
    }
    return CLI_EXIT_OK;
}

int output_members(const struct output *o, const char *key, const redisReply *r)
{
    static const struct record_types types = { member_numbers, member_flags };

    (void)key;
    if (!record_list_is(r)) {
        return output_unexpected(o, "MEMBERS", r);
    }
    if (o->format == OUTPUT_HUMAN) {
        table_print(o->out, r, member_columns,
                    sizeof member_columns / sizeof member_columns[0]);
        return CLI_EXIT_OK;
    }
    fputs("{\"members\":[", o->out);
    for (size_t i = 0; i < r->elements; i++) {
        fputs(i > 0 ? "," : "", o->out);
        record_json(o->out, r->element[i], &types);
    }
    fputs("]}\n", o->out);
    return CLI_EXIT_OK;
}

/* State of the INFO text to JSON conversion. */
struct info_json {
    FILE *f;
    int n_sections;
    int n_fields; /* in the open section */
};

static void info_open_section(struct info_json *j, const char *name, size_t n)
{
    fputs(j->n_sections > 0 ? "}," : "", j->f);
    fputc('"', j->f);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        c = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        json_escape_byte(j->f, (unsigned char)c);
    }
    fputs("\":{", j->f);
    j->n_sections++;
    j->n_fields = 0;
}

/* One line of INFO text (no line terminator): "# Section", "key:value" or
 * anything else, which is skipped. */
static void info_line(struct info_json *j, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);

    if (len > 0 && line[0] == '#') {
        size_t skip = 1;
        while (skip < len && line[skip] == ' ') {
            skip++;
        }
        info_open_section(j, line + skip, len - skip);
        return;
    }
    if (colon == NULL) {
        return;
    }
    if (j->n_sections == 0) {
        info_open_section(j, "general", 7);
    }
    fputs(j->n_fields > 0 ? "," : "", j->f);
    json_string(j->f, line, (size_t)(colon - line));
    fputc(':', j->f);
    json_string(j->f, colon + 1, len - (size_t)(colon - line) - 1);
    j->n_fields++;
}

/* Call @fn for each line of @s, with "\r\n" or "\n" terminators removed. */
static void for_each_line(const char *s,
                          size_t len,
                          void (*fn)(void *, const char *, size_t),
                          void *arg)
{
    size_t start = 0;

    while (start < len) {
        const char *nl = memchr(s + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - s) : len;
        size_t n = end - start;
        if (n > 0 && s[start + n - 1] == '\r') {
            n--;
        }
        fn(arg, s + start, n);
        start = end + 1;
    }
}

static void info_json_line(void *arg, const char *line, size_t len)
{
    info_line(arg, line, len);
}

static void info_human_line(void *arg, const char *line, size_t len)
{
    FILE *f = arg;

    fwrite(line, 1, len, f);
    fputc('\n', f);
}

int output_info(const struct output *o, const char *key, const redisReply *r)
{
    struct info_json j = { o->out, 0, 0 };

    if (!is_type(r, REDIS_REPLY_STRING)) {
        return output_unexpected(o, "INFO", r);
    }
    if (o->format == OUTPUT_HUMAN) {
        for_each_line(r->str, r->len, info_human_line, o->out);
        return CLI_EXIT_OK;
    }
    fputc('{', o->out);
    for_each_line(r->str, r->len, info_json_line, &j);
    fputs(j.n_sections > 0 ? "}}\n" : "}\n", o->out);
    return CLI_EXIT_OK;
}

int output_get(const struct output *o, const char *key, const redisReply *r)
{
    if (is_type(r, REDIS_REPLY_NIL)) {
        return not_found(o, key);
    }
    if (!is_type(r, REDIS_REPLY_STRING)) {
        return output_unexpected(o, "GET", r);
    }
    if (o->format == OUTPUT_JSON) {
        fputc('{', o->out);
        json_key(o->out, "key");
        json_cstring(o->out, key);
        fputc(',', o->out);
        json_key(o->out, "value");
        json_string(o->out, r->str, r->len);
        fputs("}\n", o->out);
    } else {
        fwrite(r->str, 1, r->len, o->out);
        fputc('\n', o->out);
    }
    return CLI_EXIT_OK;
}

int output_set(const struct output *o, const char *key, const redisReply *r)
{
    if (!is_type(r, REDIS_REPLY_STATUS) || !str_is(r, "OK")) {
        return output_unexpected(o, "SET", r);
    }
    if (o->format == OUTPUT_JSON) {
        fputc('{', o->out);
        json_key(o->out, "key");
        json_cstring(o->out, key);
        fputs(",\"ok\":true}\n", o->out);
    } else {
        fputs("OK\n", o->out);
    }
    return CLI_EXIT_OK;
}

int output_del(const struct output *o, const char *key, const redisReply *r)
{
    if (!is_type(r, REDIS_REPLY_INTEGER)) {
        return output_unexpected(o, "DEL", r);
    }
    if (o->format == OUTPUT_JSON) {
        fprintf(o->out, "{\"deleted\":%lld}\n", r->integer);
    } else {
        fprintf(o->out, "%lld\n", r->integer);
    }
    return CLI_EXIT_OK;
}

int output_cas(const struct output *o, const char *key, const redisReply *r)
{
    int replaced;

    if (!is_type(r, REDIS_REPLY_INTEGER) || r->integer < 0 || r->integer > 1) {
        return output_unexpected(o, "CAS", r);
    }
    replaced = (r->integer == 1);
    if (o->format == OUTPUT_JSON) {
        fputc('{', o->out);
        json_key(o->out, "key");
        json_cstring(o->out, key);
        fprintf(o->out, ",\"replaced\":%s}\n", replaced ? "true" : "false");
    } else {
        fputs(replaced ? "replaced\n"
                       : "not replaced (value differs or key absent)\n",
              o->out);
    }
    return CLI_EXIT_OK;
}

int output_keys(const struct output *o, const char *key, const redisReply *r)
{
    if (!is_type(r, REDIS_REPLY_ARRAY)) {
        return output_unexpected(o, "KEYS", r);
    }
    for (size_t i = 0; i < r->elements; i++) {
        if (!is_type(r->element[i], REDIS_REPLY_STRING)) {
            return output_unexpected(o, "KEYS", r);
        }
    }
    if (o->format == OUTPUT_JSON) {
        fputs("{\"keys\":[", o->out);
    }
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *k = r->element[i];
        if (o->format == OUTPUT_JSON) {
            fputs(i > 0 ? "," : "", o->out);
            json_string(o->out, k->str, k->len);
        } else {
            fwrite(k->str, 1, k->len, o->out);
            fputc('\n', o->out);
        }
    }
    if (o->format == OUTPUT_JSON) {
        fputs("]}\n", o->out);
    }
    return CLI_EXIT_OK;
}

int output_rev(const struct output *o, const char *key, const redisReply *r)
{
    static const int shape[] = { REDIS_REPLY_STRING, REDIS_REPLY_INTEGER,
                                 REDIS_REPLY_INTEGER, REDIS_REPLY_INTEGER };
    static const char *names[] = { "create_revision", "mod_revision",
                                   "version" };

    if (is_type(r, REDIS_REPLY_NIL)) {
        return not_found(o, key);
    }
    if (!is_tuple(r, shape, 4)) {
        return output_unexpected(o, "GETREV", r);
    }
    if (o->format == OUTPUT_JSON) {
        fputc('{', o->out);
        json_key(o->out, "key");
        json_cstring(o->out, key);
        fputc(',', o->out);
        json_key(o->out, "value");
        json_string(o->out, r->element[0]->str, r->element[0]->len);
        for (size_t i = 0; i < 3; i++) {
            fprintf(o->out, ",\"%s\":%lld", names[i],
                    r->element[i + 1]->integer);
        }
        fputs("}\n", o->out);
        return CLI_EXIT_OK;
    }
    fputs("value: ", o->out);
    fwrite(r->element[0]->str, 1, r->element[0]->len, o->out);
    fputc('\n', o->out);
    for (size_t i = 0; i < 3; i++) {
        fprintf(o->out, "%s: %lld\n", names[i], r->element[i + 1]->integer);
    }
    return CLI_EXIT_OK;
}
