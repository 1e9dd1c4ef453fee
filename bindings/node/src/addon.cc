// libipc Node binding — the native addon.
//
// Node-API (node-addon-api, NAPI_VERSION 8) over the C ABI <ipc/ipc.h> only: no
// V8 types, no libipc C++ headers. One build loads in every Node major that has
// Node-API 8 (checked on 20, 22 and 24).
//
// WORKERS. The addon is context-aware: each environment (the main thread and
// every worker_thread) that loads it gets its own PerEnv (napi_set_instance_data)
// holding its JS values (the Shm constructor, the error class). No static holds
// a JS value. The only process-wide state is the atomic count of live mappings
// (a number, for tests).
//
// LIFETIME OF A MAPPING. A Mapping owns one ipc_shm_t. It is reference-counted:
// one reference for the open Shm object, one for each zero-copy Buffer over it.
// Shm.close() drops the first; each Buffer's finalizer drops its own. The last
// release calls ipc_shm_close, which unmaps. So a Buffer stays valid after
// close() for as long as JS can reach it, and the segment is unmapped as soon as
// neither the handle nor any view needs it.
//
// SEMAPHORES AND QUEUES never block the event loop. Each open Semaphore /
// MessageQueue is a Waitable (below): the C ABI's readiness callback
// (ipc_*_notify, on a libipc thread) posts to a Napi ThreadSafeFunction, and
// the JS layer then takes units / drains messages with non-blocking calls
// (ipc_mq_receive_many for batches) and re-arms (ipc_*_notify_arm). A send
// that has to wait for room (no readiness signal exists for "not full") runs
// on the queue's own sender thread, never on libuv's threadpool.
#include "common.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

namespace {

using namespace ipc_node;

std::atomic<long> g_live_mappings{0};

class Mapping {
 public:
  Mapping(ipc_shm_t *h, uint8_t *addr, size_t size) : h_(h), addr_(addr), size_(size) {
    g_live_mappings.fetch_add(1, std::memory_order_relaxed);
  }
  Mapping(const Mapping &) = delete;
  Mapping &operator=(const Mapping &) = delete;

  void Retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Drops one reference; the last one closes the handle (unmapping the segment)
  // and returns ipc_shm_close's code. Any thread.
  int Release() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return IPC_OK;
    const int rc = ipc_shm_close(h_);
    delete this;
    return rc;
  }

  ipc_shm_t *handle() const { return h_; }
  uint8_t *addr() const { return addr_; }
  size_t size() const { return size_; }

 private:
  ~Mapping() { g_live_mappings.fetch_sub(1, std::memory_order_relaxed); }

  ipc_shm_t *h_;
  uint8_t *addr_;
  size_t size_;
  std::atomic<long> refs_{1};
};


// ---- Shm: one open handle --------------------------------------------------

