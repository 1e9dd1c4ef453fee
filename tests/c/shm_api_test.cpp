// Public API tests of ipc_shm_*: modes, sizes, kinds, helpers and bad input.
#include <ipc/ipc.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "test_names.hpp"

using ipc_test::scoped_cleanup;
using ipc_test::unique_name;

namespace {

struct Segment {
  ipc_shm_t *h = nullptr;
  ~Segment() { ipc_shm_close(h); }
};

auto remove_posix(const std::string &name) {
  return [name] { ipc_shm_remove(IPC_SHM_POSIX, name.c_str()); };
}

}  // namespace

TEST(Shm, CreateOnlyOpenOnlyOpenOrCreate) {
  const std::string name = unique_name();
  scoped_cleanup cleanup(remove_posix(name));
  Segment a, b, c, d;
  ASSERT_EQ(ipc_shm_open(IPC_SHM_POSIX, name.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &a.h), IPC_ENOENT);
  EXPECT_EQ(a.h, nullptr);
  ASSERT_EQ(ipc_shm_open(IPC_SHM_POSIX, name.c_str(), IPC_CREATE_ONLY, 1000, 0, 0, &a.h), IPC_OK);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_POSIX, name.c_str(), IPC_CREATE_ONLY, 1000, 0, 0, &b.h),
            IPC_EEXIST);
  ASSERT_EQ(ipc_shm_open(IPC_SHM_POSIX, name.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &b.h), IPC_OK);
  ASSERT_EQ(ipc_shm_open(IPC_SHM_POSIX, name.c_str(), IPC_OPEN_OR_CREATE, 1000, 0, 0, &c.h),
            IPC_OK);
  size_t size = 0;
  ASSERT_EQ(ipc_shm_size(b.h, &size), IPC_OK);
  EXPECT_EQ(size, 1000u);  // discovered on open
  // A smaller size on open maps a prefix; a larger one is out of range.
  ASSERT_EQ(ipc_shm_open(IPC_SHM_POSIX, name.c_str(), IPC_OPEN_ONLY, 10, 0, 0, &d.h), IPC_OK);
  ASSERT_EQ(ipc_shm_size(d.h, &size), IPC_OK);
  EXPECT_EQ(size, 10u);
  ipc_shm_t *big = nullptr;
  EXPECT_EQ(ipc_shm_open(IPC_SHM_POSIX, name.c_str(), IPC_OPEN_ONLY, 1001, 0, 0, &big), IPC_ERANGE);
  // Writes through one handle are visible through the others.
  ASSERT_EQ(ipc_shm_write(a.h, 5, "hello", 5), IPC_OK);
  char buf[6] = {};
  ASSERT_EQ(ipc_shm_read(c.h, 5, buf, 5), IPC_OK);
  EXPECT_STREQ(buf, "hello");
  int exists = 0;
  ASSERT_EQ(ipc_shm_exists(IPC_SHM_POSIX, name.c_str(), &exists), IPC_OK);
  EXPECT_EQ(exists, 1);
  ASSERT_EQ(ipc_shm_remove(IPC_SHM_POSIX, name.c_str()), IPC_OK);
  ASSERT_EQ(ipc_shm_exists(IPC_SHM_POSIX, name.c_str(), &exists), IPC_OK);
  EXPECT_EQ(exists, 0);
  EXPECT_EQ(ipc_shm_remove(IPC_SHM_POSIX, name.c_str()), IPC_ENOENT);
}

