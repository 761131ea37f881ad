// SPDX-License-Identifier: BSL-1.0
// machio-mig: the preprocessor subset (see preprocessor.hpp).
#include "preprocessor.hpp"

#include <cctype>
#include <cstring>
#include <fstream>
#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

namespace machio_mig {
namespace {

namespace fs = std::filesystem;

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Reads \p path into logical lines: comments replaced by a space (a block comment keeps
// its line breaks so numbering holds), backslash-newline joined onto the first line.
std::vector<source_line> read_lines(const fs::path& path, const std::shared_ptr<const std::string>& name) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();

  std::vector<source_line> lines;
  std::string current;
  int line = 1, current_start = 1, comment_start = 0;
  bool in_block = false;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (c == '\n') {
      ++line;
      if (!in_block && !current.empty() && current.back() == '\\') {
        current.pop_back();  // a continuation: the logical line goes on
        continue;
      }
      if (!in_block) {
        lines.push_back({{name, current_start}, current});
        current.clear();
        current_start = line;
        quote = 0;
      }
      continue;
    }
    if (in_block) {
      if (c == '*' && next == '/') {
        in_block = false;
        ++i;
        current += ' ';
      }
      continue;
    }
    if (quote) {
      current += c;
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '"') quote = c;
    if (c == '/' && next == '*') {
      in_block = true;
      comment_start = line;
      ++i;
      continue;
    }
    if (c == '/' && next == '/') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    if (c != '\r') current += c;
  }
  if (in_block) throw defs_error({name, comment_start}, "unterminated /* comment");
  if (!current.empty()) lines.push_back({{name, current_start}, current});
  return lines;
}

// #if's expressions: integers, defined(X), macros (undefined ones are 0), and C's
// operators on them, evaluated as intmax_t.
class condition_parser {
 public:
  condition_parser(std::string text, const std::map<std::string, std::string>& macros, location where)
      : text_(std::move(text)), macros_(macros), where_(std::move(where)) {}

  long long evaluate() {
    const long long value = parse_or();
    skip_space();
    if (pos_ != text_.size()) fail("unexpected '" + text_.substr(pos_) + "'");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw defs_error(where_, "in #if expression: " + why);
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool accept(std::string_view op) {
    skip_space();
    if (text_.compare(pos_, op.size(), op) != 0) return false;
    pos_ += op.size();
    return true;
  }
  std::string identifier() {
    skip_space();
    const std::size_t start = pos_;
    while (pos_ < text_.size() && is_ident_char(text_[pos_])) ++pos_;
    if (start == pos_ || !is_ident_start(text_[start])) fail("expected a name");
    return text_.substr(start, pos_ - start);
  }
  long long parse_or() {
    long long v = parse_and();
    while (accept("||")) v = parse_and() || v;
    return v;
  }
  long long parse_and() {
    long long v = parse_bit_or();
    while (accept("&&")) v = parse_bit_or() && v;
    return v;
  }
  // One character operator that is not the first of a two-character one (| of ||).
  bool accept_single(char op) {
    skip_space();
    if (pos_ >= text_.size() || text_[pos_] != op || (pos_ + 1 < text_.size() && text_[pos_ + 1] == op)) return false;
    ++pos_;
    return true;
  }
  long long parse_bit_or() {
    long long v = parse_bit_and();
    while (accept_single('|')) v |= parse_bit_and();
    return v;
  }
  long long parse_bit_and() {
    long long v = parse_equality();
    while (accept_single('&')) v &= parse_equality();
    return v;
  }
  long long parse_equality() {
    long long v = parse_relational();
    for (;;) {
      if (accept("==")) v = v == parse_relational();
      else if (accept("!=")) v = v != parse_relational();
      else return v;
    }
  }
  long long parse_relational() {
    long long v = parse_additive();
    for (;;) {
      if (accept("<=")) v = v <= parse_additive();
      else if (accept(">=")) v = v >= parse_additive();
      else if (accept("<")) v = v < parse_additive();
      else if (accept(">")) v = v > parse_additive();
      else return v;
    }
  }
  long long parse_additive() {
    long long v = parse_unary();
    for (;;) {
      if (accept("+")) v += parse_unary();
      else if (accept("-")) v -= parse_unary();
      else return v;
    }
  }
  long long parse_unary() {
    if (accept("!")) return !parse_unary();
    if (accept("-")) return -parse_unary();
    if (accept("(")) {
      const long long v = parse_or();
      if (!accept(")")) fail("expected ')'");
      return v;
    }
    skip_space();
    if (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      std::size_t used = 0;
      const long long v = std::stoll(text_.substr(pos_), &used, 0);
      pos_ += used;
      while (pos_ < text_.size() && text_[pos_] != '\0' && std::strchr("uUlL", text_[pos_])) ++pos_;
      return v;
    }
    const std::string name = identifier();
    if (name == "defined") {
      const bool paren = accept("(");
      const std::string macro = identifier();
      if (paren && !accept(")")) fail("expected ')' after defined(" + macro);
      return macros_.count(macro) ? 1 : 0;
    }
    const auto it = macros_.find(name);
    if (it == macros_.end() || depth_ > 16) return 0;
    ++depth_;
    condition_parser inner(it->second.empty() ? "0" : it->second, macros_, where_);
    inner.depth_ = depth_;
    const long long v = inner.evaluate();
    --depth_;
    return v;
  }

  std::string text_;
  std::size_t pos_ = 0;
  const std::map<std::string, std::string>& macros_;
  location where_;
  int depth_ = 0;
};

class preprocessor {
 public:
  explicit preprocessor(const preprocessor_options& options) : options_(options), macros_(options.defines) {
    // What the C compiler Apple's mig runs defines for every 64-bit Darwin target, and
    // .defs files test (machine_types.defs picks 64-bit types with it).
    macros_.emplace("__LP64__", "1");
  }

