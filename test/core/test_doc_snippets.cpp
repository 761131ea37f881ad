// SPDX-License-Identifier: BSL-1.0
// The docs quote compiled code: blocks between matching "// [name]" marker lines in
// examples/ (snippets/, demo/, hello_async.cpp, usb_watch.cpp), which every build
// compiles. These tests fail when a page no longer matches the code it quotes, in either
// direction: a marked block missing from its page, or a ```cpp block on a page that no
// compiled file contains.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string read(const std::string& relative) {
  const std::string path = std::string(MACHIO_SOURCE_DIR) + "/" + relative;
  std::ifstream in(path);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Whether \p line is a marker line ("// [name]" after its indent).
bool is_marker(const std::string& line) {
  const std::size_t text = line.find_first_not_of(' ');
  return text != std::string::npos && line.compare(text, 4, "// [") == 0 && line.back() == ']';
}

// The marked blocks of a source file, each with its marker line's indent removed.
std::vector<std::string> marked_blocks(const std::string& source_file) {
  std::istringstream lines(read(source_file));
  std::vector<std::string> blocks;
  std::string line, open, block;
  std::size_t indent = 0;
  while (std::getline(lines, line)) {
    const std::size_t text = line.find_first_not_of(' ');
    const bool marker = is_marker(line);
    if (marker && open.empty()) {
      open = line;
      indent = text;
      block.clear();
    } else if (marker) {
      BOOST_TEST_CONTEXT(source_file) { BOOST_TEST(line == open); }
      blocks.push_back(block);
      open.clear();
    } else if (!open.empty()) {
      block += (line.compare(0, indent, std::string(indent, ' ')) == 0 ? line.substr(indent) : line) + "\n";
    }
  }
  BOOST_TEST_CONTEXT(source_file) { BOOST_TEST(open.empty()); }
  return blocks;
}

// \p source_file without its leading comment lines (licence, description), its marker
// lines and the blank lines between its blocks: what a page that quotes every block in
// order shows of it.
std::string program_text(const std::string& source_file) {
  std::istringstream lines(read(source_file));
  std::string line, text;
  bool leading = true, inside = false;
  while (std::getline(lines, line)) {
    const bool marker = is_marker(line);
    if (leading && !marker && line.compare(0, 2, "//") == 0) continue;
    leading = false;
    if (marker) {
      inside = !inside;
    } else if (inside || !line.empty()) {
      text += line + "\n";
    }
  }
  return text;
}

// The ```cpp blocks of a page.
std::vector<std::string> cpp_blocks(const std::string& doc) {
  std::vector<std::string> blocks;
  const std::string fence = "```cpp\n";
  for (std::size_t at = doc.find(fence); at != std::string::npos; at = doc.find(fence, at)) {
    at += fence.size();
    const std::size_t end = doc.find("```", at);
    BOOST_REQUIRE(end != std::string::npos);
    blocks.push_back(doc.substr(at, end - at));
    at = end + 3;
  }
  return blocks;
}

// Every marked block of \p complete_sources is on \p doc_file, and every ```cpp block of
// \p doc_file is a marked block of \p complete_sources or \p other_sources.
void check(const std::string& doc_file, std::initializer_list<const char*> complete_sources,
           std::initializer_list<const char*> other_sources = {}) {
  const std::string doc = read(doc_file);
  std::vector<std::string> known;
  for (const char* source : complete_sources) {
    const std::vector<std::string> blocks = marked_blocks(source);
    BOOST_TEST(!blocks.empty());
    for (const std::string& block : blocks) {
      BOOST_TEST_CONTEXT(doc_file << " quotes every block of " << source << ", also\n" << block) {
        BOOST_TEST(doc.find("```cpp\n" + block + "```") != std::string::npos);
      }
    }
    known.insert(known.end(), blocks.begin(), blocks.end());
  }
  for (const char* source : other_sources) {
    const std::vector<std::string> blocks = marked_blocks(source);
    known.insert(known.end(), blocks.begin(), blocks.end());
  }
  for (const std::string& block : cpp_blocks(doc)) {
    BOOST_TEST_CONTEXT(doc_file << " shows code no compiled file marks:\n" << block) {
      BOOST_TEST((std::find(known.begin(), known.end(), block) != known.end()));
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(rights_page_matches_its_snippets) {
  check("doc/rights.md", {"examples/snippets/rights.cpp"});
}

BOOST_AUTO_TEST_CASE(messages_page_matches_its_snippets) {
  check("doc/messages.md", {"examples/snippets/messages.cpp"});
}

BOOST_AUTO_TEST_CASE(server_page_matches_the_demo_server) {
  check("doc/server.md", {"examples/demo/server.cpp"});
}

// The tutorial shows two complete sources: every block of each is on the page, and the
// page shows no other code.
BOOST_AUTO_TEST_CASE(tutorial_quotes_only_compiled_code) {
  check("doc/tutorial.md", {"examples/snippets/tutorial.cpp", "examples/hello_async.cpp"});
}

// The tutorial's async part is all of examples/hello_async.cpp: its blocks, put together in
// order, are the file (but for its leading comment), and the page shows them in that order.
// A line outside every block would be code the page does not show.
BOOST_AUTO_TEST_CASE(tutorial_shows_the_whole_async_example) {
  const char* const source = "examples/hello_async.cpp";
  const std::vector<std::string> blocks = marked_blocks(source);
  std::string joined;
  for (const std::string& block : blocks) joined += block;
  BOOST_TEST(joined == program_text(source));

  const std::string doc = read("doc/tutorial.md");
  std::size_t at = 0;
  for (const std::string& block : blocks) {
    BOOST_TEST_CONTEXT("doc/tutorial.md shows this block of " << source << " after the one before it:\n" << block) {
      at = doc.find("```cpp\n" + block + "```", at);
      BOOST_TEST(at != std::string::npos);
    }
    if (at == std::string::npos) break;
  }
}

BOOST_AUTO_TEST_CASE(mig_page_quotes_only_compiled_code) {
  check("doc/mig.md", {"examples/snippets/mig.cpp"}, {"examples/demo/client_echo.cpp", "examples/demo/server.cpp"});
}

BOOST_AUTO_TEST_CASE(iokit_page_matches_the_usb_example) {
  check("doc/iokit.md", {"examples/usb_watch.cpp"});
}
