/* shm_writer: create a POSIX segment and write a greeting, floats and bytes.
 * Usage: shm_writer NAME [TEXT]
 * The segment stays after exit (kernel persistence); shm_reader --remove deletes it. */
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
    fprintf(stderr, "usage: %s NAME [TEXT]\n", argv[0]);
    return 2;
  }
  const char *text = argc > 2 ? argv[2] : "hello from C";
  ipc_shm_t *shm = NULL;
  if (check(ipc_shm_open(IPC_SHM_POSIX, argv[1], IPC_OPEN_OR_CREATE, 4096, 0, 0, &shm), "open"))
    return 1;
  /* Layout: [0] u32 text length, [4] text (utf8), [1024] 4 doubles. */
  size_t written = 0;
  if (check(ipc_shm_write_string(shm, 4, text, strlen(text), IPC_ENC_UTF8, &written), "write text"))
    return 1;
  unsigned len = (unsigned)written;
  double values[4] = {1.5, -2.25, 3.0e10, 0.125};
  if (check(ipc_shm_write(shm, 0, &len, sizeof len), "write length") ||
      check(ipc_shm_write_f64(shm, 1024, values, 4), "write floats"))
    return 1;
  printf("writer: wrote \"%s\" and 4 doubles to segment \"%s\"\n", text, argv[1]);
  return check(ipc_shm_close(shm), "close") ? 1 : 0;
}
