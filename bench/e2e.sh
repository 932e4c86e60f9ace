#!/usr/bin/env bash
# End-to-end benchmark of whole convroof processes (issue "Fast at any size", item 2).
#
# Usage: bench/e2e.sh [--keep] [--install] [--no-hyperfine] [--yaml-only] [--runs N] [--sweep-runs N] CONVROOF [OUTDIR]
#
#   CONVROOF       the binary to time, e.g. build-e2e/convroof
#   OUTDIR         where the weighted ResNet-50 and the 10,000-layer workload are generated
#                  (default: a temporary directory)
#   --yaml-only    only the process start, --version and the YAML cases (a, d): no ONNX model
#                  is generated and python3-onnx is not needed
#   --keep         keep the generated model (default: delete it at the end)
#   --install      as root, apt-get install what is missing (hyperfine, time, python3-onnx)
#   --runs N       timed runs per fast case (default 30)
#   --sweep-runs N timed runs of the 10^6-point sweep (default 3)
#   --no-hyperfine time with the shell loop even when hyperfine is installed
#   PYTHON=...     Python with the onnx package (default: the first of python3, /usr/bin/python3
#                  that can import onnx)
#
# Reports go to stdout, which is /dev/null. Not `-o /dev/null`: convroof writes -o FILE
# atomically (temporary file, then rename), which as root replaces the /dev/null device with a
# regular file (then every `> /dev/null` writes to tmpfs and the timings are wrong), and which
# fails for other users. The script checks that /dev/null is still a device before and after.
#
# Cases, each timed as a whole process (fork + exec + run + exit), median wall time, plus the
# peak RSS of one extra run under GNU time (/usr/bin/time -f %M):
#   0. true (the process start this machine costs; no target), and convroof --version (the
#      loader, static initialisers and the command line: what any run costs)
#   a. convroof analyze mobilenet_v1 --hw orin --format json   target: <= 5 ms, and <= 1.5x
#      convroof --version timed in the same run (it parses three built-in YAML files)
#      convroof analyze mobilenet_v1 --hw orin (table)         (no target)
#      convroof analyze tests/fixtures/onnx/resnet50.onnx --hw orin (weights stripped)   target: <= 10 ms
#   b. ResNet-50 ONNX with full float32 weights (~100 MB, made by bench/make_weighted_onnx.py),
#      timed against `cat FILE > /dev/null` in the same run, page cache warm (cat runs first):
#      target: time <= 3x cat's and <= 10 ms, peak RSS < 2x the file size
#   c. a 10^6-point sweep (500,000 channel values x standard and depthwise-separable)
#   d. a 10,000-layer YAML workload (a chain of 2,000 conv/batchnorm/relu/depthwise/pointwise
#      blocks at 28x28x64, 0.6 MB, written by the script), analyze --hw orin --format json:
#      target <= 0.5 s
#
# Timing uses hyperfine when installed (Debian: apt-get install -y hyperfine), otherwise a loop
# of runs timed with bash's $EPOCHREALTIME (or `date +%s%N` where bash lacks it).
# Stdout: a Markdown table for docs/performance.md, machine and tool versions on top.
# Stderr: progress, and what ran plus its error when a command fails.
# Exit status: 0 when every command ran (even if a target is missed: the table says so),
# 1 when a benchmarked command failed, 2 on bad usage or a missing prerequisite.
set -euo pipefail

RUNS=30
SWEEP_RUNS=3
WARMUP=3
KEEP=0
INSTALL=0
YAML_ONLY=0
USE_HYPERFINE=1
CONVROOF=""
OUTDIR=""
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SCRATCH=""         # temporary directory for GNU time's output and hyperfine's CSV
MADE_OUTDIR=0      # 1 when this script created OUTDIR (then it removes it unless --keep)
MODEL=""           # the generated weighted ResNet-50
WORKLOAD=""        # the generated 10,000-layer YAML workload
VERSION_T=""       # median wall time of `convroof --version` (s), the ratios' reference
FAILED=0           # number of benchmarked commands that failed
ROWS=()            # Markdown table rows, filled as the cases run
NOTES=()           # lines printed under the table

