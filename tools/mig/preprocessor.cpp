// machio-mig: the preprocessor subset (see preprocessor.hpp).
#include "preprocessor.hpp"

#include <cctype>
#include <cstring>
#include <fstream>
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
    long long v = parse_equality();
    while (accept("&&")) v = parse_equality() && v;
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
      while (pos_ < text_.size() && std::strchr("uUlL", text_[pos_]) && text_[pos_] != '\0') ++pos_;
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
  explicit preprocessor(const preprocessor_options& options) : options_(options), macros_(options.defines) {}

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
      if (argument.size() > name.size() && argument[name.size()] == '(')
        throw defs_error(where, "function-like macro " + name + " is not supported by machio-mig");
      macros_[name] = trim(std::string_view(argument).substr(name.size()));
    } else if (directive == "undef") {
      macros_.erase(first_name(argument, where));
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

  // Replaces object-like macros in a line of MIG text (outside quotes and <file names>
  // cannot be told apart here, so a macro named like a header is expanded too: as cpp does).
  std::string expand(const std::string& text, const location& where, int depth = 0) const {
    if (macros_.empty()) return text;
    if (depth > 16) throw defs_error(where, "macro expansion too deep (recursive #define?)");
    std::string out;
    bool changed = false;
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
      if (is_ident_start(c)) {
        std::size_t j = i;
        while (j < text.size() && is_ident_char(text[j])) ++j;
        const std::string name = text.substr(i, j - i);
        const auto it = macros_.find(name);
        if (it != macros_.end()) {
          out += it->second;
          changed = true;
        } else {
          out += name;
        }
        i = j;
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(c))) {  // 0x1f is not the name x1f
        while (i < text.size() && is_ident_char(text[i])) out += text[i++];
        continue;
      }
      out += c;
      ++i;
    }
    return changed ? expand(out, where, depth + 1) : out;
  }

  const preprocessor_options& options_;
  std::map<std::string, std::string> macros_;
  std::vector<conditional> conditionals_;
  preprocessed out_;
  int depth_ = 0;
};

}  // namespace

preprocessed preprocess(const std::filesystem::path& file, const preprocessor_options& options) {
  return preprocessor(options).run(file);
}

}  // namespace machio_mig
