/* C# extras, included last (owner: the C# binding; catalogue in ../TYPEMAPS.md).
 *
 * The error and version functions the C# layer needs: errors.h and version.h
 * are not part of the language-neutral area files. Their return typemaps
 * (IPC_ERRCODE, IPC_STATIC_STR) are in common/errors.i. */
const char *ipc_strerror(int code);
const char *ipc_err_name(int code);
const char *ipc_last_error_message(void);
int ipc_last_error_code(void);
unsigned ipc_version(void);
const char *ipc_version_string(void);

/* The intermediary (P/Invoke) class registers LibIpc's native-library resolver
 * before its first call (the build passes -DSWIG_CSHARP_NO_IMCLASS_STATIC_CONSTRUCTOR
 * so that this is its only static constructor; a static constructor also keeps
 * the class from being marked beforefieldinit). */
%pragma(csharp) imclasscode=%{
  static $imclassname() {
    global::LibIpc.NativeLoader.Register();
  }
%}
