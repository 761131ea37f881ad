// SPDX-License-Identifier: BSL-1.0
// machio-mig: MIG's tokens, read from preprocessed lines.
//
// As in migcom's lexer, keywords are case-insensitive (the parser compares them so), and
// three statements switch to a raw mode the parser asks for: a file name after import,
// the text up to ';' after WaitTime/MsgOption/SendTime, and a quoted string after RCSId.
#ifndef MACHIO_MIG_TOOL_LEXER_HPP
#define MACHIO_MIG_TOOL_LEXER_HPP

#include "preprocessor.hpp"

#include <optional>
#include <string>
#include <vector>

namespace machio_mig {

struct token {
  enum class kind { identifier, number, punctuation, end };
  kind type = kind::end;
  std::string text;  //!< the identifier, the digits, or the punctuation character
  location where;

  //! A keyword or a name equal to \p word, ignoring case (MIG's keywords are).
  bool is(std::string_view word) const;
  bool is_punct(char c) const { return type == kind::punctuation && text.size() == 1 && text[0] == c; }
};

class lexer {
 public:
  explicit lexer(const std::vector<source_line>& lines) : lines_(lines) {}

  const token& peek();
  token next();
  //! import's operand: "file" or <file>, returned with its delimiters. No token may be peeked.
  std::string file_name();
  //! The raw text up to (not including) the next ';', trimmed. No token may be peeked.
  std::string rest_of_statement();
  //! A "quoted string", returned without quotes. No token may be peeked.
  std::string quoted_string();
  //! Where the next character is (for errors about raw text).
  location here() const;

 private:
  token scan();
  void skip_space();
  bool at_end() const { return line_ >= lines_.size(); }
  char current() const { return lines_[line_].text[column_]; }

  const std::vector<source_line>& lines_;
  std::size_t line_ = 0, column_ = 0;
  std::optional<token> peeked_;
};

}  // namespace machio_mig

#endif  // MACHIO_MIG_TOOL_LEXER_HPP
