/* fuzz_config_json: rtcd.conf handling (supervisor/config.c) on fuzzed JSON:
 * config_apply_json over the defaults. Invariants: a refused document names
 * a key in a one-line error and leaves the configuration untouched (all or
 * nothing); an accepted one keeps every limit in its documented range, and
 * its effective configuration printed by config_to_json (what
 * `rtcd --check-config` shows) reads back into the same configuration. */
#include <string.h>
#include <jansson.h>

#include "fuzz.h"
#include "supervisor/config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c, before, c2;
	json_error_t je;
	json_t *root, *j1, *j2;
	char err[256];

	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return 0;
	config_defaults(&c);
	before = c;
	memset(err, 'X', sizeof(err));
	if (config_apply_json(&c, root, err, sizeof(err)) < 0) {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] == '"');
		FUZZ_CHECK(memcmp(&c, &before, sizeof(c)) == 0);
		json_decref(root);
		return 0;
	}
	json_decref(root);
	FUZZ_CHECK(c.nudp >= 1 && c.nudp <= CONFIG_MAX_UDP);
	FUZZ_CHECK(c.limits.pool_size <= c.limits.max_workers);
	FUZZ_CHECK(c.limits.new_flows_burst >= c.limits.new_flows_per_ip);
	FUZZ_CHECK(c.limits.max_offer_bytes >= 1024 && c.limits.max_offer_bytes <= 48 * 1024);
	FUZZ_CHECK(c.log_level >= 0 && c.log_level <= 3);
	config_finish(&c);
	FUZZ_CHECK(strlen(c.control) < sizeof(c.control) && strlen(c.chroot_dir) < sizeof(c.chroot_dir));
	j1 = config_to_json(&c);
	FUZZ_CHECK(j1 != NULL);
	config_defaults(&c2);
	FUZZ_CHECK(config_apply_json(&c2, j1, err, sizeof(err)) == 0);
	config_finish(&c2);
	j2 = config_to_json(&c2);
	FUZZ_CHECK(j2 != NULL && json_equal(j1, j2));
	json_decref(j1);
	json_decref(j2);
	return 0;
}
