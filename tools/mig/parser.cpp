// SPDX-License-Identifier: BSL-1.0
// machio-mig: the .defs parser (see parser.hpp).
#include "parser.hpp"

#include "lexer.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace machio_mig {
namespace {

struct basic_type_info {
  std::string_view name;
  unsigned size_bits;
  bool port;
};

// migcom's lexxer.l: each MACH_MSG_TYPE_* it knows, its size and whether it is a port.
constexpr std::array<basic_type_info, 22> basic_types{{
    {"MACH_MSG_TYPE_UNSTRUCTURED", 0, false}, {"MACH_MSG_TYPE_BIT", 1, false},
    {"MACH_MSG_TYPE_BOOLEAN", 32, false},     {"MACH_MSG_TYPE_INTEGER_8", 8, false},
    {"MACH_MSG_TYPE_INTEGER_16", 16, false},  {"MACH_MSG_TYPE_INTEGER_32", 32, false},
    {"MACH_MSG_TYPE_INTEGER_64", 64, false},  {"MACH_MSG_TYPE_REAL_32", 32, false},
    {"MACH_MSG_TYPE_REAL_64", 64, false},     {"MACH_MSG_TYPE_CHAR", 8, false},
    {"MACH_MSG_TYPE_BYTE", 8, false},         {"MACH_MSG_TYPE_MOVE_RECEIVE", 32, true},
    {"MACH_MSG_TYPE_COPY_SEND", 32, true},    {"MACH_MSG_TYPE_MAKE_SEND", 32, true},
    {"MACH_MSG_TYPE_MOVE_SEND", 32, true},    {"MACH_MSG_TYPE_MAKE_SEND_ONCE", 32, true},
    {"MACH_MSG_TYPE_MOVE_SEND_ONCE", 32, true}, {"MACH_MSG_TYPE_PORT_NAME", 32, false},
    {"MACH_MSG_TYPE_PORT_RECEIVE", 32, true}, {"MACH_MSG_TYPE_PORT_SEND", 32, true},
    {"MACH_MSG_TYPE_PORT_SEND_ONCE", 32, true}, {"MACH_MSG_TYPE_POLYMORPHIC", 32, true},
}};

constexpr std::array<std::string_view, 11> ipc_flags{
    "samecount", "retcode", "physicalcopy", "overwrite", "dealloc", "notdealloc",
    "countinout", "auto", "const", "servercopy", "userimpl"};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class parser {
 public:
  explicit parser(const std::vector<source_line>& lines) : lex_(lines) {}

  subsystem run() {
    while (lex_.peek().type != token::kind::end) statement();
    if (!seen_subsystem_) throw defs_error(lex_.here(), "no subsystem statement");
    result_.end_id = next_id_;
    return std::move(result_);
  }

 private:
  [[noreturn]] static void fail(const token& t, const std::string& why) {
    throw defs_error(t.where, why + (t.type == token::kind::end ? " at the end of the input" : " near '" + t.text + "'"));
  }

  token expect_identifier(const char* what) {
    token t = lex_.next();
    if (t.type != token::kind::identifier) fail(t, std::string("expected ") + what);
    return t;
  }
  void expect(char c) {
    token t = lex_.next();
    if (!t.is_punct(c)) fail(t, std::string("expected '") + c + "'");
  }
  bool accept(char c) {
    if (!lex_.peek().is_punct(c)) return false;
    lex_.next();
    return true;
  }
  void end_statement() { expect(';'); }

  void statement() {
    if (accept(';')) return;
    token t = lex_.next();
    if (t.type != token::kind::identifier) fail(t, "expected a statement");
    if (t.is("subsystem")) return subsystem_statement(t);
    if (t.is("routine") || t.is("simpleroutine")) return routine_statement(t, t.is("simpleroutine"));
    if (t.is("type")) {
      declare_named_type();
      return end_statement();
    }
    if (t.is("skip")) {
      require_subsystem(t);
      ++next_id_;
      return end_statement();
    }
    if (t.is("import") || t.is("uimport") || t.is("simport") || t.is("iimport") || t.is("dimport")) {
      result_.imports.push_back(lex_.file_name());
      return end_statement();
    }
    if (t.is("waittime") || t.is("msgoption") || t.is("sendtime") || t.is("consumeonsenderror")) {
      std::string value = lex_.rest_of_statement();
      if (t.is("waittime")) result_.wait_time = value;
      if (t.is("msgoption")) result_.msg_option = value;
      return end_statement();
    }
    if (t.is("nowaittime") || t.is("nosendtime")) {
      if (t.is("nowaittime")) result_.wait_time.clear();
      return end_statement();
    }
    if (t.is("serverprefix") || t.is("userprefix") || t.is("serverdemux") || t.is("error")) {
      const token name = expect_identifier("a name");
      if (t.is("serverprefix")) result_.server_prefix = name.text;
      if (t.is("userprefix")) result_.user_prefix = name.text;
      return end_statement();
    }
    if (t.is("usertypelimit") || t.is("onstacklimit") || t.is("usespecialreplyport")) {
      int_expression();
      return end_statement();
    }
    if (t.is("rcsid")) {
      lex_.quoted_string();
      return end_statement();
    }
    fail(t, "unknown statement");
  }

  void require_subsystem(const token& t) const {
    if (!seen_subsystem_) fail(t, "a routine or skip before the subsystem statement");
  }

  void subsystem_statement(const token& t) {
    if (seen_subsystem_) fail(t, "a second subsystem statement");
    seen_subsystem_ = true;
    result_.where = t.where;
    for (;;) {
      const token& m = lex_.peek();
      if (m.is("kerneluser")) result_.kernel_user = true;
      else if (m.is("kernelserver")) result_.kernel_server = true;
      else break;
      lex_.next();
    }
    result_.name = expect_identifier("the subsystem's name").text;
    result_.base = int_expression();
    next_id_ = result_.base;
    end_statement();
  }

  // IntExp: numbers with + - * / and parentheses, as migcom's grammar has them.
  std::int64_t int_expression() { return additive(); }
  std::int64_t additive() {
    std::int64_t v = multiplicative();
    for (;;) {
      if (accept('+')) v += multiplicative();
      else if (accept('-')) v -= multiplicative();
      else return v;
    }
  }
  std::int64_t multiplicative() {
    std::int64_t v = primary();
    for (;;) {
      if (accept('*')) {
        v *= primary();
      } else if (lex_.peek().is_punct('/')) {
        const token slash = lex_.next();
        const std::int64_t d = primary();
        if (d == 0) fail(slash, "division by zero");
        v /= d;
      } else {
        return v;
      }
    }
  }
  std::int64_t primary() {
    if (accept('(')) {
      const std::int64_t v = int_expression();
      expect(')');
      return v;
    }
    token t = lex_.next();
    if (t.type != token::kind::number) fail(t, "expected a number");
    return std::stoll(t.text);
  }
  std::uint32_t count_expression(const token& at) {
    const std::int64_t v = int_expression();
    if (v <= 0 || v > 0x7fffffff) fail(at, "an array bound must be positive");
    return static_cast<std::uint32_t>(v);
  }

  std::shared_ptr<const type_spec> lookup(const token& t) const {
    const auto it = types_.find(t.text);
    if (it == types_.end()) fail(t, "unknown type " + t.text + " (missing #include <mach/std_types.defs>?)");
    return it->second;
  }

  // A basic IPC type: MACH_MSG_TYPE_*, polymorphic, or a number (its value is kept only
  // to be refused later: machio-mig needs the symbolic name to know what it is).
  std::shared_ptr<type_spec> ipc_type(const token& t) {
    auto spec = std::make_shared<type_spec>();
    spec->where = t.where;
    if (t.is("polymorphic")) {
      spec->msg_type = "polymorphic";
      spec->size_bits = 32;
      spec->port = true;
    } else {
      const auto it = std::find_if(basic_types.begin(), basic_types.end(),
                                   [&](const basic_type_info& b) { return b.name == t.text; });
      if (it == basic_types.end()) return nullptr;
      spec->msg_type = std::string(it->name);
      spec->size_bits = it->size_bits;
      spec->port = it->port;
    }
    if (lex_.peek().is_punct('|')) {
      // `sent|received`: the disposition the sender uses, and the right the receiver must
      // get (what MIG's server checks). machio sends and checks the port as the second.
      const token bar = lex_.next();
      const token second_name = lex_.next();
      auto second = ipc_type(second_name);
      if (!second || !spec->port || !second->port || second->msg_type.find("_PORT_") != std::string::npos)
        fail(bar, "machio-mig supports `in|out` IPC types only as a port type with a MOVE_/COPY_/MAKE_ second");
      second->where = t.where;
      return second;
    }
    return spec;
  }

  std::shared_ptr<const type_spec> type_spec_() {
    token t = lex_.next();
    if (t.is_punct('^')) {
      auto spec = std::make_shared<type_spec>();
      spec->shape = type_spec::form::pointer;
      spec->where = t.where;
      spec->element = type_spec_();
      return spec;
    }
    if (t.is_punct('(')) {  // (IPCType, size-in-bits)
      const token name = lex_.next();
      auto spec = ipc_type(name);
      if (!spec) fail(name, "expected a MACH_MSG_TYPE_* name");
      expect(',');
      spec->size_bits = static_cast<unsigned>(int_expression());
      expect(')');
      return spec;
    }
    if (t.type == token::kind::number) fail(t, "numeric IPC types are not supported by machio-mig; use MACH_MSG_TYPE_* names");
    if (t.type != token::kind::identifier) fail(t, "expected a type");
    if (t.is("array") || t.is("struct") || t.is("c_string")) {
      auto spec = std::make_shared<type_spec>();
      spec->where = t.where;
      spec->shape = t.is("array") ? type_spec::form::array
                    : t.is("struct") ? type_spec::form::structure
                                     : type_spec::form::c_string;
      expect('[');
      if (accept(']')) {
        spec->variable = true;
      } else if (accept('*')) {
        spec->variable = true;
        if (accept(':')) spec->count = count_expression(t);
        expect(']');
      } else {
        spec->count = count_expression(t);
        expect(']');
      }
      if (spec->shape == type_spec::form::structure && spec->variable) fail(t, "a struct needs a fixed size");
      if (spec->shape == type_spec::form::c_string) {
        if (spec->count == 0) fail(t, "a c_string needs a bound");
        return spec;
      }
      const token of = lex_.next();
      if (!of.is("of")) fail(of, "expected 'of'");
      spec->element = type_spec_();
      return spec;
    }
    if (auto spec = ipc_type(t)) return spec;
    return lookup(t);
  }

  // TransTypeSpec's trailing clauses: the C types, kept; translations, read and ignored
  // (they convert on the C server's side; machio hands the handler the wire value).
  void trans_clauses(type_spec& spec) {
    for (;;) {
      const token& t = lex_.peek();
      if (t.is("ctype") || t.is("cusertype") || t.is("cservertype")) {
        const bool ctype = t.is("ctype");
        lex_.next();
        expect(':');
        const token name = expect_identifier("a C type");
        if (ctype || spec.ctype.empty() || spec.ctype == spec.name) spec.ctype = name.text;
      } else if (t.is("intran") || t.is("outtran") || t.is("destructor")) {
        lex_.next();
        expect(':');
        // [type] function(type)
        expect_identifier("a C type or function");
        if (lex_.peek().type == token::kind::identifier) lex_.next();
        expect('(');
        expect_identifier("a C type");
        expect(')');
      } else {
        return;
      }
    }
  }

  std::shared_ptr<const type_spec> declare_named_type() {
    const token name = expect_identifier("a type name");
    expect('=');
    auto spec = std::make_shared<type_spec>(*type_spec_());
    spec->name = name.text;
    spec->ctype = name.text;  // MIG: a named type's C type is its name unless ctype: says
    spec->where = name.where;
    trans_clauses(*spec);
    types_[name.text] = spec;
    return spec;
  }

  static std::string spelling_of(const type_spec& spec) {
    if (!spec.name.empty()) return spec.name;
    switch (spec.shape) {
      case type_spec::form::basic: return spec.msg_type;
      case type_spec::form::pointer: return "^" + spelling_of(*spec.element);
      case type_spec::form::c_string:
        return "c_string[" + std::string(spec.variable ? "*:" : "") + std::to_string(spec.count) + "]";
      case type_spec::form::array:
      case type_spec::form::structure: {
        std::string bound = spec.variable ? (spec.count ? "*:" + std::to_string(spec.count) : "") : std::to_string(spec.count);
        return std::string(spec.shape == type_spec::form::array ? "array[" : "struct[") + bound + "] of " +
               spelling_of(*spec.element);
      }
    }
    return {};
  }

  argument argument_() {
    argument arg;
    token first = lex_.next();
    if (first.type != token::kind::identifier) fail(first, "expected an argument");
    arg.where = first.where;
    token name = first;
    if (lex_.peek().type == token::kind::identifier) {  // `in text : ...`: a direction first
      const std::string word = lower(first.text);
      const auto direction = direction_named(word);
      if (!direction) fail(first, "unknown argument direction");
      arg.direction = *direction;
      name = lex_.next();
    }
    arg.name = name.text;
    expect(':');
    const token type_name = expect_identifier("a type");
    if (lex_.peek().is_punct('=')) {  // `x : name = spec`: declares the type in place
      lex_.next();
      auto spec = std::make_shared<type_spec>(*type_spec_());
      spec->name = type_name.text;
      spec->ctype = type_name.text;
      trans_clauses(*spec);
      types_[type_name.text] = spec;
      arg.type = spec;
    } else if (auto basic = ipc_type(type_name)) {
      arg.type = basic;
    } else {
      arg.type = lookup(type_name);
    }
    arg.type_spelling = spelling_of(*arg.type);
    while (accept(',')) {
      const token flag = expect_identifier("an IPC flag");
      const std::string word = lower(flag.text);
      if (std::find(ipc_flags.begin(), ipc_flags.end(), word) == ipc_flags.end()) fail(flag, "unknown IPC flag");
      if (accept('[')) expect(']');
      arg.flags.push_back(word);
    }
    return arg;
  }

  void routine_statement(const token& t, bool simple) {
    require_subsystem(t);
    routine r;
    r.simple = simple;
    r.where = t.where;
    r.name = expect_identifier("the routine's name").text;
    r.id = next_id_++;
    expect('(');
    if (!accept(')')) {
      for (;;) {
        r.arguments.push_back(argument_());
        if (accept(')')) break;
        expect(';');
      }
    }
    end_statement();
    result_.routines.push_back(std::move(r));
  }

  lexer lex_;
  subsystem result_;
  std::map<std::string, std::shared_ptr<const type_spec>> types_;
  std::int64_t next_id_ = 0;
  bool seen_subsystem_ = false;
};

}  // namespace

subsystem parse(const std::vector<source_line>& lines) { return parser(lines).run(); }

}  // namespace machio_mig
