// libipc C++ core — shared memory over Boost.Interprocess.
//
// Boost maps every kind; what Boost leaves out (creating a file with exact
// permissions and size, discovering a SysV segment's size) is done with the OS
// calls below, kept in this file so a port touches one place.
#include <ipc/shm.hpp>

#include <boost/interprocess/anonymous_shared_memory.hpp>
#include <boost/interprocess/exceptions.hpp>
#include <boost/interprocess/file_mapping.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <boost/interprocess/xsi_shared_memory.hpp>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bip = boost::interprocess;

namespace ipc {
namespace {

constexpr std::size_t kPosixNameMax = 250;  // IPC_NAME_MAX
constexpr std::size_t kPathMax = PATH_MAX;

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Boost reports the OS errno where it has one; otherwise map its own code.
[[noreturn]] void rethrow_boost(const bip::interprocess_exception &e, const std::string &what) {
  if (int n = e.get_native_error(); n != 0) throw_errno(n, what);
  errc c = IPC_EIO;
  switch (e.get_error_code()) {
    case bip::not_found_error: c = IPC_ENOENT; break;
    case bip::already_exists_error: c = IPC_EEXIST; break;
    case bip::security_error: c = IPC_EACCES; break;
    case bip::size_error: c = IPC_ERANGE; break;
    case bip::out_of_memory_error:
    case bip::out_of_resource_error: c = IPC_ENOMEM; break;
    case bip::mode_error: c = IPC_EACCES; break;
    default: break;
  }
  throw_error(c, what + ": " + e.what());
}

key_t parse_sysv_key(std::string_view name) {
  if (name.empty()) throw_error(IPC_EBADNAME, "SysV key is empty");
  unsigned long long v = 0;
  int base = 10;
  std::string_view digits = name;
  if (name.size() > 2 && name[0] == '0' && (name[1] == 'x' || name[1] == 'X')) {
    base = 16;
    digits = name.substr(2);
  }
  if (digits.size() > 16) throw_error(IPC_EBADNAME, "SysV key out of range: " + quoted(name));
  for (char ch : digits) {
    int d;
    if (ch >= '0' && ch <= '9') d = ch - '0';
    else if (base == 16 && ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
    else if (base == 16 && ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
    else throw_error(IPC_EBADNAME, "SysV key is not a number: " + quoted(name));
    v = v * base + d;
    if (v > 0xFFFFFFFFull) throw_error(IPC_EBADNAME, "SysV key out of range: " + quoted(name));
  }
  if (v == 0) throw_error(IPC_EBADNAME, "SysV key 0 is IPC_PRIVATE, not a name");
  return static_cast<key_t>(static_cast<std::uint32_t>(v));
}

std::size_t sysv_size(int shmid) {
  struct shmid_ds ds {};
  if (::shmctl(shmid, IPC_STAT, &ds) != 0) throw_errno(errno, "shmctl(IPC_STAT)");
  return ds.shm_segsz;
}

// Opens (or creates) the backing file of a FILE mapping with exact permissions,
// growing it to `size` when that is larger. Returns the final file size.
std::size_t prepare_file(const std::string &path, open_mode mode, std::size_t size, bool ro,
                         unsigned perm) {
  int flags = ro ? O_RDONLY : O_RDWR;
  int fd = -1;
  bool created = false;
  if (mode == open_mode::create_only) {
    fd = ::open(path.c_str(), flags | O_CREAT | O_EXCL | O_CLOEXEC, perm);
    created = fd >= 0;
  } else if (mode == open_mode::open_only) {
    fd = ::open(path.c_str(), flags | O_CLOEXEC);
  } else {
    fd = ::open(path.c_str(), flags | O_CREAT | O_EXCL | O_CLOEXEC, perm);
    created = fd >= 0;
    if (fd < 0 && errno == EEXIST) fd = ::open(path.c_str(), flags | O_CLOEXEC);
  }
  if (fd < 0) throw_errno(errno, "open(" + quoted(path) + ")");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (created && ::fchmod(fd, perm) != 0) throw_errno(errno, "fchmod(" + quoted(path) + ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno(errno, "fstat(" + quoted(path) + ")");
  if (!S_ISREG(st.st_mode)) throw_error(IPC_EINVAL, quoted(path) + " is not a regular file");
  auto cur = static_cast<std::size_t>(st.st_size);
  if (size > cur) {
    if (ro) {
      throw_error(IPC_ERANGE, "size " + std::to_string(size) + " exceeds file " + quoted(path) +
                                    " of " + std::to_string(cur) + " bytes (read-only)");
    }
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0)
      throw_errno(errno, "ftruncate(" + quoted(path) + ")");
    cur = size;
  }
  return cur;
}

}  // namespace

struct shared_memory::impl {
  shm_kind kind;
  std::string name;
  bool ro;
  bip::mapped_region region;
};

void shared_memory::validate_name(shm_kind kind, std::string_view name) {
  switch (kind) {
    case shm_kind::posix:
      if (name.empty()) throw_error(IPC_EBADNAME, "segment name is empty");
      if (name.find('/') != std::string_view::npos)
        throw_error(IPC_EBADNAME, "segment name contains '/': " + quoted(name));
      if (name.find('\0') != std::string_view::npos)
        throw_error(IPC_EBADNAME, "segment name contains NUL");
      if (name.size() > kPosixNameMax)
        throw_error(IPC_ENAMETOOLONG, "segment name longer than " +
                                            std::to_string(kPosixNameMax) + " bytes");
      break;
    case shm_kind::file:
      if (name.empty()) throw_error(IPC_EBADNAME, "file path is empty");
      if (name.find('\0') != std::string_view::npos)
        throw_error(IPC_EBADNAME, "file path contains NUL");
      if (name.size() >= kPathMax) throw_error(IPC_ENAMETOOLONG, "file path too long");
      break;
    case shm_kind::sysv:
      parse_sysv_key(name);
      break;
    case shm_kind::anon:
      break;
    default:
      throw_error(IPC_EINVAL, "unknown segment kind");
  }
}

shared_memory::shared_memory(shm_kind kind, std::string_view name_in, open_mode mode,
                             std::size_t size, const shm_options &opts)
    : impl_(std::make_unique<impl>()) {
  if (mode != open_mode::create_only && mode != open_mode::open_only &&
      mode != open_mode::open_or_create)
    throw_error(IPC_EINVAL, "unknown open mode");
  validate_name(kind, name_in);
  if (opts.perm & ~0777u) throw_error(IPC_EINVAL, "permission bits beyond 0777");
  const bool ro = opts.read_only;
  if (ro && mode != open_mode::open_only)
    throw_error(IPC_EINVAL, "a read-only handle can only open an existing segment");
  if (mode != open_mode::open_only && size == 0)
    throw_error(IPC_EINVAL, "size must be > 0 to create a segment");
  const unsigned perm = opts.perm ? opts.perm : 0600u;
  impl_->kind = kind;
  impl_->name = kind == shm_kind::anon ? std::string() : std::string(name_in);
  impl_->ro = ro;
  const std::string &name = impl_->name;
  const auto bmode = ro ? bip::read_only : bip::read_write;
  bip::permissions bperm(perm);

  auto check_fits = [&](std::size_t existing) {
    if (existing == 0)
      throw_error(IPC_EAGAIN, "segment " + quoted(name) + " has size 0 (still being created?)");
    if (size > existing)
      throw_error(IPC_ERANGE, "size " + std::to_string(size) + " exceeds segment " +
                                    quoted(name) + " of " + std::to_string(existing) + " bytes");
    return size ? size : existing;
  };

  try {
    switch (kind) {
      case shm_kind::posix: {
        std::unique_ptr<bip::shared_memory_object> obj;
        std::size_t map_size = size;
        if (mode == open_mode::create_only) {
          obj = std::make_unique<bip::shared_memory_object>(bip::create_only, name.c_str(),
                                                            bmode, bperm);
          obj->truncate(static_cast<bip::offset_t>(size));
        } else if (mode == open_mode::open_only) {
          obj = std::make_unique<bip::shared_memory_object>(bip::open_only, name.c_str(), bmode);
          bip::offset_t cur = 0;
          obj->get_size(cur);
          map_size = check_fits(static_cast<std::size_t>(cur));
        } else {
          obj = std::make_unique<bip::shared_memory_object>(bip::open_or_create, name.c_str(),
                                                            bmode, bperm);
          bip::offset_t cur = 0;
          obj->get_size(cur);
          if (cur == 0) obj->truncate(static_cast<bip::offset_t>(size));
          else map_size = check_fits(static_cast<std::size_t>(cur));
        }
        impl_->region = bip::mapped_region(*obj, bmode, 0, map_size);
        break;  // the descriptor closes here; the mapping stays
      }
      case shm_kind::file: {
        std::size_t cur = prepare_file(name, mode, size, ro, perm);
        if (cur == 0) throw_error(IPC_ERANGE, "file " + quoted(name) + " is empty");
        bip::file_mapping fm(name.c_str(), bmode);
        impl_->region = bip::mapped_region(fm, bmode, 0, size ? size : cur);
        break;
      }
      case shm_kind::sysv: {
        bip::xsi_key key(parse_sysv_key(name));
        std::unique_ptr<bip::xsi_shared_memory> obj;
        if (mode == open_mode::create_only) {
          obj = std::make_unique<bip::xsi_shared_memory>(bip::create_only, key, size, bperm);
        } else if (mode == open_mode::open_only) {
          obj = std::make_unique<bip::xsi_shared_memory>(bip::open_only, key);
        } else {
          obj = std::make_unique<bip::xsi_shared_memory>(bip::open_or_create, key, size, bperm);
        }
        std::size_t cur = sysv_size(obj->get_shmid());
        std::size_t map_size = mode == open_mode::create_only ? size : check_fits(cur);
        if (mode == open_mode::open_or_create && size > cur)
          throw_error(IPC_ERANGE, "size exceeds existing SysV segment");
        impl_->region = bip::mapped_region(*obj, bmode, 0, map_size);
        break;
      }
      case shm_kind::anon: {
        if (mode == open_mode::open_only)
          throw_error(IPC_EINVAL, "an anonymous segment cannot be opened, only created");
        impl_->region = bip::anonymous_shared_memory(size);
        break;
      }
    }
  } catch (const bip::interprocess_exception &e) {
    rethrow_boost(e, "open segment " + quoted(name));
  }
}

shared_memory::shared_memory(shared_memory &&) noexcept = default;
shared_memory &shared_memory::operator=(shared_memory &&) noexcept = default;

shared_memory::~shared_memory() {
  if (impl_ && impl_->kind == shm_kind::file && !impl_->ro) impl_->region.flush(0, 0, false);
}

void *shared_memory::data() const noexcept { return impl_->region.get_address(); }
std::size_t shared_memory::size() const noexcept { return impl_->region.get_size(); }
shm_kind shared_memory::kind() const noexcept { return impl_->kind; }
bool shared_memory::read_only() const noexcept { return impl_->ro; }
const std::string &shared_memory::name() const noexcept { return impl_->name; }

void shared_memory::flush() {
  if (impl_->kind != shm_kind::file || impl_->ro) return;
  if (!impl_->region.flush(0, 0, false)) throw_errno(errno, "msync(" + quoted(impl_->name) + ")");
}

std::byte *shared_memory::checked_range(std::size_t offset, std::size_t len,
                                        bool for_write) const {
  if (for_write && impl_->ro) throw_error(IPC_EREADONLY, "segment is mapped read-only");
  const std::size_t n = size();
  if (offset > n || len > n - offset)
    throw_error(IPC_ERANGE, "range [" + std::to_string(offset) + ", +" + std::to_string(len) +
                                  ") outside segment of " + std::to_string(n) + " bytes");
  return static_cast<std::byte *>(data()) + offset;
}

void shared_memory::write(std::size_t offset, const void *src, std::size_t len) {
  std::byte *p = checked_range(offset, len, true);
  if (len) std::memcpy(p, src, len);
}

void shared_memory::read(std::size_t offset, void *dst, std::size_t len) const {
  const std::byte *p = checked_range(offset, len, false);
  if (len) std::memcpy(dst, p, len);
}

void shared_memory::remove(shm_kind kind, std::string_view name_in) {
  validate_name(kind, name_in);
  const std::string name(name_in);
  switch (kind) {
    case shm_kind::posix: {
      std::string path = "/" + name;
      if (::shm_unlink(path.c_str()) != 0) throw_errno(errno, "shm_unlink(" + quoted(path) + ")");
      break;
    }
    case shm_kind::file:
      if (::unlink(name.c_str()) != 0) throw_errno(errno, "unlink(" + quoted(name) + ")");
      break;
    case shm_kind::sysv: {
      int id = ::shmget(parse_sysv_key(name), 0, 0);
      if (id < 0) throw_errno(errno, "shmget(" + name + ")");
      if (::shmctl(id, IPC_RMID, nullptr) != 0) throw_errno(errno, "shmctl(IPC_RMID)");
      break;
    }
    case shm_kind::anon:
      throw_error(IPC_ENOTSUP, "anonymous segments have no name to remove");
  }
}

bool shared_memory::exists(shm_kind kind, std::string_view name_in) {
  validate_name(kind, name_in);
  const std::string name(name_in);
  struct stat st {};
  switch (kind) {
    case shm_kind::posix: {
      std::string path = "/" + name;
      int fd = ::shm_open(path.c_str(), O_RDONLY, 0);
      if (fd >= 0) {
        ::close(fd);
        return true;
      }
      if (errno == ENOENT) return false;
      if (errno == EACCES) return true;  // it is there, just not ours to read
      throw_errno(errno, "shm_open(" + quoted(path) + ")");
    }
    case shm_kind::file:
      if (::stat(name.c_str(), &st) == 0) return true;
      if (errno == ENOENT || errno == ENOTDIR) return false;
      throw_errno(errno, "stat(" + quoted(name) + ")");
    case shm_kind::sysv:
      if (::shmget(parse_sysv_key(name), 0, 0) >= 0) return true;
      if (errno == ENOENT) return false;
      if (errno == EACCES) return true;
      throw_errno(errno, "shmget(" + name + ")");
    case shm_kind::anon:
      return false;
  }
  return false;
}

}  // namespace ipc
