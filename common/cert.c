/* cert: generation, storage, loading and fingerprints of the DTLS identity
 * (ECDSA P-256, self-signed; see cert.h). OpenSSL 3.0 non-deprecated APIs. */
#include "common/cert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#define CERT_SERIAL_LEN 16
#define CERT_VALID_DAYS (20 * 365 + 5)  /* 20 years including leap days */
#define CERT_PATH_MAX 4096

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	unsigned long e = ERR_peek_last_error();
	size_t n;

	if (errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	n = strlen(err);
	if (e != 0 && n + 1 < errlen) {
		const char *why = ERR_reason_error_string(e);
		snprintf(err + n, errlen - n, " (openssl: %s)", why ? why : "unknown error");
	}
	ERR_clear_error();
	return -1;
}

/* Random positive 16-byte serial (RFC 5280 §4.1.2.2: positive, <= 20 octets). */
static int
set_serial(X509 *x)
{
	uint8_t b[CERT_SERIAL_LEN];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	b[0] = (uint8_t)((b[0] & 0x7f) | 0x40);
	bn = BN_bin2bn(b, sizeof(b), NULL);
	if (bn == NULL)
		return -1;
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok ? 0 : -1;
}

static int
set_names(X509 *x)
{
	X509_NAME *name = X509_get_subject_name(x);

	if (name == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"rtcd",
	    -1, -1, 0) != 1)
		return -1;
	return X509_set_issuer_name(x, name) == 1 ? 0 : -1;
}

static X509 *
make_cert(EVP_PKEY *pk)
{
	X509 *x = X509_new();

	if (x == NULL)
		return NULL;
	if (X509_set_version(x, X509_VERSION_3) != 1 || set_serial(x) < 0 || set_names(x) < 0 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -24L * 3600) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), CERT_VALID_DAYS, 0, NULL) == NULL ||
	    X509_set_pubkey(x, pk) != 1 || X509_sign(x, pk, EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* DER certificate and PKCS#8 DER key into the caller's buffers. */
static int
to_der(X509 *x, EVP_PKEY *pk, uint8_t *cert_der, size_t *cert_len, size_t cert_cap,
    uint8_t *key_der, size_t *key_len, size_t key_cap)
{
	PKCS8_PRIV_KEY_INFO *p8;
	unsigned char *w;
	int n, k;

	n = i2d_X509(x, NULL);
	if (n <= 0 || (size_t)n > cert_cap)
		return -1;
	p8 = EVP_PKEY2PKCS8(pk);
	if (p8 == NULL)
		return -1;
	k = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL);
	if (k <= 0 || (size_t)k > key_cap) {
		PKCS8_PRIV_KEY_INFO_free(p8);
		return -1;
	}
	w = cert_der;
	if (i2d_X509(x, &w) != n) {
		PKCS8_PRIV_KEY_INFO_free(p8);
		return -1;
	}
	w = key_der;
	k = i2d_PKCS8_PRIV_KEY_INFO(p8, &w) == k ? k : -1;
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (k < 0) {
		OPENSSL_cleanse(key_der, key_cap);
		return -1;
	}
	*cert_len = (size_t)n;
	*key_len = (size_t)k;
	return 0;
}

static int
generate(X509 **x, EVP_PKEY **pk)
{
	*pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (*pk == NULL)
		return -1;
	*x = make_cert(*pk);
	if (*x == NULL) {
		EVP_PKEY_free(*pk);
		*pk = NULL;
		return -1;
	}
	return 0;
}

int
cert_generate(uint8_t *cert_der, size_t *cert_len, size_t cert_cap, uint8_t *key_der,
    size_t *key_len, size_t key_cap)
{
	X509 *x;
	EVP_PKEY *pk;
	int r;

	if (generate(&x, &pk) < 0)
		return -1;
	r = to_der(x, pk, cert_der, cert_len, cert_cap, key_der, key_len, key_cap);
	X509_free(x);
	EVP_PKEY_free(pk);
	return r;
}

int
cert_fingerprint_sha256(const uint8_t *der, size_t len, uint8_t out[CERT_FP_LEN])
{
	unsigned int n = 0;

	if (der == NULL || len == 0)
		return -1;
	if (EVP_Digest(der, len, out, &n, EVP_sha256(), NULL) != 1 || n != CERT_FP_LEN)
		return -1;
	return 0;
}