  preprocessed run(const fs::path& file) {
    include(file, {nullptr, 0});
    return std::move(out_);
  }

 private:
  struct conditional {
    bool enclosing_active;  // whether the lines around this #if are kept
    bool taken;             // whether a branch has been kept already
    bool active;            // whether the current branch is kept
    bool seen_else;
    location where;
  };

  void include(const fs::path& file, const location& from) {
    if (depth_ > 64) throw defs_error(from, "#include nested too deeply (a cycle?)");
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) throw defs_error(from, "cannot read " + file.string());
    out_.files.push_back(file);
    ++depth_;
    const auto name = std::make_shared<const std::string>(file.string());
    const std::size_t outer_conditionals = conditionals_.size();
    for (const source_line& line : read_lines(file, name)) process(line, file);
    if (conditionals_.size() != outer_conditionals)
      throw defs_error(conditionals_.back().where, "#if without #endif");
    --depth_;
  }

  bool active() const { return conditionals_.empty() || conditionals_.back().active; }

  void process(const source_line& line, const fs::path& file) {
    const std::string text = trim(line.text);
    if (text.empty() || text[0] != '#') {
      if (active()) out_.lines.push_back({line.where, expand(line.text, line.where)});
      return;
    }
    std::string rest = trim(std::string_view(text).substr(1));
    std::size_t n = 0;
    while (n < rest.size() && is_ident_char(rest[n])) ++n;
    const std::string directive = rest.substr(0, n);
    const std::string argument = trim(std::string_view(rest).substr(n));
    directive_(directive, argument, line.where, file);
  }

  void directive_(const std::string& directive, const std::string& argument, const location& where,
                  const fs::path& file) {
    if (directive == "if" || directive == "ifdef" || directive == "ifndef") {
      bool value = false;
      if (active()) {
        if (directive == "if") value = condition_parser(argument, macros_, where).evaluate() != 0;
        else value = (macros_.count(first_name(argument, where)) != 0) == (directive == "ifdef");
      }
      conditionals_.push_back({active(), value, active() && value, false, where});
      return;
    }
    if (directive == "elif" || directive == "else" || directive == "endif") {
      if (conditionals_.empty()) throw defs_error(where, "#" + directive + " without #if");
      conditional& c = conditionals_.back();
      if (directive == "endif") {
        conditionals_.pop_back();
        return;
      }
      if (c.seen_else) throw defs_error(where, "#" + directive + " after #else");
      bool value = !c.taken;
      if (directive == "elif" && value && c.enclosing_active)
        value = condition_parser(argument, macros_, where).evaluate() != 0;
      if (directive == "else") c.seen_else = true;
      c.active = c.enclosing_active && value;
      c.taken = c.taken || c.active;
      return;
    }
    if (!active()) return;
    if (directive == "define") {
      const std::string name = first_name(argument, where);
      functions_.erase(name);
      if (argument.size() > name.size() && argument[name.size()] == '(') {
        define_function(name, argument.substr(name.size() + 1), where);
        macros_[name] = "0";  // for defined(); a function-like macro is 0 in #if
      } else {
        macros_[name] = trim(std::string_view(argument).substr(name.size()));
      }
    } else if (directive == "undef") {
      macros_.erase(first_name(argument, where));
      functions_.erase(first_name(argument, where));
    } else if (directive == "include") {
      include(resolve(argument, where, file), where);
    } else if (directive == "error") {
      throw defs_error(where, "#error " + argument);
    } else if (directive == "pragma" || directive == "line" || directive == "ident" || directive.empty() ||
               std::isdigit(static_cast<unsigned char>(directive[0]))) {
      // Nothing MIG's language needs: migcom skips these too.
    } else {
      throw defs_error(where, "unknown directive #" + directive);
    }
  }

