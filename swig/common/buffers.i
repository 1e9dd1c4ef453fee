/* libipc SWIG — shared typemaps: buffers. */

#if defined(SWIGPYTHON)
/* Python section (owner: the Python binding; catalogue in ../TYPEMAPS.md).
 * Nothing here outlives the call: buffers are held (Py_buffer) for the whole
 * call, since -threads releases the GIL around it (SWIG's pybuffer.i releases
 * them before the call: not safe here), and temporary copies are freed by
 * freearg. Helpers are in python/prologue.i. */

/* IPC_SIZE: size_t arguments take any int-like; negative/too big -> IPC_ERANGE. */
%typemap(in) size_t "if (!ipc_py_size($input, &$1)) SWIG_fail;"

/* IPC_NAME: a resource name or path: str, bytes, os.PathLike or None (NULL).
 * The encoded bytes object is owned by the wrapper and dropped after the call. */
%typemap(in) const char *name (PyObject *ipc_name_keep = NULL)
  "if (!ipc_py_name($input, (const char **)&$1, &ipc_name_keep)) SWIG_fail;"
%typemap(freearg) const char *name "Py_XDECREF(ipc_name_keep$argnum);"

/* IPC_BYTES_IN: any C-contiguous bytes-like object, read in place. */
%typemap(in) (const void *data, size_t len) (Py_buffer ipc_in_view, int ipc_in_held = 0) {
  if (PyObject_GetBuffer($input, &ipc_in_view, PyBUF_SIMPLE) < 0) SWIG_fail;
  ipc_in_held = 1;
  $1 = ipc_in_view.buf;
  $2 = (size_t)ipc_in_view.len;
}
%typemap(freearg) (const void *data, size_t len) "if (ipc_in_held$argnum) PyBuffer_Release(&ipc_in_view$argnum);"

/* IPC_BYTES_INTO: a writable C-contiguous buffer (bytearray, numpy array...),
 * filled in place; its length is the length read (or the capacity). */
%typemap(in) (void *buf, size_t len) (Py_buffer ipc_into_view, int ipc_into_held = 0) {
  if (PyObject_GetBuffer($input, &ipc_into_view, PyBUF_WRITABLE) < 0) SWIG_fail;
  ipc_into_held = 1;
  $1 = ipc_into_view.buf;
  $2 = (size_t)ipc_into_view.len;
}
%typemap(freearg) (void *buf, size_t len) "if (ipc_into_held$argnum) PyBuffer_Release(&ipc_into_view$argnum);"
%apply (void *buf, size_t len) { (void *buf, size_t cap) };

/* IPC_TEXT_IN: str (as UTF-8) or bytes-like UTF-8; lone surrogates -> IPC_EILSEQ. */
%typemap(in) (const char *text, size_t text_len) (Py_buffer ipc_text_view, int ipc_text_held = 0)
  "if (!ipc_py_text($input, (const char **)&$1, &$2, &ipc_text_view, &ipc_text_held)) SWIG_fail;"
%typemap(freearg) (const char *text, size_t text_len) "if (ipc_text_held$argnum) PyBuffer_Release(&ipc_text_view$argnum);"

/* IPC_TEXT_OUT: (buf, cap, &out_len). The Python argument is the capacity in
 * bytes (the idiomatic layer passes a bound it knows is enough); the wrapper
 * PyMem_Mallocs the buffer, returns the text as str (UTF-8, surrogateescape
 * for names) and frees it. Too small -> IPC_EMSGSIZE. */
%typemap(in) (char *buf, size_t cap, size_t *out_len) (char *ipc_out_text = NULL, size_t ipc_out_text_len = 0) {
  if (!ipc_py_size($input, &$2)) SWIG_fail;
  ipc_out_text = (char *)PyMem_Malloc($2 ? $2 : 1);
  if (!ipc_out_text) { PyErr_NoMemory(); SWIG_fail; }
  $1 = ipc_out_text;
  $3 = &ipc_out_text_len;
}
%typemap(argout) (char *buf, size_t cap, size_t *out_len) {
  PyObject *ipc_str = PyUnicode_DecodeUTF8($1, (Py_ssize_t)*$3, "surrogateescape");
  if (!ipc_str) {
    Py_XDECREF($result); /* a failed call returns no partial result */
    SWIG_fail;
  }
  $result = SWIG_Python_AppendOutput($result, ipc_str);
}
%typemap(freearg) (char *buf, size_t cap, size_t *out_len) "PyMem_Free(ipc_out_text$argnum);"

/* IPC_FLOATS_IN: a contiguous buffer of exactly that float type is read in
 * place; any other sequence of numbers is converted into a PyMem copy, freed
 * after the call. IPC_FLOATS_INTO: a writable contiguous buffer of that float
 * type (array.array('f'/'d'), numpy), filled in place; count = its length. */
