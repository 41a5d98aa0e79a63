"""The client's cost: added latency per audio chunk, and CPU per streamed second, against the SDK.

Two clients stream the same file (TTS speech and silence, 8 kHz linear, looped) in real time,
in 60 ms chunks, to the same embedded server, one after the other, each in a subprocess of its
own so that its CPU time is its own:

* **ours**: :class:`SessionController` with an :class:`AudioStream` (a ``FileSource``) attached,
  exactly as the GUI and ``recognize`` use them: the stream cuts and encodes chunks, the
  forwarder queues them to its sender task, the timeline keeps its audio entry;
* **sdk**: a minimal client written directly on the official ``uhlive`` SDK's ``Recognizer`` and
  aiohttp, the way the SDK examples stream: slice the bytes, ``send_audio_chunk``,
  ``ws.send_bytes``, sleep to the next 60 ms deadline.

Both OPEN a session and stream while it is idle (no recognition: the server's decoding would
only add noise on a 2-core machine; the client's work is the same either way).

**Latency** from the moment a chunk is ready to two later moments, per chunk, the first second
left out as warm-up:

* *send returned*: right after ``ws.send_bytes`` returned in the client (our forwarder's
  ``on_sent`` hook; the SDK loop's own timestamp);
* *server received*: when the embedded server's connection handler got the binary frame (its
  ``_on_audio`` wrapped for the run, stamped with ``time.monotonic``, which is the same clock
  in every process on Linux), matched to the chunk by order (no chunk is dropped or reordered).

"Ready" is ``Chunk.ready_at`` for ours (the stream's clock when the chunk was made) and the
moment the slice is cut for the SDK client, so our figure includes the stream callback, the
queue and the sender task's wake-up.

**CPU** is ``time.process_time()`` of the client process over the streaming window only (imports
and connecting excluded), per second of audio sent; the whole process's ``getrusage`` (startup
included) and peak RSS are shown beside it. Nothing here asserts a time.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import numpy as np

    from tests.benchmarks.support import Table

pytestmark = pytest.mark.benchmark

STREAM_S = 15.0
ROUNDS = 2
"""Each client runs this many times, alternating, so a noisy neighbour shows as a spread."""
WARM_UP_S = 1.0
CHUNK_MS = 60
CHUNK_BYTES = 8 * CHUNK_MS * 2
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret-0123456789"
REPO = Path(__file__).resolve().parents[2]

LATENCY_TITLE = "Client latency per audio chunk: ready → on the socket (loopback, 60 ms linear)"
CPU_TITLE = f"Client CPU while streaming a file in real time ({STREAM_S:g} s, 60 ms chunks)"


# -- the two clients, run as ``python -m tests.benchmarks.test_client_benchmarks CLIENT …`` -------
# Each imports only what it uses (the module's top level holds only the standard library and
# pytest), so the whole-process figures compare the clients, not this file's imports.


def _usage() -> dict[str, float]:
    """CPU of the whole process, and its peak RSS since exec (``ru_maxrss`` would count the
    forked parent's pages: Linux keeps it across exec)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    status = Path("/proc/self/status").read_text(encoding="ascii").splitlines()
    peak_kb = next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    return {"total_cpu_s": usage.ru_utime + usage.ru_stime, "max_rss_mb": peak_kb / 1024}


async def _ours(base_url: str, audio: Path, seconds: float) -> dict[str, Any]:
    from workbench.audio.memory_sources import FileSource
    from workbench.audio.stream import AudioStream
    from workbench.client import Credentials, H2BConnection, local_profile
    from workbench.controller import SessionController
    from workbench.session import Timeline

    timeline = Timeline()
    controller = SessionController(H2BConnection.open, timeline)
    stream = AudioStream(chunk_ms=CHUNK_MS)
    times: list[tuple[float, float]] = []
    controller.attach_audio(stream, on_sent=lambda chunk, at: times.append((chunk.ready_at, at)))
    credentials = Credentials(CLIENT_ID, CLIENT_SECRET)
    await controller.connect(local_profile(base_url), credentials)
    await controller.open()
    await stream.switch_to(FileSource(audio, loop=True))
    cpu0 = time.process_time()
    stream.start()
    await asyncio.sleep(seconds)
    await stream.stop()
    cpu = time.process_time() - cpu0
    await controller.close()
    counters = controller.audio_counters
    await controller.aclose()
    await stream.aclose()
    assert counters is not None
    assert counters.dropped == counters.send_failures == 0
    return {"cpu_s": cpu, "audio_s": counters.sent_ms / 1000, "times": times}


async def _sdk(base_url: str, audio: Path, seconds: float) -> dict[str, Any]:
    import aiohttp
    from uhlive.stream.recognition import Closed, Opened, Recognizer

    pcm = audio.read_bytes()
    form = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "grant_type": "client_credentials",
    }
    token_url = f"{base_url}/realms/uhlive/protocol/openid-connect/token"
    async with aiohttp.ClientSession() as http:
        async with http.post(token_url, data=form) as answer:
            token = (await answer.json())["access_token"]
        headers = {"Authorization": f"bearer {token}"}
        ws_url = base_url.replace("http", "ws", 1) + "/bots"
        async with http.ws_connect(ws_url, headers=headers) as ws:
            recognizer = Recognizer()
            await ws.send_str(recognizer.open())
            assert isinstance(recognizer.receive((await ws.receive()).data), Opened)
            loop = asyncio.get_running_loop()
            times: list[tuple[float, float]] = []
            cpu0, position = time.process_time(), 0
            next_at = started = loop.time()
            while loop.time() - started < seconds:
                if position + CHUNK_BYTES > len(pcm):
                    position = 0
                ready = time.monotonic()
                chunk = pcm[position : position + CHUNK_BYTES]
                position += CHUNK_BYTES
                await ws.send_bytes(recognizer.send_audio_chunk(chunk))
                times.append((ready, time.monotonic()))
                next_at += CHUNK_MS / 1000
                await asyncio.sleep(max(0.0, next_at - loop.time()))
            cpu = time.process_time() - cpu0
            await ws.send_str(recognizer.close())
            assert isinstance(recognizer.receive((await ws.receive()).data), Closed)
    return {"cpu_s": cpu, "audio_s": len(times) * CHUNK_MS / 1000, "times": times}


