// libipc Node binding — sockets (ipc_sock_*, c_api/include/ipc/sock.h).
//
// A SockHandle owns one ipc_sock_t (a server or a client) through a SockCore.
// READINESS comes through the handle's notify fd (ipc_sock_notify_fd),
// watched by a uv_poll_t on this thread's own event loop (the main thread's or
// a worker's). For Unix and TCP sockets (libipc's "inlineReads", the default)
// it is an epoll set of the connections plus an eventfd the I/O thread signals
// for what only it sees (connects, disconnects): the kernel wakes this loop
// when bytes arrive, and next() (ipc_sock_next_many, IPC_NOWAIT) reads and
// parses them here, on this thread — one wake-up per event, as node-ipc's own
// sockets. For TLS and UDP (or "inlineReads": false) it is an eventfd the I/O
// thread signals when an event is queued while armed. Either way
// lib/sock.js's dispatcher drains in batches and re-arms with arm()
// (ipc_sock_notify_arm: signals at once if something came meanwhile; nothing
// to do for the level-triggered epoll set). (The callback form, ipc_sock_notify,
// would add a libipc watcher thread and a ThreadSafeFunction hop: two
// wake-ups.) Nothing here ever waits: every call queues or takes what is there.
//
// LIFETIME. Shutdown() — close(), garbage collection of the JS object,
// closeAll() at process exit, or the environment's async cleanup hook (worker
// termination, teardown), whichever comes first — stops and closes the
// uv_poll_t (before the eventfd it watches goes), then closes the C handle.
// The SockCore is freed when both the JS wrapper and the closing uv handle
// have let go. The cleanup hook is an async one so that the environment waits
// for the uv handle's close callback before its loop is closed.
// KEEP-ALIVE: the uv_poll_t is ref'd while the socket is open (as a
// net.Server's handle is) unless the JS layer calls unref().
//
// EVENTS reach JS as one flat array per batch, six slots per event:
//   kind, code, conn, type, data, address
// (type "" unless a message; data: the JSON text of a message, a Buffer of
// raw bytes, the text of an error, or undefined; address: the peer, or
// undefined for messages unless asked for — UDP needs it, streams do not).
// Building the values here from the packed batch saves a Buffer and a JS
// slice per field.
//
// SENDING. lib/sock.js formats node-ipc frames itself and hands a whole batch
// of them to emitFrames() (ipc_sock_emit_frames: one validation, one queued
// write). The expected refusals — IPC_EAGAIN (write queue over maxWriteQueue),
// IPC_ENOENT (no such connection), IPC_ECLOSED (client destroyed) — come back
// as return codes, since the JS layer handles them; anything else throws.
//
// Connection ids are numbers in JS (the core counts from 1, far below 2^53);
// -1 stands for IPC_SOCK_ALL.
#include "common.h"

#include <uv.h>

#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ipc_node {
namespace {

class SockCore {
 public:
  SockCore(napi_env env, ipc_sock_t *h) : env_(env), h_(h) {}
  SockCore(const SockCore &) = delete;
  SockCore &operator=(const SockCore &) = delete;

  ipc_sock_t *h() const { return h_; }
  bool shut() const { return shut_; }

  std::vector<uint8_t> batch;  // ipc_sock_next_many's buffer; JS thread only
  std::vector<char> text;      // UTF-8 of the frames being emitted; JS thread only
  std::vector<char16_t> wide;  // emitString's UTF-16 copy of the data; JS thread only

