/* Helper threads (see thread.h). */
#define _GNU_SOURCE /* pthread_setname_np */
#include "common/thread.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

/* What the new thread runs, after naming itself. */
struct start {
	void *(*fn)(void *);
	void *arg;
	char name[16]; /* the kernel keeps 15 characters; longer is ERANGE */
};

static void *trampoline(void *p)
{
	struct start st = *(struct start *)p;
	free(p);
	/* named by itself, before any of its work: a name set by the creator after
	 * pthread_create would race with the thread's first steps (and its first samples) */
	(void)pthread_setname_np(pthread_self(), st.name);
	return st.fn(st.arg);
}

/* see thread.h */
int lim_thread_start(pthread_t *th, void *(*fn)(void *), void *arg, const char *name)
{
	struct start *st = malloc(sizeof *st);
	sigset_t all, old;
	int rc;
	if (!st)
		return ENOMEM;
	st->fn = fn;
	st->arg = arg;
	snprintf(st->name, sizeof st->name, "%s", name);
	/* the new thread inherits the mask in force when it is created; faults stay deliverable
	 * (blocked, the kernel would kill the process without running a sanitizer's handler) */
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGTRAP);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(th, NULL, trampoline, st);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		free(st);
	return rc;
}