TEST(Shm, OwnerOnlyPermissionsByDefault) {
  const std::string name = unique_name();
  scoped_cleanup cleanup(remove_posix(name));
  mode_t old = ::umask(0);  // the default must not depend on the umask
  Segment s;
  ASSERT_EQ(ipc_shm_open(IPC_SHM_POSIX, name.c_str(), IPC_CREATE_ONLY, 64, 0, 0, &s.h), IPC_OK);
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat(("/dev/shm/" + name).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const std::string name2 = unique_name();
  scoped_cleanup cleanup2(remove_posix(name2));
  Segment s2;
  ASSERT_EQ(ipc_shm_open(IPC_SHM_POSIX, name2.c_str(), IPC_CREATE_ONLY, 64, 0, 0640, &s2.h), IPC_OK);
  ASSERT_EQ(::stat(("/dev/shm/" + name2).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(Shm, BadNamesAndArguments) {
  ipc_shm_t *h = nullptr;
  EXPECT_EQ(ipc_shm_open(IPC_SHM_POSIX, "", IPC_OPEN_OR_CREATE, 64, 0, 0, &h), IPC_EBADNAME);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_POSIX, "a/b", IPC_OPEN_OR_CREATE, 64, 0, 0, &h), IPC_EBADNAME);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_POSIX, "/lead", IPC_OPEN_OR_CREATE, 64, 0, 0, &h), IPC_EBADNAME);
  std::string longname(IPC_NAME_MAX + 1, 'x');
  EXPECT_EQ(ipc_shm_open(IPC_SHM_POSIX, longname.c_str(), IPC_OPEN_OR_CREATE, 64, 0, 0, &h),
            IPC_ENAMETOOLONG);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_POSIX, nullptr, IPC_OPEN_OR_CREATE, 64, 0, 0, &h), IPC_EINVAL);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_POSIX, "ok_name", IPC_OPEN_OR_CREATE, 64, 0, 0, nullptr),
            IPC_EINVAL);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_POSIX, "ok_name", IPC_CREATE_ONLY, 0, 0, 0, &h), IPC_EINVAL);
  EXPECT_EQ(ipc_shm_open(static_cast<ipc_shm_kind_t>(42), "x", IPC_CREATE_ONLY, 8, 0, 0, &h),
            IPC_EINVAL);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_POSIX, "x", static_cast<ipc_open_mode_t>(9), 8, 0, 0, &h),
            IPC_EINVAL);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_POSIX, "x", IPC_CREATE_ONLY, 8, 0x80, 0, &h), IPC_EINVAL);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_POSIX, "x", IPC_CREATE_ONLY, 8, IPC_SHM_READONLY, 0, &h),
            IPC_EINVAL);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_POSIX, "x", IPC_CREATE_ONLY, 8, 0, 01777, &h), IPC_EINVAL);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_SYSV, "zero", IPC_OPEN_OR_CREATE, 8, 0, 0, &h), IPC_EBADNAME);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_SYSV, "0", IPC_OPEN_OR_CREATE, 8, 0, 0, &h), IPC_EBADNAME);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_SYSV, "0x1ffffffff", IPC_OPEN_OR_CREATE, 8, 0, 0, &h),
            IPC_EBADNAME);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_FILE, "", IPC_OPEN_OR_CREATE, 8, 0, 0, &h), IPC_EBADNAME);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_ANON, nullptr, IPC_OPEN_ONLY, 8, 0, 0, &h), IPC_EINVAL);
  EXPECT_EQ(h, nullptr);
  EXPECT_EQ(ipc_shm_remove(IPC_SHM_ANON, nullptr), IPC_ENOTSUP);
  EXPECT_EQ(ipc_shm_remove(IPC_SHM_POSIX, "a/b"), IPC_EBADNAME);
  int exists = 0;
  EXPECT_EQ(ipc_shm_exists(IPC_SHM_POSIX, "ok", nullptr), IPC_EINVAL);
  EXPECT_EQ(ipc_shm_exists(IPC_SHM_POSIX, "", &exists), IPC_EBADNAME);
}

