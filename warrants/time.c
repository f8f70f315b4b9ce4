/* warrants/ ISO 8601 times with a zone <-> microseconds since the Unix epoch. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "warrants/warrants.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

/* Reads exactly n decimal digits. */
static bool digits(const char **p, int n, int64_t *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		*v = *v * 10 + (c - '0');
	}
	*p += n;
	return true;
}

static int mdays(int64_t y, int64_t m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

/* see warrants.h */
enum lim_err wr_time_parse(const char *s, int64_t *t_us)
{
	const char *p = s;
	int64_t y, mo, d, h, mi, sec = 0, us = 0, oh = 0, om = 0, sign = 0;
	*t_us = 0;
	if (!s)
		return LIM_E_PARSE;
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d))
		return LIM_E_PARSE;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return LIM_E_PARSE;
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
		return LIM_E_PARSE;
	if (*p == ':') {
		p++;
		if (!digits(&p, 2, &sec))
			return LIM_E_PARSE;
		if (*p == '.' || *p == ',') {
			int n = 0;
			p++;
			while (*p >= '0' && *p <= '9') {
				if (n == 6)
					return LIM_E_PARSE;
				us = us * 10 + (*p++ - '0');
				n++;
			}
			if (n == 0)
				return LIM_E_PARSE;
			for (; n < 6; n++)
				us *= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (!digits(&p, 2, &oh))
			return LIM_E_PARSE;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &om))
				return LIM_E_PARSE;
		} else if (*p >= '0' && *p <= '9') {
			if (!digits(&p, 2, &om))
				return LIM_E_PARSE;
		}
		if (oh > 23 || om > 59)
			return LIM_E_PARSE;
	} else {
		return LIM_E_PARSE; /* no zone */
	}
	if (*p != '\0')
		return LIM_E_PARSE;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo) || h > 23 || mi > 59 ||
	    sec > 59)
		return LIM_E_PARSE;
	int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	secs -= sign * (oh * 3600 + om * 60);
	/* the instant itself in 1970..9999 UTC, not only its local date: 1970-01-01T00:00+14 was
	 * 1969 (printed by wr_time_format, then refused by this parser), 9999-12-31T23:59-01 was
	 * year 10000 (a fuzzing audit) */
	if (secs < 0 || secs >= days_from_civil(10000, 1, 1) * 86400)
		return LIM_E_PARSE;
	*t_us = secs * 1000000 + us;
	return LIM_OK;
}

/* see warrants.h */
void wr_time_format(int64_t t_us, char out[WR_TIME_STRLEN])
{
	if (t_us == WR_TIME_INFINITY || t_us == WR_TIME_NEG_INFINITY) {
		snprintf(out, WR_TIME_STRLEN, "%s", t_us > 0 ? "infinity" : "-infinity");
		return;
	}
	int64_t secs = t_us / 1000000, us = t_us % 1000000;
	if (us < 0) {
		us += 1000000;
		secs--;
	}
	int64_t days = secs / 86400, rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int64_t y, m, d;
	civil_from_days(days, &y, &m, &d);
	int n = snprintf(out, WR_TIME_STRLEN,
			 "%04" PRId64 "-%02" PRId64 "-%02" PRId64 "T%02" PRId64 ":%02" PRId64
			 ":%02" PRId64,
			 y, m, d, rem / 3600, rem / 60 % 60, rem % 60);
	if (n != 19) { /* years beyond 9999 */
		snprintf(out, WR_TIME_STRLEN, "(time out of range)");
		return;
	}
	if (us)
		snprintf(out + n, (size_t)(WR_TIME_STRLEN - n), ".%06" PRId64 "Z", us);
	else
		snprintf(out + n, (size_t)(WR_TIME_STRLEN - n), "Z");
}
