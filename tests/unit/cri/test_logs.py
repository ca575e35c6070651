"""CRI log lines, and resuming a copy without loss or duplicates."""

from __future__ import annotations

from pathlib import Path

from cridocker.logs import LogCopier, _Copier, cri_line, last_timestamps, split_entry

T1 = "2024-05-01T12:00:00.000000001Z"
T2 = "2024-05-01T12:00:00.000000002Z"
T3 = "2024-05-01T12:00:00.000000003Z"


def test_cri_line_and_split_entry() -> None:
    assert cri_line(T1, "stdout", b"hi", False) == f"{T1} stdout F hi\n".encode()
    assert cri_line(T1, "stderr", b"part", True) == f"{T1} stderr P part\n".encode()
    assert split_entry(f"{T1} hello world\n".encode()) == (T1, b"hello world", False)
    assert split_entry(f"{T1} partial".encode()) == (T1, b"partial", True)
    assert split_entry(b"nospace") is None


def test_last_timestamps_per_stream(tmp_path: Path) -> None:
    path = tmp_path / "0.log"
    assert last_timestamps(str(path)) == {}
    path.write_bytes(
        cri_line(T1, "stdout", b"a", False)
        + cri_line(T2, "stderr", b"b", False)
        + cri_line(T3, "stdout", b"c", False)
    )
    assert last_timestamps(str(path)) == {
        "stdout": 1714564800_000000003,
        "stderr": 1714564800_000000002,
    }


def _copier(tmp_path: Path) -> tuple[LogCopier, _Copier]:
    copier = LogCopier(lambda: None)  # type: ignore[arg-type, return-value]
    return copier, _Copier("c1", str(tmp_path / "0.log"))


def test_copy_frames_skipping_what_was_copied(tmp_path: Path) -> None:
    copier, target = _copier(tmp_path)
    frames = [f"{T1} old\n".encode(), f"{T2} new\n".encode(), f"{T3} part".encode()]
    copier._copy(target, "stdout", frames, since=1714564800_000000001)
    assert Path(target.path).read_bytes() == (
        cri_line(T2, "stdout", b"new", False) + cri_line(T3, "stdout", b"part", True)
    )


def test_copy_raw_tty_bytes(tmp_path: Path) -> None:
    copier, target = _copier(tmp_path)
    raw = f"{T1} one\n{T2} two\n".encode()
    copier._copy(target, "stdout", [raw[i : i + 1] for i in range(len(raw))], since=0)
    assert Path(target.path).read_bytes() == (
        cri_line(T1, "stdout", b"one", False) + cri_line(T2, "stdout", b"two", False)
    )
