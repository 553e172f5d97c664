"""Print the README's Quickstart commands, one per line: the ```sh blocks of its Quickstart section."""

import re
import sys

text = open(sys.argv[1], encoding="utf-8").read()
section = re.split(r"^## Quickstart\s*$", text, maxsplit=1, flags=re.M)[1]
section = re.split(r"^## ", section, maxsplit=1, flags=re.M)[0]
for block in re.findall(r"^```sh\n(.*?)^```", section, flags=re.S | re.M):
    print(" ".join(block.split()))
