/* Building a JSON report with json-c. Every call takes the parent it adds
 * to; allocation failures are sticky in the document (and a NULL parent,
 * from an earlier failure, is one), so callers build without checking each
 * step and jdoc_print reports the failure once. */
#ifndef DMLOGCTL_JDOC_H
#define DMLOGCTL_JDOC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;

struct jdoc {
	struct json_object *root;
	bool failed;
};

/* A document with {"schema": 1, "command": command}. false: no memory. */
bool jdoc_init(struct jdoc *d, const char *command);
void jdoc_free(struct jdoc *d);

struct json_object *jdoc_obj(struct jdoc *d, struct json_object *parent,
			     const char *key);	/* new {} under key */
struct json_object *jdoc_arr(struct jdoc *d, struct json_object *parent,
			     const char *key);	/* new [] under key */
struct json_object *jdoc_arr_obj(struct jdoc *d, struct json_object *arr);
void jdoc_u64(struct jdoc *d, struct json_object *o, const char *key,
	      uint64_t v);
void jdoc_str(struct jdoc *d, struct json_object *o, const char *key,
	      const char *v);	/* NULL: null */
void jdoc_bool(struct jdoc *d, struct json_object *o, const char *key,
	       bool v);
void jdoc_null(struct jdoc *d, struct json_object *o, const char *key);
/* 64-bit identifiers as "0x%016x" strings (exact in every JSON reader). */
void jdoc_hex64(struct jdoc *d, struct json_object *o, const char *key,
		uint64_t v);
void jdoc_arr_str(struct jdoc *d, struct json_object *arr, const char *v);
/* Add an object built separately (takes it; NULL marks a failure). */
void jdoc_attach(struct jdoc *d, struct json_object *parent, const char *key,
		 struct json_object *v);

/* Pretty-print to f with a newline. 0, or -ENOMEM when any step failed
 * (nothing printed). */
int jdoc_print(struct jdoc *d, FILE *f);

#endif
