// libipc Node binding — what the addon's translation units share: the
// per-environment state, errors, argument helpers and Waitable (a semaphore
// or queue whose readiness reaches JS through a ThreadSafeFunction). See
// addon.cc for the design, sock.cc for sockets.
#ifndef IPC_NODE_COMMON_H
#define IPC_NODE_COMMON_H

#include <napi.h>

#include <ipc/ipc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

namespace ipc_node {

class Waitable;

// Per-environment state: JS values live here, never in statics.
struct PerEnv {
  Napi::FunctionReference shm_ctor;
  Napi::FunctionReference sem_ctor;
  Napi::FunctionReference mq_ctor;
  Napi::FunctionReference sock_ctor;
  Napi::FunctionReference error_class;  // lib/errors.js IpcError, set at load
  std::unordered_set<Waitable *> live;  // open semaphores and queues (closeAll)
  std::unordered_set<void *> socks;     // open sockets (sock.cc's SockCore; closeAll)
};

inline PerEnv &Per(Napi::Env env) { return *env.GetInstanceData<PerEnv>(); }

// Builds the Error for a failed call: code 'IPC_xxx', errno, detail. The
// detail must be captured right after the failing call (it is per thread and
// lasts until the next libipc call on this thread).
inline Napi::Error MakeError(Napi::Env env, int rc, const std::string &detail) {
  const std::string code = ipc_err_name(rc);
  std::string message = code + ": " + ipc_strerror(rc);
  if (!detail.empty()) message += ": " + detail;
  PerEnv &pe = Per(env);
  Napi::Object props = Napi::Object::New(env);
  props.Set("code", Napi::String::New(env, code));
  props.Set("errno", Napi::Number::New(env, rc));
  props.Set("detail", Napi::String::New(env, detail));
  if (!pe.error_class.IsEmpty()) {
    Napi::Value e = pe.error_class.New({Napi::String::New(env, message), props});
    return Napi::Error(env, e);
  }
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  e.Set("errno", Napi::Number::New(env, rc));
  e.Set("detail", Napi::String::New(env, detail));
  return e;
}

[[noreturn]] inline void ThrowLast(Napi::Env env, int rc) {
  throw MakeError(env, rc, ipc_last_error_message());
}

[[noreturn]] inline void Throw(Napi::Env env, int rc, const std::string &detail) {
  throw MakeError(env, rc, detail);
}

inline void Check(Napi::Env env, int rc) {
  if (rc != IPC_OK) ThrowLast(env, rc);
}

// ---- argument helpers (lib/ validates too; these keep the addon safe alone) --

inline size_t ToSize(const Napi::CallbackInfo &info, size_t i, const char *what) {
  Napi::Env env = info.Env();
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(env, std::string(what) + " must be a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0 || d != static_cast<double>(static_cast<uint64_t>(d)))
    Throw(env, IPC_ERANGE, std::string(what) + " must be a non-negative integer");
  return static_cast<size_t>(d);
}

inline int ToInt(const Napi::CallbackInfo &info, size_t i, const char *what) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  return info[i].As<Napi::Number>().Int32Value();
}

inline std::string ToStr(const Napi::CallbackInfo &info, size_t i, const char *what) {
  if (info.Length() <= i || !info[i].IsString())
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

struct Bytes {
  const void *data = nullptr;
  size_t len = 0;
};

// Any TypedArray (Buffer included), DataView or ArrayBuffer, as bytes.
inline Bytes ToBytes(const Napi::CallbackInfo &info, size_t i, const char *what) {
  Napi::Env env = info.Env();
  Bytes b;
  if (info.Length() > i) {
    napi_value v = info[i];
    bool is = false;
    if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
      napi_typedarray_type type;
      size_t length = 0;
      void *data = nullptr;
      NAPI_THROW_IF_FAILED_VOID(env, napi_get_typedarray_info(env, v, &type, &length, &data,
                                                             nullptr, nullptr));
      size_t elem = 1;
      switch (type) {
        case napi_int16_array: case napi_uint16_array: elem = 2; break;
        case napi_int32_array: case napi_uint32_array: case napi_float32_array: elem = 4; break;
        case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: elem = 8; break;
        default: elem = 1;
      }
      b.data = data;
      b.len = length * elem;
      return b;
    }
    if (napi_is_dataview(env, v, &is) == napi_ok && is) {
      void *data = nullptr;
      NAPI_THROW_IF_FAILED_VOID(env, napi_get_dataview_info(env, v, &b.len, &data, nullptr,
                                                           nullptr));
      b.data = data;
      return b;
    }
    if (napi_is_arraybuffer(env, v, &is) == napi_ok && is) {
      void *data = nullptr;
      NAPI_THROW_IF_FAILED_VOID(env, napi_get_arraybuffer_info(env, v, &data, &b.len));
      b.data = data;
      return b;
    }
  }
  throw Napi::TypeError::New(env, std::string(what) +
                                      " must be a Buffer, TypedArray, DataView or ArrayBuffer");
}

// ---- Semaphores and queues: Waitable ----------------------------------
//
// A Waitable owns one ipc_sem_t / ipc_mq_t and what reports readiness to JS: a
// ThreadSafeFunction (TSFN) over the JS callback (kind), where kind 0 means
// "the notify fired: a unit / a message may be there" and kind 1 "the sender
// thread finished sends: takeSends() has their results".
//
// THREADS. Everything runs on the JS thread but the notify callback (a libipc
// thread; it only posts to the TSFN) and a queue's sender thread (blocking
// sends, one at a time, in order). Shutdown() — close(), garbage collection of
// the JS object, the environment's cleanup hook (worker termination, teardown)
// or the TSFN's finalizer, whichever comes first — stops the notify thread
// (ipc_*_notify(NULL) joins it), closes the C handle (a blocked send returns
// IPC_ECLOSED), joins the sender thread, and only then releases the TSFN, so
// nothing can call it once it is gone. The cleanup hook is added after the TSFN
// is created, so it runs before Node tears the TSFN down.
//
// OWNERS. The JS wrapper and the TSFN (its finalizer runs after the release, or
// at environment teardown); the last to drop deletes. Both drop on the JS
// thread. The TSFN starts unref'd: the JS layer refs it only while something is
// pending (a wait, a receive, a send, a 'message' listener).
struct SendDone {
  double id;
  int rc;
  std::string detail;
};

// The TSFN's data: nullptr = "the notify fired", kSendsDone = "sends finished:
// collect them with takeSends()".
inline char kSendsDoneTag;
inline void *const kSendsDone = &kSendsDoneTag;

class Waitable {
 public:
  explicit Waitable(napi_env env) : env_(env) {}
  Waitable(const Waitable &) = delete;
  Waitable &operator=(const Waitable &) = delete;
  virtual ~Waitable() = default;

