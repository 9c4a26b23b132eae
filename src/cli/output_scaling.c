/* CLI output for the auto-scaling commands: groups, instances and
 * activities as tables (human) or JSON objects with typed fields. */
#include <string.h>

#include "cli/json.h"
#include "cli/output.h"
#include "cli/table.h"

static const char *const group_numbers[] = { "min",
                                             "max",
                                             "desired",
                                             "cooldown",
                                             "grace",
                                             "heartbeat_ttl",
                                             "pending",
                                             "in_service",
                                             "standby",
                                             "terminating",
                                             "terminated",
                                             "detached",
                                             "unhealthy",
                                             "current_activity",
                                             "unfinished_activities",
                                             "activities_kept",
                                             "failures",
                                             NULL };
static const char *const group_flags[] = { "protect_new", "honor_cooldown",
                                           NULL };
static const char *const instance_numbers[] = { "activity", NULL };
static const char *const instance_flags[] = { "protected", "replacing", NULL };
static const char *const activity_numbers[] = {
    "id", "progress", "token", "attempts", "started_by", "ordered_by", NULL
};

static const struct record_types group_types = { group_numbers, group_flags };
static const struct record_types instance_types = { instance_numbers,
                                                    instance_flags };
static const struct record_types activity_types = { activity_numbers, NULL };

static const struct column group_columns[] = {
    { "NAME", "name", COLUMN_TEXT },
    { "STATUS", "status", COLUMN_TEXT },
    { "MIN", "min", COLUMN_TEXT },
    { "MAX", "max", COLUMN_TEXT },
    { "DESIRED", "desired", COLUMN_TEXT },
    { "INSERVICE", "in_service", COLUMN_TEXT },
    { "PENDING", "pending", COLUMN_TEXT },
    { "PER-ZONE", "per_zone", COLUMN_TEXT },
    { "ACTUATOR", "actuator", COLUMN_TEXT },
    { "ACTIVITY", "current_activity", COLUMN_ID },
};

static const struct column instance_columns[] = {
    { "ID", "id", COLUMN_TEXT },
    { "ZONE", "zone", COLUMN_TEXT },
    { "LIFECYCLE", "lifecycle", COLUMN_TEXT },
    { "HEALTH", "health", COLUMN_TEXT },
    { "SOURCE", "health_source", COLUMN_TEXT },
    { "PROTECTED", "protected", COLUMN_FLAG },
    { "ACTIVITY", "activity", COLUMN_ID },
    { "LAUNCHED", "launch_time", COLUMN_TEXT },
    { "ADDRESS", "address", COLUMN_TEXT },
};

