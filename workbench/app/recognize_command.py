"""`h2b-workbench recognize`: one H2B session, headless, with the result on stdout.

Everything the user typed is checked before anything connects (parameters against the
protocol's schema, grammar URIs and aliases, credentials, the audio), so a typo costs no token
and no server start. Then: the local server when asked (the default), a connection, OPEN,
SET-PARAMS, DEFINE-GRAMMAR for each ``--define``, RECOGNIZE, the audio in real time (then
silence until the recognition completes: the server's timers run on audio time), CLOSE. Events
print as they come; ``--json`` prints one document at the end instead.

Exit codes: 0 Success, 1 any other completion cause or a refused command, 2 a usage error
(also an audio source that cannot be used), 3 a connection, authentication or server failure,
130 Ctrl-C (the recognition is stopped and the session closed first).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from workbench.app.session_steps import (
    LOCAL_SESSION_PARAMS,
    RecognitionSteps,
    recognize_once,
    stop_and_close,
)
from workbench.audio.devices import find_device
from workbench.audio.memory_sources import PcmSource, SilenceSource
from workbench.audio.microphone import MicrophoneSource
from workbench.audio.source import AudioSource, AudioSourceError
from workbench.audio.stream import AudioStream
from workbench.audio.tts import tts_source
from workbench.audio.wav_files import load_audio
from workbench.client import ConnectionFailure, ConnectionProfile, Credentials, H2BConnection
from workbench.client.profiles import UHLIVE_API_URL, custom_profile, local_profile, uhlive_profile
from workbench.controller import CommandFailed, ControllerError, SessionController
from workbench.controller.report import RecognitionReport
from workbench.protocol.causes import CAUSE_INFO
from workbench.protocol.grammars import (
    GrammarError,
    grammar_list_problems,
    parse_grammar_uri,
    validate_alias,
    validate_grammar_uri,
)
from workbench.protocol.params import AUDIO_CODECS, ParamError, ParamScope, parse_assignment
from workbench.recognition.engine import EngineUnavailableError
from workbench.recognition.engines import ENGINE_NAMES, make_engine
from workbench.server.app import ServerConfig
from workbench.server.auth import Credentials as ServerCredentials
from workbench.server.runner import EmbeddedServer
from workbench.session import Timeline, TimelineChange
from workbench.session.jsonl import entry_to_json

OK, NO_SUCCESS, USAGE, CONNECTION, INTERRUPTED = 0, 1, 2, 3, 130
RECOGNIZE_ONLY = ("recognition_mode", "start_input_timers", "content_type")


class UsageError(Exception):
    """What the user typed cannot work; ``str()`` says why (exit code 2)."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``recognize`` subcommand."""
    parser = subparsers.add_parser(
        "recognize",
        help="run one recognition headless and print the events and the result",
        description="Open an H2B session, recognize one utterance against the grammars, "
        "print the events as they come and the result. Exit code 0 on Success.",
    )
    audio = parser.add_mutually_exclusive_group(required=True)
    audio.add_argument("--audio", metavar="FILE", help="WAV or raw 8 kHz file, sent in real time")
    audio.add_argument("--say", metavar="TEXT", help="speak TEXT with the installed TTS")
    audio.add_argument("--device", metavar="NAME_OR_INDEX", help="microphone until completion")
    parser.add_argument("--grammar", metavar="URI", action="append", required=True,
                        help="grammar URI (repeat for several; the first match wins)")  # fmt: skip
    parser.add_argument("--define", metavar="ALIAS=URI", action="append", default=[],
                        help="DEFINE-GRAMMAR first; then use --grammar session:ALIAS")  # fmt: skip
    parser.add_argument("--mode", choices=("normal", "hotword"), help="recognition mode")
    parser.add_argument("--param", metavar="K=V", action="append", default=[],
                        help="recognition parameter, e.g. no_input_timeout=3000")  # fmt: skip
    parser.add_argument("--codec", choices=AUDIO_CODECS, default="linear", help="audio codec")
    parser.add_argument("--server", default="local", metavar="local|uhlive|URL",
                        help="local (default), uhlive, or ws(s)://host:port")  # fmt: skip
    parser.add_argument("--auth-server", metavar="HOST[:PORT]", help="token endpoint host")
    parser.add_argument("--realm", default="uhlive", help="token realm (default uhlive)")
    parser.add_argument("--client-id", help="client id (default: $UHLIVE_API_CLIENT)")
    parser.add_argument("--client-secret", help="client secret (default: $UHLIVE_API_SECRET)")
    parser.add_argument("--engine", choices=ENGINE_NAMES, default="auto",
                        help="recognizer of the local server")  # fmt: skip
    parser.add_argument("--timeline", metavar="OUT.jsonl", type=Path,
                        help="write the timeline as JSON Lines (secrets masked)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print one JSON document at the end")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                        help="give up waiting for the result (default 120)")  # fmt: skip
    parser.set_defaults(handler=run)


