/* Helper threads: every one limf starts (pipeline workers, capture sources, the evidence recorder,
 * the input preparation) starts the same way. */
#ifndef LIM_THREAD_H
#define LIM_THREAD_H

#include <pthread.h>

/* Starts fn(arg) on a new thread named name (top -H, perf: its first 15 characters) with
 * every signal but the faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP) blocked, so that
 * SIGTERM, SIGINT, SIGHUP... reach the caller's thread, whose poll() they interrupt, and
 * never run their handler on a helper; the thread names itself before fn runs. 0, or ENOMEM /
 * pthread_create's error (nothing started). */
int lim_thread_start(pthread_t *th, void *(*fn)(void *), void *arg, const char *name);

#endif
