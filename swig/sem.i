/* libipc SWIG — the sem area, language-neutral: what is exposed and how it is
 * named (ipc_sem_open -> sem_open). IPC_EXPOSE is defined in base.i.
 *
 * Not listed: ipc_sem_close. Closing belongs to each language's handle type
 * (Python: the handle object's close(); C#: SafeHandle.ReleaseHandle), which
 * must also stop an event loop watching the notify fd before the fd closes.
 *
 * ipc_sem_notify (a C callback on a libipc thread) is listed for languages
 * that can take a native callback safely; a language that must not call
 * into its runtime from a foreign thread %ignores it in its own section and
 * uses ipc_sem_notify_fd (Python does, python/prologue.i). */
IPC_EXPOSE(ipc_sem_open)
IPC_EXPOSE(ipc_sem_remove)
IPC_EXPOSE(ipc_sem_exists)
IPC_EXPOSE(ipc_sem_post)
IPC_EXPOSE(ipc_sem_wait)
IPC_EXPOSE(ipc_sem_try_wait)
IPC_EXPOSE(ipc_sem_value)
IPC_EXPOSE(ipc_sem_set_spin)
IPC_EXPOSE(ipc_sem_notify)
IPC_EXPOSE(ipc_sem_notify_arm)
IPC_EXPOSE(ipc_sem_notify_fd)

%include <ipc/sem.h>
