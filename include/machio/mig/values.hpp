// SPDX-License-Identifier: BSL-1.0
// machio/mig/values.hpp — the C++ values MIG arguments arrive as.
//
// What a routine's receiver gets for each kind (mig::received_t<Kind>), owned by it:
//
//   kind                     value
//   scalar<T>                T
//   array<T, N>              std::array<T, N>
//   bounded_array<T, N>      mig::bounded<T, N>          (up to N elements, in place)
//   c_string<N>              mig::string<N>              (the text before the NUL)
//   bounded_c_string<N>      mig::string<N>
//   ool_array<T>             mig::ool_data<T>            (the mapping and its count)
//   port<MOVE_SEND> ...      send_right, send_once_right or receive_right, by the right
//                            the disposition gives; mig::any_right for mig::polymorphic
//   ool_port_array<D>        std::vector of the same; mig::any_rights for polymorphic
//   port_array<D, N>         std::array of the same, N of them (empty: null or dead)
//   bounded_port_array<D, N> std::vector of the same, Cnt of them
//   same_count<K>            as K
//   trailer_seqno            mach_port_seqno_t           (0 when the trailer lacks it)
//   trailer_sec_token        security_token_t            (zeros when it lacks it)
//   trailer_audit_token      audit_token_t               (machio::audit_token reads it)
//   trailer_context          mach_port_context_t
//
// In-line data is copied out of the message: MIG's in-line fields are only 4-byte
// aligned, so a T of stricter alignment cannot be read in place.
#ifndef MACHIO_MIG_VALUES_HPP
#define MACHIO_MIG_VALUES_HPP

#include <machio/config.hpp>  // first: it checks the language version

#include <machio/mig/argument_kinds.hpp>
#include <machio/ool_region.hpp>
#include <machio/receive_right.hpp>
#include <machio/send_once_right.hpp>
#include <machio/send_right.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace machio::mig {

//! Up to N elements of T stored in place (no allocation), as `array[*:N] of T` carries.
template <class T, std::size_t N>
class bounded {
 public:
  //! T, the element type.
  using value_type = T;
  //! Empty.
  constexpr bounded() noexcept = default;
  //! The first min(N, elements.size()) of \p elements.
  constexpr explicit bounded(std::span<const T> elements) noexcept { assign(elements); }

  //! Replaces the contents with the first min(N, elements.size()) of \p elements.
  constexpr void assign(std::span<const T> elements) noexcept {
    size_ = std::min(elements.size(), N);
    std::copy_n(elements.begin(), size_, data_.begin());
  }
  //! Keeps the first min(n, N) elements as they are stored (for filling data() in place).
  constexpr void resize(std::size_t n) noexcept { size_ = std::min(n, N); }
  //! How many elements it holds (at most N).
  constexpr std::size_t size() const noexcept { return size_; }
  //! N, the most elements it can hold.
  static constexpr std::size_t capacity() noexcept { return N; }
  //! True when it holds no element.
  constexpr bool empty() const noexcept { return size_ == 0; }
  //! The storage of all N elements, to fill in place before resize().
  constexpr T* data() noexcept { return data_.data(); }
  //! The first element held (the storage of all N).
  constexpr const T* data() const noexcept { return data_.data(); }
  //! The first element held.
  constexpr const T* begin() const noexcept { return data_.data(); }
  //! Past the last element held.
  constexpr const T* end() const noexcept { return data_.data() + size_; }
  //! Element \p i of those held; \p i must be less than size().
  constexpr const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  //! The elements held.
  constexpr std::span<const T> span() const noexcept { return {data_.data(), size_}; }
  //! span(): the elements held.
  constexpr operator std::span<const T>() const noexcept { return span(); }
  //! For strings (mig::string): the characters held, without a terminator.
  constexpr std::string_view view() const noexcept
    requires std::is_same_v<T, char>
  {
    return {data_.data(), size_};
  }

  //! True when \p a and \p b hold the same elements (elements past size() do not count).
  friend constexpr bool operator==(const bounded& a, const bounded& b) noexcept {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  std::array<T, N> data_{};
  std::size_t size_ = 0;
};

//! A c_string argument as received: the characters before its NUL (at most N - 1).
template <std::size_t N>
using string = bounded<char, N>;

//! Out-of-line elements: the region they arrived in (owned, unmapped on destruction) and
//! their count from the message. Also what a sender passes to give a region away
//! (deallocate semantics).
template <class T>
struct ool_data {
  //! The region the elements are in (owned).
  ool_region region;
  //! How many elements of T the message says the region holds.
  std::size_t count = 0;

  //! The elements (the region is page-aligned, so T's alignment holds); empty when the
  //! region is smaller than the count says.
  std::span<const T> elements() const noexcept {
    if (region.size() / sizeof(T) < count) return {};
    return {reinterpret_cast<const T*>(region.address()), count};
  }
};

//! A polymorphic port as received: whichever right the sender chose (empty: null or dead).
using any_right = std::variant<std::monostate, send_right, send_once_right, receive_right>;

//! A polymorphic port array as received: the rights of whichever kind the sender chose
//! (one disposition for the whole array).
using any_rights = std::variant<std::vector<send_right>, std::vector<send_once_right>, std::vector<receive_right>>;

namespace detail {

template <mach_msg_type_name_t Received>
struct right_for {
  using type = any_right;
};
template <>
struct right_for<MACH_MSG_TYPE_PORT_SEND> {
  using type = send_right;
};
template <>
struct right_for<MACH_MSG_TYPE_PORT_SEND_ONCE> {
  using type = send_once_right;
};
template <>
struct right_for<MACH_MSG_TYPE_PORT_RECEIVE> {
  using type = receive_right;
};

template <class Kind>
struct received;
template <class T>
struct received<scalar<T>> {
  using type = T;
};
template <class T, std::size_t N>
struct received<array<T, N>> {
  using type = std::array<T, N>;
};
template <class T, std::size_t N>
struct received<bounded_array<T, N>> {
  using type = bounded<T, N>;
};
template <std::size_t N>
struct received<c_string<N>> {
  using type = string<N>;
};
template <std::size_t N>
struct received<bounded_c_string<N>> {
  using type = string<N>;
};
template <class T>
struct received<ool_array<T>> {
  using type = ool_data<T>;
};
template <mach_msg_type_name_t D>
struct received<port<D>> {
  using type = typename right_for<received_right(D)>::type;
};
template <mach_msg_type_name_t D>
struct received<ool_port_array<D>> {
  using type = std::vector<typename right_for<received_right(D)>::type>;
};
template <>
struct received<ool_port_array<polymorphic>> {
  using type = any_rights;
};
template <mach_msg_type_name_t D, std::size_t N>
struct received<port_array<D, N>> {
  using type = std::array<typename right_for<received_right(D)>::type, N>;
};
template <mach_msg_type_name_t D, std::size_t N>
struct received<bounded_port_array<D, N>> {
  using type = std::vector<typename right_for<received_right(D)>::type>;
};
template <class K>
struct received<same_count<K>> {
  using type = typename received<K>::type;
};

template <>
struct received<trailer_seqno> {
  using type = mach_port_seqno_t;
};
template <>
struct received<trailer_sec_token> {
  using type = security_token_t;
};
template <>
struct received<trailer_audit_token> {
  using type = audit_token_t;
};
template <>
struct received<trailer_context> {
  using type = mach_port_context_t;
};

}  // namespace detail

//! The value an argument of kind \p Kind arrives as (see the table above).
template <class Kind>
using received_t = typename detail::received<Kind>::type;

}  // namespace machio::mig

#endif  // MACHIO_MIG_VALUES_HPP
