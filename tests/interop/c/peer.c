/* The C interop peer (see tests/interop/README.md). C99, public API only. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <ipc/ipc.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_canon.h"

#define SHM_SIZE 4096
static const char kText[] = "libipc interop \xE2\x9C\x93 h\xC3\xA9llo w\xC3\xB6rld \xF0\x9F\x98\x80";
static const double kFloats[8] = {0.5, -1.25, 3.141592653589793, 1e300, -0.0, 5e-324, 42.0, 65504.0};

static int fail(const char *what, int rc) {
  fprintf(stderr, "c peer: %s: %s: %s\n", what, ipc_err_name(rc), ipc_last_error_message());
  return 1;
}

static int shm_create(const char *name) {
  ipc_shm_t *shm = NULL;
  unsigned char bytes[256];
  unsigned char len_le[4];
  char lang[32] = "c";
  size_t n = strlen(kText), i;
  int rc = ipc_shm_open(IPC_SHM_POSIX, name, IPC_CREATE_ONLY, SHM_SIZE, 0, 0, &shm);
  if (rc) return fail("create", rc);
  for (i = 0; i < 256; ++i) bytes[i] = (unsigned char)i;
  for (i = 0; i < 4; ++i) len_le[i] = (unsigned char)(n >> (8 * i));
  if ((rc = ipc_shm_write(shm, 0, bytes, 256)) || (rc = ipc_shm_write(shm, 256, len_le, 4)) ||
      (rc = ipc_shm_write_string(shm, 260, kText, n, IPC_ENC_UTF8, NULL)) ||
      (rc = ipc_shm_write_f64(shm, 1024, kFloats, 8)) || (rc = ipc_shm_write(shm, 2048, lang, 32)))
    return fail("write", rc);
  ipc_shm_close(shm);
  printf("ready\n");
  fflush(stdout);
  return 0;
}

static int shm_open_check(const char *name, const char *creator) {
  ipc_shm_t *shm = NULL;
  unsigned char *p = NULL;
  size_t size = 0, len = 0, i;
  char text[256];
  char lang[33] = {0};
  double f[8];
  uint32_t n;
  int rc = ipc_shm_open(IPC_SHM_POSIX, name, IPC_OPEN_ONLY, 0, 0, 0, &shm);
  if (rc) return fail("open", rc);
  if ((rc = ipc_shm_data(shm, (void **)&p, &size))) return fail("data", rc);
  if (size != SHM_SIZE) return fprintf(stderr, "c peer: size %zu\n", size), 1;
  for (i = 0; i < 256; ++i)
    if (p[i] != i) return fprintf(stderr, "c peer: byte %zu = %u\n", i, p[i]), 1;
  n = (uint32_t)p[256] | (uint32_t)p[257] << 8 | (uint32_t)p[258] << 16 | (uint32_t)p[259] << 24;
  if ((rc = ipc_shm_read_string(shm, 260, n, IPC_ENC_UTF8, text, sizeof text, &len)))
    return fail("read_string", rc);
  if (strcmp(text, kText) != 0) return fprintf(stderr, "c peer: text \"%s\"\n", text), 1;
  if ((rc = ipc_shm_read_f64(shm, 1024, f, 8))) return fail("read_f64", rc);
  if (memcmp(f, kFloats, sizeof f) != 0) return fprintf(stderr, "c peer: floats differ\n"), 1;
  memcpy(lang, p + 2048, 32);
  if (strcmp(lang, creator) != 0) return fprintf(stderr, "c peer: creator \"%s\"\n", lang), 1;
  ipc_shm_close(shm);
  printf("ok: read %s's segment\n", lang);
  return 0;
}

static int wait_stdin_eof(void) {
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
  }
  return 0;
}

#define CHECK(cond, ...) \
  do { \
    if (!(cond)) { \
      fprintf(stderr, "c peer: " __VA_ARGS__); \
      fprintf(stderr, " (%s)\n", ipc_last_error_message()); \
      return 1; \
    } \
  } while (0)

static int take(ipc_sem_t *s, int n) {
  unsigned v = 0;
  int i;
  CHECK(ipc_sem_value(s, &v) == IPC_OK && v == (unsigned)n, "value %u, expected %d", v, n);
  for (i = 0; i < n; ++i) CHECK(ipc_sem_try_wait(s) == IPC_OK, "try_wait %d failed", i);
  CHECK(ipc_sem_try_wait(s) == IPC_EAGAIN, "extra try_wait did not fail with IPC_EAGAIN");
  return 0;
}

static int sem_create(const char *name) {
  ipc_sem_t *s = NULL;
  int rc = ipc_sem_open(name, IPC_CREATE_ONLY, 3, 0, &s);
  if (rc) return fail("sem create", rc);
  printf("ready\n");
  fflush(stdout);
  wait_stdin_eof();
  if (take(s, 5)) return 1;
  ipc_sem_close(s);
  printf("ok: took the 5 units the opener posted\n");
  return 0;
}

static int sem_open_check(const char *name) {
  ipc_sem_t *s = NULL;
  int rc = ipc_sem_open(name, IPC_OPEN_ONLY, 0, 0, &s), i;
  if (rc) return fail("sem open", rc);
  if (take(s, 3)) return 1;
  for (i = 0; i < 5; ++i) CHECK(ipc_sem_post(s) == IPC_OK, "post failed");
  ipc_sem_close(s);
  printf("ok: took 3, posted 5\n");
  return 0;
}

static const char kUtf8Msg[] = "utf8 \xE2\x9C\x93 \xF0\x9F\x98\x80";

static int mq_create(const char *name) {
  ipc_mq_t *q = NULL;
  unsigned char bin[256], buf[256];
  const char *texts[4] = {"high", kUtf8Msg, "low-1", "low-2"};
  const unsigned prios[5] = {9, 5, 1, 1, 0};
  size_t len;
  unsigned prio;
  int i, rc = ipc_mq_open(name, IPC_CREATE_ONLY, 16, 256, 0, &q);
  if (rc) return fail("mq create", rc);
  printf("ready\n");
  fflush(stdout);
  wait_stdin_eof();
  for (i = 0; i < 256; ++i) bin[i] = (unsigned char)i;
  for (i = 0; i < 5; ++i) {
    rc = ipc_mq_receive(q, buf, sizeof buf, &len, &prio, IPC_NOWAIT);
    CHECK(rc == IPC_OK, "receive %d: %s", i, ipc_err_name(rc));
    CHECK(prio == prios[i], "message %d has priority %u, expected %u", i, prio, prios[i]);
    if (i < 4)
      CHECK(len == strlen(texts[i]) && memcmp(buf, texts[i], len) == 0, "message %d wrong", i);
    else
      CHECK(len == 256 && memcmp(buf, bin, 256) == 0, "binary message wrong");
  }
  CHECK(ipc_mq_receive(q, buf, sizeof buf, &len, &prio, IPC_NOWAIT) == IPC_EAGAIN, "extra message");
  ipc_mq_close(q);
  printf("ok: 5 messages in priority order\n");
  return 0;
}

static int mq_open_send(const char *name) {
  ipc_mq_t *q = NULL;
  unsigned char bin[256];
  size_t cap = 0, msg = 0;
  int i, rc = ipc_mq_open(name, IPC_OPEN_ONLY, 0, 0, 0, &q);
  if (rc) return fail("mq open", rc);
  CHECK(ipc_mq_capacity(q, &cap) == IPC_OK && cap == 16, "capacity %zu", cap);
  CHECK(ipc_mq_max_msg_size(q, &msg) == IPC_OK && msg == 256, "max message size %zu", msg);
  for (i = 0; i < 256; ++i) bin[i] = (unsigned char)i;
  CHECK(ipc_mq_send(q, "low-1", 5, 1, IPC_NOWAIT) == IPC_OK, "send 1");
  CHECK(ipc_mq_send(q, "high", 4, 9, IPC_NOWAIT) == IPC_OK, "send 2");
  CHECK(ipc_mq_send(q, "low-2", 5, 1, IPC_NOWAIT) == IPC_OK, "send 3");
  CHECK(ipc_mq_send(q, kUtf8Msg, strlen(kUtf8Msg), 5, IPC_NOWAIT) == IPC_OK, "send 4");
  CHECK(ipc_mq_send(q, bin, 256, 0, IPC_NOWAIT) == IPC_OK, "send 5");
  ipc_mq_close(q);
  printf("ok: sent 5 messages\n");
  return 0;
}

static const double kStreamFloats[3] = {0.5, -1.25, 1e300};

static int stream_create(const char *name, const char *other) {
  ipc_shm_t *shm = NULL;
  char buf[256], want[64];
  size_t len = 0;
  uint64_t version = 0;
  ipc_stream_type_t type;
  int rc = ipc_shm_open(IPC_SHM_POSIX, name, IPC_CREATE_ONLY, 4096, 0, 0, &shm);
  if (rc) return fail("stream create", rc);
  CHECK(ipc_shm_stream_write(shm, IPC_STREAM_STRING, "first", 5) == IPC_OK, "write first");
  CHECK(ipc_shm_stream_write(shm, IPC_STREAM_F64, kStreamFloats, sizeof kStreamFloats) == IPC_OK,
        "write floats");
  printf("ready\n");
  fflush(stdout);
  wait_stdin_eof();
  CHECK(ipc_shm_stream_read(shm, &type, buf, sizeof buf, &len, &version) == IPC_OK, "read reply");
  snprintf(want, sizeof want, "reply \xE2\x9C\x93 from %s", other);
  CHECK(type == IPC_STREAM_STRING && version == 3 && len == strlen(want) && memcmp(buf, want, len) == 0,
        "reply: type %d version %llu \"%.*s\"", (int)type, (unsigned long long)version, (int)len, buf);
  ipc_shm_close(shm);
  printf("ok: read the reply\n");
  return 0;
}

static int stream_open(const char *name) {
  ipc_shm_t *shm = NULL;
  double f[8];
  size_t len = 0;
  uint64_t version = 0;
  ipc_stream_type_t type;
  const char reply[] = "reply \xE2\x9C\x93 from c";
  int rc = ipc_shm_open(IPC_SHM_POSIX, name, IPC_OPEN_ONLY, 0, 0, 0, &shm);
  if (rc) return fail("stream open", rc);
  CHECK(ipc_shm_stream_read(shm, &type, f, sizeof f, &len, &version) == IPC_OK, "read");
  CHECK(type == IPC_STREAM_F64 && version == 2 && len == sizeof kStreamFloats &&
            memcmp(f, kStreamFloats, len) == 0, "floats: type %d version %llu len %zu", (int)type,
        (unsigned long long)version, len);
  CHECK(ipc_shm_stream_write(shm, IPC_STREAM_STRING, reply, strlen(reply)) == IPC_OK, "write reply");
  ipc_shm_close(shm);
  printf("ok: read the floats, wrote the reply\n");
  return 0;
}

/* ---- area sock ---------------------------------------------------------- */

