#!/usr/bin/env bash
# clone-bench.sh - `psclone clone` against `rsync -aHAX` and `cp -a` on one
# synthetic dataset: initial clone, no-op rerun, rerun after a 1% change.
# Prints median wall times, CPU times and peak memory per row, then paired
# wall-time ratios psclone/rsync (and psclone/cp) with PASS/MISS against the
# goals of issue 2: initial <= 0.6x rsync, no-op <= 0.5x, 1% change <= 0.6x,
# peak memory <= 150 MB.
#
# usage: sudo bench/clone-bench.sh --loop-ext4 GIB [--scale small|medium]
#            [--runs N] [--psclone PATH] [--seed N] [--workdir DIR]
#            [--results FILE] [--only REGEX] [--idle-wait S] [--nice N] [--keep]
#
#   --scale      dataset size (bench/dataset/make-dataset): small ~5k files /
#                200 MiB, medium ~50k files / 2 GiB; default small
#   --runs       counted runs per row (default 5). Rows that are compared are
#                run alternately within one loop (rsync, psclone, rsync, ...;
#                the order rotates each round) so that CPU drift hits both
#   --psclone    the psclone executable to time; default: publish
#                src/PSClone.Cli (dotnet publish -c Release) into the work
#                folder and use that
#   --loop-ext4  work inside a fresh journaled ext4 of GIB GiB (sparse image
#                next to the work folder, loop device, direct I/O); needs root.
#                Required for figures worth quoting (see bench/README.md):
#                small needs ~4 GiB, medium ~20 GiB
#   --seed       dataset seed (default 1; the 1% change uses seed + 1)
#   --workdir    where the work folder goes (default: a new folder under
#                ${TMPDIR:-/tmp})
#   --results    also write the row table and the ratio table as TSV to
#                FILE and FILE.ratios, and every single run to FILE.runs
#   --only       time only rows whose name matches this regex (grep -E), e.g.
#                'no-op' or '1%'; the state skipped rows would leave is made
#                untimed
#   --idle-wait  before each timed run, wait up to S seconds for a quiet
#                second (machine < 10% busy); default 0. On a shared machine
#                use e.g. 120. Each row reports the CPU time other processes
#                took during its runs either way (column others_%)
#   --nice       run the timed commands (all tools alike) at this nice level,
#                e.g. -20 (root only for negative levels): on a shared machine
#                the CPU scheduler then gives them nearly all the CPU they ask
#                for; disk, memory bandwidth and kernel threads stay shared
#   --keep       keep the work folder (and the loop mount) at the end
#
# Rows (names as --only sees them):
#   cp -a initial | rsync initial | psclone initial       (destination removed
#       and `sync`ed before each run)
#   rsync no-op | psclone no-op                            (one warm-up each)
#   rsync 1% change | rsync --backup 1% change | psclone 1% change |
#   psclone --safetynet off 1% change                      (each run starts
#       from the pre-mutation clone, re-made untimed as `cp -al` hard links;
#       the script checks afterwards that no run wrote into a shared inode)
#   rsync 1% change, in place | rsync --backup 1% change, in place |
#   psclone 1% change, in place                            (the same change
#       on a destination the tool itself brought back to the pre-change state
#       before each run, untimed, as on a real disk: see bench/README.md)
#   psclone --version                                      (.NET start-up)
#
# Timing: wall clock from spawn to exit (perf_counter), user/sys CPU from
# wait4(2), peak RSS from GNU time (rsync forks: its CPU is the sum of its
# processes, its peak RSS that of its largest process). Warm page cache.
# Needs: bash, python3 (>= 3.9), rsync, coreutils, GNU time (/usr/bin/time);
# dotnet unless --psclone.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
DATASET_TOOLS="$HERE/dataset"
. "$HERE/benchlib.sh"
while [ $# -gt 0 ]; do
  case $1 in
    *) bench_option "$@"; shift "$BENCH_SHIFT" ;;
  esac
done
bench_check
have md5sum || die "md5sum is required"
[ -n "$PSCLONE" ] || have dotnet || die "dotnet is needed to publish psclone (or pass --psclone PATH)"
bench_workdir clone-bench

# ---------------------------------------------------------------- psclone
if [ -z "$PSCLONE" ]; then
  log "publishing src/PSClone.Cli (Release)"
  dotnet publish "$REPO/src/PSClone.Cli" -c Release -o "$BASE/psclone-bin" -nologo >>"$LOG" 2>&1 \
    || die "dotnet publish failed (see $LOG)"
  PSCLONE="$BASE/psclone-bin/psclone"
