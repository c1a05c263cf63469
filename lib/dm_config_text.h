/* Text in lvm.conf syntax parsed with libdevmapper's dm_config parser,
 * with the parser's first error message kept (it reports syntax errors
 * only through its log function). Shared by the readers of dmlog.conf's
 * lvm section (lvm_mirror.c) and of lvm.conf (lvm_selected.c). */
#ifndef DMLOG_DM_CONFIG_TEXT_H
#define DMLOG_DM_CONFIG_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct dm_config_tree;

/* The tree of text (len bytes), or NULL with err = "name: why" (a syntax
 * error, or no memory). *empty: the text holds no settings at all (the
 * tree is then empty). Not thread-safe: it swaps libdevmapper's log
 * function for the parse. */
struct dm_config_tree *dm_config_text_parse(const char *text, size_t len,
					    const char *name, char *err,
					    size_t errlen, bool *empty);

#endif
