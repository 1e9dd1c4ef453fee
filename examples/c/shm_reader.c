/* shm_reader: open a POSIX segment by name and print what shm_writer wrote.
 * Usage: shm_reader NAME [--remove] */
#include <ipc/ipc.h>

#include <stdio.h>
#include <string.h>

static int check(int rc, const char *what) {
  if (rc != IPC_OK)
    fprintf(stderr, "%s: %s (%s): %s\n", what, ipc_err_name(rc), ipc_strerror(rc),
            ipc_last_error_message());
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s NAME [--remove]\n", argv[0]);
    return 2;
  }
  ipc_shm_t *shm = NULL;
  if (check(ipc_shm_open(IPC_SHM_POSIX, argv[1], IPC_OPEN_ONLY, 0, IPC_SHM_READONLY, 0, &shm),
            "open"))
    return 1;
  unsigned len = 0;
  char text[1024];
  size_t text_len = 0;
  double values[4];
  if (check(ipc_shm_read(shm, 0, &len, sizeof len), "read length") ||
      check(ipc_shm_read_string(shm, 4, len, IPC_ENC_UTF8, text, sizeof text, &text_len), "read text") ||
      check(ipc_shm_read_f64(shm, 1024, values, 4), "read floats"))
    return 1;
  printf("reader: \"%s\" [%g, %g, %g, %g]\n", text, values[0], values[1], values[2], values[3]);
  check(ipc_shm_close(shm), "close");
  if (argc > 2 && strcmp(argv[2], "--remove") == 0 && check(ipc_shm_remove(IPC_SHM_POSIX, argv[1]), "remove"))
    return 1;
  return 0;
}
