/* sctp: one SCTP association over DTLS (RFC 8261) using usrsctp with AF_CONN.
 * The only file that includes usrsctp.h. usrsctp is process-global and calls
 * back synchronously, so this engine is not pure: packets go in through
 * sctp_input, packets come out through cfg.send while we are inside usrsctp,
 * and every upper-layer event (up, down, message, stream reset, writable) is
 * delivered after usrsctp returned, from our own receive loop.
 *
 * Re-entrancy contract:
 * - cfg.send runs inside usrsctp (its locks are held). It must only queue or
 *   encrypt the packet. From inside it, sctp_send/sctp_reset_stream fail with
 *   EBUSY, sctp_input drops the packet, and sctp_abort/sctp_shutdown/sctp_free
 *   are deferred until the outermost call returns.
 * - All other callbacks run outside usrsctp: they may call any function here,
 *   including sctp_free (the association is destroyed once the outermost call
 *   on it returns; no further callback is made after sctp_free). */
#ifndef RTCD_SCTP_H
#define RTCD_SCTP_H

#include <stddef.h>
#include <stdint.h>

#define SCTP_DEFAULT_PORT 5000
#define SCTP_DEFAULT_STREAMS 1024
#define SCTP_DEFAULT_MAX_MESSAGE (256u * 1024)
#define SCTP_MAX_MESSAGE_LIMIT (16u * 1024 * 1024)   /* largest max_message_size accepted */
#define SCTP_DEFAULT_BUF (1024u * 1024)
#define SCTP_MAX_ASSOCS 1024      /* default per process; a worker uses one */
#define SCTP_MAX_ASSOCS_LIMIT 65536   /* sctp_set_max_assocs bound (bench/rtcclient) */
#define SCTP_TICK_MS 10           /* period at which the caller runs sctp_tick */

/* Payload protocol identifiers (RFC 8831 §8, RFC 8832 §8.1). */
#define SCTP_PPID_DCEP 50
#define SCTP_PPID_STRING 51
#define SCTP_PPID_BINARY_PARTIAL 52
#define SCTP_PPID_BINARY 53
#define SCTP_PPID_STRING_PARTIAL 54
#define SCTP_PPID_STRING_EMPTY 56
#define SCTP_PPID_BINARY_EMPTY 57

/* Partial reliability of one message (RFC 3758). */
enum sctp_rel {
	SCTP_REL_FULL = 0,     /* reliable */
	SCTP_REL_REXMIT = 1,   /* value = max retransmissions */
	SCTP_REL_TIMED = 2,    /* value = lifetime in ms */
};

struct sctp_cfg {
	uint16_t local_port;          /* 0 -> 5000 */
	uint16_t remote_port;         /* 0 -> 5000 */
	uint32_t max_message_size;    /* 0 -> 256 KiB; at most SCTP_MAX_MESSAGE_LIMIT */
	uint16_t streams;             /* in and out; 0 -> 1024 */
	uint32_t sndbuf;              /* 0 -> 1 MiB; raised to 2 * max_message_size */
	uint32_t rcvbuf;              /* 0 -> 1 MiB */
	void *arg;                    /* first argument of every callback */
	/* An SCTP packet to encrypt and send (runs inside usrsctp). 0 or -1. */
	int (*send)(void *arg, const uint8_t *p, size_t n);
	void (*on_up)(void *arg);
	/* Once per association, whatever ended it (also local abort/shutdown). */
	void (*on_down)(void *arg, const char *reason);
	/* A complete message (never a fragment); data valid during the call. */
	void (*on_message)(void *arg, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n);
	/* The peer reset its outgoing stream sid: no more data will come on it. */
	void (*on_stream_reset)(void *arg, uint16_t sid);
	/* Our outgoing reset of sid completed (ok = 1) or was refused (ok = 0). */
	void (*on_reset_done)(void *arg, uint16_t sid, int ok);
	/* After a send failed with EAGAIN: the send buffer drained to half. */
	void (*on_writable)(void *arg);
};

struct sctp_stats {
	uint64_t msgs_in, bytes_in, msgs_out, bytes_out;
	uint64_t pkts_in, pkts_out, pkts_dropped;
};

struct sctp_assoc;

/* Size of the per-process association table (default SCTP_MAX_ASSOCS),
 * before sctp_global_init. 0, or -1 when already initialised or n is not in
 * 1..SCTP_MAX_ASSOCS_LIMIT. */
int sctp_set_max_assocs(size_t n);
/* Once per process, before the sandbox. 0 or -1. */
int sctp_global_init(void);
/* Silence usrsctp's debug tracing (it never prints without a printer). */
void sctp_debug_off(void);
/* Drive usrsctp's timers: every SCTP_TICK_MS while an association exists. */
void sctp_tick(uint32_t elapsed_ms);

/* NULL on bad configuration or resource failure. No packet is sent yet. */
struct sctp_assoc *sctp_new(const struct sctp_cfg *cfg);
/* Send our INIT (both WebRTC ends do; SCTP resolves the collision). 0 or -1. */
int sctp_connect(struct sctp_assoc *a);
/* A decrypted SCTP packet from the peer (connects first when needed). */
void sctp_input(struct sctp_assoc *a, const uint8_t *p, size_t n);
/* Queue one message. 0, or -1 with errno: EAGAIN (buffer full: retry after
 * on_writable), EMSGSIZE (over max_message_size), ENOTCONN (not up), EINVAL
 * (bad sid/policy/empty message), EBUSY (called from inside cfg.send). */
int sctp_send(struct sctp_assoc *a, uint16_t sid, uint32_t ppid, const uint8_t *p, size_t n,
    int unordered, int pr_policy, uint32_t pr_value);
/* Reset our outgoing stream sid (RFC 6525); completion via on_reset_done. */
int sctp_reset_stream(struct sctp_assoc *a, uint16_t sid);
/* Bytes queued in the send buffer (not yet acknowledged). */
size_t sctp_buffered(struct sctp_assoc *a);
/* Negotiated stream counts (0 until up). */
uint16_t sctp_streams_out(const struct sctp_assoc *a);
uint16_t sctp_streams_in(const struct sctp_assoc *a);
int sctp_is_up(const struct sctp_assoc *a);
uint32_t sctp_max_message_size(const struct sctp_assoc *a);
const struct sctp_stats *sctp_get_stats(const struct sctp_assoc *a);
/* Graceful SHUTDOWN after queued data; on_down follows when complete. */
void sctp_shutdown(struct sctp_assoc *a);
/* ABORT now (on_down is reported with reason "local abort"). */
void sctp_abort(struct sctp_assoc *a);
/* Destroy without telling the peer; call sctp_abort/shutdown first for that. */
void sctp_free(struct sctp_assoc *a);

#endif