fi
PSC_VERSION=$("$PSCLONE" --version 2>&1) || die "'$PSCLONE --version' failed: $PSC_VERSION"
PS="$PSCLONE clone"
PSOPT="--min-free 0 -q"   # --min-free 0: no SafetyNet pruning for free space on a small test volume

# ---------------------------------------------------------------- machine facts
bench_machine "$(rsync --version | head -1 | awk '{print "rsync", $3}'), $(cp --version | head -1)" "small: 4, medium: 20" initial-clone

# ---------------------------------------------------------------- dataset
bench_dataset 7

# ---------------------------------------------------------------- correctness first
# psclone's own items at a destination root; rsync -n must list nothing else
OWN='^\*deleting +(\.psclone|\.psclone\.lock|_PSClone SafetyNet/.*)$'
# same_as_source DST [ALLOW_REGEX]: rsync -aHAXn --delete -i lists nothing but ALLOW_REGEX
same_as_source() {
  local extra
  extra=$(rsync -aHAXn --delete -i "$SRC/" "$1/" | grep -vE "${2:-^\$}" || true)
  [ -z "$extra" ] || die "rsync -aHAXn --delete -i $SRC/ $1/ finds differences:
$extra"
}
psclone_matches() { # DST: psclone verify exits 0 and rsync sees only psclone's own items
  "$PSCLONE" verify "$SRC" "$1" >>"$LOG" 2>&1 || die "psclone verify $SRC $1 exited $? (see $LOG)"
  same_as_source "$1" "$OWN"
}
summary_changes() { # DST: items a psclone --json run changed (copied+updated+archived+deleted)
  $PS "$SRC" "$1" --min-free 0 --json 2>>"$LOG" | python3 -c '
import json, sys
s = [json.loads(l) for l in sys.stdin if l.startswith("{")]
s = [o for o in s if o.get("type") == "summary"][-1]
print(sum(s[k] for k in ("itemsCopied", "itemsUpdated", "itemsArchived", "itemsDeleted")))'
}
log "correctness check: psclone clone, psclone verify, rsync -aHAXn --delete -i"
untimed "$PS $SRC $W/check $PSOPT"
psclone_matches "$W/check"
again=$(summary_changes "$W/check")
[ "$again" = 0 ] || die "a second psclone run right after the first changed $again item(s); the no-op row would not be a no-op"
psclone_matches "$W/check"
log "correctness check passed (verify exit 0; rsync lists only .psclone, .psclone.lock, _PSClone SafetyNet; rerun changes 0 items)"
untimed "rm -rf $W/check && sync"

# ---------------------------------------------------------------- initial clone
R="$W/rsync-dst" P="$W/psclone-dst" C="$W/cp-dst"
PREP["cp -a initial"]="rm -rf $C && sync";        CMD["cp -a initial"]="cp -a $SRC $C"
PREP["rsync initial"]="rm -rf $R && sync";        CMD["rsync initial"]="rsync -aHAX $SRC/ $R/"
PREP["psclone initial"]="rm -rf $P && sync";      CMD["psclone initial"]="$PS $SRC $P $PSOPT"
rounds "$RUNS" "cp -a initial" "rsync initial" "psclone initial"
untimed "rm -rf $C && sync"
[ -d "$R" ] || untimed "rsync -aHAX $SRC/ $R/"
[ -d "$P" ] || untimed "$PS $SRC $P $PSOPT"
same_as_source "$R"
psclone_matches "$P"
untimed sync

# ---------------------------------------------------------------- no-op rerun
PREP["rsync no-op"]="";   CMD["rsync no-op"]="rsync -aHAX --delete $SRC/ $R/"
PREP["psclone no-op"]=""; CMD["psclone no-op"]="$PS $SRC $P $PSOPT"
warmup "rsync no-op" "psclone no-op"
rounds "$RUNS" "rsync no-op" "psclone no-op"
same_as_source "$R"
psclone_matches "$P"

