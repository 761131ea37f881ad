// SPDX-License-Identifier: BSL-1.0
// The machd transport: every call is a request to the user's machd.
//
// Each thread has its own connection (opened at its first call), so a thread blocked in
// mach_msg or kevent64 simply waits for its reply while the process's other threads go on
// with their own connections; machd maps all connections of one process to one task.
// A forked child notices that it is one (fork_watch.hpp, without a system call) and connects
// anew: it is a new task, and its parent's kqueues are not its own.
// If machd goes away, every blocked call returns at once (its socket reports the end), and
// every later call in this process fails with MACH_SEND_INVALID_DEST: the task and all its
// rights are gone, and a new machd must never see the old names.
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <mach/mach.h>

#include "lib/fork_watch.hpp"
#include "lib/transport.hpp"
#include "machd/debug.h"
#include "machd/fd_passing.hpp"
#include "machd/memfd_region.hpp"
#include "machd/paths.hpp"
#include "machd/wire.hpp"

// The installed machd (${CMAKE_INSTALL_FULL_BINDIR}/machd), one of the places a client
// looks for it (machd_candidates).
#ifndef MACHEMU_INSTALLED_MACHD
#define MACHEMU_INSTALLED_MACHD ""
#endif

// Where the program was linked to find machd: defined (weakly) by a source the build tree's
// machio::emu adds to every program linked against it, so that a program run from the build
// tree starts the machd built beside it. Programs linked against an installed package have
// none and find the installed machd.
extern "C" __attribute__((weak)) const char machemu_linked_machd[];

