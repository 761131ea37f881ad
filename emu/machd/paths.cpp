// SPDX-License-Identifier: BSL-1.0
#include "machd/paths.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace machemu::paths {

namespace {

// Makes `dir` (mode 0700) if missing and checks that it is a directory of ours that no
// one else can enter.
bool private_dir(const std::string& dir, std::string& error) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    error = "cannot create " + dir + ": " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) {
    error = "cannot stat " + dir + ": " + std::strerror(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 0777) != 0700) {
    error = dir + " must be a directory owned by uid " + std::to_string(::geteuid()) +
            " with mode 0700";
    return false;
  }
  return true;
}

}  // namespace

std::string socket_path(std::string& error) {
  if (const char* s = std::getenv("MACHEMU_SOCKET"); s && *s) return s;
  std::string dir;
  if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x) {
    dir = std::string(x) + "/machemu";
  } else {
    dir = "/tmp/machemu-" + std::to_string(::geteuid());
  }
  if (!private_dir(dir, error)) return {};
  return dir + "/machd.sock";
}

}  // namespace machemu::paths