# ---------------------------------------------------------------- 1% change
# Every run starts from the pre-mutation clone, re-made untimed as hard links
# (cp -al). Both tools write changed files under a temp name and rename them
# into place, so the shared inodes stay as they were; manifests of the two
# pristine clones, taken before and compared after, prove it.
M1="$W/m-rsync" M2="$W/m-rsync-backup" M3="$W/m-psclone" M4="$W/m-psclone-off"
linked() { echo "rm -rf $1 $1.bak && cp -al $2 $1 && sync"; } # DST PRISTINE: DST as hard links of PRISTINE
PREP["rsync 1% change"]=$(linked "$M1" "$R")
CMD["rsync 1% change"]="rsync -aHAX --delete $SRC/ $M1/"
PREP["rsync --backup 1% change"]=$(linked "$M2" "$R")
CMD["rsync --backup 1% change"]="rsync -aHAX --delete --backup --backup-dir=$M2.bak $SRC/ $M2/"
PREP["psclone 1% change"]=$(linked "$M3" "$P")
CMD["psclone 1% change"]="$PS $SRC $M3 $PSOPT"
PREP["psclone --safetynet off 1% change"]=$(linked "$M4" "$P")
CMD["psclone --safetynet off 1% change"]="$PS $SRC $M4 $PSOPT --safetynet off"
CHANGE_ROWS=("rsync 1% change" "rsync --backup 1% change" "psclone 1% change" "psclone --safetynet off 1% change")
# The same change applied in place: every run starts from a destination that
# its own tool brought back to the pre-change state, as on a real disk, where
# only the items the change touched are newer than the last run. Untimed before
# each run: the source goes back to the pre-change tree (rsync from the pristine
# rsync clone R, which holds exactly that tree), the tool clones it into its
# destination (psclone's SafetyNet folder is then removed, rsync's backup
# folder too), and the source goes forward again to the changed tree (rsync
# from POST, a copy taken right after the mutation). The hard-link rows above
# cannot show this: cp -al gives every item of the copy a new status-change
# time, so psclone compares the extended attributes of all of them.
IR="$W/ip-rsync" IP="$W/ip-psclone" POST="$W/src-post"
# back CMD: source to the pre-change tree, CMD (the tool restores its destination), source forward
back() { echo "rsync -aHAX --delete $R/ $SRC/ && $1 && rsync -aHAX --delete $POST/ $SRC/ && sync"; }
PREP["rsync 1% change, in place"]=$(back "rsync -aHAX --delete $SRC/ $IR/")
CMD["rsync 1% change, in place"]="rsync -aHAX --delete $SRC/ $IR/"
PREP["rsync --backup 1% change, in place"]=$(back "rm -rf $IR.bak && rsync -aHAX --delete $SRC/ $IR/")
CMD["rsync --backup 1% change, in place"]="rsync -aHAX --delete --backup --backup-dir=$IR.bak $SRC/ $IR/"
PREP["psclone 1% change, in place"]=$(back "$PS $SRC $IP $PSOPT && rm -rf '$IP/_PSClone SafetyNet'")
CMD["psclone 1% change, in place"]="$PS $SRC $IP $PSOPT"
INPLACE_ROWS=("rsync 1% change, in place" "rsync --backup 1% change, in place" "psclone 1% change, in place")
any_change=0
for r in "${CHANGE_ROWS[@]}" "${INPLACE_ROWS[@]}"; do want "$r" && any_change=1; done
manifest() { # DIR: names, types, sizes, modes, owners, mtimes, link targets and content hashes
  (cd "$1" && find . ! -name .psclone.lock -printf '%p\t%y\t%s\t%m\t%U\t%G\t%T@\t%l\n' | LC_ALL=C sort \
    && find . -type f ! -name .psclone.lock -print0 | LC_ALL=C sort -z | xargs -0 -r md5sum)
}
if [ "$any_change" = 1 ]; then
  log "manifests of the pristine clones (untimed)"
  manifest "$R" >"$BASE/rsync-dst.manifest"
  manifest "$P" >"$BASE/psclone-dst.manifest"
  for r in "${INPLACE_ROWS[@]}"; do want "$r" && in_place=1; done
  if [ -n "${in_place:-}" ]; then
    log "pre-change clones for the in-place rows (untimed)"
    untimed "rsync -aHAX $SRC/ $IR/ && $PS $SRC $IP $PSOPT"
  fi
  log "mutating 1% of the dataset (seed $((SEED + 1)))"
  python3 "$DATASET_TOOLS/mutate-dataset" "$SRC" --percent 1 --seed $((SEED + 1)) 2>&1 | tee -a "$LOG" >&2
  [ -z "${in_place:-}" ] || untimed "rsync -aHAX $SRC/ $POST/"
  sync
  rounds "$RUNS" "${CHANGE_ROWS[@]}"
  rounds "$RUNS" "${INPLACE_ROWS[@]}"
  log "checking the results and the pristine clones (untimed)"
  manifest "$R" | cmp -s - "$BASE/rsync-dst.manifest" || die "a 1%-change run wrote into $R through a shared inode; the hard-link copies are unsound here"
  manifest "$P" | cmp -s - "$BASE/psclone-dst.manifest" || die "a 1%-change run wrote into $P through a shared inode; the hard-link copies are unsound here"
  want "rsync 1% change" && same_as_source "$M1"
  want "rsync --backup 1% change" && same_as_source "$M2"
  want "psclone 1% change" && psclone_matches "$M3"
  want "psclone --safetynet off 1% change" && psclone_matches "$M4"
  if [ -n "${in_place:-}" ]; then # every in-place PREP left the source in the changed tree
    { want "rsync 1% change, in place" || want "rsync --backup 1% change, in place"; } && same_as_source "$IR"
    want "psclone 1% change, in place" && psclone_matches "$IP"
  fi
  log "1% change results match the source; pristine clones unchanged"
