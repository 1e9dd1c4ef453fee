// libipc C++ core — named message queues (see mq.hpp).
//
// Layout of the backing segment "/ipc-mq.<name>":
//   mq_layout (header, robust mutex, queue state, journal, futex words)
//   capacity slots of `stride` bytes: {u32 next, u32 len, u32 prio, u32 pad, data}
// Queue state (all u32, changed only under the mutex and only through jset()):
//   count; free_head (singly linked free list through slot.next); bitmap of
//   non-empty priorities; head[p]/tail[p] FIFO lists per priority.
//
// Crash recovery: jset() appends (offset, old value) to the journal before each
// store. A completed operation clears the journal with one store. A process
// that gets EOWNERDEAD from the robust mutex undoes the journal in reverse
// order — so a send or receive cut off at any instruction either happened
// entirely or not at all — then checks the invariants before trusting the
// queue again (IPC_ECORRUPT if they fail).
#include <ipc/mq.hpp>

#include "detail/futex.hpp"
#include "detail/named_object.hpp"
#include "detail/test_hooks.hpp"
#include "detail/watcher.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <pthread.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace ipc {

int detail::mq_crash_after_store = 0;

namespace {

using detail::clock;

constexpr std::uint32_t kMagic = 0x51434D49u;  // "IMCQ"
constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kNil = 0xFFFFFFFFu;
constexpr unsigned kPrios = message_queue::max_priority + 1;
constexpr unsigned kJournalMax = 8;
constexpr auto kRecheck = std::chrono::milliseconds(100);

struct journal_entry {
  std::uint32_t offset;
  std::uint32_t old;
};

struct mq_layout {
  detail::object_header header;
  std::uint32_t capacity;
  std::uint32_t max_msg;
  std::uint32_t stride;
  std::uint32_t slots_offset;
  alignas(64) pthread_mutex_t lock;
  // -- queue state: only under `lock`, only via jset() --
  alignas(64) std::uint32_t count;
  std::uint32_t free_head;
  std::uint32_t bitmap;
  std::uint32_t corrupt;  // set when recovery found the invariants broken
  std::uint32_t recoveries;  // how many dead owners' operations were rolled back
  std::uint32_t head[kPrios];
  std::uint32_t tail[kPrios];
  std::uint32_t journal_n;
  journal_entry journal[kJournalMax];
  // -- futex words, outside the lock --
  alignas(64) std::uint32_t not_empty_seq;
  std::uint32_t recv_waiters;  // sleepers (a hint; a killed sleeper leaves it high)
  alignas(64) std::uint32_t not_full_seq;
  std::uint32_t send_waiters;
};

struct slot_header {
  std::uint32_t next;
  std::uint32_t len;
  std::uint32_t prio;
  std::uint32_t pad;
};

template <class T> T aload(const T *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
template <class T> void astore(T *p, T v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

std::size_t layout_size(std::size_t capacity, std::size_t max_msg, std::uint32_t *stride) {
  std::size_t st = (sizeof(slot_header) + max_msg + 15) & ~std::size_t{15};
  if (stride) *stride = static_cast<std::uint32_t>(st);
  std::size_t slots = (sizeof(mq_layout) + 63) & ~std::size_t{63};
  return slots + capacity * st;
}

}  // namespace

struct message_queue::impl {
  shared_memory shm;
  mq_layout *q;
  unsigned char *base;
  std::uint32_t spin_ns = 20000;
  detail::notifier notes;  // after shm: its watcher stops before the mapping goes
  std::atomic<bool> closed{false};

  std::string user_name;  // the name the user gave (shm.name() is the backing segment's)

  explicit impl(shared_memory m)
      : shm(std::move(m)), q(static_cast<mq_layout *>(shm.data())),
        base(static_cast<unsigned char *>(shm.data())) {}

  slot_header *slot(std::uint32_t i) const {
    return reinterpret_cast<slot_header *>(base + q->slots_offset + std::size_t{i} * q->stride);
  }
  unsigned char *payload(std::uint32_t i) const {
    return reinterpret_cast<unsigned char *>(slot(i)) + sizeof(slot_header);
  }

  // -- the journal --
  void jset(std::uint32_t *field, std::uint32_t value) {
    const auto off = static_cast<std::uint32_t>(reinterpret_cast<unsigned char *>(field) - base);
    const std::uint32_t n = q->journal_n;
    q->journal[n] = {off, *field};
    std::atomic_signal_fence(std::memory_order_seq_cst);  // the entry before the count
    astore(&q->journal_n, n + 1);
    std::atomic_signal_fence(std::memory_order_seq_cst);  // the count before the change
    astore(field, value);
    if (detail::mq_crash_after_store > 0 && --detail::mq_crash_after_store == 0) ::_exit(86);
  }
  void commit() { astore(&q->journal_n, 0u); }
  void undo() {
    std::uint32_t n = q->journal_n;
    if (n > kJournalMax) n = kJournalMax;
    while (n > 0) {
      --n;
      const journal_entry e = q->journal[n];
      if (e.offset + sizeof(std::uint32_t) <= shm.size())
        astore(reinterpret_cast<std::uint32_t *>(base + e.offset), e.old);
    }
    commit();
  }
  // After undo: the free list and the priority lists must partition the slots.
  bool consistent() const {
    const std::uint32_t cap = q->capacity;
    std::vector<unsigned char> seen(cap, 0);
    std::uint32_t queued = 0, free_n = 0;
    for (unsigned p = 0; p < kPrios; ++p) {
      bool nonempty = q->head[p] != kNil;
      if (nonempty != bool(q->bitmap >> p & 1)) return false;
      std::uint32_t last = kNil;
      for (std::uint32_t i = q->head[p]; i != kNil; i = slot(i)->next) {
        if (i >= cap || seen[i]++ || ++queued > cap) return false;
        last = i;
      }
      if (last != q->tail[p]) return false;
    }
    for (std::uint32_t i = q->free_head; i != kNil; i = slot(i)->next) {
      if (i >= cap || seen[i]++ || ++free_n > cap) return false;
    }
    return queued == q->count && queued + free_n == cap;
  }

  // -- the robust mutex --
  void lock() {
    int rc = pthread_mutex_lock(&q->lock);
    if (rc == EOWNERDEAD) {
      // The previous owner died inside a critical section: roll its change back.
      undo();
      if (!consistent()) astore(&q->corrupt, 1u);
      astore(&q->recoveries, q->recoveries + 1);
      pthread_mutex_consistent(&q->lock);
    } else if (rc != 0) {
      throw_errno(rc, "pthread_mutex_lock(queue \"" + user_name + "\")");
    }
    if (q->corrupt) {
      pthread_mutex_unlock(&q->lock);
      throw_error(IPC_ECORRUPT, "queue \"" + user_name + "\" failed its consistency check");
    }
  }
  void unlock() { pthread_mutex_unlock(&q->lock); }

  // -- the operations, under the lock --
  void enqueue(const void *data, std::size_t len, unsigned prio) {
    const std::uint32_t s = q->free_head;
    slot_header *sh = slot(s);
    jset(&q->free_head, sh->next);
    if (len) std::memcpy(payload(s), data, len);  // a free slot: no undo needed
    sh->len = static_cast<std::uint32_t>(len);
    sh->prio = prio;
    jset(&sh->next, kNil);
    if (q->tail[prio] == kNil) {
      jset(&q->head[prio], s);
      jset(&q->bitmap, q->bitmap | (1u << prio));
    } else {
      jset(&slot(q->tail[prio])->next, s);
    }
    jset(&q->tail[prio], s);
    jset(&q->count, q->count + 1);
    commit();
  }
  std::uint32_t front() const {  // highest non-empty priority's oldest slot
    const unsigned p = 31u - static_cast<unsigned>(__builtin_clz(q->bitmap));
    return q->head[p];
  }
  void dequeue(std::uint32_t s) {
    slot_header *sh = slot(s);
    const unsigned p = sh->prio;
    const std::uint32_t nx = sh->next;
    jset(&q->head[p], nx);
    if (nx == kNil) {
      jset(&q->tail[p], kNil);
      jset(&q->bitmap, q->bitmap & ~(1u << p));
    }
    jset(&sh->next, q->free_head);
    jset(&q->free_head, s);
    jset(&q->count, q->count - 1);
    commit();
  }

  detail::watcher::ops watch_ops();

  // The sleep/wake handshake (Dekker): a sleeper announces itself in
  // `waiters`, then re-checks its condition; a waker changes the condition
  // (count, under the lock), then looks at `waiters`. With a full fence between
  // each side's write and read, at least one sees the other, so a wake-up is
  // never lost — and when nobody sleeps, a send or receive costs no shared
  // write beyond the queue itself and no syscall.
  void wake(std::uint32_t *seq, std::uint32_t *waiters, int count = 1) {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(waiters, __ATOMIC_RELAXED) == 0) return;
    __atomic_fetch_add(seq, 1, __ATOMIC_SEQ_CST);
    detail::futex_wake(seq, count);
  }
  template <class Ready>
  void sleep(std::uint32_t *seq, std::uint32_t *waiters, Ready ready, clock::time_point until) {
    __atomic_fetch_add(waiters, 1, __ATOMIC_SEQ_CST);
    const std::uint32_t seen = __atomic_load_n(seq, __ATOMIC_SEQ_CST);
    if (!ready()) detail::futex_wait(seq, seen, until);
    __atomic_fetch_sub(waiters, 1, __ATOMIC_SEQ_CST);
  }

  // Runs `attempt` (under the lock) until it returns something other than
  // IPC_EAGAIN: spinning on `ready` first, then sleeping on `seq`.
  template <class Ready, class Attempt>
  errc retry(std::int64_t timeout_ms, std::uint32_t *seq, std::uint32_t *waiters, Ready ready,
             Attempt attempt) {
    if (closed) return IPC_ECLOSED;
    errc rc = attempt();
    if (rc != IPC_EAGAIN || timeout_ms == 0) return rc;
    const auto start = clock::now();
    const auto deadline = timeout_ms < 0 ? clock::time_point::max()
                                         : start + std::chrono::milliseconds(timeout_ms);
    const auto spin_end = start + std::chrono::nanoseconds(spin_ns);
    for (unsigned i = 1; clock::now() < spin_end; ++i) {
      if (ready() && (rc = attempt()) != IPC_EAGAIN) return rc;
      // A few pauses, then yield on every turn: when the peer shares this core
      // it can only run once we yield; on another core a yield costs ~0.3 µs.
      if (i < 16) detail::cpu_relax();
      else std::this_thread::yield();
    }
    for (;;) {
      if (closed) return IPC_ECLOSED;
      auto now = clock::now();
      if (now >= deadline) return IPC_ETIMEDOUT;
      sleep(seq, waiters, ready, std::min(deadline, now + kRecheck));
      if ((rc = attempt()) != IPC_EAGAIN) return rc;
    }
  }
};

message_queue::message_queue(std::string_view name, open_mode mode, std::size_t capacity,
                             std::size_t max_msg_size, unsigned perm) {
  std::size_t size = 0;
  std::uint32_t stride = 0;
  if (mode != open_mode::open_only) {
    if (capacity == 0 || capacity > max_capacity)
      throw_error(IPC_EINVAL, "capacity must be 1.." + std::to_string(max_capacity));
    if (max_msg_size == 0 || max_msg_size > max_message_size)
      throw_error(IPC_EINVAL, "max message size must be 1.." + std::to_string(max_message_size));
    size = layout_size(capacity, max_msg_size, &stride);
    if (size > 0xFFFFFFF0u) throw_error(IPC_ERANGE, "queue would exceed 4 GiB");
  }
  auto init = [&](void *p) {
    auto *q = static_cast<mq_layout *>(p);
    q->capacity = static_cast<std::uint32_t>(capacity);
    q->max_msg = static_cast<std::uint32_t>(max_msg_size);
    q->stride = stride;
    q->slots_offset = static_cast<std::uint32_t>((sizeof(mq_layout) + 63) & ~std::size_t{63});
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    int rc = pthread_mutex_init(&q->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    if (rc != 0) throw_errno(rc, "pthread_mutex_init");
    for (unsigned i = 0; i < kPrios; ++i) q->head[i] = q->tail[i] = kNil;
    auto *b = static_cast<unsigned char *>(p);
    for (std::uint32_t i = 0; i < capacity; ++i)
      reinterpret_cast<slot_header *>(b + q->slots_offset + std::size_t{i} * stride)->next =
          i + 1 < capacity ? i + 1 : kNil;
    q->free_head = 0;
  };
  shared_memory shm =
      detail::open_object("mq", name, mode, size, perm, kMagic, kVersion, init);
  auto *q = static_cast<const mq_layout *>(shm.data());
  if (shm.size() < sizeof(mq_layout) ||
      shm.size() < layout_size(q->capacity, q->max_msg, nullptr) || q->capacity == 0)
    throw_error(IPC_ECORRUPT, "queue segment is smaller than its layout");
  impl_ = std::make_unique<impl>(std::move(shm));
  impl_->user_name = std::string(name);
}

message_queue::message_queue(message_queue &&) noexcept = default;
message_queue &message_queue::operator=(message_queue &&) noexcept = default;
message_queue::~message_queue() = default;

errc message_queue::send(const void *data, std::size_t len, unsigned priority,
                         std::int64_t timeout_ms) {
  impl &m = *impl_;
  if (len > m.q->max_msg)
    throw_error(IPC_EMSGSIZE, "message of " + std::to_string(len) + " bytes exceeds the queue's " +
                                  std::to_string(m.q->max_msg));
  if (priority > max_priority) throw_error(IPC_EINVAL, "priority above 31");
  errc rc = m.retry(
      timeout_ms, &m.q->not_full_seq, &m.q->send_waiters,
      [&] { return __atomic_load_n(&m.q->count, __ATOMIC_SEQ_CST) < m.q->capacity; },
      [&] {
        // Full at a glance: no lock (and no contention with consumers) for a miss.
        if (__atomic_load_n(&m.q->count, __ATOMIC_ACQUIRE) >= m.q->capacity) return IPC_EAGAIN;
        m.lock();
        if (m.q->count >= m.q->capacity) {
          m.unlock();
          return IPC_EAGAIN;
        }
        m.enqueue(data, len, priority);
        m.unlock();
        return IPC_OK;
      });
  if (rc == IPC_OK) m.wake(&m.q->not_empty_seq, &m.q->recv_waiters);
  return rc;
}

errc message_queue::send_many(const void *buf, std::size_t len, std::size_t *out_sent,
                              std::int64_t timeout_ms) {
  impl &m = *impl_;
  const auto *in = static_cast<const unsigned char *>(buf);
  // Validate the whole batch first: nothing is sent from a malformed one.
  std::vector<std::size_t> offsets;
  for (std::size_t off = 0; off < len;) {
    if (len - off < 8) throw_error(IPC_EINVAL, "send_many: truncated message header");
    std::uint32_t hdr[2];
    std::memcpy(hdr, in + off, 8);
    const std::size_t need = 8 + ((hdr[0] + std::size_t{7}) & ~std::size_t{7});
    if (hdr[0] > m.q->max_msg)
      throw_error(IPC_EMSGSIZE, "send_many: a message of " + std::to_string(hdr[0]) +
                                    " bytes exceeds the queue's " + std::to_string(m.q->max_msg));
    if (hdr[1] > max_priority) throw_error(IPC_EINVAL, "send_many: priority above 31");
    if (need > len - off && 8 + std::size_t{hdr[0]} > len - off)
      throw_error(IPC_EINVAL, "send_many: a message runs past the end of the buffer");
    offsets.push_back(off);
    off += std::min(need, len - off);
  }
  std::size_t sent = 0;
  errc rc = IPC_OK;
  while (sent < offsets.size()) {
    rc = m.retry(
        timeout_ms, &m.q->not_full_seq, &m.q->send_waiters,
        [&] { return __atomic_load_n(&m.q->count, __ATOMIC_SEQ_CST) < m.q->capacity; },
        [&] {
          m.lock();
          if (m.q->count >= m.q->capacity) {
            m.unlock();
            return IPC_EAGAIN;
          }
          while (sent < offsets.size() && m.q->count < m.q->capacity) {
            std::uint32_t hdr[2];
            std::memcpy(hdr, in + offsets[sent], 8);
            m.enqueue(in + offsets[sent] + 8, hdr[0], hdr[1]);
            ++sent;
          }
          m.unlock();
          return IPC_OK;
        });
    if (rc != IPC_OK) break;
    m.wake(&m.q->not_empty_seq, &m.q->recv_waiters, static_cast<int>(sent));
  }
  if (out_sent) *out_sent = sent;
  return rc;
}

errc message_queue::receive(void *buf, std::size_t cap, std::size_t *out_len,
                            unsigned *out_priority, std::int64_t timeout_ms) {
  impl &m = *impl_;
  errc rc = m.retry(
      timeout_ms, &m.q->not_empty_seq, &m.q->recv_waiters,
      [&] { return __atomic_load_n(&m.q->count, __ATOMIC_SEQ_CST) > 0; },
      [&] {
        // Empty at a glance: no lock (and no contention with producers) for a miss.
        if (__atomic_load_n(&m.q->count, __ATOMIC_ACQUIRE) == 0) return IPC_EAGAIN;
        m.lock();
        if (m.q->count == 0) {
          m.unlock();
          return IPC_EAGAIN;
        }
        const std::uint32_t s = m.front();
        const slot_header *sh = m.slot(s);
        if (out_len) *out_len = sh->len;
        if (out_priority) *out_priority = sh->prio;
        if (sh->len > cap) {
          m.unlock();
          return IPC_EMSGSIZE;
        }
        // Copied before the dequeue commits: a receiver killed after the commit
        // holds the message in its buffer; killed before, it stays queued.
        if (sh->len) std::memcpy(buf, m.payload(s), sh->len);
        m.dequeue(s);
        m.unlock();
        return IPC_OK;
      });
  if (rc == IPC_OK) m.wake(&m.q->not_full_seq, &m.q->send_waiters);
  return rc;
}

errc message_queue::receive_many(void *buf, std::size_t cap, std::size_t max_count,
                                 std::size_t *out_count, std::size_t *out_bytes,
                                 std::int64_t timeout_ms) {
  impl &m = *impl_;
  auto *out = static_cast<unsigned char *>(buf);
  std::size_t n = 0, used = 0;
  errc rc = m.retry(
      timeout_ms, &m.q->not_empty_seq, &m.q->recv_waiters,
      [&] { return __atomic_load_n(&m.q->count, __ATOMIC_SEQ_CST) > 0; },
      [&] {
        if (__atomic_load_n(&m.q->count, __ATOMIC_ACQUIRE) == 0) return IPC_EAGAIN;
        m.lock();
        if (m.q->count == 0) {
          m.unlock();
          return IPC_EAGAIN;
        }
        while (n < max_count && m.q->count > 0) {
          const std::uint32_t s = m.front();
          const slot_header *sh = m.slot(s);
          const std::size_t need = 8 + ((sh->len + std::size_t{7}) & ~std::size_t{7});
          if (used + need > cap) {
            if (n == 0) {
              if (out_bytes) *out_bytes = need;
              m.unlock();
              return IPC_EMSGSIZE;
            }
            break;
          }
          const std::uint32_t hdr[2] = {sh->len, sh->prio};
          std::memcpy(out + used, hdr, 8);
          if (sh->len) std::memcpy(out + used + 8, m.payload(s), sh->len);
          used += need;
          ++n;
          m.dequeue(s);
        }
        m.unlock();
        return IPC_OK;
      });
  if (out_count) *out_count = n;
  if (rc == IPC_OK) {
    if (out_bytes) *out_bytes = used;
    m.wake(&m.q->not_full_seq, &m.q->send_waiters, static_cast<int>(n));
  }
  return rc;
}

std::size_t message_queue::count() const { return aload(&impl_->q->count); }
std::uint64_t message_queue::recoveries() const { return aload(&impl_->q->recoveries); }
std::size_t message_queue::capacity() const { return impl_->q->capacity; }
std::size_t message_queue::max_msg_size() const { return impl_->q->max_msg; }
const std::string &message_queue::name() const noexcept { return impl_->user_name; }
void message_queue::set_spin(std::uint32_t ns) noexcept { impl_->spin_ns = ns; }

detail::watcher::ops message_queue::impl::watch_ops() {
  detail::watcher::ops o;
  auto has_message = [this] { return __atomic_load_n(&q->count, __ATOMIC_SEQ_CST) > 0; };
  o.ready = has_message;
  o.wait = [this, has_message](clock::time_point until) {
    sleep(&q->not_empty_seq, &q->recv_waiters, has_message, until);
  };
  o.wake = [this] { detail::futex_wake(&q->not_empty_seq, 1 << 30); };
  return o;
}

void message_queue::notify(std::function<void()> fn) {
  impl_->notes.set(impl_->watch_ops(), std::move(fn));
}
void message_queue::notify_arm() { impl_->notes.arm(); }
int message_queue::notify_fd() { return impl_->notes.fd(impl_->watch_ops()); }

void message_queue::interrupt() noexcept {
  impl_->closed = true;
  detail::futex_wake(&impl_->q->not_empty_seq, 1 << 30);  // others re-check and sleep again
  detail::futex_wake(&impl_->q->not_full_seq, 1 << 30);
}

void message_queue::remove(std::string_view name) { detail::remove_object("mq", name, "queue"); }
bool message_queue::exists(std::string_view name) { return detail::object_exists("mq", name); }

}  // namespace ipc
