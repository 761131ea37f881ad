// SPDX-License-Identifier: BSL-1.0
// machio-mig: reads a MIG .defs file and writes the machio::mig routine descriptions it
// declares, as a C++ header. Run by machio_mig_generate() (cmake/MachioMig.cmake).
//
//   machio-mig [-I DIR]... [-D NAME[=VALUE]]... [--namespace NS] [--depfile FILE]
//              -o OUT.hpp FILE.defs
#include "emit_cpp.hpp"
#include "parser.hpp"
#include "preprocessor.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#ifndef MACHIO_VERSION_STRING
#define MACHIO_VERSION_STRING "unknown"
#endif

namespace {

constexpr const char* usage =
    "usage: machio-mig [-I DIR]... [-D NAME[=VALUE]]... [--namespace NS] [--depfile FILE] -o OUT.hpp FILE.defs\n"
    "Writes the machio::mig routine descriptions of a MIG .defs file as a C++ header.\n"
    "  -I DIR          search DIR for #include <...> (after the including file's folder for \"...\")\n"
    "  -D NAME[=VALUE] define a macro for #if (VALUE defaults to 1)\n"
    "  --namespace NS  the C++ namespace (default: the subsystem's name)\n"
    "  --depfile FILE  write the files read as a Makefile rule for OUT.hpp\n"
    "  -o OUT.hpp      the header to write (written only when its text changes)\n";

// Writes \p text to \p path unless it already holds exactly that: an unchanged header
// keeps its time stamp, so what includes it is not rebuilt.
bool write_if_changed(const std::string& path, const std::string& text) {
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (old == text) return true;
    }
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out.flush());
}

std::string make_escaped(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == ' ' || c == '#' || c == '$') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  machio_mig::preprocessor_options pp;
  machio_mig::emit_options emit;
  std::string output, depfile, input;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    // The option's value: joined to it (-Idir, as cc takes -I and -D) or the next argument.
    auto value = [&](const std::string& option) -> std::string {
      if (arg.size() > option.size()) return arg.substr(option.size());
      if (i + 1 >= argc) {
        std::fprintf(stderr, "machio-mig: %s needs a value\n%s", option.c_str(), usage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage, stdout);
      return 0;
    } else if (arg == "--version") {
      std::printf("machio-mig %s\n", MACHIO_VERSION_STRING);
      return 0;
    } else if (arg.compare(0, 2, "-I") == 0) {
      pp.include_dirs.emplace_back(value("-I"));
    } else if (arg.compare(0, 2, "-D") == 0) {
      const std::string define = value("-D");
      const auto eq = define.find('=');
      pp.defines[define.substr(0, eq)] = eq == std::string::npos ? "1" : define.substr(eq + 1);
    } else if (arg == "--namespace") {
      emit.namespace_name = value("--namespace");
    } else if (arg == "--depfile") {
      depfile = value("--depfile");
    } else if (arg == "-o") {
      output = value("-o");
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "machio-mig: unknown option %s\n%s", arg.c_str(), usage);
      return 2;
    } else if (input.empty()) {
      input = arg;
    } else {
      std::fprintf(stderr, "machio-mig: one .defs file at a time (%s and %s)\n", input.c_str(), arg.c_str());
      return 2;
    }
  }
  if (input.empty() || output.empty()) {
    std::fputs(usage, stderr);
    return 2;
  }

  try {
    const machio_mig::preprocessed text = machio_mig::preprocess(input, pp);
    const machio_mig::subsystem subsystem = machio_mig::parse(text.lines);
    emit.source_name = std::filesystem::path(input).filename().string();
    const std::string header = machio_mig::emit_cpp(subsystem, emit);
    if (!write_if_changed(output, header)) {
      std::fprintf(stderr, "machio-mig: cannot write %s\n", output.c_str());
      return 1;
    }
    if (!depfile.empty()) {
      std::string rule = make_escaped(output) + ":";
      std::vector<std::string> listed;
      for (const auto& file : text.files) {
        if (std::find(listed.begin(), listed.end(), file.string()) != listed.end()) continue;
        listed.push_back(file.string());
        rule += " \\\n  " + make_escaped(file.string());
      }
      if (!write_if_changed(depfile, rule + "\n")) {
        std::fprintf(stderr, "machio-mig: cannot write %s\n", depfile.c_str());
        return 1;
      }
    }
  } catch (const machio_mig::defs_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
