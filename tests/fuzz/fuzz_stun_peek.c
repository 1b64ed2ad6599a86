/* fuzz_stun_peek: the only STUN code the privileged supervisor runs on
 * datagrams from unknown sources: stun_is_stun (the RFC 7983 first-byte
 * classifier), stun_peek (header + local ufrag from USERNAME) and the
 * router's libp2p ufrag check applied to what stun_peek extracted. The input
 * is one datagram. Invariants: a routable result has a non-empty,
 * NUL-terminated ufrag without ':' or NUL that fits the buffer, the
 * classifier agrees with the peek, and an accepted libp2p ufrag has a known
 * prefix and only ice-chars. */
#include <string.h>

#include "common/stun.h"
#include "common/wire.h"
#include "fuzz.h"
#include "supervisor/sup.h"

static void
check_libp2p(const char *u)
{
	size_t n = strlen(u);

	if (!router_is_libp2p_ufrag(u))
		return;
	FUZZ_CHECK(n > 17 && n <= 256);
	FUZZ_CHECK(strncmp(u, "libp2p+webrtc+v1/", 17) == 0 ||
	    strncmp(u, "libp2p+webrtc+v2/", 17) == 0);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/",
		    u[i]) != NULL);
}

static void
peek_with_cap(const uint8_t *p, size_t n, size_t cap)
{
	char ufrag[WIRE_MAX_UFRAG + 1];
	enum stun_peek_result r;

	memset(ufrag, 'X', sizeof(ufrag));
	r = stun_peek(p, n, ufrag, cap);
	FUZZ_CHECK(r == STUN_PEEK_NOT_STUN || r == STUN_PEEK_OTHER || r == STUN_PEEK_BINDING);
	FUZZ_CHECK((r != STUN_PEEK_NOT_STUN) == (stun_is_stun(p, n) != 0));
	if (cap > 0 && r != STUN_PEEK_BINDING)
		FUZZ_CHECK(ufrag[0] == '\0');
	if (r == STUN_PEEK_BINDING) {
		size_t ul = strnlen(ufrag, cap);
		FUZZ_CHECK(ul > 0 && ul < cap);
		FUZZ_CHECK(strchr(ufrag, ':') == NULL);
		FUZZ_CHECK(n >= STUN_HDR_LEN && p[0] == 0x00 && p[1] == 0x01);
		check_libp2p(ufrag);
	}
	/* Nothing is written past cap. */
	for (size_t i = cap; i < sizeof(ufrag); i++)
		FUZZ_CHECK(ufrag[i] == 'X');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	/* The router's buffer, a tight one, and none at all. */
	peek_with_cap(data, size, WIRE_MAX_UFRAG + 1);
	peek_with_cap(data, size, 8);
	peek_with_cap(data, size, 1);
	peek_with_cap(data, size, 0);
	/* The ufrag check on arbitrary text as well. */
	s = fz_strdup(data, size);
	check_libp2p(s);
	free(s);
	return 0;
}