class Shm : public Napi::ObjectWrap<Shm> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Shm",
                       {
                           InstanceMethod<&Shm::Close>("close"),
                           InstanceMethod<&Shm::Flush>("flush"),
                           InstanceMethod<&Shm::Info>("info"),
                           InstanceMethod<&Shm::View>("view"),
                           InstanceMethod<&Shm::Read>("read"),
                           InstanceMethod<&Shm::Write>("write"),
                           InstanceMethod<&Shm::ReadString>("readString"),
                           InstanceMethod<&Shm::WriteString>("writeString"),
                           InstanceMethod<&Shm::ReadF32>("readF32"),
                           InstanceMethod<&Shm::WriteF32>("writeF32"),
                           InstanceMethod<&Shm::ReadF64>("readF64"),
                           InstanceMethod<&Shm::WriteF64>("writeF64"),
                           InstanceMethod<&Shm::StreamWrite>("streamWrite"),
                           InstanceMethod<&Shm::StreamRead>("streamRead"),
                           InstanceMethod<&Shm::StreamVersion>("streamVersion"),
                           InstanceMethod<&Shm::StreamCapacity>("streamCapacity"),
                       });
  }

  // Only openShm() constructs one, passing the new Mapping as an External.
  explicit Shm(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Shm>(info) {
    if (info.Length() != 1 || !info[0].IsExternal())
      throw Napi::TypeError::New(info.Env(), "Shm cannot be constructed directly");
    mapping_ = info[0].As<Napi::External<Mapping>>().Data();
  }

  // Garbage collected (or environment teardown) without close(): drop the
  // handle's reference; views still alive keep the mapping.
  ~Shm() override {
    if (mapping_) mapping_->Release();
  }

 private:
  Mapping &M(Napi::Env env) {
    if (!mapping_) Throw(env, IPC_EBADHANDLE, "SharedMemory is closed");
    return *mapping_;
  }
  ipc_shm_t *H(Napi::Env env) { return M(env).handle(); }

  // close(): flushes a file mapping (reporting a failure), then drops the
  // handle's reference. Idempotent.
  Napi::Value Close(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    if (!mapping_) return env.Undefined();
    Mapping *m = std::exchange(mapping_, nullptr);
    int rc = ipc_shm_flush(m->handle());
    std::string detail = rc ? ipc_last_error_message() : "";
    const int rc2 = m->Release();
    if (!rc && rc2) {
      rc = rc2;
      detail = ipc_last_error_message();
    }
    if (rc) Throw(env, rc, detail);
    return env.Undefined();
  }

  Napi::Value Flush(const Napi::CallbackInfo &info) {
    Check(info.Env(), ipc_shm_flush(H(info.Env())));
    return info.Env().Undefined();
  }

  // info() -> { size, kind, readOnly, name }
  Napi::Value Info(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ipc_shm_t *h = H(env);
    ipc_shm_kind_t kind;
    int ro = 0;
    size_t len = 0;
    Check(env, ipc_shm_kind(h, &kind));
    Check(env, ipc_shm_is_readonly(h, &ro));
    int rc = ipc_shm_name(h, nullptr, 0, &len);
    if (rc != IPC_OK && rc != IPC_EMSGSIZE) ThrowLast(env, rc);
    std::string name(len + 1, '\0');
    Check(env, ipc_shm_name(h, &name[0], name.size(), &len));
    name.resize(len);
    Napi::Object o = Napi::Object::New(env);
    o.Set("size", Napi::Number::New(env, static_cast<double>(M(env).size())));
    o.Set("kind", Napi::Number::New(env, static_cast<int>(kind)));
    o.Set("readOnly", Napi::Boolean::New(env, ro != 0));
    o.Set("name", Napi::String::New(env, name));
    return o;
  }

  static void FinalizeView(napi_env, void *, void *hint) {
    static_cast<Mapping *>(hint)->Release();
  }

  // view(forceCopy) -> [Buffer, zeroCopy]. A zero-copy Buffer over the whole
  // mapping that keeps it alive; where external buffers are forbidden
  // (Electron >= 21, or forceCopy for tests) a copy, and zeroCopy is false.
  Napi::Value View(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    Mapping &m = M(env);
    int ro = 0;
    Check(env, ipc_shm_is_readonly(m.handle(), &ro));
    if (ro)
      Throw(env, IPC_EREADONLY,
            "a Buffer over a read-only mapping would crash the process on the first write; "
            "use read(), readString() or readFloat32/64() (copies) instead");
    const bool force_copy = info.Length() > 0 && info[0].ToBoolean().Value();
    napi_value buf = nullptr;
    napi_status st = napi_generic_failure;
    if (!force_copy) {
      m.Retain();
      st = napi_create_external_buffer(env, m.size(), m.addr(), FinalizeView, &m, &buf);
      if (st != napi_ok) m.Release();  // not created: the finalizer will never run
    }
    bool zero_copy = st == napi_ok;
    if (!zero_copy) {
      // Forbidden (napi_no_external_buffers_allowed) or refused: copy. Clear a
      // pending exception a refused call may have left.
      bool pending = false;
      if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
        napi_value ignored;
        napi_get_and_clear_last_exception(env, &ignored);
      }
      NAPI_THROW_IF_FAILED(env, napi_create_buffer_copy(env, m.size(), m.addr(), nullptr, &buf),
                           Napi::Value());
    }
    Napi::Array out = Napi::Array::New(env, 2);
    out.Set(0u, Napi::Value(env, buf));
    out.Set(1u, Napi::Boolean::New(env, zero_copy));
    return out;
  }

  // read(offset, len) -> Buffer (a copy)
  Napi::Value Read(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ipc_shm_t *h = H(env);
    const size_t off = ToSize(info, 0, "offset"), len = ToSize(info, 1, "length");
    size_t size = M(env).size();
    if (off > size || len > size - off)
      Throw(env, IPC_ERANGE, "read of " + std::to_string(len) + " bytes at offset " +
                                 std::to_string(off) + " in a segment of " + std::to_string(size));
    Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, len);
    Check(env, ipc_shm_read(h, off, out.Data(), len));
    return out;
  }

  // write(offset, bytes)
  Napi::Value Write(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ipc_shm_t *h = H(env);
    const size_t off = ToSize(info, 0, "offset");
    Bytes b = ToBytes(info, 1, "data");
    Check(env, ipc_shm_write(h, off, b.data, b.len));
    return env.Undefined();
  }

  // writeString(offset, text, enc) -> bytes written (ipc_shm_write_string)
  Napi::Value WriteString(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ipc_shm_t *h = H(env);
    const size_t off = ToSize(info, 0, "offset");
    const std::string text = ToStr(info, 1, "text");
    const int enc = ToInt(info, 2, "encoding");
    size_t written = 0;
    Check(env, ipc_shm_write_string(h, off, text.data(), text.size(),
                                    static_cast<ipc_encoding_t>(enc), &written));
    return Napi::Number::New(env, static_cast<double>(written));
  }

  // readString(offset, len, enc) -> string (ipc_shm_read_string)
  Napi::Value ReadString(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ipc_shm_t *h = H(env);
    const size_t off = ToSize(info, 0, "offset"), len = ToSize(info, 1, "length");
    const int enc = ToInt(info, 2, "encoding");
    // First guess: the byte count (right for ASCII text, latin1 of ASCII, ...);
    // otherwise the C call reports the size needed and the second call fits.
    // The bytes may change between the calls (another process writing), so
    // grow a few times before giving up.
    size_t cap = len < std::numeric_limits<size_t>::max() - 16 ? len + 16 : len;
    std::string out;
    for (int attempt = 0; attempt < 4; ++attempt) {
      out.resize(cap);
      size_t n = 0;
      const int rc = ipc_shm_read_string(h, off, len, static_cast<ipc_encoding_t>(enc), &out[0],
                                         cap, &n);
      if (rc == IPC_EMSGSIZE) {
        cap = n + 1 + n / 8;
        continue;
      }
      Check(env, rc);
      return Napi::String::New(env, out.data(), n);
    }
    Throw(env, IPC_EAGAIN, "readString: the text kept growing while it was read");
  }

  template <class T, int (*Fn)(ipc_shm_t *, size_t, T *, size_t), class Array>
  Napi::Value ReadFloats(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ipc_shm_t *h = H(env);
    const size_t off = ToSize(info, 0, "offset"), count = ToSize(info, 1, "count");
    if (count > M(env).size() / sizeof(T)) Throw(env, IPC_ERANGE, "count exceeds the segment");
    Array a = Array::New(env, count);
    Check(env, Fn(h, off, a.Data(), count));
    return a;
  }
  Napi::Value ReadF32(const Napi::CallbackInfo &info) {
    return ReadFloats<float, ipc_shm_read_f32, Napi::Float32Array>(info);
  }
  Napi::Value ReadF64(const Napi::CallbackInfo &info) {
    return ReadFloats<double, ipc_shm_read_f64, Napi::Float64Array>(info);
  }

  template <class T, int (*Fn)(ipc_shm_t *, size_t, const T *, size_t), napi_typedarray_type Want>
  Napi::Value WriteFloats(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ipc_shm_t *h = H(env);
    const size_t off = ToSize(info, 0, "offset");
    if (info.Length() < 2 || !info[1].IsTypedArray() ||
        info[1].As<Napi::TypedArray>().TypedArrayType() != Want)
      throw Napi::TypeError::New(env, Want == napi_float32_array ? "values must be a Float32Array"
                                                                 : "values must be a Float64Array");
    napi_typedarray_type type;
    size_t count = 0;
    void *data = nullptr;
    NAPI_THROW_IF_FAILED(env, napi_get_typedarray_info(env, info[1], &type, &count, &data,
                                                       nullptr, nullptr),
                         Napi::Value());
    Check(env, Fn(h, off, static_cast<const T *>(data), count));
    return env.Undefined();
  }
  Napi::Value WriteF32(const Napi::CallbackInfo &info) {
    return WriteFloats<float, ipc_shm_write_f32, napi_float32_array>(info);
  }
  Napi::Value WriteF64(const Napi::CallbackInfo &info) {
    return WriteFloats<double, ipc_shm_write_f64, napi_float64_array>(info);
  }

  // streamWrite(type, bytes)
  Napi::Value StreamWrite(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ipc_shm_t *h = H(env);
    const int type = ToInt(info, 0, "type");
    Bytes b = ToBytes(info, 1, "data");
    Check(env, ipc_shm_stream_write(h, static_cast<ipc_stream_type_t>(type), b.data, b.len));
    return env.Undefined();
  }

  // streamRead() -> [type, ArrayBuffer (a copy), version]
  Napi::Value StreamRead(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ipc_shm_t *h = H(env);
    // Start small; IPC_EMSGSIZE tells the size of the current value. A writer
    // may publish a larger one between the calls: retry a few times.
    std::vector<uint8_t> buf(4096);
    for (int attempt = 0; attempt < 8; ++attempt) {
      ipc_stream_type_t type = IPC_STREAM_EMPTY;
      size_t len = 0;
      uint64_t version = 0;
      const int rc = ipc_shm_stream_read(h, &type, buf.data(), buf.size(), &len, &version);
      if (rc == IPC_EMSGSIZE) {
        buf.resize(len);
        continue;
      }
      Check(env, rc);
      Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, len);
      if (len) std::memcpy(ab.Data(), buf.data(), len);
      Napi::Array out = Napi::Array::New(env, 3);
      out.Set(0u, Napi::Number::New(env, type));
      out.Set(1u, ab);
      out.Set(2u, Napi::Number::New(env, static_cast<double>(version)));
      return out;
    }
    Throw(env, IPC_EAGAIN, "streamRead: the value kept growing while it was read");
  }

  Napi::Value StreamVersion(const Napi::CallbackInfo &info) {
    uint64_t v = 0;
    Check(info.Env(), ipc_shm_stream_version(H(info.Env()), &v));
    return Napi::Number::New(info.Env(), static_cast<double>(v));
  }

  Napi::Value StreamCapacity(const Napi::CallbackInfo &info) {
    size_t cap = 0;
    Check(info.Env(), ipc_shm_stream_capacity(H(info.Env()), &cap));
    return Napi::Number::New(info.Env(), static_cast<double>(cap));
  }

  Mapping *mapping_ = nullptr;
};