static const struct column activity_columns[] = {
    { "ID", "id", COLUMN_TEXT },
    { "STATUS", "status", COLUMN_TEXT },
    { "KIND", "kind", COLUMN_TEXT },
    { "INSTANCE", "instance", COLUMN_TEXT },
    { "ZONE", "zone", COLUMN_TEXT },
    { "START", "start_time", COLUMN_TEXT },
    { "END", "end_time", COLUMN_TEXT },
    { "ATTEMPTS", "attempts", COLUMN_TEXT },
    { "STARTED-BY", "started_by", COLUMN_ID },
    { "ORDERED-BY", "ordered_by", COLUMN_ID },
    { "CAUSE", "cause", COLUMN_TEXT },
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int one_record(const struct output *o,
                      const char *command,
                      const redisReply *r,
                      const struct record_types *t)
{
    if (!record_is(r)) {
        return output_unexpected(o, command, r);
    }
    if (o->format == OUTPUT_JSON) {
        record_json(o->out, r, t);
        fputc('\n', o->out);
    } else {
        record_print(o->out, r);
    }
    return CLI_EXIT_OK;
}

static int list(const struct output *o,
                const char *command,
                const char *name,
                const redisReply *r,
                const struct column *cols,
                size_t n_cols,
                const struct record_types *t)
{
    if (!record_list_is(r)) {
        return output_unexpected(o, command, r);
    }
    if (o->format == OUTPUT_HUMAN) {
        table_print(o->out, r, cols, n_cols);
        return CLI_EXIT_OK;
    }
    fprintf(o->out, "{\"%s\":[", name);
    for (size_t i = 0; i < r->elements; i++) {
        fputs(i > 0 ? "," : "", o->out);
        record_json(o->out, r->element[i], t);
    }
    fputs("]}\n", o->out);
    return CLI_EXIT_OK;
}

int output_ok(const struct output *o, const char *key, const redisReply *r)
{
    (void)key;
    if (r->type != REDIS_REPLY_STATUS || strcmp(r->str, "OK") != 0) {
        return output_unexpected(o, "the command", r);
    }
    fputs(o->format == OUTPUT_JSON ? "{\"ok\":true}\n" : "OK\n", o->out);
    return CLI_EXIT_OK;
}

int output_group(const struct output *o, const char *key, const redisReply *r)
{
    (void)key;
    return one_record(o, "GROUP.GET", r, &group_types);
}

int output_groups(const struct output *o, const char *key, const redisReply *r)
{
    (void)key;
    return list(o, "GROUP.LIST", "groups", r, group_columns,
                N_OF(group_columns), &group_types);
}

int output_instance(const struct output *o,
                    const char *key,
                    const redisReply *r)
{
    (void)key;
    return one_record(o, "INSTANCE.GET", r, &instance_types);
}

int output_instances(const struct output *o,
                     const char *key,
                     const redisReply *r)
{
    (void)key;
    return list(o, "INSTANCE.LIST", "instances", r, instance_columns,
                N_OF(instance_columns), &instance_types);
}

int output_activity(const struct output *o,
                    const char *key,
                    const redisReply *r)
{
    (void)key;
    return one_record(o, "ACTIVITY.GET", r, &activity_types);
}

int output_activities(const struct output *o,
                      const char *key,
                      const redisReply *r)
{
    (void)key;
    return list(o, "ACTIVITY.LIST", "activities", r, activity_columns,
                N_OF(activity_columns), &activity_types);
}

int output_attached(const struct output *o,
                    const char *key,
                    const redisReply *r)
{
    (void)key;
    if (r->type != REDIS_REPLY_STRING) {
        return output_unexpected(o, "INSTANCE.ATTACH", r);
    }
    if (o->format == OUTPUT_JSON) {
        fputc('{', o->out);
        json_key(o->out, "id");
        json_string(o->out, r->str, r->len);
        fputs("}\n", o->out);
    } else {
        fprintf(o->out, "%.*s\n", (int)r->len, r->str);
    }
    return CLI_EXIT_OK;
}

int output_heartbeat(const struct output *o,
                     const char *key,
                     const redisReply *r)
{
    if (r->type != REDIS_REPLY_INTEGER) {
        return output_unexpected(o, "INSTANCE.HEARTBEAT", r);
    }
    if (o->format == OUTPUT_JSON) {
        fprintf(o->out, "{\"heartbeat_ttl\":%lld}\n", r->integer);
    } else {
        fprintf(o->out, "heartbeat of %s recorded; heartbeat TTL %lld s\n", key,
                r->integer);
    }
    return CLI_EXIT_OK;
}

/* GROUP.EXPLAIN: group, plan, blocked_until, actions (an array). */
int output_explain(const struct output *o, const char *key, const redisReply *r)
{
    const redisReply *actions;

    (void)key;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 8 ||
        r->element[7]->type != REDIS_REPLY_ARRAY) {
        return output_unexpected(o, "GROUP.EXPLAIN", r);
    }
    for (size_t i = 0; i < 7; i++) {
        if (r->element[i]->type != REDIS_REPLY_STRING) {
            return output_unexpected(o, "GROUP.EXPLAIN", r);
        }
    }
    actions = r->element[7];
    for (size_t i = 0; i < actions->elements; i++) {
        if (actions->element[i]->type != REDIS_REPLY_STRING) {
            return output_unexpected(o, "GROUP.EXPLAIN", r);
        }
    }
    if (o->format == OUTPUT_JSON) {
        fputc('{', o->out);
        for (size_t i = 0; i < 6; i += 2) {
            fputs(i > 0 ? "," : "", o->out);
            json_string(o->out, r->element[i]->str, r->element[i]->len);
            fputc(':', o->out);
            json_string(o->out, r->element[i + 1]->str, r->element[i + 1]->len);
        }
        fputs(",\"actions\":[", o->out);
        for (size_t i = 0; i < actions->elements; i++) {
            fputs(i > 0 ? "," : "", o->out);
            json_string(o->out, actions->element[i]->str,
                        actions->element[i]->len);
        }
        fputs("]}\n", o->out);
        return CLI_EXIT_OK;
    }
    fprintf(o->out, "%.*s: %.*s\n", (int)r->element[1]->len, r->element[1]->str,
            (int)r->element[3]->len, r->element[3]->str);
    if (r->element[5]->len > 0) {
        fprintf(o->out, "blocked until %.*s\n", (int)r->element[5]->len,
                r->element[5]->str);
    }
    for (size_t i = 0; i < actions->elements; i++) {
        fprintf(o->out, "  - %.*s\n", (int)actions->element[i]->len,
                actions->element[i]->str);
    }
    return CLI_EXIT_OK;
}