# -- planning: everything checked before connecting -------------------------------------------


@dataclass
class Plan:
    """What one run will do, checked."""

    grammars: list[str]
    defines: list[tuple[str, str]]
    mode: str = "normal"
    start_input_timers: bool = True
    session_params: dict[str, Any] = field(default_factory=dict)
    recognize_params: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    profile: ConnectionProfile | None = None
    """None for the local server, whose address is known once it runs."""
    credentials: Credentials | None = None


def make_plan(args: argparse.Namespace) -> Plan:
    """Check every argument; raise :class:`UsageError` with the first problem."""
    plan = Plan(grammars=list(args.grammar), defines=[])
    _plan_grammars(plan, args.define)
    _plan_params(plan, args.param, args.mode, local=args.server == "local")
    _plan_server(plan, args)
    return plan


def _plan_grammars(plan: Plan, defines: list[str]) -> None:
    for text in defines:
        alias, sep, uri = text.partition("=")
        problem = validate_alias(alias) if sep else f"--define {text!r}: expected ALIAS=URI"
        if problem is not None:
            raise UsageError(problem)
        if not uri.startswith(("builtin:", "session:")):
            uri = "builtin:" + uri  # as the SDK's define_grammar adds it
        try:
            parsed = parse_grammar_uri(uri)
        except GrammarError as error:
            raise UsageError(str(error)) from None
        if not parsed.is_builtin:
            raise UsageError(f"--define {alias}: an alias must stand for a builtin: grammar")
        plan.warnings += [str(p) for p in validate_grammar_uri(parsed)]
        plan.defines.append((alias, uri))
    aliases = {alias: parse_grammar_uri(uri) for alias, uri in plan.defines}
    parsed_grammars = []
    for text in plan.grammars:
        try:
            parsed_grammars.append(parse_grammar_uri(text))
        except GrammarError as error:
            raise UsageError(str(error)) from None
        problems = validate_grammar_uri(parsed_grammars[-1], aliases)
        if any(problem.part == "alias" for problem in problems):
            raise UsageError(f"{problems[0]}: add --define ALIAS=URI")
        plan.warnings += [str(problem) for problem in problems]
    plan.warnings += [str(p) for p in grammar_list_problems(parsed_grammars, aliases)]


def _plan_params(plan: Plan, params: list[str], mode: str | None, *, local: bool) -> None:
    for text in params:
        try:
            name, value = parse_assignment(text, scope=ParamScope.RECOGNIZE)
        except ParamError as error:
            raise UsageError(f"--param {error}") from None
        if name == "recognition_mode" and mode is not None and value != mode:
            raise UsageError(f"--param recognition_mode={value} contradicts --mode {mode}")
        if name in RECOGNIZE_ONLY:
            plan.recognize_params[name] = value
        else:
            plan.session_params[name] = value
    plan.mode = str(plan.recognize_params.pop("recognition_mode", mode or "normal"))
    plan.start_input_timers = bool(plan.recognize_params.pop("start_input_timers", True))
    if local:  # only English models ship; the protocol's default language is French
        for name, value in LOCAL_SESSION_PARAMS.items():
            plan.session_params.setdefault(name, value)


