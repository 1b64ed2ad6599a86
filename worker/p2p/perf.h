/* perf: the server side of libp2p's perf protocol (/perf/1.0.0), sans-IO.
 * The client writes how many bytes it wants back (u64, big-endian), then
 * its upload, then closes its write side; the server counts the upload and,
 * after that EOF, sends the requested number of bytes and closes. This
 * module only keeps the counts; the session moves the bytes, paced by the
 * data channel's send queue so a large download never sits in memory. */
#ifndef RTCD_P2P_PERF_H
#define RTCD_P2P_PERF_H

#include <stddef.h>
#include <stdint.h>

#define PERF_PROTOCOL "/perf/1.0.0"

struct perf {
	uint8_t hdr[8];
	unsigned hdr_len;
	uint64_t uploaded;      /* bytes after the header */
	uint64_t to_send;       /* download bytes not yet handed out */
	int eof;                /* the client closed its write side */
};

void perf_init(struct perf *p);
/* Bytes from the client. */
void perf_input(struct perf *p, const uint8_t *data, size_t n);
/* The client closed its write side: 0, or -1 when it never sent the
 * 8-byte request (the stream is reset). */
int perf_on_eof(struct perf *p);
/* How many download bytes to send now, at most max (0 once all are out or
 * before EOF). */
size_t perf_take(struct perf *p, size_t max);
/* All requested bytes handed out: close the write side. */
int perf_done(const struct perf *p);

#endif
