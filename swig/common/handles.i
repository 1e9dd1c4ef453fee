/* libipc SWIG — shared typemaps: handles. */

#if defined(SWIGPYTHON)
/* Python section (owner: the Python binding; catalogue in ../TYPEMAPS.md).
 * An ipc_shm_t * is a libipc_native.ShmHandle (python/prologue.i): it owns the
 * handle, closes it in close() or when collected, and exports the mapping as
 * a buffer that keeps it alive. ipc_shm_close is its close() method. */
%ignore ipc_shm_close;

/* IPC_HANDLE_IN: a ShmHandle argument. Closed -> IPC_EBADHANDLE (raised here);
 * anything else -> TypeError. The args tuple keeps the handle alive during the
 * call; a close() on another thread meanwhile is safe (the C handle table). */
%typemap(in) ipc_shm_t * "if (!ipc_py_shm_arg($input, &$1)) SWIG_fail;"

/* IPC_HANDLE_OUT: shm_open's out-handle becomes the (only) result, a new
 * ShmHandle that owns it from the moment the call returns. */
%typemap(in, numinputs=0) ipc_shm_t **out (ipc_shm_t *ipc_new_handle = NULL) "$1 = &ipc_new_handle;"
%typemap(argout) ipc_shm_t **out {
  PyObject *ipc_obj = ipc_py_shm_new(*$1); /* closes the handle if it fails */
  *$1 = NULL;
  if (!ipc_obj) {
    Py_XDECREF($result);
    SWIG_fail;
  }
  $result = SWIG_Python_AppendOutput($result, ipc_obj);
}

/* IPC_HANDLE_IN / IPC_HANDLE_OUT for semaphores and queues: a
 * libipc_native.SemHandle / MqHandle (python/sem_mq.i), checked and owned as
 * a ShmHandle is (no buffer). ipc_sem_close / ipc_mq_close are their close(). */
%define IPC_PY_OBJ_HANDLE(CTYPE, PYTYPE)
%typemap(in) CTYPE * "if (!ipc_py_obj_arg($input, &PYTYPE, (void **)&$1)) SWIG_fail;"
%typemap(in, numinputs=0) CTYPE **out (CTYPE *ipc_new_obj = NULL) "$1 = &ipc_new_obj;"
%typemap(argout) CTYPE **out {
  PyObject *ipc_obj = ipc_py_obj_new(&PYTYPE, *$1); /* closes the handle if it fails */
  *$1 = NULL;
  if (!ipc_obj) {
    Py_XDECREF($result);
    SWIG_fail;
  }
  $result = SWIG_Python_AppendOutput($result, ipc_obj);
}
%enddef
IPC_PY_OBJ_HANDLE(ipc_sem_t, ipc_py_sem_type)
IPC_PY_OBJ_HANDLE(ipc_mq_t, ipc_py_mq_type)
#elif defined(SWIGCSHARP)
/* C# section (owner: the C# binding; catalogue in ../TYPEMAPS.md, "C#").
 * An ipc_shm_t * is a LibIpc.ShmHandle, a SafeHandle: the P/Invoke marshaller
 * AddRefs it for the length of every call (so a Dispose racing a call waits for
 * the call, and a closed handle throws ObjectDisposedException before reaching
 * C), and its ReleaseHandle calls ipc_shm_close exactly once. */
%typemap(ctype)  ipc_shm_t * "void *"
%typemap(imtype) ipc_shm_t * "global::LibIpc.ShmHandle"
%typemap(cstype) ipc_shm_t * "global::LibIpc.ShmHandle"
%typemap(csin)   ipc_shm_t * "$csinput"
%typemap(in)     ipc_shm_t * %{ $1 = ($1_ltype)$input; %}

/* The out-handle of ipc_shm_open: the marshaller creates the ShmHandle before
 * the call and stores the pointer into it after, so no handle can leak between
 * the C return and the SafeHandle taking ownership. */
%typemap(ctype)  ipc_shm_t ** "void **"
%typemap(imtype) ipc_shm_t ** "out global::LibIpc.ShmHandle"
%typemap(cstype) ipc_shm_t ** "out global::LibIpc.ShmHandle"
%typemap(csin)   ipc_shm_t ** "out $csinput"
%typemap(in)     ipc_shm_t ** %{ $1 = ($1_ltype)$input; %}

/* ReleaseHandle runs when the SafeHandle is already closed, so it cannot pass
 * the SafeHandle itself: close takes the raw pointer instead. */
%ignore ipc_shm_close;
%typemap(ctype)  void *IPC_RAW_HANDLE "void *"
%typemap(imtype) void *IPC_RAW_HANDLE "global::System.IntPtr"
%typemap(cstype) void *IPC_RAW_HANDLE "global::System.IntPtr"
%typemap(csin)   void *IPC_RAW_HANDLE "$csinput"
%typemap(in)     void *IPC_RAW_HANDLE %{ $1 = $input; %}
%rename(shm_close) ipc_cs_shm_close;
%inline %{
static int ipc_cs_shm_close(void *IPC_RAW_HANDLE) { return ipc_shm_close((ipc_shm_t *)IPC_RAW_HANDLE); }
%}

/* Semaphores and queues: LibIpc.SemHandle / LibIpc.MqHandle, SafeHandles as
 * ShmHandle is (AddRef'd for every call, out-handle stored by the marshaller).
 * Their close differs: the C handle is an id looked up in a table, never a
 * dereferenced pointer, so the owner may close it by its raw value while calls
 * are still in flight (that is how a Dispose wakes a thread blocked in a wait
 * with IPC_ECLOSED); ReleaseHandle closes it only if that has not happened. */
%define IPC_CS_OBJ_HANDLE(CTYPE, CSTYPE, CLOSE)
%typemap(ctype)  CTYPE * "void *"
%typemap(imtype) CTYPE * "CSTYPE"
%typemap(cstype) CTYPE * "CSTYPE"
%typemap(csin)   CTYPE * "$csinput"
%typemap(in)     CTYPE * %{ $1 = ($1_ltype)$input; %}
%typemap(ctype)  CTYPE ** "void **"
%typemap(imtype) CTYPE ** "out CSTYPE"
%typemap(cstype) CTYPE ** "out CSTYPE"
%typemap(csin)   CTYPE ** "out $csinput"
%typemap(in)     CTYPE ** %{ $1 = ($1_ltype)$input; %}
%ignore CLOSE;
%enddef
IPC_CS_OBJ_HANDLE(ipc_sem_t, global::LibIpc.SemHandle, ipc_sem_close)
IPC_CS_OBJ_HANDLE(ipc_mq_t, global::LibIpc.MqHandle, ipc_mq_close)
%rename(sem_close) ipc_cs_sem_close;
%rename(mq_close) ipc_cs_mq_close;
%inline %{
static int ipc_cs_sem_close(void *IPC_RAW_HANDLE) { return ipc_sem_close((ipc_sem_t *)IPC_RAW_HANDLE); }
static int ipc_cs_mq_close(void *IPC_RAW_HANDLE) { return ipc_mq_close((ipc_mq_t *)IPC_RAW_HANDLE); }
%}

/* With the typemaps above and in buffers.i (int64_t, uint32_t, uint64_t,
 * unsigned out-parameters, ipc_notify_fn), libipc.i wraps sem.i and mq.i for
 * C# too. */
#define IPC_SWIG_CSHARP_SEM_MQ
#endif
