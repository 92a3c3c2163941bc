"""Just enough MPEG audio parsing to tell whether a stream ended on a whole frame.

A body with neither Content-Length nor chunking ends when the connection closes, cleanly or
not; the last frame being complete (and the declared duration reached) is what is left to judge
by.
"""

from __future__ import annotations

# kbit/s by [version is MPEG-1][layer index 1..3][bitrate index]
_BITRATES = {
    True: {
        3: (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
        2: (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
        1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    },
    False: {
        3: (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
        2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
        1: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    },
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def frame_info(header: bytes) -> tuple[int, float] | None:
    """(frame length in bytes, seconds of audio) of the frame starting with ``header``."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = (header[1] >> 3) & 0x3  # 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
    layer = (header[1] >> 1) & 0x3  # 3 = layer I, 2 = II, 1 = III
    bitrate_index = header[2] >> 4
    rate_index = (header[2] >> 2) & 0x3
    if version == 1 or layer == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate = _BITRATES[mpeg1][layer][bitrate_index] * 1000
    sample_rate = _SAMPLE_RATES[version][rate_index]
    padding = (header[2] >> 1) & 0x1
    if layer == 3:  # layer I
        return (12 * bitrate // sample_rate + padding) * 4, 384 / sample_rate
    samples = 1152 if layer == 2 or mpeg1 else 576
    return samples // 8 * bitrate // sample_rate + padding, samples / sample_rate


class FrameWalker:
    """Follows frame boundaries across chunks; gives up (``lost``) on anything unexpected."""

    def __init__(self) -> None:
        self.offset = 0  # bytes seen
        self.next_frame = 0  # where the next frame header is expected
        self.seconds = 0.0
        self.lost = False
        self._pending = b""  # the start of a header split across chunks

    def feed(self, chunk: bytes) -> None:
        if self.lost:
            return
        data = self._pending + chunk
        base = self.offset - len(self._pending)
        self.offset += len(chunk)
        self._pending = b""
        while not self.lost:
            at = self.next_frame - base
            if at + 10 > len(data):
                self._pending = data[max(0, at) :] if at >= 0 else b""
                return
            if self.next_frame == 0 and data[at : at + 3] == b"ID3":
                size = data[at + 6 : at + 10]
                self.next_frame = 10 + (
                    (size[0] & 0x7F) << 21 | (size[1] & 0x7F) << 14 | (size[2] & 0x7F) << 7
                    | (size[3] & 0x7F)
                )  # fmt: skip
                continue
            info = frame_info(data[at : at + 4])
            if info is None:
                self.lost = True
                return
            self.next_frame += info[0]
            self.seconds += info[1]

    @property
    def ends_on_frame(self) -> bool:
        """True when the bytes seen end exactly after a whole frame (or sync was lost)."""
        return self.lost or self.next_frame == self.offset
