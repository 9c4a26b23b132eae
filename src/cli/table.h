/* Records (field/value arrays of bulk strings, like HGETALL's) as aligned
 * tables, "field: value" lines or JSON objects, for the CLI's renderers. */
#ifndef SK_TABLE_H
#define SK_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#include <hiredis/hiredis.h>

/* How a column shows its field. */
enum column_style {
    COLUMN_TEXT = 0, /* as it is */
    COLUMN_FLAG = 1, /* "1"/"0" as yes/no */
    COLUMN_ID = 2,   /* "0" (no node, no activity) as "-" */
};

/* One column of a table and the record field it shows. */
struct column {
    const char *title;
    const char *field;
    unsigned style; /* enum column_style */
};

/* How a record's fields become JSON: the fields named in @numbers (a NULL
 * terminated list, or NULL) as numbers when they are digits, those in
 * @flags as booleans when "0" or "1", every other one as a string. */
struct record_types {
    const char *const *numbers;
    const char *const *flags;
};

/* Whether @r is a record. */
bool record_is(const redisReply *r);

/* Whether @r is an array of records. */
bool record_list_is(const redisReply *r);

/* The value of @field in @rec, or NULL. */
const redisReply *record_field(const redisReply *rec, const char *field);

/* A header line, then one line per record of @records, columns padded to
 * their widest cell; a missing field shows as "-", an empty one as "-". */
void table_print(FILE *f,
                 const redisReply *records,
                 const struct column *cols,
                 size_t n_cols);

/* "field: value" lines, names padded to the longest. */
void record_print(FILE *f, const redisReply *rec);

/* One JSON object. */
void record_json(FILE *f, const redisReply *rec, const struct record_types *t);

#endif
