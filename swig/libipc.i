/* libipc's SWIG entry point: one generated module per language, over the C ABI
 * only (never the C++ core headers). Layout, after GDAL's swig/include:
 *   common/*.i   shared typemaps (errors, handles, buffers, strings), with one
 *                section per language where the target code differs
 *   shm.i ...    one language-neutral file per area: what is exposed, renamed
 *   <lang>/extras.i  language-specific additions, included last
 * See TYPEMAPS.md for the catalogue of typemaps and who frees what. */
%module(threads="1") libipc_native

%{
#include <ipc/ipc.h>
%}

%include "common/errors.i"
%include "common/handles.i"
%include "common/buffers.i"

%include "shm.i"

#if defined(SWIGPYTHON)
%include "python/extras.i"
#elif defined(SWIGCSHARP)
%include "csharp/extras.i"
#endif
