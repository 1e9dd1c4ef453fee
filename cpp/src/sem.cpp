// libipc C++ core — named counting semaphores (see sem.hpp).
#include <ipc/sem.hpp>

#include "detail/futex.hpp"
#include "detail/named_object.hpp"
#include "detail/watcher.hpp"

#include <atomic>
#include <thread>

namespace ipc {
namespace {

using detail::clock;

constexpr std::uint32_t kMagic = 0x4D455349u;  // "ISEM"
constexpr std::uint32_t kVersion = 1;
// A waiter woken for us but killed before it took its unit would otherwise
// strand the unit: sleeps are capped and the count re-checked.
constexpr auto kRecheck = std::chrono::milliseconds(100);

struct sem_layout {
  detail::object_header header;
  alignas(64) std::uint32_t value;  // the futex word
  std::uint32_t waiters;            // sleepers (a hint: a killed sleeper leaves it high)
};

template <class T> T aload(const T *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

}  // namespace

struct semaphore::impl {
  shared_memory shm;
  sem_layout *s;
  std::uint32_t spin_ns = 20000;
  detail::notifier notes;  // after shm: its watcher stops before the mapping goes
  std::atomic<bool> closed{false};

  std::string user_name;  // the name the user gave (shm.name() is the backing segment's)

  explicit impl(shared_memory m) : shm(std::move(m)), s(static_cast<sem_layout *>(shm.data())) {}

  bool try_take() {
    std::uint32_t v = aload(&s->value);
    while (v > 0) {
      if (__atomic_compare_exchange_n(&s->value, &v, v - 1, true, __ATOMIC_ACQ_REL,
                                      __ATOMIC_ACQUIRE))
        return true;
    }
    return false;
  }

  detail::watcher::ops watch_ops();

  // Sleeps until the count may have changed or `until`.
  void sleep(clock::time_point until) {
    __atomic_fetch_add(&s->waiters, 1, __ATOMIC_SEQ_CST);
    if (aload(&s->value) == 0) detail::futex_wait(&s->value, 0, until);
    __atomic_fetch_sub(&s->waiters, 1, __ATOMIC_SEQ_CST);
  }
};

semaphore::semaphore(std::string_view name, open_mode mode, std::uint32_t initial, unsigned perm) {
  if (initial > max_value) throw_error(IPC_ERANGE, "initial value above the maximum");
  shared_memory shm = detail::open_object("sem", name, mode, sizeof(sem_layout), perm, kMagic,
                                          kVersion, [initial](void *p) {
                                            static_cast<sem_layout *>(p)->value = initial;
                                          });
  if (shm.size() < sizeof(sem_layout)) throw_error(IPC_ECORRUPT, "semaphore segment too small");
  impl_ = std::make_unique<impl>(std::move(shm));
  impl_->user_name = std::string(name);
}

semaphore::semaphore(semaphore &&) noexcept = default;
semaphore &semaphore::operator=(semaphore &&) noexcept = default;
semaphore::~semaphore() = default;

void semaphore::post() {
  sem_layout *s = impl_->s;
  std::uint32_t v = aload(&s->value);
  do {
    if (v >= max_value) throw_error(IPC_ERANGE, "semaphore value would exceed its maximum");
  } while (!__atomic_compare_exchange_n(&s->value, &v, v + 1, true, __ATOMIC_SEQ_CST,
                                        __ATOMIC_ACQUIRE));
  if (__atomic_load_n(&s->waiters, __ATOMIC_SEQ_CST) > 0) detail::futex_wake(&s->value, 1);
}

bool semaphore::try_wait() { return impl_->try_take(); }

errc semaphore::wait(std::int64_t timeout_ms) {
  if (impl_->closed) return IPC_ECLOSED;
  if (impl_->try_take()) return IPC_OK;
  if (timeout_ms == 0) return IPC_EAGAIN;
  const auto start = clock::now();
  const auto deadline = timeout_ms < 0 ? clock::time_point::max()
                                       : start + std::chrono::milliseconds(timeout_ms);
  // Spin: a post from a peer on another core usually lands within
  // microseconds, far sooner than a futex wake-up would.
  const auto spin_end = start + std::chrono::nanoseconds(impl_->spin_ns);
  for (unsigned i = 1; clock::now() < spin_end; ++i) {
    if (aload(&impl_->s->value) > 0 && impl_->try_take()) return IPC_OK;
    // A few pauses, then yield on every turn: a peer sharing this core can only
    // post once we yield; on another core a yield costs ~0.3 µs.
    if (i < 16) detail::cpu_relax();
    else std::this_thread::yield();
  }
  for (;;) {
    if (impl_->try_take()) return IPC_OK;
    if (impl_->closed) return IPC_ECLOSED;
    auto now = clock::now();
    if (now >= deadline) return IPC_ETIMEDOUT;
    impl_->sleep(std::min(deadline, now + kRecheck));
  }
}

std::uint32_t semaphore::value() const { return aload(&impl_->s->value); }
const std::string &semaphore::name() const noexcept { return impl_->user_name; }
void semaphore::set_spin(std::uint32_t ns) noexcept { impl_->spin_ns = ns; }

detail::watcher::ops semaphore::impl::watch_ops() {
  detail::watcher::ops o;
  o.ready = [this] { return aload(&s->value) > 0; };
  o.wait = [this](clock::time_point until) { sleep(until); };
  o.wake = [this] { detail::futex_wake(&s->value, 1 << 30); };
  return o;
}

void semaphore::notify(std::function<void()> fn) { impl_->notes.set(impl_->watch_ops(), std::move(fn)); }
void semaphore::notify_arm() { impl_->notes.arm(); }
int semaphore::notify_fd() { return impl_->notes.fd(impl_->watch_ops()); }

void semaphore::interrupt() noexcept {
  impl_->closed = true;
  detail::futex_wake(&impl_->s->value, 1 << 30);  // others re-check and sleep again
}

void semaphore::remove(std::string_view name) { detail::remove_object("sem", name, "semaphore"); }
bool semaphore::exists(std::string_view name) { return detail::object_exists("sem", name); }

}  // namespace ipc
