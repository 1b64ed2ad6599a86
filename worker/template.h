/* template: the worker template ("zygote"). One rtcd-worker --template per
 * supervisor initialises the fork-safe libraries once (OpenSSL, libsrtp)
 * and then forks a worker for each SPAWN request, with CLONE_PARENT so that
 * the worker is the supervisor's child: reaped, signalled and accounted for
 * exactly like an exec'd one. Workers share the template's pages until they
 * write them, and skip exec, dynamic linking and library start-up. */
#ifndef RTCD_TEMPLATE_H
#define RTCD_TEMPLATE_H

struct template_child {
	int log_level;           /* enum log_level for the new worker */
	unsigned memory_mb;      /* its address-space limit */
};

/* Serve SPAWN requests on chan_fd (fd 3). Returns 1 in each new worker,
 * whose channel is then on chan_fd and whose parameters are in *out; 0 in
 * the template when the supervisor closed the channel (retire); -1 on a
 * fatal error. Blocking: the template has nothing else to do. */
int template_serve(int chan_fd, struct template_child *out);

#endif
