/* Auto-scaling groups: options, validation and AWS' update rules; see
 * group.h. */
#include "scaling/group.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/mem.h"

#define DEFAULT_COOLDOWN_S 300
#define DEFAULT_GRACE_S    300

static const struct {
    const char *name;
    uint8_t policy;
} policies[] = {
    { "Default", GROUP_POLICY_DEFAULT },
    { "OldestInstance", GROUP_POLICY_OLDEST },
    { "NewestInstance", GROUP_POLICY_NEWEST },
    { "ClosestToNextInstanceHour", GROUP_POLICY_CLOSEST_HOUR },
};

#define N_POLICIES (sizeof policies / sizeof policies[0])

const char *group_policy_name(uint8_t p)
{
    for (size_t i = 0; i < N_POLICIES; i++) {
        if (policies[i].policy == p) {
            return policies[i].name;
        }
    }
    return "?";
}

static int fail(char errmsg[SK_ERRMSG_SIZE], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(char errmsg[SK_ERRMSG_SIZE], const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(errmsg, SK_ERRMSG_SIZE, fmt, ap);
    va_end(ap);
    return SK_EINVAL;
}

/* A whole number in [0, @max]. */
static int number(struct slice s,
                  uint64_t max,
                  const char *what,
                  uint32_t *out,
                  char errmsg[SK_ERRMSG_SIZE])
{
    uint64_t v;

    if (!slice_to_u64(s, &v) || v > max) {
        return fail(errmsg,
                    "ValidationError %s must be a whole number from 0 to "
                    "%llu, not '%.*s'",
                    what, (unsigned long long)max,
                    (int)(s.len > 32 ? 32 : s.len), s.base);
    }
    *out = (uint32_t)v;
    return 0;
}

static bool zone_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* ZONES z1,z2,...: 1 to GROUP_ZONES_MAX distinct names. */
static int parse_zones(struct slice s,
                       struct group_options *o,
                       char errmsg[SK_ERRMSG_SIZE])
{
    size_t start = 0;

    o->n_zones = 0;
    for (size_t i = 0; i <= s.len; i++) {
        struct slice z;

        if (i < s.len && s.base[i] != ',') {
            if (!zone_char_ok(s.base[i])) {
                return fail(errmsg,
                            "ValidationError zone names are letters, digits, "
                            "'-', '_' or '.'");
            }
            continue;
        }
        z = (struct slice){ s.base + start, i - start };
        start = i + 1;
        if (z.len == 0 || z.len > GROUP_ZONE_MAX) {
            return fail(errmsg,
                        "ValidationError zone names are 1 to %d "
                        "characters, separated by commas",
                        GROUP_ZONE_MAX);
        }
        for (size_t j = 0; j < o->n_zones; j++) {
            if (o->zones[j].len == z.len &&
                memcmp(o->zones[j].base, z.base, z.len) == 0) {
                return fail(errmsg,
                            "ValidationError zone '%.*s' is listed "
                            "twice",
                            (int)z.len, z.base);
            }
        }
        if (o->n_zones == GROUP_ZONES_MAX) {
            return fail(errmsg, "ValidationError at most %d zones",
                        GROUP_ZONES_MAX);
        }
        o->zones[o->n_zones++] = z;
    }
    return 0;
}

/* TERMINATION p1,p2,...: known names, each once, Default last. */
static int parse_policies(struct slice s,
                          struct group_options *o,
                          char errmsg[SK_ERRMSG_SIZE])
{
    size_t start = 0;

    o->n_policies = 0;
    for (size_t i = 0; i <= s.len; i++) {
        struct slice w;
        size_t p;

        if (i < s.len && s.base[i] != ',') {
            continue;
        }
        w = (struct slice){ s.base + start, i - start };
        start = i + 1;
        for (p = 0; p < N_POLICIES; p++) {
            if (w.len == strlen(policies[p].name) &&
                memcmp(w.base, policies[p].name, w.len) == 0) {
                break;
            }
        }
        if (p == N_POLICIES) {
            return fail(errmsg,
                        "ValidationError unknown termination policy "
                        "'%.*s' (Default, OldestInstance, NewestInstance, "
                        "ClosestToNextInstanceHour)",
                        (int)(w.len > 40 ? 40 : w.len), w.base);
        }
        for (size_t j = 0; j < o->n_policies; j++) {
            if (o->policies[j] == policies[p].policy) {
                return fail(errmsg,
                            "ValidationError termination policy %s "
                            "is listed twice",
                            policies[p].name);
            }
        }
        if (o->n_policies > 0 &&
            o->policies[o->n_policies - 1] == GROUP_POLICY_DEFAULT) {
            return fail(errmsg, "ValidationError the Default termination "
                                "policy must be the last one");
        }
        o->policies[o->n_policies++] = policies[p].policy;
    }
    return 0;
}

int group_parse_options(size_t argc,
                        const struct slice *argv,
                        struct group_options *o,
                        char errmsg[SK_ERRMSG_SIZE])
{
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < argc; i += 2) {
        struct slice k = argv[i];
        struct slice v;
        int rv = 0;
        bool *seen;

        if (i + 1 == argc) {
            return fail(errmsg, "ValidationError option '%.*s' needs a value",
                        (int)(k.len > 32 ? 32 : k.len), k.base);
        }
        v = argv[i + 1];
        if (slice_eq_nocase(k, "min")) {
            seen = &o->has_min;
            rv = number(v, GROUP_CAPACITY_MAX, "MIN", &o->min, errmsg);
        } else if (slice_eq_nocase(k, "max")) {
            seen = &o->has_max;
            rv = number(v, GROUP_CAPACITY_MAX, "MAX", &o->max, errmsg);
        } else if (slice_eq_nocase(k, "desired")) {
            seen = &o->has_desired;
            rv = number(v, GROUP_CAPACITY_MAX, "DESIRED", &o->desired, errmsg);
        } else if (slice_eq_nocase(k, "zones")) {
            seen = &o->has_zones;
            rv = parse_zones(v, o, errmsg);
        } else if (slice_eq_nocase(k, "actuator")) {
            seen = &o->has_actuator;
            o->actuator = v;
            if (v.len == 0 || v.len > 64 || memchr(v.base, '\0', v.len)) {
                rv = fail(errmsg, "ValidationError ACTUATOR names one of the "
                                  "daemon's actuators (1 to 64 bytes)");
            }
        } else if (slice_eq_nocase(k, "cooldown")) {
            seen = &o->has_cooldown;
            rv = number(v, GROUP_SECONDS_MAX, "COOLDOWN", &o->cooldown_s,
                        errmsg);
        } else if (slice_eq_nocase(k, "grace")) {
            seen = &o->has_grace;
            rv = number(v, GROUP_SECONDS_MAX, "GRACE", &o->grace_s, errmsg);
        } else if (slice_eq_nocase(k, "heartbeat-ttl")) {
            seen = &o->has_heartbeat_ttl;
            rv = number(v, GROUP_SECONDS_MAX, "HEARTBEAT-TTL",
                        &o->heartbeat_ttl_s, errmsg);
        } else if (slice_eq_nocase(k, "termination")) {
            seen = &o->has_policies;
            rv = parse_policies(v, o, errmsg);
        } else if (slice_eq_nocase(k, "protect-new")) {
            uint32_t flag = 0;
            seen = &o->has_protect_new;
            rv = number(v, 1, "PROTECT-NEW", &flag, errmsg);
            o->protect_new = flag != 0;
        } else {
            return fail(errmsg, "ValidationError unknown option '%.*s'",
                        (int)(k.len > 32 ? 32 : k.len), k.base);
        }
        if (rv != 0) {
            return rv;
        }
        if (*seen) {
            return fail(errmsg, "ValidationError option '%.*s' is given twice",
                        (int)k.len, k.base);
        }
        *seen = true;
    }
    return 0;
}

