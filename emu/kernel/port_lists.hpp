// SPDX-License-Identifier: BSL-1.0
// Compact containers for a port's lists. Almost every port has one name and no sets or
// requests, yet machd keeps hundreds of thousands of ports: a std::vector costs 24 bytes
// empty and a heap block for one element, so these keep the common case small.
#pragma once

#include <mach/port.h>

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace machemu::kern {

struct task;

// A vector that costs one pointer until its first element (the storage is kept once made:
// a port that was in a set once likely is again). Iterators are plain pointers.
template <class T>
class lazy_vector {
 public:
  T* begin() noexcept { return v_ ? v_->data() : nullptr; }
  T* end() noexcept { return v_ ? v_->data() + v_->size() : nullptr; }
  const T* begin() const noexcept { return v_ ? v_->data() : nullptr; }
  const T* end() const noexcept { return v_ ? v_->data() + v_->size() : nullptr; }
  bool empty() const noexcept { return !v_ || v_->empty(); }
  std::size_t size() const noexcept { return v_ ? v_->size() : 0; }

  void push_back(T x) { make().push_back(std::move(x)); }
  T* erase(T* it) { return erase(it, it + 1); }
  T* erase(T* first, T* last) {
    if (first == last) return first;
    const auto at = first - v_->data();
    v_->erase(v_->begin() + at, v_->begin() + (last - v_->data()));
    return v_->data() + at;
  }
  template <class Pred>
  void erase_if(Pred pred) {
    if (v_) std::erase_if(*v_, pred);
  }
  void clear() noexcept {
    if (v_) v_->clear();
  }
  // Moves every element out (the list is empty afterwards).
  std::vector<T> take() {
    std::vector<T> out;
    if (v_) out.swap(*v_);
    return out;
  }

 private:
  std::vector<T>& make() {
    if (!v_) v_ = std::make_unique<std::vector<T>>();
    return *v_;
  }
  std::unique_ptr<std::vector<T>> v_;
};

// The (space, name) pairs naming a port with a send and/or receive right: at most one per
// space, so the first lives inline and only a port named in several spaces allocates.
class name_list {
 public:
  using item = std::pair<task*, mach_port_name_t>;

  void add(task* t, mach_port_name_t name) {
    if (!first_.first)
      first_ = {t, name};
    else
      rest_.push_back({t, name});
  }
  // The name `t` has for the port, or MACH_PORT_NULL.
  mach_port_name_t find(const task* t) const noexcept {
    if (first_.first == t && t) return first_.second;
    for (const item& i : rest_)
      if (i.first == t) return i.second;
    return MACH_PORT_NULL;
  }
  void remove(task* t, mach_port_name_t name) {
    const item key{t, name};
    if (first_.first && first_ == key) {
      if (rest_.empty()) {
        first_ = {};
      } else {
        first_ = *(rest_.end() - 1);
        rest_.erase(rest_.end() - 1);
      }
      return;
    }
    for (item* it = rest_.begin(); it != rest_.end(); ++it) {
      if (*it == key) {
        *it = *(rest_.end() - 1);
        rest_.erase(rest_.end() - 1);
        return;
      }
    }
  }

 private:
  item first_{};
  lazy_vector<item> rest_;
};

}  // namespace machemu::kern
