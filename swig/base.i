/* libipc SWIG — what every area shares, language-neutral: the allow-list of the
 * error and version functions (errors.h, version.h). Each language declares or
 * %includes them itself (python/extras.i, csharp/extras.i); their return
 * typemaps (ipc_last_error_code returns a value, not a code) are in
 * common/errors.i. */
%define IPC_EXPOSE(name)
%rename("%(strip:[ipc_])s") name;
%enddef

IPC_EXPOSE(ipc_strerror)
IPC_EXPOSE(ipc_err_name)
IPC_EXPOSE(ipc_last_error_message)
IPC_EXPOSE(ipc_last_error_code)
IPC_EXPOSE(ipc_version)
IPC_EXPOSE(ipc_version_string)
