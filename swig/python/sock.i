/* Python typemaps for the sock area (owned by the Python binding; catalogue in
 * ../TYPEMAPS.md, "Python"). Included by libipc.i after common/*.i and before
 * the language-neutral sock.i, so the %ignore, %nothread and typemaps below
 * precede the declarations they act on. Defines IPC_SWIG_SOCK at the end,
 * which turns sock.i on.
 *
 * - libipc_native.SockHandle owns one ipc_sock_t (server or client) and closes
 *   it in close() or when collected; ipc_sock_close is not wrapped.
 * - No Python callable is ever handed to ipc_sock_notify (a libipc thread
 *   calling into Python can meet interpreter shutdown, TOOLCHAIN.md): the
 *   callback form is not wrapped; asyncio uses ipc_sock_notify_fd.
 * - sock_events (%native) takes a batch with ipc_sock_next_many and unpacks
 *   the packed format straight into libipc.Event tuples, decoding message data
 *   with the JSON decoder it is given. ipc_sock_next_many itself is wrapped
 *   too (the package's tests cross-check the packed format with struct). */

%ignore ipc_sock_notify(ipc_sock_t *, ipc_notify_fn, void *);
%ignore ipc_sock_close;

/* Never block, called often: keep the GIL. Everything else (listen/connect,
 * which bind and resolve; emit, which validates the JSON, up to maxFrame; the
 * event takes) releases it. */
%nothread ipc_sock_local_port;
%nothread ipc_sock_address;
%nothread ipc_sock_connections;
%nothread ipc_sock_pending;
%nothread ipc_sock_notify_arm;
%nothread ipc_sock_notify_fd;

