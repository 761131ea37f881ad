// SPDX-License-Identifier: BSL-1.0
// Client A: calls the server's echo and fibonacci routines with co_await. The two
// fibonacci calls are in flight at the same time; one asks for more than 64 bits can hold
// and gets the server's error reply.
#include "client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <stdexcept>
#include <string_view>
#include <utility>

namespace {

constexpr demo::transcript out("client A");

// [echo]
// echo: sends text, awaits the same text back. The request is packed as MIG packs it, the
// reply checked as MIG's client stub checks it.
demo::awaitable<void> echo(demo::executor ex, const machio::send_right& server,
                           std::string_view text) {
  out.say("sending echo(\"%.*s\") on a copy of my send right, with a send-once right for the reply",
          static_cast<int>(text.size()), text.data());
  const auto back =
      co_await machio::mig::async_call<demo::echo>(ex, server, text, demo::use_awaitable);
  out.say("echo answered \"%.*s\" (through the send-once right, now used up)",
          static_cast<int>(back.size()), back.data());
  if (back.view() != text) throw std::runtime_error("echo answered different text");
}
// [echo]

// fibonacci: returns the server's answer, or the error it replied with.
struct fibonacci_result {
  boost::system::error_code ec;
  std::uint64_t value = 0;
};

demo::awaitable<fibonacci_result> fibonacci(demo::executor ex, const machio::send_right& server,
                                            std::uint32_t n) {
  out.say("sending fibonacci(%u)", n);
  auto [ec, value] = co_await machio::mig::async_call<demo::fibonacci>(
      ex, server, n, boost::asio::as_tuple(demo::use_awaitable));
  if (ec) {
    out.say("fibonacci(%u): the server replied with an error: %s", n, ec.message().c_str());
  } else {
    out.say("fibonacci(%u) = %llu", n, static_cast<unsigned long long>(value));
  }
  co_return fibonacci_result{ec, value};
}

// What fibonacci(n) must be, computed here.
std::uint64_t expected_fibonacci(std::uint32_t n) {
  std::uint64_t a = 0, b = 1;
  for (std::uint32_t i = 0; i < n; ++i)
    b = std::exchange(a, b) + b;
  return a;
}

demo::awaitable<void> client(demo::executor ex) {
  using namespace boost::asio::experimental::awaitable_operators;
  const machio::send_right server = demo::look_up_server(out);

  co_await echo(ex, server, "hello from client A");

  // Both requests go out before either reply comes back.
  constexpr std::uint32_t fits = 90, too_big = demo::max_fibonacci + 1;
  const auto [small, big] =
      co_await (fibonacci(ex, server, fits) && fibonacci(ex, server, too_big));
  if (small.ec) throw boost::system::system_error(small.ec, "fibonacci(90)");
  if (small.value != expected_fibonacci(fits)) throw std::runtime_error("fibonacci(90) is wrong");
  if (big.ec != machio::make_mach_error_code(KERN_INVALID_ARGUMENT))
    throw std::runtime_error("fibonacci(94) was not refused with KERN_INVALID_ARGUMENT");
  out.say("fibonacci(%u) was refused with KERN_INVALID_ARGUMENT, as the protocol says", too_big);
}

}  // namespace

int main() { return demo::run_client(out, client); }
