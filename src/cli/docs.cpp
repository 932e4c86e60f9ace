// The man page and the bash completion, from the app (docs.hpp).
#include "docs.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "app.hpp"
#include "options.hpp"

namespace convroof::cli {

namespace {

// One command of the tree: "" for convroof itself, "analyze", "hw show", …
struct Command {
  std::string path;
  const CLI::App* app;
};

void collect(const CLI::App* app, const std::string& path, std::vector<Command>& out) {
  out.push_back({path, app});
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App* s) { return !s->get_name().empty(); }))
    collect(sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
}

std::vector<Command> commands(const CLI::App& app) {
  std::vector<Command> out;
  collect(&app, "", out);
  return out;
}

std::vector<const CLI::Option*> flags_of(const CLI::App* app) {
  return app->get_options([](const CLI::Option* o) { return o->nonpositional(); });
}

std::vector<const CLI::Option*> positionals_of(const CLI::App* app) {
  return app->get_options([](const CLI::Option* o) { return !o->nonpositional() && o->get_positional(); });
}

std::vector<std::string> names_of(const CLI::Option* option) {
  std::vector<std::string> names;
  for (const auto& name : option->get_snames()) names.push_back("-" + name);
  for (const auto& name : option->get_lnames()) names.push_back("--" + name);
  return names;
}

std::vector<std::string> subcommand_names(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App* s) { return !s->get_name().empty(); }))
    names.push_back(sub->get_name());
  return names;
}

bool takes_value(const CLI::Option* option) {
  return option->get_type_size_max() > 0;
}

bool repeatable(const CLI::Option* option) {
  return option->get_expected_max() > 1;
}

// The metavar (options.hpp) without the validators' notes CLI11 appends after ':'
// ("INT:INT in [1 - 1048576]" -> "INT").
std::string metavar(const CLI::Option* option) {
  std::string name = option->get_type_name();
  return name.substr(0, name.find(':'));
}

// ---- roff ----

// Text for a roff line: backslashes and hyphens escaped (\- is the hyphen-minus one can copy
// into a shell; a bare '-' may print as a typographic hyphen), and a leading '.' or '\''
// kept from being read as a request.
std::string roff(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
  return out;
}

std::string positional_label(const CLI::Option* option) {
  std::string name = option->get_name(true);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
  if (repeatable(option)) name += "...";
  return option->get_required() ? name : "[" + name + "]";
}

std::string synopsis(const Command& command) {
  std::string line = "convroof";
  if (!command.path.empty()) line += " " + command.path;
  if (!subcommand_names(command.app).empty()) return line + " COMMAND";
  line += " [OPTIONS]";
  for (const CLI::Option* option : positionals_of(command.app)) line += " " + positional_label(option);
  return line;
}

void man_option(std::string& out, const CLI::Option* option) {
  std::vector<std::string> names = names_of(option);
  std::string head;
  if (names.empty())
    head = fmt::format("\\fI{}\\fR", roff(positional_label(option)));
  else
    for (const auto& name : names) head += fmt::format("{}\\fB{}\\fR", head.empty() ? "" : ", ", roff(name));
  if (!names.empty() && takes_value(option)) head += fmt::format(" \\fI{}\\fR", roff(option->get_type_name()));
  std::vector<std::string> notes;
  if (option->get_required() && !names.empty()) notes.push_back("required");
  if (repeatable(option) && !names.empty()) notes.push_back("repeatable");
  if (!notes.empty()) head += fmt::format(" ({})", join(notes, ", "));
  out += fmt::format(".TP\n{}\n{}\n", head, roff(option->get_description()));
}

// ---- completion ----

struct CompletionEntry {
  std::string name;
  std::string description;
};

// What a shell needs of one command: its subcommands, its option names (each name of an
// option apart: -o and --output), the metavar of each option that takes a value, and the
// metavar of its first positional.
struct CompletionCommand {
  std::string path;
  std::vector<CompletionEntry> subcommands;
  std::vector<CompletionEntry> options;
  std::vector<std::pair<std::string, std::string>> values;  // option name, metavar
  std::string positional;
};

std::vector<CompletionCommand> completion_commands(const CLI::App& app) {
  std::vector<CompletionCommand> out;
  for (const Command& command : commands(app)) {
    CompletionCommand& entry = out.emplace_back();
    entry.path = command.path;
    for (const CLI::App* sub : command.app->get_subcommands([](const CLI::App* s) { return !s->get_name().empty(); }))
      entry.subcommands.push_back({sub->get_name(), sub->get_description()});
    for (const CLI::Option* option : flags_of(command.app))
      for (const auto& name : names_of(option)) {
        entry.options.push_back({name, option->get_description()});
        if (takes_value(option)) entry.values.emplace_back(name, metavar(option));
      }
    std::vector<const CLI::Option*> positionals = positionals_of(command.app);
    if (!positionals.empty()) entry.positional = metavar(positionals.front());
  }
  return out;
}

