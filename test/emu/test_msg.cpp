// SPDX-License-Identifier: BSL-1.0
// §4: mach_msg send checks in XNU's order, queue limits, FIFO, receive sizing, timeouts.
#include <mach/mach.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>

#include "emu_test_util.hpp"

using namespace emu_test;

namespace {
const mach_port_t self = mach_task_self();

mach_msg_return_t send_raw(void* msg, mach_msg_size_t size, mach_msg_option_t extra = MACH_SEND_TIMEOUT) {
  return mach_msg(static_cast<mach_msg_header_t*>(msg), MACH_SEND_MSG | extra, size, 0, MACH_PORT_NULL, 0,
                  MACH_PORT_NULL);
}

mach_msg_header_t header(mach_msg_bits_t bits, mach_port_name_t remote, mach_port_name_t local = 0) {
  mach_msg_header_t h{};
  h.msgh_bits = bits;
  h.msgh_remote_port = remote;
  h.msgh_local_port = local;
  h.msgh_id = 1;
  return h;
}
}  // namespace

BOOST_FIXTURE_TEST_SUITE(msg, machio_test::right_accounting)

BOOST_AUTO_TEST_CASE(size_checks_come_first) {
  mach_port_name_t p = new_receive_send();
  simple_msg m{};
  m.header = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), p);
  BOOST_CHECK_EQUAL(send_raw(&m, 20), MACH_SEND_MSG_TOO_SMALL);
  BOOST_CHECK_EQUAL(send_raw(&m, 26), MACH_SEND_MSG_TOO_SMALL);
  // Even with a bad header, size wins.
  m.header.msgh_bits = 0x7F;
  BOOST_CHECK_EQUAL(send_raw(&m, 22), MACH_SEND_MSG_TOO_SMALL);
  m.header.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  BOOST_CHECK_EQUAL(send_raw(&m, 24), MACH_SEND_MSG_TOO_SMALL);
  m.payload = 5;  // five descriptors cannot fit in 28 bytes
  BOOST_CHECK_EQUAL(send_raw(&m, 28), MACH_SEND_MSG_TOO_SMALL);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(header_checks) {
  mach_port_name_t p = new_receive_send();
  simple_msg m{};
  m.header = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | 0x100000E0u, p);
  BOOST_CHECK_EQUAL(send_raw(&m, sizeof m), MACH_SEND_INVALID_HEADER);
  m.header = header(MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_RECEIVE, 0), p);
  BOOST_CHECK_EQUAL(send_raw(&m, sizeof m), MACH_SEND_INVALID_HEADER);
  m.header = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_RECEIVE), p, p);
  BOOST_CHECK_EQUAL(send_raw(&m, sizeof m), MACH_SEND_INVALID_HEADER);
  m.header = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), p, p);  // reply name without disposition
  BOOST_CHECK_EQUAL(send_raw(&m, sizeof m), MACH_SEND_INVALID_HEADER);
  m.header = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), MACH_PORT_NULL);
  BOOST_CHECK_EQUAL(send_raw(&m, sizeof m), MACH_SEND_INVALID_DEST);
  m.header = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), MACH_PORT_DEAD);
  BOOST_CHECK_EQUAL(send_raw(&m, sizeof m), MACH_SEND_INVALID_DEST);
  m.header = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 0x7D0003);
  BOOST_CHECK_EQUAL(send_raw(&m, sizeof m), MACH_SEND_INVALID_DEST);
  // The reply is checked before the destination's right.
  mach_port_name_t q = new_receive();
  m.header = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_COPY_SEND), q, q);
  BOOST_CHECK_EQUAL(send_raw(&m, sizeof m), MACH_SEND_INVALID_REPLY);
  m.header = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), q);
  BOOST_CHECK_EQUAL(send_raw(&m, sizeof m), MACH_SEND_INVALID_DEST);
  m.header = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND), p, 0x7D0003);
  BOOST_CHECK_EQUAL(send_raw(&m, sizeof m), MACH_SEND_INVALID_REPLY);
  // XNU's order: the dispositions and the destination name before the voucher, the voucher
  // before the combinations of names. A voucher name that is the destination's or the
  // reply's names no voucher.
  const auto with_voucher = [&](mach_msg_type_name_t rdisp, mach_port_name_t dest,
                                mach_msg_type_name_t vdisp, mach_port_name_t voucher,
                                mach_msg_type_name_t ldisp = 0, mach_port_name_t reply = 0) {
    m.header = header(MACH_MSGH_BITS_SET(rdisp, ldisp, vdisp, 0), dest, reply);
    m.header.msgh_voucher_port = voucher;
    return send_raw(&m, sizeof m);
  };
  BOOST_CHECK_EQUAL(with_voucher(MACH_MSG_TYPE_MOVE_RECEIVE, p, 7, p), MACH_SEND_INVALID_HEADER);
  BOOST_CHECK_EQUAL(with_voucher(MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 7, p), MACH_SEND_INVALID_DEST);
  BOOST_CHECK_EQUAL(with_voucher(MACH_MSG_TYPE_COPY_SEND, p, 7, p), MACH_SEND_INVALID_VOUCHER);
  BOOST_CHECK_EQUAL(with_voucher(MACH_MSG_TYPE_COPY_SEND, p, MACH_MSG_TYPE_COPY_SEND, p),
                    MACH_SEND_INVALID_VOUCHER);
  BOOST_CHECK_EQUAL(with_voucher(MACH_MSG_TYPE_MOVE_SEND, p, MACH_MSG_TYPE_MOVE_SEND, p),
                    MACH_SEND_INVALID_VOUCHER);
  BOOST_CHECK_EQUAL(with_voucher(MACH_MSG_TYPE_COPY_SEND, p, MACH_MSG_TYPE_COPY_SEND, q,
                                 MACH_MSG_TYPE_MAKE_SEND, q),
                    MACH_SEND_INVALID_VOUCHER);
  BOOST_CHECK_EQUAL(with_voucher(MACH_MSG_TYPE_COPY_SEND, p, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_DEAD),
                    MACH_SEND_INVALID_VOUCHER);
  // Nothing moved.
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(status(q).mps_mscount, 0u);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  drop_port(p);
  drop_port(q);
}