  // Sets up the eventfd watch and the callback. JS thread.
  void Start(Napi::Function callback) {
    Napi::Env env(env_);
    cb_ = Napi::Persistent(callback);
    napi_value resource = Napi::Object::New(env);
    napi_value name = Napi::String::New(env, "libipc.Socket");
    NAPI_THROW_IF_FAILED_VOID(env, napi_async_init(env_, resource, name, &ctx_));
    int fd = -1;
    Check(env, ipc_sock_notify_fd(h_, &fd));
    fd_ = fd;
    uv_loop_t *loop = nullptr;
    NAPI_THROW_IF_FAILED_VOID(env, napi_get_uv_event_loop(env_, &loop));
    poll_ = new uv_poll_t;
    if (uv_poll_init(loop, poll_, fd_) != 0) {
      delete poll_;
      poll_ = nullptr;
      Throw(env, IPC_EIO, "uv_poll_init on the socket's notify fd failed");
    }
    poll_->data = this;
    ++owners_;  // the uv handle, until its close callback
    uv_poll_start(poll_, UV_READABLE, OnPoll);
    if (napi_add_async_cleanup_hook(env_, Hook, this, &hook_) != napi_ok) hook_ = nullptr;
    pe_ = &Per(env);
    pe_->socks.insert(this);
  }

  void Ref(bool on) {
    if (poll_ == nullptr || shut_) return;
    if (on) uv_ref(reinterpret_cast<uv_handle_t *>(poll_));
    else uv_unref(reinterpret_cast<uv_handle_t *>(poll_));
  }

  // Idempotent; JS thread only.
  void Shutdown() {
    if (shut_) return;
    shut_ = true;
    if (pe_) {
      pe_->socks.erase(this);
      pe_ = nullptr;
    }
    if (poll_ != nullptr) {
      uv_poll_stop(poll_);
      uv_close(reinterpret_cast<uv_handle_t *>(poll_), OnClose);  // before the fd goes
    }
    ipc_sock_close(h_);  // closes the eventfd too
    // The async cleanup hook stays until OnClose: an environment torn down
    // meanwhile (a worker calling process.exit() after closeAll()) waits for
    // the uv handle to finish closing before it closes its loop.
    if (hook_ != nullptr && poll_ == nullptr) {
      napi_remove_async_cleanup_hook(hook_);
      hook_ = nullptr;
    }
    if (ctx_ != nullptr) {
      napi_async_destroy(env_, ctx_);
      ctx_ = nullptr;
    }
    cb_.Reset();
  }

  void Drop() {
    if (--owners_ == 0) delete this;
  }

 private:
  // The eventfd is readable: an event was queued while armed. Clear it and
  // let JS drain; JS re-arms when done.
  static void OnPoll(uv_poll_t *poll, int status, int) {
    auto *self = static_cast<SockCore *>(poll->data);
    if (self->shut_) return;
    // An eventfd is cleared by reading it. With "inlineReads" (the default
    // here) the fd is an epoll set instead, level-triggered and not readable
    // with read(): EINVAL the first time, then no more reads.
    if (self->eventfd_) {
      uint64_t n;
      ssize_t r;
      do {
        r = ::read(self->fd_, &n, sizeof n);
      } while (r < 0 && errno == EINTR);
      if (r < 0 && errno == EINVAL) self->eventfd_ = false;
    }
    if (status < 0) return;
    napi_env env = self->env_;
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return;
    napi_value cb = self->cb_.Value();
    napi_value recv;  // must be an object for napi_make_callback
    napi_get_global(env, &recv);
    // napi_make_callback: the async context, then nextTicks and microtasks
    // (lib/sock.js flushes its batched emits in one) run as after any I/O.
    // An exception from a listener is uncaught, as from any event listener.
    if (napi_make_callback(env, self->ctx_, recv, cb, 0, nullptr, nullptr) == napi_pending_exception) {
      napi_value error;
      if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
    }
    napi_close_handle_scope(env, scope);
  }

  static void OnClose(uv_handle_t *handle) {
    auto *self = static_cast<SockCore *>(handle->data);
    delete reinterpret_cast<uv_poll_t *>(handle);
    self->poll_ = nullptr;
    if (self->hook_ != nullptr) {
      napi_remove_async_cleanup_hook(self->hook_);  // the environment may go on now
      self->hook_ = nullptr;
    }
    self->Drop();
  }

