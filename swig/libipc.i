/* libipc's SWIG entry point: one generated module per language, over the C ABI
 * only (never the C++ core headers). Layout, after GDAL's swig/include:
 *   common/*.i   shared typemaps (errors, handles, buffers, out-parameters), with
 *                one section per language where the target code differs
 *   base.i, shm.i ...  one language-neutral file per area: what is exposed, renamed
 *   <lang>/extras.i  language-specific additions, included last
 * See TYPEMAPS.md for the catalogue of typemaps and who frees what. */
%module(threads="1") libipc_native

%{
#include <ipc/ipc.h>
%}

/* Expose by allow-list: every ipc_* function is ignored unless an area file
 * (base.i, shm.i, ...) names it, so a function added to a header is not wrapped
 * (and frozen into every language) by accident. An allow-list entry also strips
 * the ipc_ prefix: the module is the namespace. Constants and enum items are
 * each language's business (C# writes its own; Python strips IPC_). */
%rename("$ignore", %$isfunction, regextarget=1) "^ipc_";

/* IPC_API and IPC_EXTERN_C_*: SWIG does not follow #include, so define them. */
%include <ipc/export.h>

#if defined(SWIGPYTHON)
%include "python/prologue.i"
#endif

%include "common/errors.i"
%include "common/handles.i"
%include "common/buffers.i"

%include "base.i"
%include "shm.i"
/* sem and mq need typemaps for their handles, int64_t timeouts and uint32_t
 * spins in each language's sections of common/*.i before they can be wrapped
 * (C#'s P/Invoke glue does not compile without them). A language without those
 * yet skips the two areas; C# turns them on with -DIPC_SWIG_CSHARP_SEM_MQ (or a
 * #define in its sections) once its typemaps are in. */
#if !defined(SWIGCSHARP) || defined(IPC_SWIG_CSHARP_SEM_MQ)
%include "sem.i"
%include "mq.i"
#endif

/* sock: each language's <lang>/sock.i holds its typemaps for the area and
 * defines IPC_SWIG_SOCK once they are complete; only then is the area wrapped. */
#if defined(SWIGPYTHON)
%include "python/sock.i"
#elif defined(SWIGCSHARP)
%include "csharp/sock.i"
#endif
#if defined(IPC_SWIG_SOCK)
%include "sock.i"
#endif

#if defined(SWIGPYTHON)
%include "python/extras.i"
#elif defined(SWIGCSHARP)
%include "csharp/extras.i"
#endif
