/* workers: spawning (a fork of the worker template, spawner.c, or fork +
 * exec of rtcd-worker, with the socketpair end on fd 3), the prefork pool of idle sandboxed workers, assignment of a worker to
 * a new connection, deadlines, kills, SIGCHLD reaping with crash
 * classification, and the spawn backoff when workers keep failing at start.
 * A worker's death is an event, never an error for the supervisor. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "identity.h"
#include "rooms.h"
#include "spawner.h"
#include "sup.h"

#define READY_DEADLINE_MS 10000
#define CLOSING_DEADLINE_MS 3000
#define HANDSHAKE_GRACE_MS 5000
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 30000
#define CHAN_BUF (1024 * 1024)
#define DRAIN_ROUNDS 64          /* wchan_on_read calls for a dead worker's backlog */

static struct event *sigchld_ev;

const char *
wstate_name(enum wstate st)
{
	static const char *n[] = { "spawned", "idle", "handshake", "connected", "closing" };
	return (unsigned)st < ARRAY_LEN(n) ? n[st] : "?";
}

const char *
workers_label(const struct worker *w, char *buf, size_t len)
{
	char a[ADDR_STRLEN];
	const struct addr *r = w->remote.family ? &w->remote :
	    w->first_remote_ip.family ? &w->first_remote_ip : NULL;

	if (w->id == 0)
		snprintf(buf, len, "worker pid %d", (int)w->pid);
	else if (r)
		snprintf(buf, len, "conn %u (%s)", w->id, addr_format(r, a, sizeof(a)));
	else
		snprintf(buf, len, "conn %u", w->id);
	return buf;
}

static void on_timer(evutil_socket_t fd, short ev, void *arg);
static void on_sigchld(evutil_socket_t fd, short ev, void *arg);
static void on_refill(evutil_socket_t fd, short ev, void *arg);

int
workers_init(struct sup *s)
{
	TAILQ_INIT(&s->workers);
	TAILQ_INIT(&s->pool);
	s->next_conn_id = 1;
	sigchld_ev = evsignal_new(s->base, SIGCHLD, on_sigchld, s);
	s->refill_timer = evtimer_new(s->base, on_refill, s);
	if (sigchld_ev == NULL || s->refill_timer == NULL || evsignal_add(sigchld_ev, NULL) < 0)
		return -1;
	return 0;
}

void
workers_arm_timer(struct worker *w, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000) };

	evtimer_add(w->timer, &tv);
}

void
workers_set_state(struct worker *w, enum wstate st)
{
	struct sup *s = w->sup;

	if (w->counted_pending && st != WS_ASSIGNED) {
		s->npending--;
		w->counted_pending = 0;
	}
	if (w->counted_ip && st != WS_ASSIGNED) {
		router_ip_pending(s, &w->first_remote_ip, -1);
		w->counted_ip = 0;
	}
	w->state = st;
	switch (st) {
	case WS_ASSIGNED:
		workers_arm_timer(w, (uint64_t)s->cfg.limits.handshake_timeout_s * 1000 + HANDSHAKE_GRACE_MS);
		break;
	case WS_CONNECTED:
		w->connected_ms = now_ms();
		evtimer_del(w->timer);
		metrics_handshake(s, 1, w->connected_ms - w->assigned_ms);
		break;
	case WS_CLOSING:
		workers_arm_timer(w, CLOSING_DEADLINE_MS);
		break;
	default:
		break;
	}
}

