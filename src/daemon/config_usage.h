/* scalekeeperd settings, the help: --help generated from the option table,
 * and --version. Private to src/daemon/config*.c. */
#ifndef SK_CONFIG_USAGE_H
#define SK_CONFIG_USAGE_H

#include <stddef.h>
#include <stdio.h>

#include "daemon/config_value.h"

/* Print the --help text to @out: the usage line, how the INI file works,
 * then each of the @n_opts options of @opts with its meaning and default
 * (config_init()'s value unless the entry fixes the text), word-wrapped to
 * 80 columns, and -c, -h and -V. */
void config_usage_help(FILE *out, const struct config_opt *opts, size_t n_opts);

/* Print "scalekeeperd VERSION" and a newline to @out. */
void config_usage_version(FILE *out);

#endif
