#!/usr/bin/env bash
# image-bench.sh - psclone backup images against restic and borg on one
# synthetic dataset, in one run: initial backup, no-op backup, backup after a
# 1% change, full restore, verification with data (psclone verify --read-data,
# restic check --read-data, borg check --verify-data), repository size and
# peak memory. Prints median wall times, CPU times and peak memory per row,
# then paired ratios psclone/restic with PASS/MISS against the goals of
# issue 3: initial <= 0.4x restic, no-op <= 0.25x, 1% change <= 0.3x,
# restore <= 0.7x, verify <= 1.0x, size <= 1.0x, peak memory <= restic's.
#
# usage: sudo bench/image-bench.sh --loop-ext4 GIB [--scale small|medium]
#            [--runs N] [--slow-runs N] [--tools LIST] [--psclone PATH]
#            [--seed N] [--workdir DIR] [--results FILE] [--only REGEX]
#            [--idle-wait S] [--nice N] [--keep]
#
#   --scale      dataset size (bench/dataset/make-dataset): small ~5k files /
#                224 MiB, medium ~50k files / 2 GiB; default small
#   --runs       counted runs of the fast rows: no-op, 1% change, open
#                (default 5, after one warm-up for no-op and open)
#   --slow-runs  counted runs of initial backup, restore and verify (default 3)
#   --tools      comma-separated tools to run (default all):
#                  psclone         SingleFile image (the layout `psclone image
#                                  new X.psimg` makes), AES-256, the default
#                                  key derivation (PBKDF2 calibrated to ~1 s)
#                  psclone-bundle  the same as a Bundle image (X.psimgbundle/)
#                  psclone-kdf     SingleFile, AES-256, PBKDF2 iterations set so
#                                  that one derivation costs what restic's
#                                  scrypt costs here (--kdf-iterations)
#                  restic          restic repository (AES-256, scrypt, zstd auto)
#                  borg            borg repository, -e repokey (lz4)
#                The goals are judged for psclone and psclone-kdf against restic.
#   --psclone    the psclone executable to time; default: publish
#                src/PSClone.Cli (dotnet publish -c Release) into the work
#                folder and use that
#   --loop-ext4  work inside a fresh journaled ext4 of GIB GiB (sparse image
#                next to the work folder, loop device, direct I/O); needs root.
#                Required for figures worth quoting (see bench/README.md):
#                small needs ~6 GiB, medium ~24 GiB
#   --seed       dataset seed (default 1; the 1% change uses seed + 1)
#   --workdir    where the work folder goes (default: a new folder under
#                ${TMPDIR:-/tmp})
#   --results    also write the row table, the ratio table and every run as
#                TSV to FILE, FILE.ratios and FILE.runs
#   --only       time only rows whose name matches this regex (grep -E), e.g.
#                'no-op|1%'; the state the skipped rows would leave is made
#                untimed
#   --idle-wait  before each timed run, wait up to S seconds for a quiet
#                second (machine < 10% busy); default 0. Each row reports the
#                CPU time other processes took during its runs (others_%)
#   --nice       run the timed commands (all tools alike) at this nice level,
#                e.g. -20 (root only for negative levels)
#   --keep       keep the work folder (and the loop mount) at the end
#
# Rows (TOOL is one of the tools above; names as --only sees them):
#   TOOL initial      first backup into an empty repository (made untimed
#                     before each run: psclone image new / restic init /
#                     borg init; then `sync`)
#   TOOL no-op        the same backup again, nothing changed (one warm-up)
#   TOOL restore      full restore of the latest snapshot into an empty folder
#   TOOL verify       psclone image verify --read-data | restic check
#                     --read-data | borg check --verify-data
#   TOOL 1% change    backup after bench/dataset/mutate-dataset --percent 1;
#                     every run starts from a copy of the pre-change repository
#   TOOL open         what opening an encrypted repository costs: psclone
#                     image info / restic cat config (key derivation included)
#
# Timing: wall clock from spawn to exit, user/sys CPU from wait4(2), peak RSS
# from GNU time (the tool's own process; borg and restic are one process).
# Rows that are compared run alternately within one loop (the order rotates
# every round), so drift of the machine's speed hits all tools alike; the
# ratio table gives the median of the per-round ratios. Warm page cache for
# the dataset (read back untimed before every backup run: borg drops it); the
# repositories live on the loop device (direct I/O).
# Needs: bash, python3 (>= 3.9), restic, borg, rsync, coreutils, GNU time;
# dotnet unless --psclone.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
DATASET_TOOLS="$HERE/dataset"
. "$HERE/benchlib.sh"
SLOW_RUNS=3
TOOLS="psclone,psclone-bundle,psclone-kdf,restic,borg"
while [ $# -gt 0 ]; do
  case $1 in
    --slow-runs) SLOW_RUNS=$2; shift 2 ;;
    --tools) TOOLS=$2; shift 2 ;;
    *) bench_option "$@"; shift "$BENCH_SHIFT" ;;
  esac
