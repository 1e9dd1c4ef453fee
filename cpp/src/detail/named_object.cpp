// libipc core — named, self-initialising shared objects (see named_object.hpp).
#include "named_object.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <thread>
#include <unistd.h>

namespace ipc::detail {
namespace {

constexpr auto kPatience = std::chrono::seconds(2);

template <class T> T aload(const T *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

bool process_alive(std::uint32_t pid) {
  if (pid == 0) return true;  // not yet recorded: the initialiser is mid-CAS
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

}  // namespace

std::string backing_name(std::string_view area, std::string_view name) {
  return "ipc-" + std::string(area) + "." + std::string(name);
}

void validate_object_name(std::string_view name) {
  shared_memory::validate_name(shm_kind::posix, name);
  if (name.size() > kObjectNameMax)
    throw_error(IPC_ENAMETOOLONG, "name longer than " + std::to_string(kObjectNameMax) + " bytes");
}

shared_memory open_object(std::string_view area, std::string_view name, open_mode mode,
                          std::size_t size, unsigned perm, std::uint32_t magic,
                          std::uint32_t version, const std::function<void(void *)> &init) {
  validate_object_name(name);
  const std::string backing = backing_name(area, name);
  const auto give_up = std::chrono::steady_clock::now() + kPatience;
  shm_options opts;
  opts.perm = perm;

  // 1. Map the segment. open_only may meet a segment whose creator has not set
  //    its size yet (IPC_EAGAIN): wait for it, boundedly.
  // open_or_create is create_only, then open_only (size 0: whatever exists),
  // so an existing object is mapped whole whatever sizes this caller passed.
  shared_memory shm = [&] {
    open_mode m = mode == open_mode::open_or_create ? open_mode::create_only : mode;
    for (;;) {
      try {
        return shared_memory(shm_kind::posix, backing, m, m == open_mode::open_only ? 0 : size,
                             opts);
      } catch (const error &e) {
        if (e.code() == IPC_EEXIST && mode == open_mode::open_or_create) {
          m = open_mode::open_only;
          continue;
        }
        if (e.code() == IPC_ENOENT && mode == open_mode::open_or_create &&
            m == open_mode::open_only) {
          m = open_mode::create_only;  // removed between the two tries: create it
          continue;
        }
        if (e.code() == IPC_ENOENT)
          throw_error(IPC_ENOENT, "no " + std::string(area) + " named \"" + std::string(name) + "\"");
        if (e.code() == IPC_EEXIST)
          throw_error(IPC_EEXIST, std::string(area) + " \"" + std::string(name) + "\" already exists");
        if (e.code() != IPC_EAGAIN || std::chrono::steady_clock::now() > give_up) throw;
      }
      std::this_thread::yield();
    }
  }();
  if (shm.size() < sizeof(object_header))
    throw_error(IPC_ECORRUPT, "\"" + backing + "\" is too small to be a libipc " + std::string(area));
  auto *h = static_cast<object_header *>(shm.data());

  // 2. Make sure exactly one process initialises it.
  for (unsigned spins = 0;; ++spins) {
    std::uint32_t st = aload(&h->state);
    if (st == 2) break;
    bool take = false;
    if (st == 0 && mode != open_mode::open_only) {
      std::uint32_t expect = 0;
      take = __atomic_compare_exchange_n(&h->state, &expect, 1, false, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE);
    } else if (st == 1 && mode != open_mode::open_only) {
      std::uint32_t pid = aload(&h->init_pid);
      if (!process_alive(pid)) {  // the initialiser died: take over from it
        take = __atomic_compare_exchange_n(&h->init_pid, &pid, static_cast<std::uint32_t>(::getpid()),
                                           false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
      }
    }
    if (take) {
      __atomic_store_n(&h->init_pid, static_cast<std::uint32_t>(::getpid()), __ATOMIC_RELEASE);
      if (shm.size() < size)
        throw_error(IPC_ECORRUPT, "\"" + backing + "\" is smaller than its layout");
      init(shm.data());
      h->magic = magic;
      h->version = version;
      __atomic_store_n(&h->state, 2u, __ATOMIC_RELEASE);
      break;
    }
    if (std::chrono::steady_clock::now() > give_up)
      throw_error(IPC_EAGAIN, std::string(area) + " \"" + std::string(name) +
                                  "\" is still being initialised by another process");
    if (spins > 64) std::this_thread::sleep_for(std::chrono::microseconds(100));
    else std::this_thread::yield();
  }
  if (h->magic != magic || h->version != version)
    throw_error(IPC_ECORRUPT, "\"" + backing + "\" is not a libipc " + std::string(area) +
                                  " of this layout version");
  return shm;
}

void remove_object(std::string_view area, std::string_view name, const char *what) {
  validate_object_name(name);
  try {
    shared_memory::remove(shm_kind::posix, backing_name(area, name));
  } catch (const error &e) {
    if (e.code() == IPC_ENOENT)
      throw_error(IPC_ENOENT, std::string("no ") + what + " named \"" + std::string(name) + "\"");
    throw;
  }
}

bool object_exists(std::string_view area, std::string_view name) {
  validate_object_name(name);
  return shared_memory::exists(shm_kind::posix, backing_name(area, name));
}

}  // namespace ipc::detail
