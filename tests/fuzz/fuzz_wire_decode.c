/* fuzz_wire_decode: the supervisor's decoder of worker messages (workers
 * are untrusted) and, for symmetry, of every other type: one input is one
 * SOCK_SEQPACKET message. Whatever decodes must re-encode to exactly the
 * same bytes (the format has one encoding per message), and the decoded
 * strings and payload pointers must stay inside their bounds. */
#include <string.h>

#include "common/wire.h"
#include "fuzz.h"

static void
check_strings(const struct wire_msg *m)
{
	switch (m->type) {
	case WIRE_STATE:
		FUZZ_CHECK(strlen(m->u.state.peer) <= WIRE_MAX_NAME);
		break;
	case WIRE_LOG:
	case WIRE_BYE:
	case WIRE_OFFER_FAIL:
		FUZZ_CHECK(strlen(m->u.text.text) <= WIRE_MAX_TEXT);
		break;
	case WIRE_ANSWER:
		FUZZ_CHECK(strlen(m->u.ufrag) <= WIRE_MAX_UFRAG);
		break;
	case WIRE_ROOM_JOIN:
	case WIRE_ROOM_LEAVE:
	case WIRE_ROOM_PUBLISH:
		FUZZ_CHECK(strlen(m->u.room) <= WIRE_MAX_NAME);
		break;
	case WIRE_ROOM_DELIVER:
		FUZZ_CHECK(strlen(m->u.deliver.room) <= WIRE_MAX_NAME);
		break;
	case WIRE_HELLO:
		FUZZ_CHECK(m->u.hello.ncand <= WIRE_MAX_CANDS);
		FUZZ_CHECK(m->u.hello.cert_len <= WIRE_MAX_CERT);
		FUZZ_CHECK(m->u.hello.key_len <= WIRE_MAX_KEY);
		FUZZ_CHECK(m->u.hello.pubkey_len <= WIRE_MAX_PUBKEY);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wire_msg m;
	static uint8_t out[WIRE_MAX_MSG + 64];
	const char *why = NULL;
	ssize_t n;

	/* A pattern, not zeros: a field the decoder forgot breaks the round trip. */
	memset(&m, 0x5a, sizeof(m));
	if (wire_decode(data, size, &m, &why) < 0) {
		FUZZ_CHECK(why != NULL);
		return 0;
	}
	FUZZ_CHECK(why == NULL);
	FUZZ_CHECK(wire_sender(m.type) == 'S' || wire_sender(m.type) == 'W');
	FUZZ_CHECK(strcmp(wire_type_name(m.type), "?") != 0);
	if (m.data_len > 0)
		FUZZ_CHECK(m.data >= data && m.data + m.data_len <= data + size);
	check_strings(&m);
	n = wire_encode(out, sizeof(out), &m);
	FUZZ_CHECK(n >= 0);
	FUZZ_CHECK((size_t)n == size);
	FUZZ_CHECK(memcmp(out, data, size) == 0);
	/* Too small a buffer fails cleanly instead of writing past it. */
	if (size > WIRE_HDR_LEN) {
		uint8_t *tight = malloc(size - 1);
		FUZZ_CHECK(tight != NULL);
		FUZZ_CHECK(wire_encode(tight, size - 1, &m) < 0);
		free(tight);
	}
	return 0;
}
