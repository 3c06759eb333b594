# benchlib.sh - what clone-bench.sh and image-bench.sh share: logging, the
# checks of the common options, the work folder (optionally a fresh journaled
# ext4 loop mount), the timer and the round-robin runner. Sourced, not run:
#
#   . "$HERE/benchlib.sh"    # sets the defaults of the common options, defines
#                            # log, die, have, want, untimed, timed, rounds,
#                            # warmup and the PREP/CMD arrays the rows live in
#   while ...; case $1 in    # the script's own options, then for the others:
#     *) bench_option "$@"; shift "$BENCH_SHIFT" ;;
#   bench_check              # checks SCALE, RUNS, IDLE_WAIT, NICE, SEED,
#                            # LOOP_GIB and PSCLONE
#   ...the script's own checks...
#   bench_workdir NAME       # makes the work folder: sets BASE (run log,
#                            # per-run records, the published psclone, the
#                            # file system image), W (the folder the benchmark
#                            # works in), LOG and RAW; installs the EXIT trap
#   bench_machine TOOLS HINT ROWS  # prints the machine facts
#   bench_dataset COPIES     # generates the dataset into SRC

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
want() { [ -z "$ONLY" ] || grep -qE -- "$ONLY" <<<"$1"; }

# ---------------------------------------------------------------- common options
SCALE=small SEED=1 RUNS=5 PSCLONE="" LOOP_GIB="" KEEP=0 ONLY="" WORKDIR="" RESULTS="" IDLE_WAIT=0 NICE=""
# bench_option ARGS...: takes the option in front of ARGS that both benchmarks
# have (sets BENCH_SHIFT to the words it used), prints --help, or stops at an
# unknown one
bench_option() {
  BENCH_SHIFT=2
  case $1 in
    --scale) SCALE=$2 ;;
    --runs) RUNS=$2 ;;
    --psclone) PSCLONE=$2 ;;
    --loop-ext4) LOOP_GIB=$2 ;;
    --seed) SEED=$2 ;;
    --workdir) WORKDIR=$2 ;;
    --results) RESULTS=$2 ;;
    --only) ONLY=$2 ;;
    --idle-wait) IDLE_WAIT=$2 ;;
    --nice) NICE=$2 ;;
    --keep) KEEP=1; BENCH_SHIFT=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "$(basename "$0"): unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
}
# bench_check: checks the common options and the tools every benchmark needs
bench_check() {
  case $SCALE in small|medium|large) ;; *) die "--scale takes small or medium (or large), not '$SCALE'" ;; esac
  [[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs takes a whole number >= 1, not '$RUNS'"
  [[ $IDLE_WAIT =~ ^[0-9]+$ ]] || die "--idle-wait takes whole seconds, not '$IDLE_WAIT'"
  [ -z "$NICE" ] || [[ $NICE =~ ^-?[0-9]+$ ]] || die "--nice takes a nice level (-20..19), not '$NICE'"
  [ -z "$NICE" ] || [ "$NICE" -ge 0 ] || [ "$(id -u)" = 0 ] || die "--nice $NICE needs root"
  [[ $SEED =~ ^[0-9]+$ ]] || die "--seed takes a whole number, not '$SEED'"
  [ -z "$LOOP_GIB" ] || [[ $LOOP_GIB =~ ^[1-9][0-9]*$ ]] || die "--loop-ext4 takes a size in GiB, not '$LOOP_GIB'"
  for t in python3 rsync cp find sync; do have "$t" || die "$t is required"; done
  [ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is required: apt-get install time"
  if [ -n "$LOOP_GIB" ]; then
    [ "$(id -u)" = 0 ] || die "--loop-ext4 needs root (it runs mkfs.ext4, losetup and mount)"
    for t in mkfs.ext4 losetup mount umount; do have "$t" || die "$t is required for --loop-ext4"; done
  fi
  if [ -n "$PSCLONE" ]; then
    [ -x "$PSCLONE" ] || die "--psclone '$PSCLONE' is not an executable file"
    PSCLONE=$(cd "$(dirname "$PSCLONE")" && pwd)/$(basename "$PSCLONE")
  fi
}

# ---------------------------------------------------------------- work folder
LOOPDEV=""
# shellcheck disable=SC2317  # called by the EXIT trap
bench_cleanup() {
  if [ "$KEEP" = 1 ]; then
    log "kept $BASE${LOOPDEV:+ ($W is mounted from $LOOPDEV; umount $W && losetup -d $LOOPDEV)}"; return
  fi
  if [ -n "$LOOPDEV" ]; then
    umount "$W" && losetup -d "$LOOPDEV"
  fi
  rm -rf "$BASE"
}
# bench_workdir NAME: the work folder NAME.XXXXXX under --workdir (default
# $TMPDIR or /tmp), with --loop-ext4 a fresh file system mounted on W
bench_workdir() {
  if [ -z "$WORKDIR" ]; then
    BASE=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  else
    mkdir -p "$WORKDIR"
    BASE=$(mktemp -d "$(cd "$WORKDIR" && pwd)/$1.XXXXXX")
  fi
  case $BASE in *[[:space:]\'\"\\\$\`]*) die "the work folder path must not contain spaces, quotes, \$ or backquotes: $BASE" ;; esac
  W="$BASE/work" LOG="$BASE/run.log" RAW="$BASE/runs.tsv"
  mkdir -p "$W"
  trap bench_cleanup EXIT
  if [ -n "$LOOP_GIB" ]; then
    # journaled ext4 with its tables written up front (no lazy init running in
    # the background); direct I/O keeps the image out of the page cache twice
    truncate -s "${LOOP_GIB}G" "$BASE/work.img"
    mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$BASE/work.img"
    LOOPDEV=$(losetup --direct-io=on -f --show "$BASE/work.img")
    mount "$LOOPDEV" "$W"
  fi
  : >"$LOG"
  printf 'row\trun\twall_s\tuser_s\tsys_s\tmaxrss_kib\texit\tothers_cpu_s\n' >"$RAW"
  bench_write_timer
}

# ---------------------------------------------------------------- the timer
# Runs CMD (a plain command line, no shell syntax; use `env` for variables and
# `env -C DIR` for a working folder) under GNU time, which execs it straight
# from a small forked process: the peak RSS GNU time reports (%M) is the
# tool's own. (A child spawned from python would inherit python's ~14 MB
# high-water mark into ru_maxrss across exec.) Wall time from spawn to reap
# (perf_counter); user/sys CPU from wait4 (GNU time's own share is ~1 ms).
# Other load: the CPU time the whole machine spent busy during the run
# (/proc/stat, steal included) minus the tool's own. With --idle-wait S it
# first waits (up to S seconds) for a second in which the machine keeps less
# than 10% of its CPUs busy. Appends one line to RAW; fails when CMD fails.
bench_write_timer() {
cat >"$BASE/timer.py" <<'EOF_TIMER'
import os, shlex, sys, time
name, run, cmd, raw, log, rssfile, idle_wait = sys.argv[1:8]
idle_wait = float(idle_wait)
hz = os.sysconf("SC_CLK_TCK")
ncpu = os.cpu_count() or 1

def busy():  # seconds all CPUs were busy since boot (user nice system irq softirq steal)
    f = open("/proc/stat").readline().split()
    return sum(int(f[i]) for i in (1, 2, 3, 6, 7, 8)) / hz

deadline = time.monotonic() + idle_wait
while idle_wait > 0:
    b0, t0 = busy(), time.monotonic()
    time.sleep(1.0)
    if (busy() - b0) / ((time.monotonic() - t0) * ncpu) < 0.10:
        break
    if time.monotonic() >= deadline:
        with open(log, "a") as f:
            f.write("timer: machine still busy after %g s; timing %s run %s anyway\n" % (idle_wait, name, run))
        break
out = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
acts = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, out, 1), (os.POSIX_SPAWN_DUP2, out, 2)]
nice = os.environ.get("BENCH_NICE", "")
argv = ["/usr/bin/time", "-f", "%M", "-o", rssfile, "--"] + (["nice", "-n", nice] if nice else []) + shlex.split(cmd)
b0 = busy()
t0 = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=acts)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
others = max(0.0, busy() - b0 - ru.ru_utime - ru.ru_stime)
rc = os.waitstatus_to_exitcode(status)
rss = open(rssfile).read().split()[-1] if rc == 0 else "0"
with open(raw, "a") as f:
    f.write("%s\t%s\t%.6f\t%.6f\t%.6f\t%s\t%d\t%.2f\n" % (name, run, wall, ru.ru_utime, ru.ru_stime, rss, rc, others))
sys.exit(0 if rc == 0 else 1)
EOF_TIMER
}

