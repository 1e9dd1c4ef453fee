/* sock_echo_server — the libipc socket server every language's sock benchmark
 * talks to (bench/sock_bench.js runs it; bench/README.md). C ABI only.
 *
 *   sock_echo_server --transport unix|tcp [--path P]
 *
 * Listens (Unix: path P, default a fresh path in the private socket root; TCP:
 * 127.0.0.1, any free port), prints `ready <path-or-port>` and serves until its
 * stdin reaches end of file:
 *   - `ping` (any data): replies `pong` with the same data to that connection;
 *   - `tp`: counted per connection;
 *   - `tp_end`: replies `tp_done` with the count of `tp` since the last
 *     `tp_end`, and starts counting again.
 *
 * Events are taken in batches (ipc_sock_next_many) and the replies of one
 * batch leave as one write per connection (ipc_sock_emit_frames), so the
 * server costs as little as the C ABI allows.
 */
#include <ipc/ipc.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CONNS 256

typedef struct conn_state {
  uint64_t id;
  uint64_t tp_count;
  char *out; /* frames to send after this batch */
  size_t out_len, out_cap;
} conn_state;

static conn_state conns[MAX_CONNS];
static size_t nconns;

static void die(const char *what, int rc) {
  fprintf(stderr, "sock_echo_server: %s: %s (%s)\n", what, ipc_err_name(rc), ipc_last_error_message());
  exit(1);
}

static conn_state *conn_get(uint64_t id) {
  for (size_t i = 0; i < nconns; i++)
    if (conns[i].id == id) return &conns[i];
  if (nconns == MAX_CONNS) return NULL;
  conn_state *c = &conns[nconns++];
  memset(c, 0, sizeof *c);
  c->id = id;
  return c;
}

static void conn_drop(uint64_t id) {
  for (size_t i = 0; i < nconns; i++) {
    if (conns[i].id == id) {
      free(conns[i].out);
      conns[i] = conns[--nconns];
      return;
    }
  }
}

static void append(conn_state *c, const char *s, size_t n) {
  if (c->out_len + n > c->out_cap) {
    size_t cap = c->out_cap ? c->out_cap : 4096;
    while (cap < c->out_len + n) cap *= 2;
    char *p = realloc(c->out, cap);
    if (!p) {
      fprintf(stderr, "sock_echo_server: out of memory\n");
      exit(1);
    }
    c->out = p;
    c->out_cap = cap;
  }
  memcpy(c->out + c->out_len, s, n);
  c->out_len += n;
}

/* Queues the frame {"type":<type>,"data":<data>}\f; type is a plain literal. */
static void reply(conn_state *c, const char *type, const char *data, size_t data_len) {
  append(c, "{\"type\":\"", 9);
  append(c, type, strlen(type));
  append(c, "\",\"data\":", 9);
  append(c, data, data_len);
  append(c, "}\f", 2);
}

static void flush_all(ipc_sock_t *s) {
  for (size_t i = 0; i < nconns; i++) {
    conn_state *c = &conns[i];
    if (c->out_len == 0) continue;
    int rc = ipc_sock_emit_frames(s, c->id, c->out, c->out_len);
    /* A client that went away meanwhile: its DISCONNECT follows. A full write
     * queue cannot happen with a benchmark client that waits for replies. */
    if (rc != IPC_OK && rc != IPC_ENOENT && rc != IPC_EBADHANDLE && rc != IPC_ECLOSED)
      fprintf(stderr, "sock_echo_server: emit to %llu: %s\n", (unsigned long long)c->id, ipc_err_name(rc));
    c->out_len = 0;
  }
}

static void *stdin_watch(void *arg) {
  char buf[256];
  while (read(0, buf, sizeof buf) > 0) {
  }
  ipc_sock_close((ipc_sock_t *)arg); /* the main loop's wait returns IPC_ECLOSED */
  return NULL;
}

