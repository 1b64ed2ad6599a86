/* spawner: the worker template's lifecycle and its request/answer channel
 * (see spawner.h; the template itself is worker/template.c).
 *
 * Why a template: exec'ing rtcd-worker for every connection costs a dynamic
 * link and the OpenSSL/libsrtp start-up each time (the conn/s ceiling) and
 * gives every worker private copies of the relocated library data (most of
 * its memory). Forked from one initialised template, workers share those
 * pages. The trade-off, as with every fork-based server (prefork Apache,
 * nginx, Android's zygote): workers share the template's address-space
 * layout and stack canary, so a leak of one worker's layout is valid in the
 * next; each worker is still sandboxed, serves one peer and holds nothing of
 * the others. "worker_spawn": "exec" gives every worker a fresh exec.
 *
 * Pids: a worker forked by the template (CLONE_PARENT) is the supervisor's
 * child, so SIGCHLD and waitpid see it like an exec'd one; its pid arrives
 * in the template's answer. A worker that exits before that answer is read
 * is reaped as an unknown pid and remembered here (bounded) until the
 * answer names it. A worker whose pid is unknown is never signalled: it is
 * stopped by closing its channel. */
#include "spawner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <event2/event.h>

#include "common/log.h"
#include "common/spawnmsg.h"
#include "common/util.h"
#include "sup.h"

#define ANSWERS_PER_READ 64

struct orphan {
	pid_t pid;
	int status;
};

struct spawner {
	struct sup *s;
	int enabled;                 /* configured to use a template */
	pid_t pid;                   /* 0: no template process */
	int fd;                      /* its channel, -1 when closed */
	struct event *ev;
	struct event *restart_timer;
	uint64_t started_ms;
	int failures;                /* consecutive short-lived templates */
	uint64_t spawned, restarts, failed, bad_answers;
	struct orphan orphans[SPAWNER_ORPHANS];
	int next_orphan;
};

static void on_answer(evutil_socket_t fd, short ev, void *arg);
static void on_restart(evutil_socket_t fd, short ev, void *arg);
static void arm_restart(struct spawner *sp, uint64_t delay);

static int
start(struct spawner *sp)
{
	struct sup *s = sp->s;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_error("worker template: socketpair: %s", strerror(errno));
		return -1;
	}
	pid = workers_fork_exec(s, sv[1], 1);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	sp->ev = event_new(s->base, sv[0], EV_READ | EV_PERSIST, on_answer, sp);
	if (sp->ev == NULL || fd_set_nonblock(sv[0]) < 0 || event_add(sp->ev, NULL) < 0) {
		log_error("worker template: event setup failed");
		if (sp->ev)
			event_free(sp->ev);
		sp->ev = NULL;
		close(sv[0]);
		kill(pid, SIGKILL);   /* reaped by SIGCHLD as the template */
		sp->pid = pid;
		return -1;
	}
	sp->fd = sv[0];
	sp->pid = pid;
	sp->started_ms = now_ms();
	log_debug("worker template pid %d started", (int)pid);
	return 0;
}

/* Stop using the template; workers it was asked for and has not named are
 * forgotten (those that exist see their channel close and exit). */
static void
close_channel(struct spawner *sp)
{
	struct sup *s = sp->s;
	struct worker *w, *tmp;

	if (sp->fd < 0)
		return;
	event_free(sp->ev);
	sp->ev = NULL;
	close(sp->fd);
	sp->fd = -1;
	TAILQ_FOREACH_SAFE(w, &s->workers, all_link, tmp) {
		if (w->pid == 0 && !w->reaped) {
			log_debug("worker template gone before naming worker %u", (unsigned)w->serial);
			workers_discard(s, w);
		}
	}
}

