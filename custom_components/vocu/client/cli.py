"""The ``vocu`` command line: speak, list and clone voices, manage jobs, from a shell.

``--provider`` (env ``VOCU_PROVIDER``, default ``vocu``) picks the service: ``vocu``, ``noiz``,
``minimax`` (MiniMax via useapi.net) or ``minimax_official`` (MiniMax's own API). The token comes
from the environment only (never an argument, so it stays out of shell history and process
lists): ``VOCU_TOKEN``, ``NOIZ_API_KEY``, ``USEAPI_TOKEN`` or ``MINIMAX_API_KEY``, or the variable
named by ``--token-env``. The base URL from ``--base-url`` or ``VOCU_BASE_URL`` /
``NOIZ_BASE_URL`` / ``USEAPI_BASE_URL`` / ``MINIMAX_BASE_URL`` (for Vocu also ``vocu.ai``,
``vocu.studio``, ``wusound.cn``; for MiniMax ``global``, ``mainland``). A command the service
lacks fails with one line ("noiz has no account endpoint"). Failures print one line and exit
non-zero.

``-o FILE`` is checked before anything is sent and written to a temporary file beside it, renamed
over FILE only once the audio is complete, so a failure or a signal (SIGINT, SIGTERM, SIGHUP: exit
128 + its number) leaves the previous file as it was; FIFOs and devices are written directly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import signal
import stat
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import IO, Any

from . import __version__, errors
from .client import HOSTS, VocuClient
from .deadline import DEFAULT_DEADLINE, Deadline
from .models import LANGUAGES, PRESETS, Job, SynthesisOptions, Voice
from .providers import (
    MINIMAX_OFFICIAL_HOSTS,
    PROVIDERS,
    Capability,
    VoiceProvider,
    create_provider,
)
from .providers.base import unsupported
from .providers.vocu import VocuProvider

BASE_URL_ENV = {
    "vocu": "VOCU_BASE_URL",
    "noiz": "NOIZ_BASE_URL",
    "minimax": "USEAPI_BASE_URL",
    "minimax_official": "MINIMAX_BASE_URL",
}

# One exit code per error class, most specific first (subclasses before their bases).
EXIT_CODES: tuple[tuple[type[errors.VoiceServiceError], int, str], ...] = (
    (errors.ValidationError, 2, "invalid request"),
    (errors.AuthenticationError, 3, "authentication failed"),
    (errors.PaidOnlyError, 4, "paid account required"),
    (errors.PermissionDeniedError, 4, "not allowed"),
    (errors.InsufficientCreditsError, 5, "insufficient credits"),
    (errors.NotFoundError, 6, "not found"),
    (errors.VoiceNotReadyError, 7, "voice not ready"),
    (errors.RateLimitError, 8, "rate limited"),
    (errors.ServerError, 9, "service error"),
    (errors.StreamInterruptedError, 10, "audio stream interrupted"),
    (errors.ServiceTimeoutError, 10, "timed out"),
    (errors.ServiceConnectionError, 10, "cannot reach the service"),
    (errors.InvalidAudioError, 11, "invalid audio from the service"),
    (errors.UnsupportedOperationError, 12, "not supported"),
    (errors.VoiceServiceError, 1, "error"),
)
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT; other signals exit 128 + their number too
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Voice samples are seconds to minutes of audio (Home Assistant's clone action has the same cap).
MAX_SAMPLE_BYTES = 50 * 1024 * 1024

Command = Callable[[VoiceProvider, argparse.Namespace], Awaitable[None]]


def _vocu(provider: VoiceProvider, what: str) -> VocuClient:
    """The Vocu client behind the provider, for Vocu-only commands."""
    if isinstance(provider, VocuProvider):
        return provider.client
    raise unsupported(provider.name, what)


# -- commands -------------------------------------------------------------------------------


def _options(args: argparse.Namespace) -> SynthesisOptions:
    return SynthesisOptions(
        style_id=args.style, preset=args.preset, language=args.language, speed=args.speed
    )


def _read_text(value: str) -> str:
    if value != "-":
        return value
    try:
        return sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError:
        raise CliError("standard input is not valid UTF-8 text") from None


class CliError(Exception):
    """A problem with the command line itself (arguments, files): one line, exit 2."""


class _Output:
    """Where an MP3 goes, checked before any (billed) request is sent.

    A regular file or a new path is written to a temporary file beside it, flushed, fsynced and
    renamed over the target only once the whole answer arrived: on any failure or signal the old
    file stays intact and no partial file remains. FIFOs and devices (``/dev/null``) and stdout
    (``-``) are written directly.
    """

    def __init__(self, output: str) -> None:
        self._stdout = output == "-"
        self._target: Path | None = None
        self._temp: Path | None = None
        self._handle: IO[bytes] | None = None
        self._direct: Path | None = None
        self._mode = 0o644
        if self._stdout:
            return
        path = Path(output)
        try:
            status = path.stat()
        except FileNotFoundError:
            status = None
        except OSError as exc:
            raise CliError(f"cannot write {output}: {exc.strerror}") from None
        if status is not None and stat.S_ISDIR(status.st_mode):
            raise CliError(f"cannot write {output}: it is a directory")
        if status is not None and not stat.S_ISREG(status.st_mode):
            self._direct = path  # a FIFO or a device: there is nothing to replace
            return
        parent = path.parent
        if not parent.is_dir():
            raise CliError(f"cannot write {output}: the directory {parent} does not exist")
        try:
            handle, temp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".part")
        except OSError as exc:
            raise CliError(f"cannot write {output}: {exc.strerror}") from None
        self._handle = os.fdopen(handle, "wb")
        self._temp = Path(temp)
        self._target = path
        self._mode = stat.S_IMODE(status.st_mode) if status is not None else _default_mode()

    def write(self, chunk: bytes) -> None:
        if self._stdout:
            sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return
        if self._handle is None and self._direct is not None:
            self._handle = self._direct.open("wb")
        if self._handle is None:
            raise RuntimeError("the output was already committed or discarded")
        self._handle.write(chunk)
        self._handle.flush()

    def commit(self) -> None:
        """The whole answer arrived: make it the file at the target path."""
        if self._handle is not None:
            if self._temp is not None:
                os.fsync(self._handle.fileno())
            self._handle.close()
            self._handle = None
        if self._temp is not None and self._target is not None:
            os.chmod(self._temp, self._mode)
            os.replace(self._temp, self._target)
            self._temp = None

    def discard(self) -> None:
        """Failure or signal: drop the partial answer, leave the target as it was."""
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None
        if self._temp is not None:
            self._temp.unlink(missing_ok=True)
            self._temp = None


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


async def _write_stream(chunks: AsyncIterator[bytes], output: _Output) -> int:
    """Write chunks as they arrive; return how many bytes were written."""
    written = 0
    try:
        async for chunk in chunks:
            output.write(chunk)
            written += len(chunk)
        output.commit()
    except BaseException:
        output.discard()
        raise
    return written


async def cmd_say(client: VoiceProvider, args: argparse.Namespace) -> None:
    args.text = _read_text(args.text)
    output = _Output(args.output)  # checked before the billed request
    written = await _write_stream(client.iter_speech(args.text, args.voice, _options(args)), output)
    if args.output != "-":
        print(f"wrote {written} bytes of MP3 to {args.output}", file=sys.stderr)


def _voice_line(voice: Voice) -> str:
    styles = ", ".join(f"{s.name} ({s.id})" for s in voice.styles) or "-"
    ready = "ready" if voice.usable else voice.status
    return f"{voice.id}\t{voice.name}\t{ready}\t{voice.language or '-'}\tstyles: {styles}"


def _as_json(value: Any) -> str:
    def plain(item: Any) -> Any:
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            return {
                f.name: plain(getattr(item, f.name))
                for f in dataclasses.fields(item)
                if f.name != "raw"
            }
        if isinstance(item, list | tuple):
            return [plain(x) for x in item]
        return item

    return json.dumps(plain(value), ensure_ascii=False, indent=2)


async def cmd_voices(provider: VoiceProvider, args: argparse.Namespace) -> None:
    if isinstance(provider, VocuProvider):
        voices = await provider.client.list_voices(include_market=True, show_full=args.all)
    else:
        voices = await provider.list_voices(include_builtin=not args.own)
    if args.json:
        print(_as_json(voices))
        return
    for voice in voices:
        print(_voice_line(voice))


async def cmd_account(client: VoiceProvider, args: argparse.Namespace) -> None:
    account = await client.get_account()
    if args.json:
        print(_as_json(account))
        return
    paid = {True: "paid", False: "free", None: "unknown plan"}[account.is_paid]
    print(f"{account.name} <{account.email or '-'}> ({paid})")
    print(
        f"credits: {account.credits:g} ({account.credit:g} paid + {account.bonus_credit:g} bonus)"
    )
    print(f"concurrent syntheses: {account.quota.sync_concurrency}")


async def cmd_presets(provider: VoiceProvider, args: argparse.Namespace) -> None:
    for preset in await _vocu(provider, "presets").list_presets():
        print(f"{preset.key}\t{preset.name}\t{preset.description or ''}")


async def cmd_clone(client: VoiceProvider, args: argparse.Namespace) -> None:
    source = args.audio_file
    if source.startswith(("http://", "https://")):
        voice = await client.clone_voice(
            args.name,
            audio_url=source,
            language=args.language,
            noise_reduction=not args.no_noise_filter,
        )
    else:
        path = Path(source)
        audio = await asyncio.to_thread(_read_sample, path)
        # MiniMax's own API clones under a voice id the caller picks (derived from --name if not).
        extra = {"voice_id": args.voice_id} if args.voice_id else {}
        if extra and client.name != "minimax_official":
            raise errors.ValidationError("--voice-id is for --provider minimax_official only")
        voice = await client.clone_voice(
            args.name,
            audio,
            filename=path.name,
            language=args.language,
            noise_reduction=not args.no_noise_filter,
            **extra,
        )
    print(f"created voice {voice.name} ({voice.id}), status {voice.status}", file=sys.stderr)
    if client.info.note and client.name == "minimax_official":
        print(f"note: {client.info.note}", file=sys.stderr)

    def progress(current: Voice) -> None:
        print(f"\r  {current.name}: {current.status}   ", end="", file=sys.stderr, flush=True)

    try:
        voice = await client.wait_for_voice(
            voice.id, timeout=args.timeout, poll_interval=args.poll_interval, on_progress=progress
        )
    finally:
        print(file=sys.stderr)
    print(voice.id)


def _read_sample(path: Path) -> bytes:
    """The sample's bytes, at most MAX_SAMPLE_BYTES (``/dev/zero`` must not fill the memory)."""
    try:
        with path.open("rb") as sample:
            audio = sample.read(MAX_SAMPLE_BYTES + 1)
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    if len(audio) > MAX_SAMPLE_BYTES:
        raise CliError(f"{path} is larger than {MAX_SAMPLE_BYTES // (1024 * 1024)} MB")
    return audio


