/* addr: compact, comparable IP:port values and 5-tuples (UDP implied), with
 * parsing ("127.0.0.1:9000", "[::1]:9000") and printing. All padding is
 * zeroed so a struct can be hashed and compared as bytes. */
#ifndef RTCD_ADDR_H
#define RTCD_ADDR_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#define ADDR_STRLEN 64   /* "[xxxx:...:xxxx]:65535" fits */

struct addr {
	uint8_t family;      /* AF_INET or AF_INET6, 0 when unset */
	uint8_t pad;
	uint16_t port;       /* host byte order */
	uint8_t ip[16];      /* IPv4 uses the first 4 bytes */
};

struct tuple {               /* one UDP flow as seen by the server */
	struct addr local;
	struct addr remote;
};

int addr_from_sockaddr(struct addr *a, const struct sockaddr *sa, socklen_t len);
socklen_t addr_to_sockaddr(const struct addr *a, struct sockaddr_storage *ss);
/* Parse "IPv4:port" or "[IPv6]:port"; port 0 allowed. 0 or -1. */
int addr_parse(struct addr *a, const char *s);
/* Format into buf (ADDR_STRLEN bytes); returns buf. */
char *addr_format(const struct addr *a, char *buf, size_t len);
char *addr_format_ip(const struct addr *a, char *buf, size_t len);
int addr_equal(const struct addr *a, const struct addr *b);
int addr_ip_equal(const struct addr *a, const struct addr *b);
int addr_is_any(const struct addr *a);
/* Key for per-source-IP tables (family + address only). */
size_t addr_ip_key(const struct addr *a, uint8_t key[17]);

#endif
