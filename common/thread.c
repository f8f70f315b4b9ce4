/* Helper threads (see thread.h). */
#define _GNU_SOURCE /* pthread_setname_np */
#include "common/thread.h"

#include <signal.h>
#include <stdio.h>

/* see thread.h */
int lim_thread_start(pthread_t *th, void *(*fn)(void *), void *arg, const char *name)
{
	sigset_t all, old;
	int rc;
	/* the new thread inherits the mask in force when it is created */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(th, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0) {
		char n16[16]; /* the kernel keeps 15 characters; longer is ERANGE */
		snprintf(n16, sizeof n16, "%s", name);
		(void)pthread_setname_np(*th, n16);
	}
	return rc;
}