async def cmd_delete(client: VoiceProvider, args: argparse.Namespace) -> None:
    await client.delete_voice(args.voice_id)
    print(f"deleted voice {args.voice_id}", file=sys.stderr)


def _job_line(job: Job) -> str:
    return f"{job.id}\t{job.status}\t{job.characters or '-'}\t{job.audio_url or '-'}"


async def _save_job_audio(client: VocuClient, job: Job, output: _Output | None) -> None:
    if output is None:
        return
    if not job.audio_url:
        output.discard()
        return
    audio = await client.download(job.audio_url)
    await _write_stream(_once(audio), output)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def cmd_jobs(provider: VoiceProvider, args: argparse.Namespace) -> None:
    client = _vocu(provider, "asynchronous jobs")
    if args.jobs_command == "list":
        jobs = await client.list_jobs(limit=args.limit, offset=args.offset, status=args.status)
        print(_as_json(jobs) if args.json else "\n".join(_job_line(job) for job in jobs))
    elif args.jobs_command == "get":
        job = await client.get_job(args.job_id)
        print(_as_json(job) if args.json else _job_line(job))
    elif args.jobs_command == "create":
        text = _read_text(args.text)
        output = _Output(args.output) if args.output else None
        try:
            job = await client.create_job(text, args.voice, _options(args))
            if args.wait or output is not None:
                job = await client.wait_for_job(job.id, timeout=args.timeout)
                await _save_job_audio(client, job, output)
        finally:
            if output is not None:
                output.discard()
        print(_job_line(job))
    elif args.jobs_command == "wait":
        output = _Output(args.output) if args.output else None
        try:
            job = await client.wait_for_job(args.job_id, timeout=args.timeout)
            await _save_job_audio(client, job, output)
        finally:
            if output is not None:
                output.discard()
        print(_job_line(job))
    elif args.jobs_command == "delete":
        await client.delete_job(args.job_id)
        print(f"deleted job {args.job_id}", file=sys.stderr)


