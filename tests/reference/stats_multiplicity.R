# Reference values for tests/test_stats_multiplicity.py (cartcyto.stats.multiplicity.p_adjust).
# Run: Rscript tests/reference/stats_multiplicity.R   (R 4.x, base stats only)
# Each line prints "label: value, value, ..." with 15 significant digits, to paste into the tests.
# p.adjust drops NA from the family (n = number of non-NA p) and returns NA in their place.
out <- function(label, ...) cat(label, ": ", paste(sprintf("%.15g", c(...)), collapse = ", "), "\n", sep = "")

# ties (0.04 twice, 0.01 twice) and missing values
p_ties <- c(0.01, 0.04, 0.04, 0.03, NA, 0.2, 0.5, 0.01, NA, 0.9)
# Benjamini & Hochberg (1995) style example: steps where the step-up and step-down minima bite
p_bh95 <- c(0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324,
            0.4262, 0.5719, 0.6528, 0.759, 1)
# unsorted, with 0 and 1, and values that cap at 1
p_edge <- c(0.5, 0, 1, 0.3, 0.25, 0.004)
# one p: unchanged by every method
p_one <- c(0.03)
# a family of 36 (the size of one univariate table), two ties, three small p
p_36 <- c(0.087, 0.909, 0.199, 0.0004, 0.627, 0.468, 0.94, 0.454, 0.0598, 0.178, 0.0011, 0.0823,
          0.769, 0.402, 0.915, 0.735, 0.593, 0.922, 0.824, 0.979, 0.0021, 0.119, 0.734, 0.724,
          0.383, 0.63, 0.137, 0.203, 0.236, 0.123, 0.63, 0.162, 0.387, 0.029, 0.476, 0.0625)

for (nm in c("p_ties", "p_bh95", "p_edge", "p_one", "p_36")) {
  p <- get(nm)
  for (m in c("holm", "BH", "bonferroni")) out(paste0(nm, " ", m), p.adjust(p, method = m))
}
# all missing: all NA
out("p_na holm", p.adjust(c(NA_real_, NA_real_), method = "holm"))
out("p_na BH", p.adjust(c(NA_real_, NA_real_), method = "BH"))
# a missing p between two others
out("p_mid_na BH", p.adjust(c(0.02, NA, 0.01), method = "BH"))
