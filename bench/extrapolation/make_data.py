# Matrices for the extrapolation table: planted (bench/compare), digits, a text document-term
# matrix from the docstrings of Python's standard library (offline), breast_cancer features, and
# the Golub leukemia gene-expression matrix that R's NMF package ships (esGolub: 5000 genes x 38
# samples, Brunet et al. 2004), when R with NMF and Biobase is installed (bench/compare's setup
# installs them).
import sys, os, pkgutil, importlib, inspect, warnings, shutil, subprocess
if __name__ != "__main__":  # the docstring walk below imports every module it finds, this one too
    raise ImportError("make_data.py is a script")
import numpy as np, scipy.sparse as sp, scipy.io
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compare"))
import compare
out = os.environ.get("OUT", "/tmp/extrapolation"); os.makedirs(out, exist_ok=True)
np.save(f"{out}/planted.npy", compare.planted(5000, 2000, 20, seed=1))
from sklearn.datasets import load_digits, load_breast_cancer
np.save(f"{out}/digits.npy", load_digits().data.astype(np.float64))  # 1797 x 64
docs = []
warnings.simplefilter("ignore")
for mod in sorted(m.name for m in pkgutil.iter_modules() if not m.name.startswith("_")):
    if mod in ("antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo"): continue
    try:
        M = importlib.import_module(mod)
    except BaseException:
        continue
    for name, obj in list(vars(M).items()):
        d = getattr(obj, "__doc__", None) if (inspect.isfunction(obj) or inspect.isclass(obj)) else None
        if isinstance(d, str) and len(d.split()) >= 20 and getattr(obj, "__module__", None) == mod:
            docs.append(d)
    if len(docs) > 20000: break
from sklearn.feature_extraction.text import CountVectorizer
X = CountVectorizer(stop_words="english", min_df=5, max_df=0.5).fit_transform(docs)
V = sp.csc_matrix(X.T.astype(np.float64))  # words x documents
keep = np.asarray(V.sum(axis=0)).ravel() > 0
V = V[:, keep]
scipy.io.mmwrite(f"{out}/text.mtx", V)
print("text", V.shape, V.nnz, V.nnz / V.shape[0] / V.shape[1])
np.save(f"{out}/cancer.npy", load_breast_cancer().data.astype(np.float64))
if shutil.which("Rscript"):
    r = subprocess.run(["Rscript", "--vanilla", "-e",
                        "suppressMessages(library(NMF)); data(esGolub); "
                        f"write.csv(Biobase::exprs(esGolub), '{out}/golub.csv', row.names = FALSE); "
                        "p <- Biobase::pData(esGolub); "
                        f"writeLines(paste(p$ALL.AML, p$Cell, sep = '-'), '{out}/golub_type.txt')"],
                       capture_output=True, text=True)
    if r.returncode == 0:
        G = np.loadtxt(f"{out}/golub.csv", delimiter=",", skiprows=1)
        np.save(f"{out}/golub.npy", G)  # genes x samples
        print("golub", G.shape, G.min(), G.max())
    else:
        print("golub: skipped (R's NMF package or Biobase missing):", r.stderr.strip()[-200:])
else:
    print("golub: skipped (no Rscript)")