%{
#include <stdint.h>

/* ---- The socket handle -------------------------------------------------
 * h is NULL once closed. The C handle is checked on every call, so a close()
 * racing a call in another thread is safe: that call finishes, or a blocked
 * take returns IPC_ECLOSED. cap_hint remembers the largest batch buffer a take
 * needed (bounded), so a stream of large events costs one take each, not two. */
typedef struct {
  PyObject_HEAD
  ipc_sock_t *h;
  size_t cap_hint;
} ipc_py_sock;

static PyTypeObject ipc_py_sock_type;

#define IPC_PY_SOCK_CAP_MIN ((size_t)64 << 10)
#define IPC_PY_SOCK_CAP_KEEP ((size_t)4 << 20)

/* Takes ownership of h (closes it on failure). */
static PyObject *ipc_py_sock_new(ipc_sock_t *h) {
  ipc_py_sock *self = PyObject_New(ipc_py_sock, &ipc_py_sock_type);
  if (!self) {
    ipc_sock_close(h);
    return NULL;
  }
  self->h = h;
  self->cap_hint = IPC_PY_SOCK_CAP_MIN;
  return (PyObject *)self;
}

/* The handle argument of every sock call. Closed -> IPC_EBADHANDLE here. */
static int ipc_py_sock_arg(PyObject *o, ipc_sock_t **out) {
  if (Py_TYPE(o) != &ipc_py_sock_type) {
    PyErr_Format(PyExc_TypeError, "expected a libipc_native.SockHandle, not %.200s", Py_TYPE(o)->tp_name);
    return 0;
  }
  if (!((ipc_py_sock *)o)->h) {
    ipc_py_raise(IPC_EBADHANDLE, "socket handle is closed");
    return 0;
  }
  *out = ((ipc_py_sock *)o)->h;
  return 1;
}

static void ipc_py_sock_dealloc(PyObject *o) {
  ipc_py_sock *self = (ipc_py_sock *)o;
  ipc_sock_t *h = self->h;
  self->h = NULL;
  /* No call can be in flight (each holds a reference). The I/O thread never
   * takes the GIL, so releasing it while close joins its work is safe. */
  if (h) {
    Py_BEGIN_ALLOW_THREADS
    ipc_sock_close(h);
    Py_END_ALLOW_THREADS
  }
  PyObject_Free(o);
}

static PyObject *ipc_py_sock_close(PyObject *o, PyObject *unused) {
  ipc_py_sock *self = (ipc_py_sock *)o;
  ipc_sock_t *h = self->h;
  int rc;
  (void)unused;
  if (!h) Py_RETURN_NONE; /* idempotent */
  self->h = NULL;         /* from now on every call raises BadHandleError */
  Py_BEGIN_ALLOW_THREADS
  rc = ipc_sock_close(h); /* wakes blocked takes (IPC_ECLOSED) */
  Py_END_ALLOW_THREADS
  if (rc != IPC_OK) {
    ipc_py_raise(rc, NULL);
    return NULL;
  }
  Py_RETURN_NONE;
}

static PyObject *ipc_py_sock_get_closed(PyObject *o, void *c) {
  (void)c;
  return PyBool_FromLong(((ipc_py_sock *)o)->h == NULL);
}

static PyObject *ipc_py_sock_repr(PyObject *o) {
  return PyUnicode_FromFormat("<libipc_native.SockHandle%s>", ((ipc_py_sock *)o)->h ? "" : " closed");
}

static PyMethodDef ipc_py_sock_methods[] = {
    {"close", ipc_py_sock_close, METH_NOARGS,
     "Close every connection (and the listener; a server's Unix socket file is removed). "
     "Takes blocked in other threads return IPC_ECLOSED. Idempotent."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef ipc_py_sock_getset[] = {
    {"closed", ipc_py_sock_get_closed, NULL, "True after close()", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static int ipc_py_sock_type_ready(void) {
  ipc_py_sock_type.tp_name = "libipc_native.SockHandle";
  ipc_py_sock_type.tp_basicsize = sizeof(ipc_py_sock);
  ipc_py_sock_type.tp_dealloc = ipc_py_sock_dealloc;
  ipc_py_sock_type.tp_repr = ipc_py_sock_repr;
  ipc_py_sock_type.tp_flags = Py_TPFLAGS_DEFAULT;
  ipc_py_sock_type.tp_doc = "An open libipc socket endpoint (from sock_listen or sock_connect).";
  ipc_py_sock_type.tp_methods = ipc_py_sock_methods;
  ipc_py_sock_type.tp_getset = ipc_py_sock_getset;
  return PyType_Ready(&ipc_py_sock_type);
}

/* ---- C strings ------------------------------------------------------------
 * str (its cached UTF-8: nothing to free) or bytes (UTF-8); None is NULL when
 * allowed. The C side reads up to the NUL, so an embedded NUL would silently
 * cut the text: it raises `nul_code` instead. Lone surrogates: IPC_EILSEQ. */
static int ipc_py_cstr(PyObject *o, int allow_none, int nul_code, const char *what, const char **out) {
  const char *s;
  Py_ssize_t n;
  if (o == Py_None && allow_none) {
    *out = NULL;
    return 1;
  }
  if (PyUnicode_Check(o)) {
    s = PyUnicode_AsUTF8AndSize(o, &n);
    if (!s) {
      if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
        PyErr_Clear();
        ipc_py_raise(IPC_EILSEQ, "text contains lone surrogates (not valid Unicode)");
      }
      return 0;
    }
  } else if (PyBytes_Check(o)) {
    s = PyBytes_AS_STRING(o);
    n = PyBytes_GET_SIZE(o);
  } else {
    PyErr_Format(PyExc_TypeError, "%s must be str%s, not %.200s", what,
                 allow_none ? ", bytes or None" : " or bytes", Py_TYPE(o)->tp_name);
    return 0;
  }
  if (memchr(s, '\0', (size_t)n)) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s contains a NUL character", what);
    ipc_py_raise(nul_code, msg);
    return 0;
  }
  *out = s;
  return 1;
}

/* ---- Integers -------------------------------------------------------------
 * A connection id: any int-like 0..2**64-1. No connection can have another
 * id, so out of range is IPC_ENOENT, as an unknown id is. */
static int ipc_py_conn(PyObject *o, uint64_t *out) {
  PyObject *i = PyNumber_Index(o);
  unsigned long long v;
  if (!i) return 0;
  v = PyLong_AsUnsignedLongLong(i);
  Py_DECREF(i);
  if (v == (unsigned long long)-1 && PyErr_Occurred()) {
    if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return 0;
    PyErr_Clear();
    ipc_py_raise(IPC_ENOENT, "connection id out of range (0..2**64-1)");
    return 0;
  }
  *out = (uint64_t)v;
  return 1;
}

/* ---- Events -----------------------------------------------------------------
 * The package registers libipc.Event (a NamedTuple: kind, type, data, conn,
 * address, code) and the EventKind members (a tuple indexed by the C kind);
 * before that, events are plain tuples with int kinds. */
static PyTypeObject *ipc_py_sock_event_type = NULL;
static PyObject *ipc_py_sock_kinds = NULL;

static PyObject *ipc_py_sock_set_event_type(PyObject *self, PyObject *args) {
  PyObject *type, *kinds;
  (void)self;
  if (!PyArg_ParseTuple(args, "OO:sock_set_event_type", &type, &kinds)) return NULL;
  if (type != Py_None && (!PyType_Check(type) || !PyType_IsSubtype((PyTypeObject *)type, &PyTuple_Type))) {
    PyErr_SetString(PyExc_TypeError, "sock_set_event_type: expected a tuple subclass or None");
    return NULL;
  }
  if (kinds != Py_None && (!PyTuple_Check(kinds) || PyTuple_GET_SIZE(kinds) != IPC_SOCK_DRAIN + 1)) {
    PyErr_SetString(PyExc_TypeError, "sock_set_event_type: expected a tuple of the 8 kinds or None");
    return NULL;
  }
  if (type == Py_None) {
    Py_CLEAR(ipc_py_sock_event_type);
  } else {
    Py_INCREF(type);
    Py_XSETREF(ipc_py_sock_event_type, (PyTypeObject *)type);
  }
  if (kinds == Py_None) {
    Py_CLEAR(ipc_py_sock_kinds);
  } else {
    Py_INCREF(kinds);
    Py_XSETREF(ipc_py_sock_kinds, kinds);
  }
  Py_RETURN_NONE;
}

/* A str of n UTF-8 bytes, reusing *last (a one-entry cache per batch: the
 * type and the address repeat from one event to the next). Borrowed cache,
 * new reference returned. Invalid UTF-8 (a peer's address never is; types and
 * data were validated by C) decodes with surrogateescape rather than failing. */
static PyObject *ipc_py_sock_str(const char *s, uint32_t n, PyObject **last, const char **last_s,
                                 uint32_t *last_n) {
  PyObject *o;
  if (*last && *last_n == n && memcmp(*last_s, s, n) == 0) {
    Py_INCREF(*last);
    return *last;
  }
  o = PyUnicode_DecodeUTF8(s, (Py_ssize_t)n, "surrogateescape");
  if (!o) return NULL;
  Py_XSETREF(*last, o);
  Py_INCREF(o);
  *last_s = s;
  *last_n = n;
  return o;
}

/* One event's data: a message's JSON text decoded by `loads` (None: kept as
 * the JSON str), a raw read as bytes, an error's message as str, else None.
 * When loads fails (e.g. RecursionError on JSON nested deeper than Python
 * allows), *kind becomes IPC_SOCK_ERROR with IPC_EILSEQ and the data says why,
 * so one peer's frame never breaks the batch. */
static PyObject *ipc_py_sock_data(int *kind, int *code, const char *d, uint32_t n, PyObject *loads) {
  PyObject *text, *v;
  switch (*kind) {
  case IPC_SOCK_MESSAGE:
    text = PyUnicode_DecodeUTF8(d, (Py_ssize_t)n, "surrogateescape");
    if (!text || loads == Py_None) return text;
    v = PyObject_CallOneArg(loads, text);
    Py_DECREF(text);
    if (v) return v;
    if (!PyErr_ExceptionMatches(PyExc_Exception)) return NULL; /* KeyboardInterrupt, MemoryError... */
    {
      PyObject *et, *ev, *tb, *msg;
      PyErr_Fetch(&et, &ev, &tb);
      PyErr_NormalizeException(&et, &ev, &tb);
      msg = PyUnicode_FromFormat("message data could not be decoded in Python: %S", ev ? ev : Py_None);
      Py_XDECREF(et);
      Py_XDECREF(ev);
      Py_XDECREF(tb);
      *kind = IPC_SOCK_ERROR;
      *code = IPC_EILSEQ;
      return msg;
    }
  case IPC_SOCK_DATA:
    return PyBytes_FromStringAndSize(d, (Py_ssize_t)n);
  case IPC_SOCK_ERROR:
    return PyUnicode_DecodeUTF8(d, (Py_ssize_t)n, "replace");
  default:
    if (n == 0) Py_RETURN_NONE;
    return PyUnicode_DecodeUTF8(d, (Py_ssize_t)n, "replace");
  }
}

static PyObject *ipc_py_sock_event(int kind, int code, uint64_t conn, PyObject *type, PyObject *data,
                                   PyObject *address) {
  PyObject *ev, *k, *c, *cn;
  if (ipc_py_sock_kinds && kind >= 0 && kind < PyTuple_GET_SIZE(ipc_py_sock_kinds)) {
    k = PyTuple_GET_ITEM(ipc_py_sock_kinds, kind);
    Py_INCREF(k);
  } else {
    k = PyLong_FromLong(kind);
  }
  c = PyLong_FromLong(code);
  cn = PyLong_FromUnsignedLongLong(conn);
  if (ipc_py_sock_event_type) {
    ev = ipc_py_sock_event_type->tp_alloc(ipc_py_sock_event_type, 6); /* tuple subclass */
  } else {
    ev = PyTuple_New(6);
  }
  if (!k || !c || !cn || !ev) {
    Py_XDECREF(k);
    Py_XDECREF(c);
    Py_XDECREF(cn);
    Py_XDECREF(ev);
    Py_DECREF(type);
    Py_DECREF(data);
    Py_DECREF(address);
    return NULL;
  }
  PyTuple_SET_ITEM(ev, 0, k);
  PyTuple_SET_ITEM(ev, 1, type);
  PyTuple_SET_ITEM(ev, 2, data);
  PyTuple_SET_ITEM(ev, 3, cn);
  PyTuple_SET_ITEM(ev, 4, address);
  PyTuple_SET_ITEM(ev, 5, c);
  return ev;
}

/* sock_events(handle, max_count, timeout_ms, loads) -> list of Event
 * (1..max_count), or the int code IPC_EAGAIN / IPC_ETIMEDOUT (none came) /
 * IPC_ECLOSED (closed by another thread, or a client whose IPC_SOCK_DESTROY
 * was taken: the end of the stream, not an error). Unpacks
 * ipc_sock_next_many's batch (sock.h: 32-byte header, type, data, address,
 * padding to 8) from a PyMem scratch buffer of the handle's cap_hint (64 KiB
 * to start); IPC_EMSGSIZE (the first event alone is bigger; it stays queued)
 * retakes with a buffer of exactly its size and the remaining timeout. */
static PyObject *ipc_py_sock_events(PyObject *self, PyObject *args) {
  PyObject *ho, *co, *to, *loads, *list = NULL;
  PyObject *last_type = NULL, *last_addr = NULL;
  const char *last_type_s = NULL, *last_addr_s = NULL;
  uint32_t last_type_n = 0, last_addr_n = 0;
  ipc_sock_t *s;
  ipc_py_sock *hs;
  long long timeout, max_count;
  int64_t tmo;
  size_t cap, count = 0, used = 0, i, off;
  unsigned char *buf = NULL;
  long long start;
  int rc;
  (void)self;
  if (!PyArg_ParseTuple(args, "OOOO:sock_events", &ho, &co, &to, &loads)) return NULL;
  if (!ipc_py_sock_arg(ho, &s)) return NULL;
  if (!ipc_py_ranged(co, 1, 1 << 20, IPC_EINVAL, "max_count must be 1..2**20", &max_count)) return NULL;
  if (!ipc_py_ranged(to, -1, INT64_MAX, IPC_ERANGE, "timeout out of range", &timeout)) return NULL;
  if (loads != Py_None && !PyCallable_Check(loads)) {
    PyErr_SetString(PyExc_TypeError, "sock_events: loads must be callable or None");
    return NULL;
  }
  hs = (ipc_py_sock *)ho;
  cap = hs->cap_hint;
  start = timeout > 0 ? ipc_py_now_ms() : 0;
  tmo = (int64_t)timeout;
  for (;;) {
    buf = (unsigned char *)PyMem_Malloc(cap);
    if (!buf) return PyErr_NoMemory();
    Py_BEGIN_ALLOW_THREADS
    rc = ipc_sock_next_many(s, buf, cap, (size_t)max_count, &count, &used, tmo);
    Py_END_ALLOW_THREADS
    if (rc == IPC_EMSGSIZE && used > cap) { /* not even the first fits: used = its need */
      PyMem_Free(buf);
      cap = used;
      if (cap <= IPC_PY_SOCK_CAP_KEEP && cap > hs->cap_hint) hs->cap_hint = cap;
      tmo = ipc_py_left((int64_t)timeout, start);
      continue;
    }
    break;
  }
  if (rc != IPC_OK) {
    PyMem_Free(buf);
    if (rc == IPC_EAGAIN || rc == IPC_ETIMEDOUT || rc == IPC_ECLOSED) return PyLong_FromLong(rc);
    ipc_py_raise(rc, NULL);
    return NULL;
  }
  list = PyList_New((Py_ssize_t)count);
  if (!list) goto fail;
  for (i = 0, off = 0; i < count; ++i) {
    uint32_t kind_u, type_n, data_n, addr_n;
    int32_t code_i;
    uint64_t conn;
    int kind, code;
    const char *p;
    PyObject *type, *data, *addr, *ev;
    if (off + IPC_SOCK_PACKED_HEADER > used) goto corrupt;
    p = (const char *)buf + off;
    memcpy(&kind_u, p, 4);
    memcpy(&code_i, p + 4, 4);
    memcpy(&conn, p + 8, 8);
    memcpy(&type_n, p + 16, 4);
    memcpy(&data_n, p + 20, 4);
    memcpy(&addr_n, p + 24, 4);
    if ((size_t)type_n + data_n + addr_n > used - off - IPC_SOCK_PACKED_HEADER) goto corrupt;
    p += IPC_SOCK_PACKED_HEADER;
    kind = (int)kind_u;
    code = (int)code_i;
    if (type_n == 0) {
      type = PyUnicode_New(0, 0);
    } else {
      type = ipc_py_sock_str(p, type_n, &last_type, &last_type_s, &last_type_n);
    }
    if (!type) goto fail;
    data = ipc_py_sock_data(&kind, &code, p + type_n, data_n, loads);
    if (!data) {
      Py_DECREF(type);
      goto fail;
    }
    addr = addr_n == 0 ? PyUnicode_New(0, 0)
                       : ipc_py_sock_str(p + type_n + data_n, addr_n, &last_addr, &last_addr_s, &last_addr_n);
    if (!addr) {
      Py_DECREF(type);
      Py_DECREF(data);
      goto fail;
    }
    ev = ipc_py_sock_event(kind, code, conn, type, data, addr); /* steals type, data, addr */
    if (!ev) goto fail;
    PyList_SET_ITEM(list, (Py_ssize_t)i, ev);
    off += IPC_SOCK_PACKED_HEADER + ((((size_t)type_n + data_n + addr_n) + 7) & ~(size_t)7);
  }
  Py_XDECREF(last_type);
  Py_XDECREF(last_addr);
  PyMem_Free(buf);
  return list;
corrupt:
  ipc_py_raise(IPC_EINTERNAL, "sock next_many returned a malformed batch");
fail:
  Py_XDECREF(last_type);
  Py_XDECREF(last_addr);
  Py_XDECREF(list); /* unset items are NULL: a partly filled list frees cleanly */
  PyMem_Free(buf);
  return NULL;
}
%}

%native(sock_set_event_type) ipc_py_sock_set_event_type;
%native(sock_events) ipc_py_sock_events;

/* IPC_HANDLE_IN / IPC_HANDLE_OUT for sockets: libipc_native.SockHandle. */
%typemap(in) ipc_sock_t * "if (!ipc_py_sock_arg($input, &$1)) SWIG_fail;"
%typemap(in, numinputs=0) ipc_sock_t **out (ipc_sock_t *ipc_new_sock = NULL) "$1 = &ipc_new_sock;"
%typemap(argout) ipc_sock_t **out {
  PyObject *ipc_obj = ipc_py_sock_new(*$1); /* closes the handle if it fails */
  *$1 = NULL;
  if (!ipc_obj) {
    Py_XDECREF($result);
    SWIG_fail;
  }
  $result = SWIG_Python_AppendOutput($result, ipc_obj);
}

/* IPC_SOCK_TEXT: NUL-terminated UTF-8 arguments: str or bytes; an embedded NUL
 * raises (IPC_EINVAL for options, types and hosts; IPC_EILSEQ for JSON data,
 * where a raw NUL is invalid JSON). data may be None (NULL: node-ipc's {}). */
%typemap(in) const char *options_json "if (!ipc_py_cstr($input, 0, IPC_EINVAL, \"options\", (const char **)&$1)) SWIG_fail;"
%typemap(in) const char *type "if (!ipc_py_cstr($input, 0, IPC_EINVAL, \"event type\", (const char **)&$1)) SWIG_fail;"
%typemap(in) const char *host "if (!ipc_py_cstr($input, 0, IPC_EINVAL, \"host\", (const char **)&$1)) SWIG_fail;"
%typemap(in) const char *data "if (!ipc_py_cstr($input, 1, IPC_EILSEQ, \"data\", (const char **)&$1)) SWIG_fail;"

/* IPC_CONN: a connection id (SOCK_ALL = 2**64-1 for every connection). */
%typemap(in) uint64_t conn "if (!ipc_py_conn($input, &$1)) SWIG_fail;"

/* IPC_PORT: 0..65535, else IPC_EINVAL. */
%typemap(in) uint16_t port (long long ipc_port = 0) {
  if (!ipc_py_ranged($input, 0, 65535, IPC_EINVAL, "port must be 0..65535", &ipc_port)) SWIG_fail;
  $1 = (uint16_t)ipc_port;
}

/* Frames: str or a UTF-8 bytes-like object (IPC_TEXT_IN's rules), held for
 * the call. Raw bytes: any C-contiguous buffer, held (IPC_BYTES_IN). */
%typemap(in) (const char *frames, size_t len) (Py_buffer ipc_frames_view, int ipc_frames_held = 0)
  "if (!ipc_py_text($input, (const char **)&$1, &$2, &ipc_frames_view, &ipc_frames_held)) SWIG_fail;"
%typemap(freearg) (const char *frames, size_t len) "if (ipc_frames_held$argnum) PyBuffer_Release(&ipc_frames_view$argnum);"
%apply (const void *data, size_t len) { (const void *bytes, size_t len) };

/* Out-parameters (IPC_OUT). size_t *out_count / *out_bytes and int *out_fd
 * are in buffers.i; (char *buf, size_t cap, size_t *out_len) is IPC_TEXT_OUT. */
IPC_PY_OUT(uint16_t, 0, PyLong_FromLong((long)*$1), uint16_t *out_port)
IPC_PY_OUT(uint64_t, 0, PyLong_FromUnsignedLongLong(*$1), uint64_t *out_conn)

/* IPC_SOCK_ALL is UINT64_MAX, which SWIG cannot evaluate: the package defines
 * ALL = 2**64 - 1 itself (and a test checks C agrees). */
%ignore IPC_SOCK_ALL;

%init %{
  if (ipc_py_sock_type_ready() < 0) return NULL;
  Py_INCREF(&ipc_py_sock_type);
  if (PyModule_AddObject(m, "SockHandle", (PyObject *)&ipc_py_sock_type) < 0) return NULL;
%}

#define IPC_SWIG_SOCK