  void Start(Napi::Function callback, const char *what) {
    napi_value name = Napi::String::New(env_, what);
    if (napi_create_threadsafe_function(env_, callback, nullptr, name, 0, 1, this, Finalize, this,
                                        CallJs, &tsfn_) != napi_ok) {
      tsfn_ = nullptr;
      throw Napi::Error::New(env_, "napi_create_threadsafe_function failed");
    }
    post_ = tsfn_;
    owners_ = 2;
    napi_unref_threadsafe_function(env_, tsfn_);
    if (napi_add_env_cleanup_hook(env_, Hook, this) == napi_ok) hook_ = true;
    pe_ = &Per(Napi::Env(env_));
    pe_->live.insert(this);
  }

  bool shut() const { return shut_; }

  // Idempotent; JS thread only.
  void Shutdown() {
    if (shut_) return;
    shut_ = true;
    StopSpinner();
    if (notify_on_) {
      StopNotify();  // joins the notify thread
      notify_on_ = false;
    }
    CloseC();
    if (hook_) {
      hook_ = false;
      napi_remove_env_cleanup_hook(env_, Hook, this);
    }
    if (pe_) {
      pe_->live.erase(this);
      pe_ = nullptr;
    }
    if (tsfn_) {
      napi_threadsafe_function t = std::exchange(tsfn_, nullptr);
      napi_release_threadsafe_function(t, napi_tsfn_release);
    }
  }

  void Drop() {
    if (--owners_ == 0) delete this;
  }

  // How long a spin after arm() looks for readiness before the C ABI's notify
  // takes over (0: never spin). JS thread, before the first Arm().
  void SetSpin(uint32_t ns) { spin_ns_ = ns; }

