// SPDX-License-Identifier: BSL-1.0
// mach-emu's in-process IPC cost, single thread, against baselines measured in the same run.
//
// Figures (items/second) come from Google Benchmark; after the runs a table prints each
// benchmark's time per item as a ratio of its baseline:
//  - messages: one 64-byte write + read on a pipe in the same thread (what a Linux program
//    would pay for the cheapest kernel-mediated message);
//  - ports: one eventfd created and closed (a kernel object and a name in the fd table
//    allocated and released).
// The port benchmarks also print the ratio between 100,000 and 1,000 live names, which must
// stay near 1: name lookups are an index into a table, not a search. The same holds for a
// receive from a port set of 100,000 members against a set of one (target <= 1.1).
#include <benchmark/benchmark.h>

#include <mach/mach.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

constexpr std::size_t message_size = 64;
static_assert(message_size == sizeof(mach_msg_header_t) + 40);

// Stops the whole program: a benchmark that measures a failing call measures nothing.
void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "emu_ipc: %s failed\n", what);
    std::abort();
  }
}

void check_kr(kern_return_t kr, const char* what) {
  if (kr != KERN_SUCCESS) {
    std::fprintf(stderr, "emu_ipc: %s failed: %s (0x%x)\n", what, mach_error_string(kr),
                 static_cast<unsigned>(kr));
    std::abort();
  }
}

// A receive right with one send right under the same name; destroyed with the object.
class own_port {
 public:
  own_port() {
    check_kr(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &name_),
             "mach_port_allocate");
    check_kr(mach_port_insert_right(mach_task_self(), name_, name_, MACH_MSG_TYPE_MAKE_SEND),
             "mach_port_insert_right");
  }
  ~own_port() {
    mach_port_deallocate(mach_task_self(), name_);
    mach_port_mod_refs(mach_task_self(), name_, MACH_PORT_RIGHT_RECEIVE, -1);
  }
  own_port(const own_port&) = delete;
  own_port& operator=(const own_port&) = delete;
  mach_port_t name() const { return name_; }

 private:
  mach_port_t name_ = MACH_PORT_NULL;
};

struct plain_message {
  mach_msg_header_t header;
  unsigned char payload[message_size - sizeof(mach_msg_header_t)];
};
static_assert(sizeof(plain_message) == message_size);

struct port_message {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_port_descriptor_t port;
};

// Large enough for either message plus the largest trailer.
union receive_buffer {
  mach_msg_header_t header;
  unsigned char bytes[256];
};

// ---- baselines -------------------------------------------------------------------------