namespace machemu::lib {

namespace {

using fd_passing::unique_fd;
using wire::op;

// ---- process-wide state ----------------------------------------------------------------

struct process_state {
  std::mutex mutex;
  bool ready = false;          // socket and image chosen (a forked child chooses anew)
  std::uint64_t boot_id = 0;   // the machd our task lives in; 0 before the first hello
  std::uint64_t image = 0;     // names this program image to machd (exec starts a new one)
  std::atomic<bool> lost{false};
  bool reported = false;
  std::string socket;
};

process_state& state() {
  static auto* s = new process_state;  // never destroyed: calls may come during exit
  return *s;
}

// Guards the kqueue table (kqueues(), below).
std::mutex kq_mutex;

// Runs in a forked child while it is single-threaded (fork_watch::start).
void after_fork_child() {
  process_state& s = state();
  // The parent's other threads may have held these at fork time; they are gone now.
  new (&s.mutex) std::mutex;
  new (&kq_mutex) std::mutex;
  s.ready = false;
  s.boot_id = 0;
  s.lost = false;
  s.reported = false;
}

// Marks the task lost and says so once.
void lose(const char* why) {
  process_state& s = state();
  if (!s.lost.exchange(true)) {
    std::fprintf(stderr, "mach-emu: %s; Mach IPC in this process is gone\n", why);
  }
}

// ---- this thread's connection -------------------------------------------------------------

struct thread_conn {
  int fd = -1;
  std::uint64_t generation = 0;  // fork_watch's, when the connection was opened
};
thread_local thread_conn tconn;
// Request and reply buffers reused by every call of this thread (no steady-state
// allocation; calls never nest).
thread_local std::vector<std::byte> tl_request;
thread_local std::vector<std::byte> tl_reply;
pthread_key_t close_key;

void close_at_thread_exit(void* p) {
  auto fd = static_cast<int>(reinterpret_cast<std::intptr_t>(p)) - 1;
  if (fd >= 0) ::close(fd);
}

bool write_all(int fd, const void* p, std::size_t n) {
  const auto* b = static_cast<const char*>(p);
  while (n) {
    const ssize_t k = ::send(fd, b, n, MSG_NOSIGNAL);
    if (k < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    b += k;
    n -= static_cast<std::size_t>(k);
  }
  return true;
}

// The descriptors that came with a reply (memfd regions), owned until the call ends.
struct reply_fds {
  std::vector<unique_fd> fds;
  // Fewer arrived than announced: this process is out of descriptors (the kernel closed
  // the rest). The regions they carried are lost; the reply itself is fine.
  bool lost = false;
};

// Reads n bytes, taking ownership of any descriptors that come with them.
bool read_all(int fd, void* p, std::size_t n, reply_fds& in) {
  auto* b = static_cast<char*>(p);
  while (n) {
    const ssize_t k = fd_passing::receive(fd, b, n, 0, in.fds, in.lost);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    b += k;
    n -= static_cast<std::size_t>(k);
  }
  return true;
}

// The wire version of the last machd that answered in a version other than ours (0: none).
thread_local std::uint16_t foreign_version = 0;

// One request and its reply on `fd`, with `fds` attached to the request and the reply's
// descriptors in `in`. False when machd is gone or answers nonsense (foreign_version says
// when it speaks another version of the protocol).
bool exchange(int fd, op o, const std::vector<std::byte>& payload, std::vector<std::byte>& out,
              reply_fds& in, const int* fds = nullptr, std::size_t nfds = 0) {
  if (payload.size() > wire::max_payload || nfds > wire::max_frame_fds) return false;
  wire::header h{wire::magic, wire::version, static_cast<std::uint16_t>(o),
                 static_cast<std::uint32_t>(payload.size()), static_cast<std::uint32_t>(nfds)};
  iovec iov[2] = {{&h, sizeof h},
                  {const_cast<std::byte*>(payload.data()), payload.size()}};
  msghdr mh{};
  mh.msg_iov = iov;
  mh.msg_iovlen = payload.empty() ? 1 : 2;
  fd_passing::control_buffer cb;
  fd_passing::attach(mh, cb, fds, nfds);
  ssize_t k;
  do {
    k = ::sendmsg(fd, &mh, MSG_NOSIGNAL);
  } while (k < 0 && errno == EINTR);
  // A daemon that refuses a connection answers the hello before reading it and closes:
  // then the write fails but the answer is there to read.
  if (k < 0) k = static_cast<ssize_t>(sizeof h + payload.size());
  const std::size_t total = sizeof h + payload.size();
  if (static_cast<std::size_t>(k) < total) {
    // The rest, without descriptors.
    std::vector<std::byte> all(total);
    std::memcpy(all.data(), &h, sizeof h);
    if (!payload.empty()) std::memcpy(all.data() + sizeof h, payload.data(), payload.size());
    if (!write_all(fd, all.data() + k, total - static_cast<std::size_t>(k))) return false;
  }
  // The reply: its header, and in the same read the payload's first bytes (usually all of
  // them: machd writes a reply with one call; 4 KiB hold a kevent64 drain of a few events
  // and their direct receives).
  wire::header r{};
  std::byte first[4096];
  std::size_t have = 0, spill = 0;
  while (have < sizeof r) {
    iovec riov[2] = {{reinterpret_cast<char*>(&r) + have, sizeof r - have},
                     {first, sizeof first}};
    const ssize_t got = fd_passing::receive(fd, riov, 2, 0, in.fds, in.lost);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    const std::size_t head = std::min(static_cast<std::size_t>(got), sizeof r - have);
    have += head;
    spill = static_cast<std::size_t>(got) - head;
  }
  if (r.magic == wire::magic && r.version != wire::version) foreign_version = r.version;
  if (wire::check(r) != wire::header_check::ok || r.op != h.op) return false;
  if (spill > r.length) return false;  // bytes beyond the one reply: a confused daemon
  out.resize(r.length);
  if (spill) std::memcpy(out.data(), first, spill);
  if (!read_all(fd, out.data() + spill, out.size() - spill, in)) return false;
  // Descriptors the reply did not announce mean a confused daemon.
  if (in.fds.size() > r.nfds || (in.fds.size() < r.nfds && !in.lost)) return false;
  return true;
}

// Where machd may be, in the order tried: $MACHEMU_MACHD; the machd of the build tree the
// program was linked in; beside the file this code lives in (a shared libmachemu in
// <prefix>/lib, or a program installed into <prefix>/bin, of a prefix that moved); the
// configured install location; each directory of $PATH. \p described gets a line per
// place for the error message when none works.
std::vector<std::string> machd_candidates() {
  std::vector<std::string> out;
  if (const char* p = std::getenv("MACHEMU_MACHD"); p && *p) {
    out.emplace_back(p);
    return out;  // what the user named, and nothing else
  }
  if (machemu_linked_machd != nullptr && machemu_linked_machd[0] != '\0') out.emplace_back(machemu_linked_machd);
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&machd_candidates), &info) != 0 && info.dli_fname != nullptr) {
    std::string dir = info.dli_fname;
    dir.resize(dir.find_last_of('/') == std::string::npos ? 0 : dir.find_last_of('/'));
    if (!dir.empty()) {
      // PREFIX/lib/libmachemu.so → PREFIX/bin/machd, said without "..", as ps shows it.
      const std::size_t up = dir.find_last_of('/');
      out.push_back((up == std::string::npos || up == 0 ? dir + "/.." : dir.substr(0, up)) + "/bin/machd");
      out.push_back(dir + "/machd");
    }
  }
  if (*MACHEMU_INSTALLED_MACHD) out.emplace_back(MACHEMU_INSTALLED_MACHD);
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    for (std::size_t at = 0; at <= p.size();) {
      const std::size_t end = std::min(p.find(':', at), p.size());
      if (end > at) out.push_back(p.substr(at, end - at) + "/machd");
      at = end + 1;
    }
  }
  return out;
}

