/* Collecting an LVM report printed through liblvm2cmd's log callback
 * (the dmeventd plugin and dmlog-lvm run `lvs/vgs/pvs --reportformat
 * json` through lvm2_run and read the JSON from the lines it prints).
 * Pure: no liblvm2cmd here, the caller says whether a line came at
 * LVM2_LOG_PRINT. */
#ifndef DMLOG_LVM_REPORT_H
#define DMLOG_LVM_REPORT_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

struct lvm_report {
	char *buf;		/* NUL-terminated lines, '\n' after each */
	size_t len, cap;
	bool on, overflow;
};

/* Start collecting, at most cap bytes. 0 or -ENOMEM. */
int lvm_report_start(struct lvm_report *r, size_t cap);
/* A line LVM printed: true when it belongs to the report and was kept
 * (or dropped for lack of room: overflow), false when it is one of
 * LVM's messages for the caller to log. A JSON report's lines start with
 * a brace or indentation; LVM's messages at the same level ("WARNING:
 * ...") never do. */
bool lvm_report_line(struct lvm_report *r, bool print_level,
		     const char *message);
/* Stop collecting. ok: the command succeeded. Returns the text (the
 * caller frees it) when ok and nothing overflowed, else NULL (freed). */
char *lvm_report_end(struct lvm_report *r, bool ok);

/* A row's field as a string (LVM prints every field of a JSON report as
 * one), or NULL when it is missing or not a string. */
const char *lvm_report_str(struct json_object *row, const char *key);

#endif
