from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from docpipe.discover import discover
from docpipe.raster.config import RasterConfig
from docpipe.raster.rasterizer import Rasterizer
from docpipe.raster.result import RasterOutput
from docpipe.records import DocKind, ErrorCategory, Status


def _rasterize(path: Path, **config: object) -> RasterOutput:
    (doc,) = discover([str(path)])
    with Rasterizer(RasterConfig(isolate=False, **config)) as rasterizer:  # type: ignore[arg-type]
        (output,) = rasterizer([doc])
    return output


def _decoded(data: bytes | None) -> Image.Image:
    assert data is not None
    image = Image.open(io.BytesIO(data))
    assert image.mode == "RGB"
    return image


def _noise_frame(seed: int, size: tuple[int, int] = (100, 120)) -> Image.Image:
    values = np.random.RandomState(seed).randint(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    return Image.fromarray(values, "RGB")


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack("!I", len(payload)) + kind + payload + struct.pack("!I", zlib.crc32(kind + payload))


def _bilevel_png_bomb(path: Path, side: int) -> Path:
    """A valid side x side 1-bit PNG of a blank page: ~0.5 MB on disk, side**2 pixels decoded."""
    compressor = zlib.compressobj(1)
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + packed bits
    rows_per_chunk = 1000
    idat = bytearray()
    for start in range(0, side, rows_per_chunk):
        idat += compressor.compress(row * min(rows_per_chunk, side - start))
    idat += compressor.flush()
    header = struct.pack("!IIBBBBB", side, side, 1, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", bytes(idat))
    path.write_bytes(data + _png_chunk(b"IEND", b""))
    return path


def test_png_page_size_from_dpi_metadata(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    Image.new("RGB", (600, 300), "white").save(path, dpi=(300, 300))
    output = _rasterize(path)
    page = output.pages[0]
    assert output.status is Status.ok and page.kind is DocKind.png
    assert (page.width_pt, page.height_pt) == pytest.approx((144, 72), rel=1e-3)
    assert (page.image_width, page.image_height) == (600, 300)
    assert page.words == [] and page.word_source is None


def test_missing_dpi_assumes_200(tmp_path: Path) -> None:
    path = tmp_path / "nodpi.png"
    Image.new("RGB", (400, 200), "white").save(path)  # Pillow writes no pHYs chunk by default
    page = _rasterize(path).pages[0]
    assert (page.width_pt, page.height_pt) == pytest.approx((144, 72), rel=1e-3)


def test_large_image_is_scaled_to_the_pixel_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    _noise_frame(1, (1000, 800)).save(path)
    output = _rasterize(path, max_pixels=100_000)
    page = output.pages[0]
    assert page.image_width * page.image_height <= 100_000
    assert abs(page.image_width / page.image_height - 1000 / 800) < 0.01
    assert _decoded(output.images[0]).size == (page.image_width, page.image_height)


def test_multi_frame_tiff_with_a_corrupt_frame(tmp_path: Path) -> None:
    frames = [_noise_frame(seed) for seed in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_adobe_deflate")
    data = bytearray(buffer.getvalue())
    probe = Image.open(io.BytesIO(bytes(data)))
    probe.seek(1)
    for offset, count in zip(probe.tag_v2[273], probe.tag_v2[279], strict=True):
        data[offset : offset + count] = b"\x55" * count  # destroy frame 2's compressed strips
    path = tmp_path / "scan.tiff"
    path.write_bytes(bytes(data))
    output = _rasterize(path)
    assert output.status is Status.partial
    assert [p.status for p in output.pages] == [Status.ok, Status.failed, Status.ok]
    assert output.images[1] is None and output.pages[1].error is not None
    assert output.pages[1].error.category is ErrorCategory.corrupt
    assert np.array_equal(np.asarray(_decoded(output.images[2])), np.asarray(frames[2]))
    assert all(p.page_count == p.total_pages == 3 for p in output.pages)


def test_multi_frame_gif_and_max_pages(tmp_path: Path) -> None:
    path = tmp_path / "anim.gif"
    frames = [Image.new("RGB", (40, 30), color) for color in ("red", "green", "blue", "black")]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    output = _rasterize(path, max_pages=3)
    assert len(output.pages) == 3 and output.status is Status.partial
    assert output.error is not None and output.error.category is ErrorCategory.too_many_pages
    assert [p.total_pages for p in output.pages] == [4, 4, 4]
    assert np.asarray(_decoded(output.images[2]))[5, 5].tolist() == [0, 0, 255]


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    image = Image.new("CMYK", (200, 100), (0, 0, 0, 0))  # no ink: white
    image.paste((0, 0, 0, 255), (0, 0, 100, 100))  # black ink on the left half
    path = tmp_path / "cmyk.jpg"
    image.save(path, quality=95)
    pixels = np.asarray(_decoded(_rasterize(path).images[0])).astype(int)
    assert pixels[50, 20].max() < 40
    assert pixels[50, 180].min() > 215


def test_sixteen_bit_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    values = np.full((50, 90), 65535, dtype=np.uint16)
    values[:, :30] = 0
    values[:, 30:60] = 32768
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    assert Image.open(path).mode.startswith("I")
    pixels = np.asarray(_decoded(_rasterize(path).images[0]))
    assert pixels[25, 10].tolist() == [0, 0, 0]
    assert all(abs(v - 128) <= 2 for v in pixels[25, 45].tolist())
    assert pixels[25, 80].tolist() == [255, 255, 255]


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGBA", "I", "F"])
def test_other_modes_become_rgb(tmp_path: Path, mode: str) -> None:
    image = Image.new("L", (40, 20), 255)
    image.paste(0, (0, 0, 20, 20))
    converted = image.convert(mode)
    path = tmp_path / f"mode_{mode}.{'tiff' if mode in ('I', 'F') else 'png'}"
    converted.save(path)
    pixels = np.asarray(_decoded(_rasterize(path).images[0])).astype(int)
    assert pixels[10, 5].max() < 30 and pixels[10, 35].min() > 225


def test_transparent_background_becomes_white(tmp_path: Path) -> None:
    path = tmp_path / "alpha.png"
    Image.new("RGBA", (30, 30), (0, 0, 0, 0)).save(path)
    pixels = np.asarray(_decoded(_rasterize(path).images[0]))
    assert pixels.min() == 255


def test_exif_rotated_jpeg_is_shown_upright(tmp_path: Path) -> None:
    stored = Image.new("RGB", (300, 200), "white")
    stored.paste((255, 0, 0), (0, 0, 60, 40))  # marker at the stored top-left
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise
    path = tmp_path / "phone.jpg"
    stored.save(path, exif=exif, quality=95, dpi=(100, 100))
    output = _rasterize(path)
    page = output.pages[0]
    assert page.rotation == 90
    assert (page.image_width, page.image_height) == (200, 300)
    assert (page.width_pt, page.height_pt) == pytest.approx((144, 216), rel=1e-3)
    pixels = np.asarray(_decoded(output.images[0])).astype(int)
    red = (pixels[..., 0] > 200) & (pixels[..., 1] < 80)
    ys, xs = np.nonzero(red)
    assert xs.min() > 130 and ys.max() < 70  # the marker is now at the top-right


def test_png_bomb_is_rejected_without_decoding(tmp_path: Path) -> None:
    path = _bilevel_png_bomb(tmp_path / "bomb.png", 30_000)
    assert path.stat().st_size < 1_000_000
    (doc,) = discover([str(path)])
    # A worker with room to decode the 900 MB of pixels, to show that it does not even try.
    with Rasterizer(RasterConfig(isolate=True, memory_mb=4096)) as rasterizer:
        (output,) = rasterizer([doc])
        stats = rasterizer.stats
    assert output.status is Status.failed and not output.pages
    assert output.error is not None and output.error.category is ErrorCategory.too_large
    assert "30000x30000" in output.error.message
    assert stats is not None and stats.peak_rss_mb < 600


def test_oversized_jpeg_is_decoded_reduced(tmp_path: Path) -> None:
    path = tmp_path / "huge.jpg"
    _noise_frame(3, (2400, 1000)).save(path, quality=50)
    output = _rasterize(path, max_source_pixels=1_000_000, max_pixels=100_000)
    page = output.pages[0]
    assert output.status is Status.ok
    assert page.image_width * page.image_height <= 100_000
    assert (page.width_pt, page.height_pt) == pytest.approx((2400 / 200 * 72, 1000 / 200 * 72))
    rejected = _rasterize(path, max_source_pixels=1_000_000, max_pixels=2_000_000)
    assert rejected.error is not None and rejected.error.category is ErrorCategory.too_large


def test_truncated_png_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "cut.png"
    _noise_frame(4, (300, 300)).save(path)
    path.write_bytes(path.read_bytes()[:5000])
    output = _rasterize(path)
    assert output.status is Status.failed and not output.pages
    assert output.error is not None and output.error.category is ErrorCategory.corrupt


def test_webp_and_bmp(tmp_path: Path) -> None:
    for name in ("a.webp", "a.bmp"):
        path = tmp_path / name
        Image.new("RGB", (64, 48), (10, 200, 30)).save(path)
        output = _rasterize(path)
        assert output.status is Status.ok
        assert _decoded(output.images[0]).size == (64, 48)
