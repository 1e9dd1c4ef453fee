/* A libipc user as it would be built against an installed libipc: only
 * <ipc/ipc.h> and libipc.so. Built by tests/install with find_package(libipc)
 * and with pkg-config; prints "libipc <version> OK" on success. */
#include <ipc/ipc.h>

#include <stdio.h>
#include <string.h>

int main(void) {
  ipc_shm_t *shm = NULL;
  const char msg[] = "hello from an installed libipc";
  char back[sizeof msg];
  void *addr = NULL;
  size_t size = 0;
  int rc;

  /* Header and loaded library must be the same version. */
  if (ipc_version() != IPC_VERSION_HEX) {
    fprintf(stderr, "version mismatch: header %s (0x%06x), library %s (0x%06x)\n",
            IPC_VERSION_STRING, (unsigned)IPC_VERSION_HEX, ipc_version_string(), ipc_version());
    return 1;
  }
  rc = ipc_shm_open(IPC_SHM_ANON, NULL, IPC_CREATE_ONLY, 4096, 0, 0, &shm);
  if (rc != IPC_OK) {
    fprintf(stderr, "ipc_shm_open: %s\n", ipc_strerror(rc));
    return 1;
  }
  if (ipc_shm_data(shm, &addr, &size) != IPC_OK || addr == NULL || size != 4096 ||
      ipc_shm_write(shm, 100, msg, sizeof msg) != IPC_OK ||
      ipc_shm_read(shm, 100, back, sizeof back) != IPC_OK || memcmp(msg, back, sizeof msg) != 0 ||
      memcmp((const char *)addr + 100, msg, sizeof msg) != 0 ||
      ipc_shm_write(shm, 4096, msg, 1) != IPC_ERANGE) {
    fprintf(stderr, "shared memory round trip failed\n");
    ipc_shm_close(shm);
    return 1;
  }
  if (ipc_shm_close(shm) != IPC_OK) {
    fprintf(stderr, "ipc_shm_close failed\n");
    return 1;
  }
  printf("libipc %s OK\n", ipc_version_string());
  return 0;
}
