// SPDX-License-Identifier: BSL-1.0
// A sysfs tree for USB tests: <root>/devices/<name>/ with the attribute files Linux has,
// and <root>/bus/usb/devices/<name> symlinks to them, which is how machd's USB source
// (emu/iokit/usb) finds devices. plug() links a device in whole, unplug() removes the
// link: on a watched fixture those are the hot-plug events.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

namespace machio_test {

struct usb_fixture_device {
  usb_fixture_device(std::string name, unsigned v, unsigned p, unsigned rel = 0x0100, unsigned addr = 2,
                     std::string prod = {}, std::string vend = {}, std::string ser = {})
      : sysname(std::move(name)), vendor(v), product(p), release(rel), address(addr), product_name(std::move(prod)),
        vendor_name(std::move(vend)), serial(std::move(ser)) {}
  std::string sysname;  // "1-1.4"
  unsigned vendor, product, release, address;
  std::string product_name, vendor_name, serial;  // empty: no such file
};

class usb_fixture {
 public:
  usb_fixture() {
    char tmpl[] = "/tmp/machio-usb-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(tmpl));
    root_ = tmpl;
    std::filesystem::create_directories(root_ / "bus/usb/devices");
    std::filesystem::create_directories(root_ / "devices");
  }
  ~usb_fixture() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  usb_fixture(const usb_fixture&) = delete;
  usb_fixture& operator=(const usb_fixture&) = delete;

  std::string root() const { return root_.string(); }
  std::string device_dir(const std::string& sysname) const { return (root_ / "devices" / sysname).string(); }

  //! Writes \p d's directory (not yet visible under bus/usb/devices).
  void make(const usb_fixture_device& d) {
    const auto dir = root_ / "devices" / d.sysname;
    std::filesystem::create_directories(dir);
    write(dir / "idVendor", hex4(d.vendor));
    write(dir / "idProduct", hex4(d.product));
    write(dir / "bcdDevice", hex4(d.release));
    write(dir / "busnum", std::to_string(std::strtoul(d.sysname.c_str(), nullptr, 10)));
    write(dir / "devnum", std::to_string(d.address));
    if (!d.product_name.empty()) write(dir / "product", d.product_name);
    if (!d.vendor_name.empty()) write(dir / "manufacturer", d.vendor_name);
    if (!d.serial.empty()) write(dir / "serial", d.serial);
  }
  //! Links a made entry (a device, a root hub "usb1", an interface "1-1:1.0") into place.
  void plug(const std::string& sysname) {
    std::filesystem::create_directories(root_ / "devices" / sysname);
    std::filesystem::create_directory_symlink("../../../devices/" + sysname, root_ / "bus/usb/devices" / sysname);
  }
  void unplug(const std::string& sysname) { std::filesystem::remove(root_ / "bus/usb/devices" / sysname); }

 private:
  static std::string hex4(unsigned v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04x", v & 0xffffu);
    return buf;
  }
  static void write(const std::filesystem::path& p, const std::string& s) {
    std::ofstream out(p);
    out << s << "\n";
  }
  std::filesystem::path root_;
};

}  // namespace machio_test