def _plan_server(plan: Plan, args: argparse.Namespace) -> None:
    if (args.client_id is None) != (args.client_secret is None):
        raise UsageError("give both --client-id and --client-secret, or neither")
    if args.client_id is not None:
        plan.credentials = Credentials(args.client_id, args.client_secret)
    if args.server == "local":
        return
    if plan.credentials is None:
        try:
            plan.credentials = Credentials.from_env()
        except ValueError as error:
            raise UsageError(f"{error}, or pass --client-id and --client-secret") from None
    try:
        if args.server == "uhlive" and args.auth_server is None:
            plan.profile = uhlive_profile(realm=args.realm)
        elif args.server == "uhlive":
            plan.profile = custom_profile(UHLIVE_API_URL, args.auth_server, args.realm)
        else:
            plan.profile = custom_profile(args.server, args.auth_server, args.realm)
    except ValueError as error:
        raise UsageError(f"--server: {error} (or use local or uhlive)") from None


async def open_source(args: argparse.Namespace) -> AudioSource:
    """The audio the user chose, loaded before connecting (errors are usage errors)."""
    if args.audio is not None:
        pcm = await asyncio.to_thread(load_audio, args.audio)
        return PcmSource(pcm, f"File: {Path(args.audio).name}")
    if args.say is not None:
        return await tts_source(args.say)
    device = await asyncio.to_thread(find_device, args.device)
    return MicrophoneSource(device)


# -- running -----------------------------------------------------------------------------------


class Printer:
    """Events as they come (one line each), unless the output is one JSON document."""

    def __init__(self, out: TextIO, *, quiet: bool) -> None:
        self.out, self.quiet = out, quiet
        self.start: float | None = None

    def __call__(self, change: TimelineChange) -> None:
        entry = change.entry
        if self.quiet:
            return
        if self.start is None:
            self.start = entry.mono
        at, name, text = entry.mono, entry.name, entry.summary
        if entry.kind == "audio":  # one line when a source starts, one when it stops
            name = "audio"
            if change.kind == "appended":
                text = f"streaming {entry.data['source']} ({entry.data['codec']})"
            elif entry.data.get("state") == "stopped":
                at = entry.data.get("last_mono") or at
            else:
                return
        print(f"{at - self.start:8.3f} s  {name:<24} {text}", file=self.out, flush=True)


@dataclass
class Outcome:
    code: int
    report: RecognitionReport | None = None
    error: str | None = None


async def recognize(plan: Plan, args: argparse.Namespace, timeline: Timeline) -> Outcome:
    """The whole run; returns the outcome, never raises for what the user should read."""
    server: EmbeddedServer | None = None
    stream = AudioStream(codec=args.codec)
    controller = SessionController(H2BConnection.open, timeline)
    try:
        source = await open_source(args)
        profile, credentials = plan.profile, plan.credentials
        if profile is None:
            server, profile, credentials = await start_local(args.engine, credentials)
        assert credentials is not None
        controller.attach_audio(stream)
        stream.start()
        await controller.connect(profile, credentials)
        return await converse(controller, stream, source, plan, args)
    except asyncio.CancelledError:  # Ctrl-C
        current = asyncio.current_task()
        if current is not None:
            current.uncancel()
        return Outcome(INTERRUPTED, error="interrupted: the recognition was stopped")
    except ConnectionFailure as failure:
        return Outcome(CONNECTION, error=f"{failure.title}: {failure}")
    except CommandFailed as failed:
        cause = failed.event.completion_cause
        meaning = f" ({cause.value}: {CAUSE_INFO[cause].meaning})" if cause is not None else ""
        return Outcome(NO_SUCCESS, error=f"{failed}{meaning}")
    except TimeoutError:
        return Outcome(CONNECTION, error=f"no result within {args.timeout:g} s (--timeout)")
    except ControllerError as error:  # no reply in time, an answer that makes no sense
        return Outcome(CONNECTION, error=str(error))
    except AudioSourceError as error:
        return Outcome(USAGE, error=f"audio: {error}")
    except EngineUnavailableError as error:
        return Outcome(USAGE, error=f"--engine {args.engine}: {error}")
    except OSError as error:
        return Outcome(CONNECTION, error=f"cannot start the local server: {error}")
    finally:
        await stop_and_close(controller)
        await controller.aclose()
        await stream.aclose()
        if server is not None:
            await server.stop()
            with contextlib.suppress(Exception):
                getattr(server.engine, "close", lambda: None)()


