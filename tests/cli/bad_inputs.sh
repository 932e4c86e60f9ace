#!/usr/bin/env bash
# The bad-input catalogue: every tests/bad/NAME.case holds one line of convroof arguments
# that must fail cleanly; NAME.expected holds the exact first line of stderr. For each case:
# exit code 2, that first line, nothing on stdout, and (for analyze) no file left at -o.
# Usage: bad_inputs.sh BIN CASES_DIR
set -u
bin=$1
cd "$2" || exit 2
passed=0
failed=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for case_file in *.case; do
  name=${case_file%.case}
  eval "args=($(cat "$case_file"))"  # the case line is bash words, quotes included
  output="$scratch/out-$name.json"
  [ "${args[0]}" = "analyze" ] && args+=(-o "$output")
  "$bin" "${args[@]}" >"$scratch/stdout" 2>"$scratch/stderr"
  rc=$?
  expected=$(head -n 1 "$name.expected")
  actual=$(head -n 1 "$scratch/stderr")
  problems=()
  [ $rc -eq 2 ] || problems+=("exit code $rc, expected 2")
  [ "$actual" = "$expected" ] || problems+=("stderr: '$actual'" "expected: '$expected'")
  [ -s "$scratch/stdout" ] && problems+=("stdout is not empty")
  ls "$scratch" | grep -q "^out-$name\.json" && problems+=("left an output file behind")
  if [ ${#problems[@]} -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name:"
    printf '    %s\n' "${problems[@]}"
  fi
done
# An existing report survives a failing run untouched.
echo '{"keep": true}' >"$scratch/keep.json"
"$bin" analyze ok.workload.yaml --hw bad-schema.hw.yaml -o "$scratch/keep.json" >/dev/null 2>&1
if [ "$(cat "$scratch/keep.json")" = '{"keep": true}' ] && ! ls "$scratch" | grep -q '\.tmp\.'; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL an existing -o file was modified by a failing run"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
