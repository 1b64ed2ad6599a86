/* addr: sockaddr conversions, parsing and formatting of IP:port values. */
#include "common/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
addr_from_sockaddr(struct addr *a, const struct sockaddr *sa, socklen_t len)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		a->family = AF_INET;
		a->port = ntohs(s4->sin_port);
		memcpy(a->ip, &s4->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		a->family = AF_INET6;
		a->port = ntohs(s6->sin6_port);
		memcpy(a->ip, &s6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

socklen_t
addr_to_sockaddr(const struct addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(a->port);
		memcpy(&s4->sin_addr, a->ip, 4);
		return sizeof(*s4);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a->port);
		memcpy(&s6->sin6_addr, a->ip, 16);
		return sizeof(*s6);
	}
	return 0;
}

int
addr_parse(struct addr *a, const char *s)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *hs, *he;
	char *end;
	unsigned long port;

	memset(a, 0, sizeof(*a));
	if (s == NULL || *s == '\0')
		return -1;
	if (s[0] == '[') {
		he = strchr(s, ']');
		if (he == NULL || he[1] != ':')
			return -1;
		hs = s + 1;
		colon = he + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || strchr(s, ':') != colon)
			return -1;
		hs = s;
		he = colon;
	}
	if ((size_t)(he - hs) == 0 || (size_t)(he - hs) >= sizeof(host))
		return -1;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	if (colon[1] < '0' || colon[1] > '9')
		return -1;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port > 65535)
		return -1;
	if (s[0] != '[' && inet_pton(AF_INET, host, a->ip) == 1)
		a->family = AF_INET;
	else if (s[0] == '[' && inet_pton(AF_INET6, host, a->ip) == 1)
		a->family = AF_INET6;
	else
		return -1;
	a->port = (uint16_t)port;
	return 0;
}

char *
addr_format_ip(const struct addr *a, char *buf, size_t len)
{
	if (a->family == AF_INET || a->family == AF_INET6) {
		if (inet_ntop(a->family, a->ip, buf, (socklen_t)len) != NULL)
			return buf;
	}
	snprintf(buf, len, "?");
	return buf;
}

char *
addr_format(const struct addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	addr_format_ip(a, ip, sizeof(ip));
	if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	else
		snprintf(buf, len, "%s:%u", ip, a->port);
	return buf;
}

int
addr_equal(const struct addr *a, const struct addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

int
addr_ip_equal(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && memcmp(a->ip, b->ip, 16) == 0;
}

int
addr_is_any(const struct addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->ip, zero, 16) == 0;
}

size_t
addr_ip_key(const struct addr *a, uint8_t key[17])
{
	key[0] = a->family;
	memcpy(key + 1, a->ip, 16);
	return 17;
}
