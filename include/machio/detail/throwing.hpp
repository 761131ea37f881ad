// SPDX-License-Identifier: BSL-1.0
// machio/detail/throwing.hpp — builds a throwing function from its error_code& twin.
#ifndef MACHIO_DETAIL_THROWING_HPP
#define MACHIO_DETAIL_THROWING_HPP

#include <machio/error.hpp>

#include <type_traits>
#include <utility>

namespace machio::detail {

//! Calls \p f(ec) and throws system_error(ec, what) located at \p loc if it failed;
//! otherwise returns what \p f returned.
template <class F>
decltype(auto) throwing(const char* what, const boost::source_location& loc, F&& f) {
  boost::system::error_code ec;
  if constexpr (std::is_void_v<decltype(std::forward<F>(f)(ec))>) {
    std::forward<F>(f)(ec);
    throw_if(ec, what, loc);
  } else {
    auto result = std::forward<F>(f)(ec);
    throw_if(ec, what, loc);
    return result;
  }
}

}  // namespace machio::detail

#endif  // MACHIO_DETAIL_THROWING_HPP
