"""``make bench``: the stack on SQLite (and PostgreSQL when reachable), measured side by side
with the floors in one run; a table of medians, ratios and targets, and JSON under
bench/results/.

    .venv/bin/python -m bench [--repeats 3] [--calls 1000] [--only authorize,capture]
                              [--databases sqlite,postgresql] [--large]

Parts (--only): empty, chain (the floors), authorize, capture, import, send (full-path
CreateSend into a local SMTP server), run (a campaign run), inbound (bounces, complaints,
replies and auto-replies through the edge's SMTP receiver and webhook until leads has applied
them), audit (appends and verification), scale (the cost per send at 1,000 and 1,000,000
leads). The empty-RPC floor is always measured.
PostgreSQL repeats authorize, capture and send; it is skipped with a note when unreachable.

The defaults keep a full run near ten minutes on two cores: 1,000 calls a repetition (use
--calls 5000 for tighter figures), one campaign run of 10,000 leads (--large: 100,000), one
verification of 1,000,000 entries.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench.suite import DATABASES, PARTS, BenchSuite, Options

ROOT = Path(__file__).resolve().parent.parent


def _positive(text: str) -> int:
    value = int(text.replace("_", "").replace(",", ""))
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parse(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=_positive, default=3, help="repetitions per figure")
    parser.add_argument("--calls", type=_positive, default=1000,
                        help="calls per repetition of the per-call figures (default 1000)")
    parser.add_argument("--concurrency", type=_positive, default=64, help="calls in flight")
    parser.add_argument("--only", default="",
                        help=f"comma-separated parts: {', '.join(PARTS)}")
    parser.add_argument("--databases", default=",".join(DATABASES),
                        help="comma-separated: sqlite, postgresql (default both; PostgreSQL "
                             "applies to authorize, capture and send)")
    parser.add_argument("--large", action="store_true",
                        help="a campaign run of 100,000 leads instead of 10,000")
    parser.add_argument("--run-leads", type=_positive, default=None,
                        help="leads in the campaign run (default 10,000; 100,000 with --large)")
    parser.add_argument("--run-repeats", type=_positive, default=1,
                        help="campaign runs (default 1: one run is 10,000 deliveries)")
    parser.add_argument("--run-concurrency", type=_positive, default=None,
                        help="AICMO_RUN_CONCURRENCY for the run (default: the service's)")
    parser.add_argument("--append-events", type=_positive, default=20_000,
                        help="events per repetition of the append figures")
    parser.add_argument("--append-batch", type=_positive, default=500,
                        help="events per AppendEvents call (at most 1000)")
    parser.add_argument("--verify-entries", type=_positive, default=1_000_000,
                        help="entries in the chain that is verified")
    parser.add_argument("--verify-repeats", type=_positive, default=1,
                        help="verifications of the chain (default 1)")
    parser.add_argument("--scale-leads", type=_positive, default=1_000_000,
                        help="leads in the database for the large scale figure")
    parser.add_argument("--scale-calls", type=_positive, default=500,
                        help="CreateSend calls per repetition of the scale figures")
    parser.add_argument("--inbound-events", type=_positive, default=3000,
                        help="inbound delivery events per repetition (default 3,000)")
    args = parser.parse_args(argv)
    only = frozenset(name.strip() for name in args.only.split(",") if name.strip())
    if only - set(PARTS):
        parser.error(f"unknown part(s) {', '.join(sorted(only - set(PARTS)))}; "
                     f"choose from {', '.join(PARTS)}")
    databases = tuple(dict.fromkeys(name.strip() for name in args.databases.split(",")
                                    if name.strip()))
    if not databases or set(databases) - set(DATABASES):
        parser.error(f"--databases takes {' and/or '.join(DATABASES)}")
    if args.append_batch > 1000:
        parser.error("--append-batch is at most 1000 (the AppendEvents limit)")
    if args.scale_leads <= 1000:
        parser.error("--scale-leads must be more than the 1,000 leads of the small figure")
    return Options(
        repeats=args.repeats, calls=args.calls, concurrency=args.concurrency, only=only,
        databases=databases, large=args.large,
        run_leads=args.run_leads or (100_000 if args.large else 10_000),
        run_repeats=args.run_repeats, run_concurrency=args.run_concurrency,
        append_events=args.append_events, append_batch=args.append_batch,
        verify_entries=args.verify_entries, verify_repeats=args.verify_repeats,
        scale_leads=args.scale_leads, scale_calls=args.scale_calls,
        inbound_events=args.inbound_events)


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    suite = BenchSuite(options)
    with tempfile.TemporaryDirectory(prefix="aicmo-bench-") as scratch:
        report = suite.run(Path(scratch))
    print(report.table())
    path = report.write_json(ROOT / "bench" / "results",
                             {"argv": sys.argv[1:] if argv is None else argv})
    print(f"\nresults written to {path.relative_to(ROOT)}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