TEST(Shm, OutOfRangeAccessIsRefusedAndChangesNothing) {
  Segment s;
  ASSERT_EQ(ipc_shm_open(IPC_SHM_ANON, nullptr, IPC_CREATE_ONLY, 100, 0, 0, &s.h), IPC_OK);
  char buf[200] = {};
  EXPECT_EQ(ipc_shm_write(s.h, 0, buf, 100), IPC_OK);
  EXPECT_EQ(ipc_shm_write(s.h, 1, buf, 100), IPC_ERANGE);
  EXPECT_EQ(ipc_shm_write(s.h, 101, buf, 0), IPC_ERANGE);
  EXPECT_EQ(ipc_shm_write(s.h, 100, buf, 0), IPC_OK);
  EXPECT_EQ(ipc_shm_write(s.h, SIZE_MAX, buf, 2), IPC_ERANGE);  // no overflow
  EXPECT_EQ(ipc_shm_read(s.h, 50, buf, SIZE_MAX - 10), IPC_ERANGE);
  EXPECT_EQ(ipc_shm_write(s.h, 0, nullptr, 5), IPC_EINVAL);
  EXPECT_EQ(ipc_shm_read(s.h, 0, nullptr, 5), IPC_EINVAL);
  double d[20] = {};
  EXPECT_EQ(ipc_shm_write_f64(s.h, 0, d, 13), IPC_ERANGE);  // 104 bytes
  EXPECT_EQ(ipc_shm_write_f64(s.h, 4, d, 12), IPC_OK);      // unaligned is fine
  EXPECT_EQ(ipc_shm_read_f32(s.h, 0, nullptr, 1), IPC_EINVAL);
  EXPECT_EQ(ipc_shm_write_f32(s.h, 0, reinterpret_cast<float *>(d), SIZE_MAX / 2), IPC_ERANGE);
  size_t out = 0;
  EXPECT_EQ(ipc_shm_write_string(s.h, 90, "0123456789ab", 12, IPC_ENC_UTF8, &out), IPC_ERANGE);
  EXPECT_EQ(out, 0u);
}

TEST(Shm, ReadOnlyHandlesRefuseWrites) {
  const std::string name = unique_name();
  scoped_cleanup cleanup(remove_posix(name));
  Segment rw, ro;
  ASSERT_EQ(ipc_shm_open(IPC_SHM_POSIX, name.c_str(), IPC_CREATE_ONLY, 64, 0, 0, &rw.h), IPC_OK);
  ASSERT_EQ(ipc_shm_write(rw.h, 0, "abc", 3), IPC_OK);
  ASSERT_EQ(ipc_shm_open(IPC_SHM_POSIX, name.c_str(), IPC_OPEN_ONLY, 0, IPC_SHM_READONLY, 0, &ro.h),
            IPC_OK);
  int is_ro = 0;
  ASSERT_EQ(ipc_shm_is_readonly(ro.h, &is_ro), IPC_OK);
  EXPECT_EQ(is_ro, 1);
  EXPECT_EQ(ipc_shm_write(ro.h, 0, "x", 1), IPC_EREADONLY);
  float f = 1;
  EXPECT_EQ(ipc_shm_write_f32(ro.h, 0, &f, 1), IPC_EREADONLY);
  EXPECT_EQ(ipc_shm_write_string(ro.h, 0, "x", 1, IPC_ENC_UTF8, nullptr), IPC_EREADONLY);
  char buf[4] = {};
  ASSERT_EQ(ipc_shm_read(ro.h, 0, buf, 3), IPC_OK);
  EXPECT_STREQ(buf, "abc");
}

