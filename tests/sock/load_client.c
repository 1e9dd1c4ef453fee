/* Load test clients (C ABI only): THREADS threads, each one ipc_sock client
 * that sends EVENTS events "e" to load_server, then "end" with its count and
 * checksum, waits for the server's "ack" (which must carry the same), and
 * disconnects. See load_server.c.
 *
 *   load_client unix <socket-path> <threads> <events> <first-index>
 *   load_client tcp  <port>        <threads> <events> <first-index>
 *
 * Payloads differ per client and event and vary in length (20..~300 bytes).
 * Prints "ok <threads>" and exits 0 when every thread's ack matched. */
#define _POSIX_C_SOURCE 200809L
#include <ipc/ipc.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#define WAIT_MS 60000

static const char *g_opts_fmt;
static const char *g_where;
static int g_events;

typedef struct {
  int index;
  int ok;
  char why[256];
} job_t;

/* Waits for the next event of `kind` (a message of `type` if given),
 * skipping drains unless a drain is what it waits for; anything else is a
 * failure. */
static int wait_event(ipc_sock_t *c, int kind, const char *type, char *data_out, size_t cap, job_t *j) {
  for (;;) {
    ipc_sock_event_t ev;
    int rc = ipc_sock_next(c, &ev, WAIT_MS);
    if (rc) {
      snprintf(j->why, sizeof j->why, "next: %s", ipc_err_name(rc));
      return 1;
    }
    if (ev.kind == IPC_SOCK_DRAIN && kind != IPC_SOCK_DRAIN) continue;
    if (ev.kind != kind || (type && strcmp(ev.type, type) != 0)) {
      snprintf(j->why, sizeof j->why, "unexpected event kind %d type %s code %s: %.100s", ev.kind, ev.type,
               ipc_err_name(ev.code), ev.data);
      return 1;
    }
    if (data_out) snprintf(data_out, cap, "%s", ev.data);
    return 0;
  }
}

static void *run(void *arg) {
  job_t *j = (job_t *)arg;
  ipc_sock_t *c = NULL;
  char opts[1024], data[512], end[64], ack[64];
  uint64_t h = FNV_INIT;
  int i, rc;
  snprintf(opts, sizeof opts, g_opts_fmt, g_where);
  if ((rc = ipc_sock_connect(opts, &c))) {
    snprintf(j->why, sizeof j->why, "connect: %s", ipc_err_name(rc));
    return NULL;
  }
  if (wait_event(c, IPC_SOCK_CONNECT, NULL, NULL, 0, j)) goto out;
  for (i = 0; i < g_events; ++i) {
    int pad = (i * 7 + j->index * 13) % 280, n;
    n = snprintf(data, sizeof data, "{\"c\":%d,\"i\":%d,\"p\":\"%.*s\"}", j->index, i, pad,
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    /* A full write queue: wait for its drain, then send again. */
    while ((rc = ipc_sock_emit(c, 0, "e", data)) == IPC_EAGAIN)
      if (wait_event(c, IPC_SOCK_DRAIN, NULL, NULL, 0, j)) goto out;
    if (rc != IPC_OK) {
      snprintf(j->why, sizeof j->why, "emit %d: %s", i, ipc_err_name(rc));
      goto out;
    }
    h = fnv(h, data, (size_t)n);
  }
  snprintf(end, sizeof end, "\"%d:%016" PRIx64 "\"", g_events, h);
  if ((rc = ipc_sock_emit(c, 0, "end", end))) {
    snprintf(j->why, sizeof j->why, "emit end: %s", ipc_err_name(rc));
    goto out;
  }
  if (wait_event(c, IPC_SOCK_MESSAGE, "ack", ack, sizeof ack, j)) goto out;
  if (strcmp(ack, end) != 0) {
    snprintf(j->why, sizeof j->why, "sent %s, server counted %s", end, ack);
    goto out;
  }
  ipc_sock_disconnect(c, 0);
  if (wait_event(c, IPC_SOCK_DISCONNECT, NULL, NULL, 0, j)) goto out;
  if (wait_event(c, IPC_SOCK_DESTROY, NULL, NULL, 0, j)) goto out;
  j->ok = 1;
out:
  ipc_sock_close(c);
  return NULL;
}

int main(int argc, char **argv) {
  int threads, first, i, ok = 0;
  pthread_t *t;
  job_t *jobs;
  if (argc != 6) {
    fprintf(stderr, "usage: load_client unix|tcp PATH|PORT THREADS EVENTS FIRST_INDEX\n");
    return 2;
  }
  g_opts_fmt = strcmp(argv[1], "unix") == 0 ? "{\"path\": \"%s\", \"stopRetrying\": true}"
                                            : "{\"transport\": \"tcp\", \"port\": %s, \"stopRetrying\": true}";
  g_where = argv[2];
  threads = atoi(argv[3]);
  g_events = atoi(argv[4]);
  first = atoi(argv[5]);
  t = (pthread_t *)calloc((size_t)threads, sizeof *t);
  jobs = (job_t *)calloc((size_t)threads, sizeof *jobs);
  for (i = 0; i < threads; ++i) {
    jobs[i].index = first + i;
    if (pthread_create(&t[i], NULL, run, &jobs[i]) != 0) {
      fprintf(stderr, "load_client: pthread_create failed\n");
      return 1;
    }
  }
  for (i = 0; i < threads; ++i) {
    pthread_join(t[i], NULL);
    if (jobs[i].ok)
      ++ok;
    else
      fprintf(stderr, "load_client: client %d: %s\n", jobs[i].index, jobs[i].why);
  }
  printf("ok %d\n", ok);
  fflush(stdout);
  free(t);
  free(jobs);
  return ok == threads ? 0 : 1;
}
