/* Python extras, included last. The error and version functions and the error
 * codes (errors.h, version.h): allow-listed in base.i, declared here because
 * each language brings its own declarations of them (see base.i). */
%include <ipc/errors.h>
%include <ipc/version.h>
