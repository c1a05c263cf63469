/* The online commands' link to dmlogd: one request on the control socket
 * (doc/control-protocol.md), its result or a message and an exit code.
 *
 * The socket is $DMLOG_CONTROL_SOCKET, else dmlogd/control_socket of
 * the configuration file ($DMLOG_CONFIG, default /etc/dmlog/dmlog.conf),
 * else /run/dmlogd.sock. */
#ifndef DMLOGCTL_CTLSOCK_H
#define DMLOGCTL_CTLSOCK_H

struct json_object;

struct ctl_conn {
	int fd;
	char path[108];
};

/* Connect. CTL_EXIT_OK, or an exit code after a message (4: dmlogd not
 * running, 5: permission denied). */
int ctl_connect(struct ctl_conn *c);
void ctl_disconnect(struct ctl_conn *c);

/* Send {"version":1,"request":request,"args":args} (args may be NULL;
 * not taken) and wait for the reply. On success *result is the reply's
 * result (the caller puts it). Otherwise an exit code after a message
 * (dmlogd's, which names the log or argument at fault). */
int ctl_request(struct ctl_conn *c, const char *request,
		struct json_object *args, struct json_object **result);

/* Connect, one request, disconnect. */
int ctl_request_once(const char *request, struct json_object *args,
		     struct json_object **result);

#endif
