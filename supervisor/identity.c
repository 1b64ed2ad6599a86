/* identity: libp2p Ed25519 key storage and the restricted signing service. */
#include "identity.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/multiformats.h"
#include "common/pubsub.h"

struct identity {
	EVP_PKEY *key;
	uint8_t pub[32];
	uint64_t pubsub_seqno;     /* monotonic, seeded from the wall clock (ns) */
};

static int
write_key_atomically(const char *path, EVP_PKEY *k, char *err, size_t errlen)
{
	char tmp[1100];
	FILE *f;
	int fd, ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1 && fflush(f) == 0 &&
	    fsync(fileno(f)) == 0;
	if (fclose(f) != 0 || !ok || rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: cannot write the key", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

struct identity *
identity_load(const char *dir, char *err, size_t errlen)
{
	char path[1024];
	struct identity *id = calloc(1, sizeof(*id));
	size_t publen = 32;
	struct stat st;
	FILE *f;

	if (id == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/libp2p-key.pem", dir);
	f = fopen(path, "re");
	if (f != NULL) {
		if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
			snprintf(err, errlen, "%s: must not be readable by group or others (chmod 600)", path);
			fclose(f);
			free(id);
			return NULL;
		}
		id->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (id->key == NULL || EVP_PKEY_get_id(id->key) != EVP_PKEY_ED25519) {
			snprintf(err, errlen, "%s: not an Ed25519 private key", path);
			EVP_PKEY_free(id->key);
			free(id);
			return NULL;
		}
	} else if (errno == ENOENT) {
		id->key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		if (id->key == NULL || write_key_atomically(path, id->key, err, errlen) < 0) {
			if (id->key == NULL)
				snprintf(err, errlen, "cannot generate an Ed25519 key");
			EVP_PKEY_free(id->key);
			free(id);
			return NULL;
		}
	} else {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(id);
		return NULL;
	}
	if (EVP_PKEY_get_raw_public_key(id->key, id->pub, &publen) != 1 || publen != 32) {
		snprintf(err, errlen, "%s: cannot read the public key", path);
		identity_free(id);
		return NULL;
	}
	return id;
}

void
identity_free(struct identity *id)
{
	if (id == NULL)
		return;
	EVP_PKEY_free(id->key);
	free(id);
}

void
identity_pubkey_pb(const struct identity *id, uint8_t out[IDENTITY_PUBKEY_PB_LEN])
{
	out[0] = 0x08;   /* field 1 (Type), varint: Ed25519 = 1 */
	out[1] = 0x01;
	out[2] = 0x12;   /* field 2 (Data), bytes, length 32 */
	out[3] = 0x20;
	memcpy(out + 4, id->pub, 32);
}

int
identity_sign_noise(const struct identity *id, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	EVP_MD_CTX *c;
	size_t siglen = 64;
	int ok;

	/* The key signs nothing but a Noise static key in its libp2p form: a
	 * compromised worker cannot make it sign anything else. */
	if (len != IDENTITY_NOISE_MSG_LEN || memcmp(msg, IDENTITY_NOISE_PREFIX, 24) != 0)
		return -1;
	c = EVP_MD_CTX_new();
	if (c == NULL)
		return -1;
	ok = EVP_DigestSignInit(c, NULL, NULL, NULL, id->key) == 1 &&
	    EVP_DigestSign(c, sig, &siglen, msg, len) == 1 && siglen == 64;
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

int
identity_peer_id(const struct identity *id, char *out, size_t cap)
{
	uint8_t pb[IDENTITY_PUBKEY_PB_LEN];
	struct mf_peerid pid;

	identity_pubkey_pb(id, pb);
	if (mf_peerid_from_pubkey(pb, sizeof(pb), &pid) < 0)
		return -1;
	return mf_peerid_to_text(&pid, out, cap) < 0 ? -1 : 0;
}

int
identity_multiaddr(const struct identity *id, const struct addr *a, const uint8_t cert_fp[32],
    char *out, size_t cap)
{
	uint8_t pb[IDENTITY_PUBKEY_PB_LEN];
	struct mf_peerid pid;

	identity_pubkey_pb(id, pb);
	if (mf_peerid_from_pubkey(pb, sizeof(pb), &pid) < 0)
		return -1;
	return mf_maddr_webrtc_direct(a, cert_fp, &pid, out, cap) < 0 ? -1 : 0;
}

static int
ed25519_sign(const struct identity *id, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t siglen = 64;
	int ok;

	if (c == NULL)
		return -1;
	ok = EVP_DigestSignInit(c, NULL, NULL, NULL, id->key) == 1 &&
	    EVP_DigestSign(c, sig, &siglen, msg, len) == 1 && siglen == 64;
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

int
identity_pubsub_message(struct identity *id, const char *topic, const uint8_t *data, size_t len,
    uint8_t *out, size_t cap)
{
	uint8_t pb[IDENTITY_PUBKEY_PB_LEN], from[2 + IDENTITY_PUBKEY_PB_LEN], seq[8], sig[64];
	static uint8_t input[PUBSUB_SIGN_PREFIX_LEN + PUBSUB_MAX_MSG];
	struct pubsub_msg m;
	struct timespec ts;
	int n;

	if (id->pubsub_seqno == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		id->pubsub_seqno = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
	id->pubsub_seqno++;
	for (int i = 0; i < 8; i++)
		seq[i] = (uint8_t)(id->pubsub_seqno >> (56 - 8 * i));
	identity_pubkey_pb(id, pb);
	from[0] = 0x00;   /* identity multihash: the key is short enough to inline */
	from[1] = IDENTITY_PUBKEY_PB_LEN;
	memcpy(from + 2, pb, sizeof(pb));
	memset(&m, 0, sizeof(m));
	m.from = (struct pubsub_bytes){ from, sizeof(from), 1 };
	m.data = (struct pubsub_bytes){ data, len, 1 };
	m.seqno = (struct pubsub_bytes){ seq, sizeof(seq), 1 };
	m.topic = (struct pubsub_bytes){ (const uint8_t *)topic, strlen(topic), 1 };
	n = pubsub_sign_input(&m, input, sizeof(input));
	if (n < 0 || ed25519_sign(id, input, (size_t)n, sig) < 0)
		return -1;
	m.signature = (struct pubsub_bytes){ sig, sizeof(sig), 1 };
	return pubsub_msg_encode(&m, 1, out, cap);
}