// _convroof_value_of PATH OPTION, the same in bash and zsh: prints the option's metavar, or
// fails for a flag or an unknown option.
std::string value_of_function(const std::vector<CompletionCommand>& all) {
  std::string out =
      "# Prints the metavar of an option that takes a value; fails for a flag or an unknown option.\n"
      "_convroof_value_of() {\n"
      "    case \"$1/$2\" in\n";
  for (const CompletionCommand& command : all)
    for (const auto& [name, value] : command.values)
      out += fmt::format("        \"{}/{}\") echo '{}' ;;\n", command.path, name, value);
  return out + "        *) return 1 ;;\n    esac\n}\n\n";
}

// A zsh single-quoted word ('' inside is written '\'').
std::string zsh_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string render_man_page(const CLI::App& app, std::string_view version) {
  std::vector<Command> all = commands(app);
  std::string description = app.get_description();
  std::string summary = description.substr(0, description.find('\n'));
  if (summary.rfind("convroof: ", 0) == 0) summary.erase(0, std::string_view("convroof: ").size());
  std::string out = fmt::format(
      ".\\\" Generated by convroof-docgen from convroof's own command line (src/cli/docs.cpp); do not edit.\n"
      ".TH CONVROOF 1 \"\" \"convroof {}\" \"User Commands\"\n"
      ".SH NAME\nconvroof \\- {}\n"
      ".SH SYNOPSIS\n",
      roff(version), roff(summary));
  for (const Command& command : all)
    if (subcommand_names(command.app).empty()) out += fmt::format(".B {}\n.br\n", roff(synopsis(command)));
  out += ".B convroof \\-\\-help\n.br\n.B convroof \\fICOMMAND\\fP \\-\\-help\n.br\n.B convroof \\-\\-version\n";
  out += fmt::format(
      ".SH DESCRIPTION\n{}\n.PP\n"
      "Every command's own \\fB\\-\\-help\\fR prints its options, as listed here. "
      "MODEL is a built-in workload id (\\fBconvroof workloads list\\fR) or a path to a convroof.workload/1 YAML "
      "file or an ONNX model; HW is a built-in hardware id (\\fBconvroof hw list\\fR) or a path to a "
      "convroof.hardware/1 YAML file; RUNTIME is a built-in runtime id (\\fBconvroof runtimes list\\fR) or a path "
      "to a convroof.runtime/1 YAML file.\n",
      roff(description));
  out += ".SH OPTIONS\n";
  for (const CLI::Option* option : flags_of(&app)) man_option(out, option);
  out += ".SH COMMANDS\n";
  for (const Command& command : all) {
    if (command.path.empty()) continue;
    out += fmt::format(".SS \"{}\"\n{}\n", roff(synopsis(command)), roff(command.app->get_description()));
    std::vector<std::string> subs = subcommand_names(command.app);
    if (!subs.empty()) {
      out += fmt::format(".PP\nCommands: {}.\n", roff(join(subs, ", ")));
      continue;
    }
    for (const CLI::Option* option : positionals_of(command.app)) man_option(out, option);
    for (const CLI::Option* option : flags_of(command.app))
      if (option != command.app->get_help_ptr()) man_option(out, option);
  }
  out += ".SH EXAMPLES\n.nf\n";
  for (std::string_view example : kExamples) out += roff(example) + "\n";
  out += ".fi\n";
  out += fmt::format(".SH EXIT STATUS\n{}\n", roff(kExitStatus));
  out += fmt::format(
      ".SH FILES\n"
      "Where the Debian package puts them; \\fBcmake \\-\\-install\\fR puts them under its prefix.\n"
      ".TP\n.I /usr/share/convroof/hardware/*.yaml\n"
      "The built-in hardware specs (also compiled into the binary), each number with its source: copies to edit.\n"
      ".TP\n.I /usr/share/convroof/runtimes/*.yaml\n"
      "The built-in deployment runtimes (also compiled into the binary), each number with its source.\n"
      ".TP\n.I /usr/share/convroof/workloads/*.yaml\nThe built-in workloads (also compiled into the binary).\n"
      ".TP\n.I /usr/share/doc/convroof/\nREADME.md and docs/: the file formats, the report fields, validation "
      "and performance.\n"
      ".SH SEE ALSO\n"
      "The README and docs/ of the convroof source, installed in /usr/share/doc/convroof.\n");
  return out;
}

