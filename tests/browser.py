"""Renders an HTML report in headless Chromium and checks that it draws something, without errors."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def renders_in_chromium(path: Path) -> None:
    """Fails unless ``path`` is self-contained and renders to a non-blank page with no console errors."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is needed for this test (Debian package chromium)"
    text = path.read_text()
    assert "<script" not in text and 'src="http' not in text, "self-contained: no scripts, nothing fetched"
    png = path.with_suffix(".png")
    p = subprocess.run(
        [
            chromium,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={png}",
            "--window-size=1200,2600",
            "--enable-logging=stderr",
            "--v=0",
            f"file://{path}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    console = [line for line in p.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    from matplotlib import image

    pixels = image.imread(str(png))
    distinct = len({tuple(px) for row in pixels[::20] for px in row[::20]})
    assert distinct > 20, f"the screenshot looks blank ({distinct} colours)"