int main(int argc, char **argv) {
  const char *transport = "unix";
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--transport") && i + 1 < argc) transport = argv[++i];
    else if (!strcmp(argv[i], "--path") && i + 1 < argc) path = argv[++i];
    else {
      fprintf(stderr, "usage: sock_echo_server --transport unix|tcp [--path P]\n");
      return 2;
    }
  }
  char options[1024];
  if (!strcmp(transport, "unix")) {
    if (path) {
      if (strchr(path, '"') || strchr(path, '\\')) {
        fprintf(stderr, "sock_echo_server: the path must not contain '\"' or '\\'\n");
        return 2;
      }
      snprintf(options, sizeof options, "{\"transport\":\"unix\",\"path\":\"%s\"}", path);
    } else {
      snprintf(options, sizeof options, "{\"id\":\"sock_echo_%ld\"}", (long)getpid());
    }
  } else if (!strcmp(transport, "tcp")) {
    snprintf(options, sizeof options, "{\"transport\":\"tcp\",\"host\":\"127.0.0.1\",\"port\":0}");
  } else {
    fprintf(stderr, "sock_echo_server: unknown transport %s\n", transport);
    return 2;
  }

  ipc_sock_t *s = NULL;
  int rc = ipc_sock_listen(options, &s);
  if (rc != IPC_OK) die("listen", rc);
  if (!strcmp(transport, "unix")) {
    char where[512];
    size_t len = 0;
    rc = ipc_sock_address(s, where, sizeof where, &len);
    if (rc != IPC_OK) die("address", rc);
    printf("ready %s\n", where);
  } else {
    uint16_t port = 0;
    rc = ipc_sock_local_port(s, &port);
    if (rc != IPC_OK) die("local_port", rc);
    printf("ready %u\n", (unsigned)port);
  }
  fflush(stdout);

  pthread_t watcher;
  if (pthread_create(&watcher, NULL, stdin_watch, s) != 0) {
    fprintf(stderr, "sock_echo_server: cannot start the stdin thread\n");
    return 1;
  }

  size_t cap = 1 << 20;
  unsigned char *buf = malloc(cap);
  if (!buf) return 1;
  for (;;) {
    size_t n = 0, used = 0;
    rc = ipc_sock_next_many(s, buf, cap, 4096, &n, &used, IPC_INFINITE);
    if (rc == IPC_EMSGSIZE) { /* one event larger than the buffer */
      unsigned char *p = realloc(buf, used);
      if (!p) return 1;
      buf = p;
      cap = used;
      continue;
    }
    if (rc == IPC_ECLOSED || rc == IPC_EBADHANDLE) break;
    if (rc != IPC_OK) die("next_many", rc);
    const unsigned char *p = buf;
    for (size_t i = 0; i < n; i++) {
      uint32_t kind, type_len, data_len, addr_len;
      uint64_t conn;
      memcpy(&kind, p, 4);
      memcpy(&conn, p + 8, 8);
      memcpy(&type_len, p + 16, 4);
      memcpy(&data_len, p + 20, 4);
      memcpy(&addr_len, p + 24, 4);
      const char *type = (const char *)p + IPC_SOCK_PACKED_HEADER;
      const char *data = type + type_len;
      if (kind == IPC_SOCK_MESSAGE) {
        conn_state *c = conn_get(conn);
        if (c) {
          if (type_len == 2 && !memcmp(type, "tp", 2)) {
            c->tp_count++;
          } else if (type_len == 4 && !memcmp(type, "ping", 4)) {
            reply(c, "pong", data, data_len);
          } else if (type_len == 6 && !memcmp(type, "tp_end", 6)) {
            char num[32];
            int k = snprintf(num, sizeof num, "%llu", (unsigned long long)c->tp_count);
            reply(c, "tp_done", num, (size_t)k);
            c->tp_count = 0;
          }
        }
      } else if (kind == IPC_SOCK_DISCONNECT) {
        conn_drop(conn);
      } else if (kind == IPC_SOCK_ERROR) {
        int32_t code;
        memcpy(&code, p + 4, 4);
        fprintf(stderr, "sock_echo_server: connection %llu: %s: %.*s\n", (unsigned long long)conn,
                ipc_err_name(code), (int)data_len, data);
      }
      size_t len = IPC_SOCK_PACKED_HEADER + (size_t)type_len + data_len + addr_len;
      p += (len + 7) & ~(size_t)7;
    }
    flush_all(s);
  }
  pthread_join(watcher, NULL);
  free(buf);
  for (size_t i = 0; i < nconns; i++) free(conns[i].out);
  return 0;
}