done
bench_check
[[ $SLOW_RUNS =~ ^[1-9][0-9]*$ ]] || die "--slow-runs takes a whole number >= 1, not '$SLOW_RUNS'"
declare -A USE
IFS=, read -r -a tool_list <<<"$TOOLS"
for t in "${tool_list[@]}"; do
  case $t in psclone|psclone-bundle|psclone-kdf|restic|borg) USE[$t]=1 ;; *) die "--tools: unknown tool '$t' (psclone, psclone-bundle, psclone-kdf, restic, borg)" ;; esac
done
[ -n "${USE[restic]:-}" ] || log "warning: restic is not in --tools: no ratios can be computed"
[ -z "${USE[restic]:-}" ] || have restic || die "restic is required (apt-get install restic), or leave it out of --tools"
[ -z "${USE[borg]:-}" ] || have borg || die "borg is required (apt-get install borgbackup), or leave it out of --tools"
[ -n "$PSCLONE" ] || have dotnet || die "dotnet is needed to publish psclone (or pass --psclone PATH)"
uses() { [ -n "${USE[$1]:-}" ]; }
bench_workdir image-bench

# ---------------------------------------------------------------- psclone
PS_TOOLS=()
for t in psclone psclone-bundle psclone-kdf; do uses "$t" && PS_TOOLS+=("$t"); done
if [ ${#PS_TOOLS[@]} -gt 0 ] && [ -z "$PSCLONE" ]; then
  log "publishing src/PSClone.Cli (Release)"
  dotnet publish "$REPO/src/PSClone.Cli" -c Release -o "$BASE/psclone-bin" -nologo >>"$LOG" 2>&1 \
    || die "dotnet publish failed (see $LOG)"
  PSCLONE="$BASE/psclone-bin/psclone"
fi
PSC_VERSION=-
[ -z "$PSCLONE" ] || PSC_VERSION=$("$PSCLONE" --version 2>&1) || die "'$PSCLONE --version' failed: $PSC_VERSION"

export PSCLONE_PASSPHRASE=bench-password RESTIC_PASSWORD=bench-password BORG_PASSPHRASE=bench-password
export BORG_RELOCATED_REPO_ACCESS_IS_OK=yes BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_CHECK_I_KNOW_WHAT_I_AM_DOING=YES
export RESTIC_CACHE_DIR="$W/restic-cache-unused" BORG_BASE_DIR="$W/borg-home-unused"

# ---------------------------------------------------------------- machine facts
bench_machine "$(have restic && restic version | awk '{print "restic", $2}'), $(have borg && borg --version)" "small: 6, medium: 24" restore

# ---------------------------------------------------------------- dataset
bench_dataset 9

# ---------------------------------------------------------------- key derivation
# restic pays scrypt (its parameters are calibrated at `restic init` and kept
# in the key file) on every command; psclone pays PBKDF2-HMAC-SHA256 with the
# iterations calibrated at `psclone image new` (~1 s). Both are timed here
# with python's hashlib, which uses OpenSSL like psclone (.NET) does. The
# psclone-kdf rows use as many PBKDF2 iterations as take restic's scrypt time.
kdf_probe=$W/kdf-probe
untimed "rm -rf $kdf_probe && mkdir -p $kdf_probe"
head_iterations() { # IMAGE: the PBKDF2 iterations of the first key slot (format §3.1, §4: offset 160 + 20)
  python3 -c 'import struct, sys; p = sys.argv[1]; p = p + "/psimg" if p.endswith("bundle") else p
print(struct.unpack_from("<I", open(p, "rb").read(4096), 180)[0])' "$1"
}
KDF_DEFAULT=- KDF_RESTIC=- SCRYPT_S=- PBKDF2_DEFAULT_S=- PBKDF2_RESTIC_S=-
if [ ${#PS_TOOLS[@]} -gt 0 ]; then
  # the calibration depends on the machine's load at that moment: take the
  # highest of three (the machine's own speed), as a quiet machine would pick
  best=0
  for i in 1 2 3; do
    untimed "rm -rf $kdf_probe/c.psimg && $PSCLONE image new $kdf_probe/c.psimg --encryption aes256"
    it=$(head_iterations "$kdf_probe/c.psimg")
    [ "$it" -gt "$best" ] && best=$it
  done
  KDF_DEFAULT=$best
fi
if uses restic; then
  untimed "restic -q -r $kdf_probe/r init"
  read -r SCRYPT_S KDF_RESTIC PBKDF2_RESTIC_S PBKDF2_DEFAULT_S < <(python3 - "$kdf_probe/r/keys" "$KDF_DEFAULT" <<'EOF'
import base64, glob, hashlib, json, statistics, sys, time
key = json.load(open(glob.glob(sys.argv[1] + "/*")[0]))
salt = base64.b64decode(key["salt"])
def clock(f):
    f()  # warm-up
    runs = []
    for _ in range(5):
        t = time.perf_counter(); f(); runs.append(time.perf_counter() - t)
    return statistics.median(runs)
scrypt = clock(lambda: hashlib.scrypt(b"bench-password", salt=salt, n=key["N"], r=key["r"], p=key["p"], maxmem=1 << 30, dklen=64))
probe = 200_000
rate = probe / clock(lambda: hashlib.pbkdf2_hmac("sha256", b"bench-password", salt, probe))
iters = max(1000, int(round(rate * scrypt / 1000)) * 1000)
default = sys.argv[2]
default_s = clock(lambda: hashlib.pbkdf2_hmac("sha256", b"bench-password", salt, int(default))) if default != "-" else "-"
print("%.3f" % scrypt, iters, "%.3f" % (iters / rate), default_s if default_s == "-" else "%.3f" % default_s)
EOF
  )
  SCRYPT_PARAMS=$(python3 -c 'import glob, json, sys; k = json.load(open(glob.glob(sys.argv[1] + "/*")[0])); print("N=%d r=%d p=%d" % (k["N"], k["r"], k["p"]))' "$kdf_probe/r/keys")
elif uses psclone-kdf; then
  die "psclone-kdf needs restic (its PBKDF2 cost is set to restic's scrypt cost)"
fi
{
  echo "== key derivation (python hashlib = OpenSSL, median of 5)"
  uses restic && echo "restic scrypt ($SCRYPT_PARAMS, from restic init): $SCRYPT_S s per open"
  [ ${#PS_TOOLS[@]} -gt 0 ] && echo "psclone default PBKDF2: $KDF_DEFAULT iterations (calibrated by psclone image new, highest of 3): $PBKDF2_DEFAULT_S s per open"
  uses psclone-kdf && echo "psclone-kdf PBKDF2: $KDF_RESTIC iterations: $PBKDF2_RESTIC_S s per open (restic's cost)"
} >&2
untimed "rm -rf $kdf_probe"

# ---------------------------------------------------------------- commands per tool
# Each tool has one state folder per repository state: ST/<tool> holds the
# repository (psclone: the image file or bundle folder; restic: repo + cache;
# borg: repo + its home with cache, keys and security folders), so copying
# the folder copies the exact state, caches included.
ST="$W/state"
mkdir -p "$ST"
declare -A IMG
IMG[psclone]=img.psimg IMG[psclone-bundle]=img.psimgbundle IMG[psclone-kdf]=img.psimg
iters_of() { [ "$1" = psclone-kdf ] && echo "$KDF_RESTIC" || echo "$KDF_DEFAULT"; }
# init_cmd TOOL DIR: make an empty repository in DIR (untimed)
init_cmd() {
  case $1 in
    psclone*) echo "rm -rf $2 && mkdir -p $2 && $PSCLONE image new $2/${IMG[$1]} --encryption aes256 --kdf-iterations $(iters_of "$1") --json" ;;
    restic) echo "rm -rf $2 && mkdir -p $2 && restic -q -r $2/repo --cache-dir $2/cache init" ;;
    borg) echo "rm -rf $2 && mkdir -p $2/home && env BORG_BASE_DIR=$2/home borg init -e repokey $2/repo" ;;
  esac
}
# backup_cmd TOOL DIR: back SRC up into the repository in DIR (timed)
backup_cmd() {
  case $1 in
    psclone*) echo "$PSCLONE clone $SRC $2/${IMG[$1]} -q" ;;
    restic) echo "restic -q -r $2/repo --cache-dir $2/cache backup $SRC" ;;
    # borg archive names must be unique: the run number is not known here, so
    # a tiny wrapper-free trick: borg's {now} placeholder (microseconds)
    borg) echo "env BORG_BASE_DIR=$2/home borg create $2/repo::{now:%Y-%m-%dT%H:%M:%S.%f} $SRC" ;;
  esac
}
restore_cmd() { # TOOL DIR TARGET
  case $1 in
    psclone*) echo "$PSCLONE image restore $2/${IMG[$1]} $3" ;;
    restic) echo "restic -q -r $2/repo --cache-dir $2/cache restore latest --target $3" ;;
    borg) echo "env -C $3 BORG_BASE_DIR=$2/home borg extract $2/repo::$(borg_last "$2")" ;;
  esac
}
verify_cmd() { # TOOL DIR
  case $1 in
    psclone*) echo "$PSCLONE image verify $2/${IMG[$1]} --read-data" ;;
    restic) echo "restic -q -r $2/repo --cache-dir $2/cache check --read-data" ;;
    borg) echo "env BORG_BASE_DIR=$2/home borg check --verify-data $2/repo" ;;
  esac
}
open_cmd() { # TOOL DIR: open the repository and read its configuration (key derivation included)
  case $1 in
    psclone*) echo "$PSCLONE image info $2/${IMG[$1]}" ;;
    restic) echo "restic -q -r $2/repo --cache-dir $2/cache cat config" ;;
    borg) echo "env BORG_BASE_DIR=$2/home borg info $2/repo" ;;
  esac
}
borg_last() { BORG_BASE_DIR=$1/home borg list --short --last 1 "$1/repo" 2>>"$LOG"; }
repo_bytes() { # TOOL DIR: apparent bytes of the repository (not of caches)
  case $1 in
    psclone*) du -sb --apparent-size "$2/${IMG[$1]}" | cut -f1 ;;
    *) du -sb --apparent-size "$2/repo" | cut -f1 ;;
  esac
}
ALL_TOOLS=()
for t in psclone psclone-bundle psclone-kdf restic borg; do uses "$t" && ALL_TOOLS+=("$t"); done