%define IPC_PY_FLOATS(CTYPE, CH)
%typemap(in) (const CTYPE *values, size_t count)
  (Py_buffer ipc_fin_view, int ipc_fin_held = 0, void *ipc_fin_copy = NULL) {
  if (!ipc_py_floats_in($input, CH, sizeof(CTYPE), &ipc_fin_view, &ipc_fin_held, &ipc_fin_copy, &$2))
    SWIG_fail;
  $1 = ($1_ltype)(ipc_fin_held ? ipc_fin_view.buf : ipc_fin_copy);
}
%typemap(freearg) (const CTYPE *values, size_t count) {
  if (ipc_fin_held$argnum) PyBuffer_Release(&ipc_fin_view$argnum);
  PyMem_Free(ipc_fin_copy$argnum);
}
%typemap(in) (CTYPE *out, size_t count) (Py_buffer ipc_fout_view, int ipc_fout_held = 0) {
  if (!ipc_py_floats_out($input, CH, sizeof(CTYPE), &ipc_fout_view)) SWIG_fail;
  ipc_fout_held = 1;
  $1 = (CTYPE *)ipc_fout_view.buf;
  $2 = (size_t)ipc_fout_view.len / sizeof(CTYPE);
}
%typemap(freearg) (CTYPE *out, size_t count) "if (ipc_fout_held$argnum) PyBuffer_Release(&ipc_fout_view$argnum);"
%enddef
IPC_PY_FLOATS(float, 'f')
IPC_PY_FLOATS(double, 'd')

/* IPC_OUT: scalar out-parameters become results, in parameter order (one
 * result: returned as is; several: a list). Nothing to free. */
%define IPC_PY_OUT(CTYPE, INIT, CONVERT, NAMES...)
%typemap(in, numinputs=0) CTYPE *IPC_PY_OUT_ (CTYPE ipc_out_value = INIT) "$1 = &ipc_out_value;"
%typemap(argout) CTYPE *IPC_PY_OUT_ {
  PyObject *ipc_obj = CONVERT;
  if (!ipc_obj) {
    Py_XDECREF($result);
    SWIG_fail;
  }
  $result = SWIG_Python_AppendOutput($result, ipc_obj);
}
%apply CTYPE *IPC_PY_OUT_ { NAMES };
%enddef
IPC_PY_OUT(size_t, 0, PyLong_FromSize_t(*$1), size_t *out_size, size_t *out_len, size_t *out_written,
           size_t *out_capacity, size_t *out_count, size_t *out_bytes)
IPC_PY_OUT(void *, NULL, PyLong_FromVoidPtr(*$1), void **out_addr)
IPC_PY_OUT(int, 0, PyLong_FromLong(*$1), int *out)
IPC_PY_OUT(ipc_shm_kind_t, IPC_SHM_POSIX, PyLong_FromLong((long)*$1), ipc_shm_kind_t *out_kind)
IPC_PY_OUT(ipc_stream_type_t, IPC_STREAM_EMPTY, PyLong_FromLong((long)*$1), ipc_stream_type_t *out_type)
IPC_PY_OUT(uint64_t, 0, PyLong_FromUnsignedLongLong(*$1), uint64_t *out_version, uint64_t *out_count)
IPC_PY_OUT(unsigned, 0, PyLong_FromUnsignedLong(*$1), unsigned *out_value, unsigned *out_priority)
IPC_PY_OUT(int, -1, PyLong_FromLong(*$1), int *out_fd)

/* IPC_TIMEOUT: milliseconds, any int-like: -1 (IPC_INFINITE), 0 (IPC_NOWAIT)
 * or a positive limit; anything else -> IPC_ERANGE. The package converts
 * seconds (None = forever) to this. */
%typemap(in) int64_t timeout_ms (long long ipc_tmo = 0) {
  if (!ipc_py_ranged($input, -1, INT64_MAX, IPC_ERANGE, "timeout out of range", &ipc_tmo)) SWIG_fail;
  $1 = (int64_t)ipc_tmo;
}
/* IPC_UINT_ARGS: small unsigned arguments, int-like, range-checked with the
 * code C would give: priority 0..IPC_MQ_PRIO_MAX (IPC_EINVAL), a semaphore's
 * initial count 0..IPC_SEM_VALUE_MAX (IPC_ERANGE), spin 0..2^32-1 (IPC_ERANGE),
 * a batch's max_count 1..2^20 (IPC_EINVAL). */
