/* Aligned text tables (see table.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

struct table {
	unsigned ncols;
	char align[16];
	char **cells;
	size_t n, cap;
	bool failed;
};

struct table *table_new(unsigned ncols, const char *align)
{
	struct table *t;

	if (!ncols || ncols >= sizeof(t->align))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ncols = ncols;
	for (unsigned i = 0; i < ncols; i++)
		t->align[i] = align && i < strlen(align) ? align[i] : 'l';
	return t;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

static bool table_grow(struct table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	char **c = realloc(t->cells, cap * sizeof(*c));

	if (!c)
		return false;
	t->cells = c;
	t->cap = cap;
	return true;
}

void table_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int r;

	if (!t || t->failed)
		return;
	if (t->n == t->cap && !table_grow(t)) {
		t->failed = true;
		return;
	}
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		t->failed = true;
		return;
	}
	t->cells[t->n++] = s;
}

int table_print(const struct table *t, FILE *f, unsigned indent)
{
	size_t width[16] = { 0 };

	if (!t || t->failed)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t w = strlen(t->cells[i]);

		if (w > width[i % t->ncols])
			width[i % t->ncols] = w;
	}
	for (size_t i = 0; i < t->n; i++) {
		unsigned col = (unsigned)(i % t->ncols);
		bool last = col == t->ncols - 1 || i == t->n - 1;
		int w = (int)width[col];

		if (!col)
			fprintf(f, "%*s", (int)indent, "");
		if (t->align[col] == 'r')
			fprintf(f, "%*s", w, t->cells[i]);
		else if (last)
			fputs(t->cells[i], f);
		else
			fprintf(f, "%-*s", w, t->cells[i]);
		fputs(last ? "\n" : "  ", f);
	}
	return 0;
}