fi

# ---------------------------------------------------------------- start-up
if want "psclone --version"; then
  timed "psclone --version" 0 "" "$PSCLONE --version"
  for ((r = 1; r <= RUNS; r++)); do timed "psclone --version" "$r" "" "$PSCLONE --version"; done
fi

# ---------------------------------------------------------------- report
echo >&2
echo "== results: scale=$SCALE seed=$SEED, $NFILES files, $((NBYTES / 1048576)) MiB, $RUNS runs per row; medians (warm page cache)" >&2
BENCH_HERE=$HERE python3 - "$RAW" "$BASE/rows.tsv" "$BASE/ratios.tsv" "$SCALE" <<'EOF'
import os, statistics as st, sys
sys.path.insert(0, os.environ["BENCH_HERE"])
from benchreport import load_runs, print_ratios, print_rows, table
raw, rows_out, ratios_out, scale = sys.argv[1:5]
runs, order = load_runs(raw, 1e6)
print_rows(runs, order, rows_out, "MB")

# comparisons: (label, psclone row, reference row, goal); paired = same round
comps = [
    ("initial vs rsync", "psclone initial", "rsync initial", 0.6),
    ("initial vs cp -a", "psclone initial", "cp -a initial", None),
    ("no-op vs rsync", "psclone no-op", "rsync no-op", 0.5),
    ("1% change vs rsync --delete", "psclone 1% change", "rsync 1% change", 0.6),
    ("1% change vs rsync --delete --backup", "psclone 1% change", "rsync --backup 1% change", 0.6),
    ("1% change, --safetynet off, vs rsync --delete", "psclone --safetynet off 1% change", "rsync 1% change", None),
    ("1% change in place vs rsync --delete in place", "psclone 1% change, in place", "rsync 1% change, in place", 0.6),
    ("1% change in place vs rsync --backup in place", "psclone 1% change, in place", "rsync --backup 1% change, in place", 0.6),
]
hdr = ["comparison", "pairs", "paired_ratio_median", "paired_min", "paired_max", "ratio_of_medians", "cpu_ratio", "goal", "result"]
body = []
for label, a, b, goal in comps:
    if a not in runs or b not in runs:
        continue
    pairs = sorted(set(runs[a]) & set(runs[b]))
    ratios = [runs[a][i][0] / runs[b][i][0] for i in pairs]
    med = st.median(ratios)
    rom = st.median(x[0] for x in runs[a].values()) / st.median(x[0] for x in runs[b].values())
    cpu = st.median((runs[a][i][1] + runs[a][i][2]) / (runs[b][i][1] + runs[b][i][2]) for i in pairs)
    verdict = "-" if goal is None else ("PASS" if med <= goal else "MISS")
    body.append([label, str(len(pairs)), "%.3f" % med, "%.3f" % min(ratios), "%.3f" % max(ratios), "%.3f" % rom,
                 "%.3f" % cpu, "-" if goal is None else "<= %.1f" % goal, verdict])
ps_rows = [n for n in order if n.startswith("psclone") and "--version" not in n]
if ps_rows:
    peak = max(x[3] for n in ps_rows for x in runs[n].values())
    body.append(["psclone peak RSS (MB, all clone rows)", str(sum(len(runs[n]) for n in ps_rows)), "%.1f" % peak,
                 "-", "-", "-", "-", "<= 150", "PASS" if peak <= 150 else "MISS"])
print_ratios(hdr, body, ratios_out, runs, order)
if scale == "medium":
    print("\nissue 2 reference (medium, another day): rsync initial 7.8 s, no-op 0.60 s, 1% change 1.05 s; cp -a 3.8 s")
EOF
echo >&2
echo "commands (W = $W):" >&2
for n in "cp -a initial" "rsync initial" "psclone initial" "rsync no-op" "psclone no-op" "${CHANGE_ROWS[@]}" "${INPLACE_ROWS[@]}"; do
  want "$n" && printf '  %-36s %s\n' "$n:" "${CMD[$n]//$W/\$W}" >&2
done
bench_results
exit 0