class SemWaitable final : public Waitable {
 public:
  SemWaitable(napi_env env, ipc_sem_t *h) : Waitable(env), h_(h) {}
  ipc_sem_t *h() const { return h_; }

 protected:
  int RegisterNotify() override { return ipc_sem_notify(h_, OnNotify, this); }
  int ArmNotify() override { return ipc_sem_notify_arm(h_); }
  void StopNotify() override { ipc_sem_notify(h_, nullptr, nullptr); }
  void CloseC() override { ipc_sem_close(h_); }
  bool Ready() override {
    unsigned v = 0;
    return ipc_sem_value(h_, &v) == IPC_OK && v > 0;
  }

 private:
  ipc_sem_t *const h_;  // an id: after close every call on it is IPC_EBADHANDLE
};

struct SendJob {
  std::vector<uint8_t> data;
  unsigned priority;
  int64_t timeout_ms;  // IPC_INFINITE or > 0, from `queued`
  std::chrono::steady_clock::time_point queued;
  double id;
};

class MqWaitable final : public Waitable {
 public:
  MqWaitable(napi_env env, ipc_mq_t *h) : Waitable(env), h_(h) {}
  ~MqWaitable() override {
    if (sender_.joinable()) sender_.join();  // Shutdown() has stopped it already
  }
  ipc_mq_t *h() const { return h_; }

