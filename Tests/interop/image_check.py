"""What a rendered image holds, as JSON: its size, the fraction of pixels
that are not near-white, how many distinct colours (quantized) appear —
enough to tell a drawn plot or page from a blank one — and the fraction in
the plots' first two series colours (#1f77b4, #ff7f0e), which no table,
text or grid line uses: a plot is on screen when it is above zero."""
import json
import sys

from PIL import Image

image = Image.open(sys.argv[1]).convert("RGB")
pixels = list(image.getdata())
ink = sum(1 for r, g, b in pixels if min(r, g, b) < 235)
colours = {(r // 32, g // 32, b // 32) for r, g, b in pixels}
series = [(0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E)]
plotted = sum(1 for p in pixels if any(sum((a - b) ** 2 for a, b in zip(p, c)) < 40 ** 2 for c in series))
json.dump({"width": image.width, "height": image.height, "ink": ink / len(pixels), "colours": len(colours),
           "series": plotted / len(pixels)}, sys.stdout)
