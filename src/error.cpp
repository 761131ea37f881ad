// SPDX-License-Identifier: BSL-1.0
// Error categories: one per family of Mach return codes, plus machio's own.
#include <machio/error.hpp>

#include <mach/mach_error.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace machio {
namespace {

namespace errc = boost::system::errc;

// mach_error_string is the platform's own wording; machio adds nothing so messages read
// the same as in every other Darwin tool.
std::string mach_message(int value) {
  const char* s = mach_error_string(static_cast<mach_error_t>(value));
  return s ? std::string(s) : std::string("unknown Mach error");
}

class kern_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "mach.kern"; }
  std::string message(int value) const override { return mach_message(value); }
  boost::system::error_condition default_error_condition(int value) const noexcept override {
    switch (value) {
      case KERN_INVALID_ADDRESS: return errc::bad_address;
      case KERN_PROTECTION_FAILURE:
      case KERN_NO_ACCESS: return errc::permission_denied;
      case KERN_NO_SPACE:
      case KERN_RESOURCE_SHORTAGE: return errc::not_enough_memory;
      case KERN_INVALID_ARGUMENT:
      case KERN_INVALID_VALUE: return errc::invalid_argument;
      case KERN_NOT_SUPPORTED: return errc::not_supported;
      case KERN_OPERATION_TIMED_OUT: return errc::timed_out;
      case KERN_ABORTED: return errc::operation_canceled;
      case KERN_NAME_EXISTS:
      case KERN_RIGHT_EXISTS: return errc::file_exists;
      case KERN_UREFS_OVERFLOW: return errc::value_too_large;
      default: return {value, *this};
    }
  }
};

class mach_msg_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "mach.msg"; }
  std::string message(int value) const override { return mach_message(value); }
  boost::system::error_condition default_error_condition(int value) const noexcept override {
    // The special bits (MACH_MSG_IPC_SPACE, ...) refine HEADER/BODY errors; compare on the
    // code without them.
    switch (value & ~MACH_MSG_MASK) {
      case MACH_SEND_TIMED_OUT:
      case MACH_RCV_TIMED_OUT: return errc::timed_out;
      case MACH_SEND_INTERRUPTED:
      case MACH_RCV_INTERRUPTED: return errc::interrupted;
      case MACH_SEND_INVALID_DEST: return errc::broken_pipe;
      case MACH_SEND_TOO_LARGE:
      case MACH_RCV_TOO_LARGE: return errc::message_size;
      case MACH_SEND_NO_BUFFER: return errc::no_buffer_space;
      case MACH_SEND_MSG_TOO_SMALL:
      case MACH_SEND_INVALID_HEADER:
      case MACH_SEND_INVALID_TYPE: return errc::invalid_argument;
      case MACH_SEND_INVALID_MEMORY:
      case MACH_SEND_INVALID_DATA:
      case MACH_RCV_INVALID_DATA: return errc::bad_address;
      case MACH_RCV_INVALID_NAME: return errc::bad_file_descriptor;
      case MACH_RCV_PORT_CHANGED: return errc::operation_canceled;
      default: return {value, *this};
    }
  }
};

class bootstrap_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "mach.bootstrap"; }
  std::string message(int value) const override {
    const char* s = bootstrap_strerror(value);
    return s ? std::string(s) : std::string("unknown bootstrap error");
  }
  boost::system::error_condition default_error_condition(int value) const noexcept override {
    switch (value) {
      case BOOTSTRAP_NOT_PRIVILEGED: return errc::permission_denied;
      case BOOTSTRAP_NAME_IN_USE:
      case BOOTSTRAP_SERVICE_ACTIVE: return errc::address_in_use;
      case BOOTSTRAP_UNKNOWN_SERVICE: return errc::no_such_file_or_directory;
      case BOOTSTRAP_NO_MEMORY: return errc::not_enough_memory;
      case BOOTSTRAP_BAD_COUNT: return errc::invalid_argument;
      default: return {value, *this};
    }
  }
};

