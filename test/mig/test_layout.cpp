// SPDX-License-Identifier: BSL-1.0
// Golden layouts: mig::request_layout and mig::reply_layout against the structs MIG
// generates for the same .defs lines. Each struct below is written from MIG's rules (see
// include/machio/mig/layout.hpp) in the shape of MIG's output for a routine of that form —
// the form of IOKit's io_object_get_class, host_info, mach_port_kobject_description,
// gssd's init_sec_context, processor_set_create — so offsetof and sizeof give what
// MIG-generated code reads and writes.
#include <machio/mig/layout.hpp>

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mig = machio::mig;

namespace {

#pragma pack(push, 4)

// routine get_class(server : mach_port_t; out class_name : c_string[*:128]);
using get_class = mig::routine<2800, mig::out<mig::bounded_c_string<128>>>;
struct get_class_request {
  mach_msg_header_t Head;
};
struct get_class_reply {
  mach_msg_header_t Head;
  NDR_record_t NDR;
  kern_return_t RetCode;
  mach_msg_type_number_t class_nameOffset;
  mach_msg_type_number_t class_nameCnt;
  char class_name[128];
};

// routine conforms_to(server : mach_port_t; class_name : c_string[*:128]; out conforms : boolean_t);
using conforms_to = mig::routine<2801, mig::in<mig::bounded_c_string<128>>, mig::out<mig::scalar<boolean_t>>>;
struct conforms_to_request {
  mach_msg_header_t Head;
  NDR_record_t NDR;
  mach_msg_type_number_t class_nameOffset;
  mach_msg_type_number_t class_nameCnt;
  char class_name[128];
};
struct conforms_to_reply {
  mach_msg_header_t Head;
  NDR_record_t NDR;
  kern_return_t RetCode;
  boolean_t conforms;
};

// routine info(host : mach_port_t; flavor : int; out info : array[*:68] of integer_t);
using info = mig::routine<200, mig::in<mig::scalar<int>>, mig::out<mig::bounded_array<integer_t, 68>>>;
struct info_request {
  mach_msg_header_t Head;
  NDR_record_t NDR;
  int flavor;
};
struct info_reply {
  mach_msg_header_t Head;
  NDR_record_t NDR;
  kern_return_t RetCode;
  mach_msg_type_number_t infoCnt;
  integer_t info[68];
};

// routine describe(port : mach_port_t; out address : uint64_t; out type : natural_t;
//                  out description : c_string[*:512]);
// A 64-bit field right after the return code stays at 4-byte alignment (pack(4)).
using describe = mig::routine<3232, mig::out<mig::scalar<std::uint64_t>>, mig::out<mig::scalar<natural_t>>,
                              mig::out<mig::bounded_c_string<512>>>;
struct describe_reply {
  mach_msg_header_t Head;
  NDR_record_t NDR;
  kern_return_t RetCode;
  std::uint64_t address;
  natural_t type;
  mach_msg_type_number_t descriptionOffset;
  mach_msg_type_number_t descriptionCnt;
  char description[512];
};

// routine init(server : mach_port_t; mech : int; token : pointer_t; uid : uint32_t;
//              principal : c_string[*:1024]; service : c_string[*:1024]; flags : uint32_t;
//              context : uint64_t; out out_token : pointer_t; out minor : uint32_t);
// Out-of-line data: a descriptor first, its Cnt where the argument stands.
using init = mig::routine<999, mig::in<mig::scalar<int>>, mig::in<mig::ool_array<std::uint8_t>>,
                          mig::in<mig::scalar<std::uint32_t>>, mig::in<mig::bounded_c_string<1024>>,
                          mig::in<mig::bounded_c_string<1024>>, mig::in<mig::scalar<std::uint32_t>>,
                          mig::in<mig::scalar<std::uint64_t>>, mig::out<mig::ool_array<std::uint8_t>>,
                          mig::out<mig::scalar<std::uint32_t>>>;
struct init_request {
  mach_msg_header_t Head;
  mach_msg_body_t msgh_body;
  mach_msg_ool_descriptor_t token;
  NDR_record_t NDR;
  int mech;
  mach_msg_type_number_t tokenCnt;
  std::uint32_t uid;
  mach_msg_type_number_t principalOffset;
  mach_msg_type_number_t principalCnt;
  char principal[1024];
  mach_msg_type_number_t serviceOffset;
  mach_msg_type_number_t serviceCnt;
  char service[1024];
  std::uint32_t flags;
  std::uint64_t context;
};
// A complex reply has no return code.
struct init_reply {
  mach_msg_header_t Head;
  mach_msg_body_t msgh_body;
  mach_msg_ool_descriptor_t out_token;
  NDR_record_t NDR;
  mach_msg_type_number_t out_tokenCnt;
  std::uint32_t minor;
};

// routine create(set : mach_port_t; out new_set : mach_port_make_send_t;
//                out new_name : mach_port_move_send_t);
// A complex reply with nothing in line has neither NDR record nor return code.
using create = mig::routine<4000, mig::out<mig::port<MACH_MSG_TYPE_MAKE_SEND>>,
                            mig::out<mig::port<MACH_MSG_TYPE_MOVE_SEND>>>;
struct create_reply {
  mach_msg_header_t Head;
  mach_msg_body_t msgh_body;
  mach_msg_port_descriptor_t new_set;
  mach_msg_port_descriptor_t new_name;
};

// simpleroutine report(server : mach_port_t; task : mach_port_copy_send_t; stack : int32_t;
//                      names : array[] of mach_port_move_send_t; tags : array[4] of uint16_t;
//                      label : c_string[6]; line : int32_t);
using report = mig::simpleroutine<77, mig::in<mig::port<MACH_MSG_TYPE_COPY_SEND>>, mig::in<mig::scalar<std::int32_t>>,
                                  mig::in<mig::ool_port_array<MACH_MSG_TYPE_MOVE_SEND>>,
                                  mig::in<mig::array<std::uint16_t, 4>>, mig::in<mig::c_string<6>>,
                                  mig::in<mig::scalar<std::int32_t>>>;
struct report_request {
  mach_msg_header_t Head;
  mach_msg_body_t msgh_body;
  mach_msg_port_descriptor_t task;
  mach_msg_ool_ports_descriptor_t names;
  NDR_record_t NDR;
  std::int32_t stack;
  mach_msg_type_number_t namesCnt;
  std::uint16_t tags[4];
  char label[6];
  std::int32_t line;
};

// simpleroutine alert(server : mach_port_t; kind : int; function : array[*:1024] of char;
//                     file : array[*:1024] of char; line : int; text : array[*:1024] of char);
using alert = mig::simpleroutine<100, mig::in<mig::scalar<int>>, mig::in<mig::bounded_array<char, 1024>>,
                                 mig::in<mig::bounded_array<char, 1024>>, mig::in<mig::scalar<int>>,
                                 mig::in<mig::bounded_array<char, 1024>>>;
struct alert_request {
  mach_msg_header_t Head;
  NDR_record_t NDR;
  int kind;
  mach_msg_type_number_t functionCnt;
  char function[1024];
  mach_msg_type_number_t fileCnt;
  char file[1024];
  int line;
  mach_msg_type_number_t textCnt;
  char text[1024];
};

#pragma pack(pop)

}  // namespace

