/* Compiled as strict C99 with -pedantic-errors -Werror: the public headers are C. */
#include <ipc/ipc.h>

#include <stdio.h>

int main(void) {
  ipc_shm_t *shm = NULL;
  ipc_shm_kind_t kind = IPC_SHM_ANON;
  ipc_open_mode_t mode = IPC_CREATE_ONLY;
  ipc_encoding_t enc = IPC_ENC_UTF8;
  ipc_stream_type_t st = IPC_STREAM_EMPTY;
  ipc_error_t err = IPC_OK;
  size_t written = 0;
  uint64_t version = 0;
  if (ipc_version() != IPC_VERSION_HEX) return 1;
  err = (ipc_error_t)ipc_shm_open(kind, NULL, mode, 64, 0, IPC_DEFAULT_PERM, &shm);
  if (err != IPC_OK) return 2;
  if (ipc_shm_write_string(shm, 0, "c99", 3, enc, &written) != IPC_OK || written != 3) return 3;
  if (ipc_shm_stream_version(shm, &version) != IPC_ECORRUPT) return 4; /* "c99" is no stream */
  (void)st;
  if (ipc_shm_close(shm) != IPC_OK) return 5;
  printf("C99 OK, libipc %s\n", ipc_version_string());
  return 0;
}