# Before every backup run, untimed: borg drops the cache of what it reads (see the header).
WARM_SRC="find $SRC -type f -print0 | xargs -0 -r cat > /dev/null"

# ---------------------------------------------------------------- initial backup
rows=()
for t in "${ALL_TOOLS[@]}"; do
  PREP["$t initial"]="$(init_cmd "$t" "$ST/$t-init") && sync && $WARM_SRC"
  CMD["$t initial"]=$(backup_cmd "$t" "$ST/$t-init")
  rows+=("$t initial")
done
rounds "$SLOW_RUNS" "${rows[@]}"
# the base state: the last initial backup (or an untimed one)
for t in "${ALL_TOOLS[@]}"; do
  if want "$t initial"; then
    untimed "rm -rf $ST/$t && mv $ST/$t-init $ST/$t"
  else
    untimed "$(init_cmd "$t" "$ST/$t") && $(backup_cmd "$t" "$ST/$t")"
  fi
done
declare -A SIZE
for t in "${ALL_TOOLS[@]}"; do SIZE[$t]=$(repo_bytes "$t" "$ST/$t"); done
untimed sync

# ---------------------------------------------------------------- correctness first
# psclone: the image verifies, a second backup stores nothing, and a restore
# equals the source (rsync -aHAXn --delete -i lists nothing)
for t in "${PS_TOOLS[@]}"; do
  untimed "$PSCLONE image verify $ST/$t/${IMG[$t]} --read-data"
  untimed "$PSCLONE clone $SRC $ST/$t/${IMG[$t]} -q"
  added=$("$PSCLONE" image snapshots "$ST/$t/${IMG[$t]}" --json 2>>"$LOG" | python3 -c '
import json, sys
s = [json.loads(l) for l in sys.stdin if l.startswith("{")]
print(s[-1]["addedChunks"])')
  [ "$added" = 0 ] || die "$t: a backup right after the first stored $added new chunk(s); the no-op row would not be a no-op"
done
if [ ${#PS_TOOLS[@]} -gt 0 ]; then
  t=${PS_TOOLS[0]}
  untimed "rm -rf $W/check && $PSCLONE image restore $ST/$t/${IMG[$t]} $W/check"
  extra=$(rsync -aHAXn --delete -i "$SRC/" "$W/check/" 2>&1 || true)
  [ -z "$extra" ] || die "rsync -aHAXn --delete -i $SRC/ $W/check/ finds differences after a $t restore:
$extra"
  untimed "rm -rf $W/check && sync"
  log "correctness check passed: verify exit 0, second backup stored 0 chunks, restore equals the source"
fi

# ---------------------------------------------------------------- no-op backup
rows=()
for t in "${ALL_TOOLS[@]}"; do
  PREP["$t no-op"]=$WARM_SRC; CMD["$t no-op"]=$(backup_cmd "$t" "$ST/$t"); rows+=("$t no-op")
done
warmup "${rows[@]}"
rounds "$RUNS" "${rows[@]}"

# ---------------------------------------------------------------- open (key derivation)
rows=()
for t in "${ALL_TOOLS[@]}"; do
  PREP["$t open"]=""; CMD["$t open"]=$(open_cmd "$t" "$ST/$t"); rows+=("$t open")
done
warmup "${rows[@]}"
rounds "$RUNS" "${rows[@]}"

# ---------------------------------------------------------------- full restore
rows=()
for t in "${ALL_TOOLS[@]}"; do
  target="$W/restore-$t"
  PREP["$t restore"]="rm -rf $target && mkdir -p $target && sync"
  CMD["$t restore"]=$(restore_cmd "$t" "$ST/$t" "$target")
  rows+=("$t restore")
done
rounds "$SLOW_RUNS" "${rows[@]}"
untimed "rm -rf $W/restore-* && sync"

# ---------------------------------------------------------------- verification with data
rows=()
for t in "${ALL_TOOLS[@]}"; do
  PREP["$t verify"]=""; CMD["$t verify"]=$(verify_cmd "$t" "$ST/$t"); rows+=("$t verify")
done
rounds "$SLOW_RUNS" "${rows[@]}"

# ---------------------------------------------------------------- 1% change
# Every run starts from a copy of the repository as it was before the change
# (untimed cp -a of the state folder, caches included).
rows=()
for t in "${ALL_TOOLS[@]}"; do
  PREP["$t 1% change"]="rm -rf $ST/$t-m && cp -a $ST/$t $ST/$t-m && sync && $WARM_SRC"
  CMD["$t 1% change"]=$(backup_cmd "$t" "$ST/$t-m")
  rows+=("$t 1% change")
done
any=0
for r in "${rows[@]}"; do want "$r" && any=1; done
if [ "$any" = 1 ]; then
  log "mutating 1% of the dataset (seed $((SEED + 1)))"
  python3 "$DATASET_TOOLS/mutate-dataset" "$SRC" --percent 1 --seed $((SEED + 1)) 2>&1 | tee -a "$LOG" >&2
  sync
  rounds "$RUNS" "${rows[@]}"
  for t in "${PS_TOOLS[@]}"; do
    want "$t 1% change" && untimed "$PSCLONE image verify $ST/$t-m/${IMG[$t]}"
  done
  untimed "rm -rf $ST/*-m && sync"
fi

# ---------------------------------------------------------------- report
SIZES="$BASE/sizes.tsv"
for t in "${ALL_TOOLS[@]}"; do printf '%s\t%s\n' "$t" "${SIZE[$t]}"; done >"$SIZES"
echo >&2
echo "== results: scale=$SCALE seed=$SEED, $NFILES files, $((NBYTES / 1048576)) MiB; $SLOW_RUNS runs (initial, restore, verify), $RUNS runs (no-op, 1% change, open); medians (warm page cache)" >&2
BENCH_HERE=$HERE python3 - "$RAW" "$BASE/rows.tsv" "$BASE/ratios.tsv" "$SIZES" "$SCALE" "$NBYTES" <<'EOF'
import os, statistics as st, sys
sys.path.insert(0, os.environ["BENCH_HERE"])
from benchreport import load_runs, print_ratios, print_rows, table
raw, rows_out, ratios_out, sizes_file, scale, nbytes = sys.argv[1:7]
runs, order = load_runs(raw, 1048576)
sizes = dict(l.split("\t") for l in open(sizes_file).read().splitlines())
print_rows(runs, order, rows_out, "MiB")

print()
print(table(["repository after the initial backup", "bytes", "MB", "x dataset"],
            [[t, b, "%.1f" % (int(b) / 1e6), "%.3f" % (int(b) / int(nbytes))] for t, b in sizes.items()]))

goals = [("initial", 0.4), ("no-op", 0.25), ("1% change", 0.3), ("restore", 0.7), ("verify", 1.0), ("open", None)]
hdr = ["comparison", "pairs", "paired_ratio_median", "paired_min", "paired_max", "ratio_of_medians", "cpu_ratio", "goal", "result"]
body = []
for ps in ("psclone", "psclone-bundle", "psclone-kdf", "borg"):
    for op, goal in goals:
        a, b = "%s %s" % (ps, op), "restic %s" % op
        if a not in runs or b not in runs:
            continue
        pairs = sorted(set(runs[a]) & set(runs[b]))
        if not pairs:
            continue
        ratios = [runs[a][i][0] / runs[b][i][0] for i in pairs]
        med = st.median(ratios)
        rom = st.median(x[0] for x in runs[a].values()) / st.median(x[0] for x in runs[b].values())
        cpu = st.median((runs[a][i][1] + runs[a][i][2]) / max(1e-9, runs[b][i][1] + runs[b][i][2]) for i in pairs)
        judged = goal is not None and ps != "borg"
        body.append(["%s vs restic: %s" % (ps, op), str(len(pairs)), "%.2f" % med, "%.2f" % min(ratios), "%.2f" % max(ratios),
                     "%.2f" % rom, "%.2f" % cpu, "<= %.2f" % goal if judged else "-",
                     ("PASS" if med <= goal else "MISS") if judged else "-"])
    if ps in sizes and "restic" in sizes:
        r = int(sizes[ps]) / int(sizes["restic"])
        judged = ps != "borg"
        body.append(["%s vs restic: size" % ps, "1", "%.3f" % r, "-", "-", "%.3f" % r, "-",
                     "<= 1.00" if judged else "-", ("PASS" if r <= 1.0 else "MISS") if judged else "-"])
    mine = [n for n in order if n.startswith(ps + " ") and not n.endswith(" open")]
    theirs = [n for n in order if n.startswith("restic ") and not n.endswith(" open")]
    if mine and theirs:
        pm = max(x[3] for n in mine for x in runs[n].values())
        rm = max(x[3] for n in theirs for x in runs[n].values())
        judged = ps != "borg"
        body.append(["%s vs restic: peak RSS (MiB, all rows)" % ps, "-", "%.0f / %.0f" % (pm, rm), "-", "-", "%.2f" % (pm / rm), "-",
                     "<= 1.00" if judged else "-", ("PASS" if pm <= rm else "MISS") if judged else "-"])
print_ratios(hdr, body, ratios_out, runs, order)
if scale == "medium":
    print("\nissue 3 reference (medium, restic 0.14, another day): initial 32.3 s, no-op 2.75 s, 1% change 2.80 s,"
          " restore 9.8 s, check --read-data 5.9 s, 1.20 GB, peak 151 MiB")
EOF
echo >&2
echo "commands (W = $W; ST = \$W/state; psclone's passphrase from PSCLONE_PASSPHRASE, restic's from RESTIC_PASSWORD, borg's from BORG_PASSPHRASE):" >&2
for t in "${ALL_TOOLS[@]}"; do
  for op in initial no-op restore verify "1% change" open; do
    r="$t $op"
    [ -n "${CMD[$r]:-}" ] && want "$r" && printf '  %-26s %s\n' "$r:" "$(sed "s|$ST|\$ST|g; s|$W|\$W|g; s|$PSCLONE|psclone|g" <<<"${CMD[$r]}")" >&2
  done
  printf '  %-26s %s\n' "$t (init, untimed):" "$(sed "s|$ST|\$ST|g; s|$W|\$W|g; s|$PSCLONE|psclone|g" <<<"$(init_cmd "$t" "$ST/$t-init")")" >&2
done
bench_results
exit 0
