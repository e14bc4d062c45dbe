"""Runs the ```python blocks of a Markdown page, in order, as one program, in
the current directory (the tests' check that a page's code works as written)."""
import re
import sys

text = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r"```python\n(.*?)```", text, re.S)
if not blocks:
    raise SystemExit(f"{sys.argv[1]}: no python blocks")
exec(compile("\n".join(blocks), sys.argv[1], "exec"), {"__name__": "__main__"})
