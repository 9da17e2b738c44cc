"""Write PNGs from plotly figure JSON files in a process of its own: ``python -m capacity.report._png_worker DIR``.

``DIR`` holds ``NAME.json`` files (``plotly.io.to_json``) and ``sizes.json`` (``{NAME: [w, h]}``); each
becomes ``NAME.png`` beside it. Run by :func:`capacity.report.ci.write_pngs` under a timeout, so a
browser that hangs cannot hang the caller.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(directory: str) -> int:
    import plotly.io as pio

    d = Path(directory)
    sizes = json.loads((d / "sizes.json").read_text())
    names = sorted(sizes)
    figs = [pio.from_json((d / f"{n}.json").read_text()) for n in names]
    pio.write_images(
        figs,
        [d / f"{n}.png" for n in names],
        format="png",
        width=[int(sizes[n][0]) for n in names],
        height=[int(sizes[n][1]) for n in names],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
