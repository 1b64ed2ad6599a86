/* check_cert: DTLS identity generation (what the certificate contains),
 * storage and reload (stable fingerprint, 0600 key), and refusal of
 * corrupted, mismatched, foreign-curve and exposed key files. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/cert.h"
#include "testutil.h"

static char dir[64];

static void
setup(void)
{
	strcpy(dir, "/tmp/check_cert.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || strcmp(e->d_name, "..") == 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

struct pair {
	uint8_t cert[CERT_MAX_DER], key[KEY_MAX_DER];
	size_t cert_len, key_len;
	char err[512];
};

static int
load(const char *d, struct pair *p)
{
	return cert_load_or_create(d, p->cert, &p->cert_len, sizeof(p->cert), p->key, &p->key_len,
	    sizeof(p->key), p->err, sizeof(p->err));
}

static void
path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void
write_file(const char *name, const void *data, size_t n, mode_t mode)
{
	char path[512];
	int fd;

	path_of(path, sizeof(path), name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

START_TEST(generate_contents)
{
	struct pair a, b;
	const unsigned char *q;
	X509 *x;
	EVP_PKEY *pk;
	PKCS8_PRIV_KEY_INFO *p8;
	char cn[32], grp[32];
	const ASN1_INTEGER *serial;
	BIGNUM *bn;
	int days, secs;

	ck_assert_int_eq(cert_generate(a.cert, &a.cert_len, sizeof(a.cert), a.key, &a.key_len,
	    sizeof(a.key)), 0);
	ck_assert_uint_gt(a.cert_len, 200);
	ck_assert_uint_le(a.cert_len, CERT_MAX_DER);
	q = a.cert;
	x = d2i_X509(NULL, &q, (long)a.cert_len);
	ck_assert_ptr_nonnull(x);
	ck_assert_ptr_eq(q, a.cert + a.cert_len);
	ck_assert_int_eq(X509_get_version(x), X509_VERSION_3);
	ck_assert_int_eq(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
	ck_assert_int_gt(X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
	    sizeof(cn)), 0);
	ck_assert_str_eq(cn, "rtcd");
	ck_assert_int_eq(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
	serial = X509_get0_serialNumber(x);
	bn = ASN1_INTEGER_to_BN(serial, NULL);
	ck_assert_ptr_nonnull(bn);
	ck_assert_int_eq(BN_num_bytes(bn), 16);
	ck_assert_int_eq(BN_is_negative(bn), 0);
	BN_free(bn);
	/* notBefore about one day back, notAfter about 20 years ahead. */
	ck_assert_int_eq(ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notBefore(x)), 1);
	ck_assert_int_eq(days, -1);
	ck_assert_int_eq(ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x)), 1);
	ck_assert_int_ge(days, 20 * 365);
	ck_assert_int_le(days, 20 * 365 + 6);
	/* Key: PKCS#8, P-256, matching the certificate and its signature. */
	q = a.key;
	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &q, (long)a.key_len);
	ck_assert_ptr_nonnull(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	q = a.key;
	pk = d2i_AutoPrivateKey(NULL, &q, (long)a.key_len);
	ck_assert_ptr_nonnull(pk);
	ck_assert_int_eq(EVP_PKEY_get_group_name(pk, grp, sizeof(grp), NULL), 1);
	ck_assert_str_eq(grp, "prime256v1");
	ck_assert_int_eq(X509_check_private_key(x, pk), 1);
	ck_assert_int_eq(X509_verify(x, pk), 1);
	EVP_PKEY_free(pk);
	X509_free(x);
	/* Two identities differ. */
	ck_assert_int_eq(cert_generate(b.cert, &b.cert_len, sizeof(b.cert), b.key, &b.key_len,
	    sizeof(b.key)), 0);
	ck_assert(a.cert_len != b.cert_len || memcmp(a.cert, b.cert, a.cert_len) != 0);
	ck_assert(a.key_len != b.key_len || memcmp(a.key, b.key, a.key_len) != 0);
	/* Buffers too small. */
	ck_assert_int_eq(cert_generate(b.cert, &b.cert_len, 100, b.key, &b.key_len,
	    sizeof(b.key)), -1);
	ck_assert_int_eq(cert_generate(b.cert, &b.cert_len, sizeof(b.cert), b.key, &b.key_len,
	    50), -1);
}
END_TEST

START_TEST(fingerprint_vector)
{
	uint8_t fp[CERT_FP_LEN], want[CERT_FP_LEN];
	char hex[CERT_FP_HEX_LEN];

	/* FIPS 180-2 SHA-256("abc"). */
	unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want,
	    sizeof(want));
	ck_assert_int_eq(cert_fingerprint_sha256((const uint8_t *)"abc", 3, fp), 0);
	ck_assert_int_eq(memcmp(fp, want, sizeof(fp)), 0);
	cert_fingerprint_hex(fp, hex);
	ck_assert_str_eq(hex, "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:"
	    "B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD");
	ck_assert_int_eq(cert_fingerprint_sha256(NULL, 0, fp), -1);
}
END_TEST

