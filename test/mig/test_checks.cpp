// SPDX-License-Identifier: BSL-1.0
// mig::check_request and mig::check_reply against the checks MIG's generated stubs make.
// Each message is laid out byte by byte here, as a MIG stub or a misbehaving peer would
// send it, and each expectation is the code MIG's __MIG_check__Request__* or
// __MIG_check__Reply__* returns for it (migcom's server.c WriteCheckRequest and user.c
// WriteCheckReply).
#include <machio/mig/checks.hpp>

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace mig = machio::mig;

namespace {

// The demo's echo: routine echo(server; text : c_string[*:256]; out reply : c_string[*:256]).
using echo = mig::routine<4000, mig::in<mig::bounded_c_string<256>>, mig::out<mig::bounded_c_string<256>>>;

// routine submit(server; owner : mach_port_move_send_t; words : array[] of uint32_t;
//                flags : int; out accepted : int);
using submit = mig::routine<4010, mig::in<mig::port<MACH_MSG_TYPE_MOVE_SEND>>,
                            mig::in<mig::ool_array<std::uint32_t>>, mig::in<mig::scalar<int>>,
                            mig::out<mig::scalar<int>>>;
using submit_poly = mig::routine<4011, mig::in<mig::port<mig::polymorphic>>,
                                 mig::in<mig::ool_array<std::uint32_t>>, mig::in<mig::scalar<int>>>;

// simpleroutine log(server; level : int; where : array[*:8] of char; what : array[*:8] of char;
//                   line : int);
using log_line = mig::simpleroutine<4020, mig::in<mig::scalar<int>>, mig::in<mig::bounded_array<char, 8>>,
                                    mig::in<mig::bounded_array<char, 8>>, mig::in<mig::scalar<int>>>;

// routine create(server; out set : mach_port_make_send_t; out name : mach_port_move_send_t);
using create = mig::routine<4030, mig::out<mig::port<MACH_MSG_TYPE_MAKE_SEND>>,
                            mig::out<mig::port<MACH_MSG_TYPE_MOVE_SEND>>>;

// routine ping(server);
using ping = mig::routine<4040>;

// A message written field by field; the header's msgh_size is the bytes written.
class wire {
 public:
  explicit wire(mach_msg_id_t id, bool complex = false) {
    mach_msg_header_t h{};
    h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0) | (complex ? MACH_MSGH_BITS_COMPLEX : 0);
    h.msgh_id = id;
    put(h);
  }
  template <class T>
  wire& put(const T& v) {
    const auto* p = reinterpret_cast<const std::byte*>(&v);
    bytes_.insert(bytes_.end(), p, p + sizeof v);
    return *this;
  }
  wire& u32(std::uint32_t v) { return put(v); }
  wire& ndr() { return put(NDR_record_t{0, 0, 0, 0, 1, 0, 0, 0}); }
  wire& text(std::string_view s, std::size_t aligned) {
    const std::size_t at = bytes_.size();
    bytes_.resize(at + aligned);
    std::memcpy(bytes_.data() + at, s.data(), s.size());
    return *this;
  }
  wire& port(mach_msg_type_name_t received_as, mach_msg_descriptor_type_t type = MACH_MSG_PORT_DESCRIPTOR) {
    mach_msg_port_descriptor_t d{};
    d.name = 0x1103;
    d.disposition = received_as;
    d.type = type;
    return put(d);
  }
  wire& ool(mach_msg_size_t size, mach_msg_descriptor_type_t type = MACH_MSG_OOL_DESCRIPTOR) {
    mach_msg_ool_descriptor_t d{};
    d.address = nullptr;
    d.size = size;
    d.copy = MACH_MSG_VIRTUAL_COPY;
    d.type = type;
    return put(d);
  }
  wire& with_header(void (*edit)(mach_msg_header_t&)) {
    edits_.push_back(edit);
    return *this;
  }
  // The finished bytes; `size` overrides msgh_size (the bytes are grown to match).
  std::vector<std::byte>& done(std::size_t size = 0) {
    if (size) bytes_.resize(size);
    mach_msg_header_t h;
    std::memcpy(&h, bytes_.data(), sizeof h);
    h.msgh_size = static_cast<mach_msg_size_t>(bytes_.size());
    for (auto* e : edits_) e(h);
    std::memcpy(bytes_.data(), &h, sizeof h);
    return bytes_;
  }

