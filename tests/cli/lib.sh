# Shared by the CLI test scripts (sourced): a scratch folder, pass/fail counters, and checks
# on the output of the last `expect`. Each script ends with `finish`.
passed=0
failed=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
expect() {  # description, expected exit code, command...; stdout+stderr kept in $scratch/out
  local description=$1 code=$2
  shift 2
  "$@" >"$scratch/out" 2>&1
  local rc=$?
  if [ $rc -eq "$code" ]; then passed=$((passed + 1)); else
    echo "FAIL $description: exit $rc, expected $code"; head -5 "$scratch/out"; failed=$((failed + 1)); fi
}
contains() {  # description, text expected in $scratch/out
  if grep -qF -- "$2" "$scratch/out"; then passed=$((passed + 1)); else
    echo "FAIL $1: output lacks '$2'"; head -5 "$scratch/out"; failed=$((failed + 1)); fi
}
lacks() {  # description, text not expected in $scratch/out
  if grep -qF -- "$2" "$scratch/out"; then
    echo "FAIL $1: output has '$2'"; failed=$((failed + 1)); else passed=$((passed + 1)); fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ $failed -eq 0 ]
}
