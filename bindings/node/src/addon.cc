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
#include <napi.h>

#include <ipc/ipc.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace {

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

// Per-environment state: JS values live here, never in statics.
struct PerEnv {
  Napi::FunctionReference shm_ctor;
  Napi::FunctionReference error_class;  // lib/errors.js IpcError, set at load
};

PerEnv &Per(Napi::Env env) { return *env.GetInstanceData<PerEnv>(); }

// Builds the Error for a failed call: code 'IPC_xxx', errno, detail. The
// detail must be captured right after the failing call (it is per thread and
// lasts until the next libipc call on this thread).
Napi::Error MakeError(Napi::Env env, int rc, const std::string &detail) {
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

[[noreturn]] void ThrowLast(Napi::Env env, int rc) {
  throw MakeError(env, rc, ipc_last_error_message());
}

[[noreturn]] void Throw(Napi::Env env, int rc, const std::string &detail) {
  throw MakeError(env, rc, detail);
}

inline void Check(Napi::Env env, int rc) {
  if (rc != IPC_OK) ThrowLast(env, rc);
}

// ---- argument helpers (lib/ validates too; these keep the addon safe alone) --

size_t ToSize(const Napi::CallbackInfo &info, size_t i, const char *what) {
  Napi::Env env = info.Env();
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(env, std::string(what) + " must be a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0 || d != static_cast<double>(static_cast<uint64_t>(d)))
    Throw(env, IPC_ERANGE, std::string(what) + " must be a non-negative integer");
  return static_cast<size_t>(d);
}

int ToInt(const Napi::CallbackInfo &info, size_t i, const char *what) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  return info[i].As<Napi::Number>().Int32Value();
}

std::string ToStr(const Napi::CallbackInfo &info, size_t i, const char *what) {
  if (info.Length() <= i || !info[i].IsString())
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

struct Bytes {
  const void *data = nullptr;
  size_t len = 0;
};

// Any TypedArray (Buffer included), DataView or ArrayBuffer, as bytes.
Bytes ToBytes(const Napi::CallbackInfo &info, size_t i, const char *what) {
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

  exports.Set("openShm", Napi::Function::New<OpenShm>(env, "openShm"));
  exports.Set("remove", Napi::Function::New<Remove>(env, "remove"));
  exports.Set("exists", Napi::Function::New<Exists>(env, "exists"));
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
  c.Set("IPC_SHM_STREAM_HEADER", Napi::Number::New(env, static_cast<double>(IPC_SHM_STREAM_HEADER)));
  exports.Set("constants", c);
  return exports;
}

}  // namespace

NODE_API_MODULE(libipc, Init)
