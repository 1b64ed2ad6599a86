/* check_config: embedded defaults, the strict JSON schema (unknown keys, bad
 * types and ranges are errors naming the key; a bad file changes nothing),
 * and the effective-config round trip. */
#include <stdio.h>
#include <unistd.h>

#include "common/log.h"
#include "supervisor/config.h"
#include "testutil.h"

static int
apply(struct config *c, const char *json, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);
	int r;

	ck_assert_ptr_nonnull(j);
	r = config_apply_json(c, j, err, errlen);
	json_decref(j);
	return r;
}

START_TEST(embedded_defaults)
{
	struct config c;
	char buf[ADDR_STRLEN];

	config_defaults(&c);
	config_finish(&c);
	ck_assert_int_eq(c.nudp, 1);
	ck_assert_str_eq(addr_format(&c.udp[0], buf, sizeof(buf)), "127.0.0.1:9000");
	ck_assert_int_eq(c.http_enabled, 1);
	ck_assert_str_eq(addr_format(&c.http, buf, sizeof(buf)), "127.0.0.1:8080");
	ck_assert_str_eq(c.control, "run/control.sock");
	ck_assert_str_eq(c.chroot_dir, "run/empty");
	ck_assert_str_eq(c.worker_user, "rtcd-worker");
	ck_assert_int_eq(c.limits.consent_timeout_s, 30);
}
END_TEST

START_TEST(valid_file)
{
	struct config c;
	char err[256], buf[ADDR_STRLEN];

	config_defaults(&c);
	ck_assert_int_eq(apply(&c, "{\"udp\": [\"127.0.0.1:0\", \"[::1]:0\"], \"http\": null,"
	    "\"log_level\": \"debug\", \"limits\": {\"pool_size\": 2, \"consent_timeout_s\": 5}}",
	    err, sizeof(err)), 0);
	ck_assert_int_eq(c.nudp, 2);
	ck_assert_str_eq(addr_format(&c.udp[1], buf, sizeof(buf)), "[::1]:0");
	ck_assert_int_eq(c.http_enabled, 0);
	ck_assert_int_eq(c.log_level, LOG_LVL_DEBUG);
	ck_assert_int_eq(c.limits.pool_size, 2);
	ck_assert_int_eq(c.limits.consent_timeout_s, 5);
	ck_assert_int_eq(c.limits.max_workers, 2500);   /* untouched default */
}
END_TEST

static void
expect_error(const char *json, const char *needle)
{
	struct config c, before;
	char err[256] = "";

	config_defaults(&c);
	before = c;
	ck_assert_int_eq(apply(&c, json, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, needle) != NULL, "error \"%s\" should mention %s", err, needle);
	ck_assert_int_eq(memcmp(&c, &before, sizeof(c)), 0);   /* all or nothing */
}

START_TEST(errors_name_the_key)
{
	expect_error("{\"udpp\": []}", "\"udpp\": unknown key");
	expect_error("{\"limits\": {\"max_workerz\": 3}}", "\"limits.max_workerz\": unknown key");
	expect_error("{\"limits\": {\"max_workers\": 0}}", "\"limits.max_workers\"");
	expect_error("{\"limits\": {\"max_workers\": \"10\"}}", "\"limits.max_workers\"");
	expect_error("{\"limits\": 3}", "\"limits\": must be an object");
	expect_error("{\"udp\": [\"127.0.0.1\"]}", "\"udp[0]\"");
	expect_error("{\"udp\": []}", "\"udp\"");
	expect_error("{\"http\": \"localhost:80\"}", "\"http\"");
	expect_error("{\"log_level\": \"loud\"}", "\"log_level\"");
	expect_error("{\"syslog\": 1}", "\"syslog\"");
	expect_error("{\"udp\": [\"127.0.0.1:1\"], \"worker_user\": 5}", "\"worker_user\"");
	expect_error("[]", "must be an object");
	expect_error("{\"limits\": {\"pool_size\": 20, \"max_workers\": 10}}", "pool_size");
}
END_TEST

START_TEST(operations_keys)
{
	struct config c;
	char err[256];

	config_defaults(&c);
	ck_assert_int_eq(c.metrics_api, 0);
	ck_assert_int_eq(c.ncontrol_uids, 0);
	ck_assert_str_eq(c.control_group, "");
	ck_assert_int_eq(c.limits.drain_deadline_s, 300);
	ck_assert_int_eq(apply(&c, "{\"metrics_api\": true, \"control_group\": \"rtcd\","
	    "\"control_allow_uids\": [1000, 0, 4294967294], \"limits\": {\"drain_deadline_s\": 0}}",
	    err, sizeof(err)), 0);
	ck_assert_int_eq(c.metrics_api, 1);
	ck_assert_str_eq(c.control_group, "rtcd");
	ck_assert_int_eq(c.ncontrol_uids, 3);
	ck_assert_uint_eq(c.control_uids[0], 1000);
	ck_assert_uint_eq(c.control_uids[2], 4294967294u);
	ck_assert_int_eq(c.limits.drain_deadline_s, 0);
	ck_assert_int_eq(apply(&c, "{\"control_allow_uids\": []}", err, sizeof(err)), 0);
	ck_assert_int_eq(c.ncontrol_uids, 0);
	expect_error("{\"control_allow_uids\": [-1]}", "\"control_allow_uids[0]\"");
	expect_error("{\"control_allow_uids\": [1, 4294967295]}", "\"control_allow_uids[1]\"");
	expect_error("{\"control_allow_uids\": [\"root\"]}", "must be a uid");
	expect_error("{\"control_allow_uids\": 0}", "\"control_allow_uids\": must be a list");
	expect_error("{\"control_allow_uids\": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}",
	    "at most 16");
	expect_error("{\"metrics_api\": 1}", "\"metrics_api\": must be true or false");
	expect_error("{\"limits\": {\"drain_deadline_s\": -1}}", "\"limits.drain_deadline_s\"");
	expect_error("{\"control_group\": 5}", "\"control_group\"");
}
END_TEST

START_TEST(file_errors)
{
	struct config c;
	char err[256], path[] = "/tmp/rtcd-config-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fputs("{\"udp\": [\"127.0.0.1:9000\"],\n \"limits\": {\"pool_size\": }}\n", f);
	fclose(f);
	config_defaults(&c);
	ck_assert_int_eq(config_load_file(&c, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, path) && strstr(err, ":2:"), "got %s", err);
	unlink(path);
	ck_assert_int_eq(config_load_file(&c, "/nonexistent/rtcd.conf", err, sizeof(err)), -1);
}
END_TEST

START_TEST(effective_config_round_trips)
{
	struct config c, d;
	char err[256];
	json_t *j;

	config_defaults(&c);
	ck_assert_int_eq(apply(&c, "{\"udp\": [\"[::1]:9100\"], \"limits\": {\"pool_size\": 7},"
	    "\"control_allow_uids\": [42], \"metrics_api\": true}", err, sizeof(err)), 0);
	config_finish(&c);
	j = config_to_json(&c);
	config_defaults(&d);
	ck_assert_int_eq(config_apply_json(&d, j, err, sizeof(err)), 0);
	config_finish(&d);
	json_decref(j);
	ck_assert_int_eq(memcmp(&c, &d, sizeof(c)), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, embedded_defaults);
	tcase_add_test(tc, valid_file);
	tcase_add_test(tc, errors_name_the_key);
	tcase_add_test(tc, operations_keys);
	tcase_add_test(tc, file_errors);
	tcase_add_test(tc, effective_config_round_trips);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