std::string render_bash_completion(const CLI::App& app, const std::vector<std::string>& hardware_ids,
                                   const std::vector<std::string>& workload_ids,
                                   const std::vector<std::string>& runtime_ids) {
  std::vector<CompletionCommand> all = completion_commands(app);
  std::string out =
      "# bash completion for convroof                                -*- shell-script -*-\n"
      "# Generated by convroof-docgen from convroof's own command line (src/cli/docs.cpp); do not edit.\n"
      "\n"
      "# The command path's subcommands, option names, and what its positionals are.\n"
      "_convroof_command() {\n"
      "    case $1 in\n";
  for (const CompletionCommand& command : all) {
    std::vector<std::string> subcommands, options;
    for (const auto& entry : command.subcommands) subcommands.push_back(entry.name);
    for (const auto& entry : command.options) options.push_back(entry.name);
    out += fmt::format("        \"{}\") subcommands=\"{}\" options=\"{}\" positional=\"{}\" ;;\n", command.path,
                       join(subcommands, " "), join(options, " "), command.positional);
  }
  out += "    esac\n}\n\n" + value_of_function(all);
  out += fmt::format(
      "# Fills COMPREPLY with the values of a metavar for the word $2.\n"
      "_convroof_values() {{\n"
      "    local hardware=\"{}\"\n"
      "    local workloads=\"{}\"\n"
      "    local runtimes=\"{}\"\n"
      "    case $1 in\n"
      "        '{}') compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$2\")) ;;\n"
      "        '{}') compopt -o filenames 2>/dev/null\n"
      "              COMPREPLY=($(compgen -W \"$hardware\" -- \"$2\") $(compgen -f -- \"$2\")) ;;\n"
      "        '{}') local head=\"\" last=$2\n"
      "              [[ $2 == *,* ]] && head=${{2%,*}}, last=${{2##*,}}\n"
      "              compopt -o nospace 2>/dev/null\n"
      "              COMPREPLY=($(compgen -P \"$head\" -W \"$hardware\" -- \"$last\")"
      " $(compgen -P \"$head\" -f -- \"$last\")) ;;\n"
      "        '{}') compopt -o filenames 2>/dev/null\n"
      "              COMPREPLY=($(compgen -W \"$workloads\" -- \"$2\") $(compgen -f -- \"$2\")) ;;\n"
      "        '{}') compopt -o filenames 2>/dev/null\n"
      "              COMPREPLY=($(compgen -W \"$runtimes\" -- \"$2\") $(compgen -f -- \"$2\")) ;;\n"
      "        *'|'*) COMPREPLY=($(compgen -W \"${{1//|/ }}\" -- \"$2\")) ;;\n"
      "        *) COMPREPLY=() ;;\n"
      "    esac\n"
      "}}\n\n",
      join(hardware_ids, " "), join(workload_ids, " "), join(runtime_ids, " "), kFileValue, kHardwareValue,
      kHardwareListValue, kModelValue, kRuntimeValue);
  out +=
      "_convroof() {\n"
      "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
      "    local command=\"\" subcommands options positional i word\n"
      "    # The command path: subcommand words, skipping options and the values they take\n"
      "    # (\"--format json\", or \"--format = json\" as bash splits --format=json).\n"
      "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "        word=${COMP_WORDS[i]}\n"
      "        if [[ $word == -* ]]; then\n"
      "            if _convroof_value_of \"$command\" \"$word\" >/dev/null; then\n"
      "                [[ ${COMP_WORDS[i + 1]} == = ]] && ((i++))\n"
      "                ((i++))\n"
      "            fi\n"
      "            continue\n"
      "        fi\n"
      "        _convroof_command \"$command\"\n"
      "        [[ \" $subcommands \" == *\" $word \"* ]] && command=${command:+$command }$word\n"
      "    done\n"
      "    _convroof_command \"$command\"\n"
      "    local option=\"\"\n"
      "    if [[ $cur == = && $prev == -* ]]; then\n"
      "        option=$prev cur=\"\"\n"
      "    elif [[ $prev == = ]] && ((COMP_CWORD >= 2)); then\n"
      "        option=${COMP_WORDS[COMP_CWORD - 2]}\n"
      "    elif [[ $prev == -* ]]; then\n"
      "        option=$prev\n"
      "    fi\n"
      "    local kind\n"
      "    if [[ -n $option ]] && kind=$(_convroof_value_of \"$command\" \"$option\"); then\n"
      "        _convroof_values \"$kind\" \"$cur\"\n"
      "    elif [[ $cur == -* ]]; then\n"
      "        COMPREPLY=($(compgen -W \"$options\" -- \"$cur\"))\n"
      "    elif [[ -n $subcommands ]]; then\n"
      "        COMPREPLY=($(compgen -W \"$subcommands\" -- \"$cur\"))\n"
      "    else\n"
      "        _convroof_values \"$positional\" \"$cur\"\n"
      "    fi\n"
      "}\n"
      "complete -F _convroof convroof\n";
  return out;
}