class mig_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "mach.mig"; }
  std::string message(int value) const override { return mach_message(value); }
  boost::system::error_condition default_error_condition(int value) const noexcept override {
    switch (value) {
      case MIG_BAD_ARGUMENTS:
      case MIG_TYPE_ERROR: return errc::invalid_argument;
      case MIG_BAD_ID: return errc::function_not_supported;
      case MIG_ARRAY_TOO_LARGE: return errc::message_size;
      case MIG_SERVER_DIED: return errc::broken_pipe;
      case MIG_REPLY_MISMATCH: return errc::protocol_error;
      default: return {value, *this};
    }
  }
};

class machio_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "machio"; }
  std::string message(int value) const override {
    switch (static_cast<error>(value)) {
      case error::dead_name: return "the right is a dead name: its port was destroyed";
      case error::malformed_message:
        return "the message's sizes or descriptors do not add up";
      case error::wrong_descriptor_type:
        return "the descriptor is not of the requested kind";
      case error::already_taken: return "the descriptor's right or memory is not there";
      case error::no_such_descriptor: return "no descriptor at that index";
      case error::trailer_not_requested:
        return "the message was received without that trailer field";
      case error::reply_mismatch: return "the reply does not answer the request";
      case error::right_is_guarded: return "the receive right is guarded";
      case error::message_consumed: return "the message was already sent";
      case error::name_too_long: return "the bootstrap service name is too long";
      case error::invalid_options: return "invalid combination of options";
    }
    return "unknown machio error";
  }
  boost::system::error_condition default_error_condition(int value) const noexcept override {
    switch (static_cast<error>(value)) {
      case error::dead_name: return errc::broken_pipe;
      case error::malformed_message: return errc::bad_message;
      case error::reply_mismatch: return errc::protocol_error;
      case error::name_too_long: return errc::filename_too_long;
      case error::invalid_options:
      case error::wrong_descriptor_type:
      case error::no_such_descriptor: return errc::invalid_argument;
      case error::right_is_guarded: return errc::operation_not_permitted;
      default: return {value, *this};
    }
  }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const machio_category_impl c;
  return c;
}
const boost::system::error_category& kern_category() noexcept {
  static const kern_category_impl c;
  return c;
}
const boost::system::error_category& mach_msg_category() noexcept {
  static const mach_msg_category_impl c;
  return c;
}
const boost::system::error_category& bootstrap_category() noexcept {
  static const bootstrap_category_impl c;
  return c;
}
const boost::system::error_category& mig_category() noexcept {
  static const mig_category_impl c;
  return c;
}

boost::system::error_code make_mach_error_code(kern_return_t kr) noexcept {
  if (kr == KERN_SUCCESS) return {};
  if (kr >= BOOTSTRAP_NOT_PRIVILEGED && kr <= BOOTSTRAP_NO_CHILDREN)
    return {kr, bootstrap_category()};
  if (kr <= MIG_TYPE_ERROR && kr >= MIG_TRAILER_ERROR) return {kr, mig_category()};
  // mach_msg codes are err_system(4) | err_sub(0 send / 1 receive) | code, possibly with
  // MACH_MSG_MASK special bits; MACH_MSG_VM_KERNEL etc. may also come back on their own.
  const auto u = static_cast<std::uint32_t>(kr);
  const std::uint32_t base = u & ~static_cast<std::uint32_t>(MACH_MSG_MASK);
  if ((base & 0xFFFFC000u) == 0x10000000u || (base & 0xFFFFC000u) == 0x10004000u ||
      (base == 0 && (u & MACH_MSG_MASK) != 0))
    return {kr, mach_msg_category()};
  return {kr, kern_category()};
}

bool is_timeout(const boost::system::error_code& ec) noexcept {
  return ec == boost::system::errc::timed_out || ec == boost::system::errc::interrupted;
}

namespace detail {

void ownership_violation(const char* what, mach_port_name_t name, kern_return_t kr) noexcept {
  std::fprintf(stderr,
               "machio: %s(0x%x) failed on a right machio owns: %s (0x%x). The task's name "
               "space no longer matches machio's ownership (was the name released by other "
               "code?); aborting before a reused name is released.\n",
               what, static_cast<unsigned>(name), mach_error_string(kr),
               static_cast<unsigned>(kr));
  std::abort();
}

}  // namespace detail
}  // namespace machio
