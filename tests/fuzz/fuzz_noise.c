/* fuzz_noise: the libp2p Noise XX handshake engine (worker/p2p/noise.c over
 * noise_xx.c) with fixed keys (fuzz_noise_keys.h), so every input replays
 * the same handshake. Byte 0: bits 0-1 the mode, bit 2 hand the engine a
 * bad signature when it asks for one:
 *   0 engine = initiator (the WebRTC Direct server), after its message 1
 *     the rest of the input is fed as the responder's bytes, in chunks;
 *   1 initiator; the harness plays a real responder (noise_xx) and writes
 *     message 2 around a fuzzed payload (16-bit length + bytes), so the
 *     engine decrypts it and parses the payload; then message 3 must
 *     decrypt on the harness side, and any further bytes are fed raw;
 *   2 engine = responder, raw bytes as messages 1 and 3;
 *   3 responder; the harness writes message 1 (fuzzed payload), reads the
 *     engine's message 2, and writes message 3 around a fuzzed payload.
 * The seed corpus holds these messages from a real handshake (gen_seeds.c),
 * with valid identity payloads. Invariants: failure is final and explained,
 * messages out fit NOISE_OUT_MAX, a finished handshake has the peer's
 * identity and the same handshake hash on both sides. */
#include <string.h>

#include "fuzz.h"
#include "fuzz_noise_keys.h"

#define NOISE_FUZZ_MAX_CHUNKS 32

struct engine_out {
	uint8_t msg[3][NOISE_OUT_MAX];
	size_t len[3];
	int n;
};

/* Let the engine write what it can, signing (or not) when asked. */
static void
pump(struct noise *e, int bad_sig, struct engine_out *o)
{
	for (int guard = 0; guard < 8; guard++) {
		uint8_t buf[NOISE_OUT_MAX], msg[NOISE_TO_SIGN_LEN], sig[64];
		size_t len = 0;
		int rc = noise_write_message(e, buf, sizeof(buf), &len);

		if (rc == NOISE_RC_NEED_SIGNATURE) {
			noise_static_to_sign(e, msg);
			FUZZ_CHECK(fnk_sign(FNK_ENGINE_ID_SEED, msg, sizeof(msg), sig) == 0);
			if (bad_sig)
				sig[7] ^= 0x40;
			if (noise_set_signature(e, sig, sizeof(sig)) < 0)
				FUZZ_CHECK(bad_sig && noise_is_failed(e));
			continue;
		}
		if (rc != NOISE_RC_MSG) {
			FUZZ_CHECK(rc == NOISE_RC_NONE || rc == NOISE_RC_ERR);
			FUZZ_CHECK((rc == NOISE_RC_ERR) == noise_is_failed(e));
			return;
		}
		FUZZ_CHECK(len > 2 && len <= NOISE_OUT_MAX);
		FUZZ_CHECK(((size_t)buf[0] << 8 | buf[1]) == len - 2);
		if (o->n < 3) {
			memcpy(o->msg[o->n], buf, len);
			o->len[o->n++] = len;
		}
	}
	FUZZ_CHECK(0);   /* the engine never writes more than two messages */
}

static void
check_state(struct noise *e)
{
	uint8_t id[NOISE_PEER_ID_LEN];

	if (noise_is_failed(e)) {
		FUZZ_CHECK(noise_error(e)[0] != '\0');
		FUZZ_CHECK(noise_handshake_hash(e) == NULL);
		FUZZ_CHECK(noise_feed(e, (const uint8_t *)"x", 1) == -1);
	} else {
		FUZZ_CHECK(noise_error(e)[0] == '\0');
	}
	if (noise_is_done(e)) {
		FUZZ_CHECK(noise_handshake_hash(e) != NULL);
		FUZZ_CHECK(noise_remote_peer_id(e, id) == 0);
	}
}

/* Feed bytes in fuzz-chosen pieces. */
static void
feed_chunked(struct noise *e, struct fz *f, const uint8_t *p, size_t n, int bad_sig,
    struct engine_out *o)
{
	uint8_t *copy = fz_dup(p, n);
	size_t off = 0;

	while (off < n) {
		size_t k = (size_t)fz_u8(f) + 1;
		if (k > n - off)
			k = n - off;
		(void)noise_feed(e, copy + off, k);
		off += k;
		pump(e, bad_sig, o);
		check_state(e);
	}
	free(copy);
}

static struct noise *
engine(int initiator)
{
	static uint8_t prologue[NOISE_PROLOGUE_LEN];
	struct noise_cfg cfg;
	struct noise *e;

	fnk_prologue(prologue);
	memset(&cfg, 0, sizeof(cfg));
	cfg.role = initiator ? NOISE_INITIATOR : NOISE_RESPONDER;
	cfg.prologue = prologue;
	cfg.prologue_len = sizeof(prologue);
	FUZZ_CHECK(fnk_pub_pb(FNK_ENGINE_ID_SEED, cfg.identity_key) == 0);
	cfg.static_priv = FNK_ENGINE_S;
	cfg.ephemeral_priv = FNK_ENGINE_E;
	e = noise_new(&cfg);
	FUZZ_CHECK(e != NULL);
	return e;
}

