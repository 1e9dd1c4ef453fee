/* Python prologue: included by libipc.i before the common typemaps and the area
 * files, because renames and features must precede the declarations they act
 * on. Holds the C helpers the Python typemaps call (common/*.i, Python
 * sections); TYPEMAPS.md describes each typemap and who frees what. */

/* Constants and enum items lose their IPC_ prefix: libipc_native.SHM_POSIX,
 * libipc_native.ENOENT. ERROR_COUNT_ is a bound, not a code. */
%rename("%(strip:[IPC_])s", %$isenumitem, regextarget=1) "^IPC_";
%rename("%(strip:[IPC_])s", %$isconstant, regextarget=1) "^IPC_";
%ignore IPC_ERROR_COUNT_;

/* -threads releases the GIL around every call (open, remove, flush, copies and
 * stream waits can take a while). These never block and are called often, so
 * they keep it: a GIL round trip costs more than the call. */
%nothread ipc_strerror;
%nothread ipc_err_name;
%nothread ipc_last_error_message;
%nothread ipc_last_error_code;
%nothread ipc_version;
%nothread ipc_version_string;
%nothread ipc_shm_data;
%nothread ipc_shm_size;
%nothread ipc_shm_kind;
%nothread ipc_shm_is_readonly;
%nothread ipc_shm_name;
%nothread ipc_shm_stream_version;
%nothread ipc_shm_stream_capacity;

%{
#include <float.h>
#include <limits.h>
#include <string.h>

/* ---- Errors -------------------------------------------------------------
 * libipc.errors installs a factory, factory(code, name, detail) -> exception
 * instance, so the class hierarchy and message format live in Python. Before
 * that (the module used on its own) errors are libipc_native.Error with args
 * (code, name, detail). */
static PyObject *ipc_py_error_factory = NULL;
static PyObject *ipc_py_error_base = NULL;

/* Sets the Python exception for `code`. detail NULL means "the failing call's
 * own message": read at once, since it lives only until the next libipc call
 * on this thread (SWIG reacquires the GIL on the same thread, so nothing ran
 * in between). */
static void ipc_py_raise(int code, const char *detail) {
  PyObject *text, *exc;
  if (!detail) detail = ipc_last_error_code() == code ? ipc_last_error_message() : "";
  if (!*detail) detail = ipc_strerror(code);
  text = PyUnicode_DecodeUTF8(detail, (Py_ssize_t)strlen(detail), "replace");
  if (!text) return;
  if (ipc_py_error_factory) {
    exc = PyObject_CallFunction(ipc_py_error_factory, "isO", code, ipc_err_name(code), text);
  } else {
    exc = PyObject_CallFunction(ipc_py_error_base, "isO", code, ipc_err_name(code), text);
  }
  Py_DECREF(text);
  if (!exc) return; /* the factory's own exception stands */
  PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
  Py_DECREF(exc);
}

static PyObject *ipc_py_set_error_factory(PyObject *self, PyObject *args) {
  PyObject *factory;
  (void)self;
  if (!PyArg_ParseTuple(args, "O:set_error_factory", &factory)) return NULL;
  if (factory != Py_None && !PyCallable_Check(factory)) {
    PyErr_SetString(PyExc_TypeError, "set_error_factory: expected a callable or None");
    return NULL;
  }
  Py_XDECREF(ipc_py_error_factory);
  ipc_py_error_factory = factory == Py_None ? NULL : factory;
  Py_XINCREF(ipc_py_error_factory);
  Py_RETURN_NONE;
}

/* ---- size_t arguments ---------------------------------------------------
 * Any int-like (operator.index: numpy integers too). Negative or too large is
 * an out-of-range offset/length like any other: IPC_ERANGE, not OverflowError. */
static int ipc_py_size(PyObject *o, size_t *out) {
  PyObject *i = PyNumber_Index(o);
  size_t v;
  if (!i) return 0;
  v = PyLong_AsSize_t(i);
  Py_DECREF(i);
  if (v == (size_t)-1 && PyErr_Occurred()) {
    if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return 0;
    PyErr_Clear();
    ipc_py_raise(IPC_ERANGE, "offset, length or size is negative or too large");
    return 0;
  }
  *out = v;
  return 1;
}

/* ---- Names --------------------------------------------------------------
 * str, bytes or os.PathLike, encoded like a file name (UTF-8, surrogateescape);
 * None is NULL (ANON). *keep receives a new reference that owns the bytes. */
static int ipc_py_name(PyObject *o, const char **out, PyObject **keep) {
  PyObject *path, *bytes;
  *keep = NULL;
  if (o == Py_None) {
    *out = NULL;
    return 1;
  }
  path = PyOS_FSPath(o);
  if (!path) return 0;
  if (PyUnicode_Check(path)) {
    bytes = PyUnicode_EncodeFSDefault(path);
    Py_DECREF(path);
    if (!bytes) return 0;
  } else {
    bytes = path; /* PyOS_FSPath returns only str or bytes */
  }
  if ((size_t)PyBytes_GET_SIZE(bytes) != strlen(PyBytes_AS_STRING(bytes))) {
    Py_DECREF(bytes);
    ipc_py_raise(IPC_EBADNAME, "name contains a NUL character");
    return 0;
  }
  *out = PyBytes_AS_STRING(bytes);
  *keep = bytes;
  return 1;
}

/* ---- Text input ---------------------------------------------------------
 * str (sent as UTF-8; the str caches it, so nothing to free) or a bytes-like
 * object holding UTF-8 (held in *view for the call: *held = 1). A str with
 * lone surrogates is not text: IPC_EILSEQ, as for invalid UTF-8. */
static int ipc_py_text(PyObject *o, const char **out, size_t *len, Py_buffer *view, int *held) {
  *held = 0;
  if (PyUnicode_Check(o)) {
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(o, &n);
    if (!s) {
      if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
        PyErr_Clear();
        ipc_py_raise(IPC_EILSEQ, "text contains lone surrogates (not valid Unicode)");
      }
      return 0;
    }
    *out = s;
    *len = (size_t)n;
    return 1;
  }
  if (PyObject_GetBuffer(o, view, PyBUF_SIMPLE) < 0) return 0;
  *held = 1;
  *out = (const char *)view->buf;
  *len = (size_t)view->len;
  return 1;
}

