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
#elif defined(SWIGCSHARP)
/* (C# section) */
#endif