static void
peer(struct noise_xx *hs, int initiator)
{
	uint8_t prologue[NOISE_PROLOGUE_LEN];

	fnk_prologue(prologue);
	FUZZ_CHECK(noise_xx_init(hs, initiator, prologue, sizeof(prologue), FNK_PEER_S,
	    FNK_PEER_E) == 0);
}

/* The peer writes its next message around payload, framed. Length or 0. */
static size_t
peer_write(struct noise_xx *hs, const uint8_t *payload, size_t plen, uint8_t *out, size_t cap)
{
	size_t len = 0;

	if (noise_xx_write_len(hs, plen) + 2 > cap ||
	    noise_xx_write(hs, payload, plen, out + 2, cap - 2, &len) < 0)
		return 0;
	FUZZ_CHECK(len <= 0xFFFF);
	out[0] = (uint8_t)(len >> 8);
	out[1] = (uint8_t)len;
	return len + 2;
}

/* The peer reads a framed engine message; its payload must be our identity. */
static void
peer_read(struct noise_xx *hs, const uint8_t *m, size_t n, int expect_payload)
{
	uint8_t payload[NOISE_MAX_PAYLOAD];
	size_t plen = 0;

	FUZZ_CHECK(n >= 2 && noise_xx_read(hs, m + 2, n - 2, payload, sizeof(payload), &plen) == 0);
	FUZZ_CHECK(expect_payload ? plen == 104 : plen == 0);
}

static void
structured(struct fz *f, int initiator, int bad_sig)
{
	static uint8_t wire[NOISE_XX_MAX_MSG + 2];
	struct noise *e = engine(initiator);
	struct engine_out o = { .n = 0 };
	struct noise_xx hs;
	const uint8_t *pl;
	size_t plen, n;
	int want;

	peer(&hs, !initiator);
	pump(e, bad_sig, &o);
	if (initiator) {
		FUZZ_CHECK(o.n == 1);
		peer_read(&hs, o.msg[0], o.len[0], 0);
	} else {
		/* message 1 from the peer, with a (normally empty) fuzzed payload */
		pl = fz_chunk8(f, &plen);
		n = peer_write(&hs, pl, plen, wire, sizeof(wire));
		FUZZ_CHECK(n > 0);
		feed_chunked(e, f, wire, n, bad_sig, &o);
		if (noise_is_failed(e) || o.n != 1)
			goto out;
		peer_read(&hs, o.msg[0], o.len[0], 1);
	}
	/* the peer's message with its (fuzzed) identity payload */
	pl = fz_chunk16(f, &plen);
	n = peer_write(&hs, pl, plen, wire, sizeof(wire));
	if (n == 0)
		goto out;
	want = o.n;
	feed_chunked(e, f, wire, n, bad_sig, &o);
	if (initiator && !noise_is_failed(e) && o.n > want) {
		/* message 3 from the engine must decrypt on our side */
		peer_read(&hs, o.msg[want], o.len[want], 1);
		FUZZ_CHECK(noise_is_done(e) && noise_xx_done(&hs));
	}
	if (noise_is_done(e)) {
		FUZZ_CHECK(noise_xx_done(&hs));
		FUZZ_CHECK(memcmp(noise_handshake_hash(e), noise_xx_hash(&hs), NOISE_XX_HASHLEN) == 0);
	}
	/* anything after the handshake */
	if (f->n > 0)
		feed_chunked(e, f, f->p, f->n, bad_sig, &o);
out:
	check_state(e);
	noise_xx_clear(&hs);
	noise_free(e);
}

static void
raw(struct fz *f, int initiator, int bad_sig)
{
	struct noise *e = engine(initiator);
	struct engine_out o = { .n = 0 };

	pump(e, bad_sig, &o);
	FUZZ_CHECK(o.n == (initiator ? 1 : 0));
	for (int i = 0; i < NOISE_FUZZ_MAX_CHUNKS && f->n > 0; i++) {
		size_t n;
		const uint8_t *p = fz_chunk16(f, &n);
		uint8_t *copy = fz_dup(p, n);
		(void)noise_feed(e, copy, n);
		free(copy);
		pump(e, bad_sig, &o);
		check_state(e);
	}
	noise_free(e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	uint8_t mode;

	fz_init(&f, data, size);
	mode = fz_u8(&f);
	switch (mode & 3) {
	case 0: raw(&f, 1, mode & 4); break;
	case 1: structured(&f, 1, mode & 4); break;
	case 2: raw(&f, 0, mode & 4); break;
	default: structured(&f, 0, mode & 4); break;
	}
	return 0;
}
