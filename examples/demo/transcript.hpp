// SPDX-License-Identifier: BSL-1.0
// The demo's transcript: every line a demo process prints starts with who is speaking
// ("client A: ...") and is flushed at once, so that the lines of several processes, which
// the `demo` command reads through pipes, come out in the order things happened.
#ifndef MACHIO_EXAMPLES_DEMO_TRANSCRIPT_HPP
#define MACHIO_EXAMPLES_DEMO_TRANSCRIPT_HPP

#include <cstdarg>
#include <cstdio>

namespace demo {

//! Prints lines prefixed with a speaker's name. Borrows \p who, a string literal.
class transcript {
 public:
  explicit constexpr transcript(const char* who) noexcept : who_(who) {}

  //! Prints one line: "<who>: " + the printf-formatted text + newline, then flushes.
  [[gnu::format(printf, 2, 3)]] void say(const char* format, ...) const {
    std::printf("%s: ", who_);
    va_list args;
    va_start(args, format);
    std::vprintf(format, args);
    va_end(args);
    std::printf("\n");
    std::fflush(stdout);
  }

 private:
  const char* who_;
};

}  // namespace demo

#endif  // MACHIO_EXAMPLES_DEMO_TRANSCRIPT_HPP
