/* Test support: a JSON value in canonical text, so that two JSON texts written
 * by different languages can be compared "as values" with strcmp.
 *
 * Canonical form: no whitespace; object members sorted by key (bytewise, after
 * unescaping; a duplicate key keeps its last value, as JSON.parse does);
 * strings as raw UTF-8 with only '"', '\\' and control characters escaped
 * (\uXXXX escapes, surrogate pairs included, are decoded); numbers printed
 * with "%.17g" (so 1, 1.0 and 1e0 are all "1"); true, false, null.
 *
 * C99, no dependencies: used by the C and C++ interop peers and the C tests. */
#ifndef IPC_TEST_JSON_CANON_H
#define IPC_TEST_JSON_CANON_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Canonicalises text[0..len). Returns a malloc'ed NUL-terminated string (free
 * it), or NULL if the text is not exactly one valid JSON value. */
char *json_canon(const char *text, size_t len);

/* 1 if both texts are valid JSON and equal as values, else 0. */
int json_equal(const char *a, size_t a_len, const char *b, size_t b_len);

#ifdef __cplusplus
}
#endif

#endif /* IPC_TEST_JSON_CANON_H */
