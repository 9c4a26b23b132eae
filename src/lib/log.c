/* Leveled logging: one line per event on stderr, e.g.
 * 2026-11-24T10:15:02.123Z n2 W node: lost leadership term=7 */
#include "lib/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

enum log_level log_threshold = LOG_INFO;
static unsigned long long log_node_id;

void log_init(unsigned long long node_id, enum log_level level)
{
    log_node_id = node_id;
    log_threshold = level;
}

int log_level_parse(const char *s, enum log_level *level)
{
    static const char *names[] = { "error", "warn", "info", "debug" };

    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *level = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

/* "src/node/node.c" -> "node" */
static void file_stem(const char *file, char *out, size_t size)
{
    const char *slash = strrchr(file, '/');
    const char *start = slash ? slash + 1 : file;
    size_t n = strcspn(start, ".");

    if (n >= size) {
        n = size - 1;
    }
    memcpy(out, start, n);
    out[n] = '\0';
}

void log_write(enum log_level level, const char *file, const char *fmt, ...)
{
    static const char letters[] = "EWID";
    char line[1024];
    char stem[32];
    struct timeval tv;
    struct tm tm;
    size_t n;
    va_list ap;

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    file_stem(file, stem, sizeof stem);
    n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof line - n,
                          ".%03ldZ n%llu %c %s: ", (long)(tv.tv_usec / 1000),
                          log_node_id, letters[level], stem);
    va_start(ap, fmt);
    if (n < sizeof line) {
        vsnprintf(line + n, sizeof line - n, fmt, ap);
    }
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}
