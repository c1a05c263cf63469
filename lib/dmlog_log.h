/* Diagnostics for every dmlog component.
 *
 * The library never opens syslog or writes to stderr itself: the program
 * installs a sink (daemon: syslog or stderr; tests: capture). Levels are
 * syslog's. */
#ifndef DMLOG_LOG_H
#define DMLOG_LOG_H

#include <syslog.h>

typedef void (*dmlog_sink_fn)(int level, const char *msg);

/* Install the sink and the most verbose level it wants (LOG_DEBUG for all).
 * With no sink installed, messages are discarded. */
void dmlog_set_sink(dmlog_sink_fn sink, int max_level);
int dmlog_max_level(void);

void dmlog_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)    dmlog_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)   dmlog_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) dmlog_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)   dmlog_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)  dmlog_msg(LOG_DEBUG, __VA_ARGS__)

#endif