  // Worker termination / environment teardown: close everything (if close()
  // has not already); the environment waits until OnClose removes the hook.
  static void Hook(napi_async_cleanup_hook_handle handle, void *arg) {
    auto *self = static_cast<SockCore *>(arg);
    self->hook_ = handle;
    self->Shutdown();
    if (self->poll_ == nullptr && self->hook_ != nullptr) {  // nothing to wait for
      napi_remove_async_cleanup_hook(self->hook_);
      self->hook_ = nullptr;
    }
  }

  napi_env env_;
  ipc_sock_t *const h_;  // an id: after close every call on it is IPC_EBADHANDLE
  int fd_ = -1;
  bool eventfd_ = true;  // the notify fd is an eventfd (not an epoll set)
  uv_poll_t *poll_ = nullptr;
  Napi::FunctionReference cb_;
  napi_async_context ctx_ = nullptr;
  napi_async_cleanup_hook_handle hook_ = nullptr;
  PerEnv *pe_ = nullptr;
  int owners_ = 1;  // the JS wrapper; +1 for the uv handle
  bool shut_ = false;
};

constexpr double kMaxSafe = 9007199254740991.0;

uint64_t ToConn(const Napi::CallbackInfo &info, size_t i) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), "conn must be a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (d == -1) return IPC_SOCK_ALL;
  if (!(d >= 0) || d > kMaxSafe || d != static_cast<double>(static_cast<uint64_t>(d)))
    Throw(info.Env(), IPC_EINVAL, "conn must be a connection id (a non-negative integer) or -1");
  return static_cast<uint64_t>(d);
}

Napi::Value ConnValue(Napi::Env env, uint64_t conn) {
  return Napi::Number::New(env, conn == IPC_SOCK_ALL ? -1.0 : static_cast<double>(conn));
}

// The UTF-8 of a JS string into `out` without a second pass to measure it:
// a UTF-16 code unit never needs more than 3 bytes (a surrogate pair, two
// units, needs 4), so 3 * length + 1 always fits.
const char *Utf8Into(Napi::Env env, napi_value v, std::vector<char> &out, size_t &len) {
  size_t units = 0;
  NAPI_THROW_IF_FAILED(env, napi_get_value_string_utf16(env, v, nullptr, 0, &units), nullptr);
  const size_t need = 3 * units + 1;
  if (out.size() < need) out.resize(need);
  NAPI_THROW_IF_FAILED(env, napi_get_value_string_utf8(env, v, out.data(), out.size(), &len),
                       nullptr);
  return out.data();
}

// Codes lib/sock.js handles itself; anything else is thrown here. IPC_EILSEQ:
// libipc refused a frame JSON.stringify wrote (it refuses the \udxxx escape
// of a lone surrogate); the JS layer then sends the batch frame by frame.
Napi::Value Soft(Napi::Env env, int rc) {
  if (rc != IPC_OK && rc != IPC_EAGAIN && rc != IPC_ENOENT && rc != IPC_ECLOSED && rc != IPC_EILSEQ)
    ThrowLast(env, rc);
  return Napi::Number::New(env, rc);
}