static void
child_exec(struct sup *s, int chan, int as_template)
{
	char uid[16], gid[16], lvl[16], mem[16], wrap[CONFIG_PATH_MAX];
	char *argv[32];
	char *envp[] = { NULL };
	int argc = 0;
	sigset_t all;
	int devnull;

	/* libevent installed handlers in the parent: start clean. */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (chan == 3) {
		fcntl(3, F_SETFD, 0);
	} else if (dup2(chan, 3) < 0) {
		_exit(126);
	}
	/* Own session: a terminal's Ctrl-C or a group-wide SIGTERM reaches the
	 * supervisor only, which then closes every connection in order. */
	(void)setsid();
	devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
	}
	/* Fixed fd layout: 0,1 /dev/null, 2 the supervisor's stderr, 3 channel. */
	if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0)
		for (int fd = 4; fd < 1024; fd++)
			close(fd);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(126);
	snprintf(uid, sizeof(uid), "%u", (unsigned)s->worker_uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)s->worker_gid);
	snprintf(lvl, sizeof(lvl), "%s", log_level_name(s->cfg.log_level));
	/* Test-only (config refuses it without debug_hooks): run the worker
	 * under a tool such as valgrind, which cannot live under our seccomp
	 * filter; chroot and the id drop still apply. */
	if (s->cfg.worker_wrapper[0] && s->cfg.debug_hooks) {
		char *save = NULL, *tok;
		strlcpy_checked(wrap, s->cfg.worker_wrapper, sizeof(wrap));
		for (tok = strtok_r(wrap, " ", &save); tok && argc < 20; tok = strtok_r(NULL, " ", &save))
			argv[argc++] = tok;
	}
	argv[argc++] = s->worker_path;
	argv[argc++] = "--uid";
	argv[argc++] = uid;
	argv[argc++] = "--gid";
	argv[argc++] = gid;
	argv[argc++] = "--chroot";
	argv[argc++] = s->cfg.chroot_dir;
	argv[argc++] = "--log-level";
	argv[argc++] = lvl;
	snprintf(mem, sizeof(mem), "%d", s->cfg.limits.worker_memory_mb);
	argv[argc++] = "--memory-mb";
	argv[argc++] = mem;
	if (argv[0] != s->worker_path)
		argv[argc++] = "--no-seccomp";
	if (as_template)
		argv[argc++] = "--template";
	argv[argc] = NULL;
	execve(argv[0], argv, envp);
	_exit(127);
}

/* fork + exec rtcd-worker (or, as_template, the worker template) with
 * chan on its fd 3. Returns the child's pid or -1. */
