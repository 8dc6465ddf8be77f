# Reference values for tests/test_analyses_hematotox.py (hand-made derived table, 12 analysis-set
# patients with a score). Run: Rscript tests/reference/analyses_hematotox.R
suppressMessages(library(pROC))
SCORE <- c(0, 1, 1, 2, 3, 2, 4, 1, 0, 2, 5, 3)
GRADE <- c(0, 1, 3, 2, 4, 3, 3, 1, 0, 2, 4, 1)
DAYS <- c(0, 3, 15, 8, 31, 14, 20, 5, 0, 9, 28, 6)
high <- SCORE >= 2
severe <- GRADE >= 3
tab <- matrix(c(sum(high & severe), sum(!high & severe), sum(high & !severe), sum(!high & !severe)), 2)
f <- fisher.test(tab)
w <- wilcox.test(DAYS[high], DAYS[!high], exact = FALSE, correct = FALSE)
r <- roc(as.integer(severe), SCORE, levels = c(0, 1), direction = "<", quiet = TRUE)
ci <- ci.auc(r, method = "delong")
cat(sprintf("%.12g", c(f$p.value, w$statistic, w$p.value, ci[2], ci[1], ci[3])), sep = ", ")
cat("\n")
