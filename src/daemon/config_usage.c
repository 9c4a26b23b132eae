/* scalekeeperd settings, the help: --help is generated from the option
 * table (meanings, placeholders, the defaults of config_init()), so that it
 * cannot drift from what the flags and the INI file accept. */
#ifdef HAVE_CONFIG_H
#include <config.h> /* autoconf's, for PACKAGE_VERSION; not daemon/config.h */
#endif

#include <stdbool.h>
#include <string.h>

#include "daemon/config.h"
#include "daemon/config_file.h"
#include "daemon/config_usage.h"

#ifndef PACKAGE_VERSION
#error \
    "PACKAGE_VERSION is undefined: build with configure, or pass -DPACKAGE_VERSION"
#endif

#define PROGRAM_NAME "scalekeeperd"

/* Meanings start at this column and wrap before USAGE_WIDTH. */
#define USAGE_COL   30
#define USAGE_WIDTH 80

/* The default of @opt as --help shows it, in @buf. */
static const char *default_text(const struct config_opt *opt,
                                const struct config *defaults,
                                char *buf,
                                size_t size)
{
    const char *field = (const char *)defaults + opt->offset;
    unsigned long long v;
    bool is_bytes;

    if (opt->fixed_default != NULL) {
        return opt->fixed_default;
    }
    switch (opt->kind) {
    case CONFIG_OPT_UINT:
        snprintf(buf, size, "%u", *(const unsigned *)(const void *)field);
        return buf;
    case CONFIG_OPT_SIZE:
        v = *(const size_t *)(const void *)field;
        is_bytes = strstr(opt->name, "-bytes") != NULL;
        if (is_bytes && v % CONFIG_MIB == 0) {
            snprintf(buf, size, "%llu = %llu MiB", v, v / CONFIG_MIB);
        } else if (is_bytes && v % CONFIG_KIB == 0) {
            snprintf(buf, size, "%llu = %llu KiB", v, v / CONFIG_KIB);
        } else {
            snprintf(buf, size, "%llu", v);
        }
        return buf;
    default:
        return *(char *const *)(const void *)field;
    }
}

/* Print "  LEFT  MEANING SUFFIX", the meaning word-wrapped at USAGE_COL and
 * the suffix (the default) kept whole on one line. */
static void
usage_item(FILE *out, const char *left, const char *meaning, const char *suffix)
{
    int col = fprintf(out, "  %s", left);
    const char *p = meaning;
    int len;

    if (col + 2 > USAGE_COL) {
        fputc('\n', out);
        col = 0;
    }
    fprintf(out, "%*s", USAGE_COL - col, "");
    col = USAGE_COL;
    while (*p != '\0') {
        len = (int)strcspn(p, " ");
        if (col > USAGE_COL && col + 1 + len >= USAGE_WIDTH) {
            fprintf(out, "\n%*s", USAGE_COL, "");
            col = USAGE_COL;
        } else if (col > USAGE_COL) {
            fputc(' ', out);
            col++;
        }
        fwrite(p, 1, (size_t)len, out);
        col += len;
        p += len;
        while (*p == ' ') {
            p++;
        }
    }
    if (suffix != NULL) {
        len = (int)strlen(suffix);
        if (col + 1 + len >= USAGE_WIDTH) {
            fprintf(out, "\n%*s", USAGE_COL, "");
        } else {
            fputc(' ', out);
        }
        fputs(suffix, out);
    }
    fputc('\n', out);
}

void config_usage_help(FILE *out, const struct config_opt *opts, size_t n_opts)
{
    struct config defaults;
    char left[64];
    char suffix[96];
    char def[64];

    config_init(&defaults);
    fputs("Usage: " PROGRAM_NAME " --id N --raft HOST:PORT --listen "
          "HOST:PORT --data DIR\n"
          "                    [OPTION]...\n\n"
          "Run one node of a scalekeeper cluster: a Raft-replicated "
          "key-value store\n"
          "that clients reach with the Redis protocol (RESP2).\n"
          "\n"
          "Each option can also be set in the INI file given with -c, as "
          "'name = value'\n"
          "with the name spelled without the leading dashes ('-' or '_' "
          "alike), under\n"
          "a [" CONFIG_FILE_SECTION "] section or none. Flags override "
          "the file, which overrides\n"
          "the defaults. HOST:PORT is an IPv4 address, localhost or "
          "[IPv6], and a port.\n",
          out);
    for (size_t i = 0; i < n_opts; i++) {
        const struct config_opt *opt = &opts[i];
        const char *def_text;

        if (opt->heading != NULL) {
            fprintf(out, "\n%s\n", opt->heading);
        }
        snprintf(left, sizeof left, "--%s %s", opt->name, opt->arg);
        def_text = default_text(opt, &defaults, def, sizeof def);
        if (strcmp(def_text, "required") == 0) {
            snprintf(suffix, sizeof suffix, "(required)");
        } else {
            snprintf(suffix, sizeof suffix, "(default: %s)", def_text);
        }
        usage_item(out, left, opt->meaning, suffix);
    }
    fputs("\nOther:\n", out);
    usage_item(out, "-c, --config FILE",
               "read options from this INI file first", NULL);
    usage_item(out, "-h, --help", "print this help and exit", NULL);
    usage_item(out, "-V, --version", "print the version and exit", NULL);
    config_close(&defaults);
}

void config_usage_version(FILE *out)
{
    fputs(PROGRAM_NAME " " PACKAGE_VERSION "\n", out);
}
