/* check_multiformats: varints, bases, multihash, peer ids, certhashes and
 * multiaddrs against the libp2p/multiformats vectors (webrtc-direct.md §10,
 * bitcoin base58, RFC 4648), round trips and garbage input. */
#include <arpa/inet.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <sys/socket.h>

#include "common/addr.h"
#include "common/multiformats.h"
#include "testutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* webrtc-direct.md §10 vectors. */
static const char *MADDR =
    "/ip4/127.0.0.1/udp/39901/webrtc-direct/certhash/"
    "uEiDikp5KVUgkLta1EjUN-IKbHk-dUBg8VzKgf5nXxLK46w/p2p/"
    "12D3KooWNpDk9w6WrEEcdsEH1y47W71S36yFjw4sd3j7omzgCSMS";
static const char *MADDR_FP = "e2929e4a5548242ed6b512350df8829b1e4f9d50183c5732a07f99d7c4b2b8eb";
static const char *MADDR_PEER =
    "002408011220c11e67b0d18aedcc6f71369566db99ecd85d72a8ddc5ed03817c7986d497c2ed";
static const char *PRIV_PB =
    "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2"
    "c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
static const char *PUB_PB =
    "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
static const char *PEER_OF_PUB = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";

/* "AA:BB:..." or plain hex into bytes. */
static size_t
unhex_colon(const char *s, uint8_t *out, size_t cap)
{
	char tmp[256];
	size_t n = 0;

	for (; *s && n + 1 < sizeof(tmp); s++)
		if (*s != ':')
			tmp[n++] = *s;
	tmp[n] = '\0';
	return unhex(tmp, out, cap);
}

START_TEST(uvarint_boundaries)
{
	static const struct {
		uint64_t v;
		const char *hex;
	} vec[] = {
		{ 0, "00" }, { 1, "01" }, { 127, "7f" }, { 128, "8001" }, { 255, "ff01" },
		{ 300, "ac02" }, { 16383, "ff7f" }, { 16384, "808001" },
		{ 0x0111, "9102" }, { 0x01d2, "d203" }, { 0x01a5, "a503" },
		{ ((uint64_t)1 << 63) - 1, "ffffffffffffffff7f" },
	};
	uint8_t want[16], got[16];
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(vec); i++) {
		size_t n = unhex(vec[i].hex, want, sizeof(want));
		ck_assert_int_eq(mf_uvarint_encode(vec[i].v, got, sizeof(got)), (int)n);
		ck_assert_mem_eq(got, want, n);
		ck_assert_uint_eq(mf_uvarint_len(vec[i].v), n);
		ck_assert_int_eq(mf_uvarint_decode(want, n, &v), (int)n);
		ck_assert_uint_eq(v, vec[i].v);
		/* Every strict prefix is "truncated", never a value. */
		for (size_t k = 0; k < n; k++)
			ck_assert_int_eq(mf_uvarint_decode(want, k, &v), 0);
		/* Too small an output buffer. */
		ck_assert_int_eq(mf_uvarint_encode(vec[i].v, got, n - 1), -1);
	}
	/* 2^63 needs 10 bytes: beyond the 9-byte limit both ways. */
	ck_assert_int_eq(mf_uvarint_encode((uint64_t)1 << 63, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_uvarint_encode(UINT64_MAX, got, sizeof(got)), -1);
	unhex("80808080808080808001", want, sizeof(want));
	ck_assert_int_eq(mf_uvarint_decode(want, 10, &v), -1);
	memset(want, 0xff, sizeof(want));
	ck_assert_int_eq(mf_uvarint_decode(want, 9, &v), -1);
	ck_assert_int_eq(mf_uvarint_decode(want, 16, &v), -1);
	ck_assert_int_eq(mf_uvarint_decode(want, 8, &v), 0);
	/* Non-minimal encodings are accepted by the stream decoder. */
	unhex("8000", want, sizeof(want));
	ck_assert_int_eq(mf_uvarint_decode(want, 2, &v), 2);
	ck_assert_uint_eq(v, 0);
}
END_TEST

START_TEST(uvarint_rd_wr)
{
	uint8_t b[64];
	struct wr w;
	struct rd r;
	unsigned seed = 7;
	uint64_t vals[32];

	wr_init(&w, b, sizeof(b));
	for (int i = 0; i < 6; i++) {
		vals[i] = ((uint64_t)rand_r(&seed) << 31 | (uint64_t)rand_r(&seed)) >> (i * 9);
		mf_wr_uvarint(&w, vals[i]);
	}
	ck_assert_int_eq(w.err, 0);
	rd_init(&r, b, w.len);
	for (int i = 0; i < 6; i++)
		ck_assert_uint_eq(mf_rd_uvarint(&r), vals[i]);
	ck_assert(rd_done(&r));
	ck_assert_uint_eq(mf_rd_uvarint(&r), 0);
	ck_assert_int_ne(r.err, 0);
	/* Writer overflow and out-of-range values set err. */
	wr_init(&w, b, 1);
	mf_wr_uvarint(&w, 300);
	ck_assert_int_ne(w.err, 0);
	wr_init(&w, b, sizeof(b));
	mf_wr_uvarint(&w, (uint64_t)1 << 63);
	ck_assert_int_ne(w.err, 0);
}
END_TEST