  // Queues a send for the sender thread (started on first use). JS thread.
  void Enqueue(SendJob job) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!sender_.joinable()) sender_ = std::thread([this] { SenderLoop(); });
    jobs_.push_back(std::move(job));
    cv_.notify_one();
  }

  std::vector<uint8_t> scratch;  // receive buffer, JS thread only

  // Results of finished sends, oldest first; also after Shutdown() (which has
  // joined the sender thread: what is here was sent, or failed, for real).
  std::vector<SendDone> TakeSends() {
    std::lock_guard<std::mutex> lock(done_mu_);
    return std::exchange(done_, {});
  }

 protected:
  int RegisterNotify() override { return ipc_mq_notify(h_, OnNotify, this); }
  int ArmNotify() override { return ipc_mq_notify_arm(h_); }
  void StopNotify() override { ipc_mq_notify(h_, nullptr, nullptr); }
  bool Ready() override {
    size_t n = 0;
    return ipc_mq_count(h_, &n) == IPC_OK && n > 0;
  }
  void CloseC() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      jobs_.clear();
    }
    cv_.notify_all();
    ipc_mq_close(h_);  // a send blocked on the sender thread returns IPC_ECLOSED
    if (sender_.joinable()) sender_.join();
  }

 private:
  void SenderLoop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      if (stop_) return;
      SendJob job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      int64_t timeout = job.timeout_ms;
      if (timeout > 0) {
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - job.queued)
                                .count();
        timeout = waited >= timeout ? IPC_NOWAIT : timeout - waited;
      }
      int rc = ipc_mq_send(h_, job.data.data(), job.data.size(), job.priority, timeout);
      std::string detail = rc == IPC_OK ? std::string() : std::string(ipc_last_error_message());
      if (rc == IPC_EAGAIN && job.timeout_ms != IPC_NOWAIT) rc = IPC_ETIMEDOUT;  // waited in line
      if (rc == IPC_EBADHANDLE) rc = IPC_ECLOSED;  // closed before the call began
      bool first = false;
      {
        std::lock_guard<std::mutex> done_lock(done_mu_);
        first = done_.empty();
        done_.push_back(SendDone{job.id, rc, std::move(detail)});
      }
      if (first) napi_call_threadsafe_function(post_, kSendsDone, napi_tsfn_nonblocking);
      lock.lock();
    }
  }

  ipc_mq_t *const h_;
  std::thread sender_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<SendJob> jobs_;
  bool stop_ = false;
  std::mutex done_mu_;
  std::vector<SendDone> done_;
};

// The payload of a send: a string (sent as UTF-8) or any bytes.
Bytes ToPayload(const Napi::CallbackInfo &info, size_t i, std::string &tmp) {
  if (info.Length() > i && info[i].IsString()) {
    tmp = info[i].As<Napi::String>().Utf8Value();
    return Bytes{tmp.data(), tmp.size()};
  }
  return ToBytes(info, i, "data");
}

class SemHandle : public WaitableWrap<SemHandle, SemWaitable> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "SemHandle",
                       {
                           InstanceMethod<&SemHandle::Close>("close"),
                           InstanceMethod<&SemHandle::Arm>("arm"),
                           InstanceMethod<&SemHandle::Ref>("ref"),
                           InstanceMethod<&SemHandle::Unref>("unref"),
                           InstanceMethod<&SemHandle::Post>("post"),
                           InstanceMethod<&SemHandle::TryWait>("tryWait"),
                           InstanceMethod<&SemHandle::Value>("value"),
                       });
  }
  using WaitableWrap::WaitableWrap;

 private:
  IPC_NODE_WAITABLE_METHODS
  ipc_sem_t *H(Napi::Env env) { return Get(env, "Semaphore").h(); }

  Napi::Value Post(const Napi::CallbackInfo &info) {
    Check(info.Env(), ipc_sem_post(H(info.Env())));
    return info.Env().Undefined();
  }

  // tryWait() -> true (took one) | false (the count is 0)
  Napi::Value TryWait(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ipc_sem_t *h = H(env);
    unsigned v = 0;
    Check(env, ipc_sem_value(h, &v));
    if (v == 0) return Napi::Boolean::New(env, false);  // skips the C layer's EAGAIN path
    const int rc = ipc_sem_try_wait(h);
    if (rc == IPC_EAGAIN) return Napi::Boolean::New(env, false);
    Check(env, rc);
    return Napi::Boolean::New(env, true);
  }

  Napi::Value Value(const Napi::CallbackInfo &info) {
    unsigned v = 0;
    Check(info.Env(), ipc_sem_value(H(info.Env()), &v));
    return Napi::Number::New(info.Env(), v);
  }
};

