"""Movie writers for the network animations: GIF through Pillow, MP4 through imageio-ffmpeg's
ffmpeg, HTML through matplotlib's JavaScript player.

GIF and HTML frames are quantised to 256 colours as they are grabbed (the picture is flat
colours and thin lines, which survive), so a long GIF does not hold hundreds of full-colour
frames in memory and the HTML player is a third of the size of one with full-colour PNG frames.
"""

from __future__ import annotations

import base64
from io import BytesIO
from pathlib import Path

from matplotlib.animation import HTMLWriter, PillowWriter
from PIL import Image

FORMATS = (".gif", ".mp4", ".html")


class AnimationError(ValueError):
    """Bad input to an animation (unknown format, missing optional package, unknown policy)."""


def output_format(path: str | Path) -> str:
    """The animation format of ``path`` from its suffix; raises :class:`AnimationError`."""
    suffix = Path(path).suffix.lower()
    if suffix == ".htm":
        suffix = ".html"
    if suffix not in FORMATS:
        raise AnimationError(f"{path}: unknown animation format {suffix or '(none)'!r} (expected .gif, .mp4 or .html)")
    if suffix == ".mp4":
        try:
            import imageio_ffmpeg  # noqa: F401
        except ImportError:
            raise AnimationError("MP4 output needs the video extra: pip install 'aicontagion[video]'") from None
    return suffix


def movie_writer(fmt: str, fps: float):
    """A matplotlib movie writer for ``fmt`` (``.gif``, ``.mp4`` or ``.html``) at ``fps`` frames
    per second, and the rc settings to save with it."""
    from matplotlib.animation import FFMpegWriter

    if fmt == ".gif":
        return _GifWriter(fps=fps), {}
    if fmt == ".mp4":
        import imageio_ffmpeg

        rc = {"animation.ffmpeg_path": imageio_ffmpeg.get_ffmpeg_exe()}
        return FFMpegWriter(fps=fps, codec="h264", extra_args=["-pix_fmt", "yuv420p", "-crf", "23"]), rc
    return _HtmlWriter(fps=fps, embed_frames=True, default_mode="once", embed_limit=1000.0), {}


def _rgb_frame(writer) -> Image.Image:
    """The writer's figure as a Pillow RGB image at the writer's resolution."""
    buf = BytesIO()
    writer.fig.savefig(buf, format="rgba", dpi=writer.dpi)
    return Image.frombuffer("RGBA", writer.frame_size, buf.getbuffer(), "raw", "RGBA", 0, 1).convert("RGB")


def _palette(im: Image.Image) -> Image.Image:
    """256-colour version of a frame (flat colours and thin lines survive; a quarter of the bytes)."""
    return im.quantize(colors=255, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


class _GifWriter(PillowWriter):
    """Pillow GIF writer that keeps each frame as a 256-colour image (a quarter of the memory)."""

    def grab_frame(self, **savefig_kwargs):
        self._frames.append(_palette(_rgb_frame(self)))


class _HtmlWriter(HTMLWriter):
    """matplotlib's JavaScript-animation writer with 256-colour PNG frames (a third of the size)."""

    def grab_frame(self, **savefig_kwargs):
        if not self.embed_frames or not hasattr(self, "_saved_frames"):  # other matplotlib internals
            return super().grab_frame(**savefig_kwargs)
        png = BytesIO()
        _palette(_rgb_frame(self)).save(png, format="png")
        data = base64.encodebytes(png.getvalue()).decode("ascii")
        self._total_bytes += len(data)
        if self._total_bytes >= self._bytes_limit:
            raise ValueError(f"the HTML animation would exceed {self._bytes_limit / 2**20:.0f} MB: use .mp4 or .gif")
        self._saved_frames.append(data)


__all__ = ["movie_writer"]
