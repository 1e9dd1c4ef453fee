/* A C program the Node tests run to compare the addon with the C ABI itself.
 * C99, public API only.
 *
 *   ipc_node_test_helper encode
 *       stdin lines "ENC HEX": HEX is UTF-8 text ("-" for empty), ENC an
 *       ipc_encoding_t number. Prints, per line, the bytes ipc_shm_write_string
 *       stores, as hex ("-" for none), or "ERR IPC_xxx".
 *   ipc_node_test_helper decode
 *       stdin lines "ENC HEX": HEX is raw bytes. Prints the UTF-8 text
 *       ipc_shm_read_string returns, as hex, or "ERR IPC_xxx".
 *   ipc_node_test_helper stream-read NAME
 *       Opens POSIX segment NAME (read-only) and prints "TYPE VERSION HEX" of
 *       its stream value (ipc_shm_stream_read).
 *   ipc_node_test_helper stream-write NAME SIZE TYPE HEX
 *       Opens or creates POSIX segment NAME of SIZE bytes and publishes HEX as a
 *       value of stream type TYPE (ipc_shm_stream_write).
 * Exit status 0 on success. */
#include <ipc/ipc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, int rc) {
  fprintf(stderr, "ipc_node_test_helper: %s: %s: %s\n", what, ipc_err_name(rc),
          ipc_last_error_message());
  return 1;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes hex into a malloc'd buffer; "-" is empty. Returns NULL on bad input. */
static unsigned char *unhex(const char *hex, size_t *out_len) {
  size_t n = strcmp(hex, "-") == 0 ? 0 : strlen(hex), i;
  unsigned char *out = malloc(n / 2 + 1);
  if (!out || n % 2) {
    free(out);
    return NULL;
  }
  for (i = 0; i < n / 2; ++i) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      free(out);
      return NULL;
    }
    out[i] = (unsigned char)(hi << 4 | lo);
  }
  *out_len = n / 2;
  return out;
}

static void print_hex(const unsigned char *p, size_t n) {
  size_t i;
  if (n == 0) fputs("-", stdout);
  for (i = 0; i < n; ++i) printf("%02x", p[i]);
}

static int lines(int encode) {
  static char line[1 << 20];
  while (fgets(line, sizeof line, stdin)) {
    char hex[sizeof line];
    int enc;
    size_t len = 0, out_len = 0, cap;
    unsigned char *in, *out;
    ipc_shm_t *shm = NULL;
    int rc;
    if (sscanf(line, "%d %s", &enc, hex) != 2) return 2;
    in = unhex(hex, &len);
    if (!in) return 2;
    cap = len * 4 + 16;
    out = malloc(cap);
    rc = ipc_shm_open(IPC_SHM_ANON, NULL, IPC_CREATE_ONLY, cap, 0, 0, &shm);
    if (rc) return fail("open anon", rc);
    if (encode) {
      rc = ipc_shm_write_string(shm, 0, (const char *)in, len, (ipc_encoding_t)enc, &out_len);
      if (rc == IPC_OK) rc = ipc_shm_read(shm, 0, out, out_len);
    } else {
      rc = ipc_shm_write(shm, 0, in, len);
      if (rc == IPC_OK)
        rc = ipc_shm_read_string(shm, 0, len, (ipc_encoding_t)enc, (char *)out, cap, &out_len);
    }
    if (rc) printf("ERR %s", ipc_err_name(rc));
    else print_hex(out, out_len);
    putchar('\n');
    fflush(stdout);
    ipc_shm_close(shm);
    free(in);
    free(out);
  }
  return 0;
}

static int stream_read(const char *name) {
  ipc_shm_t *shm = NULL;
  size_t cap = 0, len = 0;
  ipc_stream_type_t type;
  uint64_t version = 0;
  unsigned char *buf;
  int rc = ipc_shm_open(IPC_SHM_POSIX, name, IPC_OPEN_ONLY, 0, IPC_SHM_READONLY, 0, &shm);
  if (rc) return fail("open", rc);
  if ((rc = ipc_shm_stream_capacity(shm, &cap))) return fail("capacity", rc);
  buf = malloc(cap + 1);
  if ((rc = ipc_shm_stream_read(shm, &type, buf, cap, &len, &version))) return fail("read", rc);
  printf("%d %llu ", (int)type, (unsigned long long)version);
  print_hex(buf, len);
  putchar('\n');
  free(buf);
  ipc_shm_close(shm);
  return 0;
}

static int stream_write(const char *name, const char *size, const char *type, const char *hex) {
  ipc_shm_t *shm = NULL;
  size_t len = 0;
  unsigned char *data = unhex(hex, &len);
  int rc;
  if (!data) return 2;
  rc = ipc_shm_open(IPC_SHM_POSIX, name, IPC_OPEN_OR_CREATE, (size_t)strtoull(size, NULL, 10), 0,
                    0, &shm);
  if (rc) return fail("open", rc);
  if ((rc = ipc_shm_stream_write(shm, (ipc_stream_type_t)atoi(type), data, len)))
    return fail("write", rc);
  free(data);
  ipc_shm_close(shm);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "encode") == 0) return lines(1);
  if (argc >= 2 && strcmp(argv[1], "decode") == 0) return lines(0);
  if (argc >= 3 && strcmp(argv[1], "stream-read") == 0) return stream_read(argv[2]);
  if (argc >= 6 && strcmp(argv[1], "stream-write") == 0)
    return stream_write(argv[2], argv[3], argv[4], argv[5]);
  fprintf(stderr, "usage: see the comment at the top of c_helper.c\n");
  return 2;
}
