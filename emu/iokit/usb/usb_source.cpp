// SPDX-License-Identifier: BSL-1.0
// machd's USB source (usb_source.hpp).
#include "usb/usb_source.hpp"

#include <dirent.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#if MACHEMU_HAVE_LIBUDEV
#include <libudev.h>
#endif

#include "usb/sysfs_device.hpp"

namespace machemu::iokit::usb {

// Where hot-plug events come from: udev's monitor, or an inotify watch of a fixture.
struct usb_source::watch {
  int inotify = -1;
#if MACHEMU_HAVE_LIBUDEV
  udev* u = nullptr;
  udev_monitor* monitor = nullptr;
#endif
  ~watch() {
    if (inotify >= 0) ::close(inotify);
#if MACHEMU_HAVE_LIBUDEV
    if (monitor) udev_monitor_unref(monitor);
    if (u) udev_unref(u);
#endif
  }
  int fd() const noexcept {
#if MACHEMU_HAVE_LIBUDEV
    if (monitor) return udev_monitor_get_fd(monitor);
#endif
    return inotify;
  }
};

usb_source::usb_source(host& h, std::string root, logger log)
    : host_(h), root_(std::move(root)), log_(std::move(log)), watch_(std::make_unique<watch>()) {
  // The watch first, so that nothing plugged in during the enumeration is missed (an
  // arrival seen twice is published once).
#if MACHEMU_HAVE_LIBUDEV
  if (root_ == "/sys") {
    watch_->u = udev_new();
    watch_->monitor = watch_->u ? udev_monitor_new_from_netlink(watch_->u, "udev") : nullptr;
    if (watch_->monitor == nullptr ||
        udev_monitor_filter_add_match_subsystem_devtype(watch_->monitor, "usb", "usb_device") < 0 ||
        udev_monitor_enable_receiving(watch_->monitor) < 0) {
      log_("usb: no udev monitor, no hot-plug");
      if (watch_->monitor) udev_monitor_unref(watch_->monitor);
      watch_->monitor = nullptr;
    }
  }
#endif
  if (watch_->fd() < 0 && root_ != "/sys") {
    watch_->inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (watch_->inotify < 0 ||
        ::inotify_add_watch(watch_->inotify, devices_dir().c_str(),
                            IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR) < 0) {
      log_("usb: cannot watch " + devices_dir() + ": " + std::strerror(errno));
    }
  }

  DIR* d = ::opendir(devices_dir().c_str());
  if (d == nullptr) {
    log_("usb: no " + devices_dir());
    return;
  }
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d))
    if (is_device_name(e->d_name)) names.emplace_back(e->d_name);
  ::closedir(d);
  // "1-1" sorts before "1-1.4": hubs are published before their devices.
  std::sort(names.begin(), names.end());
  for (const auto& n : names) add(n);
}

usb_source::~usb_source() = default;

int usb_source::fd() const noexcept { return watch_->fd(); }

void usb_source::add(const std::string& sysname) {
  if (published_.contains(sysname)) return;
  const auto dev = read_sysfs_device(devices_dir() + "/" + sysname, sysname);
  if (!dev) return;
  entry_id parent = 0;
  if (!dev->parent_sysname.empty()) {
    add(dev->parent_sysname);  // a hub announced after its device: publish it first
    if (const auto it = published_.find(dev->parent_sysname); it != published_.end()) parent = it->second;
  }
  // macOS's sessionID: a time stamp of the attach, unique per attach.
  const auto session = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
  service_description s = describe(*dev, session, parent);
  const auto id = host_.publish(s);
  CFRelease(s.properties);
  if (id) {
    published_[sysname] = *id;
    log_("usb: published " + sysname + " (" + s.name + ")");
  }
}

void usb_source::remove(const std::string& sysname) {
  const auto it = published_.find(sysname);
  if (it == published_.end()) return;
  host_.terminate(it->second);  // and its children, which the registry terminates first
  const std::string below = sysname + ".";
  std::erase_if(published_, [&](const auto& p) { return p.first == sysname || p.first.starts_with(below); });
  log_("usb: terminated " + sysname);
}

// One hot-plug event in udev's terms, whichever watch saw it: "add" publishes, "remove"
// terminates; udev's other actions (change, bind, unbind) change nothing published.
void usb_source::on_event(std::string_view action, const std::string& sysname) {
  if (action == "add")
    add(sysname);
  else if (action == "remove")
    remove(sysname);
}

void usb_source::on_readable() {
#if MACHEMU_HAVE_LIBUDEV
  if (watch_->monitor) {
    while (udev_device* dev = udev_monitor_receive_device(watch_->monitor)) {
      const char* action = udev_device_get_action(dev);
      const char* name = udev_device_get_sysname(dev);
      if (action && name) on_event(action, name);
      udev_device_unref(dev);
    }
    return;
  }
#endif
  if (watch_->inotify < 0) return;
  alignas(inotify_event) char buf[4096];
  for (;;) {
    const ssize_t n = ::read(watch_->inotify, buf, sizeof buf);
    if (n <= 0) return;
    for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
      inotify_event e;
      std::memcpy(&e, buf + at, sizeof e);
      const std::string name = e.len ? std::string(buf + at + sizeof e) : std::string();
      if (e.mask & (IN_CREATE | IN_MOVED_TO)) on_event("add", name);
      if (e.mask & (IN_DELETE | IN_MOVED_FROM)) on_event("remove", name);
      at += static_cast<ssize_t>(sizeof e + e.len);
    }
  }
}

}  // namespace machemu::iokit::usb
