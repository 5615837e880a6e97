"""Facts about the book shared by the notebook and site tests."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_files():
    """Every page of ``_toc.yml``, root first, as paths without suffix (``notebooks/01_...``)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())

    def walk(node):
        if isinstance(node, dict):
            return ([node["file"]] if "file" in node else []) + [f for value in node.values() for f in walk(value)]
        if isinstance(node, list):
            return [f for item in node for f in walk(item)]
        return []

    return [toc["root"]] + walk(toc)