/* ---- Float arrays -------------------------------------------------------
 * True if the buffer's elements are native C floats of `itemsize` bytes
 * ('f'/'d', native or little-endian order: every supported platform is LE). */
static int ipc_py_is_float_format(const Py_buffer *v, char ch, Py_ssize_t itemsize) {
  const char *f = v->format ? v->format : "B";
  if (*f == '@' || *f == '=' || (PY_LITTLE_ENDIAN && *f == '<')) ++f;
  return f[0] == ch && f[1] == '\0' && v->itemsize == itemsize;
}

/* Input floats: a C-contiguous buffer of exactly that element type is passed in
 * place (zero-copy; *held = 1, released after the call). Anything else is read
 * as a sequence of numbers into *copy (PyMem_Malloc'd, freed after the call).
 * Converting a double to float rounds per IEEE 754 (out of range gives inf, as
 * Node's Float32Array does). */
static int ipc_py_floats_in(PyObject *o, char ch, size_t itemsize, Py_buffer *view, int *held,
                            void **copy, size_t *count) {
  PyObject *seq;
  Py_ssize_t n, i;
  *held = 0;
  *copy = NULL;
  if (PyObject_CheckBuffer(o)) {
    if (PyObject_GetBuffer(o, view, PyBUF_ND | PyBUF_FORMAT) == 0) {
      if (ipc_py_is_float_format(view, ch, (Py_ssize_t)itemsize)) {
        *held = 1;
        *count = (size_t)view->len / itemsize;
        return 1;
      }
      PyBuffer_Release(view);
    } else {
      PyErr_Clear();
    }
  }
  seq = PySequence_Fast(o, "expected a sequence of numbers or a float buffer");
  if (!seq) return 0;
  n = PySequence_Fast_GET_SIZE(seq);
  *copy = PyMem_Malloc(n ? (size_t)n * itemsize : 1);
  if (!*copy) {
    Py_DECREF(seq);
    PyErr_NoMemory();
    return 0;
  }
  for (i = 0; i < n; ++i) {
    double d = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(seq, i));
    if (d == -1.0 && PyErr_Occurred()) {
      Py_DECREF(seq);
      return 0; /* *copy is freed by the caller's freearg */
    }
    if (itemsize == sizeof(float))
      ((float *)*copy)[i] = (float)d;
    else
      ((double *)*copy)[i] = d;
  }
  Py_DECREF(seq);
  *count = (size_t)n;
  return 1;
}

/* Output floats: a writable C-contiguous buffer of that element type, filled in
 * place; count = its length in elements. */
static int ipc_py_floats_out(PyObject *o, char ch, size_t itemsize, Py_buffer *view) {
  if (PyObject_GetBuffer(o, view, PyBUF_ND | PyBUF_WRITABLE | PyBUF_FORMAT) < 0) return 0;
  if (!ipc_py_is_float_format(view, ch, (Py_ssize_t)itemsize)) {
    PyBuffer_Release(view);
    PyErr_Format(PyExc_TypeError, "expected a writable contiguous float%d buffer "
                 "(array.array('%c') or a numpy.float%d array)",
                 (int)(itemsize * 8), ch, (int)(itemsize * 8));
    return 0;
  }
  return 1;
}

