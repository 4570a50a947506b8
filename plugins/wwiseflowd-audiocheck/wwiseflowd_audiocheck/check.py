"""The delivery spec (the node's inputs), the per-file checks and the ``audioCheck`` run function."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from wwiseflowd import ErrorCode, NodeContext, Result
from wwiseflowd.wav import WavError, WavInfo
from wwiseflowd_audiocheck.levels import Levels, measure
from wwiseflowd_audiocheck.wav import read_info

CheckName = Literal[
    "file",
    "sampleRate",
    "bitDepth",
    "channels",
    "duration",
    "peak",
    "clipping",
    "leadingSilence",
    "trailingSilence",
]
Severity = Literal["error", "warning", "off"]

#: silence findings are advice by default: fades and pre-roll are often intended
DEFAULT_SEVERITY: dict[str, Severity] = {"leadingSilence": "warning", "trailingSilence": "warning"}


class FileEntry(BaseModel):
    """A file as a drop batch hands it over (``{"path", "relativeDir", "sha256"}``); extra keys pass."""

    model_config = ConfigDict(extra="allow")

    path: str


class AudioCheckInput(BaseModel):
    """The delivery spec. Every limit is optional: leave one unset (null) to skip that check."""

    model_config = ConfigDict(extra="forbid")

    filePath: str | None = Field(default=None, description="One WAV file to check.")
    files: list[str | FileEntry] = Field(
        default_factory=list,
        description="WAV files to check: paths, or objects with a 'path' (as a drop batch passes them).",
    )
    sampleRates: list[int] | None = Field(
        default_factory=lambda: [44100, 48000, 96000], description="Allowed sample rates in Hz."
    )
    bitDepths: list[int] | None = Field(
        default_factory=lambda: [16, 24, 32], description="Allowed bit depths (PCM or float)."
    )
    allowFloat: bool = Field(default=True, description="Whether 32-bit float files are accepted.")
    channels: list[int] | None = Field(default=None, description="Allowed channel counts, e.g. [1, 2].")
    maxDurationS: float | None = Field(default=None, gt=0, description="Longest allowed file, in seconds.")
    maxPeakDbfs: float | None = Field(
        default=None, le=0, description="Highest allowed sample peak in dBFS, e.g. -1.0."
    )
    clipRunSamples: int | None = Field(
        default=3, ge=1, description="Consecutive full-scale samples in one channel that count as clipping."
    )
    silenceThresholdDbfs: float = Field(
        default=-60.0, lt=0, description="Level below which audio counts as silence, in dBFS."
    )
    maxLeadingSilenceMs: float | None = Field(
        default=100.0, ge=0, description="Longest allowed silence before the sound starts, in ms."
    )
    maxTrailingSilenceMs: float | None = Field(
        default=2000.0, ge=0, description="Longest allowed silence after the sound ends, in ms."
    )
    severity: dict[CheckName, Severity] = Field(
        default_factory=dict,
        description="Per-check severity overrides ('error', 'warning' or 'off'). By default every "
        "check is an error except leadingSilence/trailingSilence, which are warnings.",
    )
    failOnError: bool = Field(
        default=True,
        description="Fail the node (INVALID_AUDIO, naming the files) when a file has an error. "
        "When false the node succeeds and passes only the good files on in 'files'.",
    )

    @model_validator(mode="after")
    def _has_files(self) -> AudioCheckInput:
        if self.filePath is None and not self.files:
            raise ValueError("give 'filePath' (one file) or 'files' (a list of files) to check")
        return self

    def entries(self) -> list[tuple[str, Any]]:
        """(path, the entry as given) for every file to check, ``filePath`` first."""
        out: list[tuple[str, Any]] = []
        if self.filePath is not None:
            out.append((self.filePath, self.filePath))
        for item in self.files:
            if isinstance(item, FileEntry):
                out.append((item.path, item.model_dump()))
            else:
                out.append((item, item))
        return out

    def severity_of(self, check: str) -> Severity:
        """The severity a finding of ``check`` gets under this spec."""
        for name, severity in self.severity.items():
            if name == check:
                return severity
        return DEFAULT_SEVERITY.get(check, "error")


def dbfs(level: float) -> float | None:
    """A linear level as dBFS rounded to 0.01 dB; None for digital silence."""
    return round(20 * math.log10(level), 2) if level > 0 else None


class _Findings:
    def __init__(self, spec: AudioCheckInput) -> None:
        self.spec = spec
        self.items: list[dict[str, Any]] = []

    def add(self, check: str, message: str, value: Any = None, limit: Any = None) -> None:
        severity = self.spec.severity_of(check)
        if severity != "off":
            self.items.append(
                {"check": check, "severity": severity, "message": message, "value": value,
                 "limit": limit}
            )


def check_file(path: str, spec: AudioCheckInput, *, use_numpy: bool | None = None) -> dict[str, Any]:
    """Check one file against ``spec``: ``{file, ok, findings: [...], info: {...} | None}``.

    Never raises for bad audio: a missing, unreadable or corrupt file is a ``file`` finding.
    """
    findings = _Findings(spec)
    file = Path(path).expanduser()
    info: WavInfo | None = None
    if not file.is_file():
        findings.add("file", f"{file.name}: file not found at {file}; check the path",
                     value=str(file))
    else:
        try:
            info = read_info(file)
        except WavError as exc:
            findings.add("file", exc.message, value=str(file))
    summary: dict[str, Any] | None = None
    if info is not None:
        summary = _check_info(info, spec, findings, use_numpy)
    ok = not any(f["severity"] == "error" for f in findings.items)
    return {"file": str(file), "ok": ok, "findings": findings.items, "info": summary}


def _check_info(
    info: WavInfo, spec: AudioCheckInput, findings: _Findings, use_numpy: bool | None
) -> dict[str, Any]:
    name = info.path.name
    if info.truncated:
        findings.add("file", f"{name}: the data chunk is cut short (the file is incomplete or "
                     f"damaged); re-export or re-copy it", value=info.data_bytes)
    if spec.sampleRates is not None and info.sample_rate not in spec.sampleRates:
        findings.add("sampleRate", f"{name}: sample rate {info.sample_rate} Hz is not allowed "
                     f"(allowed: {_list(spec.sampleRates)} Hz); resample and re-export",
                     value=info.sample_rate, limit=spec.sampleRates)
    if info.kind == "float" and not spec.allowFloat:
        findings.add("bitDepth", f"{name}: {info.format_name} is not allowed; export integer PCM",
                     value=f"float{info.bit_depth}", limit="PCM")
    elif spec.bitDepths is not None and info.bit_depth not in spec.bitDepths:
        findings.add("bitDepth", f"{name}: bit depth {info.bit_depth} is not allowed (allowed: "
                     f"{_list(spec.bitDepths)}); re-export at an allowed depth",
                     value=info.bit_depth, limit=spec.bitDepths)
    if spec.channels is not None and info.channels not in spec.channels:
        findings.add("channels", f"{name}: {info.channels} channel(s) is not allowed (allowed: "
                     f"{_list(spec.channels)}); re-export with an allowed channel count",
                     value=info.channels, limit=spec.channels)
    duration = info.duration_s
    if spec.maxDurationS is not None and duration > spec.maxDurationS:
        findings.add("duration", f"{name}: {duration:.3f} s is longer than the {spec.maxDurationS:g} s "
                     f"allowed; trim it", value=round(duration, 3), limit=spec.maxDurationS)
    if info.frames == 0:
        findings.add("file", f"{name}: the file holds no audio frames; re-export it", value=0)
        return _summary(info, None)

    threshold = 10 ** (spec.silenceThresholdDbfs / 20)
    levels = measure(info, silence_threshold=threshold, clip_run=spec.clipRunSamples or 1,
                     use_numpy=use_numpy)
    peak_db = dbfs(levels.peak)
    if spec.maxPeakDbfs is not None and peak_db is not None and peak_db > spec.maxPeakDbfs:
        findings.add("peak", f"{name}: peak {peak_db:.2f} dBFS is above the {spec.maxPeakDbfs:g} dBFS "
                     f"allowed; lower the gain", value=peak_db, limit=spec.maxPeakDbfs)
    if spec.clipRunSamples is not None and levels.clipped_runs:
        findings.add("clipping", f"{name}: clips {levels.clipped_runs} time(s) (up to "
                     f"{levels.longest_clip_run} consecutive full-scale samples); re-render with "
                     f"headroom", value=levels.longest_clip_run, limit=spec.clipRunSamples)
    _check_silence(info, levels, spec, findings)
    return _summary(info, levels)


def _check_silence(info: WavInfo, levels: Levels, spec: AudioCheckInput, findings: _Findings) -> None:
    name = info.path.name
    ms_per_frame = 1000 / info.sample_rate
    if levels.first_sound is None or levels.last_sound is None:
        # a silent file fails both silence limits: report it once, clearly
        limit = spec.maxLeadingSilenceMs
        if limit is not None:
            findings.add("leadingSilence", f"{name}: the whole file is below "
                         f"{spec.silenceThresholdDbfs:g} dBFS (silent); check the render",
                         value=round(levels.frames * ms_per_frame, 1), limit=limit)
        return
    leading = round(levels.first_sound * ms_per_frame, 1)
    trailing = round((levels.frames - 1 - levels.last_sound) * ms_per_frame, 1)
    if spec.maxLeadingSilenceMs is not None and leading > spec.maxLeadingSilenceMs:
        findings.add("leadingSilence", f"{name}: {leading:g} ms of silence before the sound starts "
                     f"(allowed: {spec.maxLeadingSilenceMs:g} ms); trim the start",
                     value=leading, limit=spec.maxLeadingSilenceMs)
    if spec.maxTrailingSilenceMs is not None and trailing > spec.maxTrailingSilenceMs:
        findings.add("trailingSilence", f"{name}: {trailing:g} ms of silence after the sound ends "
                     f"(allowed: {spec.maxTrailingSilenceMs:g} ms); trim the tail",
                     value=trailing, limit=spec.maxTrailingSilenceMs)


def _summary(info: WavInfo, levels: Levels | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "format": info.format_name,
        "sampleRate": info.sample_rate,
        "bitDepth": info.bit_depth,
        "float": info.kind == "float",
        "channels": info.channels,
        "extensible": info.extensible,
        "durationS": round(info.duration_s, 6),
    }
    if levels is not None:
        out["peakDbfs"] = dbfs(levels.peak)
        ms_per_frame = 1000 / info.sample_rate
        if levels.first_sound is not None and levels.last_sound is not None:
            out["leadingSilenceMs"] = round(levels.first_sound * ms_per_frame, 1)
            out["trailingSilenceMs"] = round((levels.frames - 1 - levels.last_sound) * ms_per_frame, 1)
    return out


def _list(values: list[int]) -> str:
    return ", ".join(str(v) for v in values)


def run_audio_check(spec: AudioCheckInput, ctx: NodeContext) -> Result:
    """The ``audioCheck`` node: check every file, report per file, gate on ``failOnError``."""
    report: list[dict[str, Any]] = []
    passed: list[Any] = []
    for path, entry in spec.entries():
        if ctx.cancelled.is_set():
            return Result.failure(ErrorCode.CANCELLED, "audioCheck was cancelled before it "
                                  f"checked every file ({len(report)} of {len(spec.entries())} done)")
        file_report = check_file(path, spec)
        report.append(file_report)
        if file_report["ok"]:
            passed.append(entry)
    failed = [r["file"] for r in report if not r["ok"]]
    data = {"ok": not failed, "report": report, "files": passed, "failed": failed}
    ctx.log.info("audioCheck: {} file(s), {} failed", len(report), len(failed))
    if failed and spec.failOnError:
        return Result.failure(ErrorCode.INVALID_AUDIO, _failure_sentence(report), data=data)
    return Result.success(data)


def _failure_sentence(report: list[dict[str, Any]]) -> str:
    bad = [r for r in report if not r["ok"]]
    shown = []
    for r in bad[:3]:
        first_error = next(f for f in r["findings"] if f["severity"] == "error")
        shown.append(first_error["message"])
    more = f"; and {len(bad) - 3} more file(s)" if len(bad) > 3 else ""
    return (f"{len(bad)} of {len(report)} file(s) do not meet the delivery spec: "
            f"{'; '.join(shown)}{more}. Fix and re-export them, or set failOnError to false to pass "
            f"on only the files that pass")
