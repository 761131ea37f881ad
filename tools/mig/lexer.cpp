// SPDX-License-Identifier: BSL-1.0
// machio-mig: MIG's tokens (see lexer.hpp).
#include "lexer.hpp"

#include <cctype>

namespace machio_mig {
namespace {
bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
}  // namespace

bool token::is(std::string_view word) const {
  if (type != kind::identifier || text.size() != word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(word[i])))
      return false;
  return true;
}

void lexer::skip_space() {
  while (!at_end()) {
    const std::string& text = lines_[line_].text;
    while (column_ < text.size() && std::isspace(static_cast<unsigned char>(text[column_]))) ++column_;
    if (column_ < text.size()) return;
    ++line_;
    column_ = 0;
  }
}

location lexer::here() const {
  if (at_end()) return lines_.empty() ? location{} : lines_.back().where;
  return lines_[line_].where;
}

token lexer::scan() {
  skip_space();
  token t;
  if (at_end()) {
    t.where = here();
    return t;
  }
  t.where = here();
  const std::string& text = lines_[line_].text;
  const char c = text[column_];
  std::size_t end = column_ + 1;
  if (is_ident_start(c)) {
    while (end < text.size() && is_ident_char(text[end])) ++end;
    t.type = token::kind::identifier;
  } else if (std::isdigit(static_cast<unsigned char>(c))) {
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    t.type = token::kind::number;
  } else {
    t.type = token::kind::punctuation;
  }
  t.text = text.substr(column_, end - column_);
  column_ = end;
  return t;
}

const token& lexer::peek() {
  if (!peeked_) peeked_ = scan();
  return *peeked_;
}

token lexer::next() {
  if (peeked_) {
    token t = std::move(*peeked_);
    peeked_.reset();
    return t;
  }
  return scan();
}

std::string lexer::file_name() {
  skip_space();
  const location where = here();
  if (at_end()) throw defs_error(where, "expected a file name");
  const std::string& text = lines_[line_].text;
  const char open = text[column_];
  const char close = open == '<' ? '>' : '"';
  const std::size_t end = text.find(close, column_ + 1);
  if ((open != '<' && open != '"') || end == std::string::npos)
    throw defs_error(where, "expected \"file\" or <file>");
  std::string name = text.substr(column_, end + 1 - column_);
  column_ = end + 1;
  return name;
}

std::string lexer::rest_of_statement() {
  skip_space();
  const location where = here();
  if (at_end()) throw defs_error(where, "expected text and ';'");
  const std::string& text = lines_[line_].text;
  const std::size_t end = text.find(';', column_);
  if (end == std::string::npos) throw defs_error(where, "expected ';' on the same line");
  std::string value = text.substr(column_, end - column_);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
  column_ = end;
  return value;
}

std::string lexer::quoted_string() {
  skip_space();
  const location where = here();
  if (at_end() || current() != '"') throw defs_error(where, "expected a \"string\"");
  const std::string& text = lines_[line_].text;
  const std::size_t end = text.find('"', column_ + 1);
  if (end == std::string::npos) throw defs_error(where, "unterminated string");
  std::string value = text.substr(column_ + 1, end - column_ - 1);
  column_ = end + 1;
  return value;
}

}  // namespace machio_mig