 private:
  std::vector<std::byte> bytes_;
  std::vector<void (*)(mach_msg_header_t&)> edits_;
};

machio::message_view view(const std::vector<std::byte>& b) { return machio::message_view::parse(b); }

wire echo_request(std::string_view text, std::size_t cnt, std::size_t aligned) {
  wire w(4000);
  w.ndr().u32(0).u32(static_cast<std::uint32_t>(cnt)).text(text, aligned);
  return w;
}

wire submit_request(mach_msg_type_name_t right, mach_msg_size_t ool_size, std::uint32_t cnt) {
  wire w(4010, true);
  w.u32(2).port(right).ool(ool_size).ndr().u32(cnt).u32(7);
  return w;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_well_formed_variable_string_request_passes_and_says_where_its_text_is) {
  auto b = echo_request(std::string_view("hello", 6), 6, 8).done();
  const auto checked = mig::check_request_fields<echo>(view(b));
  BOOST_TEST(checked.code == KERN_SUCCESS);
  BOOST_TEST(checked.count[0] == 6u);
  BOOST_TEST(checked.data_offset[0] == 40u);
  BOOST_TEST(b.size() == 48u);  // MIG's msgh_size: 296 - 256 + _WALIGN_(6)
}

BOOST_AUTO_TEST_CASE(a_request_with_the_wrong_header_is_answered_bad_arguments) {
  // The COMPLEX bit on a simple routine.
  auto complex = echo_request(std::string_view("hi", 3), 3, 4).with_header([](mach_msg_header_t& h) {
    h.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
  });
  auto& cb = complex.done();
  cb.insert(cb.begin() + sizeof(mach_msg_header_t), {std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}});
  mach_msg_header_t h;
  std::memcpy(&h, cb.data(), sizeof h);
  h.msgh_size += 4;
  std::memcpy(cb.data(), &h, sizeof h);
  BOOST_TEST(mig::check_request<echo>(view(cb)) == MIG_BAD_ARGUMENTS);

  // Shorter than every variable field empty (header + NDR + Offset).
  wire short_one(4000);
  short_one.ndr().u32(0);
  BOOST_TEST(mig::check_request<echo>(view(short_one.done())) == MIG_BAD_ARGUMENTS);

  // Longer than every variable field full.
  auto b = echo_request(std::string_view("x", 2), 2, 4).done(300);
  BOOST_TEST(mig::check_request<echo>(view(b)) == MIG_BAD_ARGUMENTS);
}

BOOST_AUTO_TEST_CASE(a_count_that_the_size_does_not_carry_is_answered_bad_arguments) {
  // Cnt above the maximum.
  auto over = echo_request("", 257, 4).done();
  BOOST_TEST(mig::check_request<echo>(view(over)) == MIG_BAD_ARGUMENTS);
  // The last variable field must end the message exactly: one word too many.
  auto extra = echo_request(std::string_view("hello", 6), 6, 12).done();
  BOOST_TEST(mig::check_request<echo>(view(extra)) == MIG_BAD_ARGUMENTS);
  // A count the bytes sent cannot hold.
  auto under = echo_request(std::string_view("hel", 4), 9, 4).done();
  BOOST_TEST(mig::check_request<echo>(view(under)) == MIG_BAD_ARGUMENTS);
}

BOOST_AUTO_TEST_CASE(a_string_without_its_terminator_is_answered_bad_arguments) {
  auto unterminated = echo_request("hello!!!", 8, 8).done();
  BOOST_TEST(mig::check_request<echo>(view(unterminated)) == MIG_BAD_ARGUMENTS);
  // An empty c_string[*:N] has no byte to hold the NUL either: MIG refuses Cnt 0.
  auto empty = echo_request("", 0, 0).done();
  BOOST_TEST(mig::check_request<echo>(view(empty)) == MIG_BAD_ARGUMENTS);
}

BOOST_AUTO_TEST_CASE(a_request_with_descriptors_passes_when_each_is_what_the_routine_says) {
  auto b = submit_request(MACH_MSG_TYPE_PORT_SEND, 16, 4).done();
  BOOST_TEST(b.size() == 72u);
  const auto checked = mig::check_request_fields<submit>(view(b));
  BOOST_TEST(checked.code == KERN_SUCCESS);
  BOOST_TEST(checked.count[1] == 4u);
  BOOST_TEST(checked.data_offset[2] == 68u);
}

