// SPDX-License-Identifier: BSL-1.0
// machio-mig: the direction keywords of MIG's argument list (migcom's lexxer.l).
#include "defs.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace machio_mig {
namespace {

constexpr std::array<std::pair<std::string_view, arg_direction>, 20> keywords{{
    {"in", arg_direction::in},
    {"out", arg_direction::out},
    {"inout", arg_direction::inout},
    {"requestport", arg_direction::request_port},
    {"replyport", arg_direction::reply_port},
    {"sreplyport", arg_direction::server_reply_port},
    {"ureplyport", arg_direction::user_reply_port},
    {"waittime", arg_direction::wait_time},
    {"sendtime", arg_direction::send_time},
    {"msgoption", arg_direction::msg_option},
    {"sectoken", arg_direction::sec_token},
    {"serversectoken", arg_direction::server_sec_token},
    {"usersectoken", arg_direction::user_sec_token},
    {"audittoken", arg_direction::audit_token},
    {"serveraudittoken", arg_direction::server_audit_token},
    {"useraudittoken", arg_direction::user_audit_token},
    {"servercontexttoken", arg_direction::server_context_token},
    {"msgseqno", arg_direction::msg_seqno},
    {"serverimpl", arg_direction::server_impl},
    {"userimpl", arg_direction::user_impl},
}};

}  // namespace

std::string_view keyword_of(arg_direction d) noexcept {
  const auto it = std::find_if(keywords.begin(), keywords.end(), [&](const auto& k) { return k.second == d; });
  return it == keywords.end() ? std::string_view() : it->first;
}

std::optional<arg_direction> direction_named(std::string_view lower_case_word) noexcept {
  const auto it =
      std::find_if(keywords.begin(), keywords.end(), [&](const auto& k) { return k.first == lower_case_word; });
  if (it == keywords.end()) return std::nullopt;
  return it->second;
}

}  // namespace machio_mig