%typemap(in) unsigned priority (long long ipc_prio = 0) {
  if (!ipc_py_ranged($input, 0, IPC_MQ_PRIO_MAX, IPC_EINVAL, "priority must be 0..31", &ipc_prio)) SWIG_fail;
  $1 = (unsigned)ipc_prio;
}
%typemap(in) unsigned initial (long long ipc_init = 0) {
  if (!ipc_py_ranged($input, 0, IPC_SEM_VALUE_MAX, IPC_ERANGE, "initial count must be 0..2**31-1", &ipc_init))
    SWIG_fail;
  $1 = (unsigned)ipc_init;
}
%typemap(in) uint32_t spin_ns (long long ipc_spin = 0) {
  if (!ipc_py_ranged($input, 0, UINT32_MAX, IPC_ERANGE, "spin must be 0..2**32-1 ns", &ipc_spin)) SWIG_fail;
  $1 = (uint32_t)ipc_spin;
}
%typemap(in) size_t max_count (long long ipc_maxc = 0) {
  if (!ipc_py_ranged($input, 1, 1 << 20, IPC_EINVAL, "max_count must be 1..2**20", &ipc_maxc)) SWIG_fail;
  $1 = (size_t)ipc_maxc;
}
#elif defined(SWIGCSHARP)
/* C# section (owner: the C# binding; catalogue in ../TYPEMAPS.md, "C#").
 * Memory is never copied or owned by the generated layer: the hand-written C#
 * pins a Span (fixed) or passes the mapping's own address, and the length
 * travels beside it. */

/* size_t is nuint (native-sized, exactly size_t on every platform). */
%typemap(ctype)  size_t "size_t"
%typemap(imtype) size_t "nuint"
%typemap(cstype) size_t "nuint"
%typemap(csin)   size_t "$csinput"
%typemap(in)     size_t %{ $1 = $input; %}
%typemap(out)    size_t %{ $result = $1; %}
%typemap(csout, excode=SWIGEXCODE) size_t {
    nuint ret = $imcall;$excode
    return ret;
  }

/* IPC_PTR: a caller's buffer or array, passed as an IntPtr the C# side pinned.
 * The callee copies input before return and fills output before return; no
 * ownership moves. */
%typemap(ctype)  void *IPC_PTR "void *"
%typemap(imtype) void *IPC_PTR "global::System.IntPtr"
%typemap(cstype) void *IPC_PTR "global::System.IntPtr"
%typemap(csin)   void *IPC_PTR "$csinput"
%typemap(in)     void *IPC_PTR %{ $1 = ($1_ltype)$input; %}
%apply void *IPC_PTR { const void *data, void *buf, char *buf, const char *text,
                       const float *values, float *out, const double *values, double *out };

/* IPC_OUT_*: out-parameters, C# `out`. The marshaller passes the address of a
 * managed local; the C side writes it before returning. */
%define IPC_CS_OUT(CTYPE, CSTYPE, NAMES...)
%typemap(ctype)  CTYPE *IPC_OUT_ "CTYPE *"
%typemap(imtype) CTYPE *IPC_OUT_ "out CSTYPE"
%typemap(cstype) CTYPE *IPC_OUT_ "out CSTYPE"
%typemap(csin)   CTYPE *IPC_OUT_ "out $csinput"
%typemap(in)     CTYPE *IPC_OUT_ %{ $1 = ($1_ltype)$input; %}
%apply CTYPE *IPC_OUT_ { NAMES };
%enddef
IPC_CS_OUT(size_t, nuint, size_t *out_size, size_t *out_len, size_t *out_written,
           size_t *out_capacity)
IPC_CS_OUT(void *, global::System.IntPtr, void **out_addr)
IPC_CS_OUT(int, int, int *out)
IPC_CS_OUT(uint64_t, ulong, uint64_t *out_version)
IPC_CS_OUT(ipc_shm_kind_t, int, ipc_shm_kind_t *out_kind)
IPC_CS_OUT(ipc_stream_type_t, int, ipc_stream_type_t *out_type)

/* Semaphores and queues (sem.i, mq.i). */
/* IPC_FIXED_INTS: the <stdint.h> types are not known to SWIG (it does not
 * follow #include): each gets the typemaps of the C type of its width, so
 * timeouts (int64_t) are long, spins (uint32_t) uint, counters (uint64_t)
 * ulong. Range checks are the C# layer's (a TimeSpan becomes -1, 0 or a
 * positive number of milliseconds there). */
%apply long long { int64_t };
%apply unsigned int { uint32_t };
%apply unsigned long long { uint64_t };
IPC_CS_OUT(size_t, nuint, size_t *out_count, size_t *out_bytes)
IPC_CS_OUT(unsigned, uint, unsigned *out_value, unsigned *out_priority)
IPC_CS_OUT(uint64_t, ulong, uint64_t *out_count)
IPC_CS_OUT(int, int, int *out_fd)

/* IPC_NOTIFY_FN: a readiness callback and its user_data, both IntPtr. The C#
 * layer passes the address of an [UnmanagedCallersOnly] static method and a
 * GCHandle; the callback runs on a libipc thread. The GCHandle is freed only
 * after the C handle is closed and no call on it is in flight (the C object,
 * and with it the thread that calls back, is gone by then). */
%typemap(ctype)  ipc_notify_fn "ipc_notify_fn"
%typemap(imtype) ipc_notify_fn "global::System.IntPtr"
%typemap(cstype) ipc_notify_fn "global::System.IntPtr"
%typemap(csin)   ipc_notify_fn "$csinput"
%typemap(in)     ipc_notify_fn %{ $1 = ($1_ltype)$input; %}
%apply void *IPC_PTR { void *user_data };
#endif
