/* spawner: the supervisor's side of the worker template (worker/template.c):
 * starts it (fork + exec of rtcd-worker --template), passes it one channel
 * per new worker, learns the worker's pid from its answer, restarts it with
 * a backoff when it dies, and falls back to fork + exec per worker while it
 * is down ("worker_spawn": "exec" or a worker_wrapper use that path only). */
#ifndef RTCD_SPAWNER_H
#define RTCD_SPAWNER_H

#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#define SPAWNER_ORPHANS 64           /* exits remembered until their pid is told */
#define SPAWNER_RESTART_MIN_MS 500
#define SPAWNER_RESTART_MAX_MS 30000
#define SPAWNER_STABLE_MS 5000       /* a template that lived this long was healthy */

struct sup;

/* Allocate and (unless configured off) start the template. -1: no memory. */
int spawner_init(struct sup *s);
/* Close the template's channel (it exits) and free everything. */
void spawner_free(struct sup *s);
/* Ask the template for a worker on chan (the supervisor keeps its copy of
 * chan and closes it). 0: asked, the pid comes later; -1: use fork + exec. */
int spawner_spawn(struct sup *s, uint32_t serial, int chan);
/* From SIGCHLD: 1 if pid was the template (handled), else 0. */
int spawner_reaped(struct sup *s, pid_t pid, int status);
/* From SIGCHLD: a child that is no known worker (a template child whose
 * pid has not been told yet): remembered for spawner.c's answer handler. */
void spawner_unknown_exit(struct sup *s, pid_t pid, int status);
/* {"mode", "pid", "spawned", "restarts", "failed"} for rtcctl status. */
json_t *spawner_status(struct sup *s);

#endif
