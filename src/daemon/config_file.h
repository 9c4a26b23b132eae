/* scalekeeperd settings, the INI file given with -c: "name = value" lines,
 * read with inih, under a [scalekeeperd] section or none. Private to
 * src/daemon/config*.c. */
#ifndef SK_CONFIG_FILE_H
#define SK_CONFIG_FILE_H

#include <stddef.h>

#include "daemon/config.h"
#include "daemon/config_value.h"
#include "lib/err.h"

/* The one section name the file may use. */
#define CONFIG_FILE_SECTION "scalekeeperd"

/* Read the INI file @path and store its values in @c. The keys are the names
 * in @opts (@n_opts entries), '_' read as '-'. Returns 0, or SK_EINVAL with a
 * message in @errmsg, "FILE:LINE: ..." for an error in the file's contents;
 * @c may then hold some of the file's values. */
int config_file_load(struct config *c,
                     const char *path,
                     const struct config_opt *opts,
                     size_t n_opts,
                     char errmsg[SK_ERRMSG_SIZE]);

#endif
