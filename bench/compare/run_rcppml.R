# bench/compare runner for RcppML::nmf (alternating NNLS by coordinate descent, Frobenius loss,
# model A = w diag(d) h). Run by compare.py:
#   Rscript --vanilla run_rcppml.R --data V.npy|V.mtx --k K --loss frobenius --checkpoints 10,20,..
#           --threads T --init-w W0.npy --init-h H0.npy --out DIR --here bench/compare
# RcppML starts from an initial w only (its first step solves h from w). A version that accepts a
# matrix as 'seed' gets the shared W0 and runs in chunks ending at the checkpoints, each seeded
# with the previous chunk's w diag(d) (an iteration's only state is w). Debian 12's 0.3.7 takes an
# integer seed only: then it starts from its own seeded random w, and each checkpoint is a separate
# fit with maxit = checkpoint (result.json's "init" says which). tol is tiny so no fit stops early.
# Timed: the nmf() calls only. Writes DIR/W_<it>.npy (w diag(d)), DIR/H_<it>.npy, DIR/result.json.

args <- commandArgs(trailingOnly = TRUE)
here <- args[which(args == "--here") + 1]
source(file.path(here, "npy.R"))
a <- parse_args(args)
k <- as.integer(a$k)
threads <- as.integer(a$threads)
checkpoints <- sort(unique(as.integer(strsplit(a$checkpoints, ",")[[1]])))
dir.create(a$out, showWarnings = FALSE, recursive = TRUE)

suppressPackageStartupMessages(library(RcppML))
suppressPackageStartupMessages(library(Matrix))
t0 <- proc.time()[["elapsed"]]
A <- read_matrix(a$data)
W0 <- read_npy(a$`init-w`)
read_s <- proc.time()[["elapsed"]] - t0

if (exists("setRcppMLthreads")) setRcppMLthreads(threads)
options(RcppML.threads = threads, RcppML.verbose = FALSE)
fml <- names(formals(RcppML::nmf))

fit_chunk <- function(seed_w, iters) {
  argsl <- list(A, k = k, tol = 1e-300, maxit = iters)
  if ("verbose" %in% fml) argsl$verbose <- FALSE
  if ("seed" %in% fml) argsl$seed <- seed_w
  do.call(RcppML::nmf, argsl)
}
getf <- function(m, name) if (isS4(m)) slot(m, name) else m[[name]]

# Does this version accept an initial w as 'seed'? (0.3.7, Debian 12's, does not: its seed is
# an integer.) Try a one-iteration fit, untimed.
chunked <- TRUE
init_used <- "W0 (as the initial w); chunks continue from the previous w diag(d)"
seed_w <- W0
probe <- tryCatch(fit_chunk(W0, 1L), error = function(e) e)
if (inherits(probe, "error")) {
  # No initial w: each checkpoint is its own fit from the same seeded random start, timed alone
  # (the sequence of iterates is the same, so the fit with maxit = c ends at iterate c).
  chunked <- FALSE
  init_used <- paste0("seed = 1 (RcppML's own random w; this version takes no initial w: ",
                      conditionMessage(probe), "); one separate fit per checkpoint")
  seed_w <- 1
}

done <- 0L
fit_s <- 0
secs <- c()
iters_run <- c()
for (c in checkpoints) {
  n <- if (chunked) c - done else c
  t <- proc.time()[["elapsed"]]
  m <- fit_chunk(seed_w, n)
  el <- proc.time()[["elapsed"]] - t
  fit_s <- if (chunked) fit_s + el else el
  w <- getf(m, "w"); d <- getf(m, "d"); h <- getf(m, "h")
  if (nrow(w) != nrow(A)) w <- t(w)
  if (ncol(h) != ncol(A)) h <- t(h)
  W <- sweep(w, 2, as.vector(d), "*")
  if (chunked) seed_w <- W
  done <- c
  secs <- c(secs, fit_s)
  it <- if (isS4(m)) m@misc$iter else m$iter
  iters_run <- c(iters_run, if (is.null(it)) NA else it)
  write_npy(W, file.path(a$out, sprintf("W_%d.npy", c)))
  write_npy(h, file.path(a$out, sprintf("H_%d.npy", c)))
}

esc <- function(s) gsub("\"", "'", gsub("\\\\", "/", s))
json <- sprintf(paste0(
  "{\"tool\": \"RcppML\", \"version\": \"%s\", \"method\": \"nmf\", \"loss\": \"frobenius\", ",
  "\"dtype\": \"float64\", \"threads\": %d, \"checkpoints\": [%s], \"seconds\": [%s], ",
  "\"iterations_reported\": [%s], \"read_seconds\": %.6f, \"peak_rss_kb_self\": %.0f, ",
  "\"init\": \"%s\", \"blas\": \"%s\"}"),
  as.character(packageVersion("RcppML")), threads, paste(checkpoints, collapse = ", "),
  paste(sprintf("%.6f", secs), collapse = ", "),
  paste(ifelse(is.na(iters_run), "null", as.character(iters_run)), collapse = ", "),
  read_s, peak_rss_kb(), esc(init_used), esc(La_library()))
writeLines(json, file.path(a$out, "result.json"))
