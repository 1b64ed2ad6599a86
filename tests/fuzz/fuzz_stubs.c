/* fuzz_stubs: linked into every fuzz target: stand-ins for the
 * supervisor/main.c functions the supervisor modules call (main.c holds the
 * process's main() and is not linked into fuzz targets; stopping and
 * reloading do nothing here), and the quiet log sink. */
#include "common/log.h"
#include "fuzz.h"
#include "supervisor/sup.h"

static void
drop_line(enum log_level lvl, const char *line, void *arg)
{
}

void
fuzz_quiet_logs(void)
{
	log_init("fuzz", LOG_LVL_DEBUG);
	log_set_sink(drop_line, NULL);
}

void
sup_request_stop(struct sup *s, const char *why)
{
	s->stopping = 1;
}

int
sup_reload(struct sup *s, char *err, size_t errlen)
{
	return 0;
}

void
sup_drain(struct sup *s, int deadline_s)
{
	s->stopping = 1;
}