BOOST_AUTO_TEST_CASE(descriptors_of_the_wrong_count_are_bad_arguments_and_of_the_wrong_type_a_type_error) {
  auto simple = submit_request(MACH_MSG_TYPE_PORT_SEND, 16, 4).with_header([](mach_msg_header_t& h) {
    h.msgh_bits &= ~MACH_MSGH_BITS_COMPLEX;
  });
  BOOST_TEST(mig::check_request<submit>(view(simple.done())) == MIG_BAD_ARGUMENTS);

  wire one(4010, true);
  one.u32(1).port(MACH_MSG_TYPE_PORT_SEND).ool(16).ndr().u32(4).u32(7);
  BOOST_TEST(mig::check_request<submit>(view(one.done())) == MIG_BAD_ARGUMENTS);

  // A send-once right where a send right is declared.
  auto once = submit_request(MACH_MSG_TYPE_PORT_SEND_ONCE, 16, 4).done();
  BOOST_TEST(mig::check_request<submit>(view(once)) == MIG_TYPE_ERROR);
  // A polymorphic port takes any right.
  auto poly = submit_request(MACH_MSG_TYPE_PORT_SEND_ONCE, 16, 4).with_header([](mach_msg_header_t& h) {
    h.msgh_id = 4011;
  });
  BOOST_TEST(mig::check_request<submit_poly>(view(poly.done())) == KERN_SUCCESS);

  // Volatile out-of-line memory is not MIG's MACH_MSG_OOL_DESCRIPTOR.
  wire vol(4010, true);
  vol.u32(2).port(MACH_MSG_TYPE_PORT_SEND).ool(16, MACH_MSG_OOL_VOLATILE_DESCRIPTOR).ndr().u32(4).u32(7);
  BOOST_TEST(mig::check_request<submit>(view(vol.done())) == MIG_TYPE_ERROR);
}

BOOST_AUTO_TEST_CASE(out_of_line_bytes_must_hold_the_count_in_whole_elements) {
  BOOST_TEST(mig::check_request<submit>(view(submit_request(MACH_MSG_TYPE_PORT_SEND, 15, 4).done())) ==
             MIG_TYPE_ERROR);
  BOOST_TEST(mig::check_request<submit>(view(submit_request(MACH_MSG_TYPE_PORT_SEND, 16, 5).done())) ==
             MIG_TYPE_ERROR);
  // MIG divides: a size with a partial element after the counted ones passes.
  BOOST_TEST(mig::check_request<submit>(view(submit_request(MACH_MSG_TYPE_PORT_SEND, 19, 4).done())) ==
             KERN_SUCCESS);
}

BOOST_AUTO_TEST_CASE(fields_after_a_variable_one_move_by_what_it_sent) {
  // where: 3 bytes, sent as 4 (room 8); what: 5 bytes, sent as 8 (room 8).
  wire w(4020);
  w.ndr().u32(1).u32(3).text("abc", 4).u32(5).text("hello", 8).u32(42);
  auto& b = w.done();
  BOOST_TEST(b.size() == mig::request_layout<log_line>.max_size - 4);
  const auto checked = mig::check_request_fields<log_line>(view(b));
  BOOST_TEST(checked.code == KERN_SUCCESS);
  BOOST_TEST(checked.count[1] == 3u);
  BOOST_TEST(checked.count[2] == 5u);
  BOOST_TEST(checked.data_offset[2] == 24u + 8 + 4 + 4 + 4 + 4);
  BOOST_TEST(checked.data_offset[3] == b.size() - 4);

  // The first variable field only needs the size to cover it; the last must end it.
  wire short_first(4020);
  short_first.ndr().u32(1).u32(8).text("abcdefgh", 8).u32(0).u32(42);
  BOOST_TEST(mig::check_request<log_line>(view(short_first.done())) == KERN_SUCCESS);
  wire overrun(4020);
  overrun.ndr().u32(1).u32(8).text("abcd", 4).u32(0).u32(42);
  BOOST_TEST(mig::check_request<log_line>(view(overrun.done())) == MIG_BAD_ARGUMENTS);
}