std::string render_zsh_completion(const CLI::App& app, const std::vector<std::string>& hardware_ids,
                                  const std::vector<std::string>& workload_ids,
                                  const std::vector<std::string>& runtime_ids) {
  std::vector<CompletionCommand> all = completion_commands(app);
  std::string out =
      "#compdef convroof\n"
      "# zsh completion for convroof.\n"
      "# Generated by convroof-docgen from convroof's own command line (src/cli/docs.cpp); do not edit.\n"
      "\n"
      "# The command path's subcommands and options (name:description), and what its positionals are.\n"
      "_convroof_command() {\n"
      "    case $1 in\n";
  auto described = [](const std::vector<CompletionEntry>& entries) {
    std::vector<std::string> items;
    for (const auto& entry : entries) items.push_back(zsh_quote(entry.name + ":" + entry.description));
    return join(items, " ");
  };
  for (const CompletionCommand& command : all)
    out += fmt::format("        \"{}\") subcommands=({}) options=({}) positional='{}' ;;\n", command.path,
                       described(command.subcommands), described(command.options), command.positional);
  out += "    esac\n}\n\n" + value_of_function(all);
  out += fmt::format(
      "# Completes the values of a metavar.\n"
      "_convroof_values() {{\n"
      "    case $1 in\n"
      "        '{}') _files ;;\n"
      "        '{}') _alternative 'hardware:built-in hardware:({})' 'files:hardware spec:_files' ;;\n"
      "        '{}') compset -P '*,'\n"
      "              _alternative 'hardware:built-in hardware:({})' 'files:hardware spec:_files' ;;\n"
      "        '{}') _alternative 'workloads:built-in workload:({})' 'files:model file:_files' ;;\n"
      "        '{}') _alternative 'runtimes:built-in runtime:({})' 'files:runtime file:_files' ;;\n"
      "        *'|'*) local -a choices; choices=(${{(s:|:)1}}); compadd -a choices ;;\n"
      "        *) _message \"${{1:-value}}\" ;;\n"
      "    esac\n"
      "}}\n\n",
      kFileValue, kHardwareValue, join(hardware_ids, " "), kHardwareListValue, join(hardware_ids, " "), kModelValue,
      join(workload_ids, " "), kRuntimeValue, join(runtime_ids, " "));
  out +=
      "_convroof() {\n"
      "    local command=\"\" positional word option=\"\" kind cur=${words[CURRENT]} i\n"
      "    local -a subcommands options\n"
      "    # The command path: subcommand words, skipping options and the values they take.\n"
      "    for ((i = 2; i < CURRENT; i++)); do\n"
      "        word=${words[i]}\n"
      "        if [[ $word == -* ]]; then\n"
      "            [[ $word != *=* ]] && _convroof_value_of \"$command\" \"$word\" >/dev/null && ((i++))\n"
      "            continue\n"
      "        fi\n"
      "        _convroof_command \"$command\"\n"
      "        (( ${subcommands[(I)${(b)word}:*]} )) && command=${command:+$command }$word\n"
      "    done\n"
      "    _convroof_command \"$command\"\n"
      "    if [[ $cur == -*=* ]]; then\n"
      "        option=${cur%%=*}\n"
      "        compset -P '*='\n"
      "    elif ((CURRENT > 2)) && [[ ${words[CURRENT - 1]} == -* ]]; then\n"
      "        option=${words[CURRENT - 1]}\n"
      "    fi\n"
      "    if [[ -n $option ]] && kind=$(_convroof_value_of \"$command\" \"$option\"); then\n"
      "        _convroof_values \"$kind\"\n"
      "    elif [[ $cur == -* ]]; then\n"
      "        _describe -t options option options\n"
      "    elif (($#subcommands)); then\n"
      "        _describe -t commands command subcommands\n"
      "    else\n"
      "        _convroof_values \"$positional\"\n"
      "    fi\n"
      "}\n"
      "\n"
      "_convroof \"$@\"\n";
  return out;
}

}  // namespace convroof::cli
