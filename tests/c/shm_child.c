/* The child process of the multi-process shm tests. C99, public API only.
 *
 *   shm_child create KIND NAME SIZE   create-only, fill with the pattern, exit
 *   shm_child check KIND NAME SIZE    open-only (read-only), verify the pattern
 *   shm_child expect KIND NAME ERR    open-only must fail with ERR (e.g. IPC_ENOENT)
 *   shm_child hold KIND NAME SIZE     open, verify, print "mapped", wait for a
 *                                     line on stdin, verify again, print "ok"
 * KIND is posix, file or sysv. Exit status 0 = as expected. */
#include <ipc/ipc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ipc_shm_kind_t parse_kind(const char *s) {
  if (strcmp(s, "file") == 0) return IPC_SHM_FILE;
  if (strcmp(s, "sysv") == 0) return IPC_SHM_SYSV;
  return IPC_SHM_POSIX;
}

static unsigned char pattern(size_t i) { return (unsigned char)((i * 7 + 3) % 251); }

static int fail(const char *what, int rc) {
  fprintf(stderr, "shm_child: %s: %s: %s\n", what, ipc_err_name(rc), ipc_last_error_message());
  return 1;
}

static int verify(ipc_shm_t *shm, size_t size) {
  unsigned char *p = NULL;
  size_t n = 0;
  int rc = ipc_shm_data(shm, (void **)&p, &n);
  if (rc) return fail("data", rc);
  if (n != size) {
    fprintf(stderr, "shm_child: size %zu, expected %zu\n", n, size);
    return 1;
  }
  for (size_t i = 0; i < n; ++i)
    if (p[i] != pattern(i)) {
      fprintf(stderr, "shm_child: byte %zu is %u, expected %u\n", i, p[i], pattern(i));
      return 1;
    }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5) return 2;
  const char *cmd = argv[1];
  ipc_shm_kind_t kind = parse_kind(argv[2]);
  const char *name = argv[3];
  ipc_shm_t *shm = NULL;
  int rc;
  if (strcmp(cmd, "expect") == 0) {
    rc = ipc_shm_open(kind, name, IPC_OPEN_ONLY, 0, 0, 0, &shm);
    if (rc == IPC_OK) ipc_shm_close(shm);
    if (strcmp(ipc_err_name(rc), argv[4]) != 0) {
      fprintf(stderr, "shm_child: got %s, expected %s\n", ipc_err_name(rc), argv[4]);
      return 1;
    }
    return 0;
  }
  size_t size = (size_t)strtoull(argv[4], NULL, 10);
  if (strcmp(cmd, "create") == 0) {
    rc = ipc_shm_open(kind, name, IPC_CREATE_ONLY, size, 0, 0, &shm);
    if (rc) return fail("create", rc);
    unsigned char *p = NULL;
    ipc_shm_data(shm, (void **)&p, NULL);
    for (size_t i = 0; i < size; ++i) p[i] = pattern(i);
    rc = ipc_shm_close(shm);
    return rc ? fail("close", rc) : 0;
  }
  rc = ipc_shm_open(kind, name, IPC_OPEN_ONLY, 0, IPC_SHM_READONLY, 0, &shm);
  if (rc) return fail("open", rc);
  if (verify(shm, size)) return 1;
  if (strcmp(cmd, "hold") == 0) {
    char line[64];
    printf("mapped\n");
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin)) return 1;
    if (verify(shm, size)) return 1;
    printf("ok\n");
    fflush(stdout);
  }
  ipc_shm_close(shm);
  return 0;
}
