"""One bench run: which stacks start, in what order each figure is measured, and how.

The per-call figures (floors, AuthorizeSend, capture, import, CreateSend, on SQLite and on
PostgreSQL) are measured in rounds, one repetition of each per round, so drift of the machine
hits all of them alike. The long figures (a campaign run, the audit chain, the scale of the
leads table) follow, each on a stack of its own so that its memory and its tables are its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import math
import multiprocessing
import os
import secrets
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from aicmo_common.auth import TokenSigner
from bench import audit_chain, inbound, scenarios, sending
from bench.edge import EdgeProcess
from bench.floors import FloorProcesses
from bench.lead_fill import FillResult, fill_leads
from bench.postgres import PostgresDatabases
from bench.report import Figure, Report
from bench.smtp_sink import SmtpSink
from bench.stack import CpuAccount, ServiceProcesses, peak_rss_bytes, rss_bytes

COMMAND = ".venv/bin/python -m bench"
PARTS = ("empty", "chain", "authorize", "capture", "import", "send", "run", "inbound", "audit",
         "scale")
DATABASES = ("sqlite", "postgresql")
LABEL = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
EMPTY = "empty unary RPC (floor)"
CHAIN = "empty send-shaped chain (floor)"
STACK_SERVICES = ("audit", "venture", "leads", "distribution")
INBOUND_DOMAIN = "in.bench.example"
SCALE_BASE = 1000  # leads in the database for the small scale figure
T = TypeVar("T")


@dataclass(frozen=True)
class Options:
    repeats: int
    calls: int
    concurrency: int
    only: frozenset[str]
    databases: tuple[str, ...]
    large: bool
    run_leads: int
    run_repeats: int
    run_concurrency: int | None
    append_events: int
    append_batch: int
    verify_entries: int
    verify_repeats: int
    scale_leads: int
    scale_calls: int
    inbound_events: int

    def wanted(self, part: str) -> bool:
        return not self.only or part in self.only or part == "empty"


class BenchSuite:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.secret = secrets.token_urlsafe(48)
        self.identity_key = secrets.token_urlsafe(48)
        self.signer = TokenSigner(self.secret)
        self.report = Report()
        self.started = time.monotonic()
        self._exit = contextlib.ExitStack()
        self.scratch = Path()
        self.sink: SmtpSink | None = None

    # --- the run -------------------------------------------------------------------------

    def run(self, scratch: Path) -> Report:
        o = self.options
        self.scratch = scratch
        load_before = _load_average()
        if not o.only:
            self.report.notes.append(
                "defaults trimmed to keep a full run near ten minutes on two cores: "
                f"{o.calls:,} calls a repetition, {o.run_repeats} campaign run(s), "
                f"{o.verify_repeats} verification(s); more with --calls 5000 "
                "--run-repeats 3 --verify-repeats 3")
        with self._exit:
            floors = self._exit.enter_context(FloorProcesses(self.secret))
            databases = list(o.databases)
            postgres = None
            if "postgresql" in databases:
                postgres = self._exit.enter_context(PostgresDatabases())
                if postgres.unreachable:
                    self.report.notes.append(f"PostgreSQL lines skipped: {postgres.unreachable}")
                    databases.remove("postgresql")
                    postgres = None
            if any(o.wanted(part) for part in ("send", "run", "inbound", "scale")):
                self.sink = self._exit.enter_context(SmtpSink())
            self.rounds(floors, databases, postgres)
            if o.wanted("run"):
                self.guard("run", self.campaign_run)
            if o.wanted("inbound"):
                self.guard("inbound", self.inbound_events)
            self.large_tables()
        for name in [name for name, figure in self.report.figures.items() if not figure.samples]:
            del self.report.figures[name]
        elapsed = time.monotonic() - self.started
        self.report.notes.append(
            f"took {elapsed / 60:.1f} min on {os.cpu_count()} cores; load average "
            f"{load_before} at the start, {_load_average()} at the end (anything else running "
            "on the machine takes from the same cores and lowers every figure)")
        self.progress(f"done in {elapsed:.0f}s")
        return self.report

    def progress(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f}s] {message}", file=sys.stderr,
              flush=True)

    def guard(self, part: str, work: Callable[[], None]) -> bool:
        """Runs one part; a failure is reported with its reason and the other parts go on."""
        try:
            work()
            return True
        except Exception as error:  # noqa: BLE001 - reported in the table, the run goes on
            traceback.print_exc(file=sys.stderr)
            self.report.failures[part] = f"{type(error).__name__}: {error}"[:1000]
            return False

    def command(self, only: str, *extra: str) -> str:
        return " ".join((COMMAND, "--repeats", str(self.options.repeats), "--calls",
                         str(self.options.calls), "--only", only, *extra))

    # --- stacks --------------------------------------------------------------------------

    def processes(self, name: str) -> ServiceProcesses:
        return self._exit.enter_context(ServiceProcesses(self.scratch / name, self.secret,
                                                         self.identity_key))

    def distribution_env(self, **extra: str) -> dict[str, str]:
        assert self.sink is not None
        env = {"AICMO_SMTP_HOST": "127.0.0.1", "AICMO_SMTP_PORT": str(self.sink.port),
               "AICMO_SMTP_TLS": "none", "AICMO_UNSUBSCRIBE_BASE_URL": "https://edge.bench.example",
               "AICMO_MAIL_DOMAIN": "bench.example"}
        if self.options.run_concurrency is not None:
            env["AICMO_RUN_CONCURRENCY"] = str(self.options.run_concurrency)
        env.update(extra)
        return env

    def send_stack(self, name: str, postgres: PostgresDatabases | None = None,
                   distribution_env: dict[str, str] | None = None) -> ServiceProcesses:
        """audit, venture, leads and distribution (delivering to the SMTP sink), each in its
        own process with its own database; audit first, so every relay has somewhere to go."""
        stack = self.processes(name)
        for service in STACK_SERVICES:
            url = postgres.create(f"{name.replace('-', '_')}_{service}") if postgres else None
            stack.start(service, database_url=url,
                        env=self.distribution_env(**distribution_env or {})
                        if service == "distribution" else None)
        return stack

    def cpu_account(self, stack: ServiceProcesses, **others: int) -> CpuAccount:
        """CPU of the stack's services, ``others`` (name: pid), the SMTP sink and this
        process (the load generator, or the run's poller)."""
        pids = {name: service.process.pid for name, service in stack.running.items()}
        pids.update(others)
        if self.sink is not None:
            pids["smtp"] = self.sink.pid
        pids["bench client"] = os.getpid()
        return CpuAccount(pids)

    # --- per-call figures, in rounds -----------------------------------------------------

    def rounds(self, floors: FloorProcesses, databases: list[str],
               postgres: PostgresDatabases | None) -> None:
        o, report = self.options, self.report
        lines: list[tuple[str, Callable[[int], None]]] = []
        empty = report.figure(EMPTY, "calls/s", reproduce=self.command("empty"),
                              note=f"{o.concurrency} in flight on the services' server "
                                   "skeleton")
        lines.append(("empty", lambda rep: scenarios.record(empty, asyncio.run(
            scenarios.empty_rpc(f"127.0.0.1:{floors.empty_port}", floors.token(), o.calls,
                                o.concurrency)))))
        if any(o.wanted(part) for part in ("chain", "send", "scale")):
            chain = report.figure(CHAIN, "calls/s", reproduce=self.command("chain"),
                                  note="client -> front -> leads-shaped -> venture-shaped, "
                                       "each empty, each its own process")
            lines.append(("chain", lambda rep: scenarios.record(chain, asyncio.run(
                scenarios.empty_rpc(f"127.0.0.1:{floors.chain_port}", floors.token(),
                                    o.calls, o.concurrency)))))
        for database in databases:
            pg = postgres if database == "postgresql" else None
            self.guard(f"per-call setup on {LABEL[database]}",
                       lambda d=database, p=pg: lines.extend(self.call_lines(d, p)))
            if o.wanted("send"):
                self.guard(f"send setup on {LABEL[database]}",
                           lambda d=database, p=pg: lines.append(self.send_line(d, p)))
        for rep in range(o.repeats):
            for part, measure in lines:
                if part in self.report.failures:
                    continue
                self.progress(f"repetition {rep + 1} of {o.repeats}: {part}")
                self.guard(part, lambda m=measure, r=rep: m(r))

    def call_lines(self, database: str, postgres: PostgresDatabases | None
                   ) -> list[tuple[str, Callable[[int], None]]]:
        o, report, signer = self.options, self.report, self.signer
        label = LABEL[database]
        flag = ("--databases", database)
        lines: list[tuple[str, Callable[[int], None]]] = []
        if o.wanted("authorize") or o.wanted("capture") or (
                o.wanted("import") and database == "sqlite"):
            self.progress(f"starting venture and leads on {label}")
            stack = self.processes(f"{database}-calls")
            if o.wanted("authorize"):
                venture = stack.start("venture", database_url=postgres.create("calls_venture")
                                      if postgres else None)
                authorize = report.figure(
                    f"AuthorizeSend, {label}", "calls/s", floor=EMPTY, target_ratio=0.5,
                    reproduce=self.command("authorize", *flag))
                lines.append((f"authorize {label}", lambda rep: scenarios.record(
                    authorize, asyncio.run(scenarios.authorize_send(
                        venture.address, signer, o.calls, o.concurrency)))))
            if o.wanted("capture") or (o.wanted("import") and database == "sqlite"):
                leads = stack.start("leads", database_url=postgres.create("calls_leads")
                                    if postgres else None)
            if o.wanted("capture"):
                for duplicates, kind in ((False, "new people"), (True, "duplicates")):
                    figure = report.figure(
                        f"CaptureLead {kind}, {label}", "calls/s", floor=EMPTY,
                        target_ratio=0.5, reproduce=self.command("capture", *flag))
                    lines.append((f"capture {kind} {label}", lambda rep, f=figure, d=duplicates:
                                  scenarios.record(f, asyncio.run(scenarios.capture(
                                      leads.address, signer, o.calls, o.concurrency,
                                      duplicates=d)))))
            if o.wanted("import") and database == "sqlite":
                imports = report.figure("ImportLeads stream, SQLite", "rows/s",
                                        reproduce=self.command("import"),
                                        note="one stream of new people")
                lines.append(("import", lambda rep: imports.samples.append(asyncio.run(
                    scenarios.import_rows(leads.address, signer, o.calls)).rate)))
        return lines

    def send_line(self, database: str, postgres: PostgresDatabases | None
                  ) -> tuple[str, Callable[[int], None]]:
        o = self.options
        label = LABEL[database]
        self.progress(f"starting audit, venture, leads and distribution on {label}")
        stack = self.send_stack(f"{database}-send", postgres)
        lead_count = min(o.calls, 1000)
        steps_per_rep = math.ceil(o.calls / lead_count)
        target = asyncio.run(sending.prepare(
            stack.running["venture"].address, stack.running["leads"].address,
            stack.running["distribution"].address, self.signer, leads=lead_count))
        asyncio.run(sending.warm_up(stack.running["distribution"].address, self.signer, target,
                                    concurrency=o.concurrency))
        note = (f"{o.concurrency} in flight; {lead_count} consented leads, a new step each "
                "time round; audit, venture, leads, distribution and the SMTP sink each in "
                "their own process; every call must end SENT")
        figure = self.report.figure(
            f"CreateSend full path to SMTP, {label}", "calls/s", floor=CHAIN, target_ratio=0.5,
            reproduce=self.command("send", "--databases", database), note=note)
        assert self.sink is not None
        sink = self.sink
        cpu = self.cpu_account(stack)
        sent = 0

        def measure(rep: int) -> None:
            nonlocal sent
            before = sink.accepted
            with cpu:
                result = asyncio.run(sending.create_sends(
                    stack.running["distribution"].address, self.signer, target,
                    target.lead_ids, total=o.calls, concurrency=o.concurrency,
                    first_step=1 + rep * steps_per_rep))
            scenarios.record(figure, result)
            sent += result.calls
            figure.note = f"{note}; {cpu.per(sent)}"
            if sink.accepted - before != result.calls:
                raise RuntimeError(f"{result.calls} sends SENT but the SMTP server accepted "
                                   f"{sink.accepted - before}")

        return f"send {label}", measure

    # --- a campaign run ------------------------------------------------------------------

    def campaign_run(self) -> None:
        o, report = self.options, self.report
        assert self.sink is not None
        sink = self.sink
        self.progress("starting a fresh stack for the campaign run")
        stack = self.send_stack("sqlite-run")
        self.progress(f"importing {o.run_leads:,} consented leads")
        started = time.perf_counter()
        target = asyncio.run(sending.prepare(
            stack.running["venture"].address, stack.running["leads"].address,
            stack.running["distribution"].address, self.signer, leads=o.run_leads))
        imported = time.perf_counter() - started
        size = "--large" if o.large else f"--run-leads {o.run_leads}"
        name = f"campaign run of {o.run_leads:,} leads, SQLite"
        figure = report.figure(
            name, "deliveries/s", target_value=1000,
            reproduce=f"{COMMAND} --only run {size} --run-repeats {o.run_repeats}" + (
                f" --run-concurrency {o.run_concurrency}" if o.run_concurrency else ""),
            note="SENT / (RunCampaign call -> run COMPLETED); every SENT counted at the SMTP "
                 f"server too; run concurrency "
                 f"{o.run_concurrency or 'the service default (AICMO_RUN_CONCURRENCY)'}; "
                 f"the leads were imported with ImportLeads first "
                 f"({o.run_leads / imported:,.0f} rows/s), not timed here, and every "
                 f"audit event before the run was relayed before it started")
        pids = [service.process.pid for service in stack.running.values()] + [sink.pid]
        peak_total = 0

        def sample() -> None:
            nonlocal peak_total
            peak_total = max(peak_total, sum(rss_bytes(pid) for pid in pids))

        cpu = self.cpu_account(stack)
        note = figure.note
        delivered = 0
        for rep in range(o.run_repeats):
            # The import's (and the last run's) audit events go first, not during this run.
            stack.wait_for_relays()
            self.progress(f"campaign run {rep + 1} of {o.run_repeats}: {o.run_leads:,} leads")
            with cpu:
                result = asyncio.run(sending.campaign_run(
                    stack.running["distribution"].address, self.signer, target, step=rep + 1,
                    accepted=lambda: sink.accepted, within=max(600.0, o.run_leads / 5),
                    on_poll=sample))
            if result.sent != o.run_leads or result.delivered != result.sent or \
                    result.other_states:
                raise RuntimeError(f"run sent {result.sent} of {o.run_leads}, the SMTP server "
                                   f"accepted {result.delivered}, other states "
                                   f"{result.other_states}")
            figure.samples.append(result.rate)
            delivered += result.sent
            figure.note = f"{note}; {cpu.per(delivered).replace('a call', 'a delivery')}"
            self.progress(f"  {result.rate:,.1f} deliveries/s")
        distribution = stack.running["distribution"].peak_rss_bytes()
        if distribution:
            report.figure("campaign run peak memory, distribution", "MB",
                          reproduce=figure.reproduce,
                          note="VmHWM of the distribution process, started fresh for the run"
                          ).samples.append(distribution / 1e6)
            report.figure("campaign run peak memory, whole stack", "MB",
                          reproduce=figure.reproduce,
                          note="largest sum of the resident sets of audit, venture, leads, "
                               "distribution and the SMTP sink, sampled every 0.25 s during "
                               "the run; the sum of their VmHWM is "
                               f"{sum(peak_rss_bytes(pid) for pid in pids) / 1e6:,.0f} MB"
                          ).samples.append(peak_total / 1e6)

    # --- inbound delivery events -------------------------------------------------------

    def inbound_command(self) -> str:
        o = self.options
        return (f"{COMMAND} --only inbound --repeats {o.repeats} --inbound-events "
                f"{o.inbound_events} --concurrency {o.concurrency}")

    def inbound_events(self) -> None:
        """Bounces, complaints, replies and auto-replies over real SMTP and signed webhook
        posts to the edge, until leads has applied every one (bench/inbound.py)."""
        o = self.options
        assert self.sink is not None
        sink = self.sink
        self.progress("starting a fresh stack and the edge for the inbound events")
        stack = self.send_stack("sqlite-inbound",
                                distribution_env={"AICMO_INBOUND_DOMAIN": INBOUND_DOMAIN})
        webhook_secret = secrets.token_urlsafe(48)
        edge = self._exit.enter_context(EdgeProcess(stack.workdir, {
            "AICMO_TOKEN_SECRET": self.secret, "AICMO_INBOUND_DOMAIN": INBOUND_DOMAIN,
            "AICMO_MAIL_DOMAIN": "bench.example", "AICMO_WEBHOOK_INBOUND_SECRET": webhook_secret,
            **{f"AICMO_{name.upper()}_ADDR": stack.running[name].address
               for name in ("venture", "leads", "distribution")}}))
        address = inbound.EdgeAddress(edge.http_url, edge.smtp_port, INBOUND_DOMAIN,
                                      self.secret, webhook_secret)
        distribution = stack.running["distribution"].address
        leads = stack.running["leads"].address
        self.progress(f"inbound: {o.inbound_events:,} leads and {o.repeats} campaign runs to "
                      "answer (not timed)")
        target = asyncio.run(sending.prepare(
            stack.running["venture"].address, leads, distribution, self.signer,
            leads=o.inbound_events))
        asyncio.run(sending.warm_up(distribution, self.signer, target,
                                    concurrency=o.concurrency))
        for step in range(1, o.repeats + 1):
            run = asyncio.run(sending.campaign_run(
                distribution, self.signer, target, step=step, accepted=lambda: sink.accepted,
                within=max(600.0, o.inbound_events / 5)))
            if run.sent != o.inbound_events or run.other_states:
                raise RuntimeError(f"run {step} sent {run.sent} of {o.inbound_events}: "
                                   f"{run.other_states}")
        by_step = asyncio.run(inbound.sent_messages(
            distribution, leads, self.signer, campaign_id=target.campaign_id,
            venture_id=target.venture_id, mail_domain="bench.example"))
        leads_db = stack.workdir / "leads.db"
        stack.wait_for_relays()

        def hand_in(batch: inbound.Batch) -> inbound.InboundResult:
            return asyncio.run(inbound.hand_in(
                batch, address, concurrency=o.concurrency,
                applied=lambda: inbound.feedback_rows(leads_db)))

        def check(batch: inbound.Batch) -> None:
            asyncio.run(inbound.check_ledger(leads, self.signer, campaign_id=target.campaign_id,
                                             expected=batch.expected))

        def batch_of(step: int) -> inbound.Batch:
            return inbound.build_batch(by_step[step], address, dt.datetime.now(dt.UTC))

        self.progress("inbound: warm-up events")
        warm = batch_of(sending.MAX_STEP)
        hand_in(warm)
        check(warm)
        note = (f"{o.inbound_events:,} events a repetition, each answering its own send, "
                f"{o.concurrency} SMTP sessions and webhook posts in flight; per ten events: "
                "2 hard bounces (RFC 3464 DSN), 1 ARF complaint, 2 replies, 1 out-of-office "
                f"over SMTP in sessions of {inbound.MESSAGES_PER_SESSION} messages, and 4 "
                f"events in signed generic webhook posts of {inbound.EVENTS_PER_POST}; "
                "timed from the first byte to the edge until leads' feedback ledger holds "
                "every event (each then found by send and kind through ListFeedback); the "
                "sends came from campaign runs, not timed")
        figure = self.report.figure("inbound events end to end, SQLite", "events/s",
                                    target_value=2000, reproduce=self.inbound_command(),
                                    note=note)
        cpu = self.cpu_account(stack, edge=edge.pid)
        events = 0
        for rep in range(o.repeats):
            stack.wait_for_relays()
            self.progress(f"inbound: repetition {rep + 1} of {o.repeats}")
            batch = batch_of(rep + 1)
            with cpu:
                result = hand_in(batch)
            check(batch)
            figure.samples.append(result.rate)
            events += result.events
            self.progress(f"  {result.rate:,.1f} events/s applied; the edge had answered "
                          f"for all after {result.handed_seconds:.2f}s of "
                          f"{result.applied_seconds:.2f}s")
            figure.note = f"{note}; {cpu.per(events).replace('a call', 'an event')}"

    # --- the cost per send as the leads table grows, and the audit chain ----------------
    #
    # Both need a large table before they can be measured: a million leads, a million log
    # entries. Building them is set-up, not measurement, so the two are built at once (the
    # chain in a second process), and measured one after the other on a quiet machine.

    def large_tables(self) -> None:
        o = self.options
        scale = self.guarded("scale", self.scale_small) if o.wanted("scale") else None
        audit = self.guarded("audit", self.audit_appends) if o.wanted("audit") else None
        if scale is None and audit is None:
            return
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
            chain = None
            if audit is not None:
                self.progress(f"audit: appending {audit.top_up:,} more entries in-process, in "
                              "another process")
                chain = pool.submit(audit_chain.build_chain, audit.url, audit.top_up)
            if scale is not None and not self.guard("scale", lambda: self.scale_fill(scale)):
                scale = None
            if chain is not None and not self.guard(
                    "audit", lambda: setattr(audit, "built_seconds", chain.result())):
                audit = None
        if audit is not None:
            self.guard("audit", lambda: self.audit_verify(audit))
        if scale is not None:
            self.guard("scale", lambda: self.scale_large(scale))

    def guarded(self, part: str, work: Callable[[], T]) -> T | None:
        result: list[T] = []
        self.guard(part, lambda: result.append(work()))
        return result[0] if result else None

    def scale_small(self) -> _Scale:
        o, report = self.options, self.report
        assert self.sink is not None
        self.progress("starting a fresh stack for the scale figures")
        stack = self.send_stack("sqlite-scale")
        distribution = stack.running["distribution"].address
        target = asyncio.run(sending.prepare(
            stack.running["venture"].address, stack.running["leads"].address, distribution,
            self.signer, leads=SCALE_BASE))
        asyncio.run(sending.warm_up(distribution, self.signer, target,
                                    concurrency=o.concurrency))
        small = report.figure(
            f"CreateSend, {SCALE_BASE:,} leads in the database", "calls/s", floor=CHAIN,
            reproduce=self.scale_command(), note=f"{o.scale_calls} sends a repetition, "
                                                 f"{o.concurrency} in flight; p50 is the cost "
                                                 "per send")
        # Declared now so that the two lines stand together in the table.
        large = report.figure(
            f"CreateSend, {o.scale_leads:,} leads in the database", "calls/s",
            floor=small.name, target_ratio=0.8, reproduce=self.scale_command())
        steps = math.ceil(o.scale_calls / SCALE_BASE)
        for rep in range(o.repeats):
            self.progress(f"scale: repetition {rep + 1} of {o.repeats} at {SCALE_BASE:,} leads")
            scenarios.record(small, asyncio.run(sending.create_sends(
                distribution, self.signer, target, target.lead_ids, total=o.scale_calls,
                concurrency=o.concurrency, first_step=1 + rep * steps)))
        return _Scale(stack, target, small, large)

    def scale_command(self) -> str:
        o = self.options
        return (f"{COMMAND} --only scale --repeats {o.repeats} --scale-calls {o.scale_calls} "
                f"--scale-leads {o.scale_leads}")

    def scale_fill(self, scale: _Scale) -> None:
        o = self.options
        added = o.scale_leads - SCALE_BASE
        self.progress(f"scale: adding {added:,} leads in bulk")
        scale.filled = fill_leads(scale.stack.workdir / "leads.db", self.identity_key,
                                  scale.target.lead_ids[-1], added,
                                  sample_size=o.scale_calls * o.repeats)

    def scale_large(self, scale: _Scale) -> None:
        o, report = self.options, self.report
        filled = scale.filled
        assert filled is not None
        distribution = scale.stack.running["distribution"].address
        large = scale.large
        large.note = (f"the {filled.added:,} extra leads are clones of a captured lead's rows "
                      "written straight into the leads service's own tables "
                      f"(bench/lead_fill.py, {filled.rate:,.0f} leads/s), not ImportLeads; "
                      "sends go to leads spread over the whole table; target: the rate stays "
                      "within 20% of the small table")
        for rep in range(o.repeats):
            self.progress(f"scale: repetition {rep + 1} of {o.repeats} at {o.scale_leads:,} "
                          "leads")
            leads = filled.sample[rep * o.scale_calls:(rep + 1) * o.scale_calls]
            scenarios.record(large, asyncio.run(sending.create_sends(
                distribution, self.signer, scale.target, leads, total=o.scale_calls,
                concurrency=o.concurrency, first_step=1)))
        p50_small = statistics.median(scale.small.p50_ms)
        p50_large = statistics.median(large.p50_ms)
        report.notes.append(f"cost per send (p50 CreateSend latency): {p50_small:.1f} ms at "
                            f"{SCALE_BASE:,} leads, {p50_large:.1f} ms at {o.scale_leads:,} "
                            f"leads ({p50_large / p50_small:.2f} x)")

    def audit_command(self) -> str:
        o = self.options
        return (f"{COMMAND} --only audit --repeats {o.repeats} --append-events "
                f"{o.append_events} --verify-entries {o.verify_entries} --verify-repeats "
                f"{o.verify_repeats}")

    def audit_appends(self) -> _Audit:
        o, report = self.options, self.report
        self.progress("starting a fresh audit service")
        stack = self.processes("sqlite-audit")
        audit = stack.start("audit")
        in_flight = (1, 4)
        figures: dict[int, Figure] = {
            n: report.figure(f"AppendEvents, batches of {o.append_batch}, {n} in flight, "
                             "SQLite", "events/s", reproduce=self.audit_command(),
                             note=f"{o.append_events:,} events a repetition; p50/p99 are per "
                                  "batch" + ("; several relays deliver at once" if n > 1
                                             else ""))
            for n in in_flight}
        appended = 0
        for rep in range(o.repeats):
            for n in in_flight:
                self.progress(f"audit: repetition {rep + 1} of {o.repeats}, {n} in flight")
                rate, result = asyncio.run(audit_chain.append_batches(
                    audit.address, self.signer, events=o.append_events, batch=o.append_batch,
                    concurrency=n))
                scenarios.record(figures[n], result)
                figures[n].samples[-1] = rate  # events, not batches, per second
                appended += result.calls * o.append_batch
        top_up = max(0, o.verify_entries - appended)
        verify = report.figure(f"VerifyChain of {appended + top_up:,} entries, SQLite", "s",
                               lower_is_better=True, reproduce=self.audit_command())
        return _Audit(stack, f"sqlite:///{stack.workdir / 'audit.db'}", appended, top_up,
                      verify)

    def audit_verify(self, audit: _Audit) -> None:
        o = self.options
        total = audit.appended + audit.top_up
        rate = audit.top_up / audit.built_seconds if audit.built_seconds else 0
        verify = audit.verify
        verify.note = (f"the chain: {audit.appended:,} entries through AppendEvents, "
                       f"{audit.top_up:,} appended in-process with the audit service's own "
                       f"service_layer.append.append_events ({rate:,.0f} entries/s, while the "
                       "scale figure's leads were being filled), then one VerifyChain RPC "
                       "over all of it")
        address = audit.stack.running["audit"].address
        for rep in range(o.verify_repeats):
            self.progress(f"audit: verification {rep + 1} of {o.verify_repeats}")
            result = asyncio.run(audit_chain.verify_chain(address, self.signer))
            if result.entries != total:
                raise RuntimeError(f"VerifyChain checked {result.entries} of {total} entries")
            verify.samples.append(result.seconds)


@dataclass
class _Scale:
    stack: ServiceProcesses
    target: sending.SendTarget
    small: Figure
    large: Figure
    filled: FillResult | None = None


@dataclass
class _Audit:
    stack: ServiceProcesses
    url: str
    appended: int
    top_up: int
    verify: Figure
    built_seconds: float = 0.0

def _load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "unknown"