void baseline_pipe_64(benchmark::State& state) {
  int fds[2];
  check(pipe(fds) == 0, "pipe");
  unsigned char out[message_size] = {1};
  unsigned char in[message_size];
  for (auto _ : state) {
    check(write(fds[1], out, sizeof out) == static_cast<ssize_t>(sizeof out), "write");
    check(read(fds[0], in, sizeof in) == static_cast<ssize_t>(sizeof in), "read");
    benchmark::DoNotOptimize(in);
  }
  close(fds[0]);
  close(fds[1]);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(baseline_pipe_64);

void baseline_eventfd_create_close(benchmark::State& state) {
  for (auto _ : state) {
    const int fd = eventfd(0, EFD_CLOEXEC);
    check(fd >= 0, "eventfd");
    close(fd);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(baseline_eventfd_create_close);

// ---- messages ----------------------------------------------------------------------------

// One mach_msg to send 64 bytes to a port this thread holds, one to receive them.
void msg_send_receive_64(benchmark::State& state) {
  own_port port;
  plain_message msg{};
  receive_buffer rcv{};
  for (auto _ : state) {
    msg.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    msg.header.msgh_size = sizeof msg;
    msg.header.msgh_remote_port = port.name();
    msg.header.msgh_local_port = MACH_PORT_NULL;
    msg.header.msgh_id = 1;
    check_kr(mach_msg(&msg.header, MACH_SEND_MSG, sizeof msg, 0, MACH_PORT_NULL,
                      MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL),
             "mach_msg send");
    check_kr(mach_msg(&rcv.header, MACH_RCV_MSG, 0, sizeof rcv, port.name(),
                      MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL),
             "mach_msg receive");
    benchmark::DoNotOptimize(rcv);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(msg_send_receive_64);

// The same pair in a single mach_msg call (MACH_SEND_MSG | MACH_RCV_MSG), as a server loop
// or an RPC client does it.
void msg_send_receive_64_one_call(benchmark::State& state) {
  own_port port;
  union {
    plain_message msg;
    receive_buffer rcv;
  } buf{};
  for (auto _ : state) {
    buf.msg.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    buf.msg.header.msgh_size = sizeof buf.msg;
    buf.msg.header.msgh_remote_port = port.name();
    buf.msg.header.msgh_local_port = MACH_PORT_NULL;
    buf.msg.header.msgh_id = 1;
    check_kr(mach_msg(&buf.msg.header, MACH_SEND_MSG | MACH_RCV_MSG, sizeof buf.msg,
                      sizeof buf.rcv, port.name(), MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL),
             "mach_msg send+receive");
    benchmark::DoNotOptimize(buf);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(msg_send_receive_64_one_call);

// A complex message carrying MAKE_SEND of a second port; the receiver drops the send right
// it gets, so every iteration ends in the state it started from.
void msg_send_receive_port_right(benchmark::State& state) {
  own_port port;
  mach_port_t carried = MACH_PORT_NULL;
  check_kr(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &carried),
           "mach_port_allocate");
  port_message msg{};
  receive_buffer rcv{};
  for (auto _ : state) {
    msg.header.msgh_bits =
        MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
    msg.header.msgh_size = sizeof msg;
    msg.header.msgh_remote_port = port.name();
    msg.header.msgh_local_port = MACH_PORT_NULL;
    msg.header.msgh_id = 2;
    msg.body.msgh_descriptor_count = 1;
    msg.port.name = carried;
    msg.port.disposition = MACH_MSG_TYPE_MAKE_SEND;
    msg.port.type = MACH_MSG_PORT_DESCRIPTOR;
    check_kr(mach_msg(&msg.header, MACH_SEND_MSG, sizeof msg, 0, MACH_PORT_NULL,
                      MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL),
             "mach_msg send");
    check_kr(mach_msg(&rcv.header, MACH_RCV_MSG, 0, sizeof rcv, port.name(),
                      MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL),
             "mach_msg receive");
    port_message got;
    std::memcpy(&got, rcv.bytes, sizeof got);
    check_kr(mach_port_deallocate(mach_task_self(), got.port.name), "mach_port_deallocate");
  }
  mach_port_mod_refs(mach_task_self(), carried, MACH_PORT_RIGHT_RECEIVE, -1);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(msg_send_receive_port_right);

// One 64-byte message sent to a member of a port set of state.range(0) members and
// received from the set. The message goes to the member inserted last, so that a search
// of the members in insertion order would pay for all of them; the time must not depend
// on the set's size (XNU keeps the members with messages on the set's prepost queue).
void msg_send_receive_64_port_set(benchmark::State& state) {
  mach_port_t set = MACH_PORT_NULL;
  check_kr(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_PORT_SET, &set), "mach_port_allocate set");
  std::vector<mach_port_t> members(static_cast<std::size_t>(state.range(0)));
  for (auto& m : members) {
    check_kr(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &m), "mach_port_allocate");
    check_kr(mach_port_insert_member(mach_task_self(), m, set), "mach_port_insert_member");
  }
  const mach_port_t target = members.back();
  check_kr(mach_port_insert_right(mach_task_self(), target, target, MACH_MSG_TYPE_MAKE_SEND), "insert_right");
  plain_message msg{};
  receive_buffer rcv{};
  for (auto _ : state) {
    msg.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    msg.header.msgh_size = sizeof msg;
    msg.header.msgh_remote_port = target;
    msg.header.msgh_local_port = MACH_PORT_NULL;
    msg.header.msgh_id = 1;
    check_kr(mach_msg(&msg.header, MACH_SEND_MSG, sizeof msg, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
                      MACH_PORT_NULL),
             "mach_msg send");
    check_kr(mach_msg(&rcv.header, MACH_RCV_MSG, 0, sizeof rcv, set, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL),
             "mach_msg receive from the set");
    benchmark::DoNotOptimize(rcv);
  }
  state.SetItemsProcessed(state.iterations());
  mach_port_deallocate(mach_task_self(), target);
  for (mach_port_t m : members) mach_port_mod_refs(mach_task_self(), m, MACH_PORT_RIGHT_RECEIVE, -1);
  mach_port_mod_refs(mach_task_self(), set, MACH_PORT_RIGHT_PORT_SET, -1);
}
BENCHMARK(msg_send_receive_64_port_set)->ArgName("members")->Arg(1)->Arg(100000);

// ---- ports -------------------------------------------------------------------------------

// Receive rights that fill the name space for the duration of a benchmark.
class live_ports {
 public:
  explicit live_ports(std::size_t n) : names_(n) {
    for (auto& name : names_)
      check_kr(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &name),
               "mach_port_allocate");
  }
  ~live_ports() {
    for (mach_port_t name : names_)
      mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1);
  }
  live_ports(const live_ports&) = delete;
  live_ports& operator=(const live_ports&) = delete;

 private:
  std::vector<mach_port_t> names_;
};

// One receive right allocated and destroyed while state.range(0) other ports are live.
void port_allocate_destroy(benchmark::State& state) {
  const live_ports others(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    mach_port_t name = MACH_PORT_NULL;
    check_kr(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &name),
             "mach_port_allocate");
    check_kr(mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1),
             "mach_port_mod_refs");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(port_allocate_destroy)->ArgName("live")->Arg(1000)->Arg(100000);

// state.range(0) ports allocated, then all of them destroyed; an item is one port's
// allocate + destroy.
void port_allocate_destroy_bulk(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<mach_port_t> names(n);
  for (auto _ : state) {
    for (auto& name : names)
      check_kr(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &name),
               "mach_port_allocate");
    for (mach_port_t name : names)
      check_kr(mach_port_mod_refs(mach_task_self(), name, MACH_PORT_RIGHT_RECEIVE, -1),
               "mach_port_mod_refs");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(port_allocate_destroy_bulk)->ArgName("ports")->Arg(100000)->Unit(benchmark::kMillisecond);

// ---- ratios ------------------------------------------------------------------------------

// Console output as usual, plus each run's time per item kept for the ratio table.
class ratio_reporter final : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal: the output is also read from CI logs.
  ratio_reporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
      const auto items = run.counters.find("items_per_second");
      if (items == run.counters.end() || items->second.value <= 0) continue;
      ns_per_item_[run.benchmark_name()] = 1e9 / items->second.value;
    }
  }

  void print_ratios() const {
    std::printf("\nRatios (time per item; below 1 is faster than the baseline):\n");
    ratio("msg_send_receive_64", "baseline_pipe_64");
    ratio("msg_send_receive_64_one_call", "baseline_pipe_64");
    ratio("msg_send_receive_port_right", "baseline_pipe_64");
    ratio("msg_send_receive_64_port_set/members:1", "msg_send_receive_64");
    ratio("msg_send_receive_64_port_set/members:100000", "msg_send_receive_64_port_set/members:1");
    ratio("port_allocate_destroy/live:1000", "baseline_eventfd_create_close");
    ratio("port_allocate_destroy/live:100000", "baseline_eventfd_create_close");
    ratio("port_allocate_destroy_bulk/ports:100000", "baseline_eventfd_create_close");
    ratio("port_allocate_destroy/live:100000", "port_allocate_destroy/live:1000");
    const auto pairs = ns_per_item_.find("msg_send_receive_64");
    if (pairs != ns_per_item_.end())
      std::printf("64-byte send+receive pairs per second: %.0f (target >= 1000000)\n",
                  1e9 / pairs->second);
  }

 private:
  void ratio(const std::string& name, const std::string& base) const {
    const auto a = ns_per_item_.find(name);
    const auto b = ns_per_item_.find(base);
    if (a == ns_per_item_.end() || b == ns_per_item_.end()) return;  // filtered out
    std::printf("  %-40s / %-32s = %6.2f  (%.1f ns vs %.1f ns)\n", name.c_str(), base.c_str(),
                a->second / b->second, a->second, b->second);
  }

  std::map<std::string, double> ns_per_item_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  return 0;
}