class MqHandle : public WaitableWrap<MqHandle, MqWaitable> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "MqHandle",
                       {
                           InstanceMethod<&MqHandle::Close>("close"),
                           InstanceMethod<&MqHandle::Arm>("arm"),
                           InstanceMethod<&MqHandle::Ref>("ref"),
                           InstanceMethod<&MqHandle::Unref>("unref"),
                           InstanceMethod<&MqHandle::TrySend>("trySend"),
                           InstanceMethod<&MqHandle::SendAsync>("sendAsync"),
                           InstanceMethod<&MqHandle::TakeSends>("takeSends"),
                           InstanceMethod<&MqHandle::Receive>("receive"),
                           InstanceMethod<&MqHandle::Info>("info"),
                           InstanceMethod<&MqHandle::Count>("count"),
                           InstanceMethod<&MqHandle::Recoveries>("recoveries"),
                       });
  }
  using WaitableWrap::WaitableWrap;

 private:
  IPC_NODE_WAITABLE_METHODS
  MqWaitable &M(Napi::Env env) { return Get(env, "MessageQueue"); }

  static unsigned ToPriority(const Napi::CallbackInfo &info, size_t i) {
    const int p = ToInt(info, i, "priority");
    if (p < 0 || p > static_cast<int>(IPC_MQ_PRIO_MAX))
      Throw(info.Env(), IPC_EINVAL, "priority must be 0.." + std::to_string(IPC_MQ_PRIO_MAX));
    return static_cast<unsigned>(p);
  }

  // trySend(data, priority) -> true (queued) | false (the queue is full)
  Napi::Value TrySend(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ipc_mq_t *h = M(env).h();
    std::string tmp;
    const Bytes b = ToPayload(info, 0, tmp);
    const int rc = ipc_mq_send(h, b.data, b.len, ToPriority(info, 1), IPC_NOWAIT);
    if (rc == IPC_EAGAIN) return Napi::Boolean::New(env, false);
    Check(env, rc);
    return Napi::Boolean::New(env, true);
  }

  // sendAsync(data, priority, timeoutMs, id): copies data and queues it for the
  // sender thread; callback(1) says results are ready for takeSends().
  Napi::Value SendAsync(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    MqWaitable &m = M(env);
    std::string tmp;
    const Bytes b = ToPayload(info, 0, tmp);
    SendJob job;
    job.priority = ToPriority(info, 1);
    job.timeout_ms = ToTimeout(info, 2);
    if (info.Length() < 4 || !info[3].IsNumber())
      throw Napi::TypeError::New(env, "id must be a number");
    job.id = info[3].As<Napi::Number>().DoubleValue();
    size_t max = 0;
    Check(env, ipc_mq_max_msg_size(m.h(), &max));
    if (b.len > max)  // fail now rather than after the copy and the thread hop
      Throw(env, IPC_EMSGSIZE,
            std::to_string(b.len) + " bytes exceed the queue's maximum message size " +
                std::to_string(max));
    const auto *p = static_cast<const uint8_t *>(b.data);
    job.data.assign(p, p + b.len);
    job.queued = std::chrono::steady_clock::now();
    try {
      m.Enqueue(std::move(job));
    } catch (const std::exception &e) {
      Throw(env, IPC_ENOMEM, std::string("sender thread: ") + e.what());
    }
    return env.Undefined();
  }

  // takeSends() -> [id, rc, detail, id, rc, detail, ...] of finished sends.
  // Works after close() too: the sender thread has been joined by then, so
  // these are exactly the sends that were (rc 0) or failed to be queued.
  Napi::Value TakeSends(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    std::vector<SendDone> done;
    if (w_) done = w_->TakeSends();
    Napi::Array out = Napi::Array::New(env, done.size() * 3);
    uint32_t i = 0;
    for (const SendDone &d : done) {
      out.Set(i++, Napi::Number::New(env, d.id));
      out.Set(i++, Napi::Number::New(env, d.rc));
      out.Set(i++, Napi::String::New(env, d.detail));
    }
    return out;
  }

  // receive(maxCount) -> Buffer | null. Up to maxCount messages taken under one
  // lock (ipc_mq_receive_many), in the C ABI's packed layout: per message
  // uint32 length, uint32 priority, the bytes, padding to 8. null if empty.
  Napi::Value Receive(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    MqWaitable &m = M(env);
    size_t max = ToSize(info, 0, "maxCount");
    if (max == 0) max = 1;
    size_t queued = 0;
    Check(env, ipc_mq_count(m.h(), &queued));
    if (queued == 0) return env.Null();  // the common "drained" case, without EAGAIN
    size_t msg = 0;
    Check(env, ipc_mq_max_msg_size(m.h(), &msg));
    const size_t one = 8 + ((msg + 7) & ~size_t{7});
    const size_t want = std::min(std::min(max, queued), kBatchBytes / one + 1) * one;
    std::vector<uint8_t> &buf = m.scratch;
    if (buf.size() < std::min(want, kBatchBytes)) buf.resize(std::min(want, kBatchBytes));
    for (int attempt = 0; attempt < 8; ++attempt) {
      size_t n = 0, bytes = 0;
      const int rc = ipc_mq_receive_many(m.h(), buf.data(), buf.size(), max, &n, &bytes, IPC_NOWAIT);
      if (rc == IPC_EMSGSIZE) {  // the first message is larger than the buffer
        buf.resize(bytes);
        continue;
      }
      if (rc == IPC_EAGAIN) return env.Null();
      Check(env, rc);
      return Napi::Buffer<uint8_t>::Copy(env, buf.data(), bytes);
    }
    Throw(env, IPC_EAGAIN, "receive: the first message kept growing");
  }

  // info() -> [capacity, maxMessageSize]
  Napi::Value Info(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ipc_mq_t *h = M(env).h();
    size_t cap = 0, msg = 0;
    Check(env, ipc_mq_capacity(h, &cap));
    Check(env, ipc_mq_max_msg_size(h, &msg));
    Napi::Array out = Napi::Array::New(env, 2);
    out.Set(0u, Napi::Number::New(env, static_cast<double>(cap)));
    out.Set(1u, Napi::Number::New(env, static_cast<double>(msg)));
    return out;
  }

  Napi::Value Count(const Napi::CallbackInfo &info) {
    size_t n = 0;
    Check(info.Env(), ipc_mq_count(M(info.Env()).h(), &n));
    return Napi::Number::New(info.Env(), static_cast<double>(n));
  }

  Napi::Value Recoveries(const Napi::CallbackInfo &info) {
    uint64_t n = 0;
    Check(info.Env(), ipc_mq_recoveries(M(info.Env()).h(), &n));
    return Napi::Number::New(info.Env(), static_cast<double>(n));
  }

  static constexpr size_t kBatchBytes = 256 * 1024;  // receive buffer per handle, at most
};