TEST(Shm, NodeBufferEncodings) {
  Segment s;
  ASSERT_EQ(ipc_shm_open(IPC_SHM_ANON, nullptr, IPC_CREATE_ONLY, 256, 0, 0, &s.h), IPC_OK);
  struct Case {
    ipc_encoding_t enc;
    const char *text;
    std::vector<unsigned char> bytes;
    const char *read_back;
  };
  const Case cases[] = {
      {IPC_ENC_UTF8, "h\xC3\xA9", {'h', 0xC3, 0xA9}, "h\xC3\xA9"},
      {IPC_ENC_LATIN1, "h\xC3\xA9", {'h', 0xE9}, "h\xC3\xA9"},
      {IPC_ENC_ASCII, "h\xC3\xA9", {'h', 0xE9}, "hi"},  // reading masks the high bit: 0xE9&0x7F='i'
      {IPC_ENC_UTF16LE, "h\xF0\x9F\x98\x80", {'h', 0, 0x3D, 0xD8, 0x00, 0xDE}, "h\xF0\x9F\x98\x80"},
      {IPC_ENC_HEX, "00ff10", {0x00, 0xFF, 0x10}, "00ff10"},
      {IPC_ENC_BASE64, "aGVsbG8=", {'h', 'e', 'l', 'l', 'o'}, "aGVsbG8="},
  };
  for (const Case &c : cases) {
    size_t written = 0;
    ASSERT_EQ(ipc_shm_write_string(s.h, 10, c.text, std::strlen(c.text), c.enc, &written), IPC_OK)
        << c.enc;
    ASSERT_EQ(written, c.bytes.size()) << c.enc;
    std::vector<unsigned char> got(written);
    ASSERT_EQ(ipc_shm_read(s.h, 10, got.data(), written), IPC_OK);
    EXPECT_EQ(got, c.bytes) << c.enc;
    char out[64];
    size_t len = 0;
    ASSERT_EQ(ipc_shm_read_string(s.h, 10, written, c.enc, out, sizeof out, &len), IPC_OK);
    EXPECT_STREQ(out, c.read_back) << c.enc;
    EXPECT_EQ(len, std::strlen(c.read_back));
  }
  // Invalid input text is refused, never half-written.
  EXPECT_EQ(ipc_shm_write_string(s.h, 0, "\xC3", 1, IPC_ENC_UTF8, nullptr), IPC_EILSEQ);
  EXPECT_EQ(ipc_shm_write_string(s.h, 0, "abc", 3, IPC_ENC_HEX, nullptr), IPC_EILSEQ);
  EXPECT_EQ(ipc_shm_write_string(s.h, 0, "zz", 2, IPC_ENC_HEX, nullptr), IPC_EILSEQ);
  EXPECT_EQ(ipc_shm_write_string(s.h, 0, "a*b=", 4, IPC_ENC_BASE64, nullptr), IPC_EILSEQ);
  EXPECT_EQ(ipc_shm_write_string(s.h, 0, "a", 1, static_cast<ipc_encoding_t>(77), nullptr),
            IPC_EINVAL);
  // Invalid UTF-8 in the segment reads as U+FFFD.
  const unsigned char bad[] = {'a', 0xFF, 'b'};
  ASSERT_EQ(ipc_shm_write(s.h, 0, bad, 3), IPC_OK);
  char out[16];
  size_t len = 0;
  ASSERT_EQ(ipc_shm_read_string(s.h, 0, 3, IPC_ENC_UTF8, out, sizeof out, &len), IPC_OK);
  EXPECT_STREQ(out, "a\xEF\xBF\xBD" "b");
  // Too small a buffer: EMSGSIZE and the size needed.
  ASSERT_EQ(ipc_shm_read_string(s.h, 0, 3, IPC_ENC_HEX, out, 6, &len), IPC_EMSGSIZE);
  EXPECT_EQ(len, 6u);
}

TEST(Shm, FloatArrays) {
  Segment s;
  ASSERT_EQ(ipc_shm_open(IPC_SHM_ANON, nullptr, IPC_CREATE_ONLY, 128, 0, 0, &s.h), IPC_OK);
  const float f[3] = {1.5f, -0.0f, INFINITY};
  const double d[2] = {3.141592653589793, -1e300};
  ASSERT_EQ(ipc_shm_write_f32(s.h, 1, f, 3), IPC_OK);
  ASSERT_EQ(ipc_shm_write_f64(s.h, 64, d, 2), IPC_OK);
  float f2[3];
  double d2[2];
  ASSERT_EQ(ipc_shm_read_f32(s.h, 1, f2, 3), IPC_OK);
  ASSERT_EQ(ipc_shm_read_f64(s.h, 64, d2, 2), IPC_OK);
  EXPECT_EQ(std::memcmp(f, f2, sizeof f), 0);
  EXPECT_EQ(std::memcmp(d, d2, sizeof d), 0);
}