def _client_main(argv: list[str]) -> None:
    client, base_url, audio, seconds = argv
    run = _ours if client == "ours" else _sdk
    result = asyncio.run(run(base_url, Path(audio), float(seconds)))
    print(json.dumps({**result, **_usage()}))


# -- the benchmark ------------------------------------------------------------------------------


@pytest.fixture
def arrivals(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """When the embedded server's handler got each binary frame (``time.monotonic``)."""
    from workbench.server.connection import BotConnection

    stamps: list[float] = []
    original = BotConnection._on_audio

    def stamped(self: BotConnection, data: bytes) -> None:
        stamps.append(time.monotonic())
        original(self, data)

    monkeypatch.setattr(BotConnection, "_on_audio", stamped)
    return stamps


async def _run_client(client: str, base_url: str, audio: Path) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.benchmarks.test_client_benchmarks",
        client, base_url, str(audio), str(STREAM_S),
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), STREAM_S + 60)
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


def _stats(values_ms: np.ndarray) -> list[str]:
    import numpy as np

    return [
        f"{np.median(values_ms):.2f} ms",
        f"{np.percentile(values_ms, 95):.2f} ms",
        f"{values_ms.max():.2f} ms",
    ]


@pytest.mark.asyncio
@pytest.mark.timeout(300)
async def test_client_latency_and_cpu_against_the_sdk(
    tmp_path: Path, arrivals: list[float], bench_report: Callable[[Table], None]
) -> None:
    import numpy as np

    from tests.audio_fixtures import silence, synthesize
    from tests.benchmarks.support import Table, bench_engine
    from workbench.server.app import ServerConfig
    from workbench.server.auth import Credentials
    from workbench.server.runner import EmbeddedServer

    audio = tmp_path / "speech.pcm"
    speech = synthesize("forty two, yes, no", "slt", "flite")
    audio.write_bytes(silence(500) + speech + silence(2500))
    engine = bench_engine("auto")
    config = ServerConfig(credentials=Credentials(CLIENT_ID, CLIENT_SECRET))
    latency = Table(LATENCY_TITLE, ["client", "measured at", "chunks", "median", "p95", "max"])
    cpu = Table(CPU_TITLE, ["client", "audio sent", "CPU / streamed s", "share of a core",
                            "process CPU (all)", "peak RSS"])  # fmt: skip
    labels = {"ours": "SessionController", "sdk": "uhlive SDK + aiohttp"}
    delays: dict[str, list[np.ndarray]] = {client: [] for client in labels}
    async with EmbeddedServer(engine=engine, config=config) as server:
        for round_number in range(1, ROUNDS + 1):
            for client, label in labels.items():
                arrivals.clear()
                result = await _run_client(client, server.http_url, audio)
                await asyncio.sleep(0.2)  # the last frames reach the handler
                times = np.array(result["times"])
                assert len(times) >= STREAM_S * 1000 / CHUNK_MS * 0.9, "chunks went missing"
                assert len(arrivals) == len(times), (len(arrivals), len(times))
                keep = times[:, 0] >= times[0, 0] + WARM_UP_S
                received = np.array(arrivals)[keep]
                delays[client].append(np.stack([times[keep, 1], received]) - times[keep, 0])
                per_s = result["cpu_s"] / result["audio_s"]
                cpu.add(
                    f"{label} (run {round_number})",
                    f"{result['audio_s']:.1f} s",
                    f"{1000 * per_s:.2f} ms",
                    f"{100 * per_s:.2f} %",
                    f"{result['total_cpu_s']:.2f} s",
                    f"{result['max_rss_mb']:.0f} MB",
                )
    for client, label in labels.items():
        both = np.concatenate(delays[client], axis=1) * 1000
        latency.add(label, "send returned", both.shape[1], *_stats(both[0]))
        latency.add(label, "server received", both.shape[1], *_stats(both[1]))
    latency.notes += [
        "ready: Chunk.ready_at for ours (the stream made it), the slice being cut for the SDK "
        f"client; first second of each run left out; {ROUNDS} runs per client pooled",
        "send returned: right after ws.send_bytes returned, in the client; server received: "
        "the embedded server's handler got the frame (same monotonic clock, matched by order)",
    ]
    cpu.notes += [
        "CPU / streamed s: time.process_time() of the client process over the streaming window "
        "(imports and connecting excluded), divided by the audio seconds sent",
        "process CPU (all): getrusage of the whole client process, start-up and imports "
        "included; peak RSS: VmHWM of the client process; both clients stream the same "
        "looped file to the same server, one at a time, alternating",
    ]
    bench_report(latency)
    bench_report(cpu)


if __name__ == "__main__":
    _client_main(sys.argv[1:])
