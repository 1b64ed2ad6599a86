/* util: small process-wide helpers shared by supervisor and worker: monotonic
 * clock, fd flags, secure random bytes, bounded string copies. */
#ifndef RTCD_UTIL_H
#define RTCD_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

uint64_t now_ms(void);   /* CLOCK_MONOTONIC in milliseconds */
uint64_t now_us(void);   /* CLOCK_MONOTONIC in microseconds */
int fd_set_nonblock(int fd);
int fd_set_cloexec(int fd);
/* Fill buf with n cryptographically secure random bytes; 0 or -1. */
int random_bytes(void *buf, size_t n);
/* Copy a NUL-terminated string into dst of size dstlen; -1 when truncated. */
int strlcpy_checked(char *dst, const char *src, size_t dstlen);
/* Random ICE-safe token of n characters from [A-Za-z0-9]. */
int random_token(char *out, size_t n);

#endif
