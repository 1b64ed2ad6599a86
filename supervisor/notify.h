/* notify: the service manager readiness protocol (sd_notify(3)) spoken
 * directly over $NOTIFY_SOCKET, without libsystemd: one datagram of
 * newline-separated KEY=VALUE lines per state change. Without NOTIFY_SOCKET
 * (not started by systemd with Type=notify) every call does nothing. */
#ifndef RTCD_NOTIFY_H
#define RTCD_NOTIFY_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#define NOTIFY_MAX_MSG 1024      /* longest datagram we send */

/* Parse a NOTIFY_SOCKET value: an absolute path, or "@name" for an abstract
 * socket. Fills sun and its exact length; 0, or -1 when unusable. */
int notify_parse_addr(const char *value, struct sockaddr_un *sun, socklen_t *len);
/* Read NOTIFY_SOCKET, connect a datagram socket to it (before the privilege
 * drop) and remove the variable from the environment. 0 when there is none
 * or it is connected; -1 (logged) when it is set but unusable. */
int notify_open(void);
int notify_enabled(void);
/* Send one message (already formatted KEY=VALUE lines); 0 or -1. */
int notify_send(const char *msg);
void notify_ready(const char *status);
/* RELOADING=1 with MONOTONIC_USEC, as systemd's notify-reload expects. */
void notify_reloading(void);
void notify_stopping(const char *status);
/* STATUS=..., sent only when it differs from the last one. */
void notify_status(const char *status);
void notify_close(void);

#endif
