/* Logging to stderr with a level threshold. Never pass secrets (STYLE.md rule 18). */
#ifndef LIM_LOG_H
#define LIM_LOG_H

enum lim_log_level { LIM_LOG_ERR = 0, LIM_LOG_WARN = 1, LIM_LOG_INFO = 2, LIM_LOG_DEBUG = 3 };

/* The threshold is process-wide state owned by limf/ (set once at start-up). */
void lim_log_set_level(enum lim_log_level lvl);
enum lim_log_level lim_log_get_level(void);
void lim_log(enum lim_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define lim_err_log(...) lim_log(LIM_LOG_ERR, __VA_ARGS__)
#define lim_warn(...)    lim_log(LIM_LOG_WARN, __VA_ARGS__)
#define lim_info(...)    lim_log(LIM_LOG_INFO, __VA_ARGS__)
#define lim_debug(...)   lim_log(LIM_LOG_DEBUG, __VA_ARGS__)

#endif