void
cert_fingerprint_hex(const uint8_t fp[CERT_FP_LEN], char out[CERT_FP_HEX_LEN])
{
	static const char hx[] = "0123456789ABCDEF";

	for (size_t i = 0; i < CERT_FP_LEN; i++) {
		out[i * 3] = hx[fp[i] >> 4];
		out[i * 3 + 1] = hx[fp[i] & 15];
		out[i * 3 + 2] = i + 1 < CERT_FP_LEN ? ':' : '\0';
	}
}

/* 1 = exists, 0 = absent, -1 = cannot tell. */
static int
file_exists(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return fail(err, errlen, "%s: %s", path, strerror(errno));
}

/* Read a whole small regular file. With secret set, the file must not be
 * accessible by group or others (as OpenSSH insists for private keys). */
static int
read_file(const char *path, int secret, uint8_t *buf, size_t cap, size_t *len, char *err,
    size_t errlen)
{
	struct stat st;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, "%s: not a regular file", path);
	}
	if (secret && (st.st_mode & 077) != 0) {
		close(fd);
		return fail(err, errlen, "%s: permissions %04o are too open (must be 0600)", path,
		    (unsigned)(st.st_mode & 07777));
	}
	if (st.st_size <= 0 || (size_t)st.st_size > cap) {
		close(fd);
		return fail(err, errlen, "%s: size %lld out of range (1..%zu)", path,
		    (long long)st.st_size, cap);
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			return fail(err, errlen, "%s: read failed", path);
		}
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return 0;
}

static int
no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int
is_p256(EVP_PKEY *pk)
{
	char name[64];
	size_t n = 0;

	if (EVP_PKEY_is_a(pk, "EC") != 1 ||
	    EVP_PKEY_get_group_name(pk, name, sizeof(name), &n) != 1)
		return 0;
	return strcmp(name, SN_X9_62_prime256v1) == 0 || strcmp(name, "P-256") == 0;
}

static int
load_cert(const char *path, X509 **x, char *err, size_t errlen)
{
	uint8_t buf[CERT_MAX_FILE];
	size_t len;
	BIO *b;

	if (read_file(path, 0, buf, sizeof(buf), &len, err, errlen) < 0)
		return -1;
	b = BIO_new_mem_buf(buf, (int)len);
	if (b == NULL)
		return fail(err, errlen, "%s: out of memory", path);
	*x = PEM_read_bio_X509(b, NULL, no_password, NULL);
	BIO_free(b);
	if (*x == NULL)
		return fail(err, errlen, "%s: not a PEM certificate", path);
	return 0;
}

static int
load_key(const char *path, EVP_PKEY **pk, char *err, size_t errlen)
{
	uint8_t buf[CERT_MAX_FILE];
	size_t len;
	BIO *b;

	if (read_file(path, 1, buf, sizeof(buf), &len, err, errlen) < 0)
		return -1;
	b = BIO_new_mem_buf(buf, (int)len);
	if (b == NULL) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return fail(err, errlen, "%s: out of memory", path);
	}
	*pk = PEM_read_bio_PrivateKey(b, NULL, no_password, NULL);
	BIO_free(b);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (*pk == NULL)
		return fail(err, errlen, "%s: not an unencrypted PEM private key", path);
	if (!is_p256(*pk)) {
		EVP_PKEY_free(*pk);
		*pk = NULL;
		return fail(err, errlen, "%s: key is not an EC P-256 key", path);
	}
	return 0;
}

static int
load_pair(const char *cpath, const char *kpath, X509 **x, EVP_PKEY **pk, char *err,
    size_t errlen)
{
	EVP_PKEY *pub;

	*x = NULL;
	*pk = NULL;
	if (load_key(kpath, pk, err, errlen) < 0)
		return -1;
	if (load_cert(cpath, x, err, errlen) < 0)
		goto bad;
	pub = X509_get0_pubkey(*x);
	if (pub == NULL || EVP_PKEY_eq(pub, *pk) != 1) {
		fail(err, errlen, "%s: certificate does not match the private key in %s", cpath,
		    kpath);
		goto bad;
	}
	return 0;
bad:
	X509_free(*x);
	EVP_PKEY_free(*pk);
	*x = NULL;
	*pk = NULL;
	return -1;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Write to a temporary file in the same directory, fsync, then rename, so
 * a crash leaves either the old file or the complete new one. */
static int
write_atomic(const char *path, const uint8_t *p, size_t n, mode_t mode, char *err,
    size_t errlen)
{
	char tmp[CERT_PATH_MAX];
	int fd, e;

	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp))
		return fail(err, errlen, "%s: path too long", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, "%s: cannot create temporary file: %s", path,
		    strerror(errno));
	if (fchmod(fd, mode) < 0 || write_all(fd, p, n) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		return fail(err, errlen, "%s: write failed: %s", path, strerror(e));
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		return fail(err, errlen, "%s: cannot install file: %s", path, strerror(e));
	}
	return 0;
}