START_TEST(base58_vectors)
{
	static const struct {
		const char *hex, *b58;
	} vec[] = {
		{ "", "" }, { "61", "2g" }, { "626262", "a3gV" }, { "636363", "aPEr" },
		{ "516b6fcd0f", "ABnLTmg" }, { "572e4794", "3EFU7m" },
		{ "ecac89cad93923c02321", "EJDM8drfXA6uyA" }, { "10c8511e", "Rt5zm" },
		{ "00", "1" }, { "0000000000", "11111" }, { "00000001", "1112" },
		{ "00eb15231dfceb60925886b67d065299925915aeb172c06647",
		    "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L" },
	};
	uint8_t bin[64], got[64];
	char txt[128];

	ck_assert_int_eq(mf_base58_encode((const uint8_t *)"Hello World!", 12, txt, sizeof(txt)), 17);
	ck_assert_str_eq(txt, "2NEpo7TZRRrLZSi2U");
	ck_assert_int_eq(mf_base58_decode("2NEpo7TZRRrLZSi2U", 17, got, sizeof(got)), 12);
	ck_assert_mem_eq(got, "Hello World!", 12);
	for (size_t i = 0; i < ARRAY_SIZE(vec); i++) {
		size_t n = unhex(vec[i].hex, bin, sizeof(bin));
		size_t tl = strlen(vec[i].b58);
		ck_assert_int_eq(mf_base58_encode(bin, n, txt, sizeof(txt)), (int)tl);
		ck_assert_str_eq(txt, vec[i].b58);
		ck_assert_int_eq(mf_base58_decode(vec[i].b58, tl, got, sizeof(got)), (int)n);
		ck_assert_mem_eq(got, bin, n);
		/* Output exactly one byte too small (encode needs room for NUL). */
		ck_assert_int_eq(mf_base58_encode(bin, n, txt, tl), -1);
		if (n > 0)
			ck_assert_int_eq(mf_base58_decode(vec[i].b58, tl, got, n - 1), -1);
	}
	/* Characters outside the bitcoin alphabet. */
	ck_assert_int_eq(mf_base58_decode("0", 1, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_base58_decode("O", 1, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_base58_decode("I", 1, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_base58_decode("l", 1, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_base58_decode("2g\0", 3, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_base58_decode("2g ", 3, got, sizeof(got)), -1);
}
END_TEST

START_TEST(base58_round_trip_and_bounds)
{
	uint8_t bin[MF_BASE58_MAX_BYTES + 1], got[MF_BASE58_MAX_BYTES + 8];
	char txt[MF_BASE58_MAX_TEXT + 8];
	unsigned seed = 99;

	for (int it = 0; it < 2000; it++) {
		size_t n = (size_t)rand_r(&seed) % (MF_BASE58_MAX_BYTES + 1);
		size_t zeros = (size_t)rand_r(&seed) % 4;
		int tl;

		for (size_t i = 0; i < n; i++)
			bin[i] = i < zeros ? 0 : (uint8_t)rand_r(&seed);
		tl = mf_base58_encode(bin, n, txt, sizeof(txt));
		ck_assert_int_ge(tl, 0);
		ck_assert_int_le(tl, MF_BASE58_MAX_TEXT);
		ck_assert_int_eq(mf_base58_decode(txt, (size_t)tl, got, sizeof(got)), (int)n);
		ck_assert_mem_eq(got, bin, n);
	}
	/* Input beyond the bounds is refused rather than computed slowly. */
	memset(bin, 0xff, sizeof(bin));
	ck_assert_int_eq(mf_base58_encode(bin, MF_BASE58_MAX_BYTES + 1, txt, sizeof(txt)), -1);
	memset(txt, 'z', sizeof(txt));
	ck_assert_int_eq(mf_base58_decode(txt, MF_BASE58_MAX_TEXT + 1, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_base58_decode(txt, MF_BASE58_MAX_TEXT, got, MF_BASE58_MAX_BYTES), -1);
}
END_TEST

START_TEST(base64url_vectors)
{
	static const struct {
		const char *bin, *txt;
	} vec[] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
	};
	uint8_t got[16];
	char txt[32];
	static const uint8_t url[] = { 0xfb, 0xff };

	for (size_t i = 0; i < ARRAY_SIZE(vec); i++) {
		size_t n = strlen(vec[i].bin), tl = strlen(vec[i].txt);
		ck_assert_int_eq(mf_base64url_encode((const uint8_t *)vec[i].bin, n, txt,
		    sizeof(txt)), (int)tl);
		ck_assert_str_eq(txt, vec[i].txt);
		ck_assert_int_eq(mf_base64url_decode(vec[i].txt, tl, got, sizeof(got)), (int)n);
		ck_assert_mem_eq(got, vec[i].bin, n);
	}
	/* The URL-safe alphabet: '-' and '_' instead of '+' and '/'. */
	ck_assert_int_eq(mf_base64url_encode(url, 2, txt, sizeof(txt)), 3);
	ck_assert_str_eq(txt, "-_8");
	ck_assert_int_eq(mf_base64url_decode("+_8", 3, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_base64url_decode("-/8", 3, got, sizeof(got)), -1);
	/* Padding, impossible lengths, non-zero trailing bits. */
	ck_assert_int_eq(mf_base64url_decode("Zg==", 4, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_base64url_decode("Z", 1, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_base64url_decode("Zm9vY", 5, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_base64url_decode("Zh", 2, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_base64url_decode("Zm9", 3, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_base64url_decode("Zm8", 3, got, 1), -1);
	ck_assert_int_eq(mf_base64url_encode((const uint8_t *)"fo", 2, txt, 3), -1);
}
END_TEST

START_TEST(base64url_round_trip_0_64)
{
	uint8_t bin[64], got[64];
	char txt[100];
	unsigned seed = 3;

	for (size_t n = 0; n <= 64; n++) {
		for (int rep = 0; rep < 20; rep++) {
			int tl;

			for (size_t i = 0; i < n; i++)
				bin[i] = (uint8_t)rand_r(&seed);
			tl = mf_base64url_encode(bin, n, txt, sizeof(txt));
			ck_assert_int_eq(tl, (int)((n * 8 + 5) / 6));
			ck_assert_ptr_null(strchr(txt, '='));
			ck_assert_int_eq(mf_base64url_decode(txt, (size_t)tl, got, sizeof(got)),
			    (int)n);
			ck_assert_mem_eq(got, bin, n);
		}
	}
}
END_TEST

START_TEST(base32_and_multibase)
{
	uint8_t got[64];
	char txt[64];

	ck_assert_int_eq(mf_base32_encode((const uint8_t *)"foobar", 6, txt, sizeof(txt)), 10);
	ck_assert_str_eq(txt, "mzxw6ytboi");
	ck_assert_int_eq(mf_base32_decode("mzxw6ytboi", 10, got, sizeof(got)), 6);
	ck_assert_mem_eq(got, "foobar", 6);
	ck_assert_int_eq(mf_base32_decode("MZXW6YTBOI", 10, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_base32_decode("mzx", 3, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_base32_decode("mzxw6ytboi======", 16, got, sizeof(got)), -1);
	/* Multibase prefixes. */
	ck_assert_int_eq(mf_multibase_decode("uZm9vYmFy", 9, got, sizeof(got)), 6);
	ck_assert_mem_eq(got, "foobar", 6);
	ck_assert_int_eq(mf_multibase_decode("bmzxw6ytboi", 11, got, sizeof(got)), 6);
	ck_assert_mem_eq(got, "foobar", 6);
	ck_assert_int_eq(mf_multibase_decode("z2NEpo7TZRRrLZSi2U", 18, got, sizeof(got)), 12);
	ck_assert_mem_eq(got, "Hello World!", 12);
	ck_assert_int_eq(mf_multibase_decode("", 0, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_multibase_decode("mZm9vYmFy", 9, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_multibase_decode("fabcd", 5, got, sizeof(got)), -1);
	ck_assert_int_eq(mf_multibase_encode_u((const uint8_t *)"foobar", 6, txt, sizeof(txt)), 9);
	ck_assert_str_eq(txt, "uZm9vYmFy");
	ck_assert_int_eq(mf_multibase_encode_u((const uint8_t *)"foobar", 6, txt, 9), -1);
}
END_TEST

START_TEST(multihash_codec)
{
	uint8_t d[32], out[80];
	struct mf_multihash mh;

	for (int i = 0; i < 32; i++)
		d[i] = (uint8_t)i;
	ck_assert_int_eq(mf_multihash_encode(MF_MH_SHA2_256, d, 32, out, sizeof(out)), 34);
	ck_assert_uint_eq(out[0], 0x12);
	ck_assert_uint_eq(out[1], 0x20);
	ck_assert_int_eq(mf_multihash_decode(out, 34, &mh), 0);
	ck_assert_uint_eq(mh.code, MF_MH_SHA2_256);
	ck_assert_uint_eq(mh.len, 32);
	ck_assert_mem_eq(mh.digest, d, 32);
	/* Trailing or missing bytes, wrong sha2-256 size. */
	ck_assert_int_eq(mf_multihash_decode(out, 33, &mh), -1);
	out[34] = 0;
	ck_assert_int_eq(mf_multihash_decode(out, 35, &mh), -1);
	out[1] = 0x1f;
	ck_assert_int_eq(mf_multihash_decode(out, 33, &mh), -1);
	/* Identity, including empty. */
	ck_assert_int_eq(mf_multihash_encode(MF_MH_IDENTITY, d, 5, out, sizeof(out)), 7);
	ck_assert_int_eq(mf_multihash_decode(out, 7, &mh), 0);
	ck_assert_uint_eq(mh.code, MF_MH_IDENTITY);
	ck_assert_uint_eq(mh.len, 5);
	ck_assert_int_eq(mf_multihash_encode(MF_MH_IDENTITY, d, 0, out, sizeof(out)), 2);
	ck_assert_int_eq(mf_multihash_decode(out, 2, &mh), 0);
	ck_assert_uint_eq(mh.len, 0);
	/* Non-minimal varints are not canonical multihashes. */
	unhex("80000100", out, sizeof(out));
	ck_assert_int_eq(mf_multihash_decode(out, 4, &mh), -1);
	/* Oversize digests. */
	ck_assert_int_eq(mf_multihash_encode(0x13, out, MF_MH_MAX_DIGEST + 1, out, sizeof(out)), -1);
	ck_assert_int_eq(mf_multihash_encode(MF_MH_SHA2_256, d, 32, out, 33), -1);
}
END_TEST

START_TEST(certhash_vectors)
{
	uint8_t fp[32], want[32];
	char txt[64];

	/* js test/sdp.spec.ts: certhash <-> SDP fingerprint. */
	unhex_colon("72:68:47:CD:48:B0:5E:C5:60:4D:15:9C:BF:40:1D:6F:00:A1:23:EC:90:17:0E:2C:D1:"
	    "B3:8F:D2:9D:37:E5:B1", want, sizeof(want));
	ck_assert_int_eq(mf_certhash_parse("uEiByaEfNSLBexWBNFZy_QB1vAKEj7JAXDizRs4_SnTflsQ", 47, fp), 0);
	ck_assert_mem_eq(fp, want, 32);
	ck_assert_int_eq(mf_certhash_from_fingerprint(want, txt, sizeof(txt)), MF_CERTHASH_TEXT_LEN);
	ck_assert_str_eq(txt, "uEiByaEfNSLBexWBNFZy_QB1vAKEj7JAXDizRs4_SnTflsQ");

	unhex_colon("B9:3F:A1:4B:E8:46:73:08:6F:73:51:3E:27:9D:56:B7:29:67:4C:4A:B8:8D:21:EF:BF:"
	    "E6:BA:16:37:BA:6C:2A", want, sizeof(want));
	ck_assert_int_eq(mf_certhash_from_fingerprint(want, txt, sizeof(txt)), 47);
	ck_assert_str_eq(txt, "uEiC5P6FL6EZzCG9zUT4nnVa3KWdMSriNIe-_5roWN7psKg");
	ck_assert_int_eq(mf_certhash_parse(txt, strlen(txt), fp), 0);
	ck_assert_mem_eq(fp, want, 32);

	/* go transport_test.go. */
	unhex("2c18fce988f190cd29551d15eb5024f91244d5ed816b578559de1a4429377fce", want, 32);
	ck_assert_int_eq(mf_certhash_parse("uEiAsGPzpiPGQzSlVHRXrUCT5EkTV7YFrV4VZ3hpEKTd_zg", 47, fp), 0);
	ck_assert_mem_eq(fp, want, 32);

	/* Every sha-256 certhash is 47 chars starting "uEi". */
	for (int i = 0; i < 256; i++) {
		memset(want, i, sizeof(want));
		ck_assert_int_eq(mf_certhash_from_fingerprint(want, txt, sizeof(txt)), 47);
		ck_assert_int_eq(strncmp(txt, "uEi", 3), 0);
		ck_assert_int_eq(mf_certhash_parse(txt, 47, fp), 0);
		ck_assert_mem_eq(fp, want, 32);
	}
	ck_assert_int_eq(mf_certhash_from_fingerprint(want, txt, 47), -1);
}
END_TEST

START_TEST(certhash_der_and_rejects)
{
	uint8_t fp[32], fp2[32], want[32], mh[40];
	char txt[80];

	/* sha-256("abc") (FIPS 180-2). */
	unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want, 32);
	ck_assert_int_eq(mf_certhash_from_der((const uint8_t *)"abc", 3, txt, sizeof(txt), fp), 47);
	ck_assert_mem_eq(fp, want, 32);
	ck_assert_int_eq(mf_certhash_parse(txt, 47, fp2), 0);
	ck_assert_mem_eq(fp2, want, 32);
	/* A base58btc ('z') certhash is accepted too. */
	mf_multihash_encode(MF_MH_SHA2_256, want, 32, mh, sizeof(mh));
	txt[0] = 'z';
	ck_assert_int_gt(mf_base58_encode(mh, 34, txt + 1, sizeof(txt) - 1), 0);
	ck_assert_int_eq(mf_certhash_parse(txt, strlen(txt), fp2), 0);
	ck_assert_mem_eq(fp2, want, 32);
	/* sha-512 (0x13) and sha-1 (0x11) multihashes, truncations, bad text. */
	mh[0] = 0x13;
	mf_multibase_encode_u(mh, 34, txt, sizeof(txt));
	ck_assert_int_eq(mf_certhash_parse(txt, strlen(txt), fp2), -1);
	mh[0] = 0x11;
	mh[1] = 20;
	mf_multibase_encode_u(mh, 22, txt, sizeof(txt));
	ck_assert_int_eq(mf_certhash_parse(txt, strlen(txt), fp2), -1);
	ck_assert_int_eq(mf_certhash_parse("uEiByaEfNSLBexWBNFZy_QB1vAKEj7JAXDizRs4_SnTfls", 46, fp), -1);
	ck_assert_int_eq(mf_certhash_parse("uEiByaEfNSLBexWBNFZy_QB1vAKEj7JAXDizRs4_SnTflsQ=", 48,
	    fp), -1);
	ck_assert_int_eq(mf_certhash_parse("EiByaEfNSLBexWBNFZy_QB1vAKEj7JAXDizRs4_SnTflsQ", 46, fp), -1);
	ck_assert_int_eq(mf_certhash_parse("", 0, fp), -1);
}
END_TEST

START_TEST(ed25519_key_and_peer_id)
{
	uint8_t priv[80], pubpb[40], pub[32], enc[MF_PUBKEY_ED25519_LEN], got[32];
	size_t publen = sizeof(pub), n;
	EVP_PKEY *k;
	struct mf_peerid id, id2;
	const uint8_t *data;
	size_t dlen;
	int type;
	char txt[MF_PEERID_TEXT_MAX];

	ck_assert_uint_eq(unhex(PRIV_PB, priv, sizeof(priv)), 68);
	n = unhex(PUB_PB, pubpb, sizeof(pubpb));
	ck_assert_uint_eq(n, 36);
	/* PrivateKey Data = seed || public key; derive the public key from the
	 * seed with OpenSSL and check it against both copies. */
	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv + 4, 32);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(EVP_PKEY_get_raw_public_key(k, pub, &publen), 1);
	EVP_PKEY_free(k);
	ck_assert_uint_eq(publen, 32);
	ck_assert_mem_eq(pub, priv + 36, 32);
	mf_pubkey_ed25519_encode(pub, enc);
	ck_assert_mem_eq(enc, pubpb, 36);
	ck_assert_int_eq(mf_pubkey_decode(enc, 36, &type, &data, &dlen), 0);
	ck_assert_int_eq(type, MF_KEYTYPE_ED25519);
	ck_assert_uint_eq(dlen, 32);
	ck_assert_mem_eq(data, pub, 32);

	ck_assert_int_eq(mf_peerid_from_ed25519(pub, &id), 0);
	ck_assert_uint_eq(id.len, 38);
	ck_assert_uint_eq(id.b[0], 0x00);
	ck_assert_uint_eq(id.b[1], 0x24);
	ck_assert_mem_eq(id.b + 2, pubpb, 36);
	ck_assert_int_eq(mf_peerid_to_text(&id, txt, sizeof(txt)), (int)strlen(PEER_OF_PUB));
	ck_assert_str_eq(txt, PEER_OF_PUB);
	ck_assert_int_eq(mf_peerid_from_text(txt, strlen(txt), &id2), 0);
	ck_assert(mf_peerid_equal(&id, &id2));
	ck_assert_int_eq(mf_peerid_ed25519_key(&id2, got), 0);
	ck_assert_mem_eq(got, pub, 32);
	ck_assert_int_eq(mf_peerid_from_pubkey(pubpb, 36, &id2), 0);
	ck_assert(mf_peerid_equal(&id, &id2));
}
END_TEST

START_TEST(pubkey_rejects)
{
	uint8_t pb[40];
	const uint8_t *data;
	size_t dlen;
	int type;

	unhex(PUB_PB, pb, sizeof(pb));
	ck_assert_int_eq(mf_pubkey_decode(pb, 35, &type, &data, &dlen), -1);
	pb[36] = 0;
	ck_assert_int_eq(mf_pubkey_decode(pb, 37, &type, &data, &dlen), -1);
	/* Fields out of canonical order. */
	unhex("12020102" "0801", pb, sizeof(pb));
	ck_assert_int_eq(mf_pubkey_decode(pb, 6, &type, &data, &dlen), -1);
	/* Unknown key type 4. */
	unhex("0804120101", pb, sizeof(pb));
	ck_assert_int_eq(mf_pubkey_decode(pb, 5, &type, &data, &dlen), -1);
	/* ECDSA (3) parses but is not an Ed25519 identity. */
	unhex("0803120101", pb, sizeof(pb));
	ck_assert_int_eq(mf_pubkey_decode(pb, 5, &type, &data, &dlen), 0);
	ck_assert_int_eq(type, 3);
	ck_assert_int_eq(mf_pubkey_decode(pb, 0, &type, &data, &dlen), -1);
}
END_TEST

START_TEST(peer_id_decode_vectors)
{
	uint8_t want[64];
	struct mf_peerid id, id2;
	size_t n;
	uint8_t pub[32];
	char txt[MF_PEERID_TEXT_MAX];
	uint8_t cid[64];

	/* libp2p/specs peer-ids.md examples. */
	n = unhex("0024080112202ffa35a99d3a3cfbb17bb7c1dc5561b18a8dcca4df38dc613ea859c37eb1336b",
	    want, sizeof(want));
	ck_assert_int_eq(mf_peerid_from_text("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA",
	    52, &id), 0);
	ck_assert_uint_eq(id.len, n);
	ck_assert_mem_eq(id.b, want, n);
	ck_assert_int_eq(mf_peerid_ed25519_key(&id, pub), 0);
	ck_assert_mem_eq(pub, want + 6, 32);

	/* sha2-256 peer id, as base58 and as CIDv1 libp2p-key base32. */
	n = unhex("12209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9", want,
	    sizeof(want));
	ck_assert_int_eq(mf_peerid_from_text("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N", 46,
	    &id), 0);
	ck_assert_mem_eq(id.b, want, n);
	ck_assert_int_eq(mf_peerid_ed25519_key(&id, pub), -1);
	ck_assert_int_eq(mf_peerid_from_text(
	    "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", 59, &id2), 0);
	ck_assert(mf_peerid_equal(&id, &id2));

	/* Ed25519 identity peer id as a CID (ipfs/boxo test). */
	n = unhex("002408011220e4680b2f8c8d21090e6aa327f1ba24e32782d0390abee502921090572da6ad3a",
	    want, sizeof(want));
	ck_assert_int_eq(mf_peerid_from_text(
	    "bafzaajaiaejcbzdibmxyzdjbbehgvizh6g5cjyzhqlidscv64ubjeeeqk4w2nlj2", 65, &id), 0);
	ck_assert_uint_eq(id.len, n);
	ck_assert_mem_eq(id.b, want, n);

	/* Our own CID encoding of the spec peer id parses back. */
	mf_peerid_from_text("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA", 52, &id);
	cid[0] = 0x01;
	cid[1] = 0x72;
	memcpy(cid + 2, id.b, id.len);
	txt[0] = 'b';
	ck_assert_int_gt(mf_base32_encode(cid, id.len + 2, txt + 1, sizeof(txt) - 1), 0);
	ck_assert_int_eq(mf_peerid_from_text(txt, strlen(txt), &id2), 0);
	ck_assert(mf_peerid_equal(&id, &id2));
	txt[0] = 'u';
	ck_assert_int_gt(mf_base64url_encode(cid, id.len + 2, txt + 1, sizeof(txt) - 1), 0);
	ck_assert_int_eq(mf_peerid_from_text(txt, strlen(txt), &id2), 0);
	ck_assert(mf_peerid_equal(&id, &id2));
}
END_TEST

START_TEST(peer_id_rejects)
{
	struct mf_peerid id;
	uint8_t big[100], mh[8];
	char txt[200];

	/* A dag-pb CID is not a peer id. */
	ck_assert_int_eq(mf_peerid_from_text(
	    "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", 59, &id), -1);
	ck_assert_int_eq(mf_peerid_from_text("", 0, &id), -1);
	ck_assert_int_eq(mf_peerid_from_text("12D3KooW", 8, &id), -1);
	ck_assert_int_eq(mf_peerid_from_text("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5S0",
	    52, &id), -1);
	ck_assert_int_eq(mf_peerid_from_text("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5", 45,
	    &id), -1);
	memset(txt, '1', sizeof(txt));
	ck_assert_int_eq(mf_peerid_from_text(txt, sizeof(txt), &id), -1);
	/* Identity multihash longer than 42 bytes, unknown hash code. */
	memset(big, 7, sizeof(big));
	big[0] = 0x00;
	big[1] = 43;
	ck_assert_int_eq(mf_peerid_from_bytes(big, 45, &id), -1);
	unhex("13020102", mh, sizeof(mh));
	ck_assert_int_eq(mf_peerid_from_bytes(mh, 4, &id), -1);
	/* Keys longer than 42 bytes are hashed: sha2-256 peer id. */
	ck_assert_int_eq(mf_peerid_from_pubkey(big, sizeof(big), &id), 0);
	ck_assert_uint_eq(id.len, 34);
	ck_assert_uint_eq(id.b[0], 0x12);
	ck_assert_int_eq(mf_peerid_from_pubkey(big, 42, &id), 0);
	ck_assert_uint_eq(id.len, 44);
	ck_assert_uint_eq(id.b[0], 0x00);
}
END_TEST

START_TEST(multiaddr_vector)
{
	struct mf_maddr m, m2;
	uint8_t fp[32], peer[64], bin[MF_MADDR_BIN_MAX];
	char txt[MF_MADDR_TEXT_MAX], ip[64];
	struct addr a;
	size_t pn;
	int bl;

	ck_assert_int_eq(mf_maddr_parse(MADDR, strlen(MADDR), &m), 0);
	ck_assert_int_eq(m.addr.family, AF_INET);
	ck_assert_uint_eq(m.addr.port, 39901);
	inet_ntop(AF_INET, m.addr.ip, ip, sizeof(ip));
	ck_assert_str_eq(ip, "127.0.0.1");
	ck_assert_int_eq(m.webrtc_direct, 1);
	ck_assert_int_eq(m.n_certhash, 1);
	unhex(MADDR_FP, fp, sizeof(fp));
	ck_assert_mem_eq(m.certhash[0], fp, 32);
	ck_assert_int_eq(m.has_peer, 1);
	pn = unhex(MADDR_PEER, peer, sizeof(peer));
	ck_assert_uint_eq(m.peer.len, pn);
	ck_assert_mem_eq(m.peer.b, peer, pn);

	/* Formatting gives back the same text. */
	ck_assert_int_eq(mf_maddr_format(&m, txt, sizeof(txt)), (int)strlen(MADDR));
	ck_assert_str_eq(txt, MADDR);
	ck_assert_int_eq(addr_parse(&a, "127.0.0.1:39901"), 0);
	ck_assert_int_eq(mf_maddr_webrtc_direct(&a, fp, &m.peer, txt, sizeof(txt)),
	    (int)strlen(MADDR));
	ck_assert_str_eq(txt, MADDR);
	ck_assert_int_eq(mf_maddr_format(&m, txt, strlen(MADDR)), -1);

	/* Binary form: codes, raw multihash, length-prefixed peer id. */
	bl = mf_maddr_to_bin(&m, bin, sizeof(bin));
	ck_assert_int_eq(bl, 1 + 4 + 2 + 2 + 2 + 2 + 1 + 34 + 2 + 1 + 38);
	{
		uint8_t head[32];
		size_t hl = unhex("047f0000019102" "9bdd" "9802" "d203" "22" "1220", head, sizeof(head));
		ck_assert_mem_eq(bin, head, hl);
		ck_assert_mem_eq(bin + hl, fp, 32);
		hl = unhex("a50326", head, sizeof(head));
		ck_assert_mem_eq(bin + 48, head, hl);
	}
	ck_assert_int_eq(mf_maddr_from_bin(bin, (size_t)bl, &m2), 0);
	ck_assert_int_eq(memcmp(&m, &m2, sizeof(m)), 0);
	ck_assert_int_eq(mf_maddr_to_bin(&m, bin, (size_t)bl - 1), -1);
	/* Every truncation of the binary form is rejected or shorter-valid. */
	for (int k = 0; k < bl; k++) {
		int rc = mf_maddr_from_bin(bin, (size_t)k, &m2);
		/* Only whole-component prefixes (ip+udp, +webrtc-direct,
		 * +certhash) can be valid. */
		if (rc == 0)
			ck_assert(k == 9 || k == 11 || k == 11 + 3 + 34);
	}
}
END_TEST

START_TEST(multiaddr_ip6_and_forms)
{
	static const char *ok[] = {
		"/ip4/1.2.3.4/udp/5",
		"/ip4/1.2.3.4/udp/0/webrtc-direct",
		"/ip6/::1/udp/9000/webrtc-direct/certhash/uEiByaEfNSLBexWBNFZy_QB1vAKEj7JAXDizRs4_SnTflsQ",
		"/ip6/2001:db8::1/udp/65535/webrtc-direct/certhash/"
		    "uEiByaEfNSLBexWBNFZy_QB1vAKEj7JAXDizRs4_SnTflsQ/certhash/"
		    "uEiC5P6FL6EZzCG9zUT4nnVa3KWdMSriNIe-_5roWN7psKg/p2p/"
		    "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq",
		"/ip4/10.0.0.1/udp/1/p2p/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq",
	};
	struct mf_maddr m, m2;
	uint8_t bin[MF_MADDR_BIN_MAX];
	char txt[MF_MADDR_TEXT_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		int bl;

		ck_assert_msg(mf_maddr_parse(ok[i], strlen(ok[i]), &m) == 0, "%s", ok[i]);
		ck_assert_int_eq(mf_maddr_format(&m, txt, sizeof(txt)), (int)strlen(ok[i]));
		ck_assert_str_eq(txt, ok[i]);
		bl = mf_maddr_to_bin(&m, bin, sizeof(bin));
		ck_assert_int_gt(bl, 0);
		ck_assert_int_eq(mf_maddr_from_bin(bin, (size_t)bl, &m2), 0);
		ck_assert_int_eq(memcmp(&m, &m2, sizeof(m)), 0);
	}
	mf_maddr_parse(ok[2], strlen(ok[2]), &m);
	ck_assert_int_eq(m.addr.family, AF_INET6);
	{
		int bl = mf_maddr_to_bin(&m, bin, sizeof(bin));
		ck_assert_int_eq(bl, 1 + 16 + 2 + 2 + 2 + 2 + 1 + 34);
		ck_assert_uint_eq(bin[0], 0x29);
		ck_assert_uint_eq(bin[16], 0x01);
	}
	ck_assert_int_eq(m.n_certhash, 1);
	mf_maddr_parse(ok[3], strlen(ok[3]), &m);
	ck_assert_int_eq(m.n_certhash, 2);
	ck_assert_int_eq(m.has_peer, 1);
}
END_TEST

START_TEST(multiaddr_rejects)
{
	static const char *bad[] = {
		"", "/", "ip4/1.2.3.4/udp/1", "/ip4/1.2.3.4", "/ip4/1.2.3.4/udp",
		"/ip4/1.2.3.4/udp/", "/ip4/1.2.3.4/udp/1/", "/ip4/1.2.3.4/tcp/1",
		"/ip4/1.2.3.4/udp/65536", "/ip4/1.2.3.4/udp/-1", "/ip4/1.2.3.4/udp/123456",
		"/ip4/1.2.3.4/udp/1x", "/ip4/999.1.1.1/udp/1", "/ip4/::1/udp/1", "/ip6/1.2.3.4/udp/1",
		"/ip4//udp/1", "/udp/1/ip4/1.2.3.4", "/dns4/example.com/udp/1",
		"/ip4/1.2.3.4/udp/1/quic-v1", "/ip4/1.2.3.4/udp/1/webrtc-direct/webrtc-direct",
		"/ip4/1.2.3.4/udp/1/certhash/uEiByaEfNSLBexWBNFZy_QB1vAKEj7JAXDizRs4_SnTflsQ",
		"/ip4/1.2.3.4/udp/1/webrtc-direct/certhash/uEiByaEfNSLBexWBNFZy_QB1vAKEj7JAXDizRs4",
		"/ip4/1.2.3.4/udp/1/webrtc-direct/certhash",
		"/ip4/1.2.3.4/udp/1/p2p/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq/webrtc-direct",
		"/ip4/1.2.3.4/udp/1/p2p/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3p",
		"/ip4/1.2.3.4/udp/1/p2p/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq/p2p/"
		    "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq",
		"/ip4/1.2.3.4/ip4/1.2.3.4/udp/1", "/ip4/1.2.3.4/udp/1/udp/2",
	};
	struct mf_maddr m;
	char withnul[] = "/ip4/1.2.3.4/udp/1\0/webrtc-direct";
	char many[MF_MADDR_TEXT_MAX];
	size_t off = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(mf_maddr_parse(bad[i], strlen(bad[i]), &m) == -1, "%s", bad[i]);
	ck_assert_int_eq(mf_maddr_parse(withnul, sizeof(withnul) - 1, &m), -1);
	/* More certhashes than the bound. */
	off += (size_t)snprintf(many, sizeof(many), "/ip4/1.2.3.4/udp/1/webrtc-direct");
	for (int i = 0; i <= MF_MADDR_MAX_CERTHASH; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off,
		    "/certhash/uEiByaEfNSLBexWBNFZy_QB1vAKEj7JAXDizRs4_SnTflsQ");
	ck_assert_uint_lt(off, sizeof(many));
	ck_assert_int_eq(mf_maddr_parse(many, off, &m), -1);
	/* Text longer than the bound. */
	ck_assert_int_eq(mf_maddr_parse(many, MF_MADDR_TEXT_MAX + 1, &m), -1);
}
END_TEST

START_TEST(multiaddr_bin_rejects)
{
	static const char *bad[] = {
		"", "04", "047f000001", "047f0000019102", "047f00000191029bdd9102009b",
		"9102009b", "047f00000191029bdda503", "047f00000191029bddd2032212200000",
		"047f00000191029bdd9802d20322132000", "047f00000191029bdd06" "0001",
		"047f00000191029bdd9802d203ff", "047f00000191029bdd9802" "9802",
		"047f00000191029bdd" "a50304" "13020102", "84007f00000191029bdd",
	};
	struct mf_maddr m;
	uint8_t b[MF_MADDR_BIN_MAX + 8];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		size_t n = unhex(bad[i], b, sizeof(b));
		ck_assert_msg(mf_maddr_from_bin(b, n, &m) == -1, "%s", bad[i]);
	}
	memset(b, 0, sizeof(b));
	ck_assert_int_eq(mf_maddr_from_bin(b, sizeof(b), &m), -1);
	/* Structures the encoder must refuse. */
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(mf_maddr_to_bin(&m, b, sizeof(b)), -1);
	m.addr.family = AF_INET;
	m.n_certhash = 1;
	ck_assert_int_eq(mf_maddr_to_bin(&m, b, sizeof(b)), -1);
	ck_assert_int_eq(mf_maddr_format(&m, (char *)b, sizeof(b)), -1);
}
END_TEST

START_TEST(garbage_decoders)
{
	uint8_t in[300], out[300];
	char s[300];
	unsigned seed = 4242;
	static const char chars[] = "/ip46udpwebrtc-directcerthashp2p0123456789.:uEiz12D3KooWbQm_-";
	struct mf_maddr m;
	struct mf_peerid id;
	struct mf_multihash mh;
	uint8_t fp[32];
	uint64_t v;
	const uint8_t *data;
	size_t dlen;
	int type;

	for (int it = 0; it < 20000; it++) {
		size_t n = (size_t)rand_r(&seed) % sizeof(in);

		for (size_t i = 0; i < n; i++) {
			in[i] = (uint8_t)rand_r(&seed);
			s[i] = (it & 1) ? chars[(size_t)rand_r(&seed) % (sizeof(chars) - 1)]
			    : (char)in[i];
		}
		(void)mf_uvarint_decode(in, n, &v);
		(void)mf_base58_decode(s, n, out, sizeof(out));
		(void)mf_base64url_decode(s, n, out, sizeof(out));
		(void)mf_base32_decode(s, n, out, sizeof(out));
		(void)mf_multibase_decode(s, n, out, sizeof(out));
		(void)mf_multihash_decode(in, n, &mh);
		(void)mf_pubkey_decode(in, n, &type, &data, &dlen);
		(void)mf_peerid_from_bytes(in, n, &id);
		(void)mf_peerid_from_text(s, n, &id);
		(void)mf_certhash_parse(s, n, fp);
		(void)mf_maddr_parse(s, n, &m);
		if (mf_maddr_from_bin(in, n, &m) == 0) {
			char t[MF_MADDR_TEXT_MAX];
			ck_assert_int_gt(mf_maddr_format(&m, t, sizeof(t)), 0);
		}
	}
	/* Structured garbage: valid prefix, random tail. */
	for (int it = 0; it < 5000; it++) {
		size_t n = unhex("047f00000191029bdd9802d20322", in, sizeof(in));
		size_t extra = (size_t)rand_r(&seed) % 60;
		for (size_t i = 0; i < extra; i++)
			in[n + i] = (uint8_t)rand_r(&seed);
		(void)mf_maddr_from_bin(in, n + extra, &m);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("multiformats");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, uvarint_boundaries);
	tcase_add_test(tc, uvarint_rd_wr);
	tcase_add_test(tc, base58_vectors);
	tcase_add_test(tc, base58_round_trip_and_bounds);
	tcase_add_test(tc, base64url_vectors);
	tcase_add_test(tc, base64url_round_trip_0_64);
	tcase_add_test(tc, base32_and_multibase);
	tcase_add_test(tc, multihash_codec);
	tcase_add_test(tc, certhash_vectors);
	tcase_add_test(tc, certhash_der_and_rejects);
	tcase_add_test(tc, ed25519_key_and_peer_id);
	tcase_add_test(tc, pubkey_rejects);
	tcase_add_test(tc, peer_id_decode_vectors);
	tcase_add_test(tc, peer_id_rejects);
	tcase_add_test(tc, multiaddr_vector);
	tcase_add_test(tc, multiaddr_ip6_and_forms);
	tcase_add_test(tc, multiaddr_rejects);
	tcase_add_test(tc, multiaddr_bin_rejects);
	tcase_add_test(tc, garbage_decoders);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
