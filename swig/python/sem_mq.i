/* Python: semaphores and message queues (included by python/prologue.i, so
 * before the area files: the %ignore and %nothread below must precede the
 * declarations). Catalogue of the typemaps in ../TYPEMAPS.md, "Python".
 *
 * - libipc_native.SemHandle / MqHandle own one ipc_sem_t / ipc_mq_t each and
 *   close it in close() or when collected (common/handles.i maps the C handle
 *   types to them).
 * - No Python callable is ever handed to ipc_*_notify: a libipc thread calling
 *   into Python can meet interpreter shutdown (TOOLCHAIN.md). The callback
 *   forms are not wrapped; asyncio uses ipc_*_notify_fd (libipc/_aio.py).
 * - mq_recv / mq_recv_many receive into new bytes objects (one allocation per
 *   message, no intermediate buffer) and return libipc.Message tuples. A
 *   "would block" or "timed out" result is returned as the int code rather than
 *   raised: try_receive and the asyncio drain miss often, and an exception costs
 *   more than the call. */

/* The callback forms: listed in the language-neutral sem.i/mq.i, not for
 * Python. A signature-specific %ignore outranks the name-only rename there. */
%ignore ipc_sem_notify(ipc_sem_t *, ipc_notify_fn, void *);
%ignore ipc_mq_notify(ipc_mq_t *, ipc_notify_fn, void *);
%ignore ipc_sem_close;
%ignore ipc_mq_close;

/* Never block, called often: keep the GIL. (post, try_wait, send and
 * receive with IPC_NOWAIT keep the release: the queue's lock may be
 * contended by another process, and post may wake a sleeper.) */
%nothread ipc_sem_value;
%nothread ipc_sem_set_spin;
%nothread ipc_sem_notify_arm;
%nothread ipc_sem_notify_fd;
%nothread ipc_mq_count;
%nothread ipc_mq_capacity;
%nothread ipc_mq_max_msg_size;
%nothread ipc_mq_recoveries;
%nothread ipc_mq_set_spin;
%nothread ipc_mq_notify_arm;
%nothread ipc_mq_notify_fd;

