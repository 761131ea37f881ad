// SPDX-License-Identifier: BSL-1.0
// A minimal intrusive reference-counted pointer for kernel objects.
//
// The kernel core is single-threaded (its caller holds the lock), so the count is a plain
// integer. Kernel objects (ports, port sets, knotes) are shared by name-space entries,
// messages in flight, notification requests and waiters; the object is freed when the last
// of them lets go, exactly as XNU's io_reference/io_release pair does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

namespace machemu::kern {

class refcounted {
 public:
  refcounted() = default;
  refcounted(const refcounted&) = delete;
  refcounted& operator=(const refcounted&) = delete;

  void retain() noexcept { ++refs_; }
  // Returns true when this was the last reference and the caller must delete the object.
  bool release() noexcept { return --refs_ == 0; }
  std::size_t use_count() const noexcept { return refs_; }

 protected:
  ~refcounted() = default;

 private:
  // 32 bits: a derived class's first small members then share this word (ports are many).
  std::uint32_t refs_ = 0;
};

template <class T>
class ref {
 public:
  ref() noexcept = default;
  ref(std::nullptr_t) noexcept {}
  // Takes a new reference on `p`.
  explicit ref(T* p) noexcept : p_(p) {
    if (p_) p_->retain();
  }
  ref(const ref& o) noexcept : ref(o.p_) {}
  ref(ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  template <class U>
  ref(const ref<U>& o) noexcept : ref(static_cast<T*>(o.get())) {}
  ref& operator=(ref o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~ref() { reset(); }

  void reset() noexcept {
    if (T* p = std::exchange(p_, nullptr); p && p->release()) delete p;
  }
  T* get() const noexcept { return p_; }
  T* operator->() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }
  friend bool operator==(const ref& a, const ref& b) noexcept { return a.p_ == b.p_; }
  friend bool operator==(const ref& a, const T* b) noexcept { return a.p_ == b; }

 private:
  T* p_ = nullptr;
};

template <class T, class... Args>
ref<T> make_ref(Args&&... args) {
  return ref<T>(new T(std::forward<Args>(args)...));
}

}  // namespace machemu::kern
