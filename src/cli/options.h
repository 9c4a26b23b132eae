/* The CLI's global options, given before the command. */
#ifndef SK_OPTIONS_H
#define SK_OPTIONS_H

#include "cli/output.h"

struct options {
    const char *endpoints; /* comma-separated host:port list; borrowed */
    enum output_format format;
    long timeout_ms;
};

#endif
