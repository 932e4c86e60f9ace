// One table per command of the output formats it writes. A row is a format: its name, the
// other names it answers to, a summary, and the renderer. The table is the only place a
// command's formats are spelled: it drives --format's check and "valid: …" message, its help
// and metavar (and so the man page and the shell completions), and the dispatch.
//
// One vocabulary for every command: table, md, json, csv, svg, html; "text" and "markdown"
// are accepted wherever table and md are (explain's own names before the vocabulary was one).
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "convroof/error.hpp"
#include "convroof/kinds.hpp"
#include "options.hpp"

namespace convroof::cli {

// What every format name means, whichever command writes it.
struct FormatName {
  std::string_view name;
  std::string_view alias;  // "" for none
};
inline constexpr FormatName kTable{"table", "text"};
inline constexpr FormatName kMarkdown{"md", "markdown"};
inline constexpr FormatName kJson{"json", ""};
inline constexpr FormatName kCsv{"csv", ""};
inline constexpr FormatName kSvg{"svg", ""};
inline constexpr FormatName kHtml{"html", ""};

// A format of a command whose result is an `Input`.
template <typename Input>
struct Format {
  FormatName name;
  std::string_view summary;  // for --help: what this format of this command holds
  void (*render)(const Input& input, std::ostream& out);
};

template <typename Input>
using FormatTable = std::vector<Format<Input>>;

template <typename Input>
std::vector<std::string> format_names(const FormatTable<Input>& formats) {
  std::vector<std::string> names;
  for (const auto& format : formats) names.emplace_back(format.name.name);
  return names;
}

// Registers --format on `command`; left empty, find_format chooses (-o's extension, else the
// table's first row).
template <typename Input>
CLI::Option* add_format_option(CLI::App* command, std::string& value, const FormatTable<Input>& formats) {
  value.clear();
  std::vector<std::pair<std::string, std::string>> choices;
  for (const auto& format : formats) choices.emplace_back(format.name.name, format.summary);
  return add_described_option(command, "--format", value, choices);
}

inline constexpr FormatName kFormatVocabulary[] = {kTable, kMarkdown, kJson, kCsv, kSvg, kHtml};

// The format an output file's extension names (report.json: json; .txt: table, .htm: html), or
// "" when it names none (report.out, -, no -o).
std::string format_of_extension(const std::string& path);

// The format to write: the row --format names (or an alias); without --format, the row -o's
// extension names, else the table's first row. Errors (on --format or -o): an unknown name, an
// extension naming a format this command does not write, and --format against an extension
// that names another format.
template <typename Input>
const Format<Input>& find_format(const FormatTable<Input>& formats, const std::string& name,
                                 const std::string& output = "") {
  auto row = [&](const std::string& wanted) -> const Format<Input>* {
    for (const auto& format : formats)
      if (format.name.name == wanted || (!format.name.alias.empty() && format.name.alias == wanted)) return &format;
    return nullptr;
  };
  const std::string implied = format_of_extension(output);
  if (name.empty()) {
    if (implied.empty()) return formats.front();
    if (const auto* format = row(implied)) return *format;
    throw Error(Location{"-o", 0, 0}, fmt::format("'{}' names the {} format, which this command does not write "
                                                  "(it writes {}): give the file another extension",
                                                  output, implied, join(format_names(formats), ", ")));
  }
  const auto* format = row(name);
  if (!format) unknown_value("--format", name, format_names(formats));
  if (!implied.empty() && row(implied) != format)
    throw Error(Location{"--format", 0, 0},
                fmt::format("--format {} but -o '{}' names {}: drop --format, or give them the same format", name,
                            output, implied));
  return *format;
}

// A stream that appends to a string. An ostringstream grows its buffer one doubling at a time
// and str() copies it: a 130 KB JSON report was written into fresh memory four times over (each
// new page a fault: about 100 of the 340 of `analyze mobilenet_v1 --format json`).
class StringStream : public std::ostream {
 public:
  StringStream() : std::ostream(&buffer_) {}
  std::string take() { return std::move(buffer_.text); }

 private:
  struct Buffer : std::streambuf {
    std::string text;
    std::streamsize xsputn(const char* s, std::streamsize n) override {
      text.append(s, static_cast<std::size_t>(n));
      return n;
    }
    int_type overflow(int_type c) override {
      if (!traits_type::eq_int_type(c, traits_type::eof())) text.push_back(traits_type::to_char_type(c));
      return traits_type::not_eof(c);
    }
  } buffer_;
};

// The input rendered in `format`, as text.
template <typename Input>
std::string render(const Format<Input>& format, const Input& input) {
  StringStream out;
  format.render(input, out);
  return out.take();
}

}  // namespace convroof::cli
