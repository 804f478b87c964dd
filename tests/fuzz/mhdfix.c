/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* An in-thread libmicrohttpd daemon fed through socket pairs (mhdfix.h). */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mhdfix.h"

struct call {
	mhdfix_fn fn;
	void *cls;
	bool ran;
};

/* The request under way: one at a time, in this thread. */
static struct call *current;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)cls;
	(void)version;
	(void)upload_data;
	if (*con_cls == NULL && current && !current->ran) {
		*con_cls = current;
		current->ran = true;
		current->fn(conn, method, url, current->cls);
	}
	*upload_data_size = 0; /* a body, if any, is dropped: the harness fed its own */
	struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc = MHD_queue_response(conn, 204, r);
	MHD_destroy_response(r);
	return rc;
}

static struct MHD_Daemon *daemon_once(void)
{
	static struct MHD_Daemon *d;
	if (!d) {
		/* wl-server's own limits where they bear on parsing. */
		d = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, on_request, NULL,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
				     MHD_OPTION_STRICT_FOR_CLIENT, (int)0, MHD_OPTION_END);
		if (!d) {
			fprintf(stderr, "mhdfix: cannot start libmicrohttpd\n");
			exit(2);
		}
	}
	return d;
}

static unsigned connections(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return i ? i->num_connections : 0;
}

bool mhdfix_run(const char *request, size_t len, mhdfix_fn fn, void *cls)
{
	struct MHD_Daemon *d = daemon_once();
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		perror("mhdfix: socketpair");
		exit(2);
	}
	/* The whole request is in the socket before libmicrohttpd reads: a
	 * unix socket holds far more than the harnesses send. */
	size_t sent = 0;
	while (sent < len) {
		ssize_t n = write(sv[1], request + sent, len - sent);
		if (n <= 0)
			break;
		sent += (size_t)n;
	}
	struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(40000)};
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct call call = {fn, cls, false};
	current = &call;
	if (MHD_add_connection(d, sv[0], (const struct sockaddr *)&peer, sizeof(peer)) != MHD_YES) {
		close(sv[0]);
		close(sv[1]);
		current = NULL;
		return false;
	}
	/* Each round reads, parses or answers a little; a request that is
	 * incomplete just stops making progress. */
	for (int i = 0; i < 16 && !call.ran && connections(d) > 0; i++)
		MHD_run(d);
	close(sv[1]);
	for (int i = 0; i < 64 && connections(d) > 0; i++)
		MHD_run(d);
	current = NULL;
	if (connections(d) > 0) {
		fprintf(stderr, "mhdfix: a connection did not close\n");
		abort();
	}
	return call.ran;
}