// The first candidate that is an executable file; empty, with \p tried saying where it
// looked, when there is none.
std::string machd_binary(std::string& tried) {
  for (const std::string& c : machd_candidates()) {
    if (::access(c.c_str(), X_OK) == 0) return c;
    tried += (tried.empty() ? "" : ", ") + c;
  }
  return {};
}

int try_connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return -1;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Starts machd (detached: fork, setsid, fork, exec) and waits until it listens or gives
// up. Called with <socket>.start locked, so only one process starts one at a time.
void start_daemon(const std::string& path, std::string& no_binary) {
  std::string tried;
  const std::string bin = machd_binary(tried);
  if (bin.empty()) {
    no_binary = "no machd to start (tried " + (tried.empty() ? std::string("nothing: $MACHEMU_MACHD and $PATH are empty") : tried) +
                "; set MACHEMU_MACHD to its path)";
    return;
  }
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return;
  // Everything the child needs is prepared before fork (only exec-safe calls after it).
  const std::string ready_arg = std::to_string(ready[1]);
  std::string idle = "30000";
  if (const char* v = std::getenv("MACHEMU_MACHD_IDLE_MS"); v && *v) idle = v;
  const char* argv[] = {bin.c_str(), "--socket", path.c_str(), "--ready-fd", ready_arg.c_str(),
                        "--idle-timeout", idle.c_str(), nullptr};
  const pid_t child = ::fork();
  if (child == 0) {
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    ::fcntl(ready[1], F_SETFD, 0);
    // No descriptor of ours stays open in the daemon: whoever waits for our output to
    // end (a shell pipe, ctest) must not wait for machd's idle exit.
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    ::execv(argv[0], const_cast<char* const*>(argv));
    ::_exit(127);
  }
  ::close(ready[1]);
  if (child > 0) {
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    // Wait for "listening" (or for machd to exit: then the pipe ends).
    pollfd p{ready[0], POLLIN, 0};
    if (::poll(&p, 1, 10000) > 0) {
      char c;
      [[maybe_unused]] ssize_t n = ::read(ready[0], &c, 1);
    }
  }
  ::close(ready[0]);
}

// Connects to machd, starting it if none listens.
int connect_or_start(const std::string& path, std::string& no_binary) {
  if (int fd = try_connect(path); fd >= 0) return fd;
  const std::string lock = path + ".start";
  const int lfd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lfd < 0) return -1;
  while (::flock(lfd, LOCK_EX) != 0 && errno == EINTR) {
  }
  int fd = try_connect(path);  // someone else may have started it meanwhile
  if (fd < 0) {
    start_daemon(path, no_binary);
    fd = try_connect(path);
  }
  ::close(lfd);  // releases the lock
  return fd;
}

// A number that tells this program image from the one before an exec: the pid stays, the
// process's memory (and with it process_state) starts afresh, and so does this number.
std::uint64_t new_image_id() {
  std::uint64_t id = 0;
  if (::getrandom(&id, sizeof id, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof id))
    id = static_cast<std::uint64_t>(::time(nullptr)) * 1000003u ^ reinterpret_cast<std::uintptr_t>(&id);
  return id | 1;  // never 0, which machd rejects
}