START_TEST(create_then_load)
{
	struct pair a, b;
	struct stat st;
	char path[512];
	uint8_t fa[CERT_FP_LEN], fb[CERT_FP_LEN];

	ck_assert_msg(load(dir, &a) == 0, "%s", a.err);
	path_of(path, sizeof(path), CERT_KEY_FILE);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	path_of(path, sizeof(path), CERT_FILE);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0077, 0044);
	/* Reload: same certificate bytes, same key, same fingerprint. */
	ck_assert_msg(load(dir, &b) == 0, "%s", b.err);
	ck_assert_uint_eq(a.cert_len, b.cert_len);
	ck_assert_int_eq(memcmp(a.cert, b.cert, a.cert_len), 0);
	ck_assert_uint_eq(a.key_len, b.key_len);
	ck_assert_int_eq(memcmp(a.key, b.key, a.key_len), 0);
	ck_assert_int_eq(cert_fingerprint_sha256(a.cert, a.cert_len, fa), 0);
	ck_assert_int_eq(cert_fingerprint_sha256(b.cert, b.cert_len, fb), 0);
	ck_assert_int_eq(memcmp(fa, fb, sizeof(fa)), 0);
	/* No temporary files left behind. */
	{
		DIR *d = opendir(dir);
		struct dirent *e;
		int files = 0;
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				files++;
		closedir(d);
		ck_assert_int_eq(files, 2);
	}
}
END_TEST

static void
expect_error(const char *file_in_msg, const char *why)
{
	struct pair p;

	ck_assert_int_eq(load(dir, &p), -1);
	ck_assert_msg(strstr(p.err, file_in_msg) != NULL, "error '%s' lacks '%s'", p.err,
	    file_in_msg);
	ck_assert_msg(strstr(p.err, why) != NULL, "error '%s' lacks '%s'", p.err, why);
}

START_TEST(corrupted_files)
{
	struct pair p;
	static const char junk[] = "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n"
				   "-----END CERTIFICATE-----\n";

	ck_assert_int_eq(load(dir, &p), 0);
	write_file(CERT_FILE, junk, sizeof(junk) - 1, 0644);
	expect_error(CERT_FILE, "not a PEM certificate");
	write_file(CERT_KEY_FILE, "garbage", 7, 0600);
	expect_error(CERT_KEY_FILE, "private key");
	write_file(CERT_KEY_FILE, "", 0, 0600);
	expect_error(CERT_KEY_FILE, "size");
}
END_TEST

START_TEST(mismatched_pair)
{
	struct pair p;
	char other[64], src[512], dst[512];

	strcpy(other, "/tmp/check_cert.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(other));
	ck_assert_int_eq(load(dir, &p), 0);
	ck_assert_int_eq(load(other, &p), 0);
	snprintf(src, sizeof(src), "%s/%s", other, CERT_FILE);
	path_of(dst, sizeof(dst), CERT_FILE);
	ck_assert_int_eq(rename(src, dst), 0);
	expect_error(CERT_FILE, "does not match");
	snprintf(src, sizeof(src), "%s/%s", other, CERT_KEY_FILE);
	unlink(src);
	rmdir(other);
}
END_TEST

START_TEST(p384_rejected)
{
	struct pair p;
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;

	ck_assert_int_eq(load(dir, &p), 0);   /* valid cert present */
	ck_assert_ptr_nonnull(pk);
	ck_assert_int_eq(PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL), 1);
	n = BIO_get_mem_data(b, &data);
	write_file(CERT_KEY_FILE, data, (size_t)n, 0600);
	expect_error(CERT_KEY_FILE, "P-256");
	BIO_free(b);
	EVP_PKEY_free(pk);
	/* An RSA key is no better. */
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	b = BIO_new(BIO_s_mem());
	ck_assert_int_eq(PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL), 1);
	n = BIO_get_mem_data(b, &data);
	write_file(CERT_KEY_FILE, data, (size_t)n, 0600);
	expect_error(CERT_KEY_FILE, "P-256");
	BIO_free(b);
	EVP_PKEY_free(pk);
}
END_TEST

START_TEST(key_permissions)
{
	struct pair p;
	char path[512];

	ck_assert_int_eq(load(dir, &p), 0);
	path_of(path, sizeof(path), CERT_KEY_FILE);
	ck_assert_int_eq(chmod(path, 0644), 0);
	expect_error(CERT_KEY_FILE, "too open");
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(load(dir, &p), 0);
}
END_TEST

START_TEST(half_identity)
{
	struct pair p;
	char path[512];

	ck_assert_int_eq(load(dir, &p), 0);
	path_of(path, sizeof(path), CERT_FILE);
	ck_assert_int_eq(unlink(path), 0);
	expect_error(CERT_FILE, "missing");
	/* The surviving key was not replaced by a new identity. */
	path_of(path, sizeof(path), CERT_KEY_FILE);
	ck_assert_int_eq(access(path, F_OK), 0);
}
END_TEST

START_TEST(bad_dir)
{
	struct pair p;

	ck_assert_int_eq(load("/nonexistent/rtcd-state", &p), -1);
	ck_assert_ptr_nonnull(strstr(p.err, "/nonexistent/rtcd-state/"));
}
END_TEST

static Suite *
cert_suite(void)
{
	Suite *s = suite_create("cert");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, generate_contents);
	tcase_add_test(tc, fingerprint_vector);
	tcase_add_test(tc, create_then_load);
	tcase_add_test(tc, corrupted_files);
	tcase_add_test(tc, mismatched_pair);
	tcase_add_test(tc, p384_rejected);
	tcase_add_test(tc, key_permissions);
	tcase_add_test(tc, half_identity);
	tcase_add_test(tc, bad_dir);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(cert_suite());
}