int
spawner_init(struct sup *s)
{
	struct spawner *sp = calloc(1, sizeof(*sp));

	if (sp == NULL)
		return -1;
	sp->s = s;
	sp->fd = -1;
	sp->enabled = strcmp(s->cfg.worker_spawn, "template") == 0 && s->cfg.worker_wrapper[0] == 0;
	sp->restart_timer = evtimer_new(s->base, on_restart, sp);
	if (sp->restart_timer == NULL) {
		free(sp);
		return -1;
	}
	s->spawner = sp;
	if (sp->enabled && start(sp) < 0) {
		log_warn("worker template did not start: workers are exec'd until it does");
		arm_restart(sp, SPAWNER_RESTART_MIN_MS);
	}
	return 0;
}

void
spawner_free(struct sup *s)
{
	struct spawner *sp = s->spawner;

	if (sp == NULL)
		return;
	close_channel(sp);   /* the template exits on EOF (and by PDEATHSIG with us) */
	event_free(sp->restart_timer);
	free(sp);
	s->spawner = NULL;
}

int
spawner_spawn(struct sup *s, uint32_t serial, int chan)
{
	struct spawner *sp = s->spawner;
	struct spawnmsg m = { SPAWNMSG_SPAWN, (uint8_t)s->cfg.log_level, serial,
		(uint32_t)s->cfg.limits.worker_memory_mb };
	uint8_t out[SPAWNMSG_LEN];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cb;
	struct iovec iov = { out, sizeof(out) };
	struct msghdr mh = { 0 };
	struct cmsghdr *c;

	if (sp == NULL || sp->fd < 0)
		return -1;
	spawnmsg_encode(&m, out);
	memset(&cb, 0, sizeof(cb));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cb.b;
	mh.msg_controllen = sizeof(cb.b);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &chan, sizeof(int));
	if (sendmsg(sp->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)sizeof(out)) {
		/* Full (the template is behind) or broken: exec this one. */
		log_debug("worker template: request not sent (%s): exec'ing the worker", strerror(errno));
		return -1;
	}
	return 0;
}

static struct worker *
pending_worker(struct sup *s, uint32_t serial)
{
	struct worker *w;

	TAILQ_FOREACH(w, &s->workers, all_link)
		if (w->serial == serial && w->pid == 0 && !w->reaped)
			return w;
	return NULL;
}

static int
take_orphan(struct spawner *sp, pid_t pid, int *status)
{
	for (int i = 0; i < SPAWNER_ORPHANS; i++) {
		if (sp->orphans[i].pid == pid) {
			*status = sp->orphans[i].status;
			sp->orphans[i].pid = 0;
			return 1;
		}
	}
	return 0;
}

static void
handle_answer(struct spawner *sp, const struct spawnmsg *m)
{
	struct sup *s = sp->s;
	struct worker *w = pending_worker(s, m->serial);
	int status;

	if (m->type == SPAWNMSG_FAILED) {
		sp->failed++;
		log_error("worker template could not start a worker: %s", strerror((int)m->value));
		if (w)
			workers_exited(s, w, 126 << 8);   /* a failed start: the spawn backoff applies */
		return;
	}
	sp->spawned++;
	if (w == NULL)
		return;   /* forgotten meanwhile: that process has a closed channel and exits */
	if (take_orphan(sp, (pid_t)m->value, &status)) {
		w->reaped = 1;   /* already reaped: its pid must never be signalled */
		workers_set_pid(s, w, (pid_t)m->value);
		workers_exited(s, w, status);
	} else {
		workers_set_pid(s, w, (pid_t)m->value);
	}
}

