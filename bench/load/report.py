"""Prints the figures the README records from Locust's stats CSV."""

import csv
import sys


def main(path: str) -> None:
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    print(
        f"{'request':33} {'n':>7} {'fail':>5} {'avg':>6} {'p50':>6} {'p95':>6} {'p99':>6}"
        f" {'rps':>6}"
    )
    for row in rows:
        name = "ALL" if row["Name"] == "Aggregated" else row["Name"]
        print(
            f"{name:34} {row['Request Count']:>7} {row['Failure Count']:>5} "
            f"{float(row['Average Response Time']):6.0f} {row['50%']:>6} {row['95%']:>6} "
            f"{row['99%']:>6} {float(row['Requests/s']):6.1f}"
        )
    total = next(r for r in rows if r["Name"] == "Aggregated")
    errors = int(total["Failure Count"]) / max(int(total["Request Count"]), 1)
    trivial = next((r for r in rows if r["Name"].startswith("trivial")), None)
    print(f"error rate {errors:.2%}")
    if trivial:
        ratio = float(total["Average Response Time"]) / float(trivial["Average Response Time"])
        print(f"average / trivial view average = {ratio:.1f}")


if __name__ == "__main__":
    main(sys.argv[1])
