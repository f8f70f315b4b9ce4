/* limf/ output helpers shared by the subcommands. */
#ifndef LIMF_TEXT_H
#define LIMF_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* True when b[0..n) is non-empty printable ASCII (0x20..0x7e): identities from captured
 * messages are shown as text only then, else as hex, so no control byte reaches a terminal. */
bool limf_printable(const uint8_t *b, size_t n);

/* Makes the NUL-terminated s valid one-line UTF-8 in place: every octet that does not begin a
 * well-formed UTF-8 sequence (RFC 3629: no overlong form, surrogate or value past U+10FFFF;
 * a sequence cut by the end of s included) and every control character (below 0x20, 0x7f)
 * becomes '?'. Text built from captured octets (a group ID, cut by a %.Ns) then fits the
 * handover's UTF8String members and JSON. Returns how many octets it replaced. */
size_t limf_utf8_fix(char *s);

/* s to f with every octet outside printable ASCII (0x20..0x7e), and the backslash, written as
 * \xNN: names from hostile input (a bundle's file names) cannot move the cursor, erase a line
 * or retitle the terminal, and the escaped form is unambiguous. */
void limf_print_safe(FILE *f, const char *s);

/* Lower-case hex of b[0..n) to f. */
void limf_print_hex(FILE *f, const uint8_t *b, size_t n);

/* ISO 8601 UTC with microseconds ("2026-03-15T12:00:00.000000Z") of ns since the Unix epoch
 * into buf (cap >= 32); the decimal ns when the time cannot be represented. */
void limf_fmt_time(uint64_t ns, char *buf, size_t cap);

struct lim_json;
/* key: the wr time t (warrants/warrants.h wr_time_format) as a JSON string. */
void limf_json_wr_time(struct lim_json *j, const char *key, int64_t t);
/* {"from": FROM, "to": TO}: a warrant's suspension period, wr times, to null while it lasts
 * (WR_TIME_INFINITY). */
void limf_json_period(struct lim_json *j, int64_t from, int64_t to);
/* Ends a command's JSON output (lim_json_end): 0, or 1 when it failed. A failure of the
 * stream itself is the caller's to report: stdout's (a full disk, a closed pipe) main's check
 * of standard output reports, once. Any other (unbalanced, too deep: a fault of limf's) is
 * reported here, so that no command exits 1 without a word. */
int limf_json_end(struct lim_json *j);

#endif