static void
on_answer(evutil_socket_t fd, short ev, void *arg)
{
	struct spawner *sp = arg;
	uint8_t buf[SPAWNMSG_LEN + 1];
	struct spawnmsg m;

	for (int i = 0; i < ANSWERS_PER_READ && sp->fd >= 0; i++) {
		ssize_t n = recv(sp->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n <= 0) {
			log_debug("worker template channel closed");
			close_channel(sp);   /* SIGCHLD reports the exit */
			return;
		}
		if (spawnmsg_decode(buf, (size_t)n, &m) < 0 || m.type == SPAWNMSG_SPAWN ||
		    (m.type == SPAWNMSG_SPAWNED && (m.value < 2 || m.value > 0x3fffffff))) {
			/* Our own program answered nonsense: replace it. */
			sp->bad_answers++;
			log_error("worker template pid %d sent a malformed answer: restarting it", (int)sp->pid);
			kill(sp->pid, SIGKILL);
			close_channel(sp);
			return;
		}
		handle_answer(sp, &m);
	}
	(void)fd;
	(void)ev;
}

/* The restart backoff after n failures in a row: doubling from the minimum. */
static uint64_t
restart_delay_ms(int n)
{
	uint64_t delay = SPAWNER_RESTART_MIN_MS;

	for (int i = 0; i < n && delay < SPAWNER_RESTART_MAX_MS; i++)
		delay *= 2;
	return MIN(delay, (uint64_t)SPAWNER_RESTART_MAX_MS);
}

static void
arm_restart(struct spawner *sp, uint64_t delay)
{
	struct timeval tv = { (time_t)(delay / 1000), (suseconds_t)((delay % 1000) * 1000) };

	evtimer_add(sp->restart_timer, &tv);
}

static void
on_restart(evutil_socket_t fd, short ev, void *arg)
{
	struct spawner *sp = arg;

	if (sp->s->stopping || sp->pid != 0 || !sp->enabled)
		return;
	sp->restarts++;
	if (start(sp) == 0) {
		log_info("worker template restarted (pid %d)", (int)sp->pid);
		return;
	}
	arm_restart(sp, restart_delay_ms(sp->failures++));
	(void)fd;
	(void)ev;
}

int
spawner_reaped(struct sup *s, pid_t pid, int status)
{
	struct spawner *sp = s->spawner;
	uint64_t lived, delay;

	if (sp == NULL || pid != sp->pid)
		return 0;
	close_channel(sp);
	sp->pid = 0;
	if (s->stopping)
		return 1;
	lived = now_ms() - sp->started_ms;
	sp->failures = lived < SPAWNER_STABLE_MS ? sp->failures + 1 : 0;
	delay = restart_delay_ms(sp->failures > 0 ? sp->failures - 1 : 0);
	if (WIFSIGNALED(status))
		log_error("worker template pid %d died from signal %d after %llu ms; restarting it in "
		    "%llu ms, workers are exec'd meanwhile", (int)pid, WTERMSIG(status),
		    (unsigned long long)lived, (unsigned long long)delay);
	else
		log_error("worker template pid %d exited with status %d after %llu ms; restarting it "
		    "in %llu ms, workers are exec'd meanwhile", (int)pid, WEXITSTATUS(status),
		    (unsigned long long)lived, (unsigned long long)delay);
	arm_restart(sp, delay);
	return 1;
}

void
spawner_unknown_exit(struct sup *s, pid_t pid, int status)
{
	struct spawner *sp = s->spawner;

	if (sp == NULL)
		return;
	sp->orphans[sp->next_orphan].pid = pid;
	sp->orphans[sp->next_orphan].status = status;
	sp->next_orphan = (sp->next_orphan + 1) % SPAWNER_ORPHANS;
}

json_t *
spawner_status(struct sup *s)
{
	struct spawner *sp = s->spawner;

	if (sp == NULL)
		return json_null();
	return json_pack("{ss ss sI sI sI sI}",
	    "mode", sp->enabled ? "template" : "exec",
	    "state", !sp->enabled ? "off" : sp->fd >= 0 ? "up" : "restarting",
	    "pid", (json_int_t)sp->pid, "spawned", (json_int_t)sp->spawned,
	    "restarts", (json_int_t)sp->restarts, "failed", (json_int_t)(sp->failed + sp->bad_answers));
}
