// libipc core — fault injection for white-box tests (tests/cpp). Not part of
// any public API and never set by the library itself.
#pragma once

namespace ipc::detail {

// When > 0, the message queue's journalled store number `mq_crash_after_store`
// of this process (counting from 1) is followed by _exit(86) — the process dies
// holding the queue's lock, mid-operation, exactly as a SIGKILL there would.
extern int mq_crash_after_store;

}  // namespace ipc::detail
