/* notify: sd_notify(3) over $NOTIFY_SOCKET (see notify.h). The socket is
 * connected once, before the privilege drop, so later sends need no access
 * to the socket's path. Failures are logged once and never stop rtcd. */
#include "notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

static int nfd = -1;
static struct sockaddr_un nsun;
static socklen_t nlen;
static char last_status[NOTIFY_MAX_MSG];
static int warned;

int
notify_parse_addr(const char *value, struct sockaddr_un *sun, socklen_t *len)
{
	size_t n;

	if (value == NULL)
		return -1;
	n = strlen(value);
	if (n < 2 || n >= sizeof(sun->sun_path) || (value[0] != '/' && value[0] != '@'))
		return -1;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, value, n);
	if (value[0] == '@') {
		/* Abstract namespace: a leading NUL, and the length counts
		 * exactly the name (no terminating NUL). */
		sun->sun_path[0] = '\0';
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return 0;
}

static int
do_connect(void)
{
	if (nfd < 0)
		nfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (nfd < 0)
		return -1;
	return connect(nfd, (struct sockaddr *)&nsun, nlen);
}

int
notify_open(void)
{
	const char *v = getenv("NOTIFY_SOCKET");

	if (v == NULL || *v == '\0')
		return 0;
	if (notify_parse_addr(v, &nsun, &nlen) < 0) {
		log_warn("NOTIFY_SOCKET=%s is not an absolute path or @abstract name: "
		    "not notifying the service manager", v);
		unsetenv("NOTIFY_SOCKET");
		return -1;
	}
	if (do_connect() < 0) {
		log_warn("NOTIFY_SOCKET %s: %s: not notifying the service manager", v, strerror(errno));
		if (nfd >= 0)
			close(nfd);
		nfd = -1;
		unsetenv("NOTIFY_SOCKET");
		return -1;
	}
	/* Workers get an empty environment anyway; nothing else should
	 * inherit the variable either. */
	unsetenv("NOTIFY_SOCKET");
	return 0;
}

int
notify_enabled(void)
{
	return nfd >= 0;
}

int
notify_send(const char *msg)
{
	size_t n = strlen(msg);

	if (nfd < 0)
		return 0;
	if (send(nfd, msg, n, MSG_NOSIGNAL) == (ssize_t)n)
		return 0;
	/* The manager re-executed itself (new socket): reconnect once. */
	if ((errno == ECONNREFUSED || errno == ENOTCONN) && do_connect() == 0 &&
	    send(nfd, msg, n, MSG_NOSIGNAL) == (ssize_t)n)
		return 0;
	if (!warned++)
		log_warn("notify: cannot reach the service manager: %s", strerror(errno));
	return -1;
}

static void
send_with_status(const char *first, const char *status)
{
	char msg[NOTIFY_MAX_MSG];

	if (status && *status) {
		snprintf(msg, sizeof(msg), "%s\nSTATUS=%s", first, status);
		(void)strlcpy_checked(last_status, status, sizeof(last_status));
	} else {
		snprintf(msg, sizeof(msg), "%s", first);
	}
	(void)notify_send(msg);
}

void
notify_ready(const char *status)
{
	send_with_status("READY=1", status);
}

void
notify_reloading(void)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
	    (unsigned long long)now_us());
	(void)notify_send(msg);
}

void
notify_stopping(const char *status)
{
	send_with_status("STOPPING=1", status);
}

void
notify_status(const char *status)
{
	char msg[NOTIFY_MAX_MSG];

	if (nfd < 0 || strcmp(status, last_status) == 0)
		return;
	(void)strlcpy_checked(last_status, status, sizeof(last_status));
	snprintf(msg, sizeof(msg), "STATUS=%s", status);
	(void)notify_send(msg);
}

void
notify_close(void)
{
	if (nfd >= 0)
		close(nfd);
	nfd = -1;
	last_status[0] = '\0';
	warned = 0;
}