  static std::string first_name(const std::string& argument, const location& where) {
    std::size_t n = 0;
    while (n < argument.size() && is_ident_char(argument[n])) ++n;
    if (n == 0 || !is_ident_start(argument[0])) throw defs_error(where, "expected a macro name");
    return argument.substr(0, n);
  }

  fs::path resolve(const std::string& argument, const location& where, const fs::path& file) const {
    if (argument.size() < 2) throw defs_error(where, "#include needs \"file\" or <file>");
    const char open = argument.front();
    const char close = open == '<' ? '>' : '"';
    const std::size_t end = argument.find(close, 1);
    if ((open != '<' && open != '"') || end == std::string::npos)
      throw defs_error(where, "#include needs \"file\" or <file>");
    const fs::path name = argument.substr(1, end - 1);
    std::error_code ec;
    if (open == '"') {
      const fs::path here = file.parent_path() / name;
      if (fs::is_regular_file(here, ec)) return here;
    }
    for (const fs::path& dir : options_.include_dirs) {
      const fs::path candidate = dir / name;
      if (fs::is_regular_file(candidate, ec)) return candidate;
    }
    std::string tried;
    for (const fs::path& dir : options_.include_dirs) tried += " " + dir.string();
    throw defs_error(where, "cannot find " + name.string() + " (searched:" +
                                (open == '"' ? " " + file.parent_path().string() : std::string()) + tried + ")");
  }

  struct function_macro {
    std::vector<std::string> params;
    std::string body;
  };

  // `NAME(` has been read; \p rest is "a, b) body".
  void define_function(const std::string& name, const std::string& rest, const location& where) {
    const std::size_t close = rest.find(')');
    if (close == std::string::npos) throw defs_error(where, "#define " + name + "( without ')'");
    function_macro f;
    std::stringstream params(rest.substr(0, close));
    for (std::string p; std::getline(params, p, ',');) {
      p = trim(p);
      if (p == "...") throw defs_error(where, "variadic macro " + name + " is not supported by machio-mig");
      if (!p.empty()) f.params.push_back(p);
    }
    f.body = trim(std::string_view(rest).substr(close + 1));
    functions_[name] = std::move(f);
  }

  // A function-like macro's body with its parameters replaced: by the argument as written
  // next to ## (then pasted) or after # (then quoted), by the expanded argument elsewhere.
  std::string substitute(const function_macro& f, const std::vector<std::string>& args, const location& where,
                         const std::set<std::string>& disabled, int depth) const {
    struct piece {
      std::string text;
      int param = -1;  // index into args, or -1
      bool paste = false, space = false, stringize = false;
    };
    std::vector<piece> pieces;
    const std::string& body = f.body;
    for (std::size_t i = 0; i < body.size();) {
      const char c = body[i];
      if (c == '#' && i + 1 < body.size() && body[i + 1] == '#') {
        pieces.push_back({"", -1, true});
        i += 2;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
        pieces.push_back({" ", -1, false, true});
      } else if (is_ident_start(c)) {
        std::size_t j = i;
        while (j < body.size() && is_ident_char(body[j])) ++j;
        const std::string word = body.substr(i, j - i);
        const auto p = std::find(f.params.begin(), f.params.end(), word);
        pieces.push_back({word, p == f.params.end() ? -1 : static_cast<int>(p - f.params.begin())});
        i = j;
      } else if (c == '#') {
        pieces.push_back({"#", -1, false, false, true});
        ++i;
      } else {
        pieces.push_back({std::string(1, c)});
        ++i;
      }
    }
    auto neighbour_pastes = [&](std::size_t i, int step) {
      for (std::size_t k = i + step; k < pieces.size(); k += step) {
        if (pieces[k].space) continue;
        return pieces[k].paste;
      }
      return false;
    };
    std::string out;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      const piece& p = pieces[i];
      if (p.paste) {
        while (!out.empty() && out.back() == ' ') out.pop_back();
        continue;
      }
      if (p.space) {
        if (!neighbour_pastes(i, 1) && !(i > 0 && neighbour_pastes(i, -1) && pieces[i - 1].paste)) out += ' ';
        continue;
      }
      if (p.stringize) {
        std::size_t k = i + 1;
        while (k < pieces.size() && pieces[k].space) ++k;
        if (k < pieces.size() && pieces[k].param >= 0) {
          out += '"' + args[static_cast<std::size_t>(pieces[k].param)] + '"';
          i = k;
          continue;
        }
        out += '#';
        continue;
      }
      if (p.param < 0) {
        out += p.text;
        continue;
      }
      const std::string& arg = args[static_cast<std::size_t>(p.param)];
      const bool raw = neighbour_pastes(i, 1) || (i > 0 && neighbour_pastes(i, -1));
      out += raw ? arg : expand(arg, where, disabled, depth + 1);
    }
    return out;
  }

