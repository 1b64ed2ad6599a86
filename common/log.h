/* log: leveled, one-line-per-event logging. The supervisor writes to stderr
 * (and optionally syslog); a worker installs a sink that forwards each line
 * to the supervisor as a LOG message. Every line may carry a connection id. */
#ifndef RTCD_LOG_H
#define RTCD_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

typedef void (*log_sink_fn)(enum log_level lvl, const char *line, void *arg);

void log_init(const char *progname, enum log_level lvl);
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
void log_set_syslog(int on);
/* Replace the stderr sink (NULL restores it). */
void log_set_sink(log_sink_fn fn, void *arg);
/* Parse "error|warn|info|debug"; -1 when unknown. */
int log_level_parse(const char *s);
const char *log_level_name(enum log_level lvl);

void log_msg(enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { if (log_get_level() >= LOG_LVL_DEBUG) log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)

#endif