BOOST_AUTO_TEST_CASE(receiver_sees_bits_and_names) {
  mach_port_name_t p = new_receive();
  mach_port_name_t r = new_receive();
  BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_MAKE_SEND, r, MACH_MSG_TYPE_MAKE_SEND_ONCE, 77), MACH_MSG_SUCCESS);
  rcv_buffer buf;
  BOOST_CHECK_EQUAL(receive(p, buf), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_bits, 0x1112u);
  BOOST_CHECK_EQUAL(buf.header.msgh_size, sizeof(simple_msg));
  BOOST_CHECK_EQUAL(buf.header.msgh_local_port, p);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, 77);
  BOOST_CHECK_NE(buf.header.msgh_remote_port, r);
  BOOST_CHECK_EQUAL(type_of(buf.header.msgh_remote_port), MACH_PORT_TYPE_SEND_ONCE);
  BOOST_CHECK_EQUAL(status(p).mps_srights, 0u);  // the destination send right was consumed
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, buf.header.msgh_remote_port), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(receive_and_destroy(r), MACH_MSG_SUCCESS);  // the send-once notification
  drop_port(p);
  drop_port(r);
}

BOOST_AUTO_TEST_CASE(move_send_consumes_one_uref_and_reply_coalesces) {
  mach_port_name_t p = new_receive_send();
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, 1), KERN_SUCCESS);
  BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_MOVE_SEND, p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  rcv_buffer buf;
  BOOST_CHECK_EQUAL(receive(p, buf), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_bits, 0x1111u);
  BOOST_CHECK_EQUAL(buf.header.msgh_remote_port, p);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 2u);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, p), KERN_SUCCESS);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(voucher_field_round_trips_without_disposition) {
  mach_port_name_t p = new_receive_send();
  simple_msg m{};
  m.header = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), p);
  m.header.msgh_voucher_port = 0x12345678;
  BOOST_CHECK_EQUAL(send_raw(&m, sizeof m), MACH_MSG_SUCCESS);
  rcv_buffer buf;
  BOOST_CHECK_EQUAL(receive(p, buf), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_voucher_port, 0x12345678u);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(fifo_order) {
  mach_port_name_t p = new_receive_send();
  for (int i = 0; i < 5; ++i) BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1000 + i), MACH_MSG_SUCCESS);
  for (int i = 0; i < 5; ++i) {
    mach_msg_id_t id = 0;
    BOOST_CHECK_EQUAL(receive_and_destroy(p, &id), MACH_MSG_SUCCESS);
    BOOST_CHECK_EQUAL(id, 1000 + i);
  }
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(full_queue_times_out_with_pseudo_receive) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t r = new_receive();
  for (int i = 0; i < 5; ++i) BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 5u);
  simple_msg m{};
  m.header = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND), p, r);
  BOOST_CHECK_EQUAL(send_raw(&m, sizeof m), MACH_SEND_TIMED_OUT);
  // The rights came back: COPY_SEND as an extra uref, MAKE_SEND as a send right on r.
  BOOST_CHECK_EQUAL(m.header.msgh_remote_port, p);
  BOOST_CHECK_EQUAL(m.header.msgh_local_port, r);
  BOOST_CHECK_EQUAL(MACH_MSGH_BITS_REMOTE(m.header.msgh_bits), static_cast<mach_msg_bits_t>(MACH_MSG_TYPE_PORT_SEND));
  BOOST_CHECK_EQUAL(MACH_MSGH_BITS_LOCAL(m.header.msgh_bits), static_cast<mach_msg_bits_t>(MACH_MSG_TYPE_PORT_SEND));
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 2u);
  BOOST_CHECK_EQUAL(type_of(r), MACH_PORT_TYPE_SEND_RECEIVE);
  // mach_msg_destroy releases the remote right but never touches msgh_local_port.
  mach_msg_destroy(&m.header);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 1u);
  BOOST_CHECK_EQUAL(type_of(r), MACH_PORT_TYPE_SEND_RECEIVE);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, r), KERN_SUCCESS);
  // A timed wait also times out.
  auto t0 = std::chrono::steady_clock::now();
  BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, MACH_SEND_TIMEOUT, 50), MACH_SEND_TIMED_OUT);
  BOOST_CHECK_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(45));
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 2u);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, p), KERN_SUCCESS);
  // Send-once destinations ignore the limit.
  mach_port_name_t so = make_send_once(p);
  BOOST_CHECK_EQUAL(send_simple(so, MACH_MSG_TYPE_MOVE_SEND_ONCE), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 6u);
  for (int i = 0; i < 6; ++i) BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  drop_port(p);
  drop_port(r);
}