BOOST_AUTO_TEST_CASE(a_reply_sent_whole_is_a_type_error_to_a_mig_client) {
  // What deferred_reply::make() used to send: sizeof(Reply) whatever the count.
  wire whole(4100);
  whole.ndr().u32(KERN_SUCCESS).u32(0).u32(6).text(std::string_view("hello", 6), 256);
  BOOST_TEST(mig::check_reply<echo>(view(whole.done())) == MIG_TYPE_ERROR);

  wire exact(4100);
  exact.ndr().u32(KERN_SUCCESS).u32(0).u32(6).text(std::string_view("hello", 6), 8);
  const auto checked = mig::check_reply_fields<echo>(view(exact.done()));
  BOOST_TEST(checked.code == KERN_SUCCESS);
  BOOST_TEST(checked.count[0] == 6u);
  BOOST_TEST(checked.data_offset[0] == 44u);

  wire over(4100);
  over.ndr().u32(KERN_SUCCESS).u32(0).u32(300).text("", 8);
  BOOST_TEST(mig::check_reply<echo>(view(over.done())) == MIG_TYPE_ERROR);
  // A client does not look for the terminator.
  wire unterminated(4100);
  unterminated.ndr().u32(KERN_SUCCESS).u32(0).u32(4).text("abcd", 4);
  BOOST_TEST(mig::check_reply<echo>(view(unterminated.done())) == KERN_SUCCESS);
}

BOOST_AUTO_TEST_CASE(a_reply_with_another_id_is_a_mismatch_or_the_servers_death) {
  wire other(4101);
  other.ndr().u32(KERN_SUCCESS).u32(0).u32(2).text("a", 4);
  BOOST_TEST(mig::check_reply<echo>(view(other.done())) == MIG_REPLY_MISMATCH);
  wire died(MACH_NOTIFY_SEND_ONCE);
  BOOST_TEST(mig::check_reply<echo>(view(died.done())) == MIG_SERVER_DIED);
}

BOOST_AUTO_TEST_CASE(an_error_reply_gives_the_servers_code_and_a_success_of_that_size_is_a_type_error) {
  wire error(4100);
  error.ndr().u32(KERN_INVALID_ARGUMENT);
  BOOST_TEST(mig::check_reply<echo>(view(error.done())) == KERN_INVALID_ARGUMENT);
  wire empty_success(4100);
  empty_success.ndr().u32(KERN_SUCCESS);
  BOOST_TEST(mig::check_reply<echo>(view(empty_success.done())) == MIG_TYPE_ERROR);
  // A routine with nothing to return: the 36-byte reply is its whole answer.
  wire pong(4140);
  pong.ndr().u32(KERN_SUCCESS);
  BOOST_TEST(mig::check_reply<ping>(view(pong.done())) == KERN_SUCCESS);
  wire refused(4140);
  refused.ndr().u32(KERN_NO_SPACE);
  BOOST_TEST(mig::check_reply<ping>(view(refused.done())) == KERN_NO_SPACE);
  wire longer(4140);
  longer.ndr().u32(KERN_SUCCESS).u32(0);
  BOOST_TEST(mig::check_reply<ping>(view(longer.done())) == MIG_TYPE_ERROR);
}

BOOST_AUTO_TEST_CASE(a_reply_that_names_a_reply_port_is_a_type_error) {
  wire w(4100);
  w.with_header([](mach_msg_header_t& h) { h.msgh_remote_port = 0x1207; });
  w.ndr().u32(KERN_SUCCESS).u32(0).u32(2).text("a", 4);
  BOOST_TEST(mig::check_reply<echo>(view(w.done())) == MIG_TYPE_ERROR);
}

BOOST_AUTO_TEST_CASE(a_complex_reply_is_checked_like_a_request_or_taken_as_an_error_reply) {
  wire ok(4130, true);
  ok.u32(2).port(MACH_MSG_TYPE_PORT_SEND).port(MACH_MSG_TYPE_PORT_SEND);
  BOOST_TEST(mig::check_reply<create>(view(ok.done())) == KERN_SUCCESS);

  wire once(4130, true);
  once.u32(2).port(MACH_MSG_TYPE_PORT_SEND).port(MACH_MSG_TYPE_PORT_SEND_ONCE);
  BOOST_TEST(mig::check_reply<create>(view(once.done())) == MIG_TYPE_ERROR);

  wire error(4130);
  error.ndr().u32(KERN_RESOURCE_SHORTAGE);
  BOOST_TEST(mig::check_reply<create>(view(error.done())) == KERN_RESOURCE_SHORTAGE);

  wire simple(4130);
  simple.ndr().u32(0).u32(0).u32(0).u32(0).u32(0).u32(0);
  BOOST_TEST(mig::check_reply<create>(view(simple.done())) == MIG_TYPE_ERROR);
}