TEST(Shm, FileBackedSeesExistingContentsAndPersists) {
  const std::string path = ipc_test::unique_path();
  scoped_cleanup cleanup([path] { ::unlink(path.c_str()); });
  {  // an ordinary file written without libipc
    int fd = ::open(path.c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "existing!", 9), 9);
    ::close(fd);
  }
  Segment s;
  ASSERT_EQ(ipc_shm_open(IPC_SHM_FILE, path.c_str(), IPC_OPEN_ONLY, 0, 0, 0, &s.h), IPC_OK);
  size_t size = 0;
  ipc_shm_size(s.h, &size);
  EXPECT_EQ(size, 9u);
  char buf[10] = {};
  ASSERT_EQ(ipc_shm_read(s.h, 0, buf, 9), IPC_OK);
  EXPECT_STREQ(buf, "existing!");
  ASSERT_EQ(ipc_shm_write(s.h, 0, "E", 1), IPC_OK);
  ASSERT_EQ(ipc_shm_flush(s.h), IPC_OK);
  {  // the change reached the file
    char fbuf[10] = {};
    int fd = ::open(path.c_str(), O_RDONLY);
    ASSERT_EQ(::read(fd, fbuf, 9), 9);
    ::close(fd);
    EXPECT_STREQ(fbuf, "Existing!");
  }
  ASSERT_EQ(ipc_shm_close(s.h), IPC_OK);
  s.h = nullptr;
  // Growing on open: a writable file mapping extends the file.
  ASSERT_EQ(ipc_shm_open(IPC_SHM_FILE, path.c_str(), IPC_OPEN_ONLY, 100, 0, 0, &s.h), IPC_OK);
  ASSERT_EQ(ipc_shm_write(s.h, 90, "tail", 4), IPC_OK);
  ASSERT_EQ(ipc_shm_close(s.h), IPC_OK);  // flushes
  s.h = nullptr;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 100);
  ASSERT_EQ(ipc_shm_open(IPC_SHM_FILE, path.c_str(), IPC_OPEN_ONLY, 0, IPC_SHM_READONLY, 0, &s.h),
            IPC_OK);
  ASSERT_EQ(ipc_shm_read(s.h, 90, buf, 4), IPC_OK);
  EXPECT_EQ(std::string(buf, 4), "tail");
  ASSERT_EQ(ipc_shm_read(s.h, 0, buf, 9), IPC_OK);
  EXPECT_EQ(std::string(buf, 9), "Existing!");
  ipc_shm_t *h = nullptr;
  EXPECT_EQ(ipc_shm_open(IPC_SHM_FILE, path.c_str(), IPC_CREATE_ONLY, 10, 0, 0, &h), IPC_EEXIST);
  EXPECT_EQ(ipc_shm_open(IPC_SHM_FILE, (path + ".missing").c_str(), IPC_OPEN_ONLY, 0, 0, 0, &h),
            IPC_ENOENT);
}

TEST(Shm, NameIsReported) {
  const std::string name = unique_name();
  scoped_cleanup cleanup(remove_posix(name));
  Segment s;
  ASSERT_EQ(ipc_shm_open(IPC_SHM_POSIX, name.c_str(), IPC_CREATE_ONLY, 16, 0, 0, &s.h), IPC_OK);
  char buf[64];
  size_t len = 0;
  ASSERT_EQ(ipc_shm_name(s.h, buf, sizeof buf, &len), IPC_OK);
  EXPECT_EQ(std::string(buf), name);
  EXPECT_EQ(ipc_shm_name(s.h, buf, 3, &len), IPC_EMSGSIZE);
  EXPECT_EQ(len, name.size());
  ipc_shm_kind_t kind;
  ASSERT_EQ(ipc_shm_kind(s.h, &kind), IPC_OK);
  EXPECT_EQ(kind, IPC_SHM_POSIX);
}
