/* Records as tables, lines and JSON; see table.h. */
#include "cli/table.h"

#include <string.h>

#include "cli/json.h"

/* Cells wider than this do not widen their column. */
#define CELL_WIDTH_MAX 64

static bool str_is(const redisReply *s, const char *word)
{
    size_t n = strlen(word);

    return s->len == n && memcmp(s->str, word, n) == 0;
}

bool record_is(const redisReply *r)
{
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) {
        return false;
    }
    for (size_t i = 0; i < r->elements; i++) {
        if (r->element[i]->type != REDIS_REPLY_STRING) {
            return false;
        }
    }
    return true;
}

bool record_list_is(const redisReply *r)
{
    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        return false;
    }
    for (size_t i = 0; i < r->elements; i++) {
        if (!record_is(r->element[i])) {
            return false;
        }
    }
    return true;
}

const redisReply *record_field(const redisReply *rec, const char *field)
{
    for (size_t i = 0; i + 1 < rec->elements; i += 2) {
        if (str_is(rec->element[i], field)) {
            return rec->element[i + 1];
        }
    }
    return NULL;
}

static const char *
cell(const redisReply *rec, const struct column *col, size_t *len)
{
    const redisReply *v = record_field(rec, col->field);

    if (v == NULL || v->len == 0 ||
        (col->style == COLUMN_ID && v->len == 1 && v->str[0] == '0')) {
        *len = 1;
        return "-";
    }
    if (col->style == COLUMN_FLAG && v->len == 1 &&
        (v->str[0] == '0' || v->str[0] == '1')) {
        *len = (v->str[0] == '1') ? 3 : 2;
        return (v->str[0] == '1') ? "yes" : "no";
    }
    *len = v->len;
    return v->str;
}

static void print_row(FILE *f,
                      const redisReply *rec,
                      const struct column *cols,
                      size_t n_cols,
                      const int *widths)
{
    for (size_t c = 0; c < n_cols; c++) {
        bool last = c + 1 == n_cols;
        size_t len = strlen(cols[c].title);
        const char *s = rec != NULL ? cell(rec, &cols[c], &len) : cols[c].title;
        fprintf(f, "%-*.*s%s", last ? 0 : widths[c], (int)len, s,
                last ? "\n" : "  ");
    }
}

void table_print(FILE *f,
                 const redisReply *records,
                 const struct column *cols,
                 size_t n_cols)
{
    int widths[32];

    if (n_cols > sizeof widths / sizeof widths[0]) {
        n_cols = sizeof widths / sizeof widths[0];
    }
    for (size_t c = 0; c < n_cols; c++) {
        widths[c] = (int)strlen(cols[c].title);
        for (size_t i = 0; i < records->elements; i++) {
            size_t len;
            cell(records->element[i], &cols[c], &len);
            if (len > (size_t)widths[c] && len <= CELL_WIDTH_MAX) {
                widths[c] = (int)len;
            }
        }
    }
    print_row(f, NULL, cols, n_cols, widths);
    for (size_t i = 0; i < records->elements; i++) {
        print_row(f, records->element[i], cols, n_cols, widths);
    }
}

void record_print(FILE *f, const redisReply *rec)
{
    int width = 0;

    for (size_t i = 0; i + 1 < rec->elements; i += 2) {
        if (rec->element[i]->len > (size_t)width &&
            rec->element[i]->len <= CELL_WIDTH_MAX) {
            width = (int)rec->element[i]->len;
        }
    }
    for (size_t i = 0; i + 1 < rec->elements; i += 2) {
        const redisReply *name = rec->element[i];
        const redisReply *v = rec->element[i + 1];
        fprintf(f, "%.*s:%*s %.*s\n", (int)name->len, name->str,
                width - (int)name->len, "", (int)v->len, v->str);
    }
}

static bool listed(const char *const *names, const redisReply *name)
{
    for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
        if (str_is(name, names[i])) {
            return true;
        }
    }
    return false;
}

static bool is_digits(const redisReply *v)
{
    if (v->len == 0 || v->len > 19) {
        return false;
    }
    for (size_t i = 0; i < v->len; i++) {
        if (v->str[i] < '0' || v->str[i] > '9') {
            return false;
        }
    }
    return v->len == 1 || v->str[0] != '0';
}

void record_json(FILE *f, const redisReply *rec, const struct record_types *t)
{
    fputc('{', f);
    for (size_t i = 0; i + 1 < rec->elements; i += 2) {
        const redisReply *name = rec->element[i];
        const redisReply *v = rec->element[i + 1];
        fputs(i > 0 ? "," : "", f);
        json_string(f, name->str, name->len);
        fputc(':', f);
        if (listed(t->numbers, name) && is_digits(v)) {
            fprintf(f, "%.*s", (int)v->len, v->str);
        } else if (listed(t->flags, name) && v->len == 1 &&
                   (v->str[0] == '0' || v->str[0] == '1')) {
            fputs(v->str[0] == '1' ? "true" : "false", f);
        } else {
            json_string(f, v->str, v->len);
        }
    }
    fputc('}', f);
}
