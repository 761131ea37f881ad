/* SPDX-License-Identifier: BSL-1.0 */
/* mach-emu: <sys/event.h> -- kqueue(), kevent() and kevent64() with EVFILT_MACHPORT and
 * the filters Darwin programs mix with it: EVFILT_READ, EVFILT_WRITE, EVFILT_TIMER,
 * EVFILT_USER, EVFILT_SIGNAL and EVFILT_PROC (NOTE_EXIT). Values and layouts as on macOS.
 * Linux has no <sys/event.h> of its own. */
#ifndef MACHEMU_SYS_EVENT_H
#define MACHEMU_SYS_EVENT_H

#include <stdint.h>
#include <sys/types.h>

#define EVFILT_READ     (-1)
#define EVFILT_WRITE    (-2)
#define EVFILT_AIO      (-3)
#define EVFILT_VNODE    (-4)
#define EVFILT_PROC     (-5)
#define EVFILT_SIGNAL   (-6)
#define EVFILT_TIMER    (-7)
#define EVFILT_MACHPORT (-8)
#define EVFILT_FS       (-9)
#define EVFILT_USER     (-10)
#define EVFILT_VM       (-12)
#define EVFILT_EXCEPT   (-15)
#define EVFILT_SYSCOUNT 17
#define EVFILT_THREADMARKER EVFILT_SYSCOUNT

/* kevent()'s form: 32 bytes on LP64, as on macOS. */
#pragma pack(push, 4)
struct kevent {
    uintptr_t ident;
    int16_t filter;
    uint16_t flags;
    uint32_t fflags;
    intptr_t data;
    void *udata;
};
#pragma pack(pop)

/* 48 bytes. For EVFILT_MACHPORT: ident is a receive-right or port-set name; fflags
 * may hold MACH_RCV_MSG (plus MACH_RCV_LARGE*, trailer requests) to receive directly
 * into the buffer at ext[0] of size ext[1]; on delivery data is the port holding the
 * message (0 after a direct receive), fflags the mach_msg return code and ext[1] the
 * bytes received. */
struct kevent64_s {
    uint64_t ident;
    int16_t filter;
    uint16_t flags;
    uint32_t fflags;
    int64_t data;
    uint64_t udata;
    uint64_t ext[2];
};

#define EV_SET(kevp, a, b, c, d, e, f)         \
    do {                                       \
        struct kevent *ev_set_kevp_ = (kevp);  \
        ev_set_kevp_->ident = (a);             \
        ev_set_kevp_->filter = (b);            \
        ev_set_kevp_->flags = (c);             \
        ev_set_kevp_->fflags = (d);            \
        ev_set_kevp_->data = (e);              \
        ev_set_kevp_->udata = (f);             \
    } while (0)

#define EV_SET64(kevp, a, b, c, d, e, f, g, h)     \
    do {                                           \
        struct kevent64_s *ev_set_kevp_ = (kevp);  \
        ev_set_kevp_->ident = (a);                 \
        ev_set_kevp_->filter = (b);                \
        ev_set_kevp_->flags = (c);                 \
        ev_set_kevp_->fflags = (d);                \
        ev_set_kevp_->data = (e);                  \
        ev_set_kevp_->udata = (f);                 \
        ev_set_kevp_->ext[0] = (g);                \
        ev_set_kevp_->ext[1] = (h);                \
    } while (0)

/* kevent64() flags. */
#define KEVENT_FLAG_NONE         0x000000
#define KEVENT_FLAG_IMMEDIATE    0x000001 /* do not wait, whatever the timeout */
#define KEVENT_FLAG_ERROR_EVENTS 0x000002 /* return only change-list errors */

#define EV_ADD            0x0001
#define EV_DELETE         0x0002
#define EV_ENABLE         0x0004
#define EV_DISABLE        0x0008
#define EV_ONESHOT        0x0010
#define EV_CLEAR          0x0020
#define EV_RECEIPT        0x0040 /* report every change as an EV_ERROR event, data 0 on success */
#define EV_DISPATCH       0x0080
#define EV_UDATA_SPECIFIC 0x0100
#define EV_DISPATCH2      (EV_DISPATCH | EV_UDATA_SPECIFIC)
#define EV_VANISHED       0x0200 /* only with EV_DISPATCH2 */
#define EV_SYSFLAGS       0xF000
#define EV_FLAG0          0x1000
#define EV_FLAG1          0x2000
#define EV_EOF            0x8000 /* a port knote's last event: the port or set died */
#define EV_ERROR          0x4000 /* data holds an errno */
#define EV_POLL           EV_FLAG0
#define EV_OOBAND         EV_FLAG1

/* EVFILT_READ / EVFILT_WRITE */
#define NOTE_LOWAT 0x00000001

/* EVFILT_USER: NOTE_TRIGGER fires the knote; the control bits say how the low 24 bits
 * combine with the knote's stored fflags. */
#define NOTE_TRIGGER    0x01000000
#define NOTE_FFNOP      0x00000000
#define NOTE_FFAND      0x40000000
#define NOTE_FFOR       0x80000000
#define NOTE_FFCOPY     0xc0000000
#define NOTE_FFCTRLMASK 0xc0000000
#define NOTE_FFLAGSMASK 0x00ffffff

/* EVFILT_PROC (mach-emu reports NOTE_EXIT only). */
#define NOTE_EXIT       0x80000000
#define NOTE_FORK       0x40000000
#define NOTE_EXEC       0x20000000
#define NOTE_SIGNAL     0x08000000
#define NOTE_EXITSTATUS 0x04000000
#define NOTE_EXIT_DETAIL 0x02000000
#define NOTE_PDATAMASK  0x000fffff
#define NOTE_PCTRLMASK  (~NOTE_PDATAMASK)

/* EVFILT_TIMER: data is milliseconds unless one of the unit flags says otherwise. */
#define NOTE_SECONDS    0x00000001
#define NOTE_USECONDS   0x00000002
#define NOTE_NSECONDS   0x00000004
#define NOTE_ABSOLUTE   0x00000008 /* data is a wall-clock time; implies EV_ONESHOT */
#define NOTE_LEEWAY     0x00000010
#define NOTE_CRITICAL   0x00000020
#define NOTE_BACKGROUND 0x00000040
#define NOTE_MACH_CONTINUOUS_TIME 0x00000080
#define NOTE_MACHTIME   0x00000100 /* data is mach_absolute_time units */

struct timespec;

#ifdef __cplusplus
extern "C" {
#endif

/* A new kqueue as a file descriptor the caller owns (close() it). It polls readable
 * while events are pending, so poll/epoll/Asio can watch it. */
int kqueue(void);

/* Applies `nchanges` changes, then returns up to `nevents` events (waiting up to
 * `timeout`, forever if NULL, not at all with KEVENT_FLAG_IMMEDIATE). Returns the
 * number of events, or -1 with errno. */
/* kevent64 with flags 0, in struct kevent: a change's ext words are 0 and an event's are
 * dropped (so an EVFILT_MACHPORT knote has no direct-receive buffer through it). */
int kevent(int kq, const struct kevent *changelist, int nchanges,
           struct kevent *eventlist, int nevents, const struct timespec *timeout);

int kevent64(int kq, const struct kevent64_s *changelist, int nchanges,
             struct kevent64_s *eventlist, int nevents, unsigned int flags,
             const struct timespec *timeout);

#ifdef __cplusplus
}
#endif

#endif /* MACHEMU_SYS_EVENT_H */