int group_check_name(struct slice name, char errmsg[SK_ERRMSG_SIZE])
{
    if (name.len == 0 || name.len > GROUP_NAME_MAX) {
        return fail(errmsg,
                    "ValidationError group names are 1 to %d "
                    "characters",
                    GROUP_NAME_MAX);
    }
    for (size_t i = 0; i < name.len; i++) {
        char c = name.base[i];
        if (!zone_char_ok(c) && c != '/' && c != ':' && c != '@') {
            return fail(errmsg, "ValidationError group names are letters, "
                                "digits and '-_./:@'");
        }
    }
    return 0;
}

/* min <= desired <= max, in AWS' words. */
static int check_bounds(uint32_t min,
                        uint32_t max,
                        uint64_t desired,
                        char errmsg[SK_ERRMSG_SIZE])
{
    if (min > max) {
        return fail(errmsg, "ValidationError min size %u is above max size %u",
                    min, max);
    }
    if (desired > max) {
        return fail(errmsg,
                    "ValidationError desired capacity %llu is above max size "
                    "%u",
                    (unsigned long long)desired, max);
    }
    if (desired < min) {
        return fail(errmsg,
                    "ValidationError desired capacity %llu is below min size "
                    "%u",
                    (unsigned long long)desired, min);
    }
    return 0;
}