# untimed CMD: state preparation; output goes to the log
untimed() { bash -c "$1" >>"$LOG" 2>&1 || die "untimed step failed: $1 (see $LOG)"; }
# timed NAME RUN PREP CMD: PREP untimed, then CMD timed (RUN 0 = warm-up, not counted)
timed() {
  local name=$1 run=$2 prep=$3 cmd=$4
  [ -n "$prep" ] && untimed "$prep"
  echo "== $name (run $run): $cmd" >>"$LOG"
  BENCH_NICE=$NICE python3 "$BASE/timer.py" "$name" "$run" "$cmd" "$RAW" "$LOG" "$BASE/rss" "$IDLE_WAIT" \
    || die "'$name' failed in run $run: $cmd (see $LOG)"
}
# rounds N ROW... : N rounds; in round r the rows run in the order rotated by
# r, so no tool always goes first and drift of the machine's speed hits all
# alike. Each ROW names an entry of PREP/CMD; rows --only excludes are left out.
declare -A PREP CMD
rounds() {
  local n_runs=$1 rows=() r k n
  shift
  for r in "$@"; do want "$r" && rows+=("$r"); done
  n=${#rows[@]}
  [ "$n" -gt 0 ] || return 0
  log "timing: ${rows[*]} ($n_runs rounds)"
  for ((r = 1; r <= n_runs; r++)); do
    for ((k = 0; k < n; k++)); do
      local row=${rows[$(((r - 1 + k) % n))]}
      timed "$row" "$r" "${PREP[$row]}" "${CMD[$row]}"
    done
  done
}
# warmup ROW... : one uncounted run of each row
warmup() { local r; for r in "$@"; do want "$r" && timed "$r" 0 "${PREP[$r]}" "${CMD[$r]}"; done; return 0; }

# ---------------------------------------------------------------- machine and dataset
# bench_machine TOOLS LOOP_HINT SLOW_ROWS: prints the machine facts (TOOLS: the
# tools line), and a warning when not on a --loop-ext4 mount (LOOP_HINT: the
# sizes to use; SLOW_ROWS: the rows a journal-less ext4 slows down)
fs_of() { findmnt -no FSTYPE,SOURCE,OPTIONS -T "$1" 2>/dev/null || df -T "$1" | tail -1; }
bench_machine() {
  {
    echo "== machine"
    echo "date:      $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "cpu:       $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "cpu flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'sha_ni|aes|vaes|avx2|avx512f|pclmulqdq' | tr '\n' ' ')"
    echo "memory:    $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "kernel:    $(uname -r)"
    echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)${NICE:+; timed commands at nice $NICE}"
    echo "workdir:   $W on $(fs_of "$W")"
    echo "tools:     $1, python $(python3 -c 'import platform; print(platform.python_version())')"
    echo "psclone:   ${PSCLONE:--} ($PSC_VERSION$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null | sed 's/^/, repo at /'))"
  } >&2
  local wsrc wfs no_journal=0
  wsrc=$(findmnt -no SOURCE -T "$W" 2>/dev/null || true); wfs=$(findmnt -no FSTYPE -T "$W" 2>/dev/null || true)
  if [ "$wfs" = ext4 ] && [ -d /proc/fs/jbd2 ] && ! compgen -G "/proc/fs/jbd2/${wsrc##*/}-*" >/dev/null; then no_journal=1; fi
  if [ -z "$LOOP_GIB" ]; then
    {
      echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
      echo "!! WARNING: running without --loop-ext4. These figures are NOT for quoting."
      [ "$no_journal" = 1 ] && echo "!! $W is on ext4 WITHOUT a journal: creating files soon after deleting"
      [ "$no_journal" = 1 ] && echo "!! many (every $3 run) is many times slower and erratic."
      echo "!! Rerun as root with --loop-ext4 GIB ($2). See bench/README.md."
      echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    } >&2
  fi
}
# bench_dataset COPIES: generates the dataset in SRC="$W/src" (sets NFILES and
# NBYTES) and warns when W has less room than COPIES times its size
# shellcheck disable=SC2034  # SRC, NFILES and NBYTES are the caller's
bench_dataset() {
  SRC="$W/src"
  log "generating dataset: scale=$SCALE seed=$SEED"
  python3 "$DATASET_TOOLS/make-dataset" "$SRC" --scale "$SCALE" --seed "$SEED" 2>>"$LOG"
  sync
  NFILES=$(find "$SRC" -type f | wc -l)
  NBYTES=$(find "$SRC" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  echo "dataset:   $NFILES files, $(find "$SRC" -type d | wc -l) folders, $(find "$SRC" -type l | wc -l) symlinks, $NBYTES bytes ($((NBYTES / 1048576)) MiB)" >&2
  local avail_k need_k
  avail_k=$(df -Pk "$W" | awk 'NR == 2 {print $4}')
  need_k=$((NBYTES * $1 / 1024 + 1048576))
  [ "$avail_k" -ge "$need_k" ] || log "warning: only $((avail_k >> 20)) GiB free in $W; the run needs ~$((need_k >> 20)) GiB"
}

# bench_results: with --results FILE, copies the row and ratio tables and every
# run to FILE, FILE.ratios and FILE.runs
bench_results() {
  [ -n "$RESULTS" ] || return 0
  cp "$BASE/rows.tsv" "$RESULTS"; cp "$BASE/ratios.tsv" "$RESULTS.ratios"; cp "$RAW" "$RESULTS.runs"
  log "wrote $RESULTS, $RESULTS.ratios and $RESULTS.runs"
}