// ---- module functions --------------------------------------------------------

// A name argument: a string, or null/undefined for none (IPC_SHM_ANON).
struct NameArg {
  std::string value;
  bool present = false;
  const char *c_str() const { return present ? value.c_str() : nullptr; }
};

NameArg ToName(const Napi::CallbackInfo &info, size_t i) {
  NameArg n;
  if (info.Length() <= i || info[i].IsNull() || info[i].IsUndefined()) return n;
  n.value = ToStr(info, i, "name");
  n.present = true;
  if (n.value.find('\0') != std::string::npos)
    Throw(info.Env(), IPC_EBADNAME, "name contains a NUL character");
  return n;
}

// openShm(kind, name|null, mode, size, flags, perm) -> Shm
Napi::Value OpenShm(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const int kind = ToInt(info, 0, "kind");
  const NameArg name = ToName(info, 1);
  const int mode = ToInt(info, 2, "mode");
  const size_t size = ToSize(info, 3, "size");
  const unsigned flags = static_cast<unsigned>(ToInt(info, 4, "flags"));
  const unsigned perm = static_cast<unsigned>(ToInt(info, 5, "perm"));
  ipc_shm_t *h = nullptr;
  Check(env, ipc_shm_open(static_cast<ipc_shm_kind_t>(kind), name.c_str(),
                          static_cast<ipc_open_mode_t>(mode), size, flags, perm, &h));
  void *addr = nullptr;
  size_t len = 0;
  int rc = ipc_shm_data(h, &addr, &len);
  if (rc != IPC_OK) {
    std::string detail = ipc_last_error_message();
    ipc_shm_close(h);
    Throw(env, rc, detail);
  }
  auto *m = new Mapping(h, static_cast<uint8_t *>(addr), len);
  try {
    return Per(env).shm_ctor.New({Napi::External<Mapping>::New(env, m)});
  } catch (...) {
    m->Release();
    throw;
  }
}

Napi::Value Remove(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const int kind = ToInt(info, 0, "kind");
  const NameArg name = ToName(info, 1);
  Check(env, ipc_shm_remove(static_cast<ipc_shm_kind_t>(kind), name.c_str()));
  return env.Undefined();
}

Napi::Value Exists(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const int kind = ToInt(info, 0, "kind");
  const NameArg name = ToName(info, 1);
  int out = 0;
  Check(env, ipc_shm_exists(static_cast<ipc_shm_kind_t>(kind), name.c_str(), &out));
  return Napi::Boolean::New(env, out != 0);
}

// An object name (semaphore, queue): a string without NUL.
std::string ToObjName(const Napi::CallbackInfo &info, size_t i) {
  std::string name = ToStr(info, i, "name");
  if (name.find('\0') != std::string::npos)
    Throw(info.Env(), IPC_EBADNAME, "name contains a NUL character");
  return name;
}