// This thread's connection to machd, opening it (and saying hello) when needed. -1 when
// the process has lost its task or no machd can be reached.
int connection() {
  process_state& s = state();
  const std::uint64_t generation = fork_watch::generation();
  if (tconn.fd >= 0 && tconn.generation == generation) return s.lost ? -1 : tconn.fd;
  if (tconn.fd >= 0) {
    ::close(tconn.fd);  // inherited from the parent across fork
    tconn.fd = -1;
    ::pthread_setspecific(close_key, nullptr);
  }
  if (s.lost) return -1;
  {
    static std::once_flag once;
    std::call_once(once, [] {
      fork_watch::start(after_fork_child);
      ::pthread_key_create(&close_key, close_at_thread_exit);
    });
    std::lock_guard lk(s.mutex);
    if (!s.ready) {
      std::string error;
      s.socket = paths::socket_path(error);
      if (s.socket.empty()) {
        lose(("cannot find machd's socket: " + error).c_str());
        return -1;
      }
      s.ready = true;
      s.image = new_image_id();
    }
  }
  std::uint32_t max_names = 0;
  if (const char* limit = std::getenv("MACHEMU_MAX_NAMES")) {
    const long v = std::strtol(limit, nullptr, 10);
    if (v > 0) max_names = static_cast<std::uint32_t>(v);
  }
  // A daemon that is just exiting for idleness may close a fresh connection unanswered:
  // then start over (our task did not exist yet, so nothing is lost).
  std::string no_binary;  // why no daemon could be started, if that is why
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int fd = connect_or_start(s.socket, no_binary);
    if (fd < 0) {
      if (!no_binary.empty()) break;  // retrying finds no binary either
      continue;
    }
    wire::writer w;
    wire::encode(w, wire::hello_request{max_names, s.image});
    std::vector<std::byte> out;
    reply_fds none;
    foreign_version = 0;
    if (!exchange(fd, op::hello, w.buffer(), out, none)) {
      ::close(fd);
      if (foreign_version != 0) {
        // Another build's daemon (an upgrade while it runs): retrying cannot help.
        const std::string why = "machd at " + s.socket + " speaks wire version " +
                                std::to_string(foreign_version) + ", this program " +
                                std::to_string(wire::version) +
                                "; a machd of another build is running (it exits when idle, or stop it)";
        lose(why.c_str());
        return -1;
      }
      continue;
    }
    wire::reader rd(out);
    std::uint32_t kr = 0, self = 0;
    std::uint64_t boot = 0;
    if (rd.u32(kr) && kr == KERN_RESOURCE_SHORTAGE) {
      // Too many clients: this call fails, the process is not lost (a later call of this
      // thread tries again).
      ::close(fd);
      std::fprintf(stderr, "mach-emu: machd at %s refused a connection: it serves its "
                           "maximum number of clients (machd --max-clients)\n",
                   s.socket.c_str());
      return -1;
    }
    if (!rd.u32(self) || !rd.u64(boot) || kr != KERN_SUCCESS) {
      ::close(fd);
      break;
    }
    {
      std::lock_guard lk(s.mutex);
      if (s.boot_id != 0 && s.boot_id != boot) {
        ::close(fd);
        lose("machd restarted");
        return -1;
      }
      s.boot_id = boot;
    }
    tconn.fd = fd;
    tconn.generation = generation;
    ::pthread_setspecific(close_key, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd) + 1));
    return fd;
  }
  lose(("cannot reach machd at " + s.socket + (no_binary.empty() ? "" : ": " + no_binary)).c_str());
  return -1;
}

// A request on this thread's connection. False (and the task marked lost) on failure.
bool request(op o, const std::vector<std::byte>& payload, std::vector<std::byte>& out,
             reply_fds& in, const int* fds = nullptr, std::size_t nfds = 0) {
  const int fd = connection();
  if (fd < 0) return false;
  if (exchange(fd, o, payload, out, in, fds, nfds)) return true;
  lose("lost the connection to machd");
  return false;
}

// The same, for requests whose replies carry no descriptors.
bool request(op o, const std::vector<std::byte>& payload, std::vector<std::byte>& out,
             const int* fds = nullptr, std::size_t nfds = 0) {
  reply_fds in;
  return request(o, payload, out, in, fds, nfds);
}

// ---- out-of-line memory -----------------------------------------------------------------