pid_t
workers_fork_exec(struct sup *s, int chan, int as_template)
{
	pid_t pid, parent = getpid();

	pid = fork();
	if (pid < 0) {
		log_error("spawn: fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (getppid() != parent)
			_exit(126);
		child_exec(s, chan, as_template);
	}
	return pid;
}

static int
spawn(struct sup *s)
{
	struct worker *w;
	int sv[2], sz = CHAN_BUF;
	pid_t pid = 0;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_error("spawn: socketpair: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		(void)setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		(void)setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	w->serial = ++s->next_serial;
	/* The template answers with the pid later (spawner.c); until then
	 * w->pid is 0 and the worker is never signalled. */
	if (spawner_spawn(s, w->serial, sv[1]) < 0 && (pid = workers_fork_exec(s, sv[1], 0)) < 0) {
		free(w);
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	close(sv[1]);
	fd_set_nonblock(sv[0]);
	w->sup = s;
	w->pid = pid;
	w->fd = sv[0];
	w->spawned_ms = now_ms();
	w->log_tokens = 50;
	w->log_refill_ms = w->spawned_ms;
	LIST_INIT(&w->flows);
	w->ev = event_new(s->base, w->fd, EV_READ | EV_PERSIST, wchan_on_read, w);
	w->timer = evtimer_new(s->base, on_timer, w);
	if (w->ev == NULL || w->timer == NULL || event_add(w->ev, NULL) < 0) {
		/* The child (if any) exits on the closed channel and is reaped by
		 * SIGCHLD as an unknown pid. */
		if (pid > 0)
			kill(pid, SIGKILL);
		log_error("spawn: event setup failed");
		if (w->ev)
			event_free(w->ev);
		if (w->timer)
			event_free(w->timer);
		close(w->fd);
		free(w);
		return -1;
	}
	TAILQ_INSERT_TAIL(&s->workers, w, all_link);
	s->nworkers++;
	s->nspawning++;
	if (pid > 0)
		s->c.workers_spawned++;   /* a template's worker counts once it is named */
	w->state = WS_SPAWNED;
	/* a test wrapper such as valgrind makes start-up many times slower */
	workers_arm_timer(w, s->cfg.worker_wrapper[0] ? 12 * READY_DEADLINE_MS : READY_DEADLINE_MS);
	if (pid > 0)
		log_debug("worker pid %d spawned", (int)pid);
	return 0;
}

void
workers_set_pid(struct sup *s, struct worker *w, pid_t pid)
{
	w->pid = pid;
	s->c.workers_spawned++;
	log_debug("worker pid %d spawned (template)", (int)pid);
	if (w->kill_sent && !w->reaped)
		kill(pid, SIGKILL);   /* killed while its pid was unknown */
}

static void
schedule_refill(struct sup *s, uint64_t delay_ms)
{
	struct timeval tv = { (time_t)(delay_ms / 1000), (suseconds_t)((delay_ms % 1000) * 1000) };

	evtimer_add(s->refill_timer, &tv);
}

void
workers_refill(struct sup *s)
{
	uint64_t now = now_ms();

	if (s->stopping || s->draining)
		return;
	while (s->nidle + s->nspawning < s->cfg.limits.pool_size &&
	    s->nworkers < s->cfg.limits.max_workers) {
		if (s->start_failures > 0) {
			/* Crash loop: one spawn at a time, after the backoff. */
			if (s->nspawning > 0)
				return;
			if (now < s->backoff_until_ms) {
				schedule_refill(s, s->backoff_until_ms - now);
				return;
			}
			s->backoff_until_ms = now + BACKOFF_MAX_MS;  /* until this one reports */
		}
		if (spawn(s) < 0) {
			s->start_failures++;
			s->backoff_until_ms = now + BACKOFF_MIN_MS;
			schedule_refill(s, BACKOFF_MIN_MS);
			return;
		}
		if (s->start_failures > 0)
			return;
	}
}

static void
on_refill(evutil_socket_t fd, short ev, void *arg)
{
	workers_refill(arg);
}

struct worker *
workers_take(struct sup *s, uint8_t mode, const struct addr *src)
{
	struct worker *w;
	struct wire_msg m;
	struct wire_hello *h = &m.u.hello;

	if (s->stopping || s->draining || s->npending >= s->cfg.limits.max_pending)
		return NULL;
	w = TAILQ_FIRST(&s->pool);
	if (w == NULL) {
		workers_refill(s);
		return NULL;
	}
	TAILQ_REMOVE(&s->pool, w, pool_link);
	w->in_pool = 0;
	s->nidle--;
	do
		w->id = s->next_conn_id++;
	while (w->id == 0);
	w->mode = mode;
	w->assigned_ms = now_ms();
	if (src) {
		w->first_remote_ip = *src;
		router_ip_pending(s, src, +1);
		w->counted_ip = 1;
	}
	w->counted_pending = 1;
	s->npending++;
	workers_set_state(w, WS_ASSIGNED);

	wire_init(&m, WIRE_HELLO, 0);
	memset(h, 0, sizeof(*h));
	h->conn_id = w->id;
	h->mode = mode;
	h->log_level = (uint8_t)s->cfg.log_level;
	h->consent_timeout_ms = (uint32_t)s->cfg.limits.consent_timeout_s * 1000;
	h->handshake_timeout_ms = (uint32_t)s->cfg.limits.handshake_timeout_s * 1000;
	for (int i = 0; i < s->ncands && i < WIRE_MAX_CANDS; i++)
		h->cand[h->ncand++] = s->cands[i];
	memcpy(h->cert, s->cert_der, s->cert_len);
	h->cert_len = s->cert_len;
	memcpy(h->key, s->key_der, s->key_len);
	h->key_len = s->key_len;
	if (s->id) {
		identity_pubkey_pb(s->id, h->pubkey);
		h->pubkey_len = IDENTITY_PUBKEY_PB_LEN;
	}
	if (workers_send(w, &m) < 0) {
		workers_kill(w, "HELLO could not be delivered");
		workers_refill(s);
		return NULL;
	}
	workers_refill(s);
	return w;
}

int
workers_send(struct worker *w, const struct wire_msg *m)
{
	if (w->eof || w->kill_sent || w->fd < 0) {
		errno = EPIPE;   /* gone or going */
		return -1;
	}
	if (wire_send(w->fd, m) < 0) {
		/* A worker that cannot take a control message is wedged. */
		if (m->type != WIRE_ROOM_DELIVER)
			workers_kill(w, errno == EAGAIN ? "channel full" : "channel broken");
		return -1;
	}
	return 0;
}

void
workers_kill(struct worker *w, const char *why)
{
	struct sup *s = w->sup;
	char label[96];

	if (w->kill_sent || w->reaped)
		return;
	metrics_worker_killed(s, why);
	if (w->id)
		log_warn("%s: killing worker pid %d: %s", workers_label(w, label, sizeof(label)),
		    (int)w->pid, why);
	else
		log_debug("killing idle worker pid %d: %s", (int)w->pid, why);
	(void)strlcpy_checked(w->close_reason, why, sizeof(w->close_reason));
	if (w->pid > 0)
		kill(w->pid, SIGKILL);
	else
		(void)shutdown(w->fd, SHUT_RDWR);   /* pid not known yet: it exits on EOF */
	w->kill_sent = 1;
	router_forget_worker(s, w);
	rooms_leave_all(s, w);
	if (w->in_pool) {
		TAILQ_REMOVE(&s->pool, w, pool_link);
		w->in_pool = 0;
		s->nidle--;
	}
	workers_set_state(w, WS_CLOSING);
}

static void
on_timer(evutil_socket_t fd, short ev, void *arg)
{
	struct worker *w = arg;

	switch (w->state) {
	case WS_SPAWNED:
		workers_kill(w, "did not become ready in time");
		break;
	case WS_ASSIGNED:
		workers_kill(w, "handshake deadline passed");
		break;
	case WS_CLOSING:
		if (!w->kill_sent)
			workers_kill(w, "did not exit after SHUTDOWN");
		else if (w->pid == 0)
			workers_discard(w->sup, w);   /* the template never told its pid */
		break;
	default:
		break;
	}
}

struct worker *
workers_find(struct sup *s, uint32_t id)
{
	struct worker *w;

	TAILQ_FOREACH(w, &s->workers, all_link)
		if (w->id == id && id != 0)
			return w;
	return NULL;
}

void
workers_discard(struct sup *s, struct worker *w)
{
	router_forget_worker(s, w);
	rooms_leave_all(s, w);
	if (w->offer_req)
		http_offer_failed(s, w, 503, "worker ended before answering");
	if (w->in_pool) {
		TAILQ_REMOVE(&s->pool, w, pool_link);
		s->nidle--;
	}
	if (!w->was_ready)
		s->nspawning--;
	if (w->counted_pending)
		s->npending--;
	if (w->counted_ip)
		router_ip_pending(s, &w->first_remote_ip, -1);
	TAILQ_REMOVE(&s->workers, w, all_link);
	s->nworkers--;
	if (w->ev)
		event_free(w->ev);
	event_free(w->timer);
	if (w->fd >= 0)
		close(w->fd);
	free(w);
}

static const char *
signal_note(int sig)
{
	switch (sig) {
	case SIGSYS: return " (seccomp: forbidden system call)";
	case SIGSEGV: return " (segmentation fault)";
	case SIGABRT: return " (abort)";
	case SIGKILL: return " (killed)";
	default: return "";
	}
}

static void
reaped(struct sup *s, struct worker *w, int status)
{
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	int crashed = sig != 0 && !(sig == SIGKILL && w->kill_sent);
	/* Died before READY, or crashed while idle in the pool: the worker
	 * itself is broken (bad binary, missing user, sandbox failure). */
	int start_fail = !w->was_ready || (w->id == 0 && crashed);
	char label[96];

	w->reaped = 1;
	workers_label(w, label, sizeof(label));
	if (w->id != 0 && w->connected_ms == 0)
		metrics_handshake(s, 0, 0);
	if (crashed) {
		s->c.workers_crashed++;
		metrics_worker_crashed(s, sig);
		if (w->id)
			log_error("%s: worker pid %d died from signal %d%s; other connections are unaffected",
			    label, (int)w->pid, sig, signal_note(sig));
		else
			log_error("%s died from signal %d%s", label, sig, signal_note(sig));
		if (w->id != 0) {
			/* A source that crashes workers pays for it (cf. OpenSSH
			 * PerSourcePenalties): its new-flow budget is emptied. */
			router_ip_allow(s, &w->first_remote_ip, now_ms(), s->cfg.limits.new_flows_burst);
		}
	} else if (sig != 0) {
		s->c.workers_killed++;
	} else {
		s->c.workers_exited++;
		if (start_fail)
			log_error("worker pid %d exited with status %d before it was ready (see its log above)",
			    (int)w->pid, WEXITSTATUS(status));
		else
			log_debug("%s: worker pid %d exited (%d)", label, (int)w->pid, WEXITSTATUS(status));
	}
	if (start_fail && !s->stopping) {
		uint64_t delay = BACKOFF_MIN_MS;
		s->start_failures++;
		s->c.worker_start_failures++;
		for (int i = 1; i < s->start_failures && delay < BACKOFF_MAX_MS; i++)
			delay *= 2;
		if (delay > BACKOFF_MAX_MS)
			delay = BACKOFF_MAX_MS;
		s->backoff_until_ms = now_ms() + delay;
		log_warn("crash loop: workers (%s) are failing at start, %d in a row: backing off, "
		    "next spawn in %llu ms; connections are refused until a worker starts",
		    s->worker_path, s->start_failures, (unsigned long long)delay);
	}
	workers_discard(s, w);
}

/* A worker that exited may have left its last messages unread (its goodbye
 * datagrams: SCTP ABORT, DTLS close_notify; its BYE): SIGCHLD and the
 * channel's readability arrive in one loop iteration in either order. Read
 * them before the worker is destroyed, so its peer still hears goodbye. */
static void
drain_channel(struct worker *w)
{
	for (int i = 0; i < DRAIN_ROUNDS && !w->eof && w->ev != NULL; i++)
		wchan_on_read(w->fd, EV_READ, w);
}

void
workers_exited(struct sup *s, struct worker *w, int status)
{
	w->reaped = 1;   /* its pid may be reused now: never signal it again */
	drain_channel(w);
	reaped(s, w, status);
}

static void
on_sigchld(evutil_socket_t fd, short ev, void *arg)
{
	struct sup *s = arg;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct worker *w;
		if (spawner_reaped(s, pid, status))
			continue;
		TAILQ_FOREACH(w, &s->workers, all_link)
			if (w->pid == pid)
				break;
		if (w)
			workers_exited(s, w, status);
		else
			spawner_unknown_exit(s, pid, status);   /* a template child not yet announced */
	}
	workers_refill(s);
	if (s->stopping && s->nworkers == 0)
		event_base_loopexit(s->base, NULL);
	if (s->draining && s->nworkers == 0)
		sup_request_stop(s, "drained");
}

void
workers_shutdown_all(struct sup *s, int reason)
{
	struct worker *w, *tmp;
	struct wire_msg m;

	TAILQ_FOREACH_SAFE(w, &s->workers, all_link, tmp) {
		if (w->kill_sent)
			continue;
		if (w->state == WS_SPAWNED || w->state == WS_IDLE) {
			workers_kill(w, "shutting down");
			continue;
		}
		wire_init(&m, WIRE_SHUTDOWN, 0);
		m.u.code = (uint8_t)reason;
		if (workers_send(w, &m) == 0)
			workers_set_state(w, WS_CLOSING);
	}
}

void
workers_free_all(struct sup *s)
{
	struct worker *w;

	while ((w = TAILQ_FIRST(&s->workers)) != NULL) {
		if (!w->reaped && !w->kill_sent && w->pid > 0)
			kill(w->pid, SIGKILL);
		workers_discard(s, w);
	}
	if (sigchld_ev)
		event_free(sigchld_ev);
	sigchld_ev = NULL;
	if (s->refill_timer)
		event_free(s->refill_timer);
	s->refill_timer = NULL;
}
