# Reference values for tests/test_stats_describe.py (cartcyto.stats.describe).
# Run: Rscript tests/reference/stats_describe.R
out <- function(label, ...) cat(label, ": ", paste(sprintf("%.15g", c(...)), collapse = ", "), "\n", sep = "")
x6 <- c(31, 0, 96, 12.5, NA, 44, 7)   # 6 non-missing (even n: mean of the middle two)
x7 <- c(4, 1, 24, 4, 2, 9, NA, 3)      # 7 non-missing (odd n), tied values
for (nm in c("x6", "x7")) {
  x <- get(nm)
  out(paste(nm, "median, min, max, n"), median(x, na.rm = TRUE), min(x, na.rm = TRUE),
      max(x, na.rm = TRUE), sum(!is.na(x)))
}
m <- c(TRUE, FALSE, NA, TRUE, TRUE, FALSE, NA, FALSE, TRUE, TRUE, FALSE)
out("mask count, percent, n", sum(m, na.rm = TRUE), 100 * mean(m, na.rm = TRUE), sum(!is.na(m)))
# Wang 2021: 14 of 76 patients had extramedullary lesions (18.42%)
m76 <- c(rep(TRUE, 14), rep(FALSE, 62))
out("m76 count, percent, n", sum(m76), 100 * mean(m76), length(m76))
