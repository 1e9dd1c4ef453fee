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
/* IPC_ERRCODE_SOFT: for the calls whose "would block" (IPC_EAGAIN) and "timed
 * out" (IPC_ETIMEDOUT) are ordinary outcomes, those two are returned as the int
 * code instead of raised (0 on success), so try_acquire/try_send cost no
 * exception; every other code raises as above. */
%typemap(out) int ipc_sem_wait, int ipc_sem_try_wait, int ipc_mq_send {
  if ($1 != IPC_OK && $1 != IPC_EAGAIN && $1 != IPC_ETIMEDOUT) {
    ipc_py_raise($1, NULL);
    SWIG_fail;
  }
  $result = PyLong_FromLong($1);
}
#elif defined(SWIGCSHARP)
/* C# section (owner: the C# binding; catalogue in ../TYPEMAPS.md, "C#").
 * The generated layer is internal to the LibIpc assembly; errors become
 * exceptions in the generated C# code, never in C (no SWIG exception or string
 * callbacks: the build passes -DSWIG_CSHARP_NO_EXCEPTION_HELPER and
 * -DSWIG_CSHARP_NO_STRING_HELPER). */

/* SWIG does not follow #include: IPC_API and IPC_EXTERN_C_* must be known
 * (libipc.i does this too; %include reads a file once). */
%include <ipc/export.h>

/* Nothing generated is public: the idiomatic API is hand-written on top. */
%pragma(csharp) moduleclassmodifiers="internal static class"
%pragma(csharp) imclassclassmodifiers="internal static class"
%typemap(csclassmodifiers) enum SWIGTYPE "internal enum"
%typemap(csclassmodifiers) SWIGTYPE "internal class"
/* #define constants are not generated: SWIG would copy C literals such as the
 * octal 0600u verbatim into C# (where it reads as decimal 600) and type int
 * macros with the error-code typemap below. The few the C# layer needs are
 * written there, each checked by a test against the C behaviour. */
%rename("$ignore", %$isconstant) "";

/* IPC_ERRCODE: a returned ipc_error_t. The C# method returns void and throws the
 * IpcException subclass for the code, with ipc_last_error_message() (read on the
 * same thread, right after the call) as its detail. The intermediary class
 * (libipc_nativePINVOKE) still returns the raw int for the rare caller that
 * must not throw (SafeHandle.ReleaseHandle, size probing). */
%typemap(cstype, out="void") int "int"
%typemap(csout, excode=SWIGEXCODE) int {
    global::LibIpc.IpcException.Check($imcall);$excode
  }
/* ...except the few int returns that are values, not codes. */
%typemap(cstype) int ipc_last_error_code "int"
%typemap(csout, excode=SWIGEXCODE) int ipc_last_error_code {
    int ret = $imcall;$excode
    return ret;
  }

/* IPC_STATIC_STR: a returned `const char *` that the library owns (static, or
 * thread-local until the next call): copied into a .NET string as UTF-8 at once,
 * never freed by the marshaller. */
%typemap(ctype, out="const char *") const char * "const char *"
%typemap(imtype, out="global::System.IntPtr") const char * "string"
%typemap(out) const char * %{ $result = $1; %}
%typemap(csout, excode=SWIGEXCODE) const char * {
    string ret = global::System.Runtime.InteropServices.Marshal.PtrToStringUTF8($imcall) ?? "";$excode
    return ret;
  }
#endif
