/* Aligned text tables for the human reports: cells are added row by row,
 * the widths are computed when printed. An allocation failure is sticky
 * and reported by table_print. */
#ifndef DMLOGCTL_TABLE_H
#define DMLOGCTL_TABLE_H

#include <stdio.h>

struct table;

/* ncols columns; right_align: a string of 'l'/'r' per column (NULL: all
 * left). NULL when out of memory. */
struct table *table_new(unsigned ncols, const char *align);
void table_free(struct table *t);

/* Append one cell (printf format); rows wrap every ncols cells. */
void table_cell(struct table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print with `indent` spaces before each row and two between columns.
 * 0, or -ENOMEM (a cell could not be stored; nothing printed). */
int table_print(const struct table *t, FILE *f, unsigned indent);

#endif
