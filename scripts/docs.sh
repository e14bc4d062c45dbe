#!/usr/bin/env bash
# make docs: regenerates what the docs show from the code and a real run — the
# pipeline reference in docs/pipeline-format.md (regime reference), the README's
# terminal session of the default study, and docs/kernel-rich.png (its plot,
# rendered by rsvg-convert).
set -euo pipefail
cd "$(dirname "$0")/.."
regime=.build/release/regime
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p docs

# A fresh run (its own cache), with no periodic progress lines: what a terminal shows.
{
    echo '$ regime run pipelines/kernel-rich.yaml'
    REGIME_PROGRESS_INTERVAL=1000000 $regime run pipelines/kernel-rich.yaml --cache "$scratch/cache" 2>&1
    echo '$ regime show results/kernel-rich.h5 --columns depth,init_scale,steps,time,test_mse,dist_min_l1,dist_min_l2,dist_q_alpha'
    $regime show results/kernel-rich.h5 --columns depth,init_scale,steps,time,test_mse,dist_min_l1,dist_min_l2,dist_q_alpha
} > "$scratch/session.txt"
$regime plot results/kernel-rich.h5 --x init_scale --y dist_min_l1 --y dist_min_l2 --by depth --log-x \
    --title "Kernel to rich: distance to the min-ℓ1 and min-ℓ2 interpolants" -o docs/kernel-rich.svg > /dev/null
rsvg-convert docs/kernel-rich.svg -o docs/kernel-rich.png
$regime reference > "$scratch/reference.md"

python3 - "$scratch/session.txt" "$scratch/reference.md" <<'PY'
import re, sys
session, reference = (open(p).read() for p in sys.argv[1:3])
readme = open("README.md").read()
def put(text, name, body):
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    return pattern.sub(lambda _: f"{start}\n{body}{end}", text)
readme = put(readme, "session", "```\n" + session + "```\n")
open("README.md", "w").write(readme)
formats = open("docs/pipeline-format.md").read()
open("docs/pipeline-format.md", "w").write(put(formats, "reference", reference))
PY
echo "docs: README.md, docs/pipeline-format.md, docs/kernel-rich.png"
