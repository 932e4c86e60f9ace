#!/usr/bin/env bash
# The bad-input catalogue. Usage: bad_inputs.sh BIN CASES_DIR
#
# Every CASES_DIR/NAME.case holds exactly one line: the convroof arguments, as bash words
# (quotes allowed), e.g.  analyze ok.workload.yaml --hw unknown-top-key.hw.yaml
# NAME.expected holds the exact expected FIRST line of stderr (with the built-in id lists
# as placeholders, below). Cases run from CASES_DIR, so
# file names in messages are relative and stable. For each case the script runs
#   BIN <args> [-o out-NAME.json]          (-o only for `analyze` cases)
# and checks: exit code 2; first stderr line == NAME.expected; stdout empty; no
# out-NAME.json and no out-NAME.json.tmp.* left behind. It also checks that a failing run
# leaves an existing -o file untouched (run twice). Prints one line per failed check, then
# "N passed, M failed" (and how many CONVROOF_SKIP_CASES skipped); exits non-zero if any case failed.
# Needs only bash and coreutils.
set -u
shopt -s nullglob

if [ $# -ne 2 ]; then
  echo "usage: bad_inputs.sh BIN CASES_DIR" >&2
  exit 2
fi
bin=$1
case $bin in
  /*) ;;
  */*) bin=$PWD/$bin ;;  # relative path: keep it valid after the cd below
esac
cd "$2" || exit 2

scratch=$(mktemp -d) || exit 2
trap 'rm -rf "$scratch"' EXIT

# "{BUILTIN_HARDWARE}", "{BUILTIN_WORKLOADS}" and "{BUILTIN_RUNTIMES}" in a .expected line stand for every built-in
# id, as `hw list` / `workloads list` print them, joined by ", ": a new built-in is one YAML
# file, not an edit of every message that lists them. "{ANALYZE_FORMATS}" likewise stands for
# analyze's formats as its --help lists them (its format table; cli.docs checks that the help
# and the "valid:" message agree).
ids() { "$bin" "$1" list | awk 'NR > 1 { printf "%s%s", (NR > 2 ? ", " : ""), $1 }'; }
builtin_hardware=$(ids hw)
builtin_workloads=$(ids workloads)
builtin_runtimes=$(ids runtimes)
analyze_formats=$("$bin" analyze --help | sed -n 's/^ *--format \([a-z|]*\).*/\1/p' | sed 's/|/, /g')
[ -n "$analyze_formats" ] || { echo "bad_inputs.sh: cannot read analyze's formats from its --help" >&2; exit 2; }

passed=0
failed=0
fail_lines=()  # the failed checks of the current case

flag() { fail_lines+=("$1"); }

finish() {  # NAME: count the case and print its failed checks
  if [ ${#fail_lines[@]} -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    local line
    for line in "${fail_lines[@]}"; do echo "FAIL $1: $line"; done
  fi
  fail_lines=()
}

leftovers() {  # FILE: prints FILE and FILE.tmp.* that exist
  local f
  for f in "$1" "$1".tmp.*; do
    [ -e "$f" ] && printf '%s ' "$f"
  done
}

# read_case NAME: sets args=() from NAME.case; returns non-zero (with a flag) on a bad file
read_case() {
  local file=$1.case line count=0
  while IFS= read -r line || [ -n "$line" ]; do count=$((count + 1)); done <"$file"
  if [ $count -ne 1 ]; then
    flag "$file must have exactly one line, has $count"
    return 1
  fi
  IFS= read -r line <"$file" || [ -n "$line" ] || true
  args=()
  if ! eval "args=($line)" 2>/dev/null || [ ${#args[@]} -eq 0 ]; then
    flag "$file is not a valid list of bash words: $line"
    return 1
  fi
}

cases=(*.case)
if [ ${#cases[@]} -eq 0 ]; then
  echo "no *.case files in $2" >&2
  exit 2
fi

skipped=0
for case_file in "${cases[@]}"; do
  name=${case_file%.case}
  # CONVROOF_SKIP_CASES=PREFIX skips the cases of a feature this build lacks (tests/CMakeLists.txt).
  if [ -n "${CONVROOF_SKIP_CASES:-}" ] && [[ $name == "$CONVROOF_SKIP_CASES"* ]]; then
    skipped=$((skipped + 1))
    continue
  fi
  if [ ! -f "$name.expected" ]; then
    flag "missing $name.expected"
    finish "$name"
    continue
  fi
  read_case "$name" || { finish "$name"; continue; }
  output=out-$name.json
  rm -f -- "$output" "$output".tmp.*
  [ "${args[0]}" = "analyze" ] && args+=(-o "$output")

  "$bin" "${args[@]}" >"$scratch/stdout" 2>"$scratch/stderr"
  rc=$?
  IFS= read -r expected <"$name.expected" || true
  expected=${expected//"{BUILTIN_HARDWARE}"/$builtin_hardware}
  expected=${expected//"{BUILTIN_WORKLOADS}"/$builtin_workloads}
  expected=${expected//"{BUILTIN_RUNTIMES}"/$builtin_runtimes}
  expected=${expected//"{ANALYZE_FORMATS}"/$analyze_formats}
  actual=
  IFS= read -r actual <"$scratch/stderr" || true

  [ $rc -eq 2 ] || flag "exit code $rc, expected 2"
  [ "$actual" = "$expected" ] || flag "stderr got '$actual', expected '$expected'"
  if [ -s "$scratch/stdout" ]; then
    first_out=
    IFS= read -r first_out <"$scratch/stdout" || true
    flag "stdout is not empty: $first_out"
  fi
  left=$(leftovers "$output")
  if [ -n "$left" ]; then
    flag "left output behind: $left"
    rm -f -- "$output" "$output".tmp.*
  fi
  finish "$name"
done

# Every .expected belongs to a .case (a stray one is a case that never runs).
for expected_file in *.expected; do
  name=${expected_file%.expected}
  if [ ! -f "$name.case" ]; then
    flag "$expected_file has no $name.case"
    finish "$name"
  fi
done

# A failing run leaves an existing report untouched, twice in a row (no partial
# overwrite, no temporary file left behind).
keep_case=bad-schema
keep=out-keep.json
known='{"keep": "this report must survive failing runs"}'
if read_case "$keep_case"; then
  rm -f -- "$keep" "$keep".tmp.*
  printf '%s\n' "$known" >"$keep"
  for run in 1 2; do
    "$bin" "${args[@]}" -o "$keep" >"$scratch/stdout" 2>"$scratch/stderr"
    rc=$?
    [ $rc -eq 2 ] || flag "run $run: exit code $rc, expected 2"
    if [ "$(cat "$keep" 2>/dev/null)" != "$known" ]; then
      flag "run $run changed the existing $keep"
      printf '%s\n' "$known" >"$keep"
    fi
    tmp_left=
    for f in "$keep".tmp.*; do tmp_left+="$f "; done
    [ -z "$tmp_left" ] || flag "run $run left temporary files: $tmp_left"
    rm -f -- "$keep".tmp.*
  done
  rm -f -- "$keep"
fi
finish "keep-existing-output ($keep_case)"

echo "$passed passed, $failed failed${CONVROOF_SKIP_CASES:+, $skipped skipped (${CONVROOF_SKIP_CASES}*: not built)}"
[ $failed -eq 0 ]
