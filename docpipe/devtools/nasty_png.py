"""Hand-built PNGs whose pixel data is enormous while the file stays small (decompression bombs).

Pillow would need the whole raster in memory to write them, so the zlib stream is assembled from
one compressed block repeated: every block is a fresh raw-deflate segment ending on a byte
boundary (sync flush), and concatenated segments are a valid deflate stream.
"""

from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _repeated_zlib(block: bytes, repeats: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = compressor.compress(block) + compressor.flush(zlib.Z_SYNC_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # an empty last block
    checksum = 1
    for _ in range(repeats):
        checksum = zlib.adler32(block, checksum)
    return b"\x78\xda" + segment * repeats + final + struct.pack(">I", checksum & 0xFFFFFFFF)


def uniform_png(width: int, height: int, *, bit_depth: int, color_type: int, fill: int = 0xFF,
                rows_per_block: int = 64) -> bytes:
    """A PNG of one flat colour. color_type 0 = grey, 2 = RGB; height must divide by rows_per_block."""
    if height % rows_per_block:
        raise ValueError("height must be a multiple of rows_per_block")
    channels = {0: 1, 2: 3}[color_type]
    row_bytes = (width * channels * bit_depth + 7) // 8
    block = (b"\x00" + bytes([fill]) * row_bytes) * rows_per_block  # filter type 0 per row
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", _repeated_zlib(block, height // rows_per_block)) + _chunk(b"IEND", b""))
