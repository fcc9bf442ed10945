"""``make bench``: the stack on SQLite (and PostgreSQL when reachable), measured side by side
with the floors in one run; a table of medians and ratios, and JSON under bench/results/.

    .venv/bin/python -m bench [--repeats 3] [--calls 5000] [--only authorize,capture]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
from pathlib import Path

from aicmo_common.auth import TokenSigner
from bench import scenarios
from bench.floors import FloorProcesses
from bench.report import Report
from bench.stack import ServiceProcesses

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ".venv/bin/python -m bench"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="repetitions per figure")
    parser.add_argument("--calls", type=int, default=5000, help="calls per repetition")
    parser.add_argument("--concurrency", type=int, default=64, help="calls in flight")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    secret = secrets.token_urlsafe(48)
    signer = TokenSigner(secret)
    report = Report()
    base = f"{COMMAND} --repeats {args.repeats} --calls {args.calls}"

    def wanted(name: str) -> bool:
        return not only or name in only or name == "empty"

    with tempfile.TemporaryDirectory(prefix="aicmo-bench-") as scratch, \
            FloorProcesses(secret) as floors, \
            ServiceProcesses(Path(scratch), secret, secrets.token_urlsafe(48)) as stack:
        venture = stack.start("venture") if wanted("authorize") else None
        leads = stack.start("leads") if wanted("capture") or wanted("import") else None
        empty = report.figure("empty unary RPC (floor)", "calls/s",
                              reproduce=f"{base} --only empty")
        chain = report.figure("empty send-shaped chain (floor)", "calls/s",
                              reproduce=f"{base} --only chain")
        authorize = report.figure("AuthorizeSend, SQLite", "calls/s", floor=empty.name,
                                  reproduce=f"{base} --only authorize")
        capture_new = report.figure("CaptureLead new people, SQLite", "calls/s",
                                    floor=empty.name, reproduce=f"{base} --only capture")
        capture_dup = report.figure("CaptureLead duplicates, SQLite", "calls/s",
                                    floor=empty.name, reproduce=f"{base} --only capture")
        imports = report.figure("ImportLeads stream, SQLite", "rows/s",
                                reproduce=f"{base} --only import")
        for repeat in range(args.repeats):
            print(f"repetition {repeat + 1} of {args.repeats}", file=sys.stderr)
            scenarios.record(empty, asyncio.run(scenarios.empty_rpc(
                f"127.0.0.1:{floors.empty_port}", floors.token(), args.calls,
                args.concurrency)))
            if wanted("chain"):
                scenarios.record(chain, asyncio.run(scenarios.empty_rpc(
                    f"127.0.0.1:{floors.chain_port}", floors.token(), args.calls,
                    args.concurrency)))
            if venture is not None:
                scenarios.record(authorize, asyncio.run(scenarios.authorize_send(
                    venture.address, signer, args.calls, args.concurrency)))
            if leads is not None and wanted("capture"):
                for figure, duplicates in ((capture_new, False), (capture_dup, True)):
                    scenarios.record(figure, asyncio.run(scenarios.capture(
                        leads.address, signer, args.calls, args.concurrency,
                        duplicates=duplicates)))
            if leads is not None and wanted("import"):
                imports.samples.append(asyncio.run(scenarios.import_rows(
                    leads.address, signer, args.calls)).rate)
    for name in [name for name, figure in report.figures.items() if not figure.samples]:
        del report.figures[name]
    print(report.table())
    path = report.write_json(ROOT / "bench" / "results", {"argv": sys.argv[1:]})
    print(f"\nresults written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
