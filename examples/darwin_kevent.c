/* SPDX-License-Identifier: BSL-1.0 */
/* A Darwin program as it would be written for macOS, in C against the system's own API
 * only: one kqueue waits on a Mach port, a pipe, a timer and a signal with kevent(). On
 * Linux it runs unmodified on mach-emu; on macOS it builds against the SDK.
 *
 * It arms all four sources, makes each one fire (a message to itself, bytes into the pipe,
 * a signal to itself, and a 20 ms timer), and prints one line per event as kevent()
 * reports them. */
#include <mach/mach.h>
#include <sys/event.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond, what)                         \
  do {                                            \
    if (!(cond)) {                                \
      fprintf(stderr, "darwin_kevent: %s\n", what); \
      exit(1);                                    \
    }                                             \
  } while (0)

enum source { PORT = 1, PIPE = 2, TIMER = 3, SIGNAL = 4 };

int main(void) {
  /* A watched signal is set to SIG_IGN first, so that it only ever reaches the kqueue. */
  signal(SIGUSR1, SIG_IGN);

  mach_port_t port = MACH_PORT_NULL;
  CHECK(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) == KERN_SUCCESS,
        "mach_port_allocate");
  CHECK(mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND) == KERN_SUCCESS,
        "mach_port_insert_right");
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");

  int kq = kqueue();
  CHECK(kq >= 0, "kqueue");
  struct kevent changes[4];
  EV_SET(&changes[0], port, EVFILT_MACHPORT, EV_ADD, 0, 0, (void*)(uintptr_t)PORT);
  EV_SET(&changes[1], fds[0], EVFILT_READ, EV_ADD, 0, 0, (void*)(uintptr_t)PIPE);
  EV_SET(&changes[2], 1, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 20, (void*)(uintptr_t)TIMER);
  EV_SET(&changes[3], SIGUSR1, EVFILT_SIGNAL, EV_ADD, 0, 0, (void*)(uintptr_t)SIGNAL);
  CHECK(kevent(kq, changes, 4, NULL, 0, NULL) == 0, "kevent (register)");

  mach_msg_header_t msg;
  memset(&msg, 0, sizeof msg);
  msg.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  msg.msgh_remote_port = port;
  msg.msgh_size = sizeof msg;
  msg.msgh_id = 1234;
  CHECK(mach_msg(&msg, MACH_SEND_MSG, sizeof msg, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
                 MACH_PORT_NULL) == MACH_MSG_SUCCESS,
        "mach_msg (send)");
  CHECK(write(fds[1], "hello", 5) == 5, "write");
  kill(getpid(), SIGUSR1);

  int seen = 0;
  while (seen != ((1 << PORT) | (1 << PIPE) | (1 << TIMER) | (1 << SIGNAL))) {
    struct kevent ev;
    const struct timespec five_seconds = {5, 0};
    const int n = kevent(kq, NULL, 0, &ev, 1, &five_seconds);
    CHECK(n == 1, "kevent (wait): nothing within five seconds");
    const int which = (int)(uintptr_t)ev.udata;
    switch (which) {
      case PORT: {
        struct {
          mach_msg_header_t header;
          mach_msg_trailer_t trailer;
        } in;
        CHECK(mach_msg(&in.header, MACH_RCV_MSG, 0, sizeof in, port, MACH_MSG_TIMEOUT_NONE,
                       MACH_PORT_NULL) == MACH_MSG_SUCCESS,
              "mach_msg (receive)");
        printf("port: message %d on the port kevent named\n", in.header.msgh_id);
        break;
      }
      case PIPE: {
        char buf[16];
        const ssize_t got = read(fds[0], buf, sizeof buf);
        printf("pipe: %ld bytes waiting, %ld read\n", (long)ev.data, (long)got);
        break;
      }
      case TIMER: printf("timer: fired %ld time(s)\n", (long)ev.data); break;
      case SIGNAL: printf("signal: SIGUSR1 delivered %ld time(s)\n", (long)ev.data); break;
      default: CHECK(0, "an event nobody asked for");
    }
    seen |= 1 << which;
  }

  close(kq);
  close(fds[0]);
  close(fds[1]);
  mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_SEND, -1);
  mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
  printf("darwin_kevent: OK\n");
  return 0;
}
