/* rooms: the chat broker. Workers join rooms and publish to them; the
 * supervisor fans each message out to every other member worker, in order
 * per publisher. Delivery never blocks: a worker whose channel is full loses
 * the message, the loss is counted and reported to it with the next delivery.
 * Presence (who is in the room) is generated here, from the member info each
 * worker gave at join, with the connection id added by the supervisor. */
#ifndef RTCD_ROOMS_H
#define RTCD_ROOMS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct room;
struct sup;
struct worker;

int rooms_init(struct sup *s);
void rooms_free(struct sup *s);
/* Each returns 0, or -1 with *why set (the caller logs/counts; not a violation). */
int rooms_join(struct sup *s, struct worker *w, const char *room, const uint8_t *info,
    size_t infolen, const char **why);
int rooms_leave(struct sup *s, struct worker *w, const char *room, const char **why);
int rooms_publish(struct sup *s, struct worker *w, const char *room, const uint8_t *msg,
    size_t len, const uint8_t *gossip, size_t glen, const char **why);
/* A worker ends: leave every room it joined (presence updates go out). */
void rooms_leave_all(struct sup *s, struct worker *w);
int rooms_valid_name(const char *room);
json_t *rooms_list(struct sup *s);
/* The name of a room a worker holds (struct worker.rooms[]). */
const char *rooms_name(const struct room *r);

#endif
