# Reference values for tests/test_mullanfiroze.py (prior-SCT 2x2 of the letter: 23/52 vs 23/47).
# Run: Rscript tests/reference/mullanfiroze2022.R
m <- matrix(c(23, 29, 23, 24), 2, byrow = TRUE)
cat(sprintf("%.15g", c(chisq.test(m, correct = FALSE)$statistic, chisq.test(m, correct = FALSE)$p.value,
                       chisq.test(m, correct = TRUE)$statistic, chisq.test(m, correct = TRUE)$p.value,
                       fisher.test(m)$p.value)), sep = ", ")
cat("\n")
