/* Test support: JSON texts to canonical form (see json_canon.h). A small
 * recursive-descent parser that writes each value's canonical text directly;
 * objects collect (key, canonical value) pairs and sort them. */
#include "json_canon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *p;
  size_t n, cap;
  int oom;
} buf_t;

static void put(buf_t *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    char *p;
    while (cap < b->n + n + 1) cap *= 2;
    p = (char *)realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}
static void putc_(buf_t *b, char c) { put(b, &c, 1); }

typedef struct {
  const char *s;
  size_t i, len;
  int depth;
} parser_t;

static void skip_ws(parser_t *p) {
  while (p->i < p->len && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
    ++p->i;
}

static int hex4(parser_t *p, unsigned *out) {
  unsigned v = 0;
  int k;
  if (p->i + 4 > p->len) return 0;
  for (k = 0; k < 4; ++k) {
    char c = p->s[p->i++];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return 0;
  }
  *out = v;
  return 1;
}

static void put_utf8(buf_t *b, unsigned cp) {
  char u[4];
  if (cp < 0x80) {
    u[0] = (char)cp;
    put(b, u, 1);
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    put(b, u, 2);
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    put(b, u, 3);
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    put(b, u, 4);
  }
}

/* Decodes a JSON string (p at the opening quote) into raw UTF-8 bytes. */
static int parse_string_raw(parser_t *p, buf_t *raw) {
  if (p->i >= p->len || p->s[p->i] != '"') return 0;
  ++p->i;
  put(raw, "", 0);
  while (p->i < p->len) {
    unsigned char c = (unsigned char)p->s[p->i++];
    if (c == '"') return 1;
    if (c < 0x20) return 0;
    if (c != '\\') {
      putc_(raw, (char)c);
      continue;
    }
    if (p->i >= p->len) return 0;
    c = (unsigned char)p->s[p->i++];
    switch (c) {
      case '"': putc_(raw, '"'); break;
      case '\\': putc_(raw, '\\'); break;
      case '/': putc_(raw, '/'); break;
      case 'b': putc_(raw, '\b'); break;
      case 'f': putc_(raw, '\f'); break;
      case 'n': putc_(raw, '\n'); break;
      case 'r': putc_(raw, '\r'); break;
      case 't': putc_(raw, '\t'); break;
      case 'u': {
        unsigned cp, lo;
        if (!hex4(p, &cp)) return 0;
        if (cp >= 0xD800 && cp < 0xDC00) {
          if (p->i + 2 > p->len || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u') return 0;
          p->i += 2;
          if (!hex4(p, &lo) || lo < 0xDC00 || lo >= 0xE000) return 0;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          return 0;
        }
        put_utf8(raw, cp);
        break;
      }
      default: return 0;
    }
  }
  return 0;
}

static void emit_string(buf_t *out, const char *s, size_t n) {
  size_t k;
  putc_(out, '"');
  for (k = 0; k < n; ++k) {
    unsigned char c = (unsigned char)s[k];
    if (c == '"' || c == '\\') {
      putc_(out, '\\');
      putc_(out, (char)c);
    } else if (c < 0x20) {
      char e[8];
      snprintf(e, sizeof e, "\\u%04x", c);
      put(out, e, 6);
    } else {
      putc_(out, (char)c);
    }
  }
  putc_(out, '"');
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int parse_number(parser_t *p, buf_t *out) {
  size_t start = p->i;
  char tmp[64], num[40];
  if (p->i < p->len && p->s[p->i] == '-') ++p->i;
  if (p->i >= p->len) return 0;
  if (p->s[p->i] == '0') {
    ++p->i;
  } else if (is_digit(p->s[p->i])) {
    while (p->i < p->len && is_digit(p->s[p->i])) ++p->i;
  } else {
    return 0;
  }
  if (p->i < p->len && p->s[p->i] == '.') {
    ++p->i;
    if (p->i >= p->len || !is_digit(p->s[p->i])) return 0;
    while (p->i < p->len && is_digit(p->s[p->i])) ++p->i;
  }
  if (p->i < p->len && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
    ++p->i;
    if (p->i < p->len && (p->s[p->i] == '+' || p->s[p->i] == '-')) ++p->i;
    if (p->i >= p->len || !is_digit(p->s[p->i])) return 0;
    while (p->i < p->len && is_digit(p->s[p->i])) ++p->i;
  }
  if (p->i - start >= sizeof tmp) return 0;
  memcpy(tmp, p->s + start, p->i - start);
  tmp[p->i - start] = '\0';
  snprintf(num, sizeof num, "%.17g", strtod(tmp, NULL));
  put(out, num, strlen(num));
  return 1;
}

typedef struct {
  buf_t key;   /* raw UTF-8 */
  buf_t value; /* canonical */
  size_t order;
} member_t;

static int member_cmp(const void *a, const void *b) {
  const member_t *x = (const member_t *)a, *y = (const member_t *)b;
  size_t n = x->key.n < y->key.n ? x->key.n : y->key.n;
  int c = memcmp(x->key.p, y->key.p, n);
  if (c) return c;
  if (x->key.n != y->key.n) return x->key.n < y->key.n ? -1 : 1;
  return x->order < y->order ? -1 : 1; /* stable: later duplicates last */
}

static int parse_value(parser_t *p, buf_t *out);

static int parse_object(parser_t *p, buf_t *out) {
  member_t *m = NULL;
  size_t n = 0, cap = 0, k;
  int ok = 0;
  ++p->i; /* '{' */
  skip_ws(p);
  if (p->i < p->len && p->s[p->i] == '}') {
    ++p->i;
    put(out, "{}", 2);
    return 1;
  }
  for (;;) {
    member_t *cur;
    if (n == cap) {
      member_t *nm = (member_t *)realloc(m, (cap ? cap * 2 : 8) * sizeof *m);
      if (!nm) goto done;
      m = nm;
      cap = cap ? cap * 2 : 8;
    }
    cur = &m[n];
    memset(cur, 0, sizeof *cur);
    cur->order = n++;
    skip_ws(p);
    if (!parse_string_raw(p, &cur->key)) goto done;
    skip_ws(p);
    if (p->i >= p->len || p->s[p->i] != ':') goto done;
    ++p->i;
    if (!parse_value(p, &cur->value)) goto done;
    skip_ws(p);
    if (p->i < p->len && p->s[p->i] == ',') {
      ++p->i;
      continue;
    }
    if (p->i < p->len && p->s[p->i] == '}') {
      ++p->i;
      break;
    }
    goto done;
  }
  qsort(m, n, sizeof *m, member_cmp);
  putc_(out, '{');
  for (k = 0; k < n; ++k) {
    /* A duplicate key: only its last occurrence counts. */
    if (k + 1 < n && m[k].key.n == m[k + 1].key.n && memcmp(m[k].key.p, m[k + 1].key.p, m[k].key.n) == 0)
      continue;
    if (out->n && out->p[out->n - 1] != '{') putc_(out, ',');
    emit_string(out, m[k].key.p, m[k].key.n);
    putc_(out, ':');
    put(out, m[k].value.p, m[k].value.n);
  }
  putc_(out, '}');
  ok = 1;
done:
  for (k = 0; k < n; ++k) {
    free(m[k].key.p);
    free(m[k].value.p);
  }
  free(m);
  return ok;
}

static int parse_array(parser_t *p, buf_t *out) {
  ++p->i; /* '[' */
  putc_(out, '[');
  skip_ws(p);
  if (p->i < p->len && p->s[p->i] == ']') {
    ++p->i;
    putc_(out, ']');
    return 1;
  }
  for (;;) {
    if (!parse_value(p, out)) return 0;
    skip_ws(p);
    if (p->i < p->len && p->s[p->i] == ',') {
      ++p->i;
      putc_(out, ',');
      continue;
    }
    if (p->i < p->len && p->s[p->i] == ']') {
      ++p->i;
      putc_(out, ']');
      return 1;
    }
    return 0;
  }
}

static int literal(parser_t *p, const char *word, buf_t *out) {
  size_t n = strlen(word);
  if (p->len - p->i < n || memcmp(p->s + p->i, word, n) != 0) return 0;
  p->i += n;
  put(out, word, n);
  return 1;
}

static int parse_value(parser_t *p, buf_t *out) {
  int ok;
  skip_ws(p);
  if (p->i >= p->len || ++p->depth > 256) return 0;
  switch (p->s[p->i]) {
    case '{': ok = parse_object(p, out); break;
    case '[': ok = parse_array(p, out); break;
    case '"': {
      buf_t raw = {0};
      ok = parse_string_raw(p, &raw);
      if (ok) emit_string(out, raw.p, raw.n);
      free(raw.p);
      break;
    }
    case 't': ok = literal(p, "true", out); break;
    case 'f': ok = literal(p, "false", out); break;
    case 'n': ok = literal(p, "null", out); break;
    default: ok = parse_number(p, out); break;
  }
  --p->depth;
  return ok && !out->oom;
}

char *json_canon(const char *text, size_t len) {
  parser_t p;
  buf_t out = {0};
  if (!text) return NULL;
  p.s = text;
  p.i = 0;
  p.len = len;
  p.depth = 0;
  if (!parse_value(&p, &out)) {
    free(out.p);
    return NULL;
  }
  skip_ws(&p);
  if (p.i != p.len) {
    free(out.p);
    return NULL;
  }
  return out.p;
}

int json_equal(const char *a, size_t a_len, const char *b, size_t b_len) {
  char *x = json_canon(a, a_len), *y = json_canon(b, b_len);
  int eq = x && y && strcmp(x, y) == 0;
  free(x);
  free(y);
  return eq;
}