/* ---- The shm handle -----------------------------------------------------
 * libipc_native.ShmHandle owns one ipc_shm_t and exports its mapping through
 * the buffer protocol: memoryview(handle) is a zero-copy view that holds a
 * reference to the handle (Py_buffer.obj), so the mapping cannot be unmapped
 * under it. close() unmaps at once when no view is alive; otherwise the handle
 * counts as closed for every call, and the unmap happens when the last view is
 * released. Read-only handles refuse writable buffer requests, so no Python
 * object can ever write through a PROT_READ mapping. */
typedef struct {
  PyObject_HEAD
  ipc_shm_t *shm;     /* NULL once unmapped */
  void *addr;         /* constant for the handle's life (ipc_shm_data) */
  Py_ssize_t size;
  int readonly;
  int close_pending;  /* close() called while views were alive */
  Py_ssize_t exports; /* buffers handed out and not yet released */
} ipc_py_shm;

static PyTypeObject ipc_py_shm_type;

static int ipc_py_shm_closed(const ipc_py_shm *self) { return !self->shm || self->close_pending; }

/* Unmaps; returns the ipc_shm_close code. */
static int ipc_py_shm_unmap(ipc_py_shm *self, int release_gil) {
  ipc_shm_t *h = self->shm;
  int rc;
  self->shm = NULL;
  self->addr = NULL;
  if (!h) return IPC_OK;
  if (release_gil) {
    Py_BEGIN_ALLOW_THREADS
    rc = ipc_shm_close(h); /* flushes a file mapping: may block */
    Py_END_ALLOW_THREADS
  } else {
    rc = ipc_shm_close(h);
  }
  return rc;
}

/* Takes ownership of h (closes it on failure). */
static PyObject *ipc_py_shm_new(ipc_shm_t *h) {
  ipc_py_shm *self;
  void *addr = NULL;
  size_t size = 0;
  int ro = 0, rc;
  if ((rc = ipc_shm_data(h, &addr, &size)) != IPC_OK || (rc = ipc_shm_is_readonly(h, &ro)) != IPC_OK) {
    ipc_py_raise(rc, NULL);
    ipc_shm_close(h);
    return NULL;
  }
  self = PyObject_New(ipc_py_shm, &ipc_py_shm_type);
  if (!self) {
    ipc_shm_close(h);
    return NULL;
  }
  self->shm = h;
  self->addr = addr;
  self->size = (Py_ssize_t)size;
  self->readonly = ro;
  self->close_pending = 0;
  self->exports = 0;
  return (PyObject *)self;
}

/* The ipc_shm_t * argument of every shm call. A closed handle fails here with
 * IPC_EBADHANDLE instead of reaching C with a stale id. */
static int ipc_py_shm_arg(PyObject *o, ipc_shm_t **out) {
  if (!PyObject_TypeCheck(o, &ipc_py_shm_type)) {
    PyErr_Format(PyExc_TypeError, "expected a libipc_native.ShmHandle, not %.200s", Py_TYPE(o)->tp_name);
    return 0;
  }
  if (ipc_py_shm_closed((ipc_py_shm *)o)) {
    ipc_py_raise(IPC_EBADHANDLE, "shared memory handle is closed");
    return 0;
  }
  *out = ((ipc_py_shm *)o)->shm;
  return 1;
}

static void ipc_py_shm_dealloc(PyObject *o) {
  /* No view can be alive here (each holds a reference). Errors cannot be
   * reported from a finalizer; close() reports them. */
  ipc_py_shm_unmap((ipc_py_shm *)o, 0);
  PyObject_Free(o);
}

static int ipc_py_shm_getbuffer(PyObject *o, Py_buffer *view, int flags) {
  ipc_py_shm *self = (ipc_py_shm *)o;
  if (ipc_py_shm_closed(self)) {
    view->obj = NULL;
    ipc_py_raise(IPC_EBADHANDLE, "shared memory handle is closed");
    return -1;
  }
  /* Raises BufferError for a writable request on a read-only handle. */
  if (PyBuffer_FillInfo(view, o, self->addr, self->size, self->readonly, flags) < 0) return -1;
  ++self->exports;
  return 0;
}

static void ipc_py_shm_releasebuffer(PyObject *o, Py_buffer *view) {
  ipc_py_shm *self = (ipc_py_shm *)o;
  (void)view;
  if (--self->exports == 0 && self->close_pending) ipc_py_shm_unmap(self, 0);
}

static PyBufferProcs ipc_py_shm_as_buffer = {ipc_py_shm_getbuffer, ipc_py_shm_releasebuffer};

