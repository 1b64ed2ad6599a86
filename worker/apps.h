/* apps: what a plain WebRTC connection does with its data channels, by label:
 *   "echo", "ping": every message is sent back as it came (text or binary);
 *   "chat": JSON chat bridged to the supervisor's rooms (README "Chat protocol").
 * Echo output that does not fit SCTP's send buffer waits in a bounded queue
 * (APPS_MAX_QUEUED bytes); beyond it the channel is closed, never memory
 * growing without bound. */
#ifndef RTCD_APPS_H
#define RTCD_APPS_H

#include <stddef.h>
#include <stdint.h>

#include "datachannel.h"

#define APPS_MAX_QUEUED (8u * 1024 * 1024)
#define APPS_DEFAULT_ROOM "lobby"
#define APPS_MAX_TEXT 4096

struct app_host {
	void *arg;
	uint32_t conn_id;
	const char *mode;        /* "webrtc" or "webrtc-direct", for presence */
	void (*room_join)(void *arg, const char *room, const char *info_json);
	void (*room_leave)(void *arg, const char *room);
	void (*room_publish)(void *arg, const char *room, const uint8_t *p, size_t n);
};

struct app_stats {
	uint64_t echoed, echo_queued_max, chat_in, chat_out, chat_bad, closed_overflow;
};

struct apps;

struct apps *apps_new(const struct app_host *host);
void apps_free(struct apps *a);
void apps_set_dc(struct apps *a, struct dc_mgr *dc);
void apps_on_open(struct apps *a, struct dc_channel *ch);
void apps_on_message(struct apps *a, struct dc_channel *ch, int binary, const uint8_t *p, size_t n);
void apps_on_close(struct apps *a, struct dc_channel *ch);
void apps_on_writable(struct apps *a);
/* A ROOM_DELIVER from the supervisor. */
void apps_on_deliver(struct apps *a, const char *room, uint32_t from_conn, uint32_t lost,
    const uint8_t *p, size_t n);
const struct app_stats *apps_get_stats(const struct apps *a);

#endif
