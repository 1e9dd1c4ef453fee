/* libipc SWIG — the shm area, language-neutral: what is exposed and how it is
 * named (ipc_shm_open -> shm_open). IPC_EXPOSE is defined in base.i.
 *
 * Not listed: ipc_shm_close. Closing belongs to each language's handle type,
 * which must know about views still pointing into the mapping (Python: the
 * handle object's close(); C#: SafeHandle.ReleaseHandle). */
IPC_EXPOSE(ipc_shm_open)
IPC_EXPOSE(ipc_shm_remove)
IPC_EXPOSE(ipc_shm_exists)
IPC_EXPOSE(ipc_shm_data)
IPC_EXPOSE(ipc_shm_size)
IPC_EXPOSE(ipc_shm_kind)
IPC_EXPOSE(ipc_shm_is_readonly)
IPC_EXPOSE(ipc_shm_name)
IPC_EXPOSE(ipc_shm_flush)
IPC_EXPOSE(ipc_shm_write)
IPC_EXPOSE(ipc_shm_read)
IPC_EXPOSE(ipc_shm_write_string)
IPC_EXPOSE(ipc_shm_read_string)
IPC_EXPOSE(ipc_shm_write_f32)
IPC_EXPOSE(ipc_shm_read_f32)
IPC_EXPOSE(ipc_shm_write_f64)
IPC_EXPOSE(ipc_shm_read_f64)
IPC_EXPOSE(ipc_shm_stream_write)
IPC_EXPOSE(ipc_shm_stream_read)
IPC_EXPOSE(ipc_shm_stream_version)
IPC_EXPOSE(ipc_shm_stream_capacity)

%include <ipc/types.h>
%include <ipc/shm.h>
%include <ipc/shm_stream.h>