#define SOCK_WAIT_MS 60000
static const char kHelloFmt[] =
    "{\"lang\": \"%s\", \"text\": \"h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80\", "
    "\"n\": [1, 2.5, -3], \"nested\": {\"ok\": true, \"none\": null}}";

static const char *kind_name(int k) {
  static const char *names[] = {"message", "data", "start", "connect", "disconnect", "destroy", "error", "drain"};
  return k >= 0 && k < 8 ? names[k] : "?";
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits (within SOCK_WAIT_MS overall) for the next event; any error event is a
 * failure. Returns 0 with *ev filled, or 1 after printing why. */
static int next_event(ipc_sock_t *s, ipc_sock_event_t *ev, int64_t deadline) {
  int64_t left = deadline - now_ms();
  int rc = ipc_sock_next(s, ev, left > 0 ? left : 0);
  if (rc) return fail("sock next", rc);
  if (ev->kind == IPC_SOCK_ERROR) {
    fprintf(stderr, "c peer: error event %s on conn %llu: %s\n", ipc_err_name(ev->code),
            (unsigned long long)ev->conn, ev->data);
    return 1;
  }
  return 0;
}

/* Waits for a message of `type` whose data equals `want` as JSON values. */
static int expect_message(ipc_sock_t *s, const char *type, const char *want, int64_t deadline,
                          uint64_t *conn) {
  ipc_sock_event_t ev;
  if (next_event(s, &ev, deadline)) return 1;
  CHECK(ev.kind == IPC_SOCK_MESSAGE, "expected message %s, got a %s event", type, kind_name(ev.kind));
  CHECK(strcmp(ev.type, type) == 0, "expected message %s, got %s", type, ev.type);
  CHECK(json_equal(ev.data, ev.data_len, want, strlen(want)), "%s: data %s, expected %s", type, ev.data, want);
  if (conn) *conn = ev.conn;
  return 0;
}

static int sock_create(const char *name, const char *other) {
  ipc_sock_t *s = NULL;
  ipc_sock_event_t ev;
  char opts[512], hello[512], welcome[1024], num[16];
  uint64_t conn = 0, from = 0;
  int64_t deadline = now_ms() + SOCK_WAIT_MS;
  int i, rc;
  snprintf(opts, sizeof opts, "{\"id\": \"%s\"}", name);
  if ((rc = ipc_sock_listen(opts, &s))) return fail("sock listen", rc);
  if (next_event(s, &ev, deadline)) return 1;
  CHECK(ev.kind == IPC_SOCK_START, "first event is %s, not start", kind_name(ev.kind));
  printf("ready\n");
  fflush(stdout);

  if (next_event(s, &ev, deadline)) return 1;
  CHECK(ev.kind == IPC_SOCK_CONNECT && ev.conn != 0, "expected connect, got %s", kind_name(ev.kind));
  conn = ev.conn;
  snprintf(hello, sizeof hello, kHelloFmt, other);
  if (expect_message(s, "hello", hello, deadline, &from)) return 1;
  CHECK(from == conn, "hello came on conn %llu, not %llu", (unsigned long long)from, (unsigned long long)conn);
  snprintf(welcome, sizeof welcome, "{\"lang\": \"c\", \"echo\": %s}", hello);
  CHECK(ipc_sock_emit(s, conn, "welcome", welcome) == IPC_OK, "emit welcome");
  CHECK(ipc_sock_emit(s, IPC_SOCK_ALL, "news", "\"broadcast \xE2\x9C\x93\"") == IPC_OK, "broadcast news");
  for (i = 0; i < 100; ++i) {
    snprintf(num, sizeof num, "%d", i);
    if (expect_message(s, "seq", num, deadline, &from)) return 1;
    CHECK(from == conn, "seq %d on another connection", i);
  }
  if (expect_message(s, "bye", "{}", deadline, NULL)) return 1;
  CHECK(ipc_sock_emit(s, conn, "done", "100") == IPC_OK, "emit done");
  if (next_event(s, &ev, deadline)) return 1;
  CHECK(ev.kind == IPC_SOCK_DISCONNECT && ev.conn == conn, "expected disconnect of %llu, got %s",
        (unsigned long long)conn, kind_name(ev.kind));
  wait_stdin_eof();
  CHECK(ipc_sock_close(s) == IPC_OK, "close");
  printf("ok: hello, 100 seq and bye from %s; welcome, news and done sent\n", other);
  return 0;
}

static int sock_open(const char *name, const char *other) {
  ipc_sock_t *s = NULL;
  ipc_sock_event_t ev;
  char opts[512], hello[512], welcome[1024], num[16];
  int64_t deadline = now_ms() + SOCK_WAIT_MS;
  int i, rc;
  snprintf(opts, sizeof opts, "{\"id\": \"%s\", \"stopRetrying\": true}", name);
  if ((rc = ipc_sock_connect(opts, &s))) return fail("sock connect", rc);
  if (next_event(s, &ev, deadline)) return 1;
  CHECK(ev.kind == IPC_SOCK_CONNECT, "expected connect, got %s", kind_name(ev.kind));
  snprintf(hello, sizeof hello, kHelloFmt, "c");
  CHECK(ipc_sock_emit(s, 0, "hello", hello) == IPC_OK, "emit hello");
  snprintf(welcome, sizeof welcome, "{\"lang\": \"%s\", \"echo\": %s}", other, hello);
  if (expect_message(s, "welcome", welcome, deadline, NULL)) return 1;
  if (expect_message(s, "news", "\"broadcast \xE2\x9C\x93\"", deadline, NULL)) return 1;
  for (i = 0; i < 100; ++i) {
    snprintf(num, sizeof num, "%d", i);
    CHECK(ipc_sock_emit(s, 0, "seq", num) == IPC_OK, "emit seq %d", i);
  }
  CHECK(ipc_sock_emit(s, 0, "bye", "{}") == IPC_OK, "emit bye");
  if (expect_message(s, "done", "100", deadline, NULL)) return 1;
  CHECK(ipc_sock_disconnect(s, 0) == IPC_OK, "disconnect");
  /* node-ipc's lifecycle: disconnect, then destroy as the last event. */
  if (next_event(s, &ev, deadline)) return 1;
  CHECK(ev.kind == IPC_SOCK_DISCONNECT, "expected disconnect, got %s", kind_name(ev.kind));
  if (next_event(s, &ev, deadline)) return 1;
  CHECK(ev.kind == IPC_SOCK_DESTROY, "expected destroy, got %s", kind_name(ev.kind));
  CHECK(ipc_sock_close(s) == IPC_OK, "close");
  printf("ok: welcome, news and done from %s\n", other);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: peer AREA create|open NAME OTHER_LANG\n");
    return 2;
  }
  if (strcmp(argv[1], "shm") == 0)
    return strcmp(argv[2], "create") == 0 ? shm_create(argv[3]) : shm_open_check(argv[3], argv[4]);
  if (strcmp(argv[1], "stream") == 0)
    return strcmp(argv[2], "create") == 0 ? stream_create(argv[3], argv[4]) : stream_open(argv[3]);
  if (strcmp(argv[1], "sem") == 0)
    return strcmp(argv[2], "create") == 0 ? sem_create(argv[3]) : sem_open_check(argv[3]);
  if (strcmp(argv[1], "mq") == 0)
    return strcmp(argv[2], "create") == 0 ? mq_create(argv[3]) : mq_open_send(argv[3]);
  if (strcmp(argv[1], "sock") == 0)
    return strcmp(argv[2], "create") == 0 ? sock_create(argv[3], argv[4]) : sock_open(argv[3], argv[4]);
  fprintf(stderr, "c peer: unknown area %s\n", argv[1]);
  return 2;
}
