/* Where dmlogd's messages go: stderr with level prefixes in the
 * foreground, syslog (ident "dmlogd", facility LOG_DAEMON) as a daemon. */
#ifndef DMLOGD_LOGSINK_H
#define DMLOGD_LOGSINK_H

/* stderr. Under systemd (JOURNAL_STREAM names our stderr) the prefix is
 * the journal's "<N>" so levels survive; otherwise "dmlogd: error: ". */
void logsink_use_stderr(int max_level);
void logsink_use_syslog(int max_level);
/* Change the level, keeping the sink. */
void logsink_set_level(int max_level);

#endif