static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

static int
write_pem(const char *path, BIO *m, mode_t mode, char *err, size_t errlen)
{
	char *data = NULL;
	long n = BIO_get_mem_data(m, &data);

	if (n <= 0 || data == NULL)
		return fail(err, errlen, "%s: PEM encoding failed", path);
	return write_atomic(path, (const uint8_t *)data, (size_t)n, mode, err, errlen);
}

/* Key first: if the certificate cannot be written the key is removed again,
 * so a failed start never leaves half an identity behind. */
static int
store_pair(const char *dir, const char *cpath, const char *kpath, X509 *x, EVP_PKEY *pk,
    char *err, size_t errlen)
{
	BIO *km = BIO_new(BIO_s_secmem()), *cm = BIO_new(BIO_s_mem());
	int r = -1;

	if (km == NULL || cm == NULL ||
	    PEM_write_bio_PrivateKey(km, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_X509(cm, x) != 1) {
		fail(err, errlen, "%s: PEM encoding failed", kpath);
		goto out;
	}
	if (write_pem(kpath, km, 0600, err, errlen) < 0)
		goto out;
	if (write_pem(cpath, cm, 0644, err, errlen) < 0) {
		unlink(kpath);
		goto out;
	}
	sync_dir(dir);
	r = 0;
out:
	BIO_free(km);
	BIO_free(cm);
	return r;
}

static int
obtain(const char *dir, const char *cpath, const char *kpath, X509 **x, EVP_PKEY **pk,
    char *err, size_t errlen)
{
	int have_c = file_exists(cpath, err, errlen), have_k;

	if (have_c < 0)
		return -1;
	have_k = file_exists(kpath, err, errlen);
	if (have_k < 0)
		return -1;
	if (have_c && have_k)
		return load_pair(cpath, kpath, x, pk, err, errlen);
	if (have_c || have_k)
		return fail(err, errlen, "%s: missing while %s exists (restore it, or remove both "
		    "to create a new identity)", have_c ? kpath : cpath, have_c ? cpath : kpath);
	if (generate(x, pk) < 0)
		return fail(err, errlen, "%s: cannot generate a P-256 certificate", cpath);
	if (store_pair(dir, cpath, kpath, *x, *pk, err, errlen) < 0) {
		X509_free(*x);
		EVP_PKEY_free(*pk);
		*x = NULL;
		*pk = NULL;
		return -1;
	}
	return 0;
}

int
cert_load_or_create(const char *dir, uint8_t *cert_der, size_t *cert_len, size_t cert_cap,
    uint8_t *key_der, size_t *key_len, size_t key_cap, char *err, size_t errlen)
{
	char cpath[CERT_PATH_MAX], kpath[CERT_PATH_MAX];
	X509 *x = NULL;
	EVP_PKEY *pk = NULL;
	int r;

	if (errlen > 0)
		err[0] = '\0';
	ERR_clear_error();
	if (snprintf(cpath, sizeof(cpath), "%s/%s", dir, CERT_FILE) >= (int)sizeof(cpath) ||
	    snprintf(kpath, sizeof(kpath), "%s/%s", dir, CERT_KEY_FILE) >= (int)sizeof(kpath))
		return fail(err, errlen, "%s: state directory path too long", dir);
	if (obtain(dir, cpath, kpath, &x, &pk, err, errlen) < 0)
		return -1;
	r = to_der(x, pk, cert_der, cert_len, cert_cap, key_der, key_len, key_cap);
	X509_free(x);
	EVP_PKEY_free(pk);
	if (r < 0)
		return fail(err, errlen, "%s: certificate or key too large (max %zu/%zu bytes DER)",
		    cpath, cert_cap, key_cap);
	return 0;
}
