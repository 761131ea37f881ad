// SPDX-License-Identifier: BSL-1.0
// machd's USB source: the USB devices of this machine as IOUSBHostDevice services of the
// IOKit registry, published at start from sysfs and kept current on hot-plug.
//
// Hot-plug comes from udev's monitor (libudev) when the root is the real /sys, and from an
// inotify watch of <root>/bus/usb/devices when it is a fixture tree (machd --usb-root):
// there a device arrives when its directory (or a symlink to it) is moved or linked into
// place whole, and leaves when it is removed. Either way a device's removal terminates
// its service (its children first, as XNU terminates a hub's devices).
#ifndef MACHEMU_IOKIT_USB_USB_SOURCE_HPP
#define MACHEMU_IOKIT_USB_USB_SOURCE_HPP

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "host.hpp"

namespace machemu::iokit::usb {

class usb_source {
 public:
  using logger = std::function<void(const std::string&)>;
  //! Publishes the devices under \p root ("/sys", or a fixture with the same layout) into
  //! \p h and starts watching for hot-plug; what fails is logged, never fatal (a machine
  //! without USB, a container without udev).
  usb_source(host& h, std::string root, logger log);
  ~usb_source();
  usb_source(const usb_source&) = delete;
  usb_source& operator=(const usb_source&) = delete;

  //! The descriptor to poll for readability, or -1 when there is no hot-plug.
  int fd() const noexcept;
  //! Takes every pending hot-plug event.
  void on_readable();
  //! The devices published, by sysfs name.
  const std::map<std::string, entry_id>& devices() const noexcept { return published_; }

 private:
  struct watch;
  void on_event(std::string_view action, const std::string& sysname);
  void add(const std::string& sysname);
  void remove(const std::string& sysname);
  std::string devices_dir() const { return root_ + "/bus/usb/devices"; }

  host& host_;
  std::string root_;
  logger log_;
  std::map<std::string, entry_id> published_;
  std::unique_ptr<watch> watch_;
};

}  // namespace machemu::iokit::usb

#endif  // MACHEMU_IOKIT_USB_USB_SOURCE_HPP
