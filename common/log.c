/* log: the process-wide logger (level, sink, optional syslog). */
#include "common/log.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static enum log_level cur_level = LOG_LVL_INFO;
static const char *prog = "rtcd";
static log_sink_fn sink_fn;
static void *sink_arg;
static int use_syslog;

static const char *names[] = { "error", "warn", "info", "debug" };

void
log_init(const char *progname, enum log_level lvl)
{
	prog = progname;
	cur_level = lvl;
}

void log_set_level(enum log_level lvl) { cur_level = lvl; }
enum log_level log_get_level(void) { return cur_level; }

void
log_set_syslog(int on)
{
	if (on && !use_syslog)
		openlog(prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!on && use_syslog)
		closelog();
	use_syslog = on;
}

void
log_set_sink(log_sink_fn fn, void *arg)
{
	sink_fn = fn;
	sink_arg = arg;
}

int
log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

const char *
log_level_name(enum log_level lvl)
{
	return (unsigned)lvl < 4 ? names[lvl] : "?";
}

void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char line[1024];
	static const int sysprio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	if (lvl > cur_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* One event, one line: fold control characters that came from peers. */
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	if (sink_fn) {
		sink_fn(lvl, line, sink_arg);
		return;
	}
	if (use_syslog)
		syslog(sysprio[lvl], "%s", line);
	fprintf(stderr, "%s[%s] %s\n", prog, names[lvl], line);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}
