/* The C interop peer (see tests/interop/README.md). C99, public API only. */
#include <ipc/ipc.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: peer AREA create|open NAME OTHER_LANG\n");
    return 2;
  }
  if (strcmp(argv[1], "shm") == 0)
    return strcmp(argv[2], "create") == 0 ? shm_create(argv[3]) : shm_open_check(argv[3], argv[4]);
  fprintf(stderr, "c peer: unknown area %s\n", argv[1]);
  return 2;
}