%{
#include <stdint.h>
#include <time.h>

/* ---- Semaphore and queue handles ---------------------------------------
 * One struct, two types (so a SemHandle is never taken for an MqHandle).
 * h is NULL once closed. The C handle is an id checked on every call, so a
 * close() racing a call in another thread is safe: that call finishes or, if
 * it is blocked, returns IPC_ECLOSED. */
typedef struct {
  PyObject_HEAD
  void *h;
  size_t max_msg; /* queues: max_msg_size, read once at open */
} ipc_py_obj;

static PyTypeObject ipc_py_sem_type;
static PyTypeObject ipc_py_mq_type;
/* libipc.Message (a tuple subclass), set by the package; plain tuples before. */
static PyTypeObject *ipc_py_message_type = NULL;

static int ipc_py_obj_close_raw(PyTypeObject *t, void *h) {
  return t == &ipc_py_sem_type ? ipc_sem_close((ipc_sem_t *)h) : ipc_mq_close((ipc_mq_t *)h);
}

/* Takes ownership of h (closes it on failure). */
static PyObject *ipc_py_obj_new(PyTypeObject *t, void *h) {
  ipc_py_obj *self;
  size_t max_msg = 0;
  if (t == &ipc_py_mq_type) {
    int rc = ipc_mq_max_msg_size((ipc_mq_t *)h, &max_msg);
    if (rc != IPC_OK) {
      ipc_py_raise(rc, NULL);
      ipc_mq_close((ipc_mq_t *)h);
      return NULL;
    }
  }
  self = PyObject_New(ipc_py_obj, t);
  if (!self) {
    ipc_py_obj_close_raw(t, h);
    return NULL;
  }
  self->h = h;
  self->max_msg = max_msg;
  return (PyObject *)self;
}

/* The handle argument of every sem/mq call. Closed -> IPC_EBADHANDLE here. */
static int ipc_py_obj_arg(PyObject *o, PyTypeObject *t, void **out) {
  if (Py_TYPE(o) != t) {
    PyErr_Format(PyExc_TypeError, "expected a %s, not %.200s", t->tp_name, Py_TYPE(o)->tp_name);
    return 0;
  }
  if (!((ipc_py_obj *)o)->h) {
    ipc_py_raise(IPC_EBADHANDLE, t == &ipc_py_sem_type ? "semaphore handle is closed"
                                                       : "message queue handle is closed");
    return 0;
  }
  *out = ((ipc_py_obj *)o)->h;
  return 1;
}

static void ipc_py_obj_dealloc(PyObject *o) {
  ipc_py_obj *self = (ipc_py_obj *)o;
  /* No call can be in flight (each holds a reference); the watcher thread, if
   * any, never takes the GIL, so joining it here cannot deadlock. */
  if (self->h) ipc_py_obj_close_raw(Py_TYPE(o), self->h);
  self->h = NULL;
  PyObject_Free(o);
}

static PyObject *ipc_py_obj_close(PyObject *o, PyObject *unused) {
  ipc_py_obj *self = (ipc_py_obj *)o;
  void *h = self->h;
  int rc;
  (void)unused;
  if (!h) Py_RETURN_NONE; /* idempotent */
  self->h = NULL;         /* from now on every call raises BadHandleError */
  Py_BEGIN_ALLOW_THREADS
  rc = ipc_py_obj_close_raw(Py_TYPE(o), h); /* wakes waiters (IPC_ECLOSED), joins the watcher */
  Py_END_ALLOW_THREADS
  if (rc != IPC_OK) {
    ipc_py_raise(rc, NULL);
    return NULL;
  }
  Py_RETURN_NONE;
}

static PyObject *ipc_py_obj_get_closed(PyObject *o, void *c) {
  (void)c;
  return PyBool_FromLong(((ipc_py_obj *)o)->h == NULL);
}

static PyObject *ipc_py_obj_repr(PyObject *o) {
  return PyUnicode_FromFormat("<%s%s>", Py_TYPE(o)->tp_name, ((ipc_py_obj *)o)->h ? "" : " closed");
}

static PyMethodDef ipc_py_obj_methods[] = {
    {"close", ipc_py_obj_close, METH_NOARGS,
     "Close the handle (never removes the object). Calls blocked on it in other "
     "threads return IPC_ECLOSED. Idempotent."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef ipc_py_obj_getset[] = {
    {"closed", ipc_py_obj_get_closed, NULL, "True after close()", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static int ipc_py_obj_type_ready(PyTypeObject *t, const char *name, const char *doc) {
  t->tp_name = name;
  t->tp_basicsize = sizeof(ipc_py_obj);
  t->tp_dealloc = ipc_py_obj_dealloc;
  t->tp_repr = ipc_py_obj_repr;
  t->tp_flags = Py_TPFLAGS_DEFAULT;
  t->tp_doc = doc;
  t->tp_methods = ipc_py_obj_methods;
  t->tp_getset = ipc_py_obj_getset;
  return PyType_Ready(t);
}

/* ---- Small integer arguments --------------------------------------------
 * int-like (operator.index); out of range raises `code` with `what`. */
static int ipc_py_ranged(PyObject *o, long long lo, long long hi, int code, const char *what,
                         long long *out) {
  PyObject *i = PyNumber_Index(o);
  long long v;
  int overflow = 0;
  if (!i) return 0;
  v = PyLong_AsLongLongAndOverflow(i, &overflow);
  Py_DECREF(i);
  if (v == -1 && PyErr_Occurred()) return 0;
  if (overflow || v < lo || v > hi) {
    ipc_py_raise(code, what);
    return 0;
  }
  *out = v;
  return 1;
}

/* ---- Messages -----------------------------------------------------------
 * A Message(data, priority); steals data. */
static PyObject *ipc_py_message(PyObject *data, unsigned priority) {
  PyObject *prio, *msg;
  if (!data) return NULL;
  prio = PyLong_FromUnsignedLong(priority);
  if (!prio) {
    Py_DECREF(data);
    return NULL;
  }
  if (ipc_py_message_type) {
    msg = ipc_py_message_type->tp_alloc(ipc_py_message_type, 2); /* tuple subclass */
  } else {
    msg = PyTuple_New(2);
  }
  if (!msg) {
    Py_DECREF(data);
    Py_DECREF(prio);
    return NULL;
  }
  PyTuple_SET_ITEM(msg, 0, data);
  PyTuple_SET_ITEM(msg, 1, prio);
  return msg;
}

static PyObject *ipc_py_set_message_type(PyObject *self, PyObject *args) {
  PyObject *arg;
  (void)self;
  if (!PyArg_ParseTuple(args, "O:set_message_type", &arg)) return NULL;
  if (arg == Py_None) {
    Py_CLEAR(ipc_py_message_type);
    Py_RETURN_NONE;
  }
  if (!PyType_Check(arg) || !PyType_IsSubtype((PyTypeObject *)arg, &PyTuple_Type)) {
    PyErr_SetString(PyExc_TypeError, "set_message_type: expected a tuple subclass or None");
    return NULL;
  }
  Py_INCREF(arg);
  Py_XSETREF(ipc_py_message_type, (PyTypeObject *)arg);
  Py_RETURN_NONE;
}

static int ipc_py_soft(int rc) { return rc == IPC_EAGAIN || rc == IPC_ETIMEDOUT; }

/* Monotonic milliseconds, for the remaining time of a retried receive. */
static long long ipc_py_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Timeout left of `timeout_ms` started at `start` (IPC_INFINITE/NOWAIT stay). */
static int64_t ipc_py_left(int64_t timeout_ms, long long start) {
  long long left;
  if (timeout_ms <= 0) return timeout_ms;
  left = timeout_ms - (ipc_py_now_ms() - start);
  return left > 0 ? left : 1; /* at least one more try that may still wait briefly */
}

/* mq_recv(handle, timeout_ms) -> Message, or the int code IPC_EAGAIN /
 * IPC_ETIMEDOUT. Receives straight into a bytes object of min(max_msg_size,
 * 64 KiB), shrunk to the message; a larger message (IPC_EMSGSIZE leaves it
 * queued and tells its size) is received again into one of exactly its size. */
static PyObject *ipc_py_mq_recv(PyObject *self, PyObject *args) {
  PyObject *ho, *to, *data;
  ipc_mq_t *q;
  long long timeout;
  int64_t tmo;
  size_t cap, len = 0;
  unsigned prio = 0;
  long long start;
  int rc;
  (void)self;
  if (!PyArg_ParseTuple(args, "OO:mq_recv", &ho, &to)) return NULL;
  if (!ipc_py_obj_arg(ho, &ipc_py_mq_type, (void **)&q)) return NULL;
  if (!ipc_py_ranged(to, -1, INT64_MAX, IPC_ERANGE, "timeout out of range", &timeout)) return NULL;
  cap = ((ipc_py_obj *)ho)->max_msg;
  if (cap > 65536) cap = 65536;
  start = timeout > 0 ? ipc_py_now_ms() : 0;
  tmo = (int64_t)timeout;
  for (;;) {
    data = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)cap);
    if (!data) return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = ipc_mq_receive(q, PyBytes_AS_STRING(data), cap, &len, &prio, tmo);
    Py_END_ALLOW_THREADS
    if (rc == IPC_EMSGSIZE && len > cap) { /* still queued; len is its size */
      Py_DECREF(data);
      cap = len;
      tmo = ipc_py_left((int64_t)timeout, start);
      continue;
    }
    break;
  }
  if (rc != IPC_OK) {
    Py_DECREF(data);
    if (ipc_py_soft(rc)) return PyLong_FromLong(rc);
    ipc_py_raise(rc, NULL);
    return NULL;
  }
  if (len != cap && _PyBytes_Resize(&data, (Py_ssize_t)len) < 0) return NULL;
  return ipc_py_message(data, prio);
}

/* mq_recv_many(handle, max_count, timeout_ms) -> list of Message (1..max_count),
 * or the int code IPC_EAGAIN / IPC_ETIMEDOUT. Unpacks ipc_mq_receive_many's
 * batch (uint32 length, uint32 priority, bytes, padding to 8) from a scratch
 * buffer sized for min(max_count, 64) full-size messages, at most 1 MiB, at
 * least the first message (IPC_EMSGSIZE tells its size). */
static PyObject *ipc_py_mq_recv_many(PyObject *self, PyObject *args) {
  PyObject *ho, *co, *to, *list = NULL;
  ipc_mq_t *q;
  long long timeout, max_count;
  int64_t tmo;
  size_t cap, slot, count = 0, used = 0, i, off;
  unsigned char *buf = NULL;
  long long start;
  int rc;
  (void)self;
  if (!PyArg_ParseTuple(args, "OOO:mq_recv_many", &ho, &co, &to)) return NULL;
  if (!ipc_py_obj_arg(ho, &ipc_py_mq_type, (void **)&q)) return NULL;
  if (!ipc_py_ranged(co, 1, 1 << 20, IPC_EINVAL, "max_count must be 1..2**20", &max_count)) return NULL;
  if (!ipc_py_ranged(to, -1, INT64_MAX, IPC_ERANGE, "timeout out of range", &timeout)) return NULL;
  slot = 8 + ((((ipc_py_obj *)ho)->max_msg + 7) & ~(size_t)7);
  cap = slot * (size_t)(max_count < 64 ? max_count : 64);
  if (cap > ((size_t)1 << 20)) cap = (size_t)1 << 20;
  start = timeout > 0 ? ipc_py_now_ms() : 0;
  tmo = (int64_t)timeout;
  for (;;) {
    buf = (unsigned char *)PyMem_Malloc(cap);
    if (!buf) return PyErr_NoMemory();
    Py_BEGIN_ALLOW_THREADS
    rc = ipc_mq_receive_many(q, buf, cap, (size_t)max_count, &count, &used, tmo);
    Py_END_ALLOW_THREADS
    if (rc == IPC_EMSGSIZE && used > cap) { /* not even the first fits: used = its need */
      PyMem_Free(buf);
      cap = used;
      tmo = ipc_py_left((int64_t)timeout, start);
      continue;
    }
    break;
  }
  if (rc != IPC_OK) {
    PyMem_Free(buf);
    if (ipc_py_soft(rc)) return PyLong_FromLong(rc);
    ipc_py_raise(rc, NULL);
    return NULL;
  }
  list = PyList_New((Py_ssize_t)count);
  if (!list) goto fail;
  for (i = 0, off = 0; i < count; ++i) {
    uint32_t n, prio;
    PyObject *msg;
    if (off + 8 > used) goto corrupt;
    memcpy(&n, buf + off, 4);
    memcpy(&prio, buf + off + 4, 4);
    if (n > used - off - 8) goto corrupt;
    msg = ipc_py_message(PyBytes_FromStringAndSize((const char *)buf + off + 8, (Py_ssize_t)n), prio);
    if (!msg) goto fail;
    PyList_SET_ITEM(list, (Py_ssize_t)i, msg);
    off += 8 + (((size_t)n + 7) & ~(size_t)7);
  }
  PyMem_Free(buf);
  return list;
corrupt:
  ipc_py_raise(IPC_EINTERNAL, "receive_many returned a malformed batch");
fail:
  Py_XDECREF(list);
  PyMem_Free(buf);
  return NULL;
}
%}

%native(set_message_type) ipc_py_set_message_type;
%native(mq_recv) ipc_py_mq_recv;
%native(mq_recv_many) ipc_py_mq_recv_many;

%init %{
  if (ipc_py_obj_type_ready(&ipc_py_sem_type, "libipc_native.SemHandle",
                            "An open libipc semaphore (from sem_open).") < 0 ||
      ipc_py_obj_type_ready(&ipc_py_mq_type, "libipc_native.MqHandle",
                            "An open libipc message queue (from mq_open).") < 0)
    return NULL;
  Py_INCREF(&ipc_py_sem_type);
  if (PyModule_AddObject(m, "SemHandle", (PyObject *)&ipc_py_sem_type) < 0) return NULL;
  Py_INCREF(&ipc_py_mq_type);
  if (PyModule_AddObject(m, "MqHandle", (PyObject *)&ipc_py_mq_type) < 0) return NULL;
%}
