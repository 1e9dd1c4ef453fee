/* libipc SWIG — shared typemaps: errors. */

#if defined(SWIGPYTHON)
/* Python section (owner: the Python binding; catalogue in ../TYPEMAPS.md).
 * Helpers (ipc_py_raise) are in python/prologue.i. */

/* IPC_ERRCODE: every returned int is an ipc_error_t. Non-zero raises the
 * exception libipc.errors maps the code to (IpcError subclasses), carrying
 * .code, .name and ipc_last_error_message(); zero returns None, or the
 * out-parameters (buffers.i) when there are any. Raising here, before the
 * argout typemaps run, means no result object is built for a failed call. */
%typemap(out) int {
  if ($1 != IPC_OK) {
    ipc_py_raise($1, NULL);
    SWIG_fail;
  }
  $result = SWIG_Py_Void();
}
/* ...except the int returns that are values, not codes. */
%typemap(out) int ipc_last_error_code "$result = PyLong_FromLong($1);"
#elif defined(SWIGCSHARP)
/* (C# section) */
#endif