// Large string data: JSON.stringify of a 1 MiB string costs 1.2-2.9 ms in
// Node 20-24, and the UTF-8 conversion of the frame another 0.3-0.5 ms. For
// string data above a threshold lib/sock.js calls emitString() instead, which
// writes the frame here from the string's UTF-16: a JSON string literal
// exactly as JSON.stringify writes it (\" \\ \b \f \n \r \t, \u00xx for other
// controls, \udxxx for a lone surrogate), as UTF-8, 8 code units at a time
// while they need no escape (SSE2, the x86-64 baseline).
void AppendJsonString(std::vector<char> &out, size_t &len, const char16_t *s, size_t n) {
  // The fast path writes one byte per unit: room for all of them (and the
  // quotes) up front; the slow path makes room for its 12 bytes plus the rest.
  if (out.size() < len + n + 16) out.resize(len + n + 16);
  char *d = out.data() + len;
  char *end = out.data() + out.size();
  *d++ = '"';
  static const char hex[] = "0123456789abcdef";
  size_t i = 0;
  while (i < n) {
#if defined(__SSE2__)
    const __m128i lo = _mm_set1_epi16(0x20), hi = _mm_set1_epi16(0x7f);
    const __m128i quote = _mm_set1_epi16('"'), backslash = _mm_set1_epi16('\\');
    for (; i + 16 <= n; i += 16, d += 16) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s + i));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s + i + 8));
      // Signed compares: units >= 0x8000 are negative, so "< 0x20" catches them.
      const __m128i bad = _mm_or_si128(
          _mm_or_si128(_mm_or_si128(_mm_cmplt_epi16(a, lo), _mm_cmpgt_epi16(a, hi)),
                       _mm_or_si128(_mm_cmpeq_epi16(a, quote), _mm_cmpeq_epi16(a, backslash))),
          _mm_or_si128(_mm_or_si128(_mm_cmplt_epi16(b, lo), _mm_cmpgt_epi16(b, hi)),
                       _mm_or_si128(_mm_cmpeq_epi16(b, quote), _mm_cmpeq_epi16(b, backslash))));
      if (_mm_movemask_epi8(bad) != 0) break;
      _mm_storeu_si128(reinterpret_cast<__m128i *>(d), _mm_packus_epi16(a, b));
    }
    if (i >= n) break;
#endif
    const char16_t c = s[i++];
    if (static_cast<size_t>(end - d) < 12 + (n - i) + 2) {  // grow for the slow path
      const size_t at = static_cast<size_t>(d - out.data());
      out.resize(std::max(out.size() * 2, at + 12 + (n - i) + 16));
      d = out.data() + at;
      end = out.data() + out.size();
    }
    if (c < 0x80) {
      if (c >= 0x20 && c != '"' && c != '\\') {
        *d++ = static_cast<char>(c);
        continue;
      }
      char e = 0;
      switch (c) {
        case '"': e = '"'; break;
        case '\\': e = '\\'; break;
        case '\b': e = 'b'; break;
        case '\f': e = 'f'; break;
        case '\n': e = 'n'; break;
        case '\r': e = 'r'; break;
        case '\t': e = 't'; break;
        default: break;
      }
      *d++ = '\\';
      if (e) {
        *d++ = e;
      } else {
        *d++ = 'u'; *d++ = '0'; *d++ = '0';
        *d++ = hex[c >> 4]; *d++ = hex[c & 15];
      }
    } else if (c < 0x800) {
      *d++ = static_cast<char>(0xc0 | (c >> 6));
      *d++ = static_cast<char>(0x80 | (c & 0x3f));
    } else if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && i < n && s[i] >= 0xdc00 && s[i] <= 0xdfff) {
        const uint32_t cp = 0x10000 + ((static_cast<uint32_t>(c) - 0xd800) << 10) + (s[i++] - 0xdc00);
        *d++ = static_cast<char>(0xf0 | (cp >> 18));
        *d++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        *d++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        *d++ = static_cast<char>(0x80 | (cp & 0x3f));
      } else {  // a lone surrogate: JSON.stringify's escape
        *d++ = '\\'; *d++ = 'u';
        *d++ = hex[c >> 12]; *d++ = hex[(c >> 8) & 15]; *d++ = hex[(c >> 4) & 15]; *d++ = hex[c & 15];
      }
    } else {
      *d++ = static_cast<char>(0xe0 | (c >> 12));
      *d++ = static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      *d++ = static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  *d++ = '"';
  len = static_cast<size_t>(d - out.data());
}

// Message data at least this long that is a JSON string without escapes is
// handed to JS as the string itself (no JSON.parse of a copy there).
constexpr size_t kStringFastPath = 1024;
// The flat array's kind for such an event (lib/sock.js: K.MESSAGE_STRING).
constexpr uint32_t kMessageString = 100;