BOOST_AUTO_TEST_CASE(qlimit_zero_blocks_every_ordinary_send) {
  mach_port_name_t p = new_receive_send();
  set_queue_limit(p, 0);
  BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_SEND_TIMED_OUT);
  BOOST_CHECK_EQUAL(refs(p, MACH_PORT_RIGHT_SEND), 2u);
  BOOST_CHECK_EQUAL(mach_port_deallocate(self, p), KERN_SUCCESS);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(blocked_sender_woken_by_receive) {
  mach_port_name_t p = new_receive_send();
  for (int i = 0; i < 5; ++i) BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
  mach_msg_return_t sent = ~0;
  std::thread t([&] { sent = send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 9, 0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  t.join();
  BOOST_CHECK_EQUAL(sent, MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 5u);
  for (int i = 0; i < 5; ++i) BOOST_CHECK_EQUAL(receive_and_destroy(p), MACH_MSG_SUCCESS);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(receive_name_checks) {
  rcv_buffer buf;
  BOOST_CHECK_EQUAL(receive(MACH_PORT_NULL, buf), MACH_RCV_INVALID_NAME);
  BOOST_CHECK_EQUAL(receive(0x7D0003, buf), MACH_RCV_INVALID_NAME);
  BOOST_CHECK_EQUAL(receive(mach_task_self(), buf), MACH_RCV_INVALID_NAME);
  mach_port_name_t p = new_receive();
  BOOST_CHECK_EQUAL(receive(p, buf), MACH_RCV_TIMED_OUT);
  auto t0 = std::chrono::steady_clock::now();
  BOOST_CHECK_EQUAL(receive(p, buf, MACH_RCV_TIMEOUT, 40), MACH_RCV_TIMED_OUT);
  BOOST_CHECK_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(35));
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(rcv_large_leaves_the_message_queued) {
  mach_port_name_t p = new_receive_send();
  BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 31), MACH_MSG_SUCCESS);
  rcv_buffer buf;
  // 28-byte message needs 36 bytes with the default trailer.
  BOOST_CHECK_EQUAL(receive(p, buf, MACH_RCV_TIMEOUT | MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY, 0, 32), MACH_RCV_TOO_LARGE);
  BOOST_CHECK_EQUAL(buf.header.msgh_size, sizeof(simple_msg));
  BOOST_CHECK_EQUAL(buf.header.msgh_local_port, p);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 1u);
  BOOST_CHECK_EQUAL(status(p).mps_seqno, 0u);
  BOOST_CHECK_EQUAL(receive(p, buf, MACH_RCV_TIMEOUT, 0, 36), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, 31);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(too_large_without_rcv_large_drops_the_message) {
  mach_port_name_t p = new_receive_send();
  mach_port_name_t r = new_receive();
  BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, r, MACH_MSG_TYPE_MAKE_SEND, 32), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(status(r).mps_srights, 1u);
  rcv_buffer buf;
  BOOST_CHECK_EQUAL(receive(p, buf, MACH_RCV_TIMEOUT, 0, 32), MACH_RCV_TOO_LARGE);
  BOOST_CHECK_EQUAL(buf.header.msgh_size, sizeof(mach_msg_header_t));
  BOOST_CHECK_EQUAL(buf.header.msgh_local_port, p);
  BOOST_CHECK_EQUAL(buf.header.msgh_remote_port, MACH_PORT_NULL);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, 32);
  BOOST_CHECK_EQUAL(status(p).mps_msgcount, 0u);
  BOOST_CHECK_EQUAL(status(p).mps_seqno, 1u);
  BOOST_CHECK_EQUAL(status(r).mps_srights, 0u);  // the reply right was released
  // A 24-byte buffer cannot receive even a 24-byte message.
  mach_msg_header_t h = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), p);
  BOOST_CHECK_EQUAL(send_raw(&h, sizeof h), MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(receive(p, buf, MACH_RCV_TIMEOUT | MACH_RCV_LARGE, 0, 24), MACH_RCV_TOO_LARGE);
  BOOST_CHECK_EQUAL(receive(p, buf, MACH_RCV_TIMEOUT, 0, 32), MACH_MSG_SUCCESS);
  drop_port(p);
  drop_port(r);
}