  // Replaces macros in a line of MIG text, as cpp does: an object-like macro by its body,
  // `NAME(args)` of a function-like one by its substituted body (the call on one line);
  // each replacement is expanded again with its own name disabled. Quoted text is kept.
  std::string expand(const std::string& text, const location& where, const std::set<std::string>& disabled = {},
                     int depth = 0) const {
    if (macros_.empty()) return text;
    if (depth > 32) throw defs_error(where, "macro expansion too deep (recursive #define?)");
    std::string out;
    char quote = 0;
    for (std::size_t i = 0; i < text.size();) {
      const char c = text[i];
      if (quote) {
        out += c;
        if (c == quote) quote = 0;
        ++i;
        continue;
      }
      if (c == '"') quote = c;
      if (std::isdigit(static_cast<unsigned char>(c))) {  // 0x1f is not the name x1f
        while (i < text.size() && is_ident_char(text[i])) out += text[i++];
        continue;
      }
      if (!is_ident_start(c)) {
        out += c;
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < text.size() && is_ident_char(text[j])) ++j;
      const std::string name = text.substr(i, j - i);
      i = j;
      if (disabled.count(name)) {
        out += name;
        continue;
      }
      std::set<std::string> inner = disabled;
      inner.insert(name);
      if (const auto f = functions_.find(name); f != functions_.end()) {
        std::size_t k = j;
        while (k < text.size() && std::isspace(static_cast<unsigned char>(text[k]))) ++k;
        if (k >= text.size() || text[k] != '(') {  // the name alone is not a call
          out += name;
          continue;
        }
        std::vector<std::string> args(1);
        int nesting = 0;
        for (++k;; ++k) {
          if (k >= text.size()) throw defs_error(where, "the call of macro " + name + " must end on its line");
          const char a = text[k];
          if (a == '(') ++nesting;
          if (a == ')' && nesting-- == 0) break;
          if (a == ',' && nesting == 0) {
            args.emplace_back();
            continue;
          }
          args.back() += a;
        }
        for (std::string& arg : args) arg = trim(arg);
        if (f->second.params.empty() && args.size() == 1 && args[0].empty()) args.clear();
        if (args.size() != f->second.params.size())
          throw defs_error(where, "macro " + name + " takes " + std::to_string(f->second.params.size()) +
                                      " arguments, given " + std::to_string(args.size()));
        out += expand(substitute(f->second, args, where, disabled, depth), where, inner, depth + 1);
        i = k + 1;
        continue;
      }
      if (const auto m = macros_.find(name); m != macros_.end()) {
        out += expand(m->second, where, inner, depth + 1);
        continue;
      }
      out += name;
    }
    return out;
  }

  const preprocessor_options& options_;
  std::map<std::string, std::string> macros_;  // every macro's name; object-like ones' bodies
  std::map<std::string, function_macro> functions_;
  std::vector<conditional> conditionals_;
  preprocessed out_;
  int depth_ = 0;
};

}  // namespace

preprocessed preprocess(const std::filesystem::path& file, const preprocessor_options& options) {
  return preprocessor(options).run(file);
}

}  // namespace machio_mig