class SockHandle : public Napi::ObjectWrap<SockHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "SockHandle",
                       {
                           InstanceMethod<&SockHandle::Close>("close"),
                           InstanceMethod<&SockHandle::Arm>("arm"),
                           InstanceMethod<&SockHandle::Ref>("ref"),
                           InstanceMethod<&SockHandle::Unref>("unref"),
                           InstanceMethod<&SockHandle::Next>("next"),
                           InstanceMethod<&SockHandle::EmitFrames>("emitFrames"),
                           InstanceMethod<&SockHandle::EmitString>("emitString"),
                           InstanceMethod<&SockHandle::Emit>("emit"),
                           InstanceMethod<&SockHandle::Send>("send"),
                           InstanceMethod<&SockHandle::Disconnect>("disconnect"),
                           InstanceMethod<&SockHandle::Peer>("peer"),
                           InstanceMethod<&SockHandle::LocalPort>("localPort"),
                           InstanceMethod<&SockHandle::Address>("address"),
                           InstanceMethod<&SockHandle::Connections>("connections"),
                           InstanceMethod<&SockHandle::Pending>("pending"),
                       });
  }

  // Only OpenSock() constructs one, passing the SockCore as an External.
  explicit SockHandle(const Napi::CallbackInfo &info) : Napi::ObjectWrap<SockHandle>(info) {
    if (info.Length() != 1 || !info[0].IsExternal())
      throw Napi::TypeError::New(info.Env(), "SockHandle cannot be constructed directly");
    core_ = info[0].As<Napi::External<SockCore>>().Data();
  }

  // Garbage collected (or torn down) without close(): shut down, drop ours.
  ~SockHandle() override {
    if (core_) {
      core_->Shutdown();
      core_->Drop();
    }
  }

 private:
  SockCore &S(Napi::Env env) {
    if (!core_ || core_->shut()) Throw(env, IPC_EBADHANDLE, "socket is closed");
    return *core_;
  }

  Napi::Value Close(const Napi::CallbackInfo &info) {
    if (core_) core_->Shutdown();
    return info.Env().Undefined();
  }
  Napi::Value Arm(const Napi::CallbackInfo &info) {
    Check(info.Env(), ipc_sock_notify_arm(S(info.Env()).h()));
    return info.Env().Undefined();
  }
  Napi::Value Ref(const Napi::CallbackInfo &info) {
    if (core_) core_->Ref(true);
    return info.Env().Undefined();
  }
  Napi::Value Unref(const Napi::CallbackInfo &info) {
    if (core_) core_->Ref(false);
    return info.Env().Undefined();
  }

  // next(maxCount, messageAddresses) -> flat array (see the top) | null when
  // no event is queued. Never waits.
  Napi::Value Next(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    SockCore &s = S(env);
    size_t max = ToSize(info, 0, "maxCount");
    if (max == 0) max = 1;
    const bool msg_addr = info.Length() > 1 && info[1].ToBoolean().Value();
    std::vector<uint8_t> &buf = s.batch;
    if (buf.size() < kBatchBytes) buf.resize(kBatchBytes);
    size_t n = 0, bytes = 0;
    int rc = IPC_OK;
    for (int attempt = 0;; ++attempt) {
      rc = ipc_sock_next_many(s.h(), buf.data(), buf.size(), max, &n, &bytes, IPC_NOWAIT);
      if (rc != IPC_EMSGSIZE || attempt == 4) break;
      buf.resize(bytes);  // the first event alone needs `bytes`
    }
    if (rc == IPC_EAGAIN || rc == IPC_ETIMEDOUT) return env.Null();
    if (rc == IPC_ECLOSED) return env.Null();  // a client's DESTROY was its last event
    Check(env, rc);
    napi_value arr;
    NAPI_THROW_IF_FAILED(env, napi_create_array_with_length(env, n * 6, &arr), Napi::Value());
    napi_value undef;
    napi_get_undefined(env, &undef);
    const uint8_t *p = buf.data();
    const uint8_t *end = p + bytes;
    uint32_t slot = 0;
    for (size_t i = 0; i < n && p + IPC_SOCK_PACKED_HEADER <= end; ++i) {
      uint32_t kind, type_len, data_len, addr_len;
      int32_t code;
      uint64_t conn;
      std::memcpy(&kind, p, 4);
      std::memcpy(&code, p + 4, 4);
      std::memcpy(&conn, p + 8, 8);
      std::memcpy(&type_len, p + 16, 4);
      std::memcpy(&data_len, p + 20, 4);
      std::memcpy(&addr_len, p + 24, 4);
      const char *type = reinterpret_cast<const char *>(p + IPC_SOCK_PACKED_HEADER);
      const char *data = type + type_len;
      const char *addr = data + data_len;
      napi_value v[6];
      napi_create_uint32(env, kind, &v[0]);
      napi_create_int32(env, code, &v[1]);
      napi_create_double(env, static_cast<double>(conn), &v[2]);
      if (kind == IPC_SOCK_MESSAGE) {
        napi_create_string_utf8(env, type, type_len, &v[3]);
        if (data_len >= kStringFastPath && data[0] == '"' && data[data_len - 1] == '"' &&
            std::memchr(data, '\\', data_len) == nullptr) {
          // A JSON string without escapes (validated by libipc): its bytes are the value.
          napi_create_uint32(env, kMessageString, &v[0]);
          napi_create_string_utf8(env, data + 1, data_len - 2, &v[4]);
        } else {
          napi_create_string_utf8(env, data, data_len, &v[4]);
        }
      } else if (kind == IPC_SOCK_DATA) {
        v[3] = undef;
        void *copy = nullptr;
        NAPI_THROW_IF_FAILED(env, napi_create_buffer_copy(env, data_len, data, &copy, &v[4]),
                             Napi::Value());
      } else if (kind == IPC_SOCK_ERROR) {
        v[3] = undef;
        napi_create_string_utf8(env, data, data_len, &v[4]);
      } else {
        v[3] = undef;
        v[4] = undef;
      }
      if (addr_len > 0 && (msg_addr || (kind != IPC_SOCK_MESSAGE && kind != IPC_SOCK_DATA)))
        napi_create_string_utf8(env, addr, addr_len, &v[5]);
      else
        v[5] = undef;
      for (napi_value x : v) napi_set_element(env, arr, slot++, x);
      const size_t len = IPC_SOCK_PACKED_HEADER + size_t{type_len} + data_len + addr_len;
      p += (len + 7) & ~size_t{7};
    }
    return Napi::Value(env, arr);
  }

  // emitFrames(conn, text) -> 0 | IPC_EAGAIN | IPC_ENOENT | IPC_ECLOSED | IPC_EILSEQ.
  // `text`: complete node-ipc frames, back to back.
  Napi::Value EmitFrames(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    SockCore &s = S(env);
    const uint64_t conn = ToConn(info, 0);
    if (info.Length() < 2 || !info[1].IsString())
      throw Napi::TypeError::New(env, "frames must be a string");
    size_t len = 0;
    const char *text = Utf8Into(env, info[1], s.text, len);
    const int rc = ipc_sock_emit_frames(s.h(), conn, text, len);
    if (s.text.size() > kKeepText) std::vector<char>().swap(s.text);  // a huge batch: give it back
    return Soft(env, rc);
  }

  // emitString(conn, typeJson, data) -> as emitFrames. One frame whose data
  // is the string `data` (see AppendJsonString); typeJson is JSON.stringify(type).
  Napi::Value EmitString(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    SockCore &s = S(env);
    const uint64_t conn = ToConn(info, 0);
    if (info.Length() < 3 || !info[1].IsString() || !info[2].IsString())
      throw Napi::TypeError::New(env, "typeJson and data must be strings");
    size_t len = 0;
    Utf8Into(env, info[1], s.text, len);  // the type's JSON text (short)
    std::string head = "{\"type\":";
    head.append(s.text.data(), len);
    head += ",\"data\":";
    size_t units = 0;
    NAPI_THROW_IF_FAILED(env, napi_get_value_string_utf16(env, info[2], nullptr, 0, &units), Napi::Value());
    if (s.wide.size() < units + 1) s.wide.resize(units + 1);
    size_t got = 0;
    NAPI_THROW_IF_FAILED(env, napi_get_value_string_utf16(env, info[2], s.wide.data(), s.wide.size(), &got),
                         Napi::Value());
    std::vector<char> &out = s.text;
    if (out.size() < head.size() + units + 32) out.resize(head.size() + units + 32);
    std::memcpy(out.data(), head.data(), head.size());
    size_t n = head.size();
    AppendJsonString(out, n, s.wide.data(), got);  // leaves room for at least 2 more bytes
    if (out.size() < n + 2) out.resize(n + 2);
    out[n++] = '}';
    out[n++] = '\f';
    const int rc = ipc_sock_emit_frames(s.h(), conn, out.data(), n);
    if (s.text.size() > kKeepText) std::vector<char>().swap(s.text);
    if (s.wide.size() > kKeepText / 2) std::vector<char16_t>().swap(s.wide);
    return Soft(env, rc);
  }

  // emit(conn, type, dataJson) -> as emitFrames. One event, validated by the C
  // layer (the JSON text of data; "" sends {}).
  Napi::Value Emit(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    SockCore &s = S(env);
    const uint64_t conn = ToConn(info, 0);
    const std::string type = ToStr(info, 1, "type");
    const std::string data = ToStr(info, 2, "data");
    if (type.find('\0') != std::string::npos)
      Throw(env, IPC_EINVAL, "type contains a NUL character");
    return Soft(env, ipc_sock_emit(s.h(), conn, type.c_str(), data.c_str()));
  }

  // send(conn, bytes | string) -> as emitFrames (raw mode).
  Napi::Value Send(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    SockCore &s = S(env);
    const uint64_t conn = ToConn(info, 0);
    if (info.Length() > 1 && info[1].IsString()) {
      size_t len = 0;
      const char *text = Utf8Into(env, info[1], s.text, len);
      const int rc = ipc_sock_send(s.h(), conn, text, len);
      if (s.text.size() > kKeepText) std::vector<char>().swap(s.text);
      return Soft(env, rc);
    }
    const Bytes b = ToBytes(info, 1, "data");
    return Soft(env, ipc_sock_send(s.h(), conn, b.data, b.len));
  }

  // disconnect(conn) -> 0 | IPC_ENOENT
  Napi::Value Disconnect(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    return Soft(env, ipc_sock_disconnect(S(env).h(), ToConn(info, 0)));
  }

  // peer(host, port) -> conn (UDP)
  Napi::Value Peer(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    SockCore &s = S(env);
    const std::string host = ToStr(info, 0, "host");
    const size_t port = ToSize(info, 1, "port");
    if (port > 65535) Throw(env, IPC_EINVAL, "port must be 0..65535");
    uint64_t conn = 0;
    Check(env, ipc_sock_peer(s.h(), host.c_str(), static_cast<uint16_t>(port), &conn));
    return ConnValue(env, conn);
  }

  Napi::Value LocalPort(const Napi::CallbackInfo &info) {
    uint16_t port = 0;
    Check(info.Env(), ipc_sock_local_port(S(info.Env()).h(), &port));
    return Napi::Number::New(info.Env(), port);
  }

  Napi::Value Address(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ipc_sock_t *h = S(env).h();
    size_t len = 0;
    int rc = ipc_sock_address(h, nullptr, 0, &len);
    if (rc != IPC_OK && rc != IPC_ERANGE) ThrowLast(env, rc);
    std::string out(len + 1, '\0');
    Check(env, ipc_sock_address(h, &out[0], out.size(), &len));
    out.resize(len);
    return Napi::String::New(env, out);
  }

  Napi::Value Connections(const Napi::CallbackInfo &info) {
    size_t n = 0;
    Check(info.Env(), ipc_sock_connections(S(info.Env()).h(), &n));
    return Napi::Number::New(info.Env(), static_cast<double>(n));
  }

  // pending(conn) -> bytes queued for writing to conn; IPC_ENOENT -> -1.
  Napi::Value Pending(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    size_t n = 0;
    const int rc = ipc_sock_pending(S(env).h(), ToConn(info, 0), &n);
    if (rc == IPC_ENOENT) return Napi::Number::New(env, -1);
    Check(env, rc);
    return Napi::Number::New(env, static_cast<double>(n));
  }

  static constexpr size_t kBatchBytes = 256 * 1024;   // next()'s buffer, at least
  static constexpr size_t kKeepText = 4 * 1024 * 1024;  // emit buffer kept between calls, at most

  SockCore *core_ = nullptr;
};