bool read_self(std::uint64_t address, void* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    iovec local{static_cast<char*>(out) + done, size - done};
    iovec remote{reinterpret_cast<void*>(static_cast<std::uintptr_t>(address + done)), size - done};
    const ssize_t n = ::process_vm_readv(fork_watch::pid(), &local, 1, &remote, 1, 0);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Calls fn(descriptor offset, type) for each descriptor of the message in the first `size`
// bytes of `buf`; stops at anything it cannot parse. The header's msgh_size plays no part:
// a sent message's size is mach_msg's send_size (MIG's stubs leave msgh_size unset), and a
// received or pseudo-received one's is at most the bytes machd sent back.
template <class F>
void for_each_descriptor(std::byte* buf, std::size_t size, F&& fn) {
  if (size < sizeof(mach_msg_base_t)) return;
  mach_msg_header_t h;
  std::memcpy(&h, buf, sizeof h);
  if (!(h.msgh_bits & MACH_MSGH_BITS_COMPLEX)) return;
  mach_msg_body_t body;
  std::memcpy(&body, buf + sizeof h, sizeof body);
  std::size_t off = sizeof(mach_msg_base_t);
  for (mach_msg_size_t i = 0; i < body.msgh_descriptor_count && off + 12 <= size; ++i) {
    const auto type = static_cast<mach_msg_descriptor_type_t>(buf[off + 11]);
    const std::size_t len = type == MACH_MSG_PORT_DESCRIPTOR ? 12 : 16;
    if (off + len > size) return;
    if (type > MACH_MSG_GUARDED_PORT_DESCRIPTOR) return;
    fn(off, type);
    off += len;
  }
}

// A region a reply hands out: its bytes, or the memfd holding them (-1: lost on the way).
struct handed_out {
  std::span<const std::byte> data;
  std::size_t size = 0;
  bool in_fd = false;
  int fd = -1;
};
using outs_map = std::map<std::uint64_t, handed_out>;

// Maps one region into this process: a fresh copy of inline bytes, or a private
// copy-on-write mapping of a memfd. 0 on failure.
std::uint64_t map_out(const handed_out& o) {
  if (o.in_fd) {
    if (o.fd < 0) return 0;
    return reinterpret_cast<std::uintptr_t>(memfd_region::map(o.fd, o.size));
  }
  vm_address_t mapped = 0;
  if (vm_allocate(mach_task_self(), &mapped, o.size, VM_FLAGS_ANYWHERE) != KERN_SUCCESS)
    return 0;
  std::memcpy(reinterpret_cast<void*>(mapped), o.data.data(), o.size);
  return mapped;
}

// Replaces the tokens machd wrote for OOL memory with mappings of the regions it handed
// out. False when one could not be mapped (its descriptor then says address 0).
bool patch_tokens(std::byte* buf, std::size_t size, outs_map& outs) {
  bool all = true;
  for_each_descriptor(buf, size, [&](std::size_t off, mach_msg_descriptor_type_t type) {
    if (type != MACH_MSG_OOL_DESCRIPTOR && type != MACH_MSG_OOL_VOLATILE_DESCRIPTOR &&
        type != MACH_MSG_OOL_PORTS_DESCRIPTOR)
      return;
    std::uint64_t a;
    std::memcpy(&a, buf + off, sizeof a);
    auto it = outs.find(a);
    if (it == outs.end()) return;
    const std::uint64_t result = map_out(it->second);
    all = all && result != 0;
    std::memcpy(buf + off, &result, sizeof result);
    outs.erase(it);
  });
  return all;
}

// The regions of a reply; the n-th memfd region gets the n-th descriptor of `in`.
bool read_outs(wire::reader& rd, outs_map& outs, const reply_fds& in) {
  std::vector<wire::region> regions;
  std::uint32_t nfds = 0;
  if (!wire::decode_regions(rd, regions, nfds)) return false;
  if (!in.lost && nfds != in.fds.size()) return false;
  std::size_t next = 0;
  for (const wire::region& g : regions) {
    handed_out o{g.data, static_cast<std::size_t>(g.size), g.in_fd, -1};
    // Out of descriptors: which ones arrived is unknown, so none is used.
    if (g.in_fd && !in.lost) o.fd = in.fds[next++].get();
    outs[g.address] = o;
  }
  return true;
}

// The size from which an OOL region travels as a sealed memfd instead of inside the
// request: $MACHEMU_OOL_MEMFD_MIN bytes, default 64 KiB (below it, copying through the
// socket costs less than making and mapping a memfd: see benchmarks/machd_ipc.cpp).
std::size_t memfd_threshold() {
  std::size_t v = std::size_t{64} << 10;
  if (const char* e = std::getenv("MACHEMU_OOL_MEMFD_MIN"); e && *e)
    v = static_cast<std::size_t>(std::strtoull(e, nullptr, 10));
  return std::max<std::size_t>(v, wire::min_fd_region);
}

// Appends the OOL regions of the message `sbytes` to the request `w` (a count, then
// wire::region entries). Large OOL data goes into a sealed memfd added to `memfds`, copied
// once; a region that no memfd could be made for (out of descriptors...) goes inline. An
// unreadable region is left out: the core then fails the send with
// MACH_SEND_INVALID_MEMORY, as XNU does. False when the request would exceed a frame.
bool capture_regions(const std::byte* sbytes, std::size_t send_size, wire::writer& w,
                     std::vector<unique_fd>& memfds) {
  std::vector<std::byte>& buf = w.buffer();
  const std::size_t count_at = buf.size();
  std::uint32_t count = 0;
  w.u32(0);
  std::size_t threshold = 0;  // read at the first OOL region
  bool too_large = false;
  for_each_descriptor(const_cast<std::byte*>(sbytes), send_size,
                      [&](std::size_t off, mach_msg_descriptor_type_t type) {
    if (too_large ||
        (type != MACH_MSG_OOL_DESCRIPTOR && type != MACH_MSG_OOL_VOLATILE_DESCRIPTOR &&
         type != MACH_MSG_OOL_PORTS_DESCRIPTOR))
      return;  // port descriptors carry no memory
    std::uint64_t a;
    std::uint32_t n;
    std::memcpy(&a, sbytes + off, sizeof a);
    std::memcpy(&n, sbytes + off + 12, sizeof n);
    std::size_t bytes = n;
    if (type == MACH_MSG_OOL_PORTS_DESCRIPTOR) bytes *= sizeof(mach_port_name_t);
    if (!a || !bytes) return;
    // Port-name arrays always go inline: the core reads their names.
    if (type != MACH_MSG_OOL_PORTS_DESCRIPTOR && memfds.size() < wire::max_frame_fds) {
      if (!threshold) threshold = memfd_threshold();
      if (bytes >= threshold) {
        const int fd = memfd_region::make(reinterpret_cast<const void*>(a), bytes);
        if (fd < 0 && errno == EFAULT) return;
        if (fd >= 0) {
          memfds.emplace_back(fd);
          wire::encode(w, wire::region{a, true, {}, bytes});
          ++count;
          return;
        }
      }
    }
    const std::size_t entry_at = buf.size();
    if (entry_at + bytes + 16 > wire::max_payload) {
      too_large = true;
      return;
    }
    w.u64(a);
    w.u32(0);  // inline
    w.u32(static_cast<std::uint32_t>(bytes));
    buf.resize(buf.size() + bytes);
    if (!read_self(a, buf.data() + buf.size() - bytes, bytes)) {
      buf.resize(entry_at);
      return;
    }
    ++count;
  });
  std::memcpy(buf.data() + count_at, &count, sizeof count);
  return !too_large;
}

// ---- kqueues -----------------------------------------------------------------------------

struct client_kq {
  std::uint64_t id = 0;
  ino_t inode = 0;
  std::uint64_t generation = 0;  // fork_watch's: a forked child's are its parent's, not its own
};
// Under kq_mutex.
std::map<int, client_kq>& kqueues() {
  static auto* m = new std::map<int, client_kq>;
  return *m;
}

ino_t inode_of(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

void close_in_machd(std::uint64_t id) {
  wire::writer w;
  w.u64(id);
  std::vector<std::byte> out;
  request(op::kq_close, w.buffer(), out);
}

// Tells machd about kqueue descriptors the program closed (or that fork left behind).
void reap_closed_kqueues() {
  std::vector<std::uint64_t> gone;
  {
    const std::uint64_t generation = fork_watch::generation();
    std::lock_guard lk(kq_mutex);
    auto& m = kqueues();
    for (auto it = m.begin(); it != m.end();) {
      if (it->second.generation != generation) {
        it = m.erase(it);
      } else if (inode_of(it->first) != it->second.inode) {
        gone.push_back(it->second.id);
        it = m.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (std::uint64_t id : gone) close_in_machd(id);
}

// The kqueue `kq` names in this process, if any (not one a forked child inherited).
bool find_kqueue(int kq, client_kq& out) {
  const std::uint64_t generation = fork_watch::generation();
  std::lock_guard lk(kq_mutex);
  auto it = kqueues().find(kq);
  if (it == kqueues().end() || it->second.generation != generation) return false;
  out = it->second;
  return true;
}

// Whether descriptor `kq` still is the kqueue `k` (the program may have closed it and got
// the number back for something else). When not, the kqueue is forgotten, here and in
// machd.
bool still_open(int kq, const client_kq& k) {
  {
    // The fstat under the lock: a close() of the kqueue (kqueue_closing) takes it before
    // the descriptor goes, so the check is ordered before that close, never beside it.
    std::lock_guard lk(kq_mutex);
    if (inode_of(kq) == k.inode) return true;
    auto it = kqueues().find(kq);
    if (it == kqueues().end() || it->second.id != k.id) return false;
    kqueues().erase(it);
  }
  close_in_machd(k.id);
  return false;
}

// ---- the transport -------------------------------------------------------------------------

class machd_client final : public transport {
 public:
  void port(const port_call& c, port_result& r) override {
    wire::writer w(tl_request);
    w.u32(static_cast<std::uint32_t>(c.what));
    for (std::uint64_t a : c.a) w.u64(a);
    w.bytes(c.in);
    std::vector<std::byte>& out = tl_reply;
    if (!request(op::port_call, w.buffer(), out)) {
      r.kr = MACH_SEND_INVALID_DEST;
      return;
    }
    wire::reader rd(out);
    std::int32_t kr = 0;
    std::span<const std::byte> blob;
    bool ok = rd.i32(kr);
    for (std::uint64_t& o : r.out) ok = ok && rd.u64(o);
    ok = ok && rd.bytes(blob, wire::max_payload) && rd.u64(r.guard_code) &&
         rd.u64(r.guard_subcode);
    if (!ok) {
      lose("machd sent a malformed reply");
      r.kr = MACH_SEND_INVALID_DEST;
      return;
    }
    r.kr = kr;
    r.blob.assign(blob.begin(), blob.end());
  }

  mach_msg_return_t msg(mach_msg_header_t* m, mach_msg_option_t option,
                        mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                        mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                        mach_msg_header_t* rcv_msg) override {
    const bool send = option & MACH_SEND_MSG;
    const bool receive = option & MACH_RCV_MSG;
    if (send && !m) return MACH_SEND_INVALID_DATA;
    mach_msg_header_t* rbuf = rcv_msg ? rcv_msg : m;
    if (receive && !rbuf) return MACH_RCV_INVALID_DATA;
    auto* sbytes = reinterpret_cast<std::byte*>(m);
    wire::writer w(tl_request);
    w.u32(static_cast<std::uint32_t>(option));
    w.u32(send ? send_size : 0);
    w.u32(receive ? rcv_size : 0);
    w.u32(rcv_name);
    w.u32(timeout);
    w.u32(rcv_msg && rcv_msg != m ? 1 : 0);
    w.u64(receive ? reinterpret_cast<std::uintptr_t>(rbuf) : 0);
    if (send) {
      // The send size is checked by the core; a buffer shorter than it is the caller's
      // bug, exactly as on Darwin.
      if (send_size > wire::max_payload) return MACH_SEND_TOO_LARGE;
      w.bytes(sbytes, send_size);
    } else {
      w.bytes(nullptr, 0);
    }
    // The receive buffer's first bytes: the core may leave parts of them alone.
    const std::size_t prefix =
        receive ? std::min<std::size_t>(rcv_size, wire::rcv_prefix_bytes) : 0;
    w.bytes(rbuf, prefix);
    // Out-of-line regions, captured now (the core snapshots them at send time anyway).
    std::vector<unique_fd> memfds;  // closed once the request is sent; empty: no allocation
    if (!send)
      w.u32(0);
    else if (!capture_regions(sbytes, send_size, w, memfds))
      return MACH_SEND_TOO_LARGE;
    std::vector<int> fds(memfds.size());
    for (std::size_t i = 0; i < memfds.size(); ++i) fds[i] = memfds[i].get();
    std::vector<std::byte>& out = tl_reply;
    reply_fds in;
    const bool sent = request(op::msg, w.buffer(), out, in, fds.data(), fds.size());
    memfds.clear();
    if (!sent) return send ? MACH_SEND_INVALID_DEST : MACH_RCV_PORT_DIED;
    wire::reader rd(out);
    std::int32_t mr = 0;
    std::uint32_t phase = 0;
    std::span<const std::byte> back;
    outs_map outs;
    if (!rd.i32(mr) || !rd.u32(phase) || phase > 1 || !rd.bytes(back, wire::max_payload) ||
        !read_outs(rd, outs, in)) {
      lose("machd sent a malformed reply");
      return send ? MACH_SEND_INVALID_DEST : MACH_RCV_PORT_DIED;
    }
    std::uint32_t ndealloc = 0;
    if (!rd.u32(ndealloc)) return MACH_SEND_INVALID_DEST;
    for (std::uint32_t i = 0; i < ndealloc; ++i) {
      std::uint64_t a = 0, n = 0;
      if (!rd.u64(a) || !rd.u64(n)) break;
      vm_deallocate(mach_task_self(), static_cast<vm_address_t>(a), static_cast<vm_size_t>(n));
    }
    auto* target = reinterpret_cast<std::byte*>(phase == 1 ? rbuf : m);
    const std::size_t limit = phase == 1 ? rcv_size : send_size;
    if (back.size() <= limit && !back.empty()) {
      std::memcpy(target, back.data(), back.size());
      // A region that could not be mapped here is what XNU reports when the receiver's
      // map has no room for it.
      if (!patch_tokens(target, back.size(), outs) && phase == 1 && mr == MACH_MSG_SUCCESS)
        mr = MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
    }
    return mr;
  }

  int kqueue() override {
    reap_closed_kqueues();
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) return -1;
    // machd gets the write end (to signal) and the read end (to drain); we keep the read end.
    const int ends[2] = {fds[1], fds[0]};  // the order machd expects: write end, read end
    std::vector<std::byte> out;
    const bool ok = request(op::kq_create, {}, out, ends, 2);
    ::close(fds[1]);
    wire::reader rd(out);
    std::uint64_t id = 0;
    if (!ok || !rd.u64(id)) {
      ::close(fds[0]);
      errno = ENOMEM;
      return -1;
    }
    std::lock_guard lk(kq_mutex);
    kqueues()[fds[0]] = client_kq{id, inode_of(fds[0]), fork_watch::generation()};
    return fds[0];
  }

  int kevent(int kq, const kevent64_s* changes, int nchanges, kevent64_s* events, int nevents,
             unsigned flags, const timespec* timeout) override {
    client_kq k;
    if (!find_kqueue(kq, k)) {
      errno = EBADF;
      return -1;
    }
    if (!events) nevents = 0;
    if (!changes) nchanges = 0;
    if (static_cast<std::uint32_t>(nevents) > wire::max_kevents ||
        static_cast<std::uint32_t>(nchanges) > wire::max_kevents) {
      errno = EINVAL;
      return -1;
    }
    // Whether the descriptor is still our kqueue costs an fstat, a system call per message
    // of a busy event loop (a drain, and a knote enabled per receive). So, as in the
    // in-process mode, only a call that asks for events checks, and only when it finds
    // none, or before it may wait (machd cannot check while it waits). Until then a
    // closed descriptor still reaches its old kqueue (doc/emu-divergences.md).
    const bool immediate = (flags & KEVENT_FLAG_IMMEDIATE) ||
                           (timeout && timeout->tv_sec == 0 && timeout->tv_nsec == 0);
    const bool check_after = nevents > 0 && immediate;
    if (nevents > 0 && !immediate && !still_open(kq, k)) {
      errno = EBADF;
      return -1;
    }
    wire::writer w(tl_request);
    w.u64(k.id);
    w.u32(static_cast<std::uint32_t>(nevents));
    w.u32(flags);
    w.u32(timeout ? 1 : 0);
    w.u64(timeout ? static_cast<std::uint64_t>(timeout->tv_sec) * 1000000000ull +
                        static_cast<std::uint64_t>(timeout->tv_nsec)
                  : 0);
    w.bytes(changes, static_cast<std::size_t>(nchanges) * sizeof(kevent64_s));
    std::vector<std::byte>& out = tl_reply;
    reply_fds in;
    if (!request(op::kq_event, w.buffer(), out, in)) {
      errno = EBADF;
      return -1;
    }
    wire::reader rd(out);
    std::int32_t n = 0;
    std::span<const std::byte> evs;
    std::uint32_t nwrites = 0;
    if (!rd.i32(n) || !rd.bytes(evs, wire::max_payload) || !rd.u32(nwrites)) {
      errno = EBADF;
      return -1;
    }
    // The direct receives are read twice (skipped now, copied below) rather than
    // collected: a message per call must not cost an allocation.
    const wire::reader writes = rd;
    std::uint32_t complete = 0;
    for (; complete < nwrites; ++complete) {
      std::uint64_t a = 0;
      std::span<const std::byte> data;
      if (!rd.u64(a) || !rd.bytes(data, wire::max_payload)) break;
    }
    outs_map outs;
    read_outs(rd, outs, in);
    if (n < 0) {
      errno = -n;
      return -1;
    }
    if (evs.size() != static_cast<std::size_t>(n) * sizeof(kevent64_s) || n > nevents) {
      errno = EBADF;
      return -1;
    }
    if (n == 0 && check_after && !still_open(kq, k)) {
      errno = EBADF;
      return -1;
    }
    if (!evs.empty()) std::memcpy(events, evs.data(), evs.size());
    // Direct receives: the message lands in the buffer the knote registered.
    wire::reader wr = writes;
    for (std::uint32_t i = 0; i < complete; ++i) {
      std::uint64_t a = 0;
      std::span<const std::byte> data;
      wr.u64(a);
      wr.bytes(data, wire::max_payload);
      auto* dst = reinterpret_cast<std::byte*>(static_cast<std::uintptr_t>(a));
      if (!data.empty()) std::memcpy(dst, data.data(), data.size());
      patch_tokens(dst, data.size(), outs);
    }
    return n;
  }

  void kqueue_closing(int kq) override {
    std::uint64_t id = 0;
    {
      std::lock_guard lk(kq_mutex);
      auto it = kqueues().find(kq);
      if (it == kqueues().end()) return;
      const bool ours = it->second.generation == fork_watch::generation();
      id = it->second.id;
      kqueues().erase(it);
      if (!ours) return;  // a parent's, inherited through fork: not this task's to close
    }
    // machd destroys the kqueue, which wakes the threads parked in its kevent64 with EBADF.
    close_in_machd(id);
  }
};

}  // namespace

transport& machd_transport() {
  static machd_client* t = new machd_client;  // never destroyed: calls may come during exit
  return *t;
}

// Debug request: machd's live tasks and ports (tests check that they return to where they
// started). Returns false when machd cannot be reached.
bool machd_counts(std::uint64_t& tasks, std::uint64_t& ports, std::uint64_t& connections,
                  std::uint64_t& pid) {
  std::vector<std::byte> out;
  if (!request(op::counts, {}, out)) return false;
  wire::reader rd(out);
  return rd.u64(tasks) && rd.u64(ports) && rd.u64(connections) && rd.u64(pid);
}

}  // namespace machemu::lib

extern "C" int machemu_machd_get_counts(struct machemu_machd_counts* out) {
  std::uint64_t t = 0, p = 0, c = 0, pid = 0;
  if (&machemu::lib::current_transport() != &machemu::lib::machd_transport()) return -1;
  if (!machemu::lib::machd_counts(t, p, c, pid)) return -1;
  out->tasks = t;
  out->ports = p;
  out->connections = c;
  out->pid = pid;
  return 0;
}
