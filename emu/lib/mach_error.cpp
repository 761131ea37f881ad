// SPDX-License-Identifier: BSL-1.0
// mach_error_string and friends. The strings are mach-emu's own wording, grouped by the
// subsystem prefixes Darwin uses ("(os/kern)", "(ipc/send)", "(ipc/rcv)", "(ipc/mig)").
#include <mach/mach.h>
#include <mach/mach_error.h>
#include <mach/mig_errors.h>

#include <cstdio>

namespace {

const char* kern_string(kern_return_t kr) {
  switch (kr) {
    case KERN_SUCCESS: return "(os/kern) successful";
    case KERN_INVALID_ADDRESS: return "(os/kern) invalid address";
    case KERN_PROTECTION_FAILURE: return "(os/kern) protection failure";
    case KERN_NO_SPACE: return "(os/kern) no space available";
    case KERN_INVALID_ARGUMENT: return "(os/kern) invalid argument";
    case KERN_FAILURE: return "(os/kern) failure";
    case KERN_RESOURCE_SHORTAGE: return "(os/kern) resource shortage";
    case KERN_NOT_RECEIVER: return "(os/kern) not receiver";
    case KERN_NO_ACCESS: return "(os/kern) no access";
    case KERN_MEMORY_FAILURE: return "(os/kern) memory failure";
    case KERN_MEMORY_ERROR: return "(os/kern) memory error";
    case KERN_ALREADY_IN_SET: return "(os/kern) already in set";
    case KERN_NOT_IN_SET: return "(os/kern) not in set";
    case KERN_NAME_EXISTS: return "(os/kern) name exists";
    case KERN_ABORTED: return "(os/kern) aborted";
    case KERN_INVALID_NAME: return "(os/kern) invalid name";
    case KERN_INVALID_TASK: return "(os/kern) invalid task";
    case KERN_INVALID_RIGHT: return "(os/kern) invalid right";
    case KERN_INVALID_VALUE: return "(os/kern) invalid value";
    case KERN_UREFS_OVERFLOW: return "(os/kern) urefs overflow";
    case KERN_INVALID_CAPABILITY: return "(os/kern) invalid capability";
    case KERN_RIGHT_EXISTS: return "(os/kern) right exists";
    case KERN_INVALID_HOST: return "(os/kern) invalid host";
    case KERN_MEMORY_PRESENT: return "(os/kern) memory present";
    case KERN_NOT_SUPPORTED: return "(os/kern) operation not supported";
    case KERN_OPERATION_TIMED_OUT: return "(os/kern) operation timed out";
    case KERN_DENIED: return "(os/kern) denied";
    default: return nullptr;
  }
}

const char* ipc_string(mach_msg_return_t mr) {
  switch (mr & ~MACH_MSG_MASK) {
    case MACH_SEND_IN_PROGRESS: return "(ipc/send) send in progress";
    case MACH_SEND_INVALID_DATA: return "(ipc/send) invalid data";
    case MACH_SEND_INVALID_DEST: return "(ipc/send) invalid destination port";
    case MACH_SEND_TIMED_OUT: return "(ipc/send) timed out";
    case MACH_SEND_INVALID_VOUCHER: return "(ipc/send) invalid voucher";
    case MACH_SEND_INTERRUPTED: return "(ipc/send) interrupted";
    case MACH_SEND_MSG_TOO_SMALL: return "(ipc/send) message too small";
    case MACH_SEND_INVALID_REPLY: return "(ipc/send) invalid reply port";
    case MACH_SEND_INVALID_RIGHT: return "(ipc/send) invalid port right";
    case MACH_SEND_INVALID_NOTIFY: return "(ipc/send) invalid notify port";
    case MACH_SEND_INVALID_MEMORY: return "(ipc/send) invalid out-of-line memory";
    case MACH_SEND_NO_BUFFER: return "(ipc/send) no message buffer";
    case MACH_SEND_TOO_LARGE: return "(ipc/send) message too large";
    case MACH_SEND_INVALID_TYPE: return "(ipc/send) invalid descriptor type";
    case MACH_SEND_INVALID_HEADER: return "(ipc/send) invalid header";
    case MACH_SEND_INVALID_TRAILER: return "(ipc/send) invalid trailer";
    case MACH_SEND_INVALID_CONTEXT: return "(ipc/send) invalid context";
    case MACH_SEND_INVALID_OPTIONS: return "(ipc/send) invalid options";
    case MACH_SEND_NO_GRANT_DEST: return "(ipc/send) destination does not accept port rights";
    case MACH_SEND_MSG_FILTERED: return "(ipc/send) message filtered";
    case MACH_RCV_IN_PROGRESS: return "(ipc/rcv) receive in progress";
    case MACH_RCV_INVALID_NAME: return "(ipc/rcv) invalid name";
    case MACH_RCV_TIMED_OUT: return "(ipc/rcv) timed out";
    case MACH_RCV_TOO_LARGE: return "(ipc/rcv) message too large";
    case MACH_RCV_INTERRUPTED: return "(ipc/rcv) interrupted";
    case MACH_RCV_PORT_CHANGED: return "(ipc/rcv) port changed";
    case MACH_RCV_INVALID_NOTIFY: return "(ipc/rcv) invalid notify port";
    case MACH_RCV_INVALID_DATA: return "(ipc/rcv) invalid data";
    case MACH_RCV_PORT_DIED: return "(ipc/rcv) port died";
    case MACH_RCV_IN_SET: return "(ipc/rcv) port in set";
    case MACH_RCV_HEADER_ERROR: return "(ipc/rcv) header error";
    case MACH_RCV_BODY_ERROR: return "(ipc/rcv) body error";
    case MACH_RCV_INVALID_TYPE: return "(ipc/rcv) invalid descriptor type";
    case MACH_RCV_SCATTER_SMALL: return "(ipc/rcv) scatter list too small";
    case MACH_RCV_INVALID_TRAILER: return "(ipc/rcv) invalid trailer";
    default: return nullptr;
  }
}

const char* mig_string(kern_return_t kr) {
  switch (kr) {
    case MIG_TYPE_ERROR: return "(ipc/mig) type check error";
    case MIG_REPLY_MISMATCH: return "(ipc/mig) wrong reply message id";
    case MIG_REMOTE_ERROR: return "(ipc/mig) server detected error";
    case MIG_BAD_ID: return "(ipc/mig) bad request message id";
    case MIG_BAD_ARGUMENTS: return "(ipc/mig) server found bad arguments";
    case MIG_NO_REPLY: return "(ipc/mig) no reply should be sent";
    case MIG_EXCEPTION: return "(ipc/mig) server raised exception";
    case MIG_ARRAY_TOO_LARGE: return "(ipc/mig) array not large enough";
    case MIG_SERVER_DIED: return "(ipc/mig) server died";
    case MIG_TRAILER_ERROR: return "(ipc/mig) trailer has an unknown format";
    default: return nullptr;
  }
}

}  // namespace

extern "C" {

// The SDK declares these as returning `char *`; the strings are static and never written.
char* mach_error_string(mach_error_t error_value) {
  const char* s = kern_string(error_value);
  if (!s) s = mig_string(error_value);
  if (!s && (error_value & 0xFF000000) == 0x10000000) s = ipc_string(error_value);
  return const_cast<char*>(s ? s : "unknown error code");
}

char* mach_error_type(mach_error_t error_value) {
  const char* s = "(unknown/unknown)";
  if (kern_string(error_value))
    s = "(os/kern)";
  else if (mig_string(error_value))
    s = "(ipc/mig)";
  else if ((error_value & 0xFFFFC000) == 0x10004000)
    s = "(ipc/rcv)";
  else if ((error_value & 0xFFFFC000) == 0x10000000)
    s = "(ipc/send)";
  return const_cast<char*>(s);
}

void mach_error(const char* str, mach_error_t error_value) {
  std::fprintf(stderr, "%s %s (0x%x)\n", str ? str : "", mach_error_string(error_value),
               static_cast<unsigned>(error_value));
}

}  // extern "C"