BOOST_AUTO_TEST_CASE(blocking_receive_woken_by_another_thread) {
  mach_port_name_t p = new_receive_send();
  rcv_buffer buf;
  mach_msg_return_t got = ~0;
  std::thread t([&] { got = receive(p, buf, 0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  BOOST_CHECK_EQUAL(send_simple(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 55), MACH_MSG_SUCCESS);
  t.join();
  BOOST_CHECK_EQUAL(got, MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, 55);
  drop_port(p);
}

BOOST_AUTO_TEST_CASE(blocked_receive_sees_port_changed_when_port_dies) {
  mach_port_name_t p = new_receive();
  rcv_buffer buf;
  mach_msg_return_t got = ~0;
  std::thread t([&] { got = receive(p, buf, MACH_RCV_TIMEOUT, 5000); });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  BOOST_CHECK_EQUAL(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  t.join();
  BOOST_CHECK_EQUAL(got, MACH_RCV_PORT_CHANGED);
}

BOOST_AUTO_TEST_CASE(send_and_receive_in_one_call) {
  mach_port_name_t p = new_receive_send();
  rcv_buffer buf{};
  buf.header = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), p);
  buf.header.msgh_id = 808;
  BOOST_CHECK_EQUAL(mach_msg(&buf.header, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, sizeof(mach_msg_header_t),
                             sizeof buf, p, 0, MACH_PORT_NULL),
                    MACH_MSG_SUCCESS);
  BOOST_CHECK_EQUAL(buf.header.msgh_id, 808);
  BOOST_CHECK_EQUAL(buf.header.msgh_size, sizeof(mach_msg_header_t));
  // A failed send skips the receive.
  buf.header = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), MACH_PORT_NULL);
  BOOST_CHECK_EQUAL(mach_msg(&buf.header, MACH_SEND_MSG | MACH_RCV_MSG, sizeof(mach_msg_header_t), sizeof buf, p, 0,
                             MACH_PORT_NULL),
                    MACH_SEND_INVALID_DEST);
  drop_port(p);
}

BOOST_AUTO_TEST_SUITE_END()