// openSem(name, mode, initial, perm, callback, spinNs) -> SemHandle
Napi::Value OpenSem(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const std::string name = ToObjName(info, 0);
  const int mode = ToInt(info, 1, "mode");
  const size_t initial = ToSize(info, 2, "initial");
  const unsigned perm = static_cast<unsigned>(ToInt(info, 3, "perm"));
  Napi::Function cb = ToCallback(info, 4);
  const size_t spin = ToSize(info, 5, "spinNs");
  if (initial > IPC_SEM_VALUE_MAX)
    Throw(env, IPC_ERANGE, "initial must be at most " + std::to_string(IPC_SEM_VALUE_MAX));
  ipc_sem_t *h = nullptr;
  Check(env, ipc_sem_open(name.c_str(), static_cast<ipc_open_mode_t>(mode),
                          static_cast<unsigned>(initial), perm, &h));
  auto *w = new SemWaitable(env, h);
  w->SetSpin(static_cast<uint32_t>(std::min<size_t>(spin, 1000000000)));
  try {
    w->Start(cb, "libipc.Semaphore");
    return Per(env).sem_ctor.New({Napi::External<SemWaitable>::New(env, w)});
  } catch (...) {
    w->Shutdown();
    w->Drop();
    throw;
  }
}

// openMq(name, mode, capacity, maxMessageSize, perm, callback, spinNs) -> MqHandle
Napi::Value OpenMq(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const std::string name = ToObjName(info, 0);
  const int mode = ToInt(info, 1, "mode");
  const size_t capacity = ToSize(info, 2, "capacity");
  const size_t max_msg = ToSize(info, 3, "maxMessageSize");
  const unsigned perm = static_cast<unsigned>(ToInt(info, 4, "perm"));
  Napi::Function cb = ToCallback(info, 5);
  const size_t spin = ToSize(info, 6, "spinNs");
  ipc_mq_t *h = nullptr;
  Check(env, ipc_mq_open(name.c_str(), static_cast<ipc_open_mode_t>(mode), capacity, max_msg, perm,
                         &h));
  auto *w = new MqWaitable(env, h);
  w->SetSpin(static_cast<uint32_t>(std::min<size_t>(spin, 1000000000)));
  try {
    w->Start(cb, "libipc.MessageQueue");
    return Per(env).mq_ctor.New({Napi::External<MqWaitable>::New(env, w)});
  } catch (...) {
    w->Shutdown();
    w->Drop();
    throw;
  }
}

template <int (*Fn)(const char *)> Napi::Value RemoveObj(const Napi::CallbackInfo &info) {
  const std::string name = ToObjName(info, 0);
  Check(info.Env(), Fn(name.c_str()));
  return info.Env().Undefined();
}

template <int (*Fn)(const char *, int *)> Napi::Value ExistsObj(const Napi::CallbackInfo &info) {
  const std::string name = ToObjName(info, 0);
  int out = 0;
  Check(info.Env(), Fn(name.c_str(), &out));
  return Napi::Boolean::New(info.Env(), out != 0);
}

// closeAll(): shuts down every semaphore, queue and socket of this environment (their
// threads joined). lib/ calls it on process 'exit': process.exit() runs no
// environment cleanup hooks, and libipc's threads must not outlive the loop.
Napi::Value CloseAll(const Napi::CallbackInfo &info) {
  PerEnv &pe = Per(info.Env());
  std::vector<Waitable *> all(pe.live.begin(), pe.live.end());
  for (Waitable *w : all) w->Shutdown();
  CloseAllSocks(pe);
  return info.Env().Undefined();
}

Napi::Value ErrName(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), ipc_err_name(ToInt(info, 0, "code")));
}

Napi::Value StrError(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), ipc_strerror(ToInt(info, 0, "code")));
}

Napi::Value SetErrorClass(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || !info[0].IsFunction())
    throw Napi::TypeError::New(info.Env(), "setErrorClass expects a constructor");
  Per(info.Env()).error_class = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

// For tests: how many mappings are alive in this process (all environments).
Napi::Value LiveMappings(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(),
                           static_cast<double>(g_live_mappings.load(std::memory_order_relaxed)));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Header and library must agree on the major version.
  if ((ipc_version() >> 16) != IPC_VERSION_MAJOR)
    throw Napi::Error::New(env, std::string("libipc.so is version ") + ipc_version_string() +
                                    "; this addon was built for " IPC_VERSION_STRING);
  auto *pe = new PerEnv();
  env.SetInstanceData(pe);  // deleted when this environment is torn down
  Napi::Function shm = Shm::Define(env);
  pe->shm_ctor = Napi::Persistent(shm);
  pe->sem_ctor = Napi::Persistent(SemHandle::Define(env));
  pe->mq_ctor = Napi::Persistent(MqHandle::Define(env));
  InitSock(env, exports);

  exports.Set("openShm", Napi::Function::New<OpenShm>(env, "openShm"));
  exports.Set("remove", Napi::Function::New<Remove>(env, "remove"));
  exports.Set("exists", Napi::Function::New<Exists>(env, "exists"));
  exports.Set("openSem", Napi::Function::New<OpenSem>(env, "openSem"));
  exports.Set("removeSem", Napi::Function::New<RemoveObj<ipc_sem_remove>>(env, "removeSem"));
  exports.Set("existsSem", Napi::Function::New<ExistsObj<ipc_sem_exists>>(env, "existsSem"));
  exports.Set("openMq", Napi::Function::New<OpenMq>(env, "openMq"));
  exports.Set("removeMq", Napi::Function::New<RemoveObj<ipc_mq_remove>>(env, "removeMq"));
  exports.Set("existsMq", Napi::Function::New<ExistsObj<ipc_mq_exists>>(env, "existsMq"));
  exports.Set("closeAll", Napi::Function::New<CloseAll>(env, "closeAll"));
  exports.Set("errName", Napi::Function::New<ErrName>(env, "errName"));
  exports.Set("strerror", Napi::Function::New<StrError>(env, "strerror"));
  exports.Set("setErrorClass", Napi::Function::New<SetErrorClass>(env, "setErrorClass"));
  exports.Set("liveMappings", Napi::Function::New<LiveMappings>(env, "liveMappings"));
  exports.Set("version", Napi::String::New(env, ipc_version_string()));
  exports.Set("headerVersion", Napi::String::New(env, IPC_VERSION_STRING));

  // Error codes from the one X-macro list in <ipc/errors.h>.
  Napi::Object codes = Napi::Object::New(env);
