/* conn: one peer connection inside a worker: the only event-driven file of
 * the worker. It reads supervisor messages from fd 3, demultiplexes datagrams
 * (RFC 7983) into the sans-IO engines, sends what they produce, and keeps one
 * timer armed at the earliest engine deadline. Any fatal condition ends the
 * process with a BYE; the supervisor cleans up. */
#ifndef RTCD_CONN_H
#define RTCD_CONN_H

#include <event2/event.h>

/* Announce READY and run until the connection ends; returns the exit code. */
int conn_run(struct event_base *base, int chan_fd);

#endif