static PyObject *ipc_py_shm_close(PyObject *o, PyObject *unused) {
  ipc_py_shm *self = (ipc_py_shm *)o;
  int rc;
  (void)unused;
  if (ipc_py_shm_closed(self)) Py_RETURN_NONE; /* idempotent */
  if (self->exports > 0) {
    self->close_pending = 1; /* unmapped by the last view's release */
    Py_RETURN_NONE;
  }
  rc = ipc_py_shm_unmap(self, 1);
  if (rc != IPC_OK) {
    ipc_py_raise(rc, NULL);
    return NULL;
  }
  Py_RETURN_NONE;
}

static PyObject *ipc_py_shm_get_closed(PyObject *o, void *c) {
  (void)c;
  return PyBool_FromLong(ipc_py_shm_closed((ipc_py_shm *)o));
}
static PyObject *ipc_py_shm_get_mapped(PyObject *o, void *c) {
  (void)c;
  return PyBool_FromLong(((ipc_py_shm *)o)->shm != NULL);
}
static PyObject *ipc_py_shm_get_size(PyObject *o, void *c) {
  (void)c;
  return PyLong_FromSsize_t(((ipc_py_shm *)o)->size);
}
static PyObject *ipc_py_shm_get_readonly(PyObject *o, void *c) {
  (void)c;
  return PyBool_FromLong(((ipc_py_shm *)o)->readonly);
}
static PyObject *ipc_py_shm_get_address(PyObject *o, void *c) {
  (void)c;
  return PyLong_FromVoidPtr(((ipc_py_shm *)o)->addr);
}
static PyObject *ipc_py_shm_get_exports(PyObject *o, void *c) {
  (void)c;
  return PyLong_FromSsize_t(((ipc_py_shm *)o)->exports);
}

static PyObject *ipc_py_shm_repr(PyObject *o) {
  ipc_py_shm *self = (ipc_py_shm *)o;
  return PyUnicode_FromFormat("<libipc_native.ShmHandle size=%zd%s%s>", self->size,
                              self->readonly ? " readonly" : "",
                              !self->shm ? " closed" : self->close_pending ? " closed (views alive)" : "");
}

static PyMethodDef ipc_py_shm_methods[] = {
    {"close", ipc_py_shm_close, METH_NOARGS,
     "Close the handle. Unmaps now, or when the last view is released. Idempotent."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef ipc_py_shm_getset[] = {
    {"closed", ipc_py_shm_get_closed, NULL, "True after close()", NULL},
    {"mapped", ipc_py_shm_get_mapped, NULL, "True until the mapping is unmapped", NULL},
    {"size", ipc_py_shm_get_size, NULL, "mapping length in bytes", NULL},
    {"readonly", ipc_py_shm_get_readonly, NULL, "True for a read-only mapping", NULL},
    {"address", ipc_py_shm_get_address, NULL, "start address of the mapping (0 once unmapped)", NULL},
    {"exports", ipc_py_shm_get_exports, NULL, "number of buffers (views) alive", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static int ipc_py_shm_type_ready(void) {
  ipc_py_shm_type.tp_name = "libipc_native.ShmHandle";
  ipc_py_shm_type.tp_basicsize = sizeof(ipc_py_shm);
  ipc_py_shm_type.tp_dealloc = ipc_py_shm_dealloc;
  ipc_py_shm_type.tp_repr = ipc_py_shm_repr;
  ipc_py_shm_type.tp_as_buffer = &ipc_py_shm_as_buffer;
  ipc_py_shm_type.tp_flags = Py_TPFLAGS_DEFAULT;
  ipc_py_shm_type.tp_doc = "An open libipc shared memory segment (from shm_open). "
                           "memoryview(handle) is a zero-copy view that keeps the mapping alive.";
  ipc_py_shm_type.tp_methods = ipc_py_shm_methods;
  ipc_py_shm_type.tp_getset = ipc_py_shm_getset;
  return PyType_Ready(&ipc_py_shm_type);
}
%}

%native(set_error_factory) ipc_py_set_error_factory;

%init %{
  if (ipc_py_shm_type_ready() < 0) return NULL;
  Py_INCREF(&ipc_py_shm_type);
  if (PyModule_AddObject(m, "ShmHandle", (PyObject *)&ipc_py_shm_type) < 0) return NULL;
  ipc_py_error_base = PyErr_NewException("libipc_native.Error", NULL, NULL);
  if (!ipc_py_error_base) return NULL;
  Py_INCREF(ipc_py_error_base);
  if (PyModule_AddObject(m, "Error", ipc_py_error_base) < 0) return NULL;
%}

/* Semaphores and message queues: handle types, fast receives, the %ignore and
 * %nothread lists of those areas. */
%include "python/sem_mq.i"
