// SPDX-License-Identifier: BSL-1.0
// machio-mig: what a .defs file declares, as migcom's parser understands it.
#ifndef MACHIO_MIG_TOOL_DEFS_HPP
#define MACHIO_MIG_TOOL_DEFS_HPP

#include "diagnostic.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

namespace machio_mig {

//! A MIG type: what `type NAME = ...;` or an argument's `: ...` spells.
struct type_spec {
  enum class form {
    basic,     //!< MACH_MSG_TYPE_* (a value or, for a port type, a disposition)
    array,     //!< array[N] / array[*:N] / array[] of element
    structure, //!< struct[N] of element: passed as one value of its C type
    c_string,  //!< c_string[N] / c_string[*:N]
    pointer,   //!< ^T: T sent out of line
  };
  form shape = form::basic;
  std::string name;   //!< the .defs name; empty for a type spelled in place
  std::string ctype;  //!< the C type of a value of a named basic or struct type

  // basic
  std::string msg_type;  //!< MACH_MSG_TYPE_* or "polymorphic"
  unsigned size_bits = 0;
  bool port = false;

  // array, structure, c_string
  std::shared_ptr<const type_spec> element;  //!< array, structure, pointer
  std::uint32_t count = 0;                   //!< N (0 with variable: unbounded)
  bool variable = false;                     //!< [*:N], [*] or []
  location where;
};

enum class arg_direction {
  none, in, out, inout, request_port, reply_port, server_reply_port, user_reply_port,
  wait_time, send_time, msg_option, sec_token, server_sec_token, user_sec_token, audit_token,
  server_audit_token, user_audit_token, server_context_token, msg_seqno, server_impl, user_impl,
};

//! The keyword that spells \p d in a .defs file, lower case ("" for none).
std::string_view keyword_of(arg_direction d) noexcept;
//! The direction a lower-case keyword names, if it is one.
std::optional<arg_direction> direction_named(std::string_view lower_case_word) noexcept;

struct argument {
  arg_direction direction = arg_direction::none;
  std::string name;
  std::shared_ptr<const type_spec> type;
  std::string type_spelling;      //!< as written, for the comment in the output
  std::vector<std::string> flags; //!< IPC flags (dealloc, servercopy, ...), lower case
  location where;
};

struct routine {
  std::string name;
  bool simple = false;
  std::int64_t id = 0;
  std::vector<argument> arguments;
  location where;
};

struct subsystem {
  std::string name;
  std::int64_t base = 0;
  bool kernel_user = false, kernel_server = false;
  std::vector<routine> routines;        //!< in order; a `skip` leaves a gap in the ids
  std::int64_t end_id = 0;              //!< one past the last id (skips included)
  std::vector<std::string> imports;     //!< "file" or <file>, for every import kind
  std::string server_prefix, user_prefix, wait_time, msg_option;
  location where;
};

}  // namespace machio_mig

#endif  // MACHIO_MIG_TOOL_DEFS_HPP
