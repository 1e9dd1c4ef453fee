/* Load test server (C ABI only): one ipc_sock server taking events from many
 * clients, keeping per-connection counts and an order-sensitive checksum of
 * every payload, and checking them against what each client says it sent.
 *
 *   load_server unix <socket-path> <clients>
 *   load_server tcp  0             <clients>
 *
 * Prints "ready <path-or-port>", then, once <clients> clients have each sent
 * "end" and gone away:
 *   done clients=<n> events=<total> ok=<n ok> bad=<n bad> vmhwm_kb=<peak RSS>
 * and exits 0 if every client's tally matched. Protocol per client: events
 * "e" (any JSON data), then "end" with data "<count>:<checksum hex>"; the
 * server answers "ack" with its own "<count>:<checksum hex>" for that
 * connection. 120 s overall limit (exit 3). */
#define _POSIX_C_SOURCE 200809L
#include <ipc/ipc.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* FNV-1a 64, continued over each payload and a separator: order-sensitive. */
static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *c = (const unsigned char *)p;
  size_t i;
  for (i = 0; i < n; ++i) {
    h ^= c[i];
    h *= 1099511628211ull;
  }
  h ^= 0xFF;
  return h * 1099511628211ull;
}
#define FNV_INIT 14695981039346656037ull

typedef struct {
  uint64_t conn; /* 0 = free slot */
  uint64_t count, hash;
  int ended, gone;
} tally_t;

#define SLOTS 4096 /* open addressing; far above the client count */
static tally_t table[SLOTS];

static tally_t *slot(uint64_t conn) {
  size_t i = (size_t)(conn * 11400714819323198485ull >> 52) % SLOTS;
  while (table[i].conn && table[i].conn != conn) i = (i + 1) % SLOTS;
  if (!table[i].conn) {
    table[i].conn = conn;
    table[i].hash = FNV_INIT;
  }
  return &table[i];
}

static long vmhwm_kb(void) {
  char line[256];
  long kb = -1;
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmHWM:", 6) == 0) kb = strtol(line + 6, NULL, 10);
  fclose(f);
  return kb;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  ipc_sock_t *s = NULL;
  char opts[1024], addr[512];
  size_t addr_len = 0, cap = 1 << 20;
  unsigned char *buf;
  int clients, ended = 0, gone = 0, ok = 0, bad = 0, rc;
  uint64_t total = 0;
  uint16_t port = 0;
  double deadline = now_s() + 120;
  if (argc != 4) {
    fprintf(stderr, "usage: load_server unix|tcp PATH|0 CLIENTS\n");
    return 2;
  }
  clients = atoi(argv[3]);
  if (strcmp(argv[1], "unix") == 0)
    snprintf(opts, sizeof opts, "{\"path\": \"%s\", \"maxConnections\": %d}", argv[2], clients + 16);
  else
    snprintf(opts, sizeof opts, "{\"transport\": \"tcp\", \"port\": 0, \"maxConnections\": %d}", clients + 16);
  if ((rc = ipc_sock_listen(opts, &s))) {
    fprintf(stderr, "load_server: listen: %s: %s\n", ipc_err_name(rc), ipc_last_error_message());
    return 1;
  }
  ipc_sock_local_port(s, &port);
  ipc_sock_address(s, addr, sizeof addr, &addr_len);
  if (port)
    printf("ready %u\n", (unsigned)port);
  else
    printf("ready %s\n", addr);
  fflush(stdout);

  buf = (unsigned char *)malloc(cap);
  while (gone < clients || ended < clients) {
    size_t count = 0, bytes = 0, off = 0, k;
    double left = deadline - now_s();
    if (left <= 0) {
      fprintf(stderr, "load_server: timed out: %d ended, %d gone, %" PRIu64 " events\n", ended, gone, total);
      return 3;
    }
    rc = ipc_sock_next_many(s, buf, cap, 1024, &count, &bytes, (int64_t)(left * 1000));
    if (rc == IPC_ETIMEDOUT) continue;
    if (rc) {
      fprintf(stderr, "load_server: next_many: %s\n", ipc_err_name(rc));
      return 1;
    }
    for (k = 0; k < count; ++k) {
      uint32_t kind, tl, dl, al;
      int32_t code;
      uint64_t conn;
      const char *type, *data;
      memcpy(&kind, buf + off, 4);
      memcpy(&code, buf + off + 4, 4);
      memcpy(&conn, buf + off + 8, 8);
      memcpy(&tl, buf + off + 16, 4);
      memcpy(&dl, buf + off + 20, 4);
      memcpy(&al, buf + off + 24, 4);
      type = (const char *)buf + off + 32;
      data = type + tl;
      off += (32 + (size_t)tl + dl + al + 7) & ~(size_t)7;
      if (kind == IPC_SOCK_MESSAGE) {
        tally_t *t = slot(conn);
        if (tl == 1 && type[0] == 'e') {
          ++t->count;
          ++total;
          t->hash = fnv(t->hash, data, dl);
        } else if (tl == 3 && memcmp(type, "end", 3) == 0) {
          char mine[64], theirs[64];
          snprintf(mine, sizeof mine, "\"%" PRIu64 ":%016" PRIx64 "\"", t->count, t->hash);
          snprintf(theirs, sizeof theirs, "%.*s", (int)(dl < 63 ? dl : 63), data);
          if (strcmp(mine, theirs) == 0) {
            ++ok;
          } else {
            ++bad;
            fprintf(stderr, "load_server: conn %" PRIu64 ": client says %s, server counted %s\n", conn, theirs, mine);
          }
          t->ended = 1;
          ++ended;
          if ((rc = ipc_sock_emit(s, conn, "ack", mine)))
            fprintf(stderr, "load_server: ack to %" PRIu64 ": %s\n", conn, ipc_err_name(rc));
        }
      } else if (kind == IPC_SOCK_DISCONNECT) {
        tally_t *t = slot(conn);
        if (!t->ended) fprintf(stderr, "load_server: conn %" PRIu64 " left before its end\n", conn);
        t->gone = 1;
        ++gone;
      } else if (kind == IPC_SOCK_ERROR) {
        fprintf(stderr, "load_server: error event %s on conn %" PRIu64 ": %.*s\n", ipc_err_name(code), conn,
                (int)dl, data);
        ++bad;
      }
    }
  }
  printf("done clients=%d events=%" PRIu64 " ok=%d bad=%d vmhwm_kb=%ld\n", ended, total, ok, bad, vmhwm_kb());
  fflush(stdout);
  free(buf);
  ipc_sock_close(s);
  return ok == clients && bad == 0 ? 0 : 1;
}
