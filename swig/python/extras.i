/* Python extras, included last. The error and version functions and the error
 * codes (errors.h, version.h): allow-listed in base.i, declared here because
 * each language brings its own declarations of them (see base.i). */
%include <ipc/errors.h>
%include <ipc/version.h>

/* Objects the module's init adds (python/prologue.i), re-exported by the
 * generated libipc_native.py next to the wrapped functions. */
%pythoncode %{
ShmHandle = _libipc_native.ShmHandle
SemHandle = _libipc_native.SemHandle
MqHandle = _libipc_native.MqHandle
SockHandle = _libipc_native.SockHandle
Error = _libipc_native.Error
%}