// sockListen(optionsJson, callback) / sockConnect(optionsJson, callback) -> SockHandle
template <int (*Open)(const char *, ipc_sock_t **)>
Napi::Value OpenSock(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const std::string options = ToStr(info, 0, "options");
  if (options.find('\0') != std::string::npos)
    Throw(env, IPC_EINVAL, "options contain a NUL character");
  Napi::Function cb = ToCallback(info, 1);
  ipc_sock_t *h = nullptr;
  Check(env, Open(options.c_str(), &h));
  auto *core = new SockCore(env, h);
  try {
    core->Start(cb);
    return Per(env).sock_ctor.New({Napi::External<SockCore>::New(env, core)});
  } catch (...) {
    core->Shutdown();
    core->Drop();
    throw;
  }
}

Napi::Value DefaultRoot(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  size_t len = 0;
  int rc = ipc_sock_default_root(nullptr, 0, &len);
  if (rc != IPC_OK && rc != IPC_ERANGE) ThrowLast(env, rc);
  std::string out(len + 1, '\0');
  Check(env, ipc_sock_default_root(&out[0], out.size(), &len));
  out.resize(len);
  return Napi::String::New(env, out);
}

}  // namespace

void CloseAllSocks(PerEnv &pe) {
  std::vector<void *> all(pe.socks.begin(), pe.socks.end());
  for (void *s : all) static_cast<SockCore *>(s)->Shutdown();
}