BOOST_AUTO_TEST_CASE(a_routine_without_in_arguments_sends_a_bare_header) {
  constexpr auto& rq = mig::request_layout<get_class>;
  BOOST_TEST(rq.max_size == sizeof(get_class_request));
  BOOST_TEST(!rq.has_ndr);
  BOOST_TEST(!rq.complex);
  BOOST_TEST(rq.fields.size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_variable_c_string_has_an_offset_and_a_count_word) {
  constexpr auto& rp = mig::reply_layout<get_class>;
  BOOST_TEST(rp.max_size == sizeof(get_class_reply));
  BOOST_TEST(rp.ndr_offset == offsetof(get_class_reply, NDR));
  BOOST_TEST(rp.ret_code_offset == offsetof(get_class_reply, RetCode));
  BOOST_TEST(rp.fields[0].offset_word == offsetof(get_class_reply, class_nameOffset));
  BOOST_TEST(rp.fields[0].count_word == offsetof(get_class_reply, class_nameCnt));
  BOOST_TEST(rp.fields[0].data_offset == offsetof(get_class_reply, class_name));
  BOOST_TEST(rp.min_size() == sizeof(get_class_reply) - 128);
  // "IOService" and its NUL: 10 bytes, sent as 12.
  const std::vector<std::size_t> counts{10};
  BOOST_TEST(rp.wire_size(counts) == sizeof(get_class_reply) - 128 + 12);

  constexpr auto& rq = mig::request_layout<conforms_to>;
  BOOST_TEST(rq.max_size == sizeof(conforms_to_request));
  BOOST_TEST(rq.fields[0].offset_word == offsetof(conforms_to_request, class_nameOffset));
  BOOST_TEST(rq.fields[0].data_offset == offsetof(conforms_to_request, class_name));
  constexpr auto& rp2 = mig::reply_layout<conforms_to>;
  BOOST_TEST(rp2.max_size == sizeof(conforms_to_reply));
  BOOST_TEST(rp2.fields[0].argument == 1u);
  BOOST_TEST(rp2.fields[0].data_offset == offsetof(conforms_to_reply, conforms));
}

BOOST_AUTO_TEST_CASE(a_bounded_array_has_a_count_word_and_its_room) {
  constexpr auto& rq = mig::request_layout<info>;
  BOOST_TEST(rq.max_size == sizeof(info_request));
  BOOST_TEST(rq.fields[0].data_offset == offsetof(info_request, flavor));
  constexpr auto& rp = mig::reply_layout<info>;
  BOOST_TEST(rp.max_size == sizeof(info_reply));
  BOOST_TEST(rp.fields[0].count_word == offsetof(info_reply, infoCnt));
  BOOST_TEST(rp.fields[0].data_offset == offsetof(info_reply, info));
  BOOST_TEST(rp.fields[0].data_room == sizeof(info_reply::info));
  const std::vector<std::size_t> counts{15};  // host_info's HOST_BASIC_INFO_COUNT-sized answer
  BOOST_TEST(rp.wire_size(counts) == sizeof(info_reply) - 272 + 60);
}

BOOST_AUTO_TEST_CASE(a_64_bit_scalar_is_aligned_to_4) {
  constexpr auto& rp = mig::reply_layout<describe>;
  BOOST_TEST(rp.max_size == sizeof(describe_reply));
  BOOST_TEST(rp.fields[0].data_offset == offsetof(describe_reply, address));
  BOOST_TEST(rp.fields[0].data_offset == 36u);
  BOOST_TEST(rp.fields[1].data_offset == offsetof(describe_reply, type));
  BOOST_TEST(rp.fields[2].count_word == offsetof(describe_reply, descriptionCnt));
  BOOST_TEST(rp.fields[2].data_offset == offsetof(describe_reply, description));
}

BOOST_AUTO_TEST_CASE(out_of_line_data_is_a_descriptor_and_a_count_in_line) {
  constexpr auto& rq = mig::request_layout<init>;
  BOOST_TEST(rq.complex);
  BOOST_TEST(rq.descriptor_count == 1u);
  BOOST_TEST(rq.max_size == sizeof(init_request));
  BOOST_TEST(rq.ndr_offset == offsetof(init_request, NDR));
  BOOST_TEST(rq.fields[0].data_offset == offsetof(init_request, mech));
  BOOST_TEST(rq.fields[1].descriptor_offset == offsetof(init_request, token));
  BOOST_TEST(rq.fields[1].count_word == offsetof(init_request, tokenCnt));
  BOOST_TEST(rq.fields[1].data_offset == mig::npos);
  BOOST_TEST(rq.fields[1].shape.ool_element_size == 1u);
  BOOST_TEST(rq.fields[2].data_offset == offsetof(init_request, uid));
  BOOST_TEST(rq.fields[3].offset_word == offsetof(init_request, principalOffset));
  BOOST_TEST(rq.fields[4].data_offset == offsetof(init_request, service));
  BOOST_TEST(rq.fields[5].data_offset == offsetof(init_request, flags));
  BOOST_TEST(rq.fields[6].data_offset == offsetof(init_request, context));
  BOOST_TEST(rq.variable_room == 2048u);
  // Two strings: each moves what follows it by its aligned size minus its room.
  const std::vector<std::size_t> counts{6, 13};  // "alice" and "host@example"
  BOOST_TEST(rq.wire_size(counts) == sizeof(init_request) - 2048 + 8 + 16);
  BOOST_TEST(rq.wire_offset(4, offsetof(init_request, serviceCnt), counts) ==
             offsetof(init_request, serviceCnt) - 1024 + 8);
  BOOST_TEST(rq.wire_offset(6, offsetof(init_request, context), counts) ==
             offsetof(init_request, context) - 2048 + 24);

  constexpr auto& rp = mig::reply_layout<init>;
  BOOST_TEST(rp.complex);
  BOOST_TEST(!rp.has_ret_code);
  BOOST_TEST(rp.max_size == sizeof(init_reply));
  BOOST_TEST(rp.fields[0].argument == 7u);
  BOOST_TEST(rp.fields[0].descriptor_offset == offsetof(init_reply, out_token));
  BOOST_TEST(rp.fields[0].count_word == offsetof(init_reply, out_tokenCnt));
  BOOST_TEST(rp.fields[1].data_offset == offsetof(init_reply, minor));
}

BOOST_AUTO_TEST_CASE(a_complex_reply_of_ports_only_has_no_ndr_and_no_return_code) {
  constexpr auto& rp = mig::reply_layout<create>;
  BOOST_TEST(rp.complex);
  BOOST_TEST(!rp.has_ndr);
  BOOST_TEST(!rp.has_ret_code);
  BOOST_TEST(rp.descriptor_count == 2u);
  BOOST_TEST(rp.max_size == sizeof(create_reply));
  BOOST_TEST(rp.fields[0].descriptor_offset == offsetof(create_reply, new_set));
  BOOST_TEST(rp.fields[1].descriptor_offset == offsetof(create_reply, new_name));
  // Its request has no argument at all: a bare header.
  BOOST_TEST(mig::request_layout<create>.max_size == sizeof(mach_msg_header_t));
}

BOOST_AUTO_TEST_CASE(descriptors_come_first_in_argument_order_and_fixed_fields_pack_to_4) {
  constexpr auto& rq = mig::request_layout<report>;
  BOOST_TEST(rq.complex);
  BOOST_TEST(rq.max_size == sizeof(report_request));
  BOOST_TEST(rq.fields[0].descriptor_offset == offsetof(report_request, task));
  BOOST_TEST(rq.fields[2].descriptor_offset == offsetof(report_request, names));
  BOOST_TEST(rq.fields[2].count_word == offsetof(report_request, namesCnt));
  BOOST_TEST(rq.fields[1].data_offset == offsetof(report_request, stack));
  BOOST_TEST(rq.fields[3].data_offset == offsetof(report_request, tags));
  BOOST_TEST(rq.fields[4].data_offset == offsetof(report_request, label));
  BOOST_TEST(rq.fields[4].data_room == 8u);  // c_string[6] and MIG's 2-byte labelPad
  BOOST_TEST(rq.fields[5].data_offset == offsetof(report_request, line));
  BOOST_TEST(rq.variable_room == 0u);
  BOOST_TEST(rq.wire_size({}) == sizeof(report_request));
}

BOOST_AUTO_TEST_CASE(every_bounded_array_moves_the_fields_after_it) {
  constexpr auto& rq = mig::request_layout<alert>;
  BOOST_TEST(rq.max_size == sizeof(alert_request));
  BOOST_TEST(rq.variable_count() == 3u);
  BOOST_TEST(rq.min_size() == sizeof(alert_request) - 3072);
  const std::vector<std::size_t> counts{5, 9, 0};
  BOOST_TEST(rq.wire_size(counts) == sizeof(alert_request) - 3072 + 8 + 12 + 0);
  BOOST_TEST(rq.wire_offset(2, offsetof(alert_request, fileCnt), counts) ==
             offsetof(alert_request, fileCnt) - 1024 + 8);
  BOOST_TEST(rq.wire_offset(3, offsetof(alert_request, line), counts) ==
             offsetof(alert_request, line) - 2048 + 20);
  BOOST_TEST(rq.wire_offset(4, offsetof(alert_request, textCnt), counts) ==
             offsetof(alert_request, textCnt) - 2048 + 20);
}