async def converse(
    controller: SessionController,
    stream: AudioStream,
    source: AudioSource,
    plan: Plan,
    args: argparse.Namespace,
) -> Outcome:
    """OPEN, SET-PARAMS, DEFINE-GRAMMAR…, RECOGNIZE with the audio, CLOSE: the H2B part."""
    steps = RecognitionSteps(
        grammars=plan.grammars,
        defines=plan.defines,
        mode=plan.mode,
        start_input_timers=plan.start_input_timers,
        session_params=plan.session_params,
        recognize_params=plan.recognize_params,
        codec=args.codec,
    )
    report = await recognize_once(
        controller,
        steps,
        play=lambda: stream.switch_to(source),
        quiet=lambda: stream.switch_to(SilenceSource()),  # a microphone stops here
        timeout=args.timeout,
    )
    return Outcome(OK if report.success else NO_SUCCESS, report)


async def start_local(
    engine_name: str, credentials: Credentials | None
) -> tuple[EmbeddedServer, ConnectionProfile, Credentials]:
    """The embedded server on a free port, with the given credentials (or generated ones)."""
    accepted = (
        ServerCredentials(credentials.client_id, credentials.client_secret)
        if credentials is not None
        else ServerCredentials.generate()
    )
    engine = await asyncio.to_thread(make_engine, engine_name)
    print(f"starting the local server ({engine.name}, model {engine.asr_model})...",
          file=sys.stderr, flush=True)  # fmt: skip
    server = EmbeddedServer(engine=engine, config=ServerConfig(credentials=accepted))
    await server.start()
    client = Credentials(accepted.client_id, accepted.client_secret)
    return server, local_profile(server.http_url), client


async def _main(plan: Plan, args: argparse.Namespace, timeline: Timeline) -> Outcome:
    task = asyncio.ensure_future(recognize(plan, args, timeline))
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
        loop.add_signal_handler(signal.SIGINT, task.cancel)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:  # Ctrl-C again while cleaning up
        return Outcome(INTERRUPTED, error="interrupted")
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)


def run(args: argparse.Namespace) -> int:
    """Check, run, print; return the exit code."""
    try:
        plan = make_plan(args)
    except UsageError as error:
        print(f"recognize: {error}", file=sys.stderr)
        return USAGE
    for warning in plan.warnings:
        print(f"recognize: warning: {warning}", file=sys.stderr)
    timeline = Timeline()
    timeline.subscribe(Printer(sys.stdout, quiet=args.json))
    outcome = asyncio.run(_main(plan, args, timeline))
    if args.timeline is not None and len(timeline):
        timeline.export_jsonl(args.timeline)
    if outcome.error is not None:
        print(f"recognize: {outcome.error}", file=sys.stderr)
    if args.json:
        document = {
            "events": [entry_to_json(entry) for entry in timeline.entries],
            "result": outcome.report.to_json() if outcome.report is not None else None,
            "error": outcome.error,
            "exit_code": outcome.code,
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
    elif outcome.report is not None:
        print("\n".join(outcome.report.lines()))
    report = outcome.report
    if report is not None and not report.success:
        print(f"recognize: no success: {report.completion_cause} ({report.meaning})",
              file=sys.stderr)  # fmt: skip
    return outcome.code