int group_check_desired(const struct group *g,
                        uint64_t desired,
                        char errmsg[SK_ERRMSG_SIZE])
{
    return check_bounds(g->min, g->max, desired, errmsg);
}

static void set_zones(struct group *g, const struct group_options *o)
{
    for (size_t i = 0; i < g->n_zones; i++) {
        mem_free(g->zones[i]);
    }
    for (size_t i = 0; i < o->n_zones; i++) {
        g->zones[i] = mem_strndup(o->zones[i].base, o->zones[i].len);
    }
    g->n_zones = o->n_zones;
}

/* The fields an update may change, besides min/max/desired. */
static void set_others(struct group *g, const struct group_options *o)
{
    if (o->has_zones) {
        set_zones(g, o);
    }
    if (o->has_actuator) {
        mem_free(g->actuator);
        g->actuator = mem_strndup(o->actuator.base, o->actuator.len);
    }
    if (o->has_cooldown) {
        g->cooldown_s = o->cooldown_s;
    }
    if (o->has_grace) {
        g->grace_s = o->grace_s;
    }
    if (o->has_heartbeat_ttl) {
        g->heartbeat_ttl_s = o->heartbeat_ttl_s;
    }
    if (o->has_policies) {
        memcpy(g->policies, o->policies, sizeof g->policies);
        g->n_policies = o->n_policies;
    }
    if (o->has_protect_new) {
        g->protect_new = o->protect_new;
    }
}

int group_create(struct slice name,
                 const struct group_options *o,
                 uint64_t now_ms,
                 struct group **out,
                 char errmsg[SK_ERRMSG_SIZE])
{
    struct group *g;
    uint32_t desired = o->has_desired ? o->desired : o->min;
    int rv = group_check_name(name, errmsg);

    if (rv != 0) {
        return rv;
    }
    if (!o->has_min || !o->has_max || !o->has_zones) {
        return fail(errmsg, "ValidationError GROUP.CREATE needs MIN, MAX and "
                            "ZONES");
    }
    rv = check_bounds(o->min, o->max, desired, errmsg);
    if (rv != 0) {
        return rv;
    }
    g = mem_calloc(1, sizeof *g);
    g->name = mem_strndup(name.base, name.len);
    g->min = o->min;
    g->max = o->max;
    g->desired = desired;
    g->actuator = mem_strdup("external"); /* a provisioner completes */
    g->cooldown_s = DEFAULT_COOLDOWN_S;
    g->grace_s = DEFAULT_GRACE_S;
    g->policies[0] = GROUP_POLICY_DEFAULT;
    g->n_policies = 1;
    g->created_ms = now_ms;
    set_others(g, o);
    *out = g;
    return 0;
}

int group_update(struct group *g,
                 const struct group_options *o,
                 char errmsg[SK_ERRMSG_SIZE])
{
    uint32_t min = o->has_min ? o->min : g->min;
    uint32_t max = o->has_max ? o->max : g->max;
    uint32_t desired = g->desired;
    int rv;

    if (o->has_desired) {
        desired = o->desired;
    } else if (desired < min) {
        desired = min; /* AWS: a min above the capacity raises it */
    } else if (desired > max) {
        desired = max; /* and a max below it lowers it */
    }
    rv = check_bounds(min, max, desired, errmsg);
    if (rv != 0) {
        return rv;
    }
    g->min = min;
    g->max = max;
    if (desired != g->desired) {
        g->honor_cooldown = false;
    }
    g->desired = desired;
    set_others(g, o);
    return 0;
}

long group_zone_index(const struct group *g, struct slice z)
{
    for (size_t i = 0; i < g->n_zones; i++) {
        if (strlen(g->zones[i]) == z.len &&
            memcmp(g->zones[i], z.base, z.len) == 0) {
            return (long)i;
        }
    }
    return -1;
}

void group_free(struct group *g)
{
    if (g == NULL) {
        return;
    }
    for (size_t i = 0; i < g->n_zones; i++) {
        mem_free(g->zones[i]);
    }
    mem_free(g->actuator);
    mem_free(g->name);
    mem_free(g->instances);
    mem_free(g->activities);
    mem_free(g);
}
