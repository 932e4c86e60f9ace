#!/usr/bin/env python3
"""The man page and the bash completion against the binary's own behaviour.

    python3 docs.py CONVROOF MAN_PAGE BASH_COMPLETION ZSH_COMPLETION

What is expected is read from the binary as a user would see it, not from the generator:
the subcommands and options from `convroof [COMMAND…] --help`, the words a closed-vocabulary
option accepts from its "valid: …" error, the built-in ids from `convroof hw list` and
`convroof workloads list`. Then:
  - the man page has a section per command naming each of its options, and groff renders it
    without a warning;
  - the completion, run in bash as bash runs it, offers exactly each command's subcommands and
    options, those words after --format/--traffic/--fuse/--precision (also as --format=), the
    built-in ids (and files) after --hw and for MODEL, and file names after -o;
  - the zsh completion, its functions run in zsh with zsh's completion builtins replaced by
    stubs that print what they are given, offers the same.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

convroof, man_page, completion, zsh_completion = (os.path.abspath(arg) for arg in sys.argv[1:5])
failures = []


def check(what, ok, detail=""):
    if not ok:
        failures.append(f"{what}{': ' + detail if detail else ''}")


def run(*args):
    return subprocess.run([convroof, *args], capture_output=True, text=True)


def help_sections(path):
    """{section title: [first token of each entry line]} of `convroof PATH --help`."""
    result = run(*path, "--help")
    assert result.returncode == 0, (path, result.stderr)
    sections, title = {}, None
    for line in result.stdout.splitlines():
        if re.match(r"^\S.*:$", line):
            title = line[:-1]
            sections[title] = []
        elif title and re.match(r"^  \S", line):
            sections[title].append(line.split()[0])
        elif not line.strip():
            title = None
    return sections


# The command tree as --help shows it: path -> (subcommands, option names, positional names).
tree = {}


def walk(path):
    sections = help_sections(path)
    subcommands = sections.get("Subcommands", [])
    options = [name for entry in sections.get("Options", []) for name in entry.split(",")]
    tree[path] = (subcommands, options, sections.get("Positionals", []))
    for sub in subcommands:
        walk(path + (sub,))


walk(())
check("--help lists the subcommands", len(tree[()][0]) >= 12, str(tree[()][0]))
check("analyze --help lists --hw and -o", {"--hw", "-o", "--output"} <= set(tree[("analyze",)][1]))


def valid_words(*args):
    """The words of the "valid: a, b, c" error a bad value gets."""
    result = run(*args)
    match = re.search(r"valid: (.*)$", result.stderr.strip())
    assert result.returncode == 2 and match, (args, result.stderr)
    return match.group(1).split(", ")


ids = {
    "hw": [line.split()[0] for line in run("hw", "list").stdout.splitlines()[1:]],
    "workloads": [line.split()[0] for line in run("workloads", "list").stdout.splitlines()[1:]],
}
check("built-in hardware ids", {"orin", "v100", "h100", "ethos-u55-128"} <= set(ids["hw"]), str(ids["hw"]))
check("built-in workload ids", {"mobilenet_v1", "resnet50"} <= set(ids["workloads"]), str(ids["workloads"]))

# ---- the man page ----
with open(man_page, encoding="utf-8") as f:
    man = f.read()


def roff(text):
    return text.replace("\\", "\\e").replace("-", "\\-")


sections = re.split(r"^\.SS ", man, flags=re.M)
for path, (subcommands, options, positionals) in tree.items():
    if not path:
        for name in options:
            check(f"man page OPTIONS has {name}", f"\\fB{roff(name)}\\fR" in sections[0])
        continue
    title = f'"convroof {roff(" ".join(path))}'
    body = next((s for s in sections[1:] if s.startswith(title + " ") or s.startswith(title + '"')), None)
    check(f"man page has a section for '{' '.join(path)}'", body is not None)
    if body is None:
        continue
    for sub in subcommands:
        check(f"man page '{' '.join(path)}' names its command {sub}", roff(sub) in body)
    for name in options:
        if name not in ("-h", "--help"):
            check(f"man page '{' '.join(path)}' has {name}", f"\\fB{roff(name)}\\fR" in body)
    for name in positionals:
        check(f"man page '{' '.join(path)}' has {name.upper()}", roff(name.upper()) in body)
for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "EXAMPLES", "EXIT STATUS", "FILES"):
    check(f"man page has {section}", f"\n.SH {section}\n" in man)
check("man page EXAMPLES has the README's first example", "convroof analyze mobilenet_v1 \\-\\-hw orin" in man)
if shutil.which("groff"):
    rendered = subprocess.run(["groff", "-man", "-Tutf8", "-ww", man_page], capture_output=True, text=True)
    check("groff renders the man page without a warning", rendered.returncode == 0 and not rendered.stderr,
          rendered.stderr[:500])
    check("the rendered page has analyze's --traffic", "--traffic" in rendered.stdout)
else:
    print("docs.py: groff not installed (Debian: groff-base): the man page is not rendered")

# ---- the completion, as bash runs it ----


def complete(words, cwd=None):
    """COMPREPLY for the command line `words`, the last word being completed."""
    script = (f"source {completion!r} || exit 3\nCOMP_WORDS=({' '.join(repr(w) for w in words)})\n"
              f"COMP_CWORD={len(words) - 1}\n_convroof\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True, text=True,
                            cwd=cwd)
    assert result.returncode == 0, (words, result.stderr)
    return [line for line in result.stdout.splitlines() if line]


for path, (subcommands, options, _) in tree.items():
    line = ["convroof", *path]
    if subcommands:
        got = complete(line + [""])
        check(f"completion of 'convroof {' '.join(path)} ' is its subcommands", sorted(got) == sorted(subcommands),
              f"{sorted(got)} != {sorted(subcommands)}")
    got = complete(line + ["-"])
    check(f"completion of 'convroof {' '.join(path)} -' is its options", sorted(got) == sorted(options),
          f"{sorted(set(got) ^ set(options))} differ")

base = ["mobilenet_v1", "--hw", "orin"]
for option, bad in (("--format", "nonsense"), ("--traffic", "nonsense"), ("--fuse", "nonsense"),
                    ("--precision", "fp3"), ("--time-model", "nonsense")):
    valid = valid_words("analyze", *base, option, bad)
    got = complete(["convroof", "analyze", *base, option, ""])
    check(f"completion after analyze {option}", sorted(got) == sorted(valid), f"{got} != {valid}")
for command, extra in (("compare", base), ("explain", ["--layer", "conv2d kernel=3 input=8x8x8", "--hw", "orin"]),
                       ("sweep", ["--layer", "conv2d kernel=3 input=8x8x8", "--vary", "channels=8:16:x2", "--hw",
                                  "orin"])):
    valid = valid_words(command, *extra, "--format", "nonsense")
    got = complete(["convroof", command, "--format", ""])
    check(f"completion after {command} --format", sorted(got) == sorted(valid), f"{got} != {valid}")
valid = valid_words("analyze", *base, "--format", "nonsense")
got = complete(["convroof", "analyze", "--format", "=", ""])
check("completion after analyze --format= (bash splits at '=')", sorted(got) == sorted(valid), str(got))
got = complete(["convroof", "analyze", "--format", "=", "j"])
check("completion after analyze --format=j", got == ["json"], str(got))
got = complete(["convroof", "analyze", "--format", "="])
check("completion of analyze --format=", sorted(got) == sorted(valid), str(got))
# After a value-taking option and its value, the next word is a subcommand/positional again.
got = complete(["convroof", "analyze", "--format", "json", "--"])
check("options after --format json", "--hw" in got and "--format" in got, str(got))

with tempfile.TemporaryDirectory() as cwd:
    open(os.path.join(cwd, "board.yaml"), "w").close()
    open(os.path.join(cwd, "model.onnx"), "w").close()
    got = complete(["convroof", "analyze", "--hw", ""], cwd)
    check("completion after --hw: every built-in id, then files", sorted(got) == sorted(ids["hw"] + ["board.yaml",
          "model.onnx"]), str(got))
    got = complete(["convroof", "analyze", "--hw", "o"], cwd)
    check("completion after --hw o", set(got) == {i for i in ids["hw"] if i.startswith("o")}, str(got))
    got = complete(["convroof", "analyze", ""], cwd)
    check("completion of MODEL: every built-in workload, then files",
          sorted(got) == sorted(ids["workloads"] + ["board.yaml", "model.onnx"]), str(got))
    got = complete(["convroof", "analyze", "--hw", "orin", "--format", "json", "mobile"], cwd)
    check("completion of MODEL after options", set(got) == {i for i in ids["workloads"] if i.startswith("mobile")},
          str(got))
    got = complete(["convroof", "compare", "mobilenet_v1", "--hw", "orin,v"], cwd)
    check("completion of a --hw list", set(got) == {"orin," + i for i in ids["hw"] if i.startswith("v")}, str(got))
    got = complete(["convroof", "analyze", "-o", "m"], cwd)
    check("completion after -o: files", got == ["model.onnx"], str(got))
    got = complete(["convroof", "diff", "b"], cwd)
    check("completion of diff's OLD: files", got == ["board.yaml"], str(got))
    got = complete(["convroof", "hw", "show", ""], cwd)
    check("completion of hw show ID", sorted(got) == sorted(ids["hw"] + ["board.yaml", "model.onnx"]), str(got))
    got = complete(["convroof", "analyze", "--batch", ""], cwd)
    check("completion after --batch (a number): nothing", got == [], str(got))

# ---- zsh ----
# zsh's completion builtins only work inside a completion widget: stubs stand in for them and
# print the candidates they are given ("<files>" where zsh would complete file names).
ZSH_STUBS = r"""
_files() { print -r -- '<files>' }
_message() { print -r -- "<message $1>" }
compset() { : }
compadd() { [[ $1 == -a ]] && print -rl -- ${(P)2} }
_describe() { print -rl -- ${${(P)${@[-1]}}%%:*} }
_alternative() {
  local spec list
  for spec in "$@"; do
    if [[ $spec == *:\(*\) ]]; then list=${${spec##*:\(}%\)}; print -rl -- ${=list}; else print -r -- '<files>'; fi
  done
}
"""


def zsh_complete(words):
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    script = (f"{ZSH_STUBS}\nsource {zsh_completion!r} >/dev/null || exit 3\n"
              f"words=({quoted})\nCURRENT={len(words)}\n_convroof\n")
    result = subprocess.run(["zsh", "-f", "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, (words, result.stdout, result.stderr)
    return sorted(line for line in result.stdout.splitlines() if line)


if shutil.which("zsh"):
    with open(zsh_completion, encoding="utf-8") as f:
        check("the zsh completion starts with #compdef convroof", f.readline() == "#compdef convroof\n")
    for path, (subcommands, options, _) in tree.items():
        line = ["convroof", *path]
        if subcommands:
            got = zsh_complete(line + [""])
            check(f"zsh: 'convroof {' '.join(path)} ' offers its subcommands", got == sorted(subcommands),
                  f"{got} != {sorted(subcommands)}")
        got = zsh_complete(line + ["-"])
        check(f"zsh: 'convroof {' '.join(path)} -' offers its options", got == sorted(options),
              f"{sorted(set(got) ^ set(options))} differ")
    valid = valid_words("analyze", *base, "--format", "nonsense")
    for words in (["analyze", "--format", ""], ["analyze", "--format="], ["analyze", "--hw", "orin", "--format", ""]):
        got = zsh_complete(["convroof", *words])
        check(f"zsh: after {' '.join(words)}", got == sorted(valid), str(got))
    got = zsh_complete(["convroof", "analyze", "--format", "json", ""])
    check("zsh: MODEL after --format json", got == sorted(ids["workloads"] + ["<files>"]), str(got))
    got = zsh_complete(["convroof", "analyze", "--hw", ""])
    check("zsh: after --hw", got == sorted(ids["hw"] + ["<files>"]), str(got))
    got = zsh_complete(["convroof", "compare", "--hw", "orin,"])
    check("zsh: in a --hw list", got == sorted(ids["hw"] + ["<files>"]), str(got))
    got = zsh_complete(["convroof", "hw", "show", ""])
    check("zsh: hw show ID", got == sorted(ids["hw"] + ["<files>"]), str(got))
    got = zsh_complete(["convroof", "analyze", "-o", ""])
    check("zsh: after -o", got == ["<files>"], str(got))
    got = zsh_complete(["convroof", "analyze", "--batch", ""])
    check("zsh: after --batch, a message", got == ["<message INT>"], str(got))
else:
    print("docs.py: zsh not installed: the zsh completion is not run")

for failure in failures:
    print("FAIL", failure)
print(f"docs.py: {len(failures)} failed")
sys.exit(1 if failures else 0)
