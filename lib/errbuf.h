/* Error messages into a caller's buffer (err, errlen), the convention of
 * the parsers in lib/: NULL or a zero length means "no message wanted". */
#ifndef DMLOG_ERRBUF_H
#define DMLOG_ERRBUF_H

#include <stddef.h>

void errbuf_set(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
