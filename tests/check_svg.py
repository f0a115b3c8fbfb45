"""Checks the SVG files of `nmfkit rank` (tests/cli_rank.cmake): each is well-formed XML with an
<svg> root, metrics.svg has one point per measured (finite) value of every plotted metric, and
the heatmaps have one cell per entry (consensus: n x n samples; H: k x n).
Usage: check_svg.py OUT_DIR"""

import json
import math
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
PLOTTED = ["relative_error", "explained_variance", "cv_error", "cophenetic", "dispersion",
           "silhouette", "sparseness_w", "sparseness_h", "best_objective", "purity", "entropy"]


def count(path, tag, css_class):
    root = ET.parse(path).getroot()  # raises on malformed XML
    assert root.tag == SVG + "svg", f"{path}: root is {root.tag}"
    return sum(1 for e in root.iter(SVG + tag) if e.get("class") == css_class)


def main(out):
    survey = json.load(open(f"{out}/survey.json"))
    k, n = survey["plot_rank"], survey["cols"]
    finite = sum(1 for row in survey["table"] for key in PLOTTED
                 if isinstance(row.get(key), (int, float)) and math.isfinite(row[key]))
    checks = [("metrics.svg", "circle", "point", finite),
              (f"consensus_k{k}.svg", "rect", "cell", min(n, 200) ** 2),
              (f"h_k{k}.svg", "rect", "cell", k * min(n, 200))]
    for name, tag, css_class, expected in checks:
        got = count(f"{out}/{name}", tag, css_class)
        assert got == expected, f"{name}: {got} <{tag} class={css_class}>, expected {expected}"
        print(f"{name}: {got} {tag}s")


if __name__ == "__main__":
    main(sys.argv[1])
