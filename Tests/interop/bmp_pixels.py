"""The pixels of the BMP images a page embeds as data URIs, decoded by Pillow:
prints JSON, one entry per image in page order: width, height and the grey
levels (the red channel) row by row, top first."""
import base64
import io
import json
import re
import sys

from PIL import Image

page = open(sys.argv[1], encoding="utf-8").read()
images = []
for data in re.findall(r"data:image/bmp;base64,([A-Za-z0-9+/=]+)", page):
    image = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")
    images.append({"width": image.width, "height": image.height, "grey": [p[0] for p in image.getdata()]})
json.dump({"images": images}, sys.stdout)
