"""Animated GIF and APNG written one frame at a time: memory for one frame, whatever the count.

Pillow writes an animation only from every frame held decoded at once (a 300-frame player at 8
megapixels a frame is gigabytes). Here each frame is encoded on its own by Pillow (a one-frame GIF
or PNG) and its image blocks are copied into the animation's file as they come. Which frames and
how they look is `player`'s and `pictures`' job, drawing them `redraw`'s.
"""

from __future__ import annotations

import io
import struct
import sys
import zlib
from collections.abc import Iterable
from typing import IO, Any

from ..errors import message
from .raster import RasterError

__all__ = ["write_animation"]


def write_animation(pictures: Iterable[Any], fmt: str, seconds: float, file: IO[bytes],
                    count: int) -> None:
    """Write ``count`` RGB Pillow images ``pictures`` into ``file`` as a looping GIF or APNG
    (``fmt`` "PNG").

    Each picture is encoded and written before the next is read, so memory holds one frame
    (and the one image may be drawn on again between frames: `redraw` does).

    >>> from PIL import Image
    >>> out = io.BytesIO()
    >>> frames = (Image.new("RGB", (4, 3), colour) for colour in ("red", "blue"))
    >>> write_animation(frames, "GIF", 0.5, out, 2)
    >>> with Image.open(out) as gif:
    ...     gif.n_frames, gif.size, gif.info["duration"]
    (2, (4, 3), 500)
    """
    writer = _Gif(file, seconds) if fmt == "GIF" else _Apng(file, seconds, count)
    written = 0
    with _progress_bar(count) as bar:
        for picture in pictures:
            writer.frame(picture)
            written += 1
            bar.update(1)
    if written != count:
        raise RasterError(message(f"an animation of {count} frames", f"{written} came",
                                  "report this: the player counted its frames wrong"))
    writer.end()


def _progress_bar(count: int) -> Any:
    # A bar on stderr in a terminal, drawn only once a run has taken a second (tqdm's delay):
    # a few frames never show one, a long GIF says how far it is.
    from tqdm import tqdm  # type: ignore[import-untyped, unused-ignore]  # a dependency

    return tqdm(total=count, desc="frames", unit="frame", file=sys.stderr, delay=1.0,
                disable=not sys.stderr.isatty(), leave=False)


_FAST_OCTREE = 2  # PIL.Image.Quantize.FASTOCTREE, without importing Pillow at import time


class _Gif:
    """GIF89a: a screen, the loop extension, then per frame a delay and its image blocks."""

    def __init__(self, file: IO[bytes], seconds: float) -> None:
        self.file, self.size = file, (0, 0)
        self.delay = max(1, round(seconds * 100))  # GIF counts hundredths of a second

    def frame(self, picture: Any) -> None:
        one = io.BytesIO()
        # A fast octree palette: a drawing's few flat colours fit in 256, and Pillow's default
        # (median cut) took a quarter of a GIF's time.
        picture.quantize(256, method=_FAST_OCTREE).save(one, "GIF")
        table, image = _gif_image(one.getvalue())
        if self.size == (0, 0):
            self.size = picture.size
            # No global colour table (each frame brings its own); loop forever.
            self.file.write(b"GIF89a" + struct.pack("<HHBBB", *self.size, 0x70, 0, 0))
            self.file.write(b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")
        elif picture.size != self.size:
            raise RasterError(message("an animation's frames", "they differ in size",
                                      "report this: every frame is drawn at one size"))
        # Graphic control: keep the frame (disposal 1) for `delay` hundredths of a second.
        self.file.write(b"\x21\xf9\x04\x04" + struct.pack("<H", self.delay) + b"\x00\x00")
        self.file.write(table + image)

    def end(self) -> None:
        self.file.write(b"\x3b")


def _gif_image(gif: bytes) -> tuple[bytes, bytes]:
    # Return a one-frame GIF's image as (descriptor with its local colour table, image data).
    packed, position = gif[10], 13
    palette, bits = b"", 0
    if packed & 0x80:  # a global table: it becomes the frame's local one
        bits = packed & 7
        palette = gif[position:position + 3 * (2 << bits)]
        position += len(palette)
    while gif[position] == 0x21:  # extensions Pillow may write: skipped
        position = _after_blocks(gif, position + 2)
    descriptor = gif[position:position + 10]
    position += 10
    if descriptor[9] & 0x80:
        bits = descriptor[9] & 7
        palette = gif[position:position + 3 * (2 << bits)]
        position += len(palette)
    start = position
    position = _after_blocks(gif, position + 1)  # the LZW code size, then data blocks
    local = bytes([0x80 | (descriptor[9] & 0x40) | bits])  # local table, interlace as it was
    return descriptor[:9] + local + palette, gif[start:position]


def _after_blocks(gif: bytes, position: int) -> int:
    while gif[position]:
        position += gif[position] + 1
    return position + 1


class _Apng:
    """APNG: the first frame's header, the frame count, then per frame its control and data."""

    def __init__(self, file: IO[bytes], seconds: float, count: int) -> None:
        self.file, self.count, self.sequence, self.header = file, count, 0, b""
        self.delay = (min(round(seconds * 1000), 65535), 1000)

    def frame(self, picture: Any) -> None:
        one = io.BytesIO()
        picture.save(one, "PNG")
        chunks = list(_png_chunks(one.getvalue()))
        header = next(data for kind, data in chunks if kind == b"IHDR")
        first = not self.header
        if first:
            self.header = header
            self.file.write(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header))
            self.file.write(_chunk(b"acTL", struct.pack(">II", self.count, 0)))  # 0: loop
        elif header != self.header:
            raise RasterError(message("an animation's frames", "they differ in size or kind",
                                      "report this: every frame is drawn at one size"))
        width, height = struct.unpack(">II", header[:8])
        self.file.write(_chunk(b"fcTL", struct.pack(">IIIIIHHBB", self._next(), width, height,
                                                    0, 0, *self.delay, 0, 0)))
        for kind, data in chunks:
            if kind == b"IDAT":  # the first frame is also the still picture; the others fdAT
                self.file.write(_chunk(b"IDAT", data) if first else
                                _chunk(b"fdAT", struct.pack(">I", self._next()) + data))

    def _next(self) -> int:
        self.sequence += 1
        return self.sequence - 1

    def end(self) -> None:
        self.file.write(_chunk(b"IEND", b""))


def _png_chunks(png: bytes) -> Iterable[tuple[bytes, bytes]]:
    position = 8  # after the signature: length, kind, data, CRC, chunk after chunk
    while position < len(png):
        (length,) = struct.unpack(">I", png[position:position + 4])
        yield png[position + 4:position + 8], png[position + 8:position + 8 + length]
        position += 12 + length


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
