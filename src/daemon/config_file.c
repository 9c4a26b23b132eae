/* scalekeeperd settings, the INI file: inih reads it line by line, each
 * "name = value" goes through the option table like a flag would. */
#include "daemon/config_file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ini.h>

#include "daemon/config_value.h"

/* The entry of @opts for an INI key, '_' read as '-'; NULL if unknown. */
static const struct config_opt *
find_key(const struct config_opt *opts, size_t n_opts, const char *key)
{
    for (size_t i = 0; i < n_opts; i++) {
        const char *a = opts[i].name;
        const char *b = key;
        while (*a != '\0' && (*a == *b || (*a == '-' && *b == '_'))) {
            a++;
            b++;
        }
        if (*a == '\0' && *b == '\0') {
            return &opts[i];
        }
    }
    return NULL;
}

/* State of one INI file while inih reads it through file_reader(). */
struct file_ctx {
    struct config *c;
    const struct config_opt *opts;
    size_t n_opts;
    const char *path;
    FILE *f;
    int line;     /* number of the line last read */
    int err_line; /* line of the error in errmsg, 0 if none yet */
    char *errmsg;
};

static void file_error(struct file_ctx *ctx, const char *detail)
{
    if (ctx->err_line == 0) {
        ctx->err_line = ctx->line;
        config_value_fail(ctx->errmsg, "%s:%d: %s", ctx->path, ctx->line,
                          detail);
    }
}

/* inih's reader: fgets() that counts lines and refuses lines longer than
 * inih can hold, which it would otherwise split silently. */
static char *file_reader(char *str, int num, void *stream)
{
    struct file_ctx *ctx = stream;
    int ch;

    if (fgets(str, num, ctx->f) == NULL) {
        return NULL;
    }
    ctx->line++;
    if (strchr(str, '\n') == NULL && !feof(ctx->f)) {
        ch = fgetc(ctx->f);
        if (ch == '\r') {
            ch = fgetc(ctx->f); /* CRLF: the CR does not count */
        }
        if (ch != '\n' && ch != EOF) {
            while (ch != '\n' && ch != EOF) {
                ch = fgetc(ctx->f);
            }
            file_error(ctx, "line too long");
            str[0] = ';'; /* a comment: inih skips it */
            str[1] = '\0';
        }
    }
    return str;
}

static int file_handler(void *user,
                        const char *section,
                        const char *name,
                        const char *value)
{
    struct file_ctx *ctx = user;
    const struct config_opt *opt;
    struct config_origin o = { ctx->path, ctx->line, name };
    char detail[SK_ERRMSG_SIZE];

    if (ctx->err_line != 0) {
        return 0;
    }
    if (section[0] != '\0' && strcmp(section, CONFIG_FILE_SECTION) != 0) {
        snprintf(detail, sizeof detail,
                 "unknown section [%s] (use [" CONFIG_FILE_SECTION "] or none)",
                 section);
        file_error(ctx, detail);
        return 0;
    }
    opt = find_key(ctx->opts, ctx->n_opts, name);
    if (opt == NULL) {
        snprintf(detail, sizeof detail, "unknown option '%s'", name);
        file_error(ctx, detail);
        return 0;
    }
    if (config_value_set(ctx->c, opt, value, &o, ctx->errmsg) != 0) {
        ctx->err_line = ctx->line;
        return 0;
    }
    return 1;
}

int config_file_load(struct config *c,
                     const char *path,
                     const struct config_opt *opts,
                     size_t n_opts,
                     char errmsg[SK_ERRMSG_SIZE])
{
    struct file_ctx ctx = { c, opts, n_opts, path, NULL, 0, 0, errmsg };
    int rv;

    ctx.f = fopen(path, "r");
    if (ctx.f == NULL) {
        return config_value_fail(errmsg, "cannot open config file %s: %s", path,
                                 strerror(errno));
    }
    rv = ini_parse_stream(file_reader, &ctx, file_handler, &ctx);
    fclose(ctx.f);
    /* inih returns the first line it found wrong, which may be a syntax
     * error before the first error the handler reported. */
    if (rv > 0 && (ctx.err_line == 0 || rv < ctx.err_line)) {
        return config_value_fail(errmsg,
                                 "%s:%d: syntax error (expected 'name = value' "
                                 "or '[section]')",
                                 path, rv);
    }
    if (ctx.err_line != 0) {
        return SK_EINVAL;
    }
    if (rv < 0) {
        return config_value_fail(errmsg, "cannot read config file %s", path);
    }
    return 0;
}