# Print a progress or error message on stderr.
say() { printf '%s\n' "$*" >&2; }

# Print usage (the header comment) and exit with the given status.
usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit "${1:-2}"
}

# Parse the command line into the globals above.
parse_args() {
  local positional=()
  while (($#)); do
    case "$1" in
      --keep) KEEP=1 ;;
      --install) INSTALL=1 ;;
      --no-hyperfine) USE_HYPERFINE=0 ;;
      --yaml-only) YAML_ONLY=1 ;;
      --runs) RUNS="${2:?--runs needs a number}"; shift ;;
      --sweep-runs) SWEEP_RUNS="${2:?--sweep-runs needs a number}"; shift ;;
      -h|--help) usage 0 ;;
      -*) say "e2e.sh: unknown option $1"; usage 2 ;;
      *) positional+=("$1") ;;
    esac
    shift
  done
  ((${#positional[@]} >= 1 && ${#positional[@]} <= 2)) || usage 2
  [[ "$RUNS" =~ ^[1-9][0-9]*$ && "$SWEEP_RUNS" =~ ^[1-9][0-9]*$ ]] \
    || { say "e2e.sh: --runs and --sweep-runs take a positive integer"; exit 2; }
  CONVROOF="${positional[0]}"
  OUTDIR="${positional[1]:-}"
  # A bare name would be looked up on PATH by the timing tools; make a relative path explicit.
  [[ "$CONVROOF" == */* ]] || CONVROOF="./$CONVROOF"
}

# Find a Python that can import onnx; print it, or nothing.
find_python() {
  local candidate
  for candidate in ${PYTHON:+"$PYTHON"} python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import onnx' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
}

# With --install and root, apt-get install the missing Debian packages; else only list them.
install_missing() {
  local missing=()
  command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
  [[ -x /usr/bin/time ]] || missing+=(time)
  ((YAML_ONLY)) || [[ -n "$(find_python)" ]] || missing+=(python3-onnx)
  ((${#missing[@]})) || return 0
  if ((INSTALL)) && ((EUID == 0)) && command -v apt-get >/dev/null 2>&1; then
    say "e2e.sh: installing ${missing[*]}"
    apt-get install -y -q "${missing[@]}" >&2
  elif ((INSTALL)); then
    say "e2e.sh: --install needs root and apt-get; install by hand: apt-get install -y ${missing[*]}"
  fi
}

# Exit 2 unless /dev/null is the character device (timings writing to a file would be wrong).
check_dev_null() {
  if [[ ! -c /dev/null ]]; then
    say "e2e.sh: /dev/null is not a character device (was it replaced by \`-o /dev/null\` as root?)."
    say "  Restore it as root: rm -f /dev/null && mknod -m 666 /dev/null c 1 3"
    exit 2
  fi
}

# Check the prerequisites; exit 2 with the install command when one is missing.
check_prerequisites() {
  check_dev_null
  [[ -x "$CONVROOF" && -f "$CONVROOF" ]] || { say "e2e.sh: $CONVROOF is not an executable file"; exit 2; }
  if [[ ! -x /usr/bin/time ]] || ! /usr/bin/time -f %M true >/dev/null 2>&1; then
    say "e2e.sh: GNU time (/usr/bin/time, for peak RSS) is missing: apt-get install -y time"
    exit 2
  fi
  PYTHON="$(find_python)"
  if [[ -z "$PYTHON" ]] && ((!YAML_ONLY)); then
    say "e2e.sh: no python3 with the onnx package (needed to generate the weighted ResNet-50):"
    say "  apt-get install -y python3-onnx   (or set PYTHON=/path/to/python3 that has onnx)"
    exit 2
  fi
  if ((USE_HYPERFINE)) && ! command -v hyperfine >/dev/null 2>&1; then
    USE_HYPERFINE=0
    say "e2e.sh: hyperfine not found, timing with a shell loop (apt-get install -y hyperfine, or --install as root)"
  fi
}

# Remove the scratch directory, and the generated model (and its directory) unless --keep.
cleanup() {
  if [[ -n "$SCRATCH" ]]; then rm -rf -- "$SCRATCH"; fi
  if ((!KEEP)) && [[ -n "$MODEL$WORKLOAD" ]]; then
    rm -f -- "$MODEL" "$MODEL.tmp" "$WORKLOAD"
    if ((MADE_OUTDIR)); then rmdir -- "$OUTDIR" 2>/dev/null || true; fi
  fi
}

# Print the machine and tool versions as Markdown list items.
print_environment() {
  local cpu cores kernel hf py_onnx gnu_time
  cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1)"
  [[ -n "$cpu" ]] || cpu="$(uname -m)"
  cores="$(nproc 2>/dev/null || echo '?')"
  kernel="$(uname -sr)"
  hf="shell loop (\$EPOCHREALTIME)"
  [[ -n "${EPOCHREALTIME:-}" ]] || hf="shell loop (date +%s%N)"
  if ((USE_HYPERFINE)); then hf="$(hyperfine --version)"; fi
  py_onnx="(not used: --yaml-only)"
  ((YAML_ONLY)) || py_onnx="$("$PYTHON" -c 'import sys, onnx; print("Python %d.%d.%d, onnx %s" % (sys.version_info[:3] + (onnx.__version__,)))')"
  printf '## End-to-end benchmark (bench/e2e.sh)\n\n'
  printf -- '- Date: %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf -- '- Machine: %s, %s cores (nproc), %s\n' "$cpu" "$cores" "$kernel"
  printf -- '- convroof: %s (%s)\n' "$("$CONVROOF" --version 2>&1 | head -n1)" "$CONVROOF"
  gnu_time="$(dpkg-query -W -f '${Version}' time 2>/dev/null || true)"
  printf -- '- Timing: %s; peak RSS: GNU time %s\n' "$hf" "${gnu_time:-(/usr/bin/time)}"
  printf -- '- Model generator: %s; cat: %s\n' "$py_onnx" "$(cat --version 2>/dev/null | head -n1 || echo cat)"
  printf -- '- Runs: %s per fast case (after %s warm-up runs), %s for the sweep; page cache warm\n\n' \
    "$RUNS" "$WARMUP" "$SWEEP_RUNS"
}

# Print the current time in nanoseconds (bash 5's $EPOCHREALTIME costs no fork).
now_ns() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    local t="${EPOCHREALTIME/[.,]/}"   # microseconds, e.g. 1717000000123456
    printf '%s000\n' "$t"
  else
    date +%s%N
  fi
}

# Print the median of the numbers on stdin.
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1;
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Time "$@" RUNS times after WARMUP runs; print the median wall time in seconds.
# Fails (status 1) when the command fails; its stderr is then in $SCRATCH/err.
time_command() {
  local runs="$1" warmup="$2"
  shift 2
  if ((USE_HYPERFINE)); then
    local quoted
    quoted="$(printf '%q ' "$@")"
    # -N: no intermediate shell, so only the command's own process is timed; output goes to
    # /dev/null. Names without commas keep the CSV's columns simple.
    hyperfine -N --style basic --runs "$runs" --warmup "$warmup" -n case \
      --export-csv "$SCRATCH/hf.csv" "$quoted" >"$SCRATCH/hf.out" 2>"$SCRATCH/err" || return 1
    # Columns: command,mean,stddev,median,user,system,min,max (seconds).
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "median") c = i } NR == 2 { print $c }' \
      "$SCRATCH/hf.csv"
  else
    local i t0 t1
    for ((i = 0; i < warmup; i++)); do "$@" >/dev/null 2>"$SCRATCH/err" || return 1; done
    : >"$SCRATCH/times"
    for ((i = 0; i < runs; i++)); do
      t0="$(now_ns)"
      "$@" >/dev/null 2>"$SCRATCH/err" || return 1
      t1="$(now_ns)"
      echo "$(( t1 - t0 ))" >>"$SCRATCH/times"
    done
    median <"$SCRATCH/times" | awk '{ printf "%.9f\n", $1 / 1e9 }'
  fi
}

# Print the peak RSS of one run of "$@" in KiB (GNU time's %M).
peak_rss_kib() {
  /usr/bin/time -f %M -o "$SCRATCH/rss" "$@" >/dev/null 2>"$SCRATCH/err" || return 1
  tail -n1 "$SCRATCH/rss"
}

# Format seconds as "N.NN ms" below one second, else "N.NN s".
fmt_time() { awk -v s="$1" 'BEGIN { if (s < 1) printf "%.2f ms", s * 1e3; else printf "%.2f s", s }'; }

# Format KiB as MiB.
fmt_mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

# Print "yes" when awk condition $1 holds, else "**no**".
met() { awk "BEGIN { exit !($1) }" && echo yes || echo '**no**'; }

# Report a failed command: what ran and its error on stderr, a failed row, a note.
report_failure() {
  local label="$1"
  shift
  FAILED=$((FAILED + 1))
  say "e2e.sh: FAILED: $label"
  local ran
  ran="$(printf '%q ' "$@")"
  ran="${ran% }"
  say "  ran: $ran"
  sed 's/^/  /' "$SCRATCH/err" >&2 || true
  ROWS+=("| $label | failed | - | - | - | - | - |")
  NOTES+=("- $label failed: \`$ran\` said: $(head -n3 "$SCRATCH/err" | tr '\n' ' ')")
}

# Measure one case: median wall over RUNS runs and peak RSS; sets T_MED (s) and RSS (KiB).
# Returns 1 (after reporting) when the command fails.
measure() {
  local label="$1" runs="$2" warmup="$3"
  shift 3
  say "e2e.sh: $label: $runs runs..."
  T_MED="" RSS=""
  if ! T_MED="$(time_command "$runs" "$warmup" "$@")" || ! RSS="$(peak_rss_kib "$@")"; then
    report_failure "$label" "$@"
    return 1
  fi
  say "  median $(fmt_time "$T_MED"), peak RSS $(fmt_mib "$RSS")"
}

# Print "N.NN× --version" for a median wall time $1, or "-" when --version failed.
vs_version() {
  [[ -n "$VERSION_T" ]] || { echo "-"; return; }
  awk -v t="$1" -v v="$VERSION_T" 'BEGIN { printf "%.2f× `--version`", t / v }'
}

# Case a: `true`, what starting a process costs here; `convroof --version`, what any run of
# convroof costs; analyze mobilenet_v1 on orin, JSON (targets <= 5 ms and <= 1.5x --version)
# and the default table; the ResNet-50 ONNX fixture (target <= 10 ms, skipped by --yaml-only).
case_mobilenet() {
  local label="\`/bin/true\` (process start, for scale)"
  if measure "$label" "$RUNS" "$WARMUP" /bin/true; then
    ROWS+=("| $label | $(fmt_time "$T_MED") | $RUNS | $(fmt_mib "$RSS") | - | - | - |")
  fi
  label="\`convroof --version\` (loader, static initialisers, command line)"
  if measure "$label" "$RUNS" "$WARMUP" "$CONVROOF" --version; then
    VERSION_T="$T_MED"
    ROWS+=("| $label | $(fmt_time "$T_MED") | $RUNS | $(fmt_mib "$RSS") | 1× (reference) | - | - |")
  fi
  label="\`analyze mobilenet_v1 --hw orin --format json\`"
  if measure "$label" "$RUNS" "$WARMUP" \
      "$CONVROOF" analyze mobilenet_v1 --hw orin --format json; then
    local ratio_met="-"
    [[ -z "$VERSION_T" ]] || ratio_met="$(met "$T_MED <= 1.5 * $VERSION_T")"
    ROWS+=("| $label | $(fmt_time "$T_MED") | $RUNS | $(fmt_mib "$RSS") | - | ≤ 5 ms | $(met "$T_MED <= 0.005") |")
    ROWS+=("| ↳ same run, / \`--version\` | - | - | - | $(vs_version "$T_MED") | ≤ 1.5× \`--version\` | $ratio_met |")
  fi
  if ((YAML_ONLY)); then return 0; fi
  label="\`analyze tests/fixtures/onnx/resnet50.onnx --hw orin\` (weights stripped)"
  if measure "$label" "$RUNS" "$WARMUP" "$CONVROOF" analyze "$BENCH_DIR/../tests/fixtures/onnx/resnet50.onnx" --hw orin; then
    ROWS+=("| $label | $(fmt_time "$T_MED") | $RUNS | $(fmt_mib "$RSS") | - | ≤ 10 ms | $(met "$T_MED <= 0.010") |")
  fi
  label="\`analyze mobilenet_v1 --hw orin\` (table)"
  if measure "$label" "$RUNS" "$WARMUP" "$CONVROOF" analyze mobilenet_v1 --hw orin; then
    ROWS+=("| $label | $(fmt_time "$T_MED") | $RUNS | $(fmt_mib "$RSS") | - | - | - |")
  fi
}

# Create OUTDIR (a temporary directory when none was given) unless it exists.
ensure_outdir() {
  if [[ -z "$OUTDIR" ]]; then
    OUTDIR="$(mktemp -d "${TMPDIR:-/tmp}/convroof-e2e.XXXXXX")"
    MADE_OUTDIR=1
  elif [[ ! -d "$OUTDIR" ]]; then
    mkdir -p -- "$OUTDIR"
    MADE_OUTDIR=1
  fi
}

# Case b: generate the weighted ResNet-50, then time cat and convroof on it in one run.
case_resnet50() {
  ensure_outdir
  MODEL="$OUTDIR/resnet50-weighted.onnx"
  if [[ -s "$MODEL" ]]; then
    say "e2e.sh: reusing $MODEL"
  else
    say "e2e.sh: generating $MODEL"
    "$PYTHON" "$BENCH_DIR/make_weighted_onnx.py" "$MODEL" || { say "e2e.sh: model generation failed"; FAILED=$((FAILED + 1)); return 0; }
  fi
  local bytes size
  bytes="$(wc -c <"$MODEL" | tr -d ' ')"
  size="$(awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }')"

  say "e2e.sh: warming the page cache: cat $MODEL > /dev/null"
  cat -- "$MODEL" >/dev/null
  local cat_t cat_rss t_ratio rss_ratio
  local label="\`cat resnet50-weighted.onnx > /dev/null\` ($size)"
  measure "$label" "$RUNS" "$WARMUP" cat -- "$MODEL" || return 0
  cat_t="$T_MED" cat_rss="$RSS"
  ROWS+=("| $label | $(fmt_time "$cat_t") | $RUNS | $(fmt_mib "$cat_rss") | 1× (reference) | - | - |")

  label="\`analyze resnet50-weighted.onnx --hw orin --format json\`"
  measure "$label" "$RUNS" "$WARMUP" \
    "$CONVROOF" analyze "$MODEL" --hw orin --format json || return 0
  t_ratio="$(awk -v a="$T_MED" -v c="$cat_t" 'BEGIN { printf "%.2f", a / c }')"
  rss_ratio="$(awk -v r="$RSS" -v b="$bytes" 'BEGIN { printf "%.2f", r * 1024 / b }')"
  ROWS+=("| $label | $(fmt_time "$T_MED") | $RUNS | $(fmt_mib "$RSS") | ${t_ratio}× cat | ≤ 3× cat, ≤ 10 ms | $(met "$t_ratio <= 3 && $T_MED <= 0.010") |")
  ROWS+=("| ↳ same run, peak RSS / file size | - | - | $(fmt_mib "$RSS") | ${rss_ratio}× file | < 2× file | $(met "$rss_ratio < 2") |")
}

# Case c: a 10^6-point sweep (500,000 channel values x 2 forms), CSV to /dev/null.
case_sweep() {
  local label="\`sweep\` 10⁶ points (\`channels=1:500000:+1\`, csv)"
  if measure "$label" "$SWEEP_RUNS" 0 "$CONVROOF" sweep --layer "conv2d kernel=3 input=56x56x8" \
      --vary channels=1:500000:+1 --hw orin --format csv; then
    ROWS+=("| $label | $(fmt_time "$T_MED") | $SWEEP_RUNS | $(fmt_mib "$RSS") | - | - | - |")
  fi
}

# Write the 10,000-layer workload of case d to $1: the chain of bench/engine_bench.cpp's
# generated_workload (conv 3x3, batchnorm, relu, depthwise 3x3, pointwise at 28x28x64).
write_workload() {
  awk -v n=10000 'BEGIN {
    split("type: conv2d, filters: 64, kernel: 3, padding: same|type: batchnorm|type: relu|" \
          "type: depthwise_conv2d, kernel: 3, padding: same|type: conv2d, filters: 64, kernel: 1", block, "|")
    split("conv bn relu dw pw", suffix, " ")
    print "schema: convroof.workload/1"
    print "name: generated"
    print "input: {shape: [1, 28, 28, 64], layout: NHWC}"
    print "layers:"
    for (i = 0; i < n; i++)
      printf "  - {name: b%d_%s, %s}\n", int(i / 5), suffix[i % 5 + 1], block[i % 5 + 1]
  }' >"$1"
}

# Case d: analyze a 10,000-layer YAML workload written here (target <= 0.5 s).
case_large_yaml() {
  ensure_outdir
  WORKLOAD="$OUTDIR/generated-10000.workload.yaml"
  write_workload "$WORKLOAD"
  local size
  size="$(awk -v b="$(wc -c <"$WORKLOAD")" 'BEGIN { printf "%.2f MB", b / 1e6 }')"
  local label="\`analyze generated-10000.workload.yaml --hw orin --format json\` (10,000 layers, $size)"
  local runs=$((RUNS < 10 ? RUNS : 10))
  if measure "$label" "$runs" 1 "$CONVROOF" analyze "$WORKLOAD" --hw orin --format json; then
    ROWS+=("| $label | $(fmt_time "$T_MED") | $runs | $(fmt_mib "$RSS") | $(vs_version "$T_MED") | ≤ 0.5 s | $(met "$T_MED <= 0.5") |")
  fi
}

# Print the results table and the notes under it.
print_table() {
  printf '| Case | Median wall | Runs | Peak RSS | Ratio | Target | Met? |\n'
  printf '|---|---:|---:|---:|---:|---|---|\n'
  printf '%s\n' "${ROWS[@]}"
  printf '\nWall time is the whole process (fork, exec, run, exit; report on stdout to /dev/null), median of the runs; peak RSS is GNU time'\''s %%M for one extra run.\n'
  printf 'ResNet-50: every initializer carries float32 data (bench/make_weighted_onnx.py); cat and convroof are timed in the same run, page cache warmed by one cat first.\n'
  ((${#NOTES[@]} == 0)) || printf '\n%s\n' "${NOTES[@]}"
}

# Run every case, print the report, and exit 1 when a command failed.
main() {
  parse_args "$@"
  install_missing
  check_prerequisites
  SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/convroof-e2e-scratch.XXXXXX")"
  trap cleanup EXIT
  local start=$SECONDS
  print_environment
  case_mobilenet
  case_large_yaml
  if ((!YAML_ONLY)); then
    case_resnet50
    case_sweep
  fi
  print_table
  check_dev_null
  say "e2e.sh: done in $((SECONDS - start)) s"
  ((FAILED == 0)) || { say "e2e.sh: $FAILED command(s) failed"; exit 1; }
}

main "$@"