void InitSock(Napi::Env env, Napi::Object exports) {
  Per(env).sock_ctor = Napi::Persistent(SockHandle::Define(env));
  exports.Set("sockListen", Napi::Function::New<OpenSock<ipc_sock_listen>>(env, "sockListen"));
  exports.Set("sockConnect", Napi::Function::New<OpenSock<ipc_sock_connect>>(env, "sockConnect"));
  exports.Set("sockDefaultRoot", Napi::Function::New<DefaultRoot>(env, "sockDefaultRoot"));
  Napi::Object k = Napi::Object::New(env);
  k.Set("MESSAGE", Napi::Number::New(env, IPC_SOCK_MESSAGE));
  k.Set("DATA", Napi::Number::New(env, IPC_SOCK_DATA));
  k.Set("START", Napi::Number::New(env, IPC_SOCK_START));
  k.Set("CONNECT", Napi::Number::New(env, IPC_SOCK_CONNECT));
  k.Set("DISCONNECT", Napi::Number::New(env, IPC_SOCK_DISCONNECT));
  k.Set("DESTROY", Napi::Number::New(env, IPC_SOCK_DESTROY));
  k.Set("ERROR", Napi::Number::New(env, IPC_SOCK_ERROR));
  k.Set("DRAIN", Napi::Number::New(env, IPC_SOCK_DRAIN));
  k.Set("MESSAGE_STRING", Napi::Number::New(env, kMessageString));
  exports.Set("sockEvents", k);
}

}  // namespace ipc_node
