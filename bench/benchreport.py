"""What the reports of clone-bench.sh and image-bench.sh share: reading the
per-run records (RAW, written by the timer in benchlib.sh), the plain-text
table, and the table of rows (medians of wall and CPU time, peak memory,
other load). Imported by the scripts' report steps: sys.path gets bench/."""
import os
import statistics as st


def load_runs(raw, rss_unit):
    """{row: {run: (wall_s, user_s, sys_s, peak_rss, others_%)}} and the rows in
    the order they first ran; warm-up runs (run 0) are left out. rss_unit: bytes
    per reported unit of peak memory (1e6 for MB, 1048576 for MiB)."""
    ncpu = os.cpu_count() or 1
    runs, order = {}, []
    for line in open(raw).read().splitlines()[1:]:
        name, run, wall, user, sys_, rss, _rc, others = line.split("\t")
        if int(run) == 0:
            continue  # warm-up
        if name not in runs:
            runs[name] = {}
            order.append(name)
        runs[name][int(run)] = (float(wall), float(user), float(sys_), int(rss) * 1024 / rss_unit,
                                float(others) / (float(wall) * ncpu) * 100)
    return runs, order


def table(header, body):
    cells = [header] + body
    w = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w[i]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(r)).rstrip() for r in cells)


def print_rows(runs, order, rows_out, rss_label):
    """Prints the row table and writes it as TSV to rows_out."""
    hdr = ["row", "runs", "median_s", "min_s", "max_s", "user_s", "sys_s", "peak_RSS_" + rss_label, "others_%"]
    body = []
    for n in order:
        v = list(runs[n].values())
        col = [[x[i] for x in v] for i in range(5)]
        body.append([n, str(len(v)), "%.3f" % st.median(col[0]), "%.3f" % min(col[0]), "%.3f" % max(col[0]),
                     "%.3f" % st.median(col[1]), "%.3f" % st.median(col[2]), "%.1f" % max(col[3]),
                     "%.0f" % st.median(col[4])])
    print(table(hdr, body))
    with open(rows_out, "w") as f:
        f.write("\t".join(hdr) + "\n" + "".join("\t".join(r) + "\n" for r in body))


def print_ratios(header, body, ratios_out, runs, order):
    """Prints the ratio table, writes it as TSV to ratios_out, and warns when
    other processes kept the machine busy during the median run."""
    print()
    print(table(header, body))
    with open(ratios_out, "w") as f:
        f.write("\t".join(header) + "\n" + "".join("\t".join(r) + "\n" for r in body))
    busy = [x[4] for n in order for x in runs[n].values()]
    if busy and st.median(busy) > 10:
        print("\nWARNING: other processes kept %.0f%% of the machine's CPU busy during the median run (max %.0f%%):"
              " the wall times are not clean; rerun on a quiet machine or with --idle-wait." % (st.median(busy), max(busy)))
