// libipc C++ core — shared memory segments.
#pragma once

#include <ipc/error.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ipc {

enum class shm_kind { posix = 0, file = 1, sysv = 2, anon = 3 };
enum class open_mode { create_only = 0, open_only = 1, open_or_create = 2 };

struct shm_options {
  bool read_only = false;
  unsigned perm = 0600;  // for a segment this call creates; umask not applied
};

// A mapped shared-memory segment (see <ipc/shm.h> for kinds, names, sizes and
// lifetime rules, which this class implements). Move-only; unmaps on
// destruction and flushes a file-backed mapping. Boost.Interprocess does the OS
// work and stays out of this header.
//
// Thread safety: distinct objects: safe. Shared objects: const members safe;
// moves, flush and destruction need external synchronisation.
class shared_memory {
public:
  shared_memory(shm_kind kind, std::string_view name, open_mode mode, std::size_t size,
                const shm_options &opts = {});
  shared_memory(shared_memory &&) noexcept;
  shared_memory &operator=(shared_memory &&) noexcept;
  ~shared_memory();

  void *data() const noexcept;
  std::size_t size() const noexcept;
  shm_kind kind() const noexcept;
  bool read_only() const noexcept;
  const std::string &name() const noexcept;

  void flush();  // msync for file-backed mappings; no-op otherwise

  // Checked access (throws IPC_ERANGE / IPC_EREADONLY).
  void write(std::size_t offset, const void *src, std::size_t len);
  void read(std::size_t offset, void *dst, std::size_t len) const;
  // Throws unless [offset, offset+len) lies inside the segment (and, if
  // for_write, the handle is writable). Returns data()+offset.
  std::byte *checked_range(std::size_t offset, std::size_t len, bool for_write) const;

  static void remove(shm_kind kind, std::string_view name);
  static bool exists(shm_kind kind, std::string_view name);
  // Throws IPC_EBADNAME / ENAMETOOLONG if `name` is not valid for `kind`.
  static void validate_name(shm_kind kind, std::string_view name);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ipc
