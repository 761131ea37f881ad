// doc/rights.md and doc/messages.md quote examples/snippets/*.cpp, which ctest builds and
// runs: this test fails when a quoted block no longer matches the compiled code.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Blocks between matching "  // [name]" lines, with the two-space indent removed.
void check(const std::string& snippet_file, const std::string& doc_file) {
  const std::string code = read(std::string(MACHIO_SOURCE_DIR) + "/" + snippet_file);
  const std::string doc = read(std::string(MACHIO_SOURCE_DIR) + "/" + doc_file);
  std::istringstream lines(code);
  std::string line, open, block;
  int blocks = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("  // [", 0) == 0 && line.back() == ']') {
      if (open.empty()) {
        open = line;
        block.clear();
        continue;
      }
      BOOST_TEST(line == open);
      BOOST_TEST_CONTEXT(doc_file << " quotes " << open) {
        BOOST_TEST(doc.find("```cpp\n" + block + "```") != std::string::npos);
      }
      open.clear();
      ++blocks;
      continue;
    }
    if (!open.empty()) block += (line.rfind("  ", 0) == 0 ? line.substr(2) : line) + "\n";
  }
  BOOST_TEST(open.empty());
  BOOST_TEST(blocks > 0);
}

}  // namespace

BOOST_AUTO_TEST_CASE(rights_page_matches_its_snippets) {
  check("examples/snippets/rights.cpp", "doc/rights.md");
}

BOOST_AUTO_TEST_CASE(messages_page_matches_its_snippets) {
  check("examples/snippets/messages.cpp", "doc/messages.md");
}