#define IPC_NODE_CODE_(name, value, msg) codes.Set("IPC_" #name, Napi::Number::New(env, value));
  IPC_ERROR_MAP(IPC_NODE_CODE_)
#undef IPC_NODE_CODE_
  exports.Set("errors", codes);

  Napi::Object c = Napi::Object::New(env);
  c.Set("IPC_SHM_POSIX", Napi::Number::New(env, static_cast<int>(IPC_SHM_POSIX)));
  c.Set("IPC_SHM_FILE", Napi::Number::New(env, static_cast<int>(IPC_SHM_FILE)));
  c.Set("IPC_SHM_SYSV", Napi::Number::New(env, static_cast<int>(IPC_SHM_SYSV)));
  c.Set("IPC_SHM_ANON", Napi::Number::New(env, static_cast<int>(IPC_SHM_ANON)));
  c.Set("IPC_CREATE_ONLY", Napi::Number::New(env, static_cast<int>(IPC_CREATE_ONLY)));
  c.Set("IPC_OPEN_ONLY", Napi::Number::New(env, static_cast<int>(IPC_OPEN_ONLY)));
  c.Set("IPC_OPEN_OR_CREATE", Napi::Number::New(env, static_cast<int>(IPC_OPEN_OR_CREATE)));
  c.Set("IPC_SHM_READONLY", Napi::Number::New(env, static_cast<double>(IPC_SHM_READONLY)));
  c.Set("IPC_DEFAULT_PERM", Napi::Number::New(env, static_cast<double>(IPC_DEFAULT_PERM)));
  c.Set("IPC_NAME_MAX", Napi::Number::New(env, static_cast<double>(IPC_NAME_MAX)));
  c.Set("IPC_ENC_UTF8", Napi::Number::New(env, static_cast<int>(IPC_ENC_UTF8)));
  c.Set("IPC_ENC_ASCII", Napi::Number::New(env, static_cast<int>(IPC_ENC_ASCII)));
  c.Set("IPC_ENC_LATIN1", Napi::Number::New(env, static_cast<int>(IPC_ENC_LATIN1)));
  c.Set("IPC_ENC_BASE64", Napi::Number::New(env, static_cast<int>(IPC_ENC_BASE64)));
  c.Set("IPC_ENC_HEX", Napi::Number::New(env, static_cast<int>(IPC_ENC_HEX)));
  c.Set("IPC_ENC_UTF16LE", Napi::Number::New(env, static_cast<int>(IPC_ENC_UTF16LE)));
  c.Set("IPC_STREAM_EMPTY", Napi::Number::New(env, static_cast<int>(IPC_STREAM_EMPTY)));
  c.Set("IPC_STREAM_STRING", Napi::Number::New(env, static_cast<int>(IPC_STREAM_STRING)));
  c.Set("IPC_STREAM_F32", Napi::Number::New(env, static_cast<int>(IPC_STREAM_F32)));
  c.Set("IPC_STREAM_F64", Napi::Number::New(env, static_cast<int>(IPC_STREAM_F64)));
  c.Set("IPC_STREAM_BYTES", Napi::Number::New(env, static_cast<int>(IPC_STREAM_BYTES)));
  c.Set("IPC_OBJ_NAME_MAX", Napi::Number::New(env, static_cast<double>(IPC_OBJ_NAME_MAX)));
  c.Set("IPC_SEM_VALUE_MAX", Napi::Number::New(env, static_cast<double>(IPC_SEM_VALUE_MAX)));
  c.Set("IPC_MQ_PRIO_MAX", Napi::Number::New(env, static_cast<double>(IPC_MQ_PRIO_MAX)));
  c.Set("IPC_MQ_CAPACITY_MAX", Napi::Number::New(env, static_cast<double>(IPC_MQ_CAPACITY_MAX)));
  c.Set("IPC_MQ_MSG_SIZE_MAX", Napi::Number::New(env, static_cast<double>(IPC_MQ_MSG_SIZE_MAX)));
  c.Set("IPC_SHM_STREAM_HEADER", Napi::Number::New(env, static_cast<double>(IPC_SHM_STREAM_HEADER)));
  exports.Set("constants", c);
  return exports;
}

}  // namespace

NODE_API_MODULE(libipc, Init)
