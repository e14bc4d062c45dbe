"""What a rendered image holds, as JSON: its size, the fraction of pixels
that are not near-white, and how many distinct colours (quantized) appear —
enough to tell a drawn plot or page from a blank one."""
import json
import sys

from PIL import Image

image = Image.open(sys.argv[1]).convert("RGB")
pixels = list(image.getdata())
ink = sum(1 for r, g, b in pixels if min(r, g, b) < 235)
colours = {(r // 32, g // 32, b // 32) for r, g, b in pixels}
json.dump({"width": image.width, "height": image.height, "ink": ink / len(pixels), "colours": len(colours)}, sys.stdout)
