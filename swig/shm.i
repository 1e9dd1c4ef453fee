/* libipc SWIG — the shm area, language-neutral: what is exposed and how it is named. */
%include <ipc/types.h>
%include <ipc/shm.h>
%include <ipc/shm_stream.h>