  // Asks for one readiness callback. The first time it registers the C ABI's
  // notify (which starts armed). With a spin, the spinner thread then looks
  // for readiness for spin_ns_ and posts it itself (the common case for a
  // reply: no futex sleep and wake-up across cores); if nothing came, it arms
  // the notify, whose thread sleeps until something does. JS thread.
  int Arm() {
    if (!notify_on_) {
      const int rc = RegisterNotify();
      if (rc != IPC_OK) return rc;
      notify_on_ = true;
      if (spin_ns_ == 0) return IPC_OK;
    }
    if (spin_ns_ == 0) return ArmNotify();
    // Learned that what we wait for comes only when we give our core away
    // (the peer runs on it): spinning only delays it. Re-probe now and then.
    if (shared_core_.load(std::memory_order_relaxed) >= kSharedCore && (++probe_ & 31) != 0)
      return ArmNotify();
    std::lock_guard<std::mutex> lock(spin_mu_);
    if (!spinner_.joinable()) {
      try {
        spinner_ = std::thread([this] { SpinLoop(); });
      } catch (const std::exception &) {
        spin_ns_ = 0;  // no thread: the notify alone
        return ArmNotify();
      }
    }
    spin_req_ = true;
    spin_cv_.notify_one();
    return IPC_OK;
  }

  void Ref(bool on) {
    if (!tsfn_) return;
    if (on) napi_ref_threadsafe_function(env_, tsfn_);
    else napi_unref_threadsafe_function(env_, tsfn_);
  }

 protected:
  static void OnNotify(void *user) {  // a libipc thread
    napi_call_threadsafe_function(static_cast<Waitable *>(user)->post_, nullptr,
                                  napi_tsfn_nonblocking);
  }

  virtual int RegisterNotify() = 0;
  virtual int ArmNotify() = 0;
  virtual void StopNotify() = 0;
  virtual void CloseC() = 0;  // ipc_*_close; joins any thread of ours
  virtual bool Ready() = 0;   // a unit / a message is there (a snapshot); any thread

  // Waitable's own destructor cannot stop a thread that calls virtuals: every
  // delete comes after Shutdown(), which joined it.
  void StopSpinner() {
    {
      std::lock_guard<std::mutex> lock(spin_mu_);
      spin_stop_ = true;
    }
    spin_stop_flag_.store(true, std::memory_order_relaxed);
    spin_cv_.notify_all();
    if (spinner_.joinable()) spinner_.join();
  }

  napi_env env_;
  napi_threadsafe_function post_ = nullptr;  // what other threads call; fixed after Start

 private:
  static void CallJs(napi_env env, napi_value cb, void *context, void *data) {
    if (env == nullptr || cb == nullptr) return;  // torn down: drop
    if (static_cast<Waitable *>(context)->shut_) return;  // JS settled everything at close
    napi_value kind;
    napi_create_int32(env, data == kSendsDone ? 1 : 0, &kind);
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    // An exception thrown by the callback (a 'message' listener) is uncaught,
    // as from any event listener. Left pending, Node would only print a
    // DEP0168 warning for it (Node-API < experimental): raise it ourselves.
    if (napi_call_function(env, undefined, cb, 1, &kind, nullptr) == napi_pending_exception) {
      napi_value error;
      if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
    }
  }

  static void Finalize(napi_env, void *data, void *) {
    auto *self = static_cast<Waitable *>(data);
    self->tsfn_ = nullptr;  // being destroyed: must not be released again
    self->Shutdown();
    self->Drop();
  }

  static void Hook(void *arg) {
    auto *self = static_cast<Waitable *>(arg);
    self->hook_ = false;
    self->Shutdown();
  }

  // The spinner: per request, up to spin_ns_ of checking Ready() (a few CPU
  // pauses, then a yield per turn, as libipc's own waits do, so that a peer on
  // the same core can run), then either a post to JS or ipc_*_notify_arm.
  void SpinLoop() {
    std::unique_lock<std::mutex> lock(spin_mu_);
    for (;;) {
      spin_cv_.wait(lock, [this] { return spin_stop_ || spin_req_; });
      if (spin_stop_) return;
      spin_req_ = false;
      lock.unlock();
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(spin_ns_);
      bool ready = false;
      bool gave_core = false;  // a yield let another thread run for a while
      for (unsigned i = 0;; ++i) {
        if (Ready()) {
          ready = true;
          break;
        }
        if (spin_stop_flag_.load(std::memory_order_relaxed)) break;
        if ((i & 15) == 15 && std::chrono::steady_clock::now() >= deadline) break;
        if (i < 16) {
#if defined(__x86_64__) || defined(__i386__)
          __builtin_ia32_pause();
#endif
        } else {
          const auto before = std::chrono::steady_clock::now();
          std::this_thread::yield();
          if (std::chrono::steady_clock::now() - before > kLongYield) gave_core = true;
        }
      }
      if (ready) {
        // Ready only after giving the core away: the peer shares our core.
        const int score = shared_core_.load(std::memory_order_relaxed);
        shared_core_.store(gave_core ? std::min(score + 1, 2 * kSharedCore) : std::max(score - 1, 0),
                           std::memory_order_relaxed);
        napi_call_threadsafe_function(post_, nullptr, napi_tsfn_nonblocking);
      }
      else ArmNotify();
      lock.lock();
    }
  }