# -- parsing --------------------------------------------------------------------------------


def _add_synthesis_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--voice", required=True, help="voice id (market:<id> allowed)")
    parser.add_argument("--style", default="default", help="style id (default: default)")
    parser.add_argument("--preset", help=f"one of {', '.join(PRESETS)}")
    parser.add_argument("--language", help=f"one of {', '.join(LANGUAGES)}")
    parser.add_argument("--speed", type=float, help="0.5-2.0, larger is faster")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vocu", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--provider",
        choices=sorted(PROVIDERS),
        default=os.environ.get("VOCU_PROVIDER", "vocu").strip().lower() or "vocu",
        help="voice service (env VOCU_PROVIDER; default vocu)",
    )
    parser.add_argument(
        "--base-url",
        help=f"API base URL (vocu also: {', '.join(HOSTS)}; minimax_official also: "
        f"{', '.join(MINIMAX_OFFICIAL_HOSTS)}); env VOCU_BASE_URL, NOIZ_BASE_URL, USEAPI_BASE_URL "
        "or MINIMAX_BASE_URL, else the service's own",
    )
    parser.add_argument(
        "--token-env",
        help="environment variable holding the token "
        f"(default: {', '.join(f'{n} {i.token_env}' for n, i in PROVIDERS.items())})",
    )
    parser.add_argument(
        "--account", help="minimax: which useapi.net MiniMax account (env USEAPI_ACCOUNT)"
    )
    parser.add_argument(
        "--group-id",
        help="minimax_official: your GroupId, only if your account needs it (env MINIMAX_GROUP_ID)",
    )
    parser.add_argument(
        "--timeout",
        dest="total_timeout",
        type=float,
        default=DEFAULT_DEADLINE.total,
        help="seconds one request may take in all, retries included (default %(default)g)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    say = commands.add_parser("say", help="speak TEXT ('-' reads stdin) into an MP3 file")
    say.add_argument("text")
    _add_synthesis_options(say)
    say.add_argument("--output", "-o", required=True, help="MP3 file, '-' for stdout")
    say.set_defaults(handler=cmd_say)

    voices = commands.add_parser("voices", help="list voices")
    voices.add_argument("--json", action="store_true")
    voices.add_argument("--all", action="store_true", help="include voices still training")
    voices.add_argument("--own", action="store_true", help="only your own clones (noiz, minimax)")
    voices.set_defaults(handler=cmd_voices)

    account = commands.add_parser("account", help="show the account and its credits")
    account.add_argument("--json", action="store_true")
    account.set_defaults(handler=cmd_account)

    commands.add_parser("presets", help="list generation presets").set_defaults(handler=cmd_presets)

    clone = commands.add_parser("clone", help="clone a voice from an audio sample")
    clone.add_argument("audio_file", help="sample file, or an http(s) URL where supported")
    clone.add_argument("--name", required=True)
    clone.add_argument("--language", help=f"one of {', '.join(LANGUAGES)}")
    clone.add_argument("--no-noise-filter", action="store_true", help="keep background sound")
    clone.add_argument(
        "--voice-id",
        help="minimax_official: the new voice's id (8-256 letters, digits, - or _; a letter "
        "first); unused clones are deleted by MiniMax after 7 days",
    )
    clone.add_argument("--timeout", type=float, default=300.0)
    clone.add_argument("--poll-interval", type=float, default=2.0, help=argparse.SUPPRESS)
    clone.set_defaults(handler=cmd_clone)

    delete = commands.add_parser("delete", help="delete one of your voices")
    delete.add_argument("voice_id")
    delete.set_defaults(handler=cmd_delete)

    _add_jobs_parser(commands)
    return parser


def _whole(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, not {number}")
        return number

    return parse


def _add_jobs_parser(commands: Any) -> None:
    jobs = commands.add_parser("jobs", help="asynchronous generation jobs")
    jobs.set_defaults(handler=cmd_jobs)
    sub = jobs.add_subparsers(dest="jobs_command", required=True)
    listing = sub.add_parser("list")
    listing.add_argument("--limit", type=_whole(1), default=20, help="1-100")
    listing.add_argument("--offset", type=_whole(0), default=0)
    listing.add_argument("--status")
    listing.add_argument("--json", action="store_true")
    get = sub.add_parser("get")
    get.add_argument("job_id")
    get.add_argument("--json", action="store_true")
    create = sub.add_parser("create")
    create.add_argument("text")
    _add_synthesis_options(create)
    create.add_argument("--wait", action="store_true")
    create.add_argument("--output", "-o", help="download the finished MP3 here (implies --wait)")
    create.add_argument("--timeout", type=float, default=300.0)
    wait = sub.add_parser("wait")
    wait.add_argument("job_id")
    wait.add_argument("--output", "-o")
    wait.add_argument("--timeout", type=float, default=300.0)
    sub.add_parser("delete").add_argument("job_id")


# -- errors and entry point -----------------------------------------------------------------


async def describe_error(client: VoiceProvider, exc: errors.VoiceServiceError, args: Any) -> str:
    """One line naming the cause; for missing credits, what is left and what was needed."""
    label = next(text for cls, _, text in EXIT_CODES if isinstance(exc, cls))
    if isinstance(exc, errors.InsufficientCreditsError):
        left = exc.credits_left
        if left is None and client.supports(Capability.ACCOUNT):
            with contextlib.suppress(errors.VoiceServiceError):
                left = (await client.get_account()).credits
        needed = exc.credits_needed
        if needed is None and isinstance(getattr(args, "text", None), str):
            needed = len(args.text)  # billing is per character (reference §1.7)
        if left is not None and needed is not None:
            return f"{label}: {left:g} left, {needed:g} needed"
    detail = exc.message
    if isinstance(exc, errors.RateLimitError) and exc.retry_after is not None:
        detail += f" (retry after {exc.retry_after:g} s)"
    if exc.request_id:
        detail += f" [request id {exc.request_id}]"
    return f"{label}: {detail}"


def exit_code(exc: errors.VoiceServiceError) -> int:
    return next(code for cls, code, _ in EXIT_CODES if isinstance(exc, cls))


async def run(args: argparse.Namespace, token: str) -> int:
    """Run the command; a handled signal cancels it (cleaning up) and exits 128 + its number."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    received: list[int] = []

    def on_signal(signum: int) -> None:
        if not received and task is not None:
            received.append(signum)
            task.cancel()

    installed: list[signal.Signals] = []
    for signum in HANDLED_SIGNALS:
        # Only the main thread can take signals (main() may run in a worker thread in tests).
        with contextlib.suppress(ValueError, RuntimeError):
            loop.add_signal_handler(signum, on_signal, signum)
            installed.append(signum)
    try:
        return await _run(args, token)
    except asyncio.CancelledError:
        if not received:
            raise
        name = signal.Signals(received[0]).name
        print(f"vocu: interrupted by {name}", file=sys.stderr)
        return 128 + received[0]
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def base_url_of(args: argparse.Namespace) -> str | None:
    """``--base-url`` or the service's variable; MiniMax's host names become its URLs."""
    base_url = args.base_url or os.environ.get(BASE_URL_ENV[args.provider]) or None
    if args.provider == "minimax_official" and base_url:
        return MINIMAX_OFFICIAL_HOSTS.get(base_url.strip().lower(), base_url)
    return base_url


async def _run(args: argparse.Namespace, token: str) -> int:
    base_url = base_url_of(args)
    extra: dict[str, Any] = {}
    account = args.account or os.environ.get("USEAPI_ACCOUNT")
    if args.provider == "minimax" and account:
        extra["account"] = account
    if args.provider == "minimax_official":
        group_id = args.group_id or os.environ.get("MINIMAX_GROUP_ID")
        if group_id:
            extra["group_id"] = group_id
    total = args.total_timeout
    extra["deadline"] = Deadline(
        total=total, first_byte=min(total, DEFAULT_DEADLINE.first_byte or total)
    )
    async with create_provider(args.provider, token, base_url=base_url, **extra) as client:
        try:
            await args.handler(client, args)
        except errors.VoiceServiceError as exc:
            print(f"vocu: {await describe_error(client, exc, args)}", file=sys.stderr)
            return exit_code(exc)
    return 0


def _undecodable(argv: Sequence[str]) -> bool:
    """Arguments that were not valid UTF-8 reach Python as lone surrogates."""
    return any(0xD800 <= ord(char) <= 0xDFFF for arg in argv for char in arg)


def _check_token(token: str, token_env: str) -> str | None:
    """Why the key cannot be sent in an HTTP header, or None (the key itself is never shown)."""
    if any(char in "\r\n" for char in token):
        return f"the key in {token_env} contains a line break; set it without CR/LF"
    if any(ord(char) < 0x20 or ord(char) == 0x7F or ord(char) > 0x7E for char in token):
        return f"the key in {token_env} contains characters an API key cannot have"
    return None


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the exit-time flush stays quiet."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    if _undecodable(raw):
        print("vocu: an argument is not valid UTF-8 text", file=sys.stderr)
        return EXIT_USAGE
    args = build_parser().parse_args(raw)
    token_env = args.token_env or PROVIDERS[args.provider].token_env
    token = os.environ.get(token_env, "").strip()
    if not token:
        print(f"vocu: authentication failed: set the API token in {token_env}", file=sys.stderr)
        return 3
    problem = _check_token(token, token_env)
    if problem:
        print(f"vocu: authentication failed: {problem}", file=sys.stderr)
        return 3
    try:
        return asyncio.run(run(args, token))
    except KeyboardInterrupt:
        print("vocu: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except CliError as exc:
        print(f"vocu: invalid request: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        _silence_stdout()
        print("vocu: the output was closed before the audio ended", file=sys.stderr)
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        print(
            f"vocu: cannot write the output: {exc.strerror or type(exc).__name__}", file=sys.stderr
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
