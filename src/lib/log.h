/* Leveled logging to stderr: time, node id, level, file stem, message. */
#ifndef SK_LOG_H
#define SK_LOG_H

enum log_level {
    LOG_ERROR = 0,
    LOG_WARN,
    LOG_INFO,
    LOG_DEBUG
};

extern enum log_level log_threshold;

/* Set the node id printed on each line (0 prints "n-") and the threshold. */
void log_init(unsigned long long node_id, enum log_level level);

/* Parse "error", "warn", "info" or "debug"; returns 0 or -1. */
int log_level_parse(const char *s, enum log_level *level);

void log_write(enum log_level level, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG_AT(level, ...)                             \
    do {                                               \
        if ((level) <= log_threshold) {                \
            log_write((level), __FILE__, __VA_ARGS__); \
        }                                              \
    } while (0)

#define log_error(...) LOG_AT(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  LOG_AT(LOG_WARN, __VA_ARGS__)
#define log_info(...)  LOG_AT(LOG_INFO, __VA_ARGS__)
#define log_debug(...) LOG_AT(LOG_DEBUG, __VA_ARGS__)

#endif