  static constexpr std::chrono::microseconds kLongYield{5};
  static constexpr int kSharedCore = 4;

  napi_threadsafe_function tsfn_ = nullptr;
  uint32_t spin_ns_ = 0;
  std::atomic<int> shared_core_{0};  // > kSharedCore: stop spinning (see Arm)
  unsigned probe_ = 0;               // JS thread
  std::thread spinner_;
  std::mutex spin_mu_;
  std::condition_variable spin_cv_;
  bool spin_req_ = false;
  bool spin_stop_ = false;
  std::atomic<bool> spin_stop_flag_{false};
  PerEnv *pe_ = nullptr;
  int owners_ = 1;
  bool shut_ = false;
  bool notify_on_ = false;
  bool hook_ = false;
};

// A timeout in ms: IPC_INFINITE (-1), IPC_NOWAIT (0) or positive.
inline int64_t ToTimeout(const Napi::CallbackInfo &info, size_t i) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), "timeoutMs must be a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (d < 0) return IPC_INFINITE;
  if (!(d <= 9.0e15)) Throw(info.Env(), IPC_ERANGE, "timeoutMs is too large");
  return static_cast<int64_t>(d);
}

// Shared by the Semaphore and MessageQueue wrappers: close, arm, ref, unref.
template <class Self, class W> class WaitableWrap : public Napi::ObjectWrap<Self> {
 public:
  explicit WaitableWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Self>(info) {
    if (info.Length() != 1 || !info[0].IsExternal())
      throw Napi::TypeError::New(info.Env(), "cannot be constructed directly");
    w_ = info[0].As<Napi::External<W>>().Data();
  }
  // Garbage collected (or torn down) without close(): shut down, drop ours.
  ~WaitableWrap() override {
    if (w_) {
      w_->Shutdown();
      w_->Drop();
    }
  }

 protected:
  W &Get(Napi::Env env, const char *what) {
    if (!w_ || w_->shut()) Throw(env, IPC_EBADHANDLE, std::string(what) + " is closed");
    return *w_;
  }

  Napi::Value DoClose(const Napi::CallbackInfo &info) {
    if (w_) w_->Shutdown();
    return info.Env().Undefined();
  }
  Napi::Value DoArm(const Napi::CallbackInfo &info) {
    Check(info.Env(), Get(info.Env(), "handle").Arm());
    return info.Env().Undefined();
  }
  Napi::Value DoRef(const Napi::CallbackInfo &info) {
    if (w_ && !w_->shut()) w_->Ref(true);
    return info.Env().Undefined();
  }
  Napi::Value DoUnref(const Napi::CallbackInfo &info) {
    if (w_ && !w_->shut()) w_->Ref(false);
    return info.Env().Undefined();
  }

  W *w_ = nullptr;
};

// InstanceMethod<> needs members of the class itself.
#define IPC_NODE_WAITABLE_METHODS                                                              \
  Napi::Value Close(const Napi::CallbackInfo &info) { return DoClose(info); }                 \
  Napi::Value Arm(const Napi::CallbackInfo &info) { return DoArm(info); }                     \
  Napi::Value Ref(const Napi::CallbackInfo &info) { return DoRef(info); }                     \
  Napi::Value Unref(const Napi::CallbackInfo &info) { return DoUnref(info); }


inline Napi::Function ToCallback(const Napi::CallbackInfo &info, size_t i) {
  if (info.Length() <= i || !info[i].IsFunction())
    throw Napi::TypeError::New(info.Env(), "callback must be a function");
  return info[i].As<Napi::Function>();
}


// sock.cc: defines SockHandle in this environment and adds the sock functions
// (sockListen, sockConnect, sockDefaultRoot) and constants to `exports`.
void InitSock(Napi::Env env, Napi::Object exports);
// sock.cc: closes every socket of this environment (closeAll()).
void CloseAllSocks(PerEnv &pe);

}  // namespace ipc_node

#endif  // IPC_NODE_COMMON_H
