/* libipc SWIG — the mq area, language-neutral: what is exposed and how it is
 * named (ipc_mq_open -> mq_open). IPC_EXPOSE is defined in base.i.
 *
 * Not listed: ipc_mq_close, for the reasons given in sem.i. ipc_mq_notify is
 * listed as ipc_sem_notify is (see sem.i). */
IPC_EXPOSE(ipc_mq_open)
IPC_EXPOSE(ipc_mq_remove)
IPC_EXPOSE(ipc_mq_exists)
IPC_EXPOSE(ipc_mq_send)
IPC_EXPOSE(ipc_mq_receive)
IPC_EXPOSE(ipc_mq_receive_many)
IPC_EXPOSE(ipc_mq_count)
IPC_EXPOSE(ipc_mq_capacity)
IPC_EXPOSE(ipc_mq_max_msg_size)
IPC_EXPOSE(ipc_mq_recoveries)
IPC_EXPOSE(ipc_mq_set_spin)
IPC_EXPOSE(ipc_mq_notify)
IPC_EXPOSE(ipc_mq_notify_arm)
IPC_EXPOSE(ipc_mq_notify_fd)

%include <ipc/mq.h>
